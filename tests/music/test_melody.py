"""Melody periods: literal motif statements, cadences, a climax, the leading tone."""

from __future__ import annotations

import itertools
import random

import pytest

from composer.music import harmony, melody, theory
from composer.music.model import Key

MOTIF = ((0, 1.0), (1, 0.5), (1, 0.5), (-2, 2.0))


def _under(key: Key, bars: int, seed: int, bar_beats: float = 4.0) -> melody.Harmony:
    slots = harmony.period(key, bars, 0.6, bar_beats, random.Random(seed))
    chords = tuple(
        harmony.make_chord(key, s.degree, 8.0 + s.start, s.beats, "plain", s.cadential)
        for s in slots
    )
    return melody.Harmony(key, chords, 8.0)


def _bar(per: melody.Period, bar: int, bar_beats: float = 4.0) -> list[melody.Tone]:
    return [t for t in per.tones if bar * bar_beats <= t.start < (bar + 1) * bar_beats]


@pytest.mark.parametrize("key", [Key(0, "major"), Key(9, "minor"), Key(6, "major")])
@pytest.mark.parametrize("variety", [0.1, 0.5, 0.9])
def test_period_states_the_motif_literally_and_cadences(key, variety):
    for seed in range(6):
        under = _under(key, 8, seed)
        shape = melody.Shape(step=0.5, variety=variety, variation=seed % 2)
        per = melody.period(MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), shape)
        assert set(per.statements) >= {0, 2, 4, 6}
        for bar in per.statements:
            tones = _bar(per, bar)
            assert [t.beats for t in tones] == [d for _, d in MOTIF]
            steps = [b.degree - a.degree for a, b in itertools.pairwise(tones)]
            assert steps == [s for s, _ in MOTIF[1:]]
        # parallel period: the answer starts exactly like the question
        assert [(t.degree, t.beats) for t in _bar(per, 0) + _bar(per, 1)] == [
            (t.degree, t.beats) for t in _bar(per, 4) + _bar(per, 5)
        ]
        assert _bar(per, 3)[-1].degree % 7 in (1, 4, 6)  # half cadence on a tone of V
        assert per.tones[-1].degree % 7 == 0  # the answer ends on the tonic
        assert sum(t.beats for t in per.tones) == pytest.approx(32)


def test_calm_answers_with_the_motif_and_lively_returns_vary():
    key = Key(2, "major")
    under = _under(key, 8, 3)

    def run(variety: float, variation: int) -> melody.Period:
        shape = melody.Shape(step=0.5, variety=variety, variation=variation)
        return melody.period(MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(5), shape)

    assert 1 in run(0.1, 0).statements and 1 not in run(0.5, 0).statements
    assert run(0.5, 0).tones == run(0.5, 1).tones  # a moderate song repeats its returns
    assert run(0.9, 0).tones != run(0.9, 1).tones  # a lively one varies them


def test_climax_reaches_the_highest_note():
    key = Key(7, "major")
    for seed in range(8):
        under = _under(key, 8, seed)
        plain = melody.period(
            MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), melody.Shape(step=0.5)
        )
        climax = melody.period(
            MOTIF,
            under,
            8,
            4.0,
            melody.Voice(70),
            random.Random(seed),
            melody.Shape(step=0.5, climax=True),
        )
        top = max(t.degree for t in climax.tones)
        assert top >= max(t.degree for t in plain.tones)
        assert any(t.degree == top for t in _bar(climax, 6) + _bar(climax, 7))
        assert 6 not in climax.statements


def test_melody_stays_in_its_voice():
    key = Key(4, "minor")
    voice = melody.Voice(69, 8)
    for seed in range(10):
        per = melody.period(
            MOTIF,
            _under(key, 8, seed),
            8,
            4.0,
            voice,
            random.Random(seed),
            melody.Shape(step=0.5, contour=seed % 3 - 1, climax=seed % 2 == 0),
        )
        pitches = [theory.degree_pitch(key, t.degree) for t in per.tones]
        assert min(pitches) >= voice.centre - voice.span - 4
        assert max(pitches) <= voice.centre + voice.span + 5
        leaps = [abs(b - a) for a, b in itertools.pairwise(pitches)]
        assert max(leaps) <= 12 and sum(x <= 4 for x in leaps) / len(leaps) > 0.6


def test_minor_melody_uses_the_leading_tone_over_the_dominant():
    key = Key(9, "minor")  # A minor: G# over E, G elsewhere
    under = _under(key, 8, 1)
    seventh = [melody.Tone(6, t, 0.5) for t in (0.0, 3 * 4.0, 3 * 4.0 + 2.0)]
    notes = melody.pitches(seventh, under)
    for tone, note in zip(seventh, notes, strict=True):
        chord = under.at(tone.start)
        assert note.start == tone.start + 8.0
        assert note.pitch % 12 == (8 if 8 in chord.pitch_classes else 7)
    assert any(n.pitch % 12 == 8 for n in notes)


def test_statement_fits_the_chord():
    key = Key(0, "major")
    under = _under(key, 8, 2)
    for t in (0.0, 4.0, 8.0):
        tones = melody.statement(MOTIF, under, t, 4.0, melody.Voice(67))
        assert tones[0].start == t
        assert under.is_tone(tones[0].degree, t)  # starts on a chord tone
