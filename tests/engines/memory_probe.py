"""Peak memory of one MusicGen render of N seconds, in a fresh process (helper of
``test_musicgen_memory.py``; also ``python -m tests.engines.memory_probe 600``).

A tiny random MusicGen-Melody whose codec runs at 8 kHz / 10 frames per second (so 600 s is
6,000 decoding steps), windows of 30 s every 20 s as the real engine uses. After a warm-up
render the kernel's peak-RSS mark is reset (``/proc/self/clear_refs``), then the song is
generated (:meth:`MusicgenEngine.generate`, the windows loop, before the mixdown) and the
new peak read back.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(eng: object, seconds: float) -> dict[str, float]:
    """Generate ``seconds`` of song with ``eng``; the resident memory before and at peak."""
    from tests.engines.test_musicgen import make_song

    song = make_song(bars=max(1, round(seconds / 2)))  # 2 s a bar at 120 bpm
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    base = status_kib("VmRSS")
    out, rate = eng.generate(song, 1)  # type: ignore[attr-defined]  # a MusicgenEngine
    peak = status_kib("VmHWM")
    return {
        "seconds": len(out) / rate,
        "windows": len(eng.last_windows),  # type: ignore[attr-defined]
        "base_mib": base / 1024,
        "peak_mib": peak / 1024,
        "song_buffer_mib": out.nbytes / 2**20,
    }


def main(lengths: list[float]) -> list[dict[str, float]]:
    """A tiny engine, a warm-up, then one measured render per length, in this order."""
    import torch

    torch.set_num_threads(1)
    from composer.engines import musicgen
    from tests.engines.test_musicgen import make_song, tiny_model, tiny_tokenizer

    # 8 kHz codec at 5 frames/s (hop 1600): 600 s is 3,000 decoding steps.
    model = tiny_model(True, rate=8000, ratios=(8, 5, 5, 8), bandwidth=0.12, chroma_length=235)
    eng = musicgen.create(
        _model=model, _processor=tiny_tokenizer(), window_s=30.0, overlap_s=10.0, optimize="static"
    )
    eng.generate(make_song(bars=16), 0)  # warm-up: 32 s, two windows
    return [measure(eng, seconds) for seconds in lengths]


if __name__ == "__main__":
    for row in main([float(x) for x in sys.argv[1:]]):
        print(json.dumps(row))
