"""Repetition with variation: ornamented reprises and sequential periods."""

from __future__ import annotations

import itertools
import random

import pytest

from composer.music import harmony, melody, phrase, variation
from composer.music.melody import Tone
from composer.music.model import Key

MOTIF = ((0, 1.0), (1, 0.5), (1, 0.5), (-2, 2.0))
KEYS = (Key(0, "major"), Key(9, "minor"), Key(6, "major"))


def _under(key: Key, bars: int, seed: int) -> melody.Harmony:
    slots = harmony.period(key, bars, 0.6, 4.0, random.Random(seed))
    chords = tuple(
        harmony.make_chord(key, s.degree, s.start, s.beats, "plain", s.cadential) for s in slots
    )
    return melody.Harmony(key, chords, 0.0)


def _strong(t: float) -> bool:
    return round(t % 4.0, 6) in (0.0, 2.0)


@pytest.mark.parametrize(
    ("cur", "nxt", "after", "added"),
    [(3, 3, 1, 4), (3, 4, 2, 4), (3, 4, 4, 2), (3, 1, 1, 2), (3, 7, None, 4)],
)
def test_diminution_moves_by_step(cur, nxt, after, added):
    """Neighbour, anticipation (an escape tone rather than three equal notes), passing
    tone, a step into a leap."""
    assert variation.diminution(cur, nxt, after) == added
    assert abs(added - cur) <= 1


def test_an_ornamented_bar_keeps_every_note_and_adds_one_off_the_beat():
    tones = [Tone(0, 0.0, 2.0), Tone(2, 2.0, 1.0), Tone(1, 3.0, 1.0), Tone(0, 4.0, 4.0)]
    out = variation.ornament_bar(tones, 0, 4.0)
    assert len(out) == len(tones) + 1
    assert {(t.degree, t.start) for t in tones} <= {(t.degree, t.start) for t in out}
    added = next(t for t in out if (t.degree, t.start) not in {(u.degree, u.start) for u in tones})
    assert not _strong(added.start)
    assert sum(t.beats for t in out) == pytest.approx(sum(t.beats for t in tones))
    # the longest note (the half note) is divided: a passing tone fills its third
    assert out[:2] == [Tone(0, 0.0, 1.0), Tone(1, 1.0, 1.0)]
    # the last note of a line has nothing to lead to: a bar holding only it is kept
    assert variation.ornament_bar(tones, 1, 4.0) == tones


def test_a_reprise_keeps_its_statements_and_ornaments_the_rest():
    under = _under(KEYS[0], 8, 1)
    theme = phrase.period(
        MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(4), phrase.Shape(step=0.5)
    )
    again = variation.vary(theme.raw, [], set(), set(theme.statements), 4.0, 1)
    other = variation.vary(theme.raw, [], set(), set(theme.statements), 4.0, 2)

    def bar(tones, b):
        return [(t.degree, t.start) for t in tones if b * 4.0 <= t.start < (b + 1) * 4.0]

    for b in theme.statements:
        assert bar(again, b) == bar(theme.raw, b)
    changed = [b for b in range(8) if bar(again, b) != bar(theme.raw, b)]
    assert len(changed) >= 2
    # heard as the same tune: every note of the theme is still there
    assert {(t.degree, t.start) for t in theme.raw} <= {(t.degree, t.start) for t in again}
    assert again != other  # each return is ornamented its own way


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("rise", [-1, 0, 1])
def test_a_restated_opening_is_consonant_moves_with_the_contour_and_stays_in_the_voice(key, rise):
    moved = 0
    for seed in range(8):
        under = _under(key, 8, seed)
        opening = melody.place(MOTIF, 2, 0.0) + melody.place(MOTIF, 3, 4.0)
        bounds = (-1, 7)
        again = variation.restate(opening, under, 16.0, 4.0, bounds, rise)
        if again is None:
            continue
        moved += 1
        shift = {b.degree - a.degree for a, b in zip(opening, again, strict=True)}
        assert len(shift) == 1 and 0 not in shift
        (k,) = shift
        assert rise == 0 or (k > 0) == (rise > 0)
        assert all(bounds[0] <= t.degree <= bounds[1] for t in again)
        assert variation.consonant(again, under, 4.0)
        assert [t.start - 16.0 for t in again] == [t.start for t in opening]
    assert moved >= 4


def test_no_restatement_where_none_fits():
    under = _under(KEYS[0], 8, 0)
    opening = melody.place(MOTIF, 6, 0.0)
    assert variation.restate(opening, under, 16.0, 4.0, (5, 7), 1) is None


def test_the_consequent_opens_at_another_degree_where_it_can():
    """A first statement's consequent restates the opening moved (a sequential period)
    in most periods, never at the call's pitch when it does."""
    moved = 0
    for key, seed in itertools.product(KEYS, range(6)):
        under = _under(key, 8, seed)
        per = phrase.period(
            MOTIF, under, 8, 4.0, melody.Voice(70), random.Random(seed), phrase.Shape(step=0.5)
        )
        bar0 = [t for t in per.tones if t.start < 4.0]
        bar4 = [t for t in per.tones if 16.0 <= t.start < 20.0]
        steps = [b.degree - a.degree for a, b in itertools.pairwise(bar4)]
        assert steps == [s for s, _ in MOTIF[1:]]  # still the motif
        moved += bar4[0].degree != bar0[0].degree
    assert moved >= 9
