"""Chord progressions: 4-bar phrases that open (half cadence) or close (authentic cadence)."""

from __future__ import annotations

import random

from composer.music import theory
from composer.music.model import Chord, Key

# Scale degrees (0 = tonic) of one chord per bar. "Open" phrases end on V (a question),
# "close" phrases end V → I (the answer). Minor uses the same degrees over natural minor,
# with a major V (harmonic minor) at cadences.
PHRASES = {
    ("major", "open"): ((0, 4, 5, 4), (0, 5, 3, 4), (0, 3, 0, 4), (5, 3, 0, 4), (0, 2, 3, 4)),
    ("major", "close"): ((0, 3, 4, 0), (5, 1, 4, 0), (3, 0, 4, 0), (0, 5, 4, 0), (3, 1, 4, 0)),
    ("minor", "open"): ((0, 5, 2, 4), (0, 3, 6, 4), (0, 5, 3, 4), (0, 6, 5, 4), (0, 3, 0, 4)),
    ("minor", "close"): ((0, 3, 4, 0), (5, 3, 4, 0), (3, 5, 4, 0), (0, 6, 4, 0), (5, 1, 4, 0)),
}


def phrase_degrees(key: Key, cadence: str, rng: random.Random) -> tuple[int, ...]:
    """Pick a 4-bar progression (scale degrees) for a phrase ending in ``cadence``."""
    family = "major" if key.is_major else "minor"
    return rng.choice(PHRASES[(family, cadence)])


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
    if colour == "seventh":
        return "maj7" if base == "maj" else "min7"
    if colour == "add9" and degree % 7 in (0, 3):
        return "add9" if base == "maj" else "madd9"
    if colour == "sus" and degree % 7 == 0 and not at_cadence:
        return "sus4"
    if colour == "tense" and base == "min":
        return "min7"
    return base


def make_chord(key: Key, degree: int, start: float, duration: float, colour: str,
               at_cadence: bool) -> Chord:
    """A :class:`Chord` on a scale degree of ``key``."""
    root = theory.chord_root(key, degree)
    quality = quality_for(key, degree, colour, at_cadence)
    return Chord(
        start=start,
        duration=duration,
        symbol=theory.chord_symbol(root, quality),
        root=root,
        pitch_classes=theory.chord_pcs(root, quality),
    )
