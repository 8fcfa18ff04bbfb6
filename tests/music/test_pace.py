"""Pace: bursts of quick replies and slow exchanges shape density and rests."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import pytest

from composer.chat.model import Chat, Message
from composer.mood import analyse
from composer.music import pace
from composer.music.compose import SongOptions, compose
from composer.music.model import Song, TimelineBar

T0 = datetime(2026, 2, 14, 21, 0)


def _timed(gaps_min: list[float]) -> Chat:
    t, out = T0, []
    for i, g in enumerate(gaps_min):
        t += timedelta(minutes=g)
        out.append(Message("Ana" if i % 2 else "Ben", "I keep thinking about the lake", t))
    return Chat(tuple(out), "whatsapp")


def _bars(n_msgs: int, n_bars: int) -> tuple[TimelineBar, ...]:
    return tuple(
        TimelineBar(b + 1, "A", tuple(range(b * n_msgs // n_bars, (b + 1) * n_msgs // n_bars)))
        for b in range(n_bars)
    )


def test_a_burst_then_a_long_wait():
    chat = _timed([1] * 10 + [90] * 10)  # ten quick replies, then ten an hour and a half apart
    got = pace.paces(chat, _bars(20, 8), [(1, 4), (5, 4)])
    assert got[0] >= pace.BURST and got[1] <= pace.SLOW


def test_an_even_chat_has_one_pace():
    chat = _timed([3] * 20)
    assert pace.paces(chat, _bars(20, 8), [(1, 4), (5, 4)]) == [0.0, 0.0]


def test_a_transcript_reads_the_exchange():
    quick = [
        Message("Ana" if i % 2 else "Ben", w) for i, w in enumerate(["no", "yes", "why", "ok"] * 3)
    ]
    slow = [
        Message("Ana", "I have been thinking about what you said last summer at the lake, " * 3)
    ] * 12
    chat = Chat(tuple(quick + slow), "plain")
    got = pace.paces(chat, _bars(24, 8), [(1, 4), (5, 4)])
    assert got[0] >= pace.BURST and got[1] <= pace.SLOW


def test_sections_without_messages_and_tiny_chats_keep_the_chat_s_pace():
    chat = _timed([1, 60, 1])
    assert pace.paces(chat, _bars(3, 8), [(1, 4), (5, 4)]) == [0.0, 0.0]
    chat = _timed([1] * 10 + [90] * 10)
    bars = (*_bars(20, 8), TimelineBar(9, "coda", ()))
    assert pace.paces(chat, bars, [(9, 1)]) == [0.0]


@pytest.mark.parametrize(
    ("base", "p", "want"), [(2, 0.8, 3), (3, 0.8, 3), (1, -0.7, 0), (0, -1, 0), (2, 0.2, 2)]
)
def test_density_moves_one_level(base, p, want):
    assert pace.density(base, p) == want


def _per_section(song: Song) -> list[tuple[str, float, float]]:
    """(name, melody notes per bar, silent beats per bar) of each body section."""
    bpb = song.beats_per_bar
    out = []
    for sec in song.sections:
        if sec.role in ("intro", "coda"):
            continue
        lo, hi = (sec.start_bar - 1) * bpb, (sec.start_bar - 1 + sec.bars) * bpb
        notes = sorted(
            (n for n in song.parts[0].notes if lo <= n.start < hi), key=lambda n: n.start
        )
        sounding = sum(min(n.duration, hi - n.start) for n in notes)
        out.append((sec.name, len(notes) / sec.bars, (hi - lo - sounding) / sec.bars))
    return out


def test_the_burst_sings_more_notes_and_the_slow_stretch_breathes():
    chat = _timed([1] * 12 + [120] * 12)
    song = compose(chat, analyse(chat), SongOptions(seed=3, length_s=120, valence=0.3, arousal=0.0))
    rows = _per_section(song)
    half = len(rows) // 2
    fast, slow = rows[:half], rows[-half:]
    assert statistics.fmean(r[1] for r in fast) > 1.2 * statistics.fmean(r[1] for r in slow)
    assert statistics.fmean(r[2] for r in slow) > statistics.fmean(r[2] for r in fast)
    even = _timed([5] * 24)
    flat = _per_section(
        compose(even, analyse(even), SongOptions(seed=3, length_s=120, valence=0.3, arousal=0.0))
    )
    spread = max(r[1] for r in flat) - min(r[1] for r in flat)
    assert spread < max(r[1] for r in rows) - min(r[1] for r in rows)
