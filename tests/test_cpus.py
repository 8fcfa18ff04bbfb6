"""The CPU budget one composition may use (composer/cpus.py)."""

from __future__ import annotations

import os

import pytest

from composer.cpus import THREADS_ENV, usable_cpus


def test_budget_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "1")
    assert usable_cpus() == 1
    monkeypatch.setenv(THREADS_ENV, "3")
    assert usable_cpus() == 3


@pytest.mark.parametrize("value", ["", "0", "-2", "two", "1.5"])
def test_bad_budget_falls_back_to_the_machine(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(THREADS_ENV, value)
    assert usable_cpus() == len(os.sched_getaffinity(0))


def test_synth_cores_follow_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.audio import synth

    monkeypatch.setenv(THREADS_ENV, "1")
    assert synth._cores(None) == 1
    assert synth._cores(2) == 2  # an explicit request wins


def test_native_thread_env_keeps_what_the_user_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.cpus import NATIVE_THREAD_VARS, native_thread_env

    for name in NATIVE_THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    env = native_thread_env(1)
    assert set(env) == set(NATIVE_THREAD_VARS)
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["OMP_NUM_THREADS"] == "3"
    with pytest.raises(ValueError):
        native_thread_env(0)
    with pytest.raises(TypeError):
        native_thread_env(True)


def test_native_threads_for_children_puts_the_environment_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from composer.cpus import native_threads_for_children

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with native_threads_for_children(1):
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
        assert os.environ["OMP_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "3"
