"""Motifs: one bar long, singable, derived deterministically, developed recognisably."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
from collections import Counter

import pytest

from composer.music import motifs

TEXTS = [
    ["hi"],
    ["extraordinarily wonderful magnificent circumstances"],
    ["ok", "so", "no"],
    [""],
    ["🎉🎉 ❤️"],
    ["I waited ALL evening", "why didn't you call"],
]


@pytest.mark.parametrize("bar_beats", [4.0, 3.0])
@pytest.mark.parametrize("texts", TEXTS)
def test_speaker_motif_fills_one_bar(texts, bar_beats):
    for name in ("Ana", "Ben", "a very long display name", "Zoë"):
        m = motifs.speaker_motif(name, texts, bar_beats)
        assert 3 <= len(m) <= 5
        assert sum(d for _, d in m) == pytest.approx(bar_beats)
        assert all(d > 0 and (d * 4) == int(d * 4) for _, d in m)  # on the 16th grid
        assert any(s != 0 for s, _ in m[1:])  # it moves
        for prev, (step, _) in itertools.pairwise(m):
            if abs(prev[0]) >= 2:  # a leap is answered by a step back
                assert step == (-1 if prev[0] > 0 else 1)
        assert m == motifs.speaker_motif(name, texts, bar_beats)


def test_speaker_motifs_differ_between_people():
    shapes = {
        motifs.speaker_motif(n, ["hello there friend"], 4.0)
        for n in ("Ana", "Ben", "Maya", "Leo", "Sam", "Kim")
    }
    assert len(shapes) >= 4


def test_stable_int_is_the_same_in_another_process():
    code = "from composer.music.motifs import stable_int; print(stable_int(3, 'theme', 'A'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert int(out.stdout) == motifs.stable_int(3, "theme", "A")


@pytest.mark.parametrize(("step", "bar_beats"), sorted(motifs.RHYTHMS))
def test_theme_and_developments_keep_the_bar(step, bar_beats):
    for seed in range(15):
        m = motifs.theme(motifs.sub_rng(seed, "t"), step, bar_beats, contour=seed % 3 - 1)
        assert len(m) >= 2
        for variant in (
            m,
            motifs.invert(m),
            motifs.fragment(m, bar_beats),
            motifs.augment_rhythm(m, bar_beats),
            motifs.diminish_rhythm(m, bar_beats),
        ):
            assert sum(d for _, d in variant) == pytest.approx(bar_beats)
        inverted = motifs.invert(m)
        assert [d for _, d in inverted] == [d for _, d in m]
        assert [s for s, _ in inverted[1:]] == [-s for s, _ in m[1:]]


def test_contour_bends_the_theme():
    def rise(contour: int) -> float:
        return statistics.fmean(
            sum(s for s, _ in motifs.theme(motifs.sub_rng(i, "c"), 0.5, 4.0, contour)[1:])
            for i in range(200)
        )

    assert rise(1) > rise(0) > rise(-1)
    assert rise(1) > 1.0 and rise(-1) < -1.0


NAMES = ("Ana", "Ben", "Eve", "Zoe", "Dad", "Maya", "Leo", "Sam", "Kim", "Theodore", "Samantha")


@pytest.mark.parametrize("density", [0, 1, 2, 3])
@pytest.mark.parametrize("bar_beats", [4.0, 3.0])
def test_speaker_motif_never_drones(density, bar_beats):
    """At most one repeated note in a row: "did you see the sky" must not come out as
    four equal eighths on one pitch (Ana's motif used to be G G G F G)."""
    texts = ["did you see the sky tonight", "hey how are you doing today"]
    for name in NAMES:
        for t in texts:
            m = motifs.speaker_motif(name, [t], bar_beats, density)
            steps = [s for s, _ in m[1:]]
            assert all(a != 0 or b != 0 for a, b in itertools.pairwise(steps)), (name, m)


def test_a_run_of_equal_words_gets_a_long_note():
    # five short words: not five equal eighths but eighth-eighth-quarter-eighth-...
    m = motifs.speaker_motif("Ana", ["did you see the sky"], 4.0, 2)
    durations = [d for _, d in m]
    assert durations[:3] == [0.5, 0.5, 1.0]
    assert max(Counter(durations).values()) < len(durations) - 1
