"""Form: intro, sections that follow the arc or A–A–B–A, a climax, a coda."""

from __future__ import annotations

import random

import pytest

from composer.mood.model import VAD, Mood, Segment
from composer.music import form, harmony
from composer.music.model import Key


def _mood(points: list[tuple[float, float]], speakers: list[str | None]) -> Mood:
    segs = tuple(
        Segment(i, i + 1, VAD(v, a, 0.0), (i,), speakers[i]) for i, (v, a) in enumerate(points)
    )
    overall = VAD(
        sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points), 0.0
    )
    return Mood(overall, (), (), segs, (), "test")


@pytest.mark.parametrize("n", range(1, 10))
def test_single_mood_shapes_return_home(n):
    shape = form.single_form(n)
    assert len(shape) == n and shape[0] == "A" and shape[-1] == "A"
    assert "BB" not in shape and set(shape) <= {"A", "B"}
    if n >= 3:
        assert "B" in shape


@pytest.mark.parametrize("total", [12, 30, 38, 75])
@pytest.mark.parametrize("section_bars", [4, 8])
def test_plan_fills_the_bars(total, section_bars):
    mood = _mood([(0.3, 0.1)], ["Ana"])
    plan = form.plan(mood, total, 0.3, 0.1, section_bars)
    assert plan[0].role == "intro" and plan[-1].role == "coda"
    body = plan[1:-1]
    assert abs(sum(s.bars for s in plan) - total) <= 4
    assert all(s.bars in (4, section_bars) for s in body)
    if section_bars == 4:
        assert all(s.bars == 4 for s in body)
    assert sum(s.role == "climax" for s in plan) == 1
    climax = next(s for s in plan if s.role == "climax")
    if len(body) >= 3:
        assert climax.name[0] == "A" and climax is not body[0]  # a return of the theme
    names = [s.name for s in body]
    assert len(set(names)) == len(names)  # A, A', A'' …
    for s in body:
        if s.name.startswith("B"):
            assert s.role == "contrast" and s.arousal > 0.1  # more motion


def test_arc_sections_follow_the_conversation():
    mood = _mood([(-0.7, 0.6), (0.1, 0.0), (0.8, -0.2)], ["Ana", "Ben", "Ana"])
    plan = form.plan(mood, 60, mood.valence, mood.arousal)
    body = plan[1:-1]
    assert body[0].valence < 0 < body[-1].valence
    assert body[0].speaker == "Ana" and any(s.speaker == "Ben" for s in body)
    letters = [s.name[0] for s in body]
    assert letters == sorted(letters)  # the sections come in the order of the chat
    # an override shifts the whole arc and keeps its shape
    brighter = form.plan(mood, 60, mood.valence + 0.2, mood.arousal)
    for a, b in zip(plan[1:-1], brighter[1:-1], strict=True):
        assert b.valence == pytest.approx(min(1.0, a.valence + 0.2))


def test_bars_for_length():
    assert form.bars_for(60, 120, 4.0) == 30
    assert form.bars_for(5, 60, 4.0) == 8  # never shorter than two phrases


def test_a_minor_section_that_comes_back_lighter_is_dorian():
    """In an arc from a major home, a minor section 0.2 or more brighter than an earlier
    minor one takes the dorian (another mode, not only another loudness); the first
    minor section, a darker one and the major ones keep their keys."""
    home, minor = Key(0, "major"), Key(0, "minor")

    def sec(name: str, v: float, role: str = "theme") -> form.PlannedSection:
        return form.PlannedSection(name, 8, role, v, 0.0, 0.0, None)

    sections = [sec("intro", 0.0, "intro"), sec("A", -0.45), sec("B", 0.4), sec("C", -0.2)]
    sections += [sec("D", -0.5), sec("E", -0.35), sec("coda", 0.5, "coda")]
    keys = [home, minor, home, minor, minor, minor, home]
    out = form.lighten(keys, sections)
    assert [k.mode for k in out] == ["major", "minor", "major", "dorian", "minor", "minor", "major"]
    assert all(k.tonic == 0 for k in out)
    # the dorian's own vi is diminished: a deceptive cadence there goes to the minor's VI
    slots = harmony.period(Key(0, "dorian"), 8, 0.3, 4.0, random.Random(1), deceptive=True)
    assert slots[-1].degree == 5 and slots[-1].borrow == "bVI"
    for seed in range(20):
        pool = harmony.period(Key(0, "dorian"), 8, 0.3, 4.0, random.Random(seed))
        assert all(s.degree != 5 for s in pool)


def test_the_valence_stretch_never_turns_a_dark_stretch_bright():
    # a loss (-0.64), then comfort read just below neutral (-0.003): widening the spread
    # to 0.5 each way would put the comfort at +0.18, in the parallel major
    widen = form.stretch([-0.64, -0.003], 0.5, keep_sign=True)
    assert widen(-0.64) == pytest.approx(-0.8215, abs=1e-3) and widen(-0.003) == 0.0
    plain = form.stretch([-0.64, -0.003], 0.5)
    assert plain(-0.003) > 0.1  # what it did before
    both = form.stretch([-0.4, 0.3], 0.5, keep_sign=True)
    assert both(-0.4) < -0.4 and both(0.3) > 0.3  # signs kept, spread still widened
    assert form.stretch([-0.6, 0.0], 0.5, keep_sign=True)(0.0) == 0.0  # neutral stays
