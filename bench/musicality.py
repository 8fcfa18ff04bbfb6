"""Is it music a musician would respect? Melody, repetition, rhythm, cadences, valence, arc.

Usage::

    .venv/bin/python bench/musicality.py [--seeds 3] [--length 120] [--styles ...]
                                         [--jobs 2] [--no-chats]

Songs: the 25-point valence × arousal grid (``bench/quality.py``'s moods) × seeds ×
styles; a = ±0.6 probes (v in -0.5, 0, 0.5) for the rhythm ratio; and every fixture
chat (``tests/fixtures/chats``, the same files as ``../shared/chat-formats``, plus
``examples/`` and the quarrel-then-reconciliation chats ``tests/fixtures/arcs/quarrel_*``)
read by the real mood reader. The melody is the skyline of the first part (as in
``bench/quality.py``). Prints one ``name value`` line per figure of issue 14's list:

- melody: ``steps_or_repeats`` (share of intervals ≤ 2 semitones), ``leaps_over_fifth``,
  ``strong_nct_resolved`` (strong-beat non-chord tones left by step), ``aug_seconds``;
- envelope: the seven statistics of ``bench/melody_stats.py`` against the p10–p90 band of
  the folk-song corpus; ``envelope_median_inside`` (of 7) for the median song;
- repetition: ``top_bar_share`` (most frequent melody bar / bars with melody),
  ``distinct_bars``, ``cosiatec_melody`` (bench/cosiatec.py, 3.0–4.5 wanted);
- rhythm: ``notes_per_bar_ratio`` (a = +0.6 over a = -0.6), ``bar_rhythms_per_16``,
  ``top_duration_share`` (most common inter-onset interval / onsets);
- cadences: ``pac_per_8_max`` (authentic cadences: V–I into a phrase's fourth bar with
  the melody on the tonic, in any 8-bar window before the coda), ``coda_bars``,
  ``final_chord_bars``, ``final_consonant``, ``ritardando`` (tempo events after the
  declared one, slowing),
  ``declared_tempo_first``, ``deceptive_before_climax``;
- valence: ``brightness_spearman`` (Krumhansl–Kessler major-profile correlation minus
  minor-profile correlation of the pitch-class durations, best key of each, over the 25
  grid points' means), ``neighbours_differ_3`` (share of neighbouring valence levels,
  same arousal/seed/style, differing in ≥ 3 of mode colour, mean melody pitch ≥ 3
  semitones, voicing spread ≥ 1 semitone, chord palette);
- key clarity: ``key_finder_tonic`` (music21's default ``analyze('key')`` names the
  declared tonic and mode family), overall and for v ≥ 0.5 with a ≥ 0.5;
- arc (quarrel chats): ``arc_pairs_differ_3`` (sections whose valence differs by ≥ 0.2
  differ in ≥ 3 of mode, tempo ±8, figure, register ±3, velocity ±10),
  ``speaker_motif_twice``; ``finale_combines``; ``climax_at_peak``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics as st
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import mido
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cosiatec import compression_ratio  # noqa: E402
from melody_stats import STATS, corpus_band, statistics  # noqa: E402
from quality import GRID, make_mood, midi_notes, motif_found, music21_key, skyline, spearman  # noqa: E402

from composer.midi import to_midi  # noqa: E402
from composer.music.compose import SongOptions, compose  # noqa: E402
from composer.music.model import Song  # noqa: E402
from composer.music.orchestra import STYLES  # noqa: E402

KK_MAJ = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MIN = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
CHATS = ROOT / "tests" / "fixtures" / "chats"
ARCS = ROOT / "tests" / "fixtures" / "arcs"  # quarrel-then-reconciliation chats


def brightness(notes: list[tuple[int, int, int, int]]) -> float:
    """KK major-profile correlation minus minor-profile correlation (best key of each)."""
    pcd = np.zeros(12)
    for _, _, dur, pitch in notes:
        pcd[pitch % 12] += dur
    best = {}
    for name, prof in (("maj", KK_MAJ), ("min", KK_MIN)):
        best[name] = max(float(np.corrcoef(pcd, np.roll(prof, k))[0, 1]) for k in range(12))
    return best["maj"] - best["min"]


def _chord_at(song: Song, t: float) -> Any:
    found = song.chords[0]
    for c in song.chords:
        if c.start <= t + 1e-6:
            found = c
        else:
            break
    return found


def _section_at(song: Song, bar: int) -> Any:
    return [s for s in song.sections if s.start_bar <= bar][-1]


def melody_figures(song: Song, melody: list[tuple[float, int]]) -> dict[str, float]:
    """Steps, leaps, strong-beat non-chord tones, augmented seconds."""
    ivs = [b - a for (_, a), (_, b) in itertools.pairwise(melody)]
    bpb = song.beats_per_bar
    strong = (0.0, bpb / 2) if bpb == 4.0 else (0.0,)
    nct = resolved = aug = 0
    for i, (t, p) in enumerate(melody):
        if round(t % bpb, 4) in strong and p % 12 not in _chord_at(song, t).pitch_classes:
            nct += 1
            if i + 1 < len(melody) and 1 <= abs(melody[i + 1][1] - p) <= 2:
                resolved += 1
        if i + 1 < len(melody) and abs(melody[i + 1][1] - p) == 3:
            key = _section_at(song, int(t // bpb) + 1).key
            rel = {(p - key.tonic) % 12, (melody[i + 1][1] - key.tonic) % 12}
            aug += rel == {8, 11}
    n = max(1, len(ivs))
    return {
        "steps_or_repeats": sum(abs(i) <= 2 for i in ivs) / n,
        "leaps_over_fifth": sum(abs(i) > 7 for i in ivs) / n,
        "strong_nct_resolved": resolved / nct if nct else 1.0,
        "aug_seconds": float(aug),
    }


def bar_figures(song: Song, melody: list[tuple[float, int]]) -> dict[str, float]:
    """Repetition and rhythm of the melody's bars."""
    bpb = song.beats_per_bar
    bars: dict[int, list[tuple[float, int]]] = {}
    for t, p in melody:
        bars.setdefault(int(t // bpb), []).append((round(t % bpb, 3), p))
    contents = [tuple(v) for _, v in sorted(bars.items())]
    rhythms = {b: tuple(t for t, _ in v) for b, v in bars.items()}
    counts = Counter(contents)
    windows = []
    for w0 in range(0, song.bars - 15, 8):
        windows.append(len({rhythms[b] for b in range(w0, w0 + 16) if b in rhythms}))
    iois = Counter(round(b - a, 3) for (a, _), (b, _) in itertools.pairwise(melody) if b - a <= bpb)
    return {
        "top_bar_share": counts.most_common(1)[0][1] / len(contents),
        "distinct_bars": len(counts) / len(contents),
        "notes_per_bar": len(melody) / len(contents),
        "bar_rhythms_per_16": min(windows) if windows else len(set(rhythms.values())),
        "top_duration_share": iois.most_common(1)[0][1] / sum(iois.values()),
        "cosiatec_melody": compression_ratio([(round(t * 4), p) for t, p in melody]),
    }


def cadence_figures(song: Song, data: bytes, melody: list[tuple[float, int]]) -> dict[str, float]:
    """Authentic cadences per 8 bars, coda, final chord, ritardando, deceptive cadence."""
    bpb = song.beats_per_bar
    mel = dict(melody)
    pacs = []
    for prev, ch in itertools.pairwise(song.chords):
        sec = _section_at(song, int(ch.start // bpb) + 1)
        key = sec.key
        if (int(ch.start // bpb) + 1 - sec.start_bar) % 4 != 3:
            continue  # a cadence ends a phrase: the I of a phrase's fourth bar
        if (
            prev.root == (key.tonic + 7) % 12
            and (prev.root + 4) % 12 in prev.pitch_classes
            and ch.root == key.tonic
            and abs(ch.start % bpb) < 1e-6
            and mel.get(ch.start, -1) % 12 == key.tonic
        ):
            pacs.append(int(ch.start // bpb))
    coda = song.sections[-1]
    before = [b for b in pacs if b < coda.start_bar - 1]
    per8 = max((sum(w <= b < w + 8 for b in before) for w in range(song.bars)), default=0)
    last = song.chords[-1]
    tail = [c for c in song.chords if c.root == last.root and c.pitch_classes == last.pitch_classes]
    held = last.duration
    for c in reversed(song.chords[:-1]):
        if c.root == last.root and c.pitch_classes == last.pitch_classes:
            held += c.duration
        else:
            break
    del tail
    tonic = song.key.tonic
    rel = sorted((pc - tonic) % 12 for pc in last.pitch_classes)
    consonant = last.root == tonic and set(rel) in (
        {0, 4, 7},
        {0, 3, 7},
        {0, 2, 4, 7},
        {0, 2, 3, 7},
        {0, 4, 7, 11},
    )
    mid = mido.MidiFile(file=io.BytesIO(data))
    tempos = [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"]
    climax = next((s for s in song.sections if "climax" in getattr(s, "role", "")), None)
    deceptive = 0.0
    if climax is not None:
        for prev, ch in itertools.pairwise(song.chords):
            key = _section_at(song, int(ch.start // bpb) + 1).key
            if (
                (climax.start_bar - 9) * bpb <= ch.start < (climax.start_bar - 1) * bpb
                and prev.root == (key.tonic + 7) % 12
                and ch.root == (key.tonic + (9 if key.is_major else 8)) % 12
            ):
                deceptive = 1.0
    return {
        "pac_per_8_max": float(per8),
        "coda_bars": float(coda.bars),
        "final_chord_bars": held / bpb,
        "final_consonant": float(consonant),
        "declared_tempo_first": float(bool(tempos) and tempos[0] == mido.bpm2tempo(song.tempo)),
        "ritardando": float(len(tempos) > 1 and tempos[-1] > tempos[0]),
        "deceptive_before_climax": deceptive,
    }


def section_profile(
    song: Song, notes: list[tuple[int, int, int, int]], tpb: int
) -> list[dict[str, Any]]:
    """Per body section: mode, tempo, figure, mean melody pitch, mean velocity."""
    del notes, tpb
    bpb = song.beats_per_bar
    out = []
    for s in song.sections:
        lo, hi = (s.start_bar - 1) * bpb, (s.start_bar - 1 + s.bars) * bpb
        mel = [n for n in song.parts[0].notes if lo <= n.start < hi]
        allnotes = [n for p in song.parts for n in p.notes if lo <= n.start < hi]
        out.append(
            {
                "name": s.name,
                "valence": s.valence,
                "mode": s.key.mode if s.key.is_major == song.key.is_major else f"{s.key.mode}*",
                "key": s.key,
                "tempo": getattr(s, "tempo", 0) or song.tempo,
                "figure": getattr(s, "figure", ""),
                "pitch": st.fmean(n.pitch for n in mel) if mel else 0.0,
                "velocity": st.fmean(n.velocity for n in allnotes) if allnotes else 0.0,
            }
        )
    return out


def arc_pairs(profile: list[dict[str, Any]]) -> tuple[int, int]:
    """(pairs of body sections with valence ≥ 0.2 apart, of them differing in ≥ 3 cues)."""
    body = [p for p in profile if p["name"] not in ("intro", "coda")]
    pairs = ok = 0
    for x, y in itertools.combinations(body, 2):
        if abs(x["valence"] - y["valence"]) < 0.2:
            continue
        pairs += 1
        differ = (
            (x["key"].mode, x["key"].is_major) != (y["key"].mode, y["key"].is_major),
            abs(x["tempo"] - y["tempo"]) >= 8,
            x["figure"] != y["figure"],
            abs(x["pitch"] - y["pitch"]) >= 3,
            abs(x["velocity"] - y["velocity"]) >= 10,
        )
        ok += sum(differ) >= 3
    return pairs, ok


def song_figures(song: Song, parse: bool = False) -> dict[str, Any]:
    data = to_midi(song)
    _, notes, tpb = midi_notes(data)
    parts = sorted({n[0] for n in notes})
    sky = skyline(notes, {parts[0]}, tpb, top=True)
    melody = [(t / 4.0, p) for t, p in sky]
    tonic, mode = music21_key(data, notes, tpb, parse)
    fam = "major" if song.key.is_major else "minor"
    row: dict[str, Any] = {
        **melody_figures(song, melody),
        **bar_figures(song, melody),
        **cadence_figures(song, data, melody),
        "envelope": statistics(melody),
        "brightness": brightness(notes),
        "key_ok": (tonic, mode) == (song.key.tonic, fam),
        "mean_pitch": st.fmean(p for _, p in melody),
        "spread": _spread(song),
        "palette": sorted(
            {tuple(sorted((pc - c.root) % 12 for pc in c.pitch_classes)) for c in song.chords}
        ),
        "mode_colour": getattr(song, "colour", song.key.mode),
        "profile": section_profile(song, notes, tpb),
        "speakers_ok": [
            sum(motif_found(song, sp.motif, b) for _, b in sp.appearances) >= 2
            for sp in song.speakers
        ],
    }
    return row


def _spread(song: Song) -> float:
    """Voicing spread: mean distance from the lowest to the highest accompaniment note
    (the second part: the left hand, the harp) played under each chord."""
    spans = []
    for c in song.chords:
        ps = [n.pitch for n in song.parts[1].notes if c.start <= n.start < c.start + c.duration]
        if ps:
            spans.append(max(ps) - min(ps))
    return st.fmean(spans) if spans else 0.0


def measure(case: tuple[Any, ...]) -> dict[str, Any]:
    kind, v, a, seed, style, length = case
    if kind == "chat":
        from composer.pipeline import Request
        from composer.pipeline import compose as run

        path = Path(v)
        comp = run(
            Request(
                data=path.read_bytes(),
                filename=path.name,
                seed=seed,
                no_audio=True,
                song=SongOptions(style=style, length_s=length),
            )
        )
        song = comp.song
    else:
        chat, mood = make_mood([(v, a, 0.0)], ["Ana"])
        song = compose(chat, mood, SongOptions(seed=seed, length_s=length, style=style))
    row = song_figures(song)
    row.update(kind=kind, v=v, a=a, seed=seed, style=style)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--length", type=float, default=120.0)
    ap.add_argument("--styles", nargs="+", default=list(STYLES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-chats", action="store_true")
    args = ap.parse_args()
    seeds = range(args.seeds)
    cases: list[tuple[Any, ...]] = [
        ("grid", v, a, s, st_, args.length)
        for v in GRID
        for a in GRID
        for s in seeds
        for st_ in args.styles
    ]
    cases += [
        ("probe", v, a, s, "photograph", args.length)
        for v in (-0.5, 0.0, 0.5)
        for a in (-0.6, 0.6)
        for s in seeds
    ]
    if not args.no_chats:
        files = sorted(
            p
            for p in CHATS.iterdir()
            if p.suffix in (".txt", ".csv", ".json", ".zip", ".srt", ".vtt")
            and p.name != "index.json"
        )
        files += sorted(ARCS.glob("*.txt"))
        files.append(ROOT / "examples" / "chat.txt")
        cases += [
            ("chat", str(f), 0.0, s, st_, args.length)
            for f in files
            for s in seeds
            for st_ in args.styles
        ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(measure, cases, chunksize=2))
    report(rows, args)
    print(f"seconds {time.perf_counter() - t0:.1f}")


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    mean = st.fmean
    songs = [r for r in rows if r["kind"] != "probe"]
    grid = [r for r in rows if r["kind"] == "grid"]
    chats = [r for r in rows if r["kind"] == "chat"]
    print(
        f"songs {len(songs)} (grid {len(grid)}, chats {len(chats)}), "
        f"probes {len(rows) - len(songs)}, "
        f"length {args.length:g} s, styles {' '.join(args.styles)}, seeds {args.seeds}"
    )

    def show(name: str, value: float, want: str = "", fmt: str = ".3f") -> None:
        print(f"{name} {value:{fmt}}" + (f"  (want {want})" if want else ""))

    for label, sub in (("", songs), ("[chats]", chats)):
        if not sub:
            continue
        show(f"steps_or_repeats{label}", mean(r["steps_or_repeats"] for r in sub), ">= 0.60")
        show(f"leaps_over_fifth{label}", mean(r["leaps_over_fifth"] for r in sub), "<= 0.05")
        show(f"strong_nct_resolved{label}", mean(r["strong_nct_resolved"] for r in sub), ">= 0.90")
        show(f"aug_seconds{label}", sum(r["aug_seconds"] for r in sub), "0", ".0f")
    band = corpus_band()
    inside = []
    for r in songs:
        inside.append(sum(band[s][0] <= r["envelope"][s] <= band[s][1] for s in STATS))
    for s in STATS:
        vals = sorted(r["envelope"][s] for r in songs)
        share = mean(band[s][0] <= x <= band[s][1] for x in vals)
        print(
            f"envelope_{s} median {vals[len(vals) // 2]:.3f} "
            f"band {band[s][0]:.3f}..{band[s][1]:.3f} inside {share:.2f}"
        )
    show("envelope_median_inside", float(sorted(inside)[len(inside) // 2]), ">= 6 of 7", ".0f")
    show("envelope_mean_inside", mean(inside), "", ".2f")
    show("top_bar_share", mean(r["top_bar_share"] for r in songs), "<= 0.20")
    show("top_bar_share_max", max(r["top_bar_share"] for r in songs))
    show("distinct_bars", mean(r["distinct_bars"] for r in songs), ">= 0.50")
    show("distinct_bars_min", min(r["distinct_bars"] for r in songs))
    cos = [r["cosiatec_melody"] for r in songs]
    show("cosiatec_melody_mean", mean(cos), "3.0..4.5", ".2f")
    show("cosiatec_melody_in_3.0_4.5", mean(3.0 <= x <= 4.5 for x in cos))
    probes = [r for r in rows if r["kind"] == "probe"]
    hi = mean(r["notes_per_bar"] for r in probes if r["a"] > 0)
    lo = mean(r["notes_per_bar"] for r in probes if r["a"] < 0)
    show("notes_per_bar_ratio", hi / lo, ">= 1.6", ".2f")
    show("bar_rhythms_per_16_min", min(r["bar_rhythms_per_16"] for r in songs), ">= 4", ".0f")
    show("bar_rhythms_per_16_mean", mean(r["bar_rhythms_per_16"] for r in songs), "", ".2f")
    show("top_duration_share_max", max(r["top_duration_share"] for r in songs), "<= 0.60")
    show("top_duration_share_mean", mean(r["top_duration_share"] for r in songs))
    show("pac_per_8_max", max(r["pac_per_8_max"] for r in songs), "<= 1", ".0f")
    show("coda_bars_min", min(r["coda_bars"] for r in songs), ">= 4", ".0f")
    show("final_chord_bars_min", min(r["final_chord_bars"] for r in songs), ">= 2", ".2f")
    show("final_consonant", mean(r["final_consonant"] for r in songs), "1.0")
    show("ritardando", mean(r["ritardando"] for r in songs), "1.0")
    show("declared_tempo_first", mean(r["declared_tempo_first"] for r in songs), "1.0")
    show("deceptive_before_climax", mean(r["deceptive_before_climax"] for r in songs), "1.0")
    means = {
        (v, a): mean(r["brightness"] for r in grid if (r["v"], r["a"]) == (v, a))
        for v in GRID
        for a in GRID
    }
    show("brightness_spearman", spearman([k[0] for k in means], list(means.values())), ">= 0.90")
    show(
        "brightness_spearman_songs",
        spearman([r["v"] for r in grid], [r["brightness"] for r in grid]),
    )
    print(
        "brightness_by_valence "
        + " ".join(f"{v:+.1f}:{mean(x for k, x in means.items() if k[0] == v):.3f}" for v in GRID)
    )
    by = {(r["v"], r["a"], r["seed"], r["style"]): r for r in grid}
    differ = []
    for (v, a, s, sty), r in by.items():
        up = GRID.index(v) + 1
        if up < len(GRID) and (GRID[up], a, s, sty) in by:
            o = by[(GRID[up], a, s, sty)]
            differ.append(
                sum(
                    (
                        r["mode_colour"] != o["mode_colour"],
                        abs(r["mean_pitch"] - o["mean_pitch"]) >= 3,
                        abs(r["spread"] - o["spread"]) >= 1,
                        r["palette"] != o["palette"],
                    )
                )
                >= 3
            )
    show("neighbours_differ_3", mean(differ), "1.0")
    show("key_finder_tonic", mean(r["key_ok"] for r in songs), ">= 0.95")
    bright = [r for r in grid if r["v"] >= 0.5 and r["a"] >= 0.5]
    show("key_finder_tonic[v>=0.5,a>=0.5]", mean(r["key_ok"] for r in bright), ">= 0.95")
    if chats:
        show("key_finder_tonic[chats]", mean(r["key_ok"] for r in chats), ">= 0.95")
    quarrel = [r for r in chats if "quarrel" in str(r["v"])]
    if quarrel:
        pairs = [arc_pairs(r["profile"]) for r in quarrel]
        total = sum(p for p, _ in pairs)
        show("arc_pairs", float(total), "", ".0f")
        show(
            "arc_pairs_differ_3", sum(o for _, o in pairs) / total if total else float("nan"), "1.0"
        )
        show(
            "speaker_motif_twice[quarrel]",
            mean(ok for r in quarrel for ok in r["speakers_ok"]),
            "1.0",
        )
    show("speaker_motif_twice", mean(ok for r in songs for ok in r["speakers_ok"]), "1.0")


if __name__ == "__main__":
    main()
