"""End-to-end speed: a generated 1,000-message chat → a 120 s song, MIDI + audio.

Prints one figure per line:

- ``e2e_cold_wall_s``: whole-process wall time of ``photograph compose`` (a fresh Python
  process each time: start-up, imports, parsing, mood, composing, rendering, encoding,
  saving), median of 5 runs;
- ``render_x_realtime``: in-process FluidSynth rendering of that song's MIDI, as a multiple
  of real time (warm, median of 3);
- ``audio_x_realtime``: in-process render + loudness normalisation + OGG encoding of it,
  the way ``compose`` does it (encoder beside the synth), as a multiple of real time;
- ``heavy_modules``: heavy modules the default path imported (must be none).

Usage: ``python bench/e2e.py [--runs 5] [--lexicon]``; ``--lexicon`` makes ``compose`` use
the word-list mood reader even when the trained model is in ``composer/data/mood/`` (it points
``PHOTOGRAPH_MOOD_MODEL_DIR`` at an empty folder); ``mood_reader`` says which one ran.
Targets (2-core machine): ≤ 2.5 s, ≥ 120×.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "love",
    "miss",
    "tonight",
    "sorry",
    "happy",
    "tired",
    "dinner",
    "call",
    "great",
    "ugh",
    "why",
    "really",
    "haha",
    "sure",
    "okay",
    "beautiful",
    "angry",
    "wait",
    "home",
    "soon",
)


def make_chat(n: int = 1000, seed: int = 1) -> str:
    """A WhatsApp-style export with ``n`` messages from three people."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        who = rng.choice(("Ana", "Ben", "Cleo"))
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14)))
        h, m = divmod(i, 60)
        lines.append(f"14/02/2026, {h % 24:02d}:{m:02d} - {who}: {text}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lexicon", action="store_true", help="force the word-list mood reader")
    args = ap.parse_args()
    exe = ROOT / ".venv" / "bin" / "photograph"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if args.lexicon:
            (Path(tmp) / "no-model").mkdir()
            env["PHOTOGRAPH_MOOD_MODEL_DIR"] = str(Path(tmp) / "no-model")
        chat = Path(tmp) / "chat.txt"
        chat.write_text(make_chat(), encoding="utf-8")
        walls, doc = [], {}
        for i in range(args.runs):
            t0 = time.perf_counter()
            out = subprocess.run(
                [
                    str(exe),
                    "compose",
                    str(chat),
                    "--length",
                    "120",
                    "--json",
                    "--out",
                    str(Path(tmp) / f"s{i}"),
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            walls.append(time.perf_counter() - t0)
            doc = json.loads(out.stdout)
        print(f"e2e_cold_wall_s: {statistics.median(walls):.3f}  (runs: "
              f"{' '.join(f'{w:.2f}' for w in walls)})")  # fmt: skip
        print(f"e2e_song_duration_s: {doc['duration_s']:.1f}")
        score = json.loads(Path(doc["score"]).read_text(encoding="utf-8"))
        print(f"mood_reader: {score['mood']['mood'].get('model', '?')}")

        from composer.audio.synth import render_midi

        midi = Path(doc["midi"]).read_bytes()
        render_midi(midi)  # warm the synth and SoundFont
        speeds = []
        for _ in range(3):
            t0 = time.perf_counter()
            audio = render_midi(midi)
            speeds.append(audio.duration_s / (time.perf_counter() - t0))
        print(f"render_x_realtime: {statistics.median(speeds):.1f}")

        from composer.audio.stream import render_encoded

        speeds = []
        for _ in range(3):
            t0 = time.perf_counter()
            rendered = render_encoded(midi, "ogg")
            speeds.append(rendered.audio.duration_s / (time.perf_counter() - t0))
        levels = f"{rendered.loudness_lufs:.2f} LUFS, peak {rendered.peak_dbfs:.2f} dBFS"
        print(f"audio_x_realtime: {statistics.median(speeds):.1f}  ({levels})")
    probe = (
        "import sys, runpy; sys.argv=['photograph','--version'];\n"
        "import composer.cli, composer.pipeline, composer.engines.synth, composer.chat, "
        "composer.mood\nprint(' '.join(m for m in ('torch','transformers','fastapi') "
        "if m in sys.modules) or 'none')"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    print(f"heavy_modules: {out.stdout.strip() or out.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
