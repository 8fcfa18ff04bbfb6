"""The worker side: one Celery task that composes a song and saves it, exactly once.

A job may be delivered more than once (its worker child was killed, a whole worker died
and Redis handed the message out again, a Redis restart). Every delivery first counts an
attempt in the job's record; a song already in the album is success, and saving is
exclusive (the album's atomic rename), so a second delivery never writes a second song
or half of one. After :data:`~composer.cluster.config.MAX_ATTEMPTS` deliveries the job
fails with a clear error instead of killing workers for ever.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

from composer.album import Album, check_id
from composer.cluster import codec
from composer.cluster.config import MAX_ATTEMPTS, TASK
from composer.cluster.store import JobStore, connect
from composer.errors import ComposerError, InputError, NotFoundError, OptionError
from composer.web.worker import compose_and_save, run_job

log = logging.getLogger("composer.cluster")


def worker_name() -> str:
    """``host:pid:parent-pid`` of this worker process (shown in the job's record)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.getppid()}"


def _saved(album: Album, job_id: str) -> bool:
    try:
        album.get(job_id)
    except NotFoundError:
        return False
    return True


def run(job_id: str, store: JobStore, album_root: Path, max_job_s: int) -> str:
    """Compose and save job ``job_id``; returns what happened (for the worker's log).

    Errors of the job itself are recorded in the store, never raised: the message is
    acknowledged and the job shows as failed on every replica.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        check_id(job_id)
    except InputError:
        log.warning("refused a message with an invalid job id %r", job_id[:120])
        return "refused: invalid job id"
    album = Album(album_root)
    attempt = store.start(job_id, worker_name(), MAX_ATTEMPTS)
    if attempt < 0:
        return "skipped (cancelled, failed or done)"
    if _saved(album, job_id):
        store.done(job_id)
        return "already saved"
    if attempt > MAX_ATTEMPTS:
        store.fail(
            job_id,
            "internal",
            f"the composer stopped unexpectedly {MAX_ATTEMPTS} times on this song; giving up",
        )
        return "gave up"
    raw = store.request(job_id)
    if raw is None:
        store.fail(job_id, "internal", "the job's input was lost; send the song again")
        return "input lost"
    try:
        run_job(job_id, compose_and_save, codec.loads(raw), album_root, store.progress)
    except SoftTimeLimitExceeded:
        store.fail(job_id, "timeout", f"the song took longer than {max_job_s} s to make")
        return "timed out"
    except ComposerError as e:
        if isinstance(e, OptionError) and _saved(album, job_id):
            store.done(job_id)  # another delivery of this job saved it first
            return "saved by another delivery"
        store.fail(job_id, e.code, e.message)
        return f"failed: {e.code}"
    except Exception:
        log.exception("job %s failed", job_id)
        store.fail(job_id, "internal", "composing failed unexpectedly")
        return "failed: internal"
    store.done(job_id)
    return f"saved (attempt {attempt})"


def register(app: Any, broker: str, album_root: Path, max_job_s: int) -> Any:
    """Register the compose task on ``app`` for a worker saving into ``album_root``."""
    store: list[JobStore] = []  # one client per worker process, made after the fork

    def compose(job_id: str) -> str:
        if not store:
            store.append(JobStore(connect(broker)))
        return run(str(job_id), store[0], album_root, max_job_s)

    def on_failure(
        task_id: str | None = None, exception: BaseException | None = None, **_: Any
    ) -> None:
        """The hard time limit (the child was stopped, in the worker's main process)."""
        from celery.exceptions import TimeLimitExceeded

        if task_id and isinstance(exception, TimeLimitExceeded):
            if not store:
                store.append(JobStore(connect(broker)))
            store[0].fail(
                str(task_id), "timeout", f"the song took longer than {max_job_s} s to make"
            )

    from celery import signals

    signals.task_failure.connect(on_failure, weak=False)
    return app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)(compose)
