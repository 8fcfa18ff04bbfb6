"""Motivic unity of a composed song: the opening call returns as exact translations.

The intro previews it after a two-bar vamp, a contrasting (B) section is built on it
(moved, over its own chords), and the coda says it once more, an octave down where the
register allows.
"""

from __future__ import annotations

import itertools

import pytest

from composer.chat.model import Chat, Message
from composer.mood.model import VAD, MessageMood, Mood, Segment, SpeakerMood
from composer.music.compose import SongOptions, compose
from composer.music.model import Note, Song

LINES = (
    ("Ana", "did you see the sky tonight"),
    ("Ben", "yes"),
    ("Ana", "it looked like the summer we met at the lake"),
    ("Ben", "me too, honestly"),
)


def _one_mood(v: float, a: float) -> tuple[Chat, Mood]:
    chat = Chat(tuple(Message(s, t) for s, t in LINES), "test")
    vad = VAD(v, a, 0.0)
    msgs = tuple(MessageMood(i, s, vad) for i, (s, _) in enumerate(LINES))
    seg = Segment(0, len(LINES), vad, (0,), "Ana")
    spk = (SpeakerMood("Ana", 2, 0.6, vad), SpeakerMood("Ben", 2, 0.4, vad))
    return chat, Mood(vad, msgs, tuple(m.vad for m in msgs), (seg,), spk, "test")


def _song(v: float, a: float, seed: int) -> Song:
    chat, mood = _one_mood(v, a)
    return compose(chat, mood, SongOptions(seed=seed, length_s=120))


def _bar(song: Song, bar: int) -> list[Note]:
    """The melody line of a 1-based bar: the highest note at each onset, leaving out
    inner voices under a held higher note."""
    bpb = song.beats_per_bar
    lo, hi = (bar - 1) * bpb, bar * bpb
    near = [n for n in song.parts[0].notes if lo - 4 * bpb <= n.start < hi]
    return sorted(
        (
            n
            for n in near
            if n.start >= lo
            and n.pitch == max(o.pitch for o in near if o.start == n.start)
            and not any(o.start < n.start < o.end and o.pitch > n.pitch for o in near)
        ),
        key=lambda n: n.start,
    )


def _shape(notes: list[Note]) -> tuple[tuple[float, int], ...]:
    """Onsets and pitches relative to the first note: equal shapes are translations."""
    t0, p0 = notes[0].start, notes[0].pitch
    return tuple((round(n.start - t0, 6), n.pitch - p0) for n in notes)


def _sections(song: Song, letter: str) -> list[int]:
    return [s.start_bar for s in song.sections if s.name[0] == letter]


CASES = [
    (v, a, seed) for v, a in ((0.0, 0.0), (0.5, 0.5), (-0.5, -0.5), (0.8, 1.0)) for seed in (0, 1)
]


@pytest.mark.parametrize(("v", "a", "seed"), CASES)
def test_contrast_is_built_on_the_opening_call(v, a, seed):
    song = _song(v, a, seed)
    a_bar, b_bars = _sections(song, "A")[0], _sections(song, "B")
    assert b_bars  # a one-mood song of 120 s has a contrast
    call = _bar(song, a_bar)
    b = next(s for s in song.sections if s.name == "B")
    found = [
        bar
        for bar in range(b.start_bar, b.start_bar + b.bars)
        if _shape(_bar(song, bar)[: len(call)]) == _shape(call)
    ]
    # stated at least at the start of each of its phrases, in the B section's own key
    assert {b.start_bar + 4 * p for p in range(b.bars // 4)} <= set(found)


@pytest.mark.parametrize(("v", "a", "seed"), CASES)
def test_intro_vamps_previews_and_coda_recalls_the_call(v, a, seed):
    song = _song(v, a, seed)
    call = _bar(song, _sections(song, "A")[0])
    # two bars of accompaniment alone, then the speakers' motifs: the opener's first
    assert not _bar(song, 1) and not _bar(song, 2)
    contour = lambda notes: [(t, (p > 0) - (p < 0)) for t, p in _shape(notes)]  # noqa: E731
    assert contour(_bar(song, 3)) == contour(call)  # same rhythm and contour (a tonal preview)
    coda = next(s for s in song.sections if s.name == "coda")
    last = _bar(song, coda.start_bar)
    assert _shape(last[: len(call)]) == _shape(call)
    shift = last[0].pitch - call[0].pitch
    assert shift in (-12, 0)


def test_final_return_varies_the_theme_after_the_climax():
    song = _song(0.0, 0.0, 0)
    returns = [s for s in song.sections if s.name[0] == "A"]
    assert len(returns) >= 3

    def bars_of(sec) -> list[list[tuple[float, int]]]:
        return [
            [(n.start - (bar - 1) * song.beats_per_bar, n.pitch) for n in _bar(song, bar)]
            for bar in range(sec.start_bar, sec.start_bar + sec.bars)
        ]

    first, last = bars_of(returns[0]), bars_of(returns[-1])
    assert last[0] == first[0]  # the theme comes back
    assert sum(x != y for x, y in zip(first, last, strict=True)) >= 2  # varied, not copied
    peak = max(n.pitch for n in song.parts[0].notes)
    peak_bar = next(
        bar for bar in range(1, song.bars + 1) if any(n.pitch == peak for n in _bar(song, bar))
    )
    assert returns[0].start_bar + returns[0].bars <= peak_bar < returns[-1].start_bar


def _cues_heard(song: Song) -> tuple[str, float, float, frozenset[tuple[int, ...]]]:
    """Mode colour, mean melody pitch, left-hand voicing spread (mean span under each
    chord) and chord palette (chord shapes relative to their roots) of a song."""
    mel = [n.pitch for n in song.parts[0].notes]
    spans = []
    for c in song.chords:
        ps = [n.pitch for n in song.parts[1].notes if c.start <= n.start < c.start + c.duration]
        if ps:
            spans.append(max(ps) - min(ps))
    palette = frozenset(
        tuple(sorted((pc - c.root) % 12 for pc in c.pitch_classes)) for c in song.chords
    )
    return song.colour, sum(mel) / len(mel), sum(spans) / len(spans), palette


@pytest.mark.parametrize("seed", [0, 2])
@pytest.mark.parametrize("a", [-1.0, 0.0, 1.0])
def test_neighbouring_valence_levels_differ_in_three_cues(a, seed):
    """v = -1, -0.5, 0, 0.5, 1 at the same arousal and seed: each level differs from the
    next in at least three of mode colour, register (3 semitones), voicing spread (1
    semitone) and chord palette."""
    heard = [_cues_heard(_song(v / 2, a, seed)) for v in range(-2, 3)]
    for x, y in itertools.pairwise(heard):
        differ = (x[0] != y[0], abs(x[1] - y[1]) >= 3, abs(x[2] - y[2]) >= 1, x[3] != y[3])
        assert sum(differ) >= 3, (x[:3], y[:3], differ)


@pytest.mark.parametrize(("v", "a", "seed"), CASES)
def test_a_return_is_the_theme_ornamented_not_rewritten(v, a, seed):
    """A return of the opening period (not the climax; same length and key) sings the
    theme again: nearly all of its notes come back at the same place and pitch, and at
    least two bars are varied (repetition with variation, not copying nor a new tune).
    (Four-bar sections pair into periods over two sections: their returns answer the
    section of the same cadence, which is not the first one.)"""
    song = _song(v, a, seed)
    bpb = song.beats_per_bar
    a_secs = [s for s in song.sections if s.name[0] == "A" and s.role == "theme"]
    first = a_secs[0]
    if first.bars < 8:
        pytest.skip("four-bar sections")

    def notes(sec) -> set[tuple[float, int]]:
        lo, hi = (sec.start_bar - 1) * bpb, (sec.start_bar - 1 + sec.bars) * bpb
        return {(n.start - lo, n.pitch) for n in song.parts[0].notes if lo <= n.start < hi}

    theme = notes(first)
    kept = []
    for s in a_secs[1:]:
        if s.bars != first.bars or s.key != first.key:
            continue
        again = notes(s)
        kept.append(len(theme & again) / len(theme))
        changed = {int(t // bpb) for t, _ in again ^ theme}
        assert len(changed) >= 2, s.name
    assert not kept or max(kept) >= 0.75
