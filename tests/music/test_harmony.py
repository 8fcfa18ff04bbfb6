"""Progressions: periods with half and authentic cadences, brightness, the minor V."""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from composer.music import harmony, theory
from composer.music.model import Key

C_MAJOR, A_MINOR = Key(0, "major"), Key(9, "minor")


@pytest.mark.parametrize("key", [C_MAJOR, A_MINOR])
@pytest.mark.parametrize("bar_beats", [4.0, 3.0])
def test_period_is_a_question_and_an_answer(key, bar_beats):
    for seed in range(20):
        slots = harmony.period(key, 8, 0.6, bar_beats, random.Random(seed))
        # contiguous, filling exactly 8 bars
        assert slots[0].start == 0
        for a, b in itertools.pairwise(slots):
            assert b.start == pytest.approx(a.start + a.beats)
        assert slots[-1].start + slots[-1].beats == pytest.approx(8 * bar_beats)
        at = {s.start: s.degree for s in slots}
        assert at[0.0] == 0  # starts at home
        assert at[3 * bar_beats] == 4  # half cadence on V in bar 4
        # the answer starts like the question (parallel period) ...
        assert at[4 * bar_beats] == at[0.0] and at[5 * bar_beats] == at[bar_beats]
        # ... and closes V → I
        assert [s.degree for s in slots[-2:]] == [4, 0]
        assert slots[-1].cadential


def test_four_bar_section_closes():
    slots = harmony.period(C_MAJOR, 4, 0.8, 4.0, random.Random(1))
    assert sum(s.beats for s in slots) == 16
    assert [s.degree for s in slots[-2:]] == [4, 0]


@pytest.mark.parametrize(
    ("key", "levels"), [(C_MAJOR, (0.55, 0.75, 0.95)), (A_MINOR, (0.25, 0.45, 0.6))]
)
def test_brightness_chooses_more_major_chords(key, levels):
    """Over the brightness range the mood table uses for each mode."""

    def mean_share(brightness: float) -> float:
        rng = random.Random(7)
        return statistics.fmean(
            harmony.major_share(key, harmony.choose_open(key, brightness, rng)) for _ in range(300)
        )

    shares = [mean_share(b) for b in levels]
    assert shares == sorted(shares) and shares[-1] - shares[0] > 0.2


def test_subdominant_never_meets_its_relatives_in_major():
    for p in harmony.OPEN["major"]:
        assert not (3 in p and any(d in p for d in (1, 2, 5))), p


@pytest.mark.parametrize("colour", ["plain", "seventh", "add9", "sus", "tense"])
def test_minor_dominant_has_the_leading_tone(colour):
    chord = harmony.make_chord(A_MINOR, 4, 0.0, 4.0, colour, True)
    assert chord.root == 4 and 8 in chord.pitch_classes  # E major: G# pulls to A
    tonic = harmony.make_chord(A_MINOR, 0, 0.0, 4.0, colour, False)
    assert 0 in tonic.pitch_classes  # the minor third survives every colour


def test_chord_symbols_match_their_tones():
    for colour in ("plain", "seventh", "add9", "sus", "tense"):
        for degree in range(7):
            ch = harmony.make_chord(C_MAJOR, degree, 0.0, 4.0, colour, degree == 4)
            assert ch.symbol.startswith(theory.chord_symbol(ch.root, "maj"))
            assert ch.root == ch.pitch_classes[0]


def test_an_intro_before_the_climax_ends_on_a_deceptive_cadence():
    for key in (Key(0, "major"), Key(9, "minor")):
        plain = harmony.intro(key, 4, 4.0)
        turned = harmony.intro(key, 4, 4.0, deceptive=True)
        assert [s.degree for s in plain][-1] == 4
        assert [s.degree for s in turned][-2:] == [4, 5]  # V - vi (VI in minor)
        assert turned[0].degree == 0


def test_the_darkest_colour_flattens_the_dominant_s_ninth():
    """Phrygian (v = -1, in minor) turns every cadential V into V7b9 (the key's flat
    sixth over the dominant); the next colour up (dorian) keeps a plain V7."""
    for seed in range(6):
        for bars, closing in ((8, True), (4, False), (4, True)):
            slots = harmony.period(
                A_MINOR, bars, 0.3, 4.0, random.Random(seed), closing=closing, colour="phrygian"
            )
            vs = [s for s in slots if s.cadential and s.degree == 4]
            assert vs and all(s.borrow == "V7b9" for s in vs)
            lighter = harmony.period(
                A_MINOR, bars, 0.3, 4.0, random.Random(seed), closing=closing, colour="dorian"
            )
            assert not any(s.borrow == "V7b9" for s in lighter)
    chord = harmony.make_chord(A_MINOR, 4, 0.0, 4.0, "tense", True, "V7b9")
    assert chord.symbol == "E7b9" and set(chord.pitch_classes) == {4, 8, 2, 5}
