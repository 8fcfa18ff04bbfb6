"""The API side: the web app's job queue, backed by Redis (records) and Celery (messages).

Every replica is stateless: a job is recorded in Redis *before* its message is sent, so
any replica answers for it at once (never a 404 while queued), reads its progress from
the same record (workers write it at most every 0.1 s; the event stream looks every
0.25 s), cancels it, and counts it against the one shared queue limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import redis
from kombu.exceptions import OperationalError

from composer.album import new_song_id
from composer.cluster import codec
from composer.cluster.config import BrokerError, queue_for, redact, task_for
from composer.cluster.store import JobStore
from composer.pipeline import Request
from composer.web.errors import ConflictError, ServiceBusyError
from composer.web.jobs import JobState

log = logging.getLogger("composer.cluster")
T = TypeVar("T")


@contextmanager
def _broker_errors() -> Iterator[None]:
    """Redis down or restarting: a 503 with Retry-After, never a traceback."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, OperationalError) as e:
        log.warning("broker unavailable: %s", e)
        raise ServiceBusyError("the job queue cannot be reached; try again", 5) from None


class ClusterJobs:
    """Queue jobs for Celery workers and answer for them from Redis.

    Parameters
    ----------
    app : celery.Celery
        The app from :func:`composer.cluster.config.make_app`.
    store : JobStore
        The job records (same Redis as the broker).
    max_queue : int
        Most jobs waiting for a worker across all replicas; one more is a 503.
    """

    executor = "celery"
    remote = True  # every call is a Redis round trip

    def __init__(self, app: Any, store: JobStore, *, max_queue: int = 64) -> None:
        if max_queue < 0:
            raise ValueError("max_queue must be >= 0")
        self.app = app
        self.store = store
        self.max_queue = max_queue

    def start(self) -> None:
        """Nothing to start: workers run elsewhere."""

    def shutdown(self) -> None:
        """Close the job store's connections (queued and running jobs carry on). Celery's
        producer pool is process-wide (kombu's), and closes at exit."""
        with suppress(OSError, redis.RedisError):
            self.store.redis.close()

    def submit(self, request: Request, hint: str | None = None) -> JobState:
        """Record the job, then send its message; 503 when the shared queue is full."""
        job_id = new_song_id(hint or "chat")
        queue = queue_for(request.engine)
        with _broker_errors():
            waiting = self.store.add(job_id, queue, codec.dumps(request), self.max_queue)
            if waiting >= 0:
                raise ServiceBusyError(
                    f"{waiting} songs are waiting; try again shortly", _retry(waiting)
                )
            try:
                self.app.send_task(
                    task_for(queue), args=[job_id], task_id=job_id, queue=queue, routing_key=queue
                )
            except BaseException:
                with suppress(redis.RedisError):
                    self.store.forget(job_id)
                raise
            self.store.sent(job_id)
        record = self.store.get(job_id)
        created = record.created if record is not None else 0.0
        return JobState(job_id, "queued", "queued", 0.0, created)

    def state(self, job_id: str) -> JobState | None:
        """The job as every replica sees it; ``None`` when done (in the album) or unknown."""
        with _broker_errors():
            r = self.store.get(job_id)
        if r is None:
            return None
        stage = "starting" if r.stage == "started" else r.stage
        return JobState(
            r.id, r.status, stage, round(r.progress, 4), r.created, r.error_code, r.error_message
        )

    def forget(self, job_id: str) -> bool:
        """Cancel a queued job or drop a failed one (409 while it runs)."""
        with _broker_errors():
            outcome = self.store.forget(job_id)
        if outcome == 2:
            raise ConflictError("the song is being composed; delete it when it is done")
        return outcome == 1

    def stats(self) -> dict[str, Any]:
        """The broker (password hidden), the shared queue and its limit."""
        queued = _or_none(self.store.queued)
        return {
            "executor": self.executor,
            "broker": redact(str(self.app.conf.broker_url)),
            "max_queue": self.max_queue,
            "queued": queued,
        }


def _or_none(fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except redis.RedisError:
        return None


def _retry(waiting: int) -> int:
    return int(min(300, max(5, waiting)))


def ping(store: JobStore, url: str) -> None:
    """Fail with one clear line when the broker cannot be reached."""
    try:
        store.redis.ping()
    except redis.AuthenticationError:
        raise BrokerError(f"the broker {redact(url)} refused the password") from None
    except redis.RedisError as e:
        raise BrokerError(f"cannot reach the broker {redact(url)}: {e}") from None
