"""What runs inside a worker (a process of the pool, or a thread in tests).

Kept free of FastAPI and uvicorn: a spawned worker process imports only this module,
the pipeline and the engine. Progress goes back to the server as small tuples
``(job_id, stage, fraction)`` on a multiprocessing queue (processes) or straight to a
callback (threads).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from composer.album import Record
from composer.cpus import THREADS_ENV
from composer.errors import ComposerError
from composer.pipeline import Request
from composer.progress import Progress
from composer.storage import Storage, open_album

#: ``sink(job_id, stage, fraction)``: where a worker reports progress.
Sink = Callable[[str, str, float], None]

_queue: Any = None  # the multiprocessing queue of this worker process (set by init_process)

#: Workers run this much "nicer" than the server, so requests never wait for a composer.
WORKER_NICE = 10

#: Progress is sent at most this often per job (a new stage is always sent at once).
MIN_INTERVAL_S = 0.1


class ComposeFn(Protocol):
    """Compose one song and save it in ``album`` under the folder name ``name``."""

    def __call__(
        self, request: Request, progress: Progress, album: Storage, name: str
    ) -> Record: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a finished job sends back: the saved id and how long the work took."""

    id: str
    seconds: float


def compose_and_save(request: Request, progress: Progress, album: Storage, name: str) -> Record:
    """The real job: :func:`composer.pipeline.compose`, then ``save`` under ``name``."""
    return _compose_then_save(request, progress, album, name, exclusive=True)


def compose_and_save_once(
    request: Request, progress: Progress, album: Storage, name: str
) -> Record:
    """:func:`compose_and_save` for a job that may run twice (a Celery redelivery): the
    song already saved under ``name`` is the result, never an error or a second song."""
    return _compose_then_save(request, progress, album, name, once=True)


def _compose_then_save(
    request: Request, progress: Progress, album: Storage, name: str, **how: bool
) -> Record:
    from composer.pipeline import compose, save

    def scaled(stage: str, done: float, total: float) -> None:
        progress(stage, 0.9 * (done / total if total > 0 else 0.0), 1.0)

    comp = compose(request, scaled)
    progress("saving", 0.9, 1.0)
    return save(comp, request, album, name, **how)


def init_process(queue: Any, threads: int = 1) -> None:
    """Pool initializer: remember the progress queue, leave Ctrl-C to the server, give
    each job its share of the cores (``threads``; the pool runs one job per core) and
    yield the CPU to the server's event loop (a lower priority, :data:`WORKER_NICE`)."""
    global _queue
    _queue = queue
    os.environ[THREADS_ENV] = str(max(1, threads))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Not on every platform, and maybe not allowed: then run at the server's priority.
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICE)


def warm() -> int:
    """Import the pipeline, load the mood model and the SoundFont, so the first job does
    not pay for them."""
    import composer.midi
    import composer.pipeline  # noqa: F401
    from composer.mood import reader

    try:
        from composer.audio.synth import warm_up

        reader.best()  # loads the trained mood model once (or settles on the word list)
        warm_up()
    except (ImportError, ComposerError, OSError, ValueError):
        return 1  # the job itself will say what is missing
    return 0


def _queue_sink(job_id: str, stage: str, fraction: float) -> None:
    if _queue is not None:
        _queue.put((job_id, stage, fraction))


def run_job(
    job_id: str,
    compose_fn: ComposeFn,
    request: Request,
    album_root: Path | str | Storage,
    sink: Sink | None = None,
) -> Outcome:
    """Run one job and report its progress (throttled) to ``sink`` or the process queue.

    ``album_root``: the album's location (opened here), or an album kept open by the caller.
    """
    emit = sink if sink is not None else _queue_sink
    start = time.monotonic()
    progress = throttled(job_id, emit)
    emit(job_id, "started", 0.0)
    album = open_album(album_root) if isinstance(album_root, str | Path) else album_root
    record = compose_fn(request, progress, album, job_id)
    return Outcome(record.id, time.monotonic() - start)


def throttled(job_id: str, emit: Sink) -> Progress:
    """Job ``job_id``'s progress for ``emit``: a fraction, at most every
    :data:`MIN_INTERVAL_S` per stage (a new stage at once)."""
    last_stage, last_at = "", 0.0

    def progress(stage: str, done: float, total: float) -> None:
        nonlocal last_stage, last_at
        fraction = min(1.0, max(0.0, done / total)) if total > 0 else 0.0
        now = time.monotonic()
        if stage == last_stage and now - last_at < MIN_INTERVAL_S:
            return
        last_stage, last_at = stage, now
        emit(job_id, stage, fraction)

    return progress
