"""How long composing the score takes (no MIDI, no audio).

Usage::

    .venv/bin/python bench/compose_speed.py [--length 120] [--repeats 5]

Composes a ``--length`` second song for nine mood points × three styles, each
``--repeats`` times, and prints the median and worst time per song in milliseconds,
plus the same for writing the MIDI bytes. The target is ≤ 50 ms per 120 s song.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import make_mood  # noqa: E402

from composer.midi import to_midi  # noqa: E402
from composer.music.compose import SongOptions, compose  # noqa: E402
from composer.music.orchestra import STYLES  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--length", type=float, default=120.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    points = [(v, a) for v in (-0.8, 0.0, 0.8) for a in (-0.8, 0.0, 0.8)]
    chat, mood = make_mood([(0.0, 0.0, 0.0)], ["Ana"])
    compose(chat, mood, SongOptions())  # warm up imports and caches
    compose_ms, midi_ms, notes = [], [], []
    for v, a in points:
        for style in STYLES:
            for seed in range(args.repeats):
                options = SongOptions(
                    seed=seed, length_s=args.length, style=style, valence=v, arousal=a
                )
                t0 = time.perf_counter()
                song = compose(chat, mood, options)
                t1 = time.perf_counter()
                to_midi(song)
                t2 = time.perf_counter()
                compose_ms.append(1000 * (t1 - t0))
                midi_ms.append(1000 * (t2 - t1))
                notes.append(sum(len(p.notes) for p in song.parts))
    print(
        f"songs {len(compose_ms)} of {args.length:g} s, notes per song median "
        f"{statistics.median(notes):.0f}"
    )
    print(f"compose_ms_median {statistics.median(compose_ms):.1f}")
    print(f"compose_ms_p90 {sorted(compose_ms)[int(0.9 * len(compose_ms))]:.1f}")
    print(f"compose_ms_max {max(compose_ms):.1f}")
    print(f"midi_ms_median {statistics.median(midi_ms):.1f}")


if __name__ == "__main__":
    main()
