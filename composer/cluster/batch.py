"""The ``gpu`` queue: MusicGen songs decoded together, a batch of up to eight.

celery-batches collects the waiting messages of :data:`~composer.cluster.config.TASK_GPU`
(up to :data:`~composer.cluster.config.BATCH_SIZE`, or what came within
:data:`~composer.cluster.config.BATCH_WAIT_S`) and hands their job ids to one call in a
worker child. Each job is admitted as the ``cpu`` task admits it (attempts counted, a song
already in the album is success, three lost attempts fail it); then the MusicGen songs are
composed and decoded in one :func:`composer.pipeline.compose_batch` call with the engine
this worker process loaded once, each reporting its own progress, and each is saved with
``once=True``. Songs of another engine on the ``gpu`` queue run one at a time.

A batch's messages are acknowledged when the call returns (celery-batches has no
``reject_on_worker_lost``): when a child dies mid-batch, or the job store cannot be reached
to record an outcome (the child then exits on purpose), Redis hands the messages out again
after ``visibility_timeout``, and the songs already saved are a no-op.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import redis

from composer.cluster import codec
from composer.cluster.store import JobStore
from composer.cluster.tasks import admit, best_effort
from composer.errors import ComposerError
from composer.pipeline import Request
from composer.storage import Storage
from composer.web.worker import compose_and_save_once, run_job, throttled

log = logging.getLogger("composer.cluster")

#: ``engine_for(name)``: the engine this worker process keeps loaded for ``name``.
EngineFor = Callable[[str], Any]

#: Engines whose songs are decoded together (:class:`composer.engines.BatchEngine`).
BATCHED = frozenset({"musicgen"})


def run_batch(
    job_ids: Sequence[str], store: JobStore, album: Storage, engine_for: EngineFor
) -> dict[str, str]:
    """Compose and save the jobs of one batch; returns job id → what happened.

    Errors of the jobs are recorded in the store, never raised; a
    :class:`redis.RedisError` (the store unreachable) is.
    """
    outcomes: dict[str, str] = {}
    groups: dict[tuple[str, str], list[tuple[str, Request]]] = {}
    for job_id in job_ids:
        try:
            admitted = admit(job_id, store, album)
        except ComposerError as e:  # the album could not be read (a bucket's error, say)
            store.fail(job_id, e.code, e.message)
            outcomes[job_id] = f"failed: {e.code}"
            continue
        except OSError as e:
            store.fail(job_id, "storage", f"the album could not be read: {e.strerror or e}")
            outcomes[job_id] = "failed: storage"
            continue
        if isinstance(admitted, str):
            outcomes[job_id] = admitted
            continue
        try:
            request = codec.loads(admitted[0])
        except ComposerError as e:
            store.fail(job_id, e.code, e.message)
            outcomes[job_id] = f"failed: {e.code}"
            continue
        options = json.dumps(request.engine_options, sort_keys=True, default=str)
        groups.setdefault((request.engine, options), []).append((job_id, request))
    for (engine, _), jobs in groups.items():
        if engine in BATCHED:
            outcomes.update(_decode_together(jobs, store, album, engine_for(engine)))
        else:
            outcomes.update(_one_by_one(jobs, store, album))
    return outcomes


def _decode_together(
    jobs: list[tuple[str, Request]], store: JobStore, album: Storage, engine: Any
) -> dict[str, str]:
    from celery.exceptions import SoftTimeLimitExceeded

    from composer.pipeline import compose_batch, save

    sink = best_effort(store)
    progresses = [throttled(job_id, sink) for job_id, _ in jobs]
    try:
        results = compose_batch([r for _, r in jobs], progresses, engine=engine)
    except redis.RedisError:
        raise
    except SoftTimeLimitExceeded:  # the limit is per batch (README: Scale out)
        for job_id, _ in jobs:
            store.fail(job_id, "timeout", "the batch of songs took longer than allowed")
        return {job_id: "timed out" for job_id, _ in jobs}
    except ComposerError as e:  # the engine itself (missing files, out of memory...)
        for job_id, _ in jobs:
            store.fail(job_id, e.code, e.message)
        return {job_id: f"failed: {e.code}" for job_id, _ in jobs}
    except Exception:
        log.exception("batch of %d songs failed", len(jobs))
        for job_id, _ in jobs:
            store.fail(job_id, "internal", "composing failed unexpectedly")
        return {job_id: "failed: internal" for job_id, _ in jobs}
    outcomes: dict[str, str] = {}
    for (job_id, request), result in zip(jobs, results, strict=True):
        if isinstance(result, ComposerError):
            store.fail(job_id, result.code, result.message)
            outcomes[job_id] = f"failed: {result.code}"
            continue
        try:
            sink(job_id, "saving", 0.95)
            save(result, request, album, job_id, once=True)
        except ComposerError as e:
            store.fail(job_id, e.code, e.message)
            outcomes[job_id] = f"failed: {e.code}"
            continue
        store.done(job_id)
        outcomes[job_id] = f"saved (batch of {len(jobs)})"
    return outcomes


def _one_by_one(jobs: list[tuple[str, Request]], store: JobStore, album: Storage) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for job_id, request in jobs:
        try:
            run_job(job_id, compose_and_save_once, request, album, best_effort(store))
        except ComposerError as e:
            store.fail(job_id, e.code, e.message)
            outcomes[job_id] = f"failed: {e.code}"
            continue
        except redis.RedisError:
            raise
        except Exception:
            log.exception("job %s failed", job_id)
            store.fail(job_id, "internal", "composing failed unexpectedly")
            outcomes[job_id] = "failed: internal"
            continue
        store.done(job_id)
        outcomes[job_id] = "saved"
    return outcomes


def register_gpu(
    app: Any, broker: str, storage: str, engine_options: dict[str, Any] | None = None
) -> Any:
    """Register the ``gpu`` queue's batch task on ``app`` (a worker saving into
    ``storage``; ``engine_options`` for the MusicGen engine it loads once per process)."""
    from celery_batches import Batches

    from composer.cluster.config import BATCH_SIZE, BATCH_WAIT_S, TASK_GPU
    from composer.cluster.store import connect
    from composer.storage import open_album

    engines: dict[str, Any] = {}  # loaded once per worker process, at its first batch
    kept: dict[str, Any] = {}  # the job store's client and the album, made after the fork

    def engine_for(name: str) -> Any:
        if name not in engines:
            from composer.engines import load_engine

            engines[name] = load_engine(name, **(engine_options or {}))
        return engines[name]

    def compose_batch_task(requests: list[Any]) -> dict[str, str]:
        if "store" not in kept:
            kept["store"] = JobStore(connect(broker))
            kept["album"] = open_album(storage)
        ids = [str(r.args[0]) if r.args else "" for r in requests]
        try:
            outcomes = run_batch(ids, kept["store"], kept["album"], engine_for)
        except redis.RedisError as e:
            # Outcomes cannot be recorded, and a batch's messages cannot be rejected: exit
            # unacknowledged, so Redis delivers them again (saving is idempotent).
            log.warning("the job store is unreachable (%s); leaving the batch to Redis", e)
            os._exit(75)
        for job_id, what in outcomes.items():
            log.info("job %s: %s", job_id, what)
        return outcomes

    return app.task(
        name=TASK_GPU,
        base=Batches,
        flush_every=BATCH_SIZE,
        flush_interval=BATCH_WAIT_S,
        acks_late=True,
    )(compose_batch_task)
