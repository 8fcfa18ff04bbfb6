"""The broker URL and the Celery app that API replicas and workers share.

Settings that matter (README, "Scale out"):

- messages are JSON only (``accept_content=["json"]``): a pickled message would run code on
  the worker that opens it, so a worker refuses it and drops it;
- late acknowledgement (``task_acks_late``, ``task_reject_on_worker_lost``): a message is
  acknowledged when its song is saved; a worker child killed mid-job puts it straight
  back on its queue, a whole worker killed leaves it unacknowledged in Redis, and Redis
  hands it out again after ``visibility_timeout``;
- ``visibility_timeout`` comes from the longest job allowed (``max_job_s``, default
  :data:`MAX_JOB_S`, 30 minutes): :func:`visibility_timeout` adds a sixth (at least 5 s),
  so a job still running is never handed to a second worker, and a lost one comes back
  that long after it started. The job's soft time limit is ``max_job_s``; past it the
  job fails with a clear error;
- one message per worker process at a time (``worker_prefetch_multiplier=1``): a long
  MusicGen job never holds a second song hostage;
- queues ``cpu`` (the synth engine; task :data:`TASK`) and ``gpu`` (every other engine;
  task :data:`TASK_GPU`, which celery-batches hands up to :data:`BATCH_SIZE` waiting songs
  at once, after at most :data:`BATCH_WAIT_S`; a worker of the ``gpu`` queue prefetches
  that many messages).
"""

from __future__ import annotations

import os
import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

from composer.errors import OptionError, StorageError

#: Environment variable for ``--broker``.
BROKER_ENV = "PHOTOGRAPH_BROKER"
#: Longest job allowed by default (seconds): a 10-minute MusicGen song on a slow GPU.
MAX_JOB_S = 1800
#: A job that stops its worker this many times fails.
MAX_ATTEMPTS = 3
QUEUES = ("cpu", "gpu")
CPU_ENGINES = frozenset({"synth"})
TASK = "photograph.compose"
#: The ``gpu`` queue's task: MusicGen songs decoded together (celery-batches).
TASK_GPU = "photograph.compose_batch"
#: At most this many songs in one batch (the fast decoder's largest CUDA graph) ...
BATCH_SIZE = 8
#: ... and a lone song waits at most about this long for others to join it.
BATCH_WAIT_S = 1.0


class BrokerError(StorageError):
    """The broker (Redis) cannot be reached or refused us."""

    code = "broker"


def queue_for(engine: str) -> str:
    """The queue a job goes to: ``cpu`` for the synth engine, ``gpu`` for the rest."""
    return "cpu" if engine in CPU_ENGINES else "gpu"


def task_for(queue: str) -> str:
    """The task a queue's messages name: one song at a time (``cpu``), batches (``gpu``)."""
    return TASK_GPU if queue == "gpu" else TASK


def check_broker(url: str | None) -> str:
    """Validate a broker URL (``redis://[:password@]host[:port][/db]`` or ``rediss://``)."""
    url = (url or os.environ.get(BROKER_ENV) or "").strip()
    if not url:
        raise OptionError(f"no broker given (--broker redis://HOST:PORT/DB or ${BROKER_ENV})")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise OptionError(f"invalid broker URL {redact(url)!r}: {e}") from None
    if parts.scheme not in ("redis", "rediss"):
        raise OptionError(
            f"invalid broker URL {redact(url)!r}: use redis://HOST:PORT/DB or rediss:// (TLS)"
        )
    if not parts.hostname:
        raise OptionError(f"invalid broker URL {redact(url)!r}: no host")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise OptionError(f"invalid broker URL {redact(url)!r}: the database must be a number")
    del port  # read only to validate it
    return url


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<broker URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def visibility_timeout(max_job_s: int) -> int:
    """Seconds before Redis hands an unacknowledged job to another worker."""
    return int(max_job_s + max(5, max_job_s // 6))


def _ssl_options(url: str) -> dict[str, Any] | None:
    """``rediss://``: verify the server's certificate unless the URL says otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "rediss" or "ssl_cert_reqs" in parse_qs(parts.query):
        return None
    return {"ssl_cert_reqs": ssl.CERT_REQUIRED}


def make_app(broker: str, *, max_job_s: int = MAX_JOB_S) -> Any:
    """The Celery app for ``broker`` (tasks are registered by :mod:`composer.cluster.tasks`)."""
    from celery import Celery
    from kombu import Queue

    if max_job_s < 1:
        raise OptionError("the longest job must be at least 1 second")
    timeout = visibility_timeout(max_job_s)
    app = Celery("photograph", broker=broker, set_as_current=False)
    transport = {
        "visibility_timeout": timeout,
        # Look for abandoned messages often enough to hand them out soon after timeout.
        "unacked_restore_interval": max(1, min(10, timeout // 10)),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_accept_content=["json"],
        event_serializer="json",
        task_ignore_result=True,  # the job store in Redis is the record, not a result backend
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        # A lost broker connection does not cancel running songs: they finish and are
        # saved; if their ack is lost, the redelivery finds the song saved (a no-op).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_queues=[Queue(q, routing_key=q) for q in QUEUES],
        task_default_queue="cpu",
        task_create_missing_queues=False,
        task_soft_time_limit=max_job_s,
        # the hard limit falls inside the visibility timeout: a job stuck in C code is
        # killed before Redis could hand its message to a second worker
        task_time_limit=max_job_s + max(2, (timeout - max_job_s) // 2),
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        broker_use_ssl=_ssl_options(broker),
        worker_send_task_events=True,  # celery events / Flower can watch the workers
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        enable_utc=True,
    )
    app.conf.photograph_max_job_s = max_job_s
    return app
