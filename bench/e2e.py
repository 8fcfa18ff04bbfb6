"""End-to-end speed: a generated 1,000-message chat → a 120 s song, MIDI + audio.

Prints one figure per line:

- ``e2e_vs_cli_ratio``: the target figure. Whole-process wall time of a cold
  ``photograph compose`` (a fresh Python process: start-up, imports, parsing, mood,
  composing, rendering, encoding, saving song.mid + song.ogg + score.json) divided by
  the wall time of the FluidSynth command-line program rendering the same song's MIDI
  to WAV (``fluidsynth -ni -F out.wav``, its SoundFont load included). The two run
  side by side in pairs (compose, CLI, compose, CLI...), so both see the same load;
  the median of the pairs' ratios (target ≤ 1.0). Needs the ``fluidsynth`` program
  (Debian package ``fluidsynth``); without it the line says so and the exit status is 3;
- ``e2e_cold_wall_s`` / ``cli_render_wall_s``: the medians of those wall times
  (target ≤ 2.5 s on a quiet 2-core machine);
- ``load_average``: ``os.getloadavg()`` before and after (figures from a busy machine
  are slow; the ratio less so);
- ``render_x_realtime``: in-process FluidSynth rendering of that song's MIDI, as a multiple
  of real time (warm, median of 3);
- ``audio_x_realtime``: in-process render + loudness normalisation + OGG encoding of it,
  the way ``compose`` does it (encoder beside the synth), as a multiple of real time;
- ``heavy_modules``: heavy modules the default path imported (must be none).

``--formats`` also encodes the normalised song as Ogg Vorbis and Ogg Opus (through the
system libsndfile, as ``compose`` does when there is one, and through soundfile's
bundled one: ``opus_bundled``) and prints, per format: encoder CPU seconds (median of 3),
size, bitrate, and how the decoded file compares with what went in: integrated loudness
(LUFS), and the largest difference in level over 1/3-octave bands from 50 Hz to 16 kHz
(dB; bands within 40 dB of the loudest band, channel by channel).

Usage: ``python bench/e2e.py [--runs 5] [--lexicon] [--formats] [--audio FMT]``;
``--lexicon`` makes ``compose`` use the word-list mood reader even when the trained model is in
``composer/data/mood/`` (it points
``PHOTOGRAPH_MOOD_MODEL_DIR`` at an empty folder); ``mood_reader`` says which one ran;
``--audio`` composes another format (default ogg, the figure the target is about).
Targets (2-core machine): ≤ 2.5 s, ≥ 120×.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, out.stdout


def side_by_side(args: argparse.Namespace, tmp: Path, env: dict[str, str]) -> dict:
    """Cold composes and CLI renders in interleaved pairs; prints the figures."""
    exe = ROOT / ".venv" / "bin" / "photograph"
    chat = tmp / "chat.txt"
    chat.write_text(make_chat(), encoding="utf-8")

    def compose(i: int) -> tuple[float, str]:
        out = str(tmp / f"s{i}")
        argv = [str(exe), "compose", str(chat), "--length", "120", "--audio", args.audio]
        return _timed([*argv, "--json", "--out", out], env)

    _, stdout = compose(0)  # warm-up: the page cache, and the MIDI the CLI renders
    doc = json.loads(stdout)
    fluidsynth = shutil.which("fluidsynth")
    from composer.audio.soundfont import find_soundfont

    soundfont, _note = find_soundfont()
    cli = [fluidsynth or "fluidsynth", "-ni", "-q", "-r", "44100", "-F", str(tmp / "cli.wav")]
    cli += [str(soundfont), doc["midi"]]
    if fluidsynth is not None:
        _timed(cli)  # warm-up
    print(f"load_average: {_load()}  (before; 1, 5, 15 min; {os.cpu_count()} CPUs)")
    ours, theirs = [], []
    for i in range(1, args.runs + 1):
        ours.append(compose(i)[0])
        if fluidsynth is not None:
            theirs.append(_timed(cli)[0])
    print(f"e2e_cold_wall_s: {statistics.median(ours):.3f}  (runs: "
          f"{' '.join(f'{w:.2f}' for w in ours)}; --audio {args.audio})")  # fmt: skip
    if theirs:
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(f"cli_render_wall_s: {statistics.median(theirs):.3f}  (runs: "
              f"{' '.join(f'{w:.2f}' for w in theirs)}; {Path(fluidsynth or '').name} "
              f"-ni -F out.wav, same MIDI)")  # fmt: skip
        print(f"e2e_vs_cli_ratio: {statistics.median(ratios):.3f}  (median of {len(ratios)} "
              f"pairs: {' '.join(f'{r:.2f}' for r in ratios)}; target <= 1.0)")  # fmt: skip
    else:
        print("e2e_vs_cli_ratio: NOT MEASURED - the FluidSynth command-line program is "
              "missing (apt-get install fluidsynth, or 'bash dev test' installs it)")  # fmt: skip
    print(f"load_average: {_load()}  (after)")
    print(f"e2e_song_duration_s: {doc['duration_s']:.1f}")
    score = json.loads(Path(doc["score"]).read_text(encoding="utf-8"))
    print(f"mood_reader: {score['mood']['mood'].get('model', '?')}")
    doc["cli_missing"] = fluidsynth is None
    return doc


def in_process(midi: bytes) -> None:
    """Warm render and render + normalise + encode speeds."""
    from composer.audio.stream import render_encoded
    from composer.audio.synth import render_midi

    render_midi(midi)  # warm the synth and SoundFont
    speeds = []
    for _ in range(3):
        t0 = time.perf_counter()
        audio = render_midi(midi)
        speeds.append(audio.duration_s / (time.perf_counter() - t0))
    print(f"render_x_realtime: {statistics.median(speeds):.1f}")
    speeds = []
    for _ in range(3):
        t0 = time.perf_counter()
        rendered = render_encoded(midi, "ogg")
        speeds.append(rendered.audio.duration_s / (time.perf_counter() - t0))
    levels = f"{rendered.loudness_lufs:.2f} LUFS, peak {rendered.peak_dbfs:.2f} dBFS"
    print(f"audio_x_realtime: {statistics.median(speeds):.1f}  ({levels})")


def formats(midi: bytes) -> None:
    """Encode time, size and decoded loudness / band levels, Vorbis against Opus."""
    import soundfile

    from composer.audio import opus
    from composer.audio.files import encode_audio, writable
    from composer.audio.formats import FORMATS
    from composer.audio.loudness import integrated_loudness, normalize
    from composer.audio.model import Audio
    from composer.audio.synth import render_midi

    system = opus.system_library() is not None
    for label in ("ogg", "opus", "opus_bundled"):
        name = label.split("_")[0]
        opus.PREFER_SYSTEM = label == "opus"
        if not writable(name) or (label == "opus" and not system):
            print(f"format_{label}: cannot be written here")
            continue
        rate = FORMATS[name].rate_for(44100)
        source = normalize(render_midi(midi, sample_rate=rate))
        times = []
        for _ in range(3):
            start = time.thread_time()
            data = encode_audio(source, name)
            times.append(time.thread_time() - start)
        back, back_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
        n = min(back.shape[0], source.samples.shape[0])
        decoded = Audio(np.ascontiguousarray(back[:n]), back_rate)
        worst = 0.0
        for c in range(source.channels):
            want = _bands(source.samples[:n, c], rate)
            got = _bands(decoded.samples[:, c], rate)
            loud = want > want.max() - 40
            worst = max(worst, float(np.abs(got - want)[loud].max()))
        kbps = len(data) * 8 / source.duration_s / 1000
        print(f"format_{label}: encode_cpu_s {statistics.median(times):.3f}  "
              f"size_mb {len(data) / 1e6:.2f}  kbit_s {kbps:.0f}  rate {rate}  "
              f"lufs_in {integrated_loudness(source):.2f}  lufs_out "
              f"{integrated_loudness(decoded):.2f}  worst_band_db {worst:.2f}")  # fmt: skip
    opus.PREFER_SYSTEM = True


def _bands(samples: np.ndarray, rate: int) -> np.ndarray:
    """Level (dB) in 1/3-octave bands from 50 Hz to 16 kHz of the whole signal."""
    x = np.asarray(samples, dtype=np.float64)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    edges = 50.0 * 2.0 ** (np.arange(0, 25) / 3)
    return np.array(
        [10 * np.log10(power[(freqs >= lo) & (freqs < hi)].sum() + 1e-20)
         for lo, hi in itertools.pairwise(edges)]
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lexicon", action="store_true", help="force the word-list mood reader")
    ap.add_argument("--formats", action="store_true", help="compare Ogg Vorbis and Ogg Opus")
    ap.add_argument("--audio", default="ogg", help="the format compose writes (default ogg)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = dict(os.environ)
        if args.lexicon:
            (tmp / "no-model").mkdir()
            env["PHOTOGRAPH_MOOD_MODEL_DIR"] = str(tmp / "no-model")
        doc = side_by_side(args, tmp, env)
        midi = Path(doc["midi"]).read_bytes()
        in_process(midi)
        if args.formats:
            formats(midi)
    probe = (
        "import sys, runpy; sys.argv=['photograph','--version'];\n"
        "import composer.cli, composer.pipeline, composer.engines.synth, composer.chat, "
        "composer.mood\nprint(' '.join(m for m in ('torch','transformers','fastapi') "
        "if m in sys.modules) or 'none')"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    print(f"heavy_modules: {out.stdout.strip() or out.stderr.strip()[-200:]}")
    if doc["cli_missing"]:
        sys.exit(3)


if __name__ == "__main__":
    main()
