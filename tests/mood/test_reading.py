"""Per-text readings: the default reader (trained model when shipped) and chat cues."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer.mood import lexicon, score_texts


def _v(text: str) -> np.ndarray:
    return score_texts([text])[0]


def test_shape_and_dtype() -> None:
    out = score_texts(["hello there", "I am so happy", "ok"])
    assert out.shape == (3, 3)
    assert out.dtype == np.float64
    assert score_texts([]).shape == (0, 3)


def test_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError):
        score_texts("I am happy")  # type: ignore[arg-type]


def test_joyful_beats_sad_on_valence() -> None:
    joyful, sad = score_texts(
        ["What a wonderful day, I'm so happy!", "I feel so sad and lonely tonight."]
    )
    assert joyful[0] > sad[0]


def test_shouting_hate_is_more_aroused_than_tired() -> None:
    hate, tired = score_texts(["I HATE THIS!!!", "i'm tired."])
    assert hate[1] > tired[1]


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("I am happy with this.", "I am not happy with this."),
        ("This is good.", "This is not good."),
    ],
)
def test_negation_lowers_valence(plain: str, negated: str) -> None:
    assert _v(plain)[0] > _v(negated)[0]


def test_emoji_cues_move_valence() -> None:
    base, happy, crying = score_texts(["see you at 5", "see you at 5 😍🎉", "see you at 5 😭😭"])
    assert happy[0] > base[0] > crying[0]


def test_exclamations_raise_arousal() -> None:
    calm, loud = score_texts(["we won the game", "WE WON THE GAME!!!"])
    assert loud[1] > calm[1]


def test_laughter_reads_positive() -> None:
    plain, laughing = score_texts(["you fell off the chair", "you fell off the chair hahaha lol"])
    assert laughing[0] > plain[0]


def test_deterministic_and_order_independent() -> None:
    texts = ["I love it", "this is awful", "meh", "I love it"]
    a = score_texts(texts)
    b = score_texts(list(reversed(texts)))[::-1]
    assert np.array_equal(a, score_texts(texts))
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_array_equal(a[0], a[3])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_values_stay_within_range(texts: list[str]) -> None:
    out = score_texts(texts)
    assert out.shape == (len(texts), 3)
    assert np.all(np.isfinite(out))
    assert np.all(out >= -1.0) and np.all(out <= 1.0)


def test_odd_text_is_read_not_rejected() -> None:
    odd = ["", "   ", "a \ud800 b", "x" * 5000, "\x00\x01", "😀" * 300, "🎉"]
    out = score_texts(odd)
    assert out.shape == (len(odd), 3)
    assert np.all(np.isfinite(out)) and np.all(np.abs(out) <= 1.0)


# The word-list reader is the fallback: it must get the basics right on its own.


def test_lexicon_basics() -> None:
    happy, sad, not_happy = lexicon.score_texts(["so happy!", "so sad", "not happy"])
    assert happy[0] > not_happy[0] and happy[0] > sad[0]
    hate, tired = lexicon.score_texts(["I HATE THIS!!!", "i'm tired."])
    assert hate[1] > tired[1]
    plain, elongated = lexicon.score_texts(["good", "soooo goooood"])
    assert elongated[0] > plain[0] and elongated[1] > plain[1]


def test_lexicon_negation_resets_at_clause_end() -> None:
    # "no way." must not negate the congratulations that follow it
    assert lexicon.score_one("NO WAY. Congratulations!!")[0] > 0.3
