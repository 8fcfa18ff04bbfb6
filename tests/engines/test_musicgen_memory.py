"""A 600 s song takes no more memory than a 30 s one, beyond its own audio buffer (issue 19).

Measured in a fresh process (:mod:`tests.engines.memory_probe`) with a tiny random
MusicGen-Melody on the CPU: peak resident memory while the windows are generated. Before
the engine carried codes from window to window it re-encoded the whole song so far for every
window, so the codec's activations grew with the song (~4.7 GB at 120 s with the real layout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_peak_memory_of_a_600_s_song_is_flat() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRANSFORMERS_VERBOSITY": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.engines.memory_probe", "30", "600"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    short, long = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert short["seconds"] == 30.0 and long["seconds"] == 600.0 and long["windows"] == 30
    print(f"30 s: {short}\n600 s: {long}")
    assert long["peak_mib"] <= 1.2 * short["peak_mib"]
    # Beyond the song's own buffer (18 MiB of 8 kHz float32 for 600 s), the growth is flat:
    # re-encoding the song for each window would add hundreds of MiB here.
    extra_short = short["peak_mib"] - short["base_mib"] - short["song_buffer_mib"]
    extra_long = long["peak_mib"] - long["base_mib"] - long["song_buffer_mib"]
    assert extra_long <= extra_short + 32.0
