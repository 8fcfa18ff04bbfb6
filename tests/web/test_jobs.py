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

        def ask(pool: str, name: str) -> str | None:
            return manager._run_in(pool, os.getenv, name).result(timeout=60)

        seen = {n: ask("cpu", n) for n in NATIVE_THREAD_VARS}
        assert seen == dict.fromkeys(NATIVE_THREAD_VARS, "1")
        assert ask("cpu", THREADS_ENV) == "1"
        # The one-job pool (GPU engines) gets both cores, whichever pool started first,
        # and the server's own environment is left as it was.
        assert ask("gpu", "OPENBLAS_NUM_THREADS") == "2"
        assert all(n not in os.environ for n in NATIVE_THREAD_VARS)
    finally:
        manager.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
