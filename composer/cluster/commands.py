"""``photograph serve --broker URL`` (a stateless API replica) and ``photograph worker``."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from composer.cluster.config import QUEUES, check_broker, make_app, redact
from composer.cluster.jobs import ClusterJobs, ping
from composer.cluster.store import JobStore, connect
from composer.cpus import THREADS_ENV, usable_cpus
from composer.errors import OptionError
from composer.storage import is_remote, open_album

#: A worker child may take this long to start (it loads the mood model and SoundFont).
CHILD_START_S = 60.0


def _store(url: str) -> JobStore:
    store = JobStore(connect(url))
    ping(store, url)
    return store


def serve(
    broker: str | None,
    storage: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_queue: int = 64,
) -> int:
    """Run one API replica: jobs go to the broker, songs are read from ``storage``."""
    from composer.web.server import serve as serve_web

    url = check_broker(broker)
    jobs = ClusterJobs(make_app(url), _store(url), max_queue=max_queue)
    print(f"photograph: jobs go to {redact(url)}", file=sys.stderr, flush=True)
    return serve_web(host, port, storage, jobs=jobs, max_queue=max_queue)


def parse_queues(text: str) -> list[str]:
    """``cpu``, ``gpu`` or ``cpu,gpu``."""
    queues = [q.strip() for q in text.split(",") if q.strip()]
    bad = [q for q in queues if q not in QUEUES]
    if not queues or bad:
        raise OptionError(f"unknown queue {(bad or [text])[0]!r}; choose cpu, gpu or cpu,gpu")
    return list(dict.fromkeys(queues))


def worker(
    broker: str | None,
    storage: str | Path,
    queues: Sequence[str],
    *,
    concurrency: int | None = None,
    max_job_s: int | None = None,
    log_level: str = "INFO",
    engine_options: dict[str, Any] | None = None,
) -> int:
    """Run a Celery worker for ``queues`` saving into ``storage``; returns its exit code.

    ``concurrency`` defaults to one process per core for ``cpu`` and one for ``gpu``.
    ``engine_options`` (``model``, ``device``, ``dtype``) are the MusicGen engine's that
    each ``gpu`` worker process loads once.
    """
    from celery import signals

    from composer.cluster.config import MAX_JOB_S
    from composer.cluster.tasks import register

    url = check_broker(broker)
    if concurrency is not None and concurrency < 1:
        raise OptionError("--concurrency must be at least 1")
    n = concurrency or (max(1, usable_cpus()) if "gpu" not in queues else 1)
    limit = max_job_s if max_job_s is not None else MAX_JOB_S
    # A clear error now if the folder or bucket cannot be used; each child opens it again.
    open_album(storage)
    where = str(storage) if is_remote(storage) else str(Path(storage).resolve())
    _store(url)
    app = make_app(url, max_job_s=limit)
    register(app, url, where, limit)
    if "gpu" in queues:
        from composer.cluster.batch import register_gpu
        from composer.cluster.config import BATCH_SIZE

        register_gpu(app, url, where, engine_options)
        # celery-batches needs the batch's messages in hand (they stay unacknowledged).
        app.conf.worker_prefetch_multiplier = BATCH_SIZE
    app.set_current()  # the batch task reaches its pool child by name, in the current app
    app.conf.worker_proc_alive_timeout = CHILD_START_S
    _preload()  # children are forked from this process: they start with these imported
    signals.worker_process_init.connect(_warm, weak=False)
    # Each child gets its share of the cores for the native libraries (set before fork).
    os.environ.setdefault(THREADS_ENV, str(max(1, usable_cpus() // n)))
    name = f"photograph-{'-'.join(queues)}-{os.getpid()}@{socket.gethostname()}"
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={n}",
        f"--loglevel={log_level}",
        f"--hostname={name}",
        "--pool=prefork",
        "--without-mingle",
        "--without-gossip",  # not needed (events and inspect work without it)
    ]
    print(
        f"photograph: worker {name}: queues {','.join(queues)}, {n} processes, "
        f"broker {redact(url)}, album {where}",
        file=sys.stderr,
        flush=True,
    )
    try:
        app.worker_main(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def _preload() -> None:
    """Import the pipeline, the synth and the mood reader's code (no model, no thread: safe
    to fork), so a child that replaces a killed one is ready sooner."""
    import composer.audio.synth
    import composer.midi
    import composer.mood.reader
    import composer.pipeline  # noqa: F401


def _warm(**_: Any) -> None:
    """Each worker child loads the pipeline, mood model and SoundFont before its first job."""
    from composer.web.worker import warm

    warm()
