"""How often our score chroma agrees with MusicGen-Melody's feature extractor (issue 19).

For songs of every style, the melody part (:func:`composer.engines.chroma.melody_part`) is
rendered to 32 kHz audio — as plain sines, and with FluidSynth (the General MIDI SoundFont
``composer.audio`` uses) when it is installed — and cut into the MusicGen engine's windows
(30 s every 20 s, codec-frame aligned). For each window the reference extractor's chroma of
that audio (:mod:`composer.engines.chroma_audio`, transformers' sums in numpy) is compared
frame by frame with :func:`~composer.engines.chroma.window_chroma` of the score.

Agreement counts the frames where the melody sounds (the extractor reads a silent frame as C,
our chroma fills rests deliberately; see the chroma module); the all-frames figure is printed
too. Targets: sines ≥ 95 %, FluidSynth ≥ 80 %, every style.

Dev set (weights were chosen on it): ``examples/chat.txt``. Test set (never tuned on): the
three conversations in ``../shared/chat-formats/plain_*.txt``.

    PYTHONPATH=. .venv/bin/python bench/musicgen_chroma.py [--no-fluidsynth] [--length 90]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from composer.engines.chroma import (
    FRAME_RATE,
    SILENT,
    chroma_energy,
    melody_part,
    window_chroma,
)
from composer.engines.chroma_audio import SAMPLE_RATE, audio_chroma, render_sines
from composer.engines.windows import plan_windows
from composer.errors import ComposerError
from composer.music.compose import SongOptions
from composer.music.model import Song
from composer.music.orchestra import STYLES

ROOT = Path(__file__).resolve().parent.parent
DEV = [ROOT / "examples" / "chat.txt"]
TEST = sorted((ROOT.parent / "shared" / "chat-formats").glob("plain_*.txt"))
CODEC_RATE = 50  # MusicGen's 32 kHz EnCodec frames per second


def compose_song(path: Path, style: str, length_s: float) -> Song:
    """The pipeline's song for a chat file (no audio)."""
    from composer.pipeline import Request, compose

    request = Request(
        data=path.read_text(encoding="utf-8"),
        no_audio=True,
        song=SongOptions(style=style, length_s=length_s),
    )
    return compose(request).song


def melody_audio_sines(song: Song) -> np.ndarray:
    part = melody_part(song)
    spb = 60.0 / song.tempo
    notes = [(n.pitch, n.start * spb, n.end * spb, n.velocity) for n in part.notes] if part else []
    return render_sines(notes, song.duration_s)


def melody_audio_fluidsynth(song: Song) -> np.ndarray:
    """FluidSynth render of the melody part alone, mono 32 kHz, cut to the song's length."""
    from composer.audio.synth import render_midi
    from composer.midi import to_midi

    part = melody_part(song)
    alone = dataclasses.replace(song, parts=(part,) if part else ())
    audio = render_midi(to_midi(alone), sample_rate=SAMPLE_RATE, tail_s=0.0)
    mono = audio.samples.mean(axis=1)
    n = round(song.duration_s * SAMPLE_RATE)
    return np.pad(mono, (0, max(0, n - mono.size)))[:n].astype(np.float32)


def windows_s(
    song: Song, window_s: float = 30.0, overlap_s: float = 10.0
) -> list[tuple[float, float]]:
    """The engine's windows as (start, length) seconds."""
    total = max(1, int(np.ceil(song.duration_s * CODEC_RATE - 1e-9)))
    plan = plan_windows(total, round(window_s * CODEC_RATE), round(overlap_s * CODEC_RATE))
    return [(w.start / CODEC_RATE, w.length / CODEC_RATE) for w in plan]


def agreement(song: Song, audio: np.ndarray) -> tuple[int, int, int, int]:
    """(agreeing sounding frames, sounding frames, agreeing frames, frames) over all windows."""
    part = melody_part(song)
    hits = count = hits_all = count_all = 0
    for start, length in windows_s(song):
        lo = round(start * SAMPLE_RATE)
        clip = audio[lo : lo + round(length * SAMPLE_RATE)]
        ref = audio_chroma(clip).argmax(axis=1)
        ours = window_chroma(song, start, length).argmax(axis=1)
        melody = chroma_energy([part] if part else [], song.tempo, start, length)
        sounding = melody.max(axis=1) >= SILENT
        n = min(ref.size, ours.size)  # equal by construction; guard the slice at the song's end
        same = ref[:n] == ours[:n]
        hits += int(np.sum(same & sounding[:n]))
        count += int(np.sum(sounding[:n]))
        hits_all += int(np.sum(same))
        count_all += n
    return hits, count, hits_all, count_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=float, default=90.0, help="song length in seconds")
    parser.add_argument("--no-fluidsynth", action="store_true")
    parser.add_argument("--set", choices=("dev", "test", "both"), default="both")
    args = parser.parse_args(argv)
    renders = [("sines", melody_audio_sines)]
    if not args.no_fluidsynth:
        try:
            from composer.audio.fluid import load_library
            from composer.audio.soundfont import find_soundfont

            load_library()
            find_soundfont(None)
            renders.append(("fluidsynth", melody_audio_fluidsynth))
        except (ComposerError, OSError) as exc:  # no FluidSynth library or SoundFont
            print(f"fluidsynth: not available ({exc}); sines only")
    sets = {"dev": DEV, "test": TEST}
    chosen = ["dev", "test"] if args.set == "both" else [args.set]
    print(f"frame rate {FRAME_RATE} /s; songs {args.length:g} s; windows 30 s every 20 s")
    worst = {name: 1.0 for name, _ in renders}
    for set_name in chosen:
        for style in STYLES:
            for name, render in renders:
                h = c = ha = ca = 0
                for path in sets[set_name]:
                    song = compose_song(path, style, args.length)
                    a, b, x, y = agreement(song, render(song))
                    h, c, ha, ca = h + a, c + b, ha + x, ca + y
                rate = h / max(c, 1)
                if set_name == "test":
                    worst[name] = min(worst[name], rate)
                print(
                    f"{set_name:4s} {style:10s} {name:10s} sounding {100 * rate:5.1f} % "
                    f"({h}/{c})  all frames {100 * ha / max(ca, 1):5.1f} % ({ha}/{ca})"
                )
    for name, rate in worst.items():
        target = 0.95 if name == "sines" else 0.80
        verdict = "ok" if rate >= target else "BELOW TARGET"
        print(
            f"worst test style, {name}: {100 * rate:.1f} % (target {100 * target:.0f} %) {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
