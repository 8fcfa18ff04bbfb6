"""The job manager's worker pools (composer/web/jobs.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from composer.cpus import NATIVE_THREAD_VARS, THREADS_ENV
from composer.web.jobs import JobManager


def test_process_workers_start_with_their_share_of_native_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenBLAS, OpenMP and Rayon read their thread counts when a worker imports them, so
    # the workers must inherit the limit: 2 cores, 2 workers -> 1 thread each.
    saved = {name: os.environ.get(name) for name in NATIVE_THREAD_VARS}
    for name in NATIVE_THREAD_VARS:
        os.environ.pop(name, None)
    monkeypatch.setenv(THREADS_ENV, "2")
    manager = JobManager(tmp_path, executor="process", workers=2, warm_up=False)
    try:
        pool = manager._pool("cpu")
        seen = {n: pool.submit(os.getenv, n).result(timeout=60) for n in NATIVE_THREAD_VARS}
        assert seen == dict.fromkeys(NATIVE_THREAD_VARS, "1")
        assert pool.submit(os.getenv, THREADS_ENV).result(timeout=60) == "1"
    finally:
        manager.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
