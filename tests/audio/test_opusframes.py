"""Raw Opus packets for the live stream: 20 ms each, decodable, under 128 kbit/s."""

from __future__ import annotations

import numpy as np
import pytest

from composer.audio import opusframes
from composer.errors import EngineUnavailableError

try:
    opusframes.library()
except EngineUnavailableError as exc:  # pragma: no cover - libopus comes with libsndfile
    pytest.skip(str(exc), allow_module_level=True)


def test_a_second_is_fifty_packets_that_decode_back() -> None:
    t = np.arange(48000) / 48000
    x = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[:, None].repeat(2, axis=1)
    enc = opusframes.Encoder()
    packets = enc.encode(x[:30000]) + enc.encode(x[30000:])
    assert len(packets) == 50
    kbits = sum(len(p) for p in packets) * 8 / 1000
    assert kbits <= 128
    dec = opusframes.Decoder()
    y = np.concatenate([dec.decode(p) for p in packets])
    assert y.shape == (48000, 2)
    spectrum = np.abs(np.fft.rfft(y[8000:40000, 0]))
    assert abs(np.argmax(spectrum) * 48000 / 32000 - 440) < 3


def test_pack_and_unpack() -> None:
    frame = opusframes.pack(7, [b"ab", b"", b"xyz"])
    assert opusframes.unpack(frame) == (7, [b"ab", b"", b"xyz"])
