"""Surprise reactions read by the lines after them (composer/mood/reactions.py)."""

from __future__ import annotations

import numpy as np
import pytest

from composer.mood.arc import build_mood, length_weights, word_counts
from composer.mood.reactions import REACTION_VALENCE, is_reaction, read_reactions


@pytest.mark.parametrize(
    "line",
    ["NO WAY", "omg", "WHAT?!", "wait what", "are you serious", "i'm screaming", "😭😭",
     "ARE YOU HERE?????", "bro shut up", "Oh my God. Is this real?"],
)  # fmt: skip
def test_exclamations_of_surprise_are_reactions(line: str) -> None:
    assert is_reaction(line)


@pytest.mark.parametrize(
    "line",
    ["OK", "YES", "omg he's in hospital", "NO WAY 🎉", "omg hahaha", "i love you 😍",
     "and you'll never shut up about it", "I can't believe it's been a year.",
     "what time is the train tomorrow", "no way, that is a terrible idea and you know it",
     "I HATE YOU", "I'M SO SORRY", "THIS IS AWFUL", "THANK YOU", "HAPPY BIRTHDAY!!",
     "RIP 😭", "😭 he's gone", "im crying he left me", "stop lying to me", "you shut up",
     "no way I'm going", "no way. absolutely not", "Sorry, what?"],
)  # fmt: skip
def test_lines_with_their_own_sign_or_no_surprise_are_not(line: str) -> None:
    assert not is_reaction(line)


def _read(lines: list[tuple[str, float]]) -> np.ndarray:
    texts = [t for t, _ in lines]
    vad = np.array([[v, 0.3, 0.0] for _, v in lines])
    return read_reactions(texts, vad, length_weights(word_counts(texts)))


NEWS = ("my cousin just texted, she has tickets for saturday", 0.05)


def test_a_reaction_takes_the_way_the_news_was_taken() -> None:
    good = _read([NEWS, ("NO WAY", -0.4), ("what do we wear, this is the best", 0.3)])
    bad = _read([NEWS, ("NO WAY", -0.1), ("it's cancelled, they called it off", -0.2)])
    assert good[1, 0] >= REACTION_VALENCE and bad[1, 0] <= -REACTION_VALENCE
    # Other lines, and arousal and dominance, keep their readings.
    np.testing.assert_allclose(good[[0, 2], 0], [0.05, 0.3])
    assert good[1, 1] == 0.3 and bad[1, 1] == 0.3


def test_a_reaction_with_nothing_after_it_keeps_its_reading() -> None:
    out = _read([NEWS, ("the tickets are for saturday", 0.1), ("NO WAY", -0.4)])
    assert out[2, 0] == -0.4
    flat = _read([NEWS, ("NO WAY", -0.4), ("the train leaves at ten", 0.0)])
    assert flat[1, 0] == 0.0  # the lines after lean neither way: neither does it


def test_whole_chats_read_reactions_but_not_without_context() -> None:
    texts = [
        "nothing to do all day", "same", "wait, guess who got us tickets", "NO WAY",
        "IM SCREAMING", "this is the best thing ever", "so happy", "can't wait",
    ]  # fmt: skip
    own = np.array(
        [[-0.3, -0.3, 0], [-0.1, -0.2, 0], [0.0, 0.1, 0], [-0.4, 0.5, 0],
         [-0.5, 0.7, 0], [0.5, 0.5, 0], [0.5, 0.3, 0], [0.3, 0.4, 0]]
    )  # fmt: skip
    speakers = ["a", "b"] * 4
    mood = build_mood(speakers, texts, own, "t")
    assert all(mood.messages[i].vad.valence >= REACTION_VALENCE for i in (3, 4))
    alone = build_mood(speakers, texts, own, "t", context=False)
    assert alone.messages[4].vad.valence < 0
