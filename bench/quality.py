"""Figures for the composer: is the music what the mood table says, and is it music?

Usage::

    .venv/bin/python bench/quality.py [--seeds 3] [--length 90] [--styles ...] [--jobs 2]
                                      [--parse]

Songs: a 5 × 5 grid of mood points (valence × arousal in -1, -0.5, 0, 0.5, 1; ``Mood``
objects built directly, two speakers, one of them dominating) × seeds × styles, plus
argument → reconciliation arcs. Prints one ``name value`` line per figure:

- ``key_agreement``: music21's key analysis (``analyze('key')``, Krumhansl–Schmuckler
  with Aarden–Essen weights) of the exported MIDI equals the declared key (modes other
  than major/minor count as their major/minor family). By default the MIDI notes are
  read with mido into a flat music21 stream (same duration-weighted pitch-class profile,
  much faster); ``--parse`` uses ``music21.converter.parse`` on the bytes instead.
- ``tempo_meta_ok``: the MIDI's first tempo is the declared tempo (section tempi and
  the final ritardando follow it); ``onsets_on_16th_grid``.
- ``spearman_arousal_onset_rate``: arousal vs tempo × note density (distinct onsets per
  minute); ``spearman_valence_majorness``: valence vs major-ness = mean of the share of
  bars in major-mode sections and the share of chord time on major-third chords
  (harmonic brightness); the two parts are printed as well.
- ``cosiatec_melody`` / ``cosiatec_bass``: COSIATEC compression ratio (bench/cosiatec.py)
  of the melody (skyline of the first part: the highest note starting at each onset,
  unless a higher note is still sounding) and the bass (the lowest note starting at each
  onset of the lowest part), whole song, onsets in sixteenths; mean and share of songs
  inside 3.0–4.5.
- ``speaker_motif_twice``: share of speakers whose motif is found in the notes (same
  rhythm, same scale-step contour, any transposition) at two or more listed appearances.
- ``in_scale``: share of notes whose pitch class is in the scale of their section's key.
- ``arc_brightens``: share of arc songs whose last body section is major and first minor.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import mido
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cosiatec import compression_ratio  # noqa: E402

from composer.chat.model import Chat, Message  # noqa: E402
from composer.midi import to_midi  # noqa: E402
from composer.mood.model import VAD, MessageMood, Mood, Segment, SpeakerMood  # noqa: E402
from composer.music import theory  # noqa: E402
from composer.music.compose import SongOptions, compose  # noqa: E402
from composer.music.model import Song  # noqa: E402
from composer.music.orchestra import STYLES  # noqa: E402

GRID = (-1.0, -0.5, 0.0, 0.5, 1.0)
LINES = [
    ("Ana", "did you see the sky tonight"),
    ("Ben", "yes"),
    ("Ana", "it looked like the summer we met at the lake"),
    ("Ana", "I keep thinking about it"),
    ("Ben", "me too, honestly"),
    ("Ana", "let's go back there next year"),
]


def make_mood(points: list[tuple[float, float, float]], speakers: list[str]) -> tuple[Chat, Mood]:
    """A chat of :data:`LINES` and a mood with one segment per point (valence, arousal,
    dominance), each segment dominated by the matching speaker."""
    chat = Chat(tuple(Message(s, t) for s, t in LINES), "bench")
    n = len(LINES)
    cuts = [round(i * n / len(points)) for i in range(len(points) + 1)]
    segs, msgs, arc = [], [], []
    for k, (v, a, d) in enumerate(points):
        vad = VAD(v, a, d)
        segs.append(Segment(cuts[k], cuts[k + 1], vad, (cuts[k],), speakers[k % len(speakers)]))
        for i in range(cuts[k], cuts[k + 1]):
            msgs.append(MessageMood(i, LINES[i][0], vad))
            arc.append(vad)
    overall = VAD(*(float(np.mean([p[j] for p in points])) for j in range(3)))
    spk = (SpeakerMood("Ana", 4, 0.7, overall), SpeakerMood("Ben", 2, 0.3, overall))
    return chat, Mood(overall, tuple(msgs), tuple(arc), tuple(segs), spk, "bench")


def family(mode: str) -> str:
    return "major" if mode in ("major", "lydian", "mixture") else "minor"


def midi_notes(data: bytes) -> tuple[list[int], list[tuple[int, int, int, int]], int]:
    """Tempo meta values, notes (track, start tick, duration ticks, pitch), ticks/beat."""
    mid = mido.MidiFile(file=io.BytesIO(data))
    tempos, notes = [], []
    for ti, track in enumerate(mid.tracks):
        tick = 0
        open_: dict[int, list[int]] = {}
        for m in track:
            tick += m.time
            if m.type == "set_tempo":
                tempos.append(m.tempo)
            elif m.type == "note_on" and m.velocity > 0:
                open_.setdefault(m.note, []).append(tick)
            elif m.type in ("note_off", "note_on") and open_.get(m.note):
                start = open_[m.note].pop(0)
                notes.append((ti, start, tick - start, m.note))
    return tempos, notes, mid.ticks_per_beat


def music21_key(
    data: bytes, notes: list[tuple[int, int, int, int]], tpb: int, parse: bool
) -> tuple[int, str]:
    """(tonic pitch class, "major"/"minor") from music21's default key analysis."""
    from music21 import converter, note, stream

    s: Any
    if parse:
        s = converter.parse(data, format="midi")
    else:
        s = stream.Stream()
        for _, start, dur, pitch in notes:
            n = note.Note(pitch)
            n.quarterLength = max(1, dur) / tpb
            s.insert(start / tpb, n)
    k = s.analyze("key")
    return k.tonic.pitchClass, k.mode


def skyline(
    notes: list[tuple[int, int, int, int]], tracks: set[int], tpb: int, top: bool
) -> list[tuple[int, int]]:
    """One note per onset (highest or lowest starting there) of the given tracks, onsets
    in sixteenths. With ``top``, a note under a still-sounding higher note is an inner
    voice, not the melody, and is left out."""
    mine = sorted((n for n in notes if n[0] in tracks), key=lambda n: (n[1], n[3]))
    best: dict[int, int] = {}
    for _ti, start, _dur, pitch in mine:
        if top and any(
            s < start < s + d and p > pitch for _, s, d, p in mine if s > start - 8 * tpb
        ):
            continue
        t = round(start * 4 / tpb)
        if t not in best or (pitch > best[t] if top else pitch < best[t]):
            best[t] = pitch
    return sorted(best.items())


def motif_found(song: Song, motif: tuple[tuple[int, float], ...], bar: int) -> bool:
    """Is the motif's rhythm and scale-step contour played in one part starting in ``bar``
    (1-based)? Steps are compared in scale degrees of the bar's section key."""
    bpb = song.beats_per_bar
    sec = [s for s in song.sections if s.start_bar <= bar][-1]
    durs = [d for _, d in motif]
    steps = [s for s, _ in motif[1:]]
    lo, hi = (bar - 1) * bpb, bar * bpb
    for part in song.parts:
        by_onset: dict[float, list[int]] = {}
        for n in part.notes:
            if lo - 1e-6 <= n.start < hi + bpb:
                by_onset.setdefault(round(n.start, 4), []).append(n.pitch)
        onsets = sorted(by_onset)
        for t0 in onsets:
            if t0 >= hi:
                break
            want = [t0 + sum(durs[:k]) for k in range(len(durs))]
            if not all(round(w, 4) in by_onset for w in want):
                continue
            # every voice choice at those onsets: try the top and the bottom voice
            for pick in (max, min):
                degs = [theory.nearest_degree(sec.key, pick(by_onset[round(w, 4)])) for w in want]
                got = [b - a for a, b in itertools.pairwise(degs)]
                if got == steps:
                    return True
    return False


def measure(args: tuple[float, float, int, str, float, bool, str]) -> dict[str, Any]:
    """All per-song figures for one (valence, arousal, seed, style) case."""
    v, a, seed, style, length, parse, kind = args
    if kind == "grid":
        chat, mood = make_mood([(v, a, 0.0)], ["Ana"])
    else:  # argument → making up → reconciliation
        chat, mood = make_mood(
            [(-0.6, 0.6, 0.3), (-0.1, 0.0, -0.2), (0.7, -0.1, 0.1)], ["Ana", "Ben", "Ana"]
        )
    song = compose(chat, mood, SongOptions(seed=seed, length_s=length, style=style))
    data = to_midi(song)
    tempos, notes, tpb = midi_notes(data)
    tonic, mode = music21_key(data, notes, tpb, parse)
    bars_major = sum(s.bars for s in song.sections if s.key.is_major) / song.bars
    chord_time = sum(c.duration for c in song.chords)
    major_chords = (
        sum(c.duration for c in song.chords if (c.root + 4) % 12 in c.pitch_classes) / chord_time
    )
    onsets = {round(n[1] * 4 / tpb) for n in notes}
    parts = sorted({n[0] for n in notes})
    mean_pitch = {t: statistics.fmean(n[3] for n in notes if n[0] == t) for t in parts}
    melody = skyline(notes, {parts[0]}, tpb, top=True)
    bass = skyline(notes, {min(parts, key=lambda t: mean_pitch[t])}, tpb, top=False)
    in_scale = total = 0
    bpb = song.beats_per_bar
    for p in song.parts:
        for n in p.notes:
            bar = int(n.start // bpb) + 1
            sec = [s for s in song.sections if s.start_bar <= bar][-1]
            in_scale += n.pitch % 12 in sec.key.scale
            total += 1
    speakers = [
        sum(motif_found(song, sp.motif, b) for _, b in sp.appearances) >= 2 for sp in song.speakers
    ]
    body = [s for s in song.sections if s.name not in ("intro", "coda")]
    return {
        "kind": kind,
        "v": v,
        "a": a,
        "style": style,
        "seed": seed,
        "key_ok": (tonic, mode) == (song.key.tonic, family(song.key.mode)),
        "found": f"{tonic}/{mode}",
        "declared": song.key.name,
        "tempo_ok": bool(tempos) and tempos[0] == mido.bpm2tempo(song.tempo),
        "grid": sum(n[1] % (tpb // 4) == 0 for n in notes) / len(notes),
        "onset_rate": len(onsets) / song.duration_beats * song.tempo,
        "majorness": 0.5 * (bars_major + major_chords),
        "bars_major": bars_major,
        "major_chords": major_chords,
        "cos_melody": compression_ratio(melody),
        "cos_bass": compression_ratio(bass),
        "speakers_ok": speakers,
        "in_scale": in_scale / total,
        "arc_ok": (not body[0].key.is_major) and body[-1].key.is_major,
    }


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""

    def ranks(values: list[float]) -> np.ndarray:
        arr = np.asarray(values, dtype=float)
        order = arr.argsort(kind="stable")
        r = np.empty(len(arr))
        r[order] = np.arange(len(arr), dtype=float)
        for val in np.unique(arr):
            mask = arr == val
            r[mask] = r[mask].mean()
        return r

    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--length", type=float, default=120.0)
    ap.add_argument("--styles", nargs="+", default=list(STYLES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--parse", action="store_true", help="music21 converter.parse the MIDI")
    ap.add_argument("--worst", type=int, default=0, help="list this many failing songs")
    args = ap.parse_args()
    cases = [
        (v, a, seed, style, args.length, args.parse, "grid")
        for v in GRID
        for a in GRID
        for seed in range(args.seeds)
        for style in args.styles
    ]
    cases += [
        (0.0, 0.0, seed, style, args.length, args.parse, "arc")
        for seed in range(args.seeds)
        for style in args.styles
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(measure, cases, chunksize=4))
    grid = [r for r in rows if r["kind"] == "grid"]
    mean = statistics.fmean

    def show(name: str, value: float, fmt: str = ".3f") -> None:
        print(f"{name} {value:{fmt}}")

    print(
        f"songs {len(rows)} (grid {len(grid)}, arc {len(rows) - len(grid)}), "
        f"length {args.length:g} s, styles {' '.join(args.styles)}, seeds {args.seeds}"
    )
    show("key_agreement", mean(r["key_ok"] for r in rows))
    for style in args.styles:
        show(f"key_agreement[{style}]", mean(r["key_ok"] for r in rows if r["style"] == style))
    show("key_agreement[minor]", mean(r["key_ok"] for r in rows if "minor" in r["declared"]))
    show("key_agreement[major]", mean(r["key_ok"] for r in rows if "major" in r["declared"]))
    show("tempo_meta_ok", mean(r["tempo_ok"] for r in rows))
    show("onsets_on_16th_grid", mean(r["grid"] for r in rows))
    show(
        "spearman_arousal_onset_rate",
        spearman([r["a"] for r in grid], [r["onset_rate"] for r in grid]),
    )
    show(
        "spearman_valence_majorness",
        spearman([r["v"] for r in grid], [r["majorness"] for r in grid]),
    )
    show(
        "spearman_valence_major_sections",
        spearman([r["v"] for r in grid], [r["bars_major"] for r in grid]),
    )
    show(
        "spearman_valence_major_chords",
        spearman([r["v"] for r in grid], [r["major_chords"] for r in grid]),
    )
    for style in args.styles:
        sub = [r for r in grid if r["style"] == style]
        show(
            f"spearman_arousal_onset_rate[{style}]",
            spearman([r["a"] for r in sub], [r["onset_rate"] for r in sub]),
        )
    for line in ("melody", "bass"):
        vals = [r[f"cos_{line}"] for r in rows]
        show(f"cosiatec_{line}_mean", mean(vals), ".2f")
        show(f"cosiatec_{line}_min", min(vals), ".2f")
        show(f"cosiatec_{line}_max", max(vals), ".2f")
        show(f"cosiatec_{line}_in_3.0_4.5", mean(3.0 <= x <= 4.5 for x in vals))
        by_a = {a: mean(r[f"cos_{line}"] for r in grid if r["a"] == a) for a in GRID}
        print(
            f"cosiatec_{line}_by_arousal " + " ".join(f"{a:+.1f}:{x:.2f}" for a, x in by_a.items())
        )
    show("speaker_motif_twice", mean(ok for r in rows for ok in r["speakers_ok"]))
    show("in_scale", mean(r["in_scale"] for r in rows))
    show("in_scale_min", min(r["in_scale"] for r in rows))
    show("arc_brightens", mean(r["arc_ok"] for r in rows if r["kind"] == "arc"))
    show("seconds", time.perf_counter() - t0, ".1f")
    if args.worst:
        bad = [
            r
            for r in rows
            if not r["key_ok"]
            or not all(r["speakers_ok"])
            or not 3.0 <= r["cos_melody"] <= 4.5
            or not 3.0 <= r["cos_bass"] <= 4.5
        ]
        for r in bad[: args.worst]:
            print("  ", {k: (round(x, 3) if isinstance(x, float) else x) for k, x in r.items()})


if __name__ == "__main__":
    main()
