"""A job longer than ``--max-job-seconds`` fails with a clear error (a real worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from composer.cluster.config import make_app
from composer.cluster.jobs import ClusterJobs
from composer.cluster.store import JobStore, connect
from composer.music.options import SongOptions
from composer.pipeline import Request

from .conftest import Cluster, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jobs(cluster: Cluster) -> Iterator[ClusterJobs]:
    cluster.worker(max_job_s=1)
    queue = ClusterJobs(make_app(cluster.redis.url), JobStore(connect(cluster.redis.url)))
    yield queue
    queue.shutdown()


def test_a_job_past_the_time_limit_fails_clearly(jobs: ClusterJobs, cluster: Cluster) -> None:
    long = Request(moment="a very long night", song=SongOptions(length_s=600))
    job = jobs.submit(long)
    failed = wait_for(
        lambda: (s := jobs.state(job.id)) is not None and s.status == "failed" and s, 60, "failure"
    )
    assert failed.error_code == "timeout"
    assert failed.error_message == "the song took longer than 1 s to make"
    assert not (cluster.album / job.id).exists()
