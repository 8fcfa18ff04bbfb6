"""End to end on one machine: a real Redis, real ``photograph worker`` processes (Celery,
prefork) and two real API replicas (``photograph serve --broker``), composing real songs
with the synth engine. Workers are killed (a child, a whole worker), a replica and Redis
are restarted mid-job: every accepted song still appears, exactly once."""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from .conftest import SONG, Cluster, Proc, call, wait_for

pytestmark = pytest.mark.slow


class Open:
    """Unpickling this opens (creates) a file: the proof that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


@pytest.fixture(scope="module")
def replicas(cluster: Cluster) -> Iterator[tuple[Proc, Proc]]:
    """Two workers (one process each) and two API replicas, started together."""
    workers = [cluster.worker(wait=False), cluster.worker(wait=False)]
    a, b = cluster.api(), cluster.api()
    for w in workers:
        wait_for(lambda w=w: " ready." in w.text(), 60, "the workers")
    yield a, b


def read_events(url: str) -> list[tuple[str, dict[str, Any]]]:
    """A song's Server-Sent Events, to the end of the stream."""
    events: list[tuple[str, dict[str, Any]]] = []
    with urllib.request.urlopen(url, timeout=90) as stream:
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    return events


class Follow(threading.Thread):
    """Read an event stream in the background."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.events: list[tuple[str, dict[str, Any]]] = []

    def run(self) -> None:
        self.events = read_events(self.url)


def post(api: Proc, moment: str, **options: Any) -> str:
    status, body = call("POST", api.base + "/api/songs", {"moment": moment, **SONG, **options})
    assert status == 202, body
    return str(body["id"])


def record(cluster: Cluster, song_id: str) -> dict[str, str]:
    client = redis.Redis.from_url(cluster.redis.url, decode_responses=True)
    try:
        return client.hgetall(f"photograph:job:{song_id}")  # type: ignore[return-value]
    finally:
        client.close()


def running(cluster: Cluster, song_id: str, attempt: int = 1) -> tuple[int, int]:
    """Wait until the job runs (its ``attempt``-th delivery); its (child, worker) pids."""
    rec = wait_for(
        lambda: (
            (r := record(cluster, song_id)).get("status") == "running"
            and int(r.get("attempts", 0)) == attempt
            and r
        ),
        60,
        f"{song_id} to run (attempt {attempt})",
        0.02,
    )
    _, child, parent = rec["worker"].rsplit(":", 2)
    return int(child), int(parent)


def done(api: Proc, song_id: str, timeout: float = 60) -> dict[str, Any]:
    def check() -> Any:
        status, body = call("GET", f"{api.base}/api/songs/{song_id}")
        assert status == 200, body  # never a 404 while the job is queued or running
        assert body["status"] != "failed", body
        return body if body["status"] == "done" else None

    result: dict[str, Any] = wait_for(check, timeout, f"{song_id} to be done", 0.2)
    return result


def copies(cluster: Cluster, song_id: str) -> list[str]:
    """The album's folders for this id (a duplicate would be ``<id>-2``), temporaries too."""
    return sorted(p.name for p in cluster.album.iterdir() if song_id in p.name)


def test_post_on_a_follow_on_b_download_from_b(cluster: Cluster, replicas: tuple[Proc, Proc]):
    a, b = replicas
    song_id = post(a, "a quiet walk by the sea")
    status, first = call("GET", f"{b.base}/api/songs/{song_id}")
    assert status == 200 and first["status"] in ("queued", "running", "done"), first
    events = read_events(f"{b.base}/api/songs/{song_id}/events")
    names = [e for e, _ in events]
    assert names[-1] == "done" and "progress" in names, names
    progress = [d["progress"] for e, d in events if e == "progress"]
    assert progress == sorted(progress)
    status, midi = call("GET", f"{b.base}/api/songs/{song_id}/song.mid")
    assert status == 200 and midi[:4] == b"MThd"
    status, ogg = call("GET", f"{b.base}/api/songs/{song_id}/audio.ogg")
    assert status == 200 and ogg[:4] == b"OggS"
    status, page = call("GET", f"{b.base}/api/songs?limit=100")
    assert [i["id"] for i in page["items"]].count(song_id) == 1
    status, _ = call("DELETE", f"{b.base}/api/songs/{song_id}")
    assert status == 204
    assert call("GET", f"{a.base}/api/songs/{song_id}")[0] == 404


def test_a_worker_child_killed_mid_job(cluster: Cluster, replicas: tuple[Proc, Proc]):
    a, b = replicas
    song_id = post(a, "storm over the harbour")
    child, _ = running(cluster, song_id)
    os.kill(child, signal.SIGKILL)
    view = done(b, song_id)
    assert view["id"] == song_id and copies(cluster, song_id) == [song_id]


def test_a_whole_worker_killed_mid_job(cluster: Cluster, replicas: tuple[Proc, Proc]):
    a, b = replicas
    song_id = post(b, "the last train home")
    _, parent = running(cluster, song_id)
    victim = next(p for p in cluster.procs if p.popen.pid == parent)
    victim.signal_all(signal.SIGKILL)  # the machine is gone: worker and children
    victim.popen.wait(10)
    cluster.worker(wait=False)  # its replacement (the job may go to either worker)
    done(a, song_id, timeout=90)  # after Redis' visibility timeout
    assert copies(cluster, song_id) == [song_id]


def test_a_replica_restarted_mid_job(cluster: Cluster, replicas: tuple[Proc, Proc]):
    a, b = replicas
    song_id = post(a, "a birthday in the garden")
    running(cluster, song_id)
    a.signal_all(signal.SIGKILL)
    a.popen.wait(10)
    again = cluster.api(port=a.port)
    done(again, song_id)
    assert call("GET", f"{b.base}/api/songs/{song_id}")[1]["status"] == "done"
    assert copies(cluster, song_id) == [song_id]


def test_a_job_that_keeps_killing_its_worker_fails_after_three_attempts(
    cluster: Cluster, replicas: tuple[Proc, Proc]
):
    _, b = replicas
    song_id = post(b, "the song that crashes")
    for attempt in (1, 2, 3):
        child, _ = running(cluster, song_id, attempt)
        os.kill(child, signal.SIGKILL)

    def failed() -> Any:
        body = call("GET", f"{b.base}/api/songs/{song_id}")[1]
        return body if body["status"] == "failed" else None

    body = wait_for(failed, 60, "the job to fail", 0.2)
    assert "3 times" in body["error"]["message"], body
    assert copies(cluster, song_id) == []


def test_a_pickled_message_is_refused(cluster: Cluster, replicas: tuple[Proc, Proc], tmp_path):
    from celery import Celery

    marker = tmp_path / "pickle-was-loaded"
    sender = Celery("attacker", broker=cluster.redis.url, set_as_current=False)
    sender.conf.task_serializer = "pickle"
    sender.send_task("photograph.compose", args=[Open(marker)], queue="cpu", routing_key="cpu")
    assert pickle.loads(pickle.dumps(Open(tmp_path / "probe"))) is not None  # the probe works
    assert (tmp_path / "probe").exists()
    logs = [p for p in cluster.procs if "worker" in p.args]
    wait_for(
        lambda: any("Refusing to deserialize" in p.text() for p in logs), 60, "the refusal", 0.2
    )
    song_id = post(replicas[0], "after the attack")
    done(replicas[1], song_id)
    assert not marker.exists()


def test_redis_restarted_with_jobs_waiting(cluster: Cluster, replicas: tuple[Proc, Proc]):
    a, b = replicas
    ids = [post(a if i % 2 else b, f"rain on the window {i}") for i in range(4)]
    waiting = [i for i in ids if record(cluster, i).get("status") == "queued"]
    assert waiting, "every job already started: nothing was waiting in Redis"
    follower = Follow(f"{b.base}/api/songs/{waiting[-1]}/events")  # open across the restart
    follower.start()
    time.sleep(1.5)  # appendfsync everysec: accepted more than a second ago
    cluster.redis.kill()
    time.sleep(3)  # down longer than the clients' retries: replicas answer 503 meanwhile
    status, body = call("GET", f"{a.base}/api/songs/{ids[0]}")
    assert status == 503 and body["error"]["code"] == "busy", body
    cluster.redis.start()
    after = post(a, "the first song after the restart")  # replicas reconnect by themselves
    for song_id in [*ids, after]:
        done(b, song_id, timeout=90)
        assert copies(cluster, song_id) == [song_id]
    follower.join(30)
    assert follower.events and follower.events[-1][0] == "done", follower.events
