"""Scale degrees and voice leading."""

from __future__ import annotations

import pytest

from composer.music import theory
from composer.music.model import MODES, Key


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("tonic", [0, 4, 10])
def test_degree_pitch_round_trips(tonic, mode):
    key = Key(tonic, mode)
    pitches = [theory.degree_pitch(key, d) for d in range(-10, 21)]
    assert pitches == sorted(pitches) and len(set(pitches)) == len(pitches)
    for d, p in zip(range(-10, 21), pitches, strict=True):
        assert theory.nearest_degree(key, p) == d
        assert p % 12 in key.scale


def test_voice_leading_keeps_common_tones():
    c_major = (55, 60, 64)  # G3 C4 E4
    a_minor = theory.voice_chord((9, 0, 4), 48, 62, c_major)
    assert 60 in a_minor and a_minor.count(60) == 1  # C stays
    assert {p % 12 for p in a_minor} == {9, 0, 4}
    assert 57 in a_minor  # G moves up a step to A rather than leaping


@pytest.mark.parametrize("pcs", [(0, 4, 7), (2, 5, 9, 0), (7, 11, 2, 5), (5, 9, 0, 4)])
def test_voicing_in_range_compact_and_smooth(pcs):
    previous: tuple[int, ...] = ()
    for shift in range(0, 12, 5):
        chord = tuple((p + shift) % 12 for p in pcs)
        voiced = theory.voice_chord(chord, 48, 62, previous)
        assert all(48 <= p <= 62 for p in voiced)
        assert {p % 12 for p in voiced} == set(chord)
        assert max(voiced) - min(voiced) <= 14
        if previous:
            # no voice needs to jump more than a fourth to its nearest old tone
            assert all(min(abs(p - q) for q in previous) <= 5 for p in voiced)
        previous = voiced
