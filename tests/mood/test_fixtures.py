"""The three shared fixture conversations read with the mood they were written to carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from composer.chat.model import Chat, Message
from composer.mood import Mood, analyse

INDEX = Path(__file__).resolve().parents[2].parent / "shared" / "chat-formats" / "index.json"

pytestmark = pytest.mark.skipif(not INDEX.is_file(), reason="../shared/chat-formats not present")


@pytest.fixture(scope="module")
def moods() -> dict[str, Mood]:
    out = {}
    for entry in json.loads(INDEX.read_text(encoding="utf-8")):
        # Built from the expected messages directly: independent of the importers.
        pairs = next(iter(entry["expected_messages"].values()))
        out[entry["key"]] = analyse(Chat(tuple(Message(s, t) for s, t in pairs), "fixture"))
    return out


def test_joy_is_the_most_pleasant(moods: dict[str, Mood]) -> None:
    assert moods["joy"].valence > moods["tense"].valence
    assert moods["joy"].valence > moods["sad"].valence


def test_tense_is_more_aroused_than_sad(moods: dict[str, Mood]) -> None:
    assert moods["tense"].arousal > moods["sad"].arousal


def test_short_fixtures_have_few_segments(moods: dict[str, Mood]) -> None:
    for m in moods.values():
        assert 1 <= len(m.segments) <= 3
