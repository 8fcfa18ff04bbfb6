"""Do bursts of quick replies and slow exchanges shape the song's density and rests?

Two chats of the same 24 lines (the same words, so the same mood): one whose first half
is a burst (a reply a minute) and whose second half is slow (two hours apart), and one
at an even pace (a reply every five minutes). For several seeds and every style, prints

- ``burst_over_slow_notes``: melody notes per bar in the burst's sections over those in
  the slow sections (want > 1.2);
- ``slow_over_burst_rests``: silent melody beats per bar, slow over burst (want > 1);
- ``even_spread`` / ``paced_spread``: the spread (max - min) of notes per bar over the
  body sections, even pace vs burst-then-slow (the pace must add contrast);
- the pace (-1 … +1) of each section of every chat in ``../shared/chat-formats/``,
  ``tests/fixtures/arcs/`` and ``examples/``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics as st
from datetime import datetime, timedelta
from pathlib import Path

from composer import chat as chats
from composer.chat.model import Chat, Message
from composer.errors import ComposerError
from composer.mood import analyse
from composer.music import form, mapping, pace, timeline
from composer.music.compose import SongOptions, compose
from composer.music.model import Song
from composer.music.orchestra import STYLES

ROOT = Path(__file__).resolve().parents[1]
LINE = "I keep thinking about the lake"


def timed(gaps_min: list[int]) -> Chat:
    t, out = datetime(2026, 2, 14, 21, 0), []
    for i, g in enumerate(gaps_min):
        t += timedelta(minutes=g)
        out.append(Message("Ana" if i % 2 else "Ben", LINE, t))
    return Chat(tuple(out), "whatsapp")


def per_section(song: Song) -> list[tuple[float, float]]:
    """(melody notes per bar, silent melody beats per bar) of each body section."""
    bpb = song.beats_per_bar
    out = []
    for sec in song.sections:
        if sec.role in ("intro", "coda"):
            continue
        lo, hi = (sec.start_bar - 1) * bpb, (sec.start_bar - 1 + sec.bars) * bpb
        notes = [n for n in song.parts[0].notes if lo <= n.start < hi]
        sounding = sum(min(n.duration, hi - n.start) for n in notes)
        out.append((len(notes) / sec.bars, (hi - lo - sounding) / sec.bars))
    return out


def section_paces(path: Path) -> str:
    chat = chats.parse(path.read_bytes(), "auto", filename=path.name)
    mood = analyse(chat)
    home = mapping.cues(mood.valence, mood.arousal, mood.dominance)
    total = form.bars_for(120.0, home.tempo, 4.0)
    secs = tuple(form.plan(mood, total, mood.valence, mood.arousal, home.section_bars))
    firsts = itertools.accumulate((s.bars for s in secs), initial=1)
    spans = [(f, s.bars) for f, s in zip(firsts, secs, strict=False)]
    got = pace.paces(chat, timeline.bars(mood, secs), spans)
    return " ".join(f"{s.name}:{p:+.2f}" for s, p in zip(secs, got, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    paced, even = timed([1] * 12 + [120] * 12), timed([5] * 24)
    notes, rests, spreads = [], [], []
    for seed, style in itertools.product(range(args.seeds), STYLES):
        opts = SongOptions(seed=seed, length_s=120, style=style, valence=0.3, arousal=0.0)
        rows = per_section(compose(paced, analyse(paced), opts))
        flat = per_section(compose(even, analyse(even), opts))
        half = len(rows) // 2
        fast, slow = rows[:half], rows[-half:]
        notes.append(st.fmean(r[0] for r in fast) / st.fmean(r[0] for r in slow))
        rests.append(st.fmean(r[1] for r in slow) / max(1e-9, st.fmean(r[1] for r in fast)))
        spreads.append(
            (
                max(r[0] for r in flat) - min(r[0] for r in flat),
                max(r[0] for r in rows) - min(r[0] for r in rows),
            )
        )
    print(f"songs {len(notes)} (seeds {args.seeds} x styles {len(STYLES)})")
    print(f"burst_over_slow_notes mean {st.fmean(notes):.2f} min {min(notes):.2f}  (want > 1.2)")
    print(f"slow_over_burst_rests mean {st.fmean(rests):.2f} min {min(rests):.2f}  (want > 1)")
    print(
        f"even_spread {st.fmean(s[0] for s in spreads):.2f} "
        f"paced_spread {st.fmean(s[1] for s in spreads):.2f}  (notes per bar, max - min)"
    )
    files = sorted((ROOT.parent / "shared" / "chat-formats").glob("*.*"))
    files += sorted((ROOT / "tests" / "fixtures" / "arcs").glob("*.txt"))
    files.append(ROOT / "examples" / "chat.txt")
    for f in files:
        if f.suffix in (".md",) or f.name == "index.json":
            continue
        try:
            print(f"pace {f.name}: {section_paces(f)}")
        except ComposerError as e:
            print(f"pace {f.name}: {e}")


if __name__ == "__main__":
    main()
