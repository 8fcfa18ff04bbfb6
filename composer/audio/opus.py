"""Ogg Opus written through the system's libsndfile, when it has one that writes Opus.

soundfile's wheels bundle libsndfile with a libopus that encodes ~3.5x slower than a
distribution's (built without its SIMD code, it seems): a 124 s song took 3.7-4.2
CPU-seconds with the bundled library and 1.0-1.1 with Debian's ``libsndfile1`` (a
dependency of ``libfluidsynth3``), for the same bitrate (~121 kbit/s), complexity (10:
libsndfile sets it) and decoded loudness. So Opus is written through the system library
when there is one, opened with ctypes beside soundfile's own (each keeps its symbols);
reading stays with soundfile.
"""

from __future__ import annotations

import ctypes
import tempfile
import threading
from typing import Any

import numpy as np

from composer.audio.clib import first_library

__all__ = ["PREFER_SYSTEM", "SystemOpusWriter", "encode_with_system", "system_library"]

#: Write Opus with the system libsndfile when it can (False: always soundfile's).
PREFER_SYSTEM = True

_SFM_WRITE = 0x20
_OGG_OPUS = 0x200000 | 0x0064  # SF_FORMAT_OGG | SF_FORMAT_OPUS
_NAMES = ("libsndfile.so.1", "libsndfile.1.dylib")


class _Info(ctypes.Structure):
    _fields_ = [
        ("frames", ctypes.c_int64),
        ("samplerate", ctypes.c_int),
        ("channels", ctypes.c_int),
        ("format", ctypes.c_int),
        ("sections", ctypes.c_int),
        ("seekable", ctypes.c_int),
    ]


_lib: ctypes.CDLL | None = None
_looked = False
_lock = threading.Lock()


def system_library() -> ctypes.CDLL | None:
    """The system libsndfile, if it loads and writes Ogg Opus (looked up once)."""
    global _lib, _looked
    with _lock:
        if not _looked:
            _looked = True
            _lib = _load()
        return _lib


def _load() -> ctypes.CDLL | None:
    def usable(lib: ctypes.CDLL) -> bool:
        _declare(lib)
        return _writes_opus(lib)

    return first_library(_NAMES, "sndfile", usable)


def _declare(lib: ctypes.CDLL) -> None:
    p = ctypes.c_void_p
    lib.sf_open_fd.restype = p
    lib.sf_open_fd.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Info), ctypes.c_int]
    lib.sf_writef_float.restype = ctypes.c_int64
    lib.sf_writef_float.argtypes = [p, p, ctypes.c_int64]
    lib.sf_close.restype = ctypes.c_int
    lib.sf_close.argtypes = [p]
    lib.sf_strerror.restype = ctypes.c_char_p
    lib.sf_strerror.argtypes = [p]


def _writes_opus(lib: ctypes.CDLL) -> bool:
    """Open (and close) an Ogg Opus file for writing: the library was built with Opus."""
    try:
        with tempfile.TemporaryFile() as probe:
            info = _Info(0, 48000, 2, _OGG_OPUS, 0, 0)
            handle = lib.sf_open_fd(probe.fileno(), _SFM_WRITE, ctypes.byref(info), 0)
            if not handle:
                return False
            lib.sf_close(handle)
            return True
    except OSError:
        return False


class SystemOpusWriter:
    """Writes float32 frames as Ogg Opus to an open file descriptor (left open).

    The same calls as the ``soundfile.SoundFile`` it stands in for: ``write(frames)``,
    ``close()``, and use as a context manager.

    Raises
    ------
    RuntimeError
        libsndfile refused the file or a write (the message is libsndfile's).
    """

    def __init__(self, lib: ctypes.CDLL, fd: int, sample_rate: int, channels: int) -> None:
        self._lib = lib
        self._channels = channels
        info = _Info(0, sample_rate, channels, _OGG_OPUS, 0, 0)
        self._handle: int | None = lib.sf_open_fd(fd, _SFM_WRITE, ctypes.byref(info), 0)
        if not self._handle:
            raise RuntimeError(f"libsndfile: {lib.sf_strerror(None).decode(errors='replace')}")

    def write(self, frames: np.ndarray) -> None:
        """Encode ``(n, channels)`` frames (converted to C-contiguous float32)."""
        if self._handle is None:
            raise RuntimeError("write to a closed Opus writer")
        data = np.ascontiguousarray(frames, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != self._channels:
            raise ValueError(f"expected (frames, {self._channels}) samples, not {data.shape}")
        written = self._lib.sf_writef_float(self._handle, data.ctypes.data, data.shape[0])
        if written != data.shape[0]:
            raise RuntimeError(f"libsndfile: {self._lib.sf_strerror(self._handle).decode()}")

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._lib.sf_close(handle)

    def __enter__(self) -> SystemOpusWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()


def encode_with_system(
    lib: ctypes.CDLL, samples: np.ndarray, sample_rate: int, block: int
) -> bytes:
    """Encode ``samples`` (frames, channels) as Ogg Opus bytes through a temporary file."""
    with tempfile.TemporaryFile() as spool:
        with SystemOpusWriter(lib, spool.fileno(), sample_rate, samples.shape[1]) as out:
            for start in range(0, samples.shape[0], block):
                out.write(np.clip(samples[start : start + block], -1.0, 1.0))
        spool.seek(0)
        return spool.read()
