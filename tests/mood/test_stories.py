"""Story chats: the arc's segments find the marked turns and move the marked way (issue 18).

``tests/mood/data/stories`` holds chats written for this (made-up people), each exported in
a real chat format, with the turning messages marked in ``index.json``. Two kinds of check:

* the arc alone, on readings that carry each story's shape plus reader-like scatter: every
  turn must be found within ±3 messages, moving >= 0.3 the marked way;
* the whole path (parser, reader of the day, arc) on the story texts, against floors set
  just under what today's reader reaches (issue 18's targets are 90 % found, 100 % right;
  raise these floors as the reader improves). ``bench/mood_eval.py`` prints the figures.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from composer.chat import parse
from composer.mood import analyse
from composer.mood.arc import build_mood

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
import mood_data

STORIES = mood_data.stories()
# Floors for the whole path with the default reader, per split (share of marked turns
# found, and right): version 7 with the context layer, surprise reactions and the arc of
# today finds 80 % / 100 % and is right on 73 % / 87 % (dev has 24 harder stories from a
# second writer since version 7; before reactions and earlier cuts: 73 / 100 %, 59 / 87 %).
FLOORS = {"dev": (0.75, 0.67), "test": (0.65, 0.65)}


def test_the_set_is_as_described() -> None:
    assert len(STORIES) >= 24
    splits = Counter(s.split for s in STORIES)
    assert set(splits) == {"dev", "test"} and splits["dev"] >= splits["test"] >= 14
    assert len({s.id for s in STORIES}) == len(STORIES)
    formats = {s.path.name.split("_", 1)[1].rsplit(".", 1)[0] for s in STORIES}
    assert len(formats) >= 6
    for s in STORIES:
        assert 12 <= len(s.messages) <= 40, s.id
        assert s.turns and len(s.turns) == len(s.directions)
        assert set(s.directions) <= {"up", "down"}
        assert all(3 <= t <= len(s.messages) - 3 for t in s.turns), s.id


@pytest.mark.parametrize("story", STORIES, ids=[s.id for s in STORIES])
def test_each_export_parses_to_its_messages(story: mood_data.Story) -> None:
    chat = parse(story.path.read_bytes(), filename=story.path.name)
    assert [m.text for m in chat.messages] == [t for _, t in story.messages]
    if "dash" not in story.path.name:  # SRT with "- " marks no speakers
        assert [m.speaker for m in chat.messages] == [s for s, _ in story.messages]


def _shaped_readings(story: mood_data.Story, seed: int) -> np.ndarray:
    """Readings that follow the story's turns (steps of 0.45) plus scatter (sd 0.15)."""
    n = len(story.messages)
    level = np.zeros(n)
    for t, d in zip(story.turns, story.directions, strict=True):
        level[t:] += 0.45 if d == "up" else -0.45
    level -= level.mean()
    rng = np.random.default_rng(seed)
    own = np.c_[level + rng.normal(0, 0.15, n), rng.normal(0, 0.15, n), rng.normal(0, 0.1, n)]
    return np.clip(own, -1.0, 1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arc_finds_every_turn_of_a_clear_reading(seed: int) -> None:
    for s in STORIES:
        texts = [t for _, t in s.messages]
        own = _shaped_readings(s, seed)
        mood = build_mood([a for a, _ in s.messages], texts, own, "t", context=False)
        bounds = [(g.start, g.end, g.vad.valence) for g in mood.segments]
        for r in mood_data.turn_results(bounds, s.turns, s.directions):
            assert r.found and r.right, (s.id, bounds)


def test_turn_results_scores_nearest_boundary_and_direction() -> None:
    bounds = [(0, 6, -0.3), (6, 12, 0.2), (12, 20, 0.25)]
    up, down, far = mood_data.turn_results(bounds, [8, 6, 16], ["up", "down", "up"])
    assert up.found and up.boundary == 6 and up.right and up.move == pytest.approx(0.5)
    assert down.found and not down.right
    assert not far.found and not far.right  # 12 is 4 away: too far
    near = mood_data.turn_results(bounds, [11], ["up"])[0]
    assert near.boundary == 12 and not near.right  # found, but moves only 0.05


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_arc_tells_the_story_with_todays_reader(split: str) -> None:
    results: list[mood_data.TurnResult] = []
    for s in mood_data.stories(split):  # type: ignore[arg-type]
        mood = analyse(parse(s.path.read_bytes(), filename=s.path.name))
        bounds = [(g.start, g.end, g.vad.valence) for g in mood.segments]
        results += mood_data.turn_results(bounds, s.turns, s.directions)
    found = sum(r.found for r in results) / len(results)
    right = sum(r.right for r in results) / len(results)
    found_floor, right_floor = FLOORS[split]
    assert found >= found_floor and right >= right_floor, (found, right)
