"""How many CPUs one composition may use.

Rendering, encoding and mood reading use up to this many threads. A server running one
job per core sets ``$PHOTOGRAPH_THREADS`` to 1 in its workers, so that parallel jobs do
not fight over the same cores.
"""

from __future__ import annotations

import os

THREADS_ENV = "PHOTOGRAPH_THREADS"


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
