"""The cluster with its album in a bucket: a real Redis, a real ``photograph worker`` and
API replica on ``--storage s3://…`` against a real S3-compatible server (moto's server
mode, as in ``tests/storage``). A job whose worker child is killed mid-job is delivered
again and its song is in the bucket once; a delivery that finds its song complete is a
success."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.cluster.config import make_app
from composer.cluster.jobs import ClusterJobs
from composer.cluster.store import JobStore, connect
from composer.cluster.tasks import run
from composer.music.options import SongOptions
from composer.pipeline import Request
from composer.storage import open_album
from tests.storage import conftest as s3_fixtures  # skips the module without boto3, moto

from .conftest import Cluster, RedisServer, call, wait_for
from .test_cluster import done, post, running

# The moto S3 server and a new bucket per test, as in tests/storage.
s3_endpoint = s3_fixtures.s3_endpoint
s3_env = s3_fixtures.s3_env
bucket = s3_fixtures.bucket
s3_location = s3_fixtures.s3_location

pytestmark = pytest.mark.slow


def _score_keys(location: str) -> list[str]:
    """Every ``score.json`` under the album's prefix (one per complete song)."""
    from composer.storage.s3 import client, parse

    name, prefix = parse(location)
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return sorted(k for k in keys if k.endswith("/score.json"))


@pytest.fixture
def s3_cluster(tmp_path: Path, redis_server: RedisServer, s3_location: str) -> Iterator[Cluster]:
    connect(redis_server.url).flushdb()
    c = Cluster(tmp_path / "cluster", redis_server, storage=s3_location)
    c.folder.mkdir()
    yield c
    c.close()


def test_workers_save_into_a_bucket_once(s3_cluster: Cluster, s3_location: str) -> None:
    worker = s3_cluster.worker(wait=False)
    api = s3_cluster.api()
    wait_for(lambda: " ready." in worker.text(), 60, "the worker")
    song_id = post(api, "a lighthouse in the fog")
    child, _ = running(s3_cluster, song_id)
    os.kill(child, signal.SIGKILL)  # delivered again to the worker's new child
    view = done(api, song_id, timeout=90)
    assert view["id"] == song_id
    status, midi = call("GET", f"{api.base}/api/songs/{song_id}/song.mid")
    assert status == 200 and midi[:4] == b"MThd"
    assert [r.id for r in open_album(s3_location).list()] == [song_id]
    assert _score_keys(s3_location) == [f"album/{song_id}/score.json"]


def test_a_delivery_that_finds_its_song_in_the_bucket_succeeds(
    redis_server: RedisServer, s3_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composer.cluster import tasks
    from composer.web.worker import compose_and_save_once

    client = connect(redis_server.url)
    client.flushdb()
    jobs = ClusterJobs(make_app(redis_server.url), JobStore(client))
    album = open_album(s3_location)
    request = Request(moment="twice at once", song=SongOptions(length_s=10), no_audio=True)
    job = jobs.submit(request)
    # Another delivery saved it after this one looked: saving once is still a success.
    first = compose_and_save_once(request, lambda *_: None, album, job.id)
    monkeypatch.setattr(tasks, "_saved", lambda album, job_id: False)
    try:
        assert run(job.id, jobs.store, album, 60).startswith("saved")
        assert jobs.state(job.id) is None  # done, not failed
    finally:
        jobs.shutdown()
    assert [r.id for r in album.list()] == [job.id]
    assert album.get(job.id).stamp == first.stamp
    assert _score_keys(s3_location) == [f"album/{job.id}/score.json"]
