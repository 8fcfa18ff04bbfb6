"""Chat cues (composer/mood/cues.py): each cheap pre-test must let every real cue through."""

from __future__ import annotations

import pytest

from composer.mood.cues import EMOJI, EMOTICONS, cue_features


@pytest.mark.parametrize("face", sorted(EMOTICONS))
@pytest.mark.parametrize("case", [str.lower, str.upper])
@pytest.mark.parametrize("where", ["{}", "see you {}", "{} see you", "fine {}."])
def test_every_emoticon_is_found(face: str, case: object, where: str) -> None:
    text = where.format(case(face))  # type: ignore[operator]
    assert EMOTICONS[face] in cue_features(text, unseen_only=True).icons


@pytest.mark.parametrize("emoji", sorted(EMOJI))
def test_every_emoji_is_found(emoji: str) -> None:
    assert cue_features(f"ok {emoji}", unseen_only=True).icons == (EMOJI[emoji],)


def test_plain_ascii_line_has_no_icons() -> None:
    assert cue_features("Sure, see you at 7 (maybe 8) - x marks it", unseen_only=True).icons == ()


@pytest.mark.parametrize("text", ["I'M SO DONE WITH THIS", "WHY WOULD YOU do that", "NO WAY!!"])
def test_shouting_raises_arousal_and_gain(text: str) -> None:
    cues = cue_features(text, unseen_only=True)
    assert cues.gain > 1.0 and cues.offset[1] > 0.0


@pytest.mark.parametrize("text", ["the JCC and the AP met today", "I am fine", "OK then"])
def test_acronyms_and_single_capitals_are_not_shouting(text: str) -> None:
    assert cue_features(text, unseen_only=True).gain == 1.0


@pytest.mark.parametrize("text", ["HAHAHA", "lmao", "Lol"])
def test_laughter_in_any_case_reads_positive(text: str) -> None:
    assert cue_features(text, unseen_only=True).offset[0] > 0.0


def test_quarrel_phrase_in_capitals_raises_arousal() -> None:
    calm = cue_features("you were at the shop", unseen_only=True).offset[1]
    assert cue_features("You Always say that", unseen_only=True).offset[1] > calm
