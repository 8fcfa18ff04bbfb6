"""Melody periods: motif statements, lines, cadences, a climax, the leading tone."""

from __future__ import annotations

import itertools
import random

import pytest

from composer.music import harmony, melody, phrase, theory
from composer.music.model import Key

MOTIF = ((0, 1.0), (1, 0.5), (1, 0.5), (-2, 2.0))


def _under(key: Key, bars: int, seed: int, bar_beats: float = 4.0) -> melody.Harmony:
    slots = harmony.period(key, bars, 0.6, bar_beats, random.Random(seed))
    chords = tuple(
        harmony.make_chord(key, s.degree, 8.0 + s.start, s.beats, "plain", s.cadential)
        for s in slots
    )
    return melody.Harmony(key, chords, 8.0)


def _bar(per: phrase.Period, bar: int, bar_beats: float = 4.0) -> list[melody.Tone]:
    return [t for t in per.tones if bar * bar_beats <= t.start < (bar + 1) * bar_beats]


@pytest.mark.parametrize("key", [Key(0, "major"), Key(9, "minor"), Key(6, "major")])
@pytest.mark.parametrize("variety", [0.1, 0.5, 0.9])
def test_period_states_the_motif_and_cadences(key, variety):
    for seed in range(6):
        under = _under(key, 8, seed)
        shape = phrase.Shape(step=0.5, variety=variety, variation=seed % 2)
        per = phrase.period(MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), shape)
        assert {0} <= set(per.statements) and (seed % 2 or 4 in per.statements)
        for bar in per.statements:
            tones = _bar(per, bar)
            assert [t.beats for t in tones] == [d for _, d in MOTIF]
            steps = [b.degree - a.degree for a, b in itertools.pairwise(tones)]
            assert steps == [s for s, _ in MOTIF[1:]]
        # call, answer, line: bar 3 is not bar 1 again
        assert [t.degree for t in _bar(per, 2)] != [t.degree for t in _bar(per, 0)]
        assert _bar(per, 3)[-1].degree % 7 in (1, 4, 6)  # half cadence on a tone of V
        assert per.tones[-1].degree % 7 == 0  # the answer ends on the tonic
        assert sum(t.beats for t in per.tones) == pytest.approx(32)


def test_strong_beats_are_chord_tones_or_resolve_by_step():
    for key in (Key(0, "major"), Key(9, "minor")):
        for seed in range(8):
            under = _under(key, 8, seed)
            for density in range(4):
                shape = phrase.Shape(
                    step=0.5, variety=0.6, density=density, suspension=seed % 3 == 0
                )
                per = phrase.period(
                    MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), shape
                )
                tones = per.tones
                for i, tn in enumerate(tones):
                    if tn.start % 2.0 or under.is_tone(tn.degree, tn.start):
                        continue
                    assert i + 1 < len(tones) and abs(tones[i + 1].degree - tn.degree) == 1
                steps = [abs(b.degree - a.degree) for a, b in itertools.pairwise(tones)]
                assert sum(x <= 1 for x in steps) / len(steps) >= 0.6  # steps and repeats


def test_lines_are_denser_when_aroused():
    key = Key(2, "major")
    counts = []
    for density in range(4):
        n = 0
        for seed in range(6):
            shape = phrase.Shape(step=0.5, density=density)
            per = phrase.period(
                MOTIF, _under(key, 8, seed), 8, 4.0, melody.Voice(70), random.Random(seed), shape
            )
            n += len(_bar(per, 2)) + len(_bar(per, 6))
        counts.append(n)
    assert counts == sorted(counts) and counts[-1] >= 2 * counts[0]


def test_calm_answers_with_the_motif_and_returns_vary():
    key = Key(2, "major")
    under = _under(key, 8, 3)

    def run(variety: float, variation: int) -> phrase.Period:
        shape = phrase.Shape(step=0.5, variety=variety, variation=variation)
        return phrase.period(MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(5), shape)

    assert 1 in run(0.1, 0).statements and 1 not in run(0.5, 0).statements
    for variety in (0.1, 0.5, 0.9):
        first, again = run(variety, 0), run(variety, 1)
        assert _bar(first, 0) == _bar(again, 0)  # a return starts as the theme did
        changed = sum(
            [(t.degree, t.start) for t in _bar(first, b)]
            != [(t.degree, t.start) for t in _bar(again, b)]
            for b in range(8)
        )
        assert changed >= 2  # and changes at least two bars


def test_climax_reaches_the_highest_note():
    key = Key(7, "major")
    for seed in range(8):
        under = _under(key, 8, seed)
        plain = phrase.period(
            MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), phrase.Shape(step=0.5)
        )
        climax = phrase.period(
            MOTIF,
            under,
            8,
            4.0,
            melody.Voice(70),
            random.Random(seed),
            phrase.Shape(step=0.5, climax=True),
        )
        top = max(t.degree for t in climax.tones)
        assert top >= max(t.degree for t in plain.tones)
        assert any(t.degree == top for t in _bar(climax, 6) + _bar(climax, 7))
        assert 6 not in climax.statements


def test_melody_stays_in_its_voice():
    key = Key(4, "minor")
    voice = melody.Voice(69, 8)
    for seed in range(10):
        per = phrase.period(
            MOTIF,
            _under(key, 8, seed),
            8,
            4.0,
            voice,
            random.Random(seed),
            phrase.Shape(step=0.5, contour=seed % 3 - 1, climax=seed % 2 == 0),
        )
        pitches = [theory.degree_pitch(key, t.degree) for t in per.tones]
        assert min(pitches) >= voice.centre - voice.span - 4
        assert max(pitches) <= voice.centre + voice.span + 5
        leaps = [abs(b - a) for a, b in itertools.pairwise(pitches)]
        assert max(leaps) <= 12 and sum(x <= 2 for x in leaps) / len(leaps) >= 0.6


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


def test_the_tonic_is_never_bent_into_the_leading_tone():
    # F minor over C7: Eb rises to E (the leading tone), but F stays F (a fourth over the
    # dominant) - bending it to E turned a motif's step into a repeated note
    key = Key(5, "minor")
    v7 = harmony.make_chord(key, 4, 8.0, 4.0, "seventh", True)
    under = melody.Harmony(key, (v7,), 8.0)
    assert 4 in v7.pitch_classes  # E natural: the harmonic-minor dominant
    tonic, seventh = melody.Tone(7, 0.0, 1.0), melody.Tone(6, 1.0, 1.0)
    assert [n.pitch % 12 for n in melody.pitches([seventh, tonic], under)] == [4, 5]


def test_statement_fits_the_chord():
    key = Key(0, "major")
    under = _under(key, 8, 2)
    for t in (0.0, 4.0, 8.0):
        tones = melody.statement(MOTIF, under, t, 4.0, melody.Voice(67))
        assert tones[0].start == t
        assert under.is_tone(tones[0].degree, t)  # starts on a chord tone


@pytest.mark.parametrize("density", [0, 1, 2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_new_lines_take_rhythms_the_last_sections_did_not(density, seed):
    key = Key(0, "major")
    under = _under(key, 8, seed)
    pool = phrase.LINE_RHYTHMS[(density, 4.0)]
    for heard in itertools.combinations(pool, 2):
        shape = phrase.Shape(step=0.5, density=density, variation=1, heard=heard)
        per = phrase.period(MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), shape)
        assert per.rhythms and not set(per.rhythms) & set(heard)
        for r in per.rhythms:  # never a cadence's held notes
            assert r not in ((4.0,), (2.0, 2.0))


@pytest.mark.parametrize("variety", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("seed", range(8))
def test_the_answer_never_opens_at_the_call_s_pitch(variety, seed):
    """Bar 2 is a sequence or a development: when it begins as the call began, it is
    moved to another degree (the call heard twice at one pitch is a copy)."""
    under = _under(Key(7, "major"), 8, seed)
    for motif in (MOTIF, ((0, 0.5), (0, 0.5), (1, 1.0), (-1, 0.5), (2, 1.5))):
        shape = phrase.Shape(step=0.5, variety=variety)
        per = phrase.period(motif, under, 8, 4.0, melody.Voice(70), random.Random(seed), shape)
        call, answer = _bar(per, 0), _bar(per, 1)
        head = [t.degree - call[0].degree for t in call[:3]]
        if [t.degree - answer[0].degree for t in answer[:3]] == head:
            assert answer[0].degree != call[0].degree


def test_the_melody_takes_a_borrowed_chord_s_colour_around_it():
    # C minor with the dorian IV (F major) in the second bar: the sixth is A, not Ab,
    # in the bar before it too (Ab over Cm7 then A over F is a cross-relation)
    key = Key(0, "minor")
    i7 = harmony.make_chord(key, 0, 8.0, 4.0, "seventh", False)
    iv = harmony.make_chord(key, 3, 12.0, 4.0, "plain", False, borrow="IV")
    far = harmony.make_chord(key, 0, 16.0, 16.0, "seventh", False)
    under = melody.Harmony(key, (i7, iv, far), 8.0)
    assert 9 in iv.pitch_classes
    sixths = [melody.Tone(5, t, 1.0) for t in (1.0, 3.0, 4.0, 6.0, 13.0)]
    assert [n.pitch % 12 for n in melody.pitches(sixths, under)] == [9, 9, 9, 9, 8]
    # the tonic and the dominant never move
    steady = [melody.Tone(0, 3.0, 1.0), melody.Tone(4, 3.0, 1.0)]
    assert [n.pitch % 12 for n in melody.pitches(steady, under)] == [0, 7]


def test_no_augmented_second_against_the_minor_iv():
    # F major's minor iv (Bbm: Bb Db F): E (an augmented second above Db) comes down to
    # Eb; E over the C7 after it is the leading tone again
    key = Key(5, "major")
    iv = harmony.make_chord(key, 3, 8.0, 4.0, "plain", False, borrow="iv")
    v7 = harmony.make_chord(key, 4, 12.0, 4.0, "seventh", True)
    under = melody.Harmony(key, (iv, v7), 8.0)
    assert 1 in iv.pitch_classes
    sevenths = [melody.Tone(6, 0.0, 2.0), melody.Tone(6, 4.0, 2.0)]
    assert [n.pitch % 12 for n in melody.pitches(sevenths, under)] == [3, 4]


def test_no_borrowed_colour_over_the_dominant():
    # C minor: the phrygian bII (Db) before a V7b9 that leaves out its fifth (D): the
    # melody's D over the dominant stays D (Db would be a flat fifth over G)
    key = Key(0, "minor")
    bii = harmony.make_chord(key, 1, 8.0, 4.0, "plain", False, borrow="bII")
    v7b9 = harmony.make_chord(key, 4, 12.0, 4.0, "plain", True, borrow="V7b9")
    under = melody.Harmony(key, (bii, v7b9), 8.0)
    assert 1 in bii.pitch_classes and 2 not in v7b9.pitch_classes
    second = [melody.Tone(1, 5.0, 1.0)]
    assert [n.pitch % 12 for n in melody.pitches(second, under)] == [2]
