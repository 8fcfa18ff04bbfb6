"""Progress reporting: a plain callable, so any front end (CLI bar, web job) can listen."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called as ``progress(stage, done, total)``; ``done`` and ``total`` in any unit."""

    def __call__(self, stage: str, done: float, total: float) -> None: ...


def no_progress(stage: str, done: float, total: float) -> None:
    """The default listener: ignores everything."""
