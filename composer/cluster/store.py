"""Job records in Redis: what every API replica answers about a job that is not done.

One hash per job (``photograph:job:<id>``: status, stage, progress, timestamps, attempts,
error), its input apart (``photograph:input:<id>``, so the broker's messages, which
``celery inspect`` shows, carry only ids), and a sorted set of the queued ids (the queue
limit every replica shares). Each change of state is one Lua script, atomic across
replicas and workers. A finished song has no record: it is in the album.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

PREFIX = "photograph:"
QUEUED = PREFIX + "queued"
#: A failed job is remembered this long, as in the embedded pool.
FAILED_TTL_S = 3600
#: An unfinished job's record and input expire after this long (a safety net only).
RECORD_TTL_S = 7 * 24 * 3600
#: A job still ``accepting`` after this long lost its replica before its message was sent.
ORPHAN_S = 60.0

_SUBMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[6])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[1]) then return n end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
redis.call('HSET', KEYS[2], unpack(ARGV, 7))
redis.call('EXPIRE', KEYS[2], ARGV[5])
return -1
"""
_START = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'accepting' and status ~= 'queued' and status ~= 'running' then return -1 end
redis.call('ZREM', KEYS[2], ARGV[1])
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts <= tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'status', 'running', 'stage', 'starting', 'progress', '0',
             'started', ARGV[2], 'updated', ARGV[2], 'worker', ARGV[3])
end
return attempts
"""
_PROGRESS = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local now = tonumber(redis.call('HGET', KEYS[1], 'progress') or '0') or 0
local progress = math.max(now, tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'stage', ARGV[1], 'progress', tostring(progress), 'updated', ARGV[3])
return 1
"""
_SENT = """
if redis.call('HGET', KEYS[1], 'status') == 'accepting' then
  redis.call('HSET', KEYS[1], 'status', 'queued')
end
return 1
"""
_FORGET = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if status == 'running' then return 2 end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""
_FAIL = """
if not redis.call('HGET', KEYS[1], 'status') then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'stage', 'failed', 'error_code', ARGV[1],
           'error_message', ARGV[2], 'finished', ARGV[3], 'updated', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[5])
return 1
"""


@dataclass(frozen=True, slots=True)
class Record:
    """A job as stored: what ``GET /api/songs/{id}`` shows while the song is not done."""

    id: str
    status: str  # queued | running | failed
    stage: str
    progress: float
    created: float
    updated: float
    attempts: int
    queue: str
    worker: str
    error_code: str | None
    error_message: str | None


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url`` that retries briefly (a restarting server, a failover)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=3,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 4),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


def job_key(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def input_key(job_id: str) -> str:
    return f"{PREFIX}input:{job_id}"


class JobStore:
    """The job records of one Redis database (shared by every replica and worker)."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._submit = client.register_script(_SUBMIT)
        self._start = client.register_script(_START)
        self._progress = client.register_script(_PROGRESS)
        self._sent = client.register_script(_SENT)
        self._forget = client.register_script(_FORGET)
        self._fail = client.register_script(_FAIL)

    def add(self, job_id: str, queue: str, request_json: str, max_queue: int) -> int:
        """Record a queued job and its input, unless ``max_queue`` jobs already wait.

        Returns -1 when recorded, else the number of jobs waiting (nothing is written).
        """
        now = time.time()
        fields = {
            "id": job_id,
            "status": "accepting",  # "queued" once its message is sent (sent)
            "stage": "queued",
            "progress": "0",
            "created": repr(now),
            "updated": repr(now),
            "attempts": "0",
            "queue": queue,
        }
        flat = [x for kv in fields.items() for x in kv]
        keys = [QUEUED, job_key(job_id), input_key(job_id)]
        stale = now - RECORD_TTL_S
        args: list[str | int | float] = [max_queue, now, job_id, request_json, RECORD_TTL_S]
        args += [stale, *flat]
        return int(self._submit(keys=keys, args=args))

    def sent(self, job_id: str) -> None:
        """The job's message is on its queue (a worker may have started it already)."""
        self._sent(keys=[job_key(job_id)], args=[])

    def get(self, job_id: str) -> Record | None:
        """The job's record; ``None`` when there is none (unknown, done or deleted).

        A job whose replica died between recording it and sending its message is failed
        here, :data:`ORPHAN_S` after it was accepted (it would wait for ever).
        """
        h: dict[str, Any] = self.redis.hgetall(job_key(job_id))  # type: ignore[assignment]  # sync client
        if not h or "status" not in h:
            return None
        if h["status"] == "accepting":
            if time.time() - float(h.get("created", 0.0)) < ORPHAN_S:
                h["status"] = "queued"  # its message is being sent
            else:
                self.fail(job_id, "internal", "the server stopped before the song was queued")
                return self.get(job_id)
        return Record(
            id=job_id,
            status=h["status"],
            stage=h.get("stage", h["status"]),
            progress=float(h.get("progress", 0.0)),
            created=float(h.get("created", 0.0)),
            updated=float(h.get("updated", 0.0)),
            attempts=int(h.get("attempts", 0)),
            queue=h.get("queue", ""),
            worker=h.get("worker", ""),
            error_code=h.get("error_code"),
            error_message=h.get("error_message"),
        )

    def request(self, job_id: str) -> str | None:
        """The job's input (codec JSON), or ``None`` when it is gone."""
        value: str | None = self.redis.get(input_key(job_id))  # type: ignore[assignment]  # sync client
        return value

    def start(self, job_id: str, worker: str, max_attempts: int) -> int:
        """Mark the job running on ``worker`` and count the attempt.

        Returns the attempt number (more than ``max_attempts``: give up), or -1 when the
        job is not waiting any more (cancelled, failed, or already done).
        """
        keys = [job_key(job_id), QUEUED]
        return int(self._start(keys=keys, args=[job_id, time.time(), worker, max_attempts]))

    def progress(self, job_id: str, stage: str, fraction: float) -> None:
        """Publish a running job's stage and progress (read by every replica); progress
        never goes back within one delivery."""
        now = time.time()
        self._progress(keys=[job_key(job_id)], args=[stage, f"{fraction:.4f}", now])

    def done(self, job_id: str) -> None:
        """The song is in the album: drop the record and the input."""
        self.redis.delete(job_key(job_id), input_key(job_id))
        self.redis.zrem(QUEUED, job_id)

    def fail(self, job_id: str, code: str, message: str) -> None:
        """Record the error; the record expires after :data:`FAILED_TTL_S`."""
        keys = [job_key(job_id), QUEUED, input_key(job_id)]
        self._fail(keys=keys, args=[code, message, time.time(), FAILED_TTL_S, job_id])

    def forget(self, job_id: str) -> int:
        """Drop a queued or failed job: 1 done, 0 unknown, 2 running (not dropped)."""
        keys = [job_key(job_id), QUEUED, input_key(job_id)]
        return int(self._forget(keys=keys, args=[job_id]))

    def queued(self) -> int:
        """Jobs waiting for a worker, across all replicas."""
        return int(self.redis.zcard(QUEUED))
