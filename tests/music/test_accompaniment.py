"""Accompaniment figures and bass lines ground the harmony."""

from __future__ import annotations

import itertools

import pytest

from composer.music import accompaniment, harmony
from composer.music.model import Key, Note

KEY = Key(7, "major")  # G major
FIGURES = ("rocking", "arpeggio", "broken", "driving", "sustained")


@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("degree", range(7))
@pytest.mark.parametrize("beats", [4.0, 3.0, 2.0])
def test_figure_plays_the_chord_over_its_root(figure, degree, beats):
    chord = harmony.make_chord(KEY, degree, 8.0, beats, "seventh", False)
    notes, voicing = accompaniment.figure_span(figure, chord, 8.0, beats, (), 70)
    assert notes and voicing
    first = [n for n in notes if n.start == 8.0]
    assert min(n.pitch for n in first) % 12 == chord.root  # the bass is the root
    assert all(n.pitch % 12 in chord.pitch_classes for n in notes)
    assert all(n.start >= 8.0 and n.end <= 8.0 + beats + 1e-9 for n in notes)
    assert all(accompaniment.BASS[0] <= n.pitch <= 72 for n in notes)
    assert all((n.start * 4) == int(n.start * 4) for n in notes)


@pytest.mark.parametrize("figure", ["broken", "driving", "arpeggio"])
def test_fill_walks_by_step_into_the_next_root(figure):
    chord = harmony.make_chord(KEY, 4, 0.0, 4.0, "plain", True)  # D, then G
    notes, _ = accompaniment.figure_span(
        figure, chord, 0.0, 4.0, (), 70, fill_to=7, scale=KEY.scale
    )
    walk = sorted((n for n in notes if n.start >= 2.0), key=lambda n: n.start)
    assert [n.start for n in walk] == [2.0, 2.5, 3.0, 3.5]
    pitches = [n.pitch for n in walk]
    assert all(p % 12 in KEY.scale for p in pitches)
    steps = [b - a for a, b in itertools.pairwise(pitches)]
    assert all(1 <= abs(s) <= 2 for s in steps) and len({s > 0 for s in steps}) == 1
    target = accompaniment.bass_pitch(7)
    assert 1 <= abs(target - pitches[-1]) <= 2  # one step from where the next bar starts
    assert all(
        n.end <= 2.0 + 1e-9
        for n in notes
        if n.start < 2.0 and n.pitch != walk[0].pitch and n.start > 0
    )


@pytest.mark.parametrize("motion", ["pedal", "roots", "passing"])
def test_bass_line_grounds_each_chord(motion):
    chords = [
        harmony.make_chord(KEY, d, 4.0 * i, 4.0, "plain", False)
        for i, d in enumerate((0, 5, 3, 4, 0))
    ]
    for i, ch in enumerate(chords[:-1]):
        nxt = chords[i + 1].root
        line = accompaniment.bass_span(ch, nxt, motion, ch.start, 4.0, 80, KEY.scale)
        assert line[0].start == ch.start and line[0].pitch % 12 == ch.root
        assert sum(n.duration for n in line) == pytest.approx(4.0)
        assert all(accompaniment.BASS_LOW <= n.pitch < accompaniment.BASS_LOW + 24 for n in line)
        if motion == "pedal":
            assert {n.pitch for n in line} == {line[0].pitch}
        if motion == "passing":
            last, target = line[-1].pitch, accompaniment.bass_pitch(nxt, accompaniment.BASS_LOW)
            assert last % 12 in KEY.scale and 1 <= abs(target - last) <= 2


@pytest.mark.parametrize(
    "figure", ["sustained", "arpeggio", "broken", "rocking", "ostinato", "sweep"]
)
def test_voicing_spread_is_graded_from_dark_to_bright(figure):
    """The mood table's five voicing levels (v = -1 … +1: 10 … 18 semitones) sound as
    five: the darkest drops to two close voices, the brightest opens its lowest voice too."""
    spans = []
    for spread in (10, 12, 14, 16, 18):
        total = 0
        for degree in range(7):
            chord = harmony.make_chord(KEY, degree, 0.0, 4.0, "seventh", False)
            notes, _ = accompaniment.figure_span(figure, chord, 0.0, 4.0, (), 70, spread=spread)
            total += max(n.pitch for n in notes) - min(n.pitch for n in notes)
        spans.append(total / 7)
    assert spans == sorted(spans)
    assert spans[0] < spans[1] and spans[3] < spans[4]


@pytest.mark.parametrize("figure", ["rocking", "ostinato", "sweep"])
def test_figures_built_on_the_bass_honour_the_voicing_cue_too(figure):
    """Rocking, ostinato and sweep (built on the bass, not on the voiced chord) are close
    when sad (inside an octave at 12 or less) and reach further when bright."""
    spans = {}
    for spread in (10, 12, 14, 16):
        chord = harmony.make_chord(KEY, 0, 0.0, 4.0, "plain", False)
        notes, _ = accompaniment.figure_span(figure, chord, 0.0, 4.0, (), 70, spread=spread)
        spans[spread] = max(n.pitch for n in notes) - min(n.pitch for n in notes)
    assert spans[12] <= 12 < spans[14] < spans[16] or figure == "sweep"
    assert spans[10] <= spans[12] < spans[14] <= spans[16]


def test_under_melody_keeps_the_tune_on_top() -> None:
    from composer.music.accompaniment import BASS, under_melody

    tune = [Note(62, 0.0, 1.0, 80), Note(67, 1.0, 1.0, 80)]
    lh = [
        Note(64, 0.0, 1.0, 50),  # above the D4 it meets: an octave down
        Note(55, 0.5, 1.0, 50),  # meets D4 and G4: under both already
        Note(67, 1.0, 1.0, 50),  # the tune's own pitch: an octave down
        Note(70, 3.0, 1.0, 50),  # meets no melody note: stays
        Note(BASS[0] + 1, 0.0, 1.0, 50),  # low already
    ]
    got = under_melody(lh, tune)
    assert [n.pitch for n in got] == [52, 55, 55, 70, BASS[0] + 1]
    for n in got:
        met = [m.pitch for m in tune if m.start < n.end and m.end > n.start]
        assert all(n.pitch < p for p in met)
    high = [Note(BASS[0] + 14, 0.0, 1.0, 50)]
    assert under_melody(high, [Note(BASS[0] + 1, 0.0, 1.0, 80)]) == []  # no room: left out
