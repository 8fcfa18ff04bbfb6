"""The worker side: one Celery task that composes a song and saves it, exactly once.

A job may be delivered more than once (its worker child was killed, a whole worker died
and Redis handed the message out again, a Redis restart). Every delivery first counts an
attempt in the job's record; a song already in the album is success, and saving is
idempotent (``save(..., once=True)`` over the album's atomic write: a folder's rename, a
bucket's conditional ``score.json``), so a second delivery never writes a second song or
half of one, and never fails with "already exists". Each worker process opens its album
(a folder or ``s3://bucket/prefix``, :func:`composer.storage.open_album`) once, after the
fork. After :data:`~composer.cluster.config.MAX_ATTEMPTS` deliveries the job
fails with a clear error instead of killing workers for ever. When Redis itself cannot be
reached, the outcome cannot be recorded: the message is rejected (delivered again), never
acknowledged, and progress updates are skipped rather than failing the song.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis

from composer.album import check_id
from composer.cluster import codec
from composer.cluster.config import MAX_ATTEMPTS, TASK
from composer.cluster.store import JobStore, connect
from composer.errors import ComposerError, InputError, NotFoundError
from composer.storage import Storage, open_album
from composer.web.worker import Sink, compose_and_save_once, run_job

log = logging.getLogger("composer.cluster")


def worker_name() -> str:
    """``host:pid:parent-pid`` of this worker process (shown in the job's record)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.getppid()}"


def _saved(album: Storage, job_id: str) -> bool:
    try:
        album.get(job_id)
    except NotFoundError:
        return False
    return True


def best_effort(store: JobStore) -> Sink:
    """Progress that never fails the job (Redis restarting: the next update gets through)."""

    def sink(job_id: str, stage: str, fraction: float) -> None:
        try:
            store.progress(job_id, stage, fraction)
        except redis.RedisError as e:
            log.warning("job %s: progress not recorded: %s", job_id, e)

    return sink


def admit(job_id: str, store: JobStore, album: Storage) -> tuple[str, int] | str:
    """Count a delivery of ``job_id``: its input and attempt number if it is to run now,
    else what happened (recorded in the store: done, given up, input lost)."""
    try:
        check_id(job_id)
    except InputError:
        log.warning("refused a message with an invalid job id %r", job_id[:120])
        return "refused: invalid job id"
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
    return raw, attempt


def run(job_id: str, store: JobStore, album: Storage, max_job_s: int) -> str:
    """Compose and save job ``job_id``; returns what happened (for the worker's log).

    Errors of the job itself are recorded in the store, never raised: the message is
    acknowledged and the job shows as failed on every replica.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        admitted = admit(job_id, store, album)
    except redis.RedisError:
        raise  # the job store is unreachable: the message is not acknowledged (register)
    except ComposerError as e:  # the album could not be read (a bucket's error, say)
        store.fail(job_id, e.code, e.message)
        return f"failed: {e.code}"
    except OSError as e:
        store.fail(job_id, "storage", f"the album could not be read: {e.strerror or e}")
        return "failed: storage"
    if isinstance(admitted, str):
        return admitted
    raw, attempt = admitted
    try:
        run_job(job_id, compose_and_save_once, codec.loads(raw), album, best_effort(store))
    except SoftTimeLimitExceeded:
        store.fail(job_id, "timeout", f"the song took longer than {max_job_s} s to make")
        return "timed out"
    except ComposerError as e:
        store.fail(job_id, e.code, e.message)
        return f"failed: {e.code}"
    except redis.RedisError:
        raise  # the job store is unreachable: the message is not acknowledged (register)
    except Exception:
        log.exception("job %s failed", job_id)
        store.fail(job_id, "internal", "composing failed unexpectedly")
        return "failed: internal"
    store.done(job_id)
    return f"saved (attempt {attempt})"


def register(app: Any, broker: str, storage: str, max_job_s: int) -> Any:
    """Register the compose task on ``app`` for a worker saving into ``storage`` (a folder
    or ``s3://bucket/prefix``)."""
    store: list[JobStore] = []  # one client per worker process, made after the fork
    album: list[Storage] = []  # the album, opened once per worker process (after the fork)

    def compose(job_id: str) -> str:
        from celery.exceptions import Reject

        if not store:
            store.append(JobStore(connect(broker)))
        if not album:
            album.append(open_album(storage))
        try:
            return run(str(job_id), store[0], album[0], max_job_s)
        except redis.RedisError as e:
            # The outcome could not be recorded: deliver the job again (now, or after the
            # visibility timeout if Redis is still down); saving is idempotent.
            log.warning("job %s: the job store is unreachable (%s); delivering it again", job_id, e)
            raise Reject(str(e), requeue=True) from None

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
