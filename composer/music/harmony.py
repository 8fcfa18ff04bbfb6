"""Chord progressions: periods of 4-bar phrases that open (half cadence) and close
(authentic cadence), chosen for the mood's harmonic brightness.

A section of 8 bars is a *parallel period*: an antecedent ``x y z V`` (a question) and a
consequent that starts the same way and answers ``x y [pre V] I`` (pre = a predominant,
IV or ii, sharing the bar with V in 4/4). A 4-bar section is the consequent alone.
Progressions are scale degrees (0 = tonic); minor uses natural-minor chords with a major
V (harmonic minor), so the leading tone pulls home at every cadence.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass

from composer.music import theory
from composer.music.model import Chord, Key

# Antecedent phrases (one chord per bar, from the tonic to V), by mode family. IV never
# shares a phrase with ii, iii or vi: together they outweigh the tonic (IV, vi and ii
# all hold the subdominant's triad) and a listener - or a key finder - hears IV as home.
OPEN: dict[str, tuple[tuple[int, ...], ...]] = {
    "major": (
        (0, 3, 0, 4),
        (0, 4, 3, 4),
        (0, 4, 5, 4),
        (0, 4, 1, 4),
        (0, 5, 0, 4),
        (0, 2, 0, 4),
        (0, 5, 1, 4),
        (0, 2, 5, 4),
        (0, 1, 5, 4),
        (0, 5, 2, 4),
    ),
    "minor": (
        (0, 3, 0, 4),
        (0, 3, 1, 4),
        (0, 1, 3, 4),
        (0, 5, 3, 4),
        (0, 6, 5, 4),
        (0, 2, 5, 4),
        (0, 5, 6, 4),
        (0, 6, 2, 4),
    ),
}
# Predominants before the final V: (degree, is it the bright choice).
PREDOMINANTS = {"major": (3, 1), "minor": (3, 1)}


@dataclass(frozen=True, slots=True)
class Slot:
    """One chord of a section plan: degree, start and length in beats from the section's
    start, and whether it belongs to a cadence (the phrase's last two bars)."""

    degree: int
    start: float
    beats: float
    cadential: bool
    borrow: str = ""  # a chord borrowed from a mode (see :data:`BORROWED`)


# Borrowed chords: (semitones from the tonic to the root, quality) - the modal colours.
BORROWED: dict[str, tuple[int, str]] = {
    "II": (2, "maj"),  # lydian: the raised fourth (V of V)
    "bVII": (10, "maj"),  # mixolydian: the flat seventh (the minor key's VII)
    "iv": (5, "min"),  # mixture: the minor subdominant in major
    "IV": (5, "maj"),  # dorian: the raised sixth in minor
    "bII": (1, "maj"),  # phrygian: the Neapolitan
    "V7b9": (7, "7b9"),  # phrygian: the dominant's flat ninth at the cadences
    "bVI": (8, "maj"),  # aeolian: the deceptive cadence's goal in a dorian key
}


def colour_open(opening: tuple[int, ...], colour: str, key: Key) -> tuple[tuple[int, str], ...]:
    """The antecedent's chords with the mode colour's borrowed chord in place (the
    third bar for lydian's II, which leads to V; the second for the others)."""
    out = [(d, "") for d in opening]
    if colour == "lydian" and key.is_major:
        out[2] = (1, "II")
    elif colour == "dorian" and not key.is_major:
        out[1] = (3, "IV")
    return tuple(out)


def cadence_borrow(colour: str, key: Key, pre: int) -> tuple[int, str]:
    """The predominant before the final V with the colour's borrowing (mixture iv in a
    major of mixed mode, the Neapolitan in a phrygian minor)."""
    if colour == "mixture" and key.is_major:
        return 3, "iv"
    if colour == "phrygian" and not key.is_major:
        return 1, "bII"
    return pre, ""


def family(key: Key) -> str:
    return "major" if key.is_major else "minor"


def is_major_triad(key: Key, degree: int) -> bool:
    """Does the chord on this degree have a major third (V is major in minor too)?"""
    return degree % 7 == 4 or theory.triad_quality(key, degree) == "maj"


def major_share(key: Key, degrees: tuple[int, ...]) -> float:
    return sum(is_major_triad(key, d) for d in degrees) / len(degrees)


def choose_open(key: Key, brightness: float, rng: random.Random) -> tuple[int, ...]:
    """An antecedent progression whose share of major chords is near ``brightness``."""
    pool = OPEN[family(key)]
    if key.mode == "dorian":  # its vi is diminished: no progression leans on it
        pool = tuple(p for p in pool if 5 not in p)
    weights = [math.exp(-(((major_share(key, p) - brightness) / 0.15) ** 2)) + 1e-3 for p in pool]
    return rng.choices(pool, weights)[0]


def predominant(key: Key, brightness: float, rng: random.Random) -> int:
    """IV/iv (brighter) or ii/ii° before the cadential V (ii more often: the circle of
    fifths ii–V–I states the key most clearly)."""
    bright, dark = PREDOMINANTS[family(key)]
    return bright if rng.random() < 0.5 * brightness else dark


def period(
    key: Key,
    bars: int,
    brightness: float,
    bar_beats: float,
    rng: random.Random,
    *,
    closing: bool = True,
    deceptive: bool = False,
    colour: str = "ionian",
) -> list[Slot]:
    """Chord slots for a body section of 4 or 8 bars (see the module docstring).

    ``closing`` False ends a 4-bar section on a half cadence (the first half of a period
    spread over two sections); ``deceptive`` ends it V–vi (before the climax);
    ``colour`` puts the mode colour's borrowed chords in (:func:`colour_open`).
    """
    opening = colour_open(choose_open(key, brightness, rng), colour, key)
    pre = cadence_borrow(colour, key, predominant(key, brightness, rng))
    slots: list[Slot] = []
    if bars >= 8:
        slots += [Slot(d, i * bar_beats, bar_beats, i >= 2, b) for i, (d, b) in enumerate(opening)]
    base = 4 * bar_beats if bars >= 8 else 0.0
    if not closing and bars < 8:
        half = [Slot(d, i * bar_beats, bar_beats, i >= 2, b) for i, (d, b) in enumerate(opening)]
        return darken(half, colour, key)
    slots += [
        Slot(opening[0][0], base, bar_beats, False, opening[0][1]),
        Slot(opening[1][0], base + bar_beats, bar_beats, False, opening[1][1]),
    ]
    slots += cadence(pre, base + 2 * bar_beats, bar_beats, 5 if deceptive else 0)
    if deceptive and key.mode == "dorian":  # V–VI as in any minor (its own vi is diminished)
        slots[-1] = dataclasses.replace(slots[-1], borrow="bVI")
    return darken(slots, colour, key)


def darken(slots: list[Slot], colour: str, key: Key) -> list[Slot]:
    """The darkest colour (phrygian, in minor) sharpens every cadential V into V7♭9:
    the flat sixth of the key sighs over the dominant."""
    if colour != "phrygian" or key.is_major:
        return slots
    return [
        dataclasses.replace(s, borrow="V7b9")
        if s.cadential and s.degree == 4 and not s.borrow
        else s
        for s in slots
    ]


def cadence(
    pre: int | tuple[int, str], start: float, bar_beats: float, goal: int = 0
) -> list[Slot]:
    """An authentic cadence over two bars: [pre V] (or V alone in 3/4), then I (or
    ``goal``: 5 is the deceptive cadence V–vi). ``pre`` may carry a borrowing."""
    degree, borrow = pre if isinstance(pre, tuple) else (pre, "")
    if bar_beats >= 4:
        half = bar_beats / 2
        out = [Slot(degree, start, half, True, borrow), Slot(4, start + half, half, True)]
    else:
        out = [Slot(4, start, bar_beats, True)]
    return [*out, Slot(goal, start + bar_beats, bar_beats, True)]


def intro(key: Key, bars: int, bar_beats: float, deceptive: bool = False) -> list[Slot]:
    """Intro: establish the key - I vi ii V in major, i iv i V in minor (I V if short).
    ``deceptive`` (the climax comes next): I IV V vi, the dominant turning aside."""
    degrees = ((0, 5, 1, 4) if key.is_major else (0, 3, 0, 4)) if bars >= 4 else (0, 4)
    if deceptive and bars >= 4:
        degrees = (0, 3, 4, 5)
    return [Slot(d, i * bar_beats, bar_beats, False) for i, d in enumerate(degrees[:bars])]


def coda(bars: int, bar_beats: float, colour: str, key: Key) -> list[Slot]:
    """Coda over a tonic pedal: I – IV (iv in minor) – I, a plagal
    close, the last tonic held for the final two bars (or more)."""
    del colour  # the plagal "amen": IV in major, iv in minor (the key's own)
    sub = (3, "")
    head = bars - 2
    out = [Slot(0, 0.0, bar_beats, True)]
    for i in range(1, head):
        d, b = sub if i % 2 else (0, "")
        out.append(Slot(d, i * bar_beats, bar_beats, True, b))
    return [*out, Slot(0, head * bar_beats, 2 * bar_beats, True)]


def quality_for(key: Key, degree: int, colour: str, at_cadence: bool) -> str:
    """Chord quality for a degree under a colour (see ``mapping.Cues.colour``)."""
    base = theory.triad_quality(key, degree)
    if degree % 7 == 4 and not key.is_major:
        base = "maj"  # harmonic-minor dominant: the leading tone pulls home
    if degree % 7 == 4:
        if colour in ("seventh", "tense") or at_cadence:
            return "dom7"
        return base
    if base == "dim":
        return "dim"
    if colour == "seventh" and degree % 7 != 0:
        # not on the tonic (a major seventh there blurs the key); minor chords stay
        # triads, so that the warmth of the sevenths does not darken the major
        return "maj7" if base == "maj" else base
    if colour == "add9" and degree % 7 in (0, 3):
        return "add9" if base == "maj" else "madd9"
    if colour == "sus" and degree % 7 in (0, 3) and base == "min":
        return "madd9"  # sad and calm: the added ninth aches without hiding the mode
    if colour == "tense" and base == "min":
        return "min7"
    return base


def make_chord(
    key: Key,
    degree: int,
    start: float,
    duration: float,
    colour: str,
    at_cadence: bool,
    borrow: str = "",
) -> Chord:
    """A :class:`Chord` on a scale degree of ``key`` (or a borrowed chord)."""
    if borrow:
        offset, quality = BORROWED[borrow]
        root = (key.tonic + offset) % 12
    else:
        root = theory.chord_root(key, degree)
        quality = quality_for(key, degree, colour, at_cadence)
    return Chord(
        start=start,
        duration=duration,
        symbol=theory.chord_symbol(root, quality),
        root=root,
        pitch_classes=theory.chord_pcs(root, quality),
    )
