"""Loading a system C library through ctypes, by its usual file names."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Iterable


def first_library(
    names: Iterable[str], stem: str, accept: Callable[[ctypes.CDLL], bool]
) -> ctypes.CDLL | None:
    """The first of ``names`` (then what ``find_library(stem)`` finds) that loads and that
    ``accept`` takes (it may declare the functions it checks); None if none does."""
    for name in dict.fromkeys(n for n in (*names, ctypes.util.find_library(stem)) if n):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if accept(lib):
            return lib
    return None
