"""How many CPUs one composition may use.

Rendering, encoding and mood reading use up to this many threads. A server running one
job per core sets ``$PHOTOGRAPH_THREADS`` to 1 in its workers, so that parallel jobs do
not fight over the same cores.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

THREADS_ENV = "PHOTOGRAPH_THREADS"

#: Thread counts of native libraries, read once when each library loads: OpenBLAS (behind
#: NumPy; its idle threads spin, burning a core for no gain on our small products),
#: OpenMP, MKL, and Rayon (the tokenizer's pool).
NATIVE_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "RAYON_NUM_THREADS",
)


def usable_cpus() -> int:
    """``$PHOTOGRAPH_THREADS`` when set to a positive integer, else the CPUs this process
    may run on."""
    budget = os.environ.get(THREADS_ENV, "")
    if budget.isdigit() and int(budget) > 0:
        return int(budget)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def native_thread_env(threads: int) -> dict[str, str]:
    """Variables that hold the native libraries of a *new* process to ``threads`` threads.

    Values the user has set are kept. They must be in the environment before the process
    imports NumPy (a server sets them before it starts its workers).
    """
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError("threads must be an int")
    if threads < 1:
        raise ValueError("threads must be at least 1")
    return {name: os.environ.get(name, str(threads)) for name in NATIVE_THREAD_VARS}


@contextlib.contextmanager
def native_threads_for_children(threads: int) -> Iterator[None]:
    """Processes started inside the block get :func:`native_thread_env` ``(threads)``.

    This process's environment is put back on leaving, so pools of different sizes (and
    anything else the process starts later) each get their own count.
    """
    env = native_thread_env(threads)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
