"""Raw Opus packets (20 ms each) through the system's libopus, for low-latency streams.

libsndfile's Ogg Opus writer (:mod:`composer.audio.opus`) flushes an Ogg page about once
a second: fine for files, a second of delay for a live stream. A live stream needs the
packets themselves: libopus encodes 20 ms of 48 kHz stereo into one packet as soon as it
has it, and a browser decodes them with WebCodecs' ``AudioDecoder`` (codec ``"opus"``).
libopus is a dependency of libsndfile (``libopus0`` on Debian), so it is there wherever
FluidSynth is; it is opened with ctypes.

A transport frame (:func:`pack`) is several packets: a 4-byte big-endian index of its
first 20 ms packet, then each packet as a 2-byte big-endian length and its bytes.
"""

from __future__ import annotations

import ctypes
import struct
import threading

import numpy as np

from composer.audio.clib import first_library
from composer.errors import EngineUnavailableError

RATE = 48000
PACKET = 960  # frames per packet: 20 ms at 48 kHz
BITRATE = 96_000  # bits per second asked of the encoder (music, stereo)
COMPLEXITY = 5  # 0..10: half libopus' default, about twice as fast (measured in bench/live.py)
_APPLICATION_AUDIO = 2049
_SET_BITRATE = 4002
_SET_COMPLEXITY = 4010
_MAX_PACKET = 4000
_NAMES = ("libopus.so.0", "libopus.0.dylib", "opus.dll")

_lib: ctypes.CDLL | None = None
_lock = threading.Lock()


def library() -> ctypes.CDLL:
    """libopus, loaded once (EngineUnavailableError when it is missing)."""
    global _lib
    with _lock:
        if _lib is None:
            _lib = first_library(_NAMES, "opus", _declared)
            if _lib is None:
                raise EngineUnavailableError("libopus not found; apt-get install libopus0")
        return _lib


def _declared(lib: ctypes.CDLL) -> bool:
    _declare(lib)
    return True


def _declare(lib: ctypes.CDLL) -> None:
    p, i = ctypes.c_void_p, ctypes.c_int
    lib.opus_encoder_create.restype = p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, i, i, ctypes.POINTER(i)]
    lib.opus_encode_float.restype = ctypes.c_int32
    lib.opus_encode_float.argtypes = [p, p, i, p, ctypes.c_int32]
    lib.opus_encoder_destroy.argtypes = [p]
    lib.opus_decoder_create.restype = p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, i, ctypes.POINTER(i)]
    lib.opus_decode_float.restype = i
    lib.opus_decode_float.argtypes = [p, p, ctypes.c_int32, p, i, i]
    lib.opus_decoder_destroy.argtypes = [p]


class Encoder:
    """48 kHz stereo float frames in, one Opus packet per 20 ms out."""

    def __init__(self, bitrate: int = BITRATE, complexity: int = COMPLEXITY) -> None:
        lib = library()
        err = ctypes.c_int()
        self._lib = lib
        self._enc: int | None = lib.opus_encoder_create(RATE, 2, _APPLICATION_AUDIO, err)
        if not self._enc or err.value:
            raise EngineUnavailableError(f"libopus could not create an encoder ({err.value})")
        ctl = lib.opus_encoder_ctl
        ctl.restype = ctypes.c_int
        enc = ctypes.c_void_p(self._enc)
        if ctl(enc, ctypes.c_int(_SET_BITRATE), ctypes.c_int32(bitrate)) or ctl(
            enc, ctypes.c_int(_SET_COMPLEXITY), ctypes.c_int32(complexity)
        ):
            raise EngineUnavailableError("libopus refused the bitrate or complexity")
        self._held = np.zeros((0, 2), dtype=np.float32)
        self._buf = ctypes.create_string_buffer(_MAX_PACKET)
        self.packets = 0  # packets made so far

    def encode(self, frames: np.ndarray) -> list[bytes]:
        """Encode ``(n, 2)`` float frames; returns the packets completed (20 ms each)."""
        data = np.concatenate([self._held, np.clip(frames, -1.0, 1.0).astype(np.float32)])
        out = []
        whole = data.shape[0] // PACKET * PACKET
        for s in range(0, whole, PACKET):
            chunk = np.ascontiguousarray(data[s : s + PACKET])
            n = self._lib.opus_encode_float(self._enc, chunk.ctypes.data, PACKET, self._buf,
                                            _MAX_PACKET)  # fmt: skip
            if n < 0:
                raise RuntimeError(f"libopus encode failed ({n})")
            out.append(self._buf.raw[:n])
        self._held = data[whole:].copy()
        self.packets += len(out)
        return out

    def close(self) -> None:
        if self._enc:
            self._lib.opus_encoder_destroy(self._enc)
            self._enc = None

    def __del__(self) -> None:
        if getattr(self, "_enc", None):
            self.close()


class Decoder:
    """Opus packets back to 48 kHz stereo float frames (tests and the bench)."""

    def __init__(self) -> None:
        lib = library()
        err = ctypes.c_int()
        self._lib = lib
        self._dec: int | None = lib.opus_decoder_create(RATE, 2, err)
        if not self._dec or err.value:
            raise EngineUnavailableError(f"libopus could not create a decoder ({err.value})")
        self._pcm = np.zeros((5760, 2), dtype=np.float32)

    def decode(self, packet: bytes) -> np.ndarray:
        n = self._lib.opus_decode_float(self._dec, packet, len(packet), self._pcm.ctypes.data,
                                        5760, 0)  # fmt: skip
        if n < 0:
            raise RuntimeError(f"libopus decode failed ({n})")
        return self._pcm[:n].copy()

    def close(self) -> None:
        if self._dec:
            self._lib.opus_decoder_destroy(self._dec)
            self._dec = None


def pack(first: int, packets: list[bytes]) -> bytes:
    """A transport frame: the first packet's index, then length-prefixed packets."""
    return struct.pack(">I", first) + b"".join(struct.pack(">H", len(p)) + p for p in packets)


def unpack(frame: bytes) -> tuple[int, list[bytes]]:
    """The inverse of :func:`pack`."""
    (first,) = struct.unpack_from(">I", frame)
    out, pos = [], 4
    while pos < len(frame):
        (n,) = struct.unpack_from(">H", frame, pos)
        out.append(frame[pos + 2 : pos + 2 + n])
        pos += 2 + n
    return first, out
