"""Background composing: a bounded queue in front of a pool of workers.

Composing is CPU-bound Python (mood, composition) plus C (FluidSynth), so the default
pool is made of *processes* (``spawn``): the server's event loop never competes with a
composer for the GIL, and every core is used. The CPU engine runs one job per core; any
other engine (MusicGen on a GPU) runs one job at a time in a pool of its own. A pool of
*threads* is available for tests and for engines that release the GIL.

A job's id is the name its song folder gets in the album when it is done. The manager
only remembers unfinished and failed jobs; a finished song is read back from the album.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol

from composer.album import new_song_id
from composer.cpus import native_threads_for_children, usable_cpus
from composer.errors import ComposerError
from composer.pipeline import Request
from composer.web.errors import ConflictError, ServiceBusyError
from composer.web.worker import ComposeFn, Outcome, compose_and_save, init_process, run_job, warm

log = logging.getLogger("composer.web")

ExecutorKind = Literal["process", "thread"]
CPU_ENGINES = frozenset({"synth"})
MAX_FAILED_KEPT = 1000
FAILED_TTL_S = 3600.0


@dataclass(frozen=True, slots=True)
class JobState:
    """A snapshot of one unfinished or failed job."""

    id: str
    status: str  # queued | running | failed
    stage: str
    progress: float
    created: float
    error_code: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class _Job:
    id: str
    pool: str
    status: str = "queued"
    stage: str = "queued"
    progress: float = 0.0
    created: float = 0.0
    finished: float = 0.0
    error: tuple[str, str] | None = None
    future: Future[Outcome] | None = None

    def snapshot(self) -> JobState:
        code, message = self.error if self.error else (None, None)
        return JobState(
            self.id, self.status, self.stage, round(self.progress, 4), self.created, code, message
        )


class JobQueue(Protocol):
    """What the routes need of a job manager: :class:`JobManager` (the embedded pool) or
    ``composer.cluster.jobs.ClusterJobs`` (Celery workers, records in Redis)."""

    #: Calls go over the network: the routes make them from a worker thread.
    remote: bool

    def start(self) -> None: ...
    def shutdown(self) -> None: ...
    def submit(self, request: Request, hint: str | None = None) -> JobState: ...
    def state(self, job_id: str) -> JobState | None: ...
    def forget(self, job_id: str) -> bool: ...
    def stats(self) -> dict[str, Any]: ...


def cpu_count() -> int:
    """Cores this server may use (``$PHOTOGRAPH_THREADS`` or the affinity mask)."""
    return max(1, usable_cpus())


class JobManager:
    """Queue, run and track compose jobs (in this process's memory: not ``remote``).

    Parameters
    ----------
    album_root : Path or str
        The album the workers save into: a folder or ``s3://bucket/prefix``.
    compose_fn : callable, optional
        ``compose_fn(request, progress, album, name) -> Record``; the real pipeline by
        default. With ``executor="process"`` it must be picklable (a module-level function).
    workers : int, optional
        Size of the CPU pool (default: one per core).
    max_queue : int
        Most jobs waiting for a worker; one more raises :class:`ServiceBusyError`.
    executor : {"process", "thread"}
        Pool kind.
    """

    def __init__(
        self,
        album_root: Path | str,
        compose_fn: ComposeFn | None = None,
        *,
        workers: int | None = None,
        max_queue: int = 64,
        executor: ExecutorKind = "process",
        warm_up: bool = True,
    ) -> None:
        if executor not in ("process", "thread"):
            raise ValueError(f"executor must be 'process' or 'thread', not {executor!r}")
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        if max_queue < 0:
            raise ValueError("max_queue must be >= 0")
        self.album_root = album_root
        self.compose_fn: ComposeFn = compose_fn or compose_and_save
        self.workers = workers or cpu_count()
        self.max_queue = max_queue
        self.executor = executor
        self.warm_up = warm_up
        self._lock = threading.RLock()  # a cancel() runs _finish in this thread
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._pools: dict[str, Executor] = {}
        self._shares: dict[str, int] = {}  # cores per job in each process pool
        self._queue: Any = None
        self._reader: threading.Thread | None = None
        self._seconds = 0.0  # running mean of a job's duration, for Retry-After
        self._closed = False
        self.completed = 0
        self.remote = False

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start the progress reader and warm the CPU pool (process pools only)."""
        with self._lock:
            self._closed = False  # started again after a shutdown (an app's lifespan re-run)
        if self.executor != "process" or self._queue is not None:
            return
        self._queue = multiprocessing.get_context("spawn").Queue()
        self._reader = threading.Thread(
            target=self._read_progress, name="job-progress", daemon=True
        )
        self._reader.start()
        if self.warm_up:
            for _ in range(self.workers):
                self._run_in("cpu", warm)

    def shutdown(self) -> None:
        """Cancel queued jobs, stop the workers (running jobs are abandoned)."""
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            # A running job cannot be interrupted politely: stop its process, or the
            # interpreter would wait for it at exit.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in processes:
                if proc.is_alive():
                    proc.terminate()
        if self._queue is not None:
            self._queue.put(None)
            if self._reader is not None:
                self._reader.join(timeout=2)
            self._queue.close()
            self._queue = None

    def _pool(self, name: str) -> Executor:
        pool = self._pools.get(name)
        if pool is None:
            size = self.workers if name == "cpu" else 1
            if self.executor == "process":
                if self._queue is None:
                    self.start()
                # Each job gets its share of the cores, so parallel jobs do not compete
                # (the native libraries' share is set as the workers start: _run_in).
                share = self._shares[name] = max(1, usable_cpus() // size)
                pool = ProcessPoolExecutor(
                    max_workers=size,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=init_process,
                    initargs=(self._queue, share),
                )
            else:
                pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"job-{name}")
            self._pools[name] = pool
        return pool

    # ------------------------------------------------------------------- submit
    def submit(self, request: Request, hint: str | None = None) -> JobState:
        """Queue a job; raises :class:`ServiceBusyError` when the queue is full."""
        pool_name = "cpu" if request.engine in CPU_ENGINES else "gpu"
        with self._lock:
            if self._closed:
                raise ServiceBusyError("the server is shutting down", retry_after=30)
            self._expire()
            waiting = sum(1 for j in self._jobs.values() if j.status == "queued")
            if waiting >= self.max_queue:
                raise ServiceBusyError(
                    f"{waiting} songs are waiting; try again shortly",
                    retry_after=self._retry_after(),
                )
            job = _Job(new_song_id(hint or "chat"), pool_name, created=time.time())
            self._jobs[job.id] = job
            try:
                job.future = self._submit(pool_name, job.id, request)
            except BaseException:
                del self._jobs[job.id]
                raise
        job.future.add_done_callback(partial(self._finish, job.id))
        return job.snapshot()

    def _submit(self, pool_name: str, job_id: str, request: Request) -> Future[Outcome]:
        sink = None if self.executor == "process" else self._update
        job = partial(run_job, job_id, self.compose_fn, request, self.album_root, sink)
        try:
            return self._run_in(pool_name, job)
        except BrokenProcessPool:
            log.warning("worker pool %s was broken; starting a new one", pool_name)
            self._pools.pop(pool_name, None)
        return self._run_in(pool_name, job)

    def _run_in(self, pool_name: str, fn: Any, *args: Any) -> Future[Any]:
        """Submit ``fn(*args)`` to a pool. A process pool starts its workers inside
        ``submit``: the native libraries' thread counts are read from the environment
        they inherit there, so it holds this pool's share for that moment only."""
        with self._lock:
            pool = self._pool(pool_name)
            if self.executor != "process":
                return pool.submit(fn, *args)
            with native_threads_for_children(self._shares[pool_name]):
                return pool.submit(fn, *args)

    def _retry_after(self) -> int:
        busy = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
        per_job = self._seconds or 10.0
        return int(min(300.0, max(1.0, per_job * busy / self.workers)))

    # ----------------------------------------------------------------- progress
    def _update(self, job_id: str, stage: str, fraction: float) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status not in ("queued", "running"):
                return
            job.status = "running"
            job.stage = "starting" if stage == "started" else stage
            job.progress = max(job.progress, float(fraction))

    def _read_progress(self) -> None:
        queue = self._queue
        while True:
            try:
                item = queue.get()
            except (EOFError, OSError):
                return
            if item is None:
                return
            self._update(*item)

    def _finish(self, job_id: str, future: Future[Outcome]) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if future.cancelled():
                del self._jobs[job_id]
                return
            error = future.exception()
            if error is None:
                outcome = future.result()
                n = self.completed = self.completed + 1
                self._seconds += (outcome.seconds - self._seconds) / min(n, 20)
                del self._jobs[job_id]
                return
            job.status, job.finished, job.future = "failed", time.monotonic(), None
            if isinstance(error, ComposerError):
                job.error = (error.code, error.message)
            elif isinstance(error, BrokenProcessPool):
                log.error("job %s: the worker process stopped unexpectedly", job_id)
                job.error = ("internal", "the composer stopped unexpectedly; try again")
                if self._pools.get(job.pool) is not None:
                    self._pools.pop(job.pool, None)
            else:
                log.error("job %s failed", job_id, exc_info=error)
                job.error = ("internal", "composing failed unexpectedly")

    def _expire(self) -> None:
        now = time.monotonic()
        failed = [j for j in self._jobs.values() if j.status == "failed"]
        for j in failed[: max(0, len(failed) - MAX_FAILED_KEPT)]:
            del self._jobs[j.id]
        for j in failed:
            if now - j.finished > FAILED_TTL_S and j.id in self._jobs:
                del self._jobs[j.id]

    # ------------------------------------------------------------------ queries
    def state(self, job_id: str) -> JobState | None:
        """The job's snapshot, or ``None`` when it is not (or no longer) tracked."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.snapshot() if job is not None else None

    def forget(self, job_id: str) -> bool:
        """Cancel a queued job or drop a failed one; ``False`` if unknown.

        Raises :class:`ConflictError` for a running job (it cannot be interrupted).
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return False
            if job.status == "running" or (job.future is not None and not job.future.cancel()):
                raise ConflictError("the song is being composed; delete it when it is done")
            self._jobs.pop(job_id, None)
            return True

    def stats(self) -> dict[str, Any]:
        """Workers, queued and running jobs, mean job time."""
        with self._lock:
            statuses = [j.status for j in self._jobs.values()]
        return {
            "executor": self.executor,
            "workers": self.workers,
            "max_queue": self.max_queue,
            "queued": statuses.count("queued"),
            "running": statuses.count("running"),
            "completed": self.completed,
            "mean_job_s": round(self._seconds, 3),
        }
