"""in_context(): what the previous turns change about a line's reading."""

from __future__ import annotations

import numpy as np
import pytest

from composer.mood.arc import length_weights, word_counts
from composer.mood.context import LAUGH_VALENCE, REPAIR_VALENCE, in_context

ANGRY = (-0.5, 0.5, 0.2)
WARM = (0.5, 0.2, 0.1)


def _read(lines: list[tuple[str, tuple[float, float, float]]]) -> np.ndarray:
    texts = [t for t, _ in lines]
    own = np.array([v for _, v in lines], dtype=np.float64)
    return in_context(texts, own, length_weights(word_counts(texts)))


def test_empty_and_single_line() -> None:
    assert in_context([], np.zeros((0, 3)), np.zeros(0)).shape == (0, 3)
    one = _read([("I'm sorry", (-0.4, -0.1, -0.2))])
    np.testing.assert_allclose(one, [[-0.4, -0.1, -0.2]])  # no context: its own reading


def test_apology_after_a_quarrel_is_warm() -> None:
    quarrel = [("you always do this, it's every single time", ANGRY)] * 3
    out = _read([*quarrel, ("I'm sorry, I shouldn't have yelled", (-0.4, 0.0, -0.2))])
    assert out[-1, 0] >= REPAIR_VALENCE


def test_apology_without_friction_keeps_its_reading() -> None:
    calm = [("we walked along the river and had lunch by the water", WARM)] * 3
    out = _read([*calm, ("sorry I was late this morning, the bus never came", (-0.4, 0.0, -0.2))])
    assert out[-1, 0] < 0.0


def test_condolence_is_not_a_repair() -> None:
    bad = [("the funeral is on friday, I still can't believe he's gone", (-0.7, -0.3, -0.4))] * 2
    out = _read([*bad, ("I'm so sorry for your loss, truly", (-0.5, -0.2, -0.3))])
    assert out[-1, 0] < 0.0


def test_short_unsure_reply_takes_its_colour_from_what_it_answers() -> None:
    before = _read(
        [("you lied to me about the money, all of it", ANGRY), ("Fine.", (0.05, 0.0, 0.0))]
    )
    after = _read([("we got the flat!!! moving in next month", WARM), ("Fine.", (0.05, 0.0, 0.0))])
    assert before[-1, 0] < 0.0 < after[-1, 0]


def test_confident_long_line_keeps_its_own_reading() -> None:
    line = ("this is honestly the best news I have heard all year, I am so proud", (0.8, 0.5, 0.3))
    out = _read([("you lied to me about the money, all of it", ANGRY), line])
    np.testing.assert_allclose(out[-1], line[1])


def test_laughter_and_fond_teasing_are_warm() -> None:
    out = _read(
        [
            ("remember the camping trip", WARM),
            ("haha it really was terrible", (-0.35, 0.1, 0.0)),
            ("you're an idiot 😂", (-0.45, 0.3, 0.1)),
        ]
    )
    assert out[1, 0] >= LAUGH_VALENCE and out[2, 0] >= LAUGH_VALENCE
    hostile = _read(
        [("you lied to me about the money, all of it", ANGRY), ("you're an idiot", ANGRY)]
    )
    assert hostile[-1, 0] < 0.0  # an insult in a quarrel stays an insult


@pytest.mark.parametrize("n", [1, 5, 200])
def test_output_is_clipped_and_shaped(n: int) -> None:
    rng = np.random.default_rng(n)
    own = rng.uniform(-1, 1, size=(n, 3))
    texts = ["sorry haha idiot"] * n
    out = in_context(texts, own, length_weights(word_counts(texts)))
    assert out.shape == (n, 3) and np.all(np.abs(out) <= 1.0)


def test_a_warm_line_with_a_quarrel_phrase_is_no_quarrel() -> None:
    out = _read([("hi", (0.1, 0.0, 0.0)), ("you always make me smile", (0.49, 0.2, 0.1))])
    assert out[-1, 0] > 0.3
    quarrel = _read([("hi", (0.1, 0.0, 0.0)), ("you always do this", (-0.1, 0.2, 0.1))])
    assert quarrel[-1, 0] <= -0.25


def test_sympathy_after_sad_news_and_sarcasm_are_not_repairs() -> None:
    news = [("it's cancer. stage 3. they told us this morning", (-0.5, -0.2, -0.4))] * 2
    out = _read([*news, ("oh no. I'm so sorry", (-0.39, -0.1, -0.2))])
    assert out[-1, 0] < 0.0
    quarrel = [("you always do this, it's every single time", ANGRY)] * 3
    for line in ("thanks for nothing", "wow. thanks a lot.", "sorry not sorry"):
        assert _read([*quarrel, (line, (-0.3, 0.3, 0.1))])[-1, 0] < 0.0, line


WORRIED = (-0.35, 0.3, -0.3)


def test_relief_after_worry_is_warm_and_calmer() -> None:
    worry = [("they still haven't called, I'm so worried about the scan", WORRIED)] * 3
    line = ("it's benign!! nothing to worry about", (-0.2, 0.4, 0.0))
    out = _read([*worry, line])
    assert out[-1, 0] >= REPAIR_VALENCE and out[-1, 1] < line[1][1]
    # what follows is making up: "thank you" after the relief is warm too
    more = _read([*worry, line, ("thank you for staying with me all day", (-0.1, 0.0, 0.0))])
    assert more[-1, 0] >= REPAIR_VALENCE


def test_relief_words_without_worry_or_negated_keep_their_reading() -> None:
    calm = [("we walked along the river and had lunch by the water", WARM)] * 3
    out = _read([*calm, ("phew, long walk", (-0.1, 0.0, 0.0))])
    assert out[-1, 0] < REPAIR_VALENCE
    worry = [("they still haven't called, I'm so worried about the scan", WORRIED)] * 3
    out = _read([*worry, ("she is not safe there, everyone is fine except her", (-0.3, 0.3, 0.0))])
    assert out[-1, 0] < 0.0


def test_tears_among_good_news_are_joy_among_bad_news_grief() -> None:
    good = [("we got the flat!!! the one with the big window", (0.5, 0.5, 0.2))] * 2
    joy = _read([*good, ("NO WAY 😭😭 are you serious", (-0.4, 0.5, 0.0))])
    assert joy[-1, 0] > 0.3
    bad = [("the vet called, we have to put him down tomorrow", (-0.6, 0.0, -0.4))] * 2
    grief = _read([*bad, ("i can't stop crying 😭", (-0.5, 0.2, -0.3))])
    assert grief[-1, 0] < -0.3


def test_bad_news_with_tears_in_a_warm_chat_stays_dark() -> None:
    good = [("we got the flat!!! the one with the big window", (0.5, 0.5, 0.2))] * 2
    out = _read([*good, ("wait. grandma just passed away 😭", (-0.6, 0.2, -0.4))])
    assert out[-1, 0] < -0.3


@pytest.mark.parametrize(
    "line",
    [
        "not relieved at all",
        "i don't think she's okay",
        "I hope everyone's safe",
        "he's ok??",
        "we were safe until the storm hit",
        "it's not at all clear what happened",
    ],
)
def test_hedged_or_asked_relief_is_no_relief(line: str) -> None:
    worry = [("they still haven't called, I'm so worried about the scan", WORRIED)] * 3
    out = _read([*worry, (line, (-0.2, 0.3, 0.0))])
    assert out[-1, 0] < REPAIR_VALENCE


@pytest.mark.parametrize("line", ["Sorry, what?", "sorry?", "Sorry... who?"])
def test_sorry_asking_what_was_said_is_no_apology(line: str) -> None:
    quarrel = [("you always do this, it's every single time", ANGRY)] * 3
    out = _read([*quarrel, (line, (-0.3, 0.1, 0.0))])
    assert out[-1, 0] < 0.0  # a question, not a step towards making up
    sorry = _read([*quarrel, ("Sorry. I was wrong", (-0.3, 0.1, 0.0))])
    assert sorry[-1, 0] >= REPAIR_VALENCE
