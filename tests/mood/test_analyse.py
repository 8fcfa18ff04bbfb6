"""analyse(): per-message readings, arc, segments, drivers, speakers, overall."""

from __future__ import annotations

import numpy as np
import pytest

from composer.chat.model import Chat, Message
from composer.errors import InputError
from composer.mood import Mood, analyse, score_messages
from composer.mood.arc import build_mood, change_points, length_weights, word_counts
from composer.mood.context import in_context


def _chat(pairs: list[tuple[str, str]]) -> Chat:
    return Chat(tuple(Message(s, t) for s, t in pairs), "test")


def _all_vads(m: Mood) -> list[tuple[float, float, float]]:
    vads = [m.overall, *m.arc, *(x.vad for x in m.messages), *(s.vad for s in m.segments)]
    vads += [s.vad for s in m.speakers]
    return [(v.valence, v.arousal, v.dominance) for v in vads]


def test_empty_chat_is_an_input_error() -> None:
    with pytest.raises(InputError):
        analyse(Chat((), "test"))


def test_rejects_non_chat() -> None:
    with pytest.raises(TypeError):
        analyse(["hello"])  # type: ignore[arg-type]


def test_lengths_and_ranges(argument_chat: Chat) -> None:
    m = analyse(argument_chat)
    n = len(argument_chat.messages)
    assert len(m.messages) == n and len(m.arc) == n
    assert [x.index for x in m.messages] == list(range(n))
    assert [x.speaker for x in m.messages] == [x.speaker for x in argument_chat.messages]
    assert all(-1.0 <= x <= 1.0 for vad in _all_vads(m) for x in vad)
    assert m.model


def test_message_readings_are_read_in_context(argument_chat: Chat) -> None:
    texts = [x.text for x in argument_chat.messages]
    own = score_messages(texts)
    m = analyse(argument_chat)
    got = np.array([[x.vad.valence, x.vad.arousal, x.vad.dominance] for x in m.messages])
    weights = length_weights(word_counts(texts))
    np.testing.assert_allclose(got, in_context(texts, own, weights), atol=1e-9)
    plain = build_mood([x.speaker for x in argument_chat.messages], texts, own, "t", context=False)
    alone = np.array([[x.vad.valence, x.vad.arousal, x.vad.dominance] for x in plain.messages])
    assert not np.allclose(got, alone)  # the context moved some readings


def test_one_bad_message_keeps_its_own_value() -> None:
    happy = ("Ana", "this is wonderful, I'm so happy for you!")
    pairs = [happy] * 4 + [("Ben", "I hate everything, this is the worst day of my life")] + [happy]
    m = analyse(_chat(pairs))
    assert m.messages[4].vad.valence < 0.0
    assert m.messages[4].vad.valence < m.arc[4].valence  # the arc is smoothed, the message isn't
    assert min(x.vad.valence for x in m.messages) == m.messages[4].vad.valence


def test_short_reply_leans_on_context_only_when_short() -> None:
    own = np.array([[-0.8, 0.5, -0.3], [0.4, -0.2, 0.1], [0.4, -0.2, 0.1]])
    texts = ["my dog died", "ok", "ok then, see you at the park"]
    m = build_mood(["a", "b", "b"], texts, own, "t", context=False)
    assert m.messages[1].vad.valence < 0.4  # "ok" after bad news leans negative
    assert m.messages[2].vad.valence == pytest.approx(0.4)  # a real sentence keeps its value


def test_argument_then_reconciliation_has_two_segments(argument_chat: Chat) -> None:
    m = analyse(argument_chat)
    assert 2 <= len(m.segments) <= 4
    assert m.segments[0].start == 0 and m.segments[-1].end == len(argument_chat.messages)
    for a, b in zip(m.segments, m.segments[1:], strict=False):
        assert a.end == b.start
    assert m.segments[-1].vad.valence > m.segments[0].vad.valence


def test_segment_count_is_capped_by_length() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 3, 7, 60, 3000):
        own = rng.uniform(-1, 1, size=(n, 3))
        m = build_mood(["a", "b"] * (n // 2) + ["a"] * (n % 2), ["x y z"] * n, own, "t")
        assert 1 <= len(m.segments) <= (3 if n <= 7 else 8)


def test_steady_chat_is_one_segment() -> None:
    m = analyse(_chat([("a", "I love this so much"), ("b", "me too, so happy")] * 5))
    assert len(m.segments) == 1


def test_drivers_point_at_the_strongest_messages() -> None:
    own = np.array([[0.1, 0.0, 0.0], [0.9, 0.8, 0.4], [0.2, 0.1, 0.0], [0.6, 0.3, 0.2]])
    texts = ["one two three"] * 4
    m = build_mood(["a", "b", "a", "b"], texts, own, "t")
    assert len(m.segments) == 1
    assert m.segments[0].drivers[:2] == (1, 3)
    assert len(m.segments[0].drivers) <= 3


def test_speakers_shares_and_counts(argument_chat: Chat) -> None:
    m = analyse(argument_chat)
    assert [s.name for s in m.speakers] == list(argument_chat.speakers)
    assert sum(s.share for s in m.speakers) == pytest.approx(1.0)
    assert sum(s.messages for s in m.speakers) == len(argument_chat.messages)


def test_dominant_speaker_has_most_words() -> None:
    pairs = [("a", "hi"), ("b", "well I have a great deal to say about all of this today")] * 3
    m = analyse(_chat(pairs))
    assert {s.dominant_speaker for s in m.segments} == {"b"}


def test_overall_is_between_extremes(argument_chat: Chat) -> None:
    m = analyse(argument_chat)
    vs = [x.vad.valence for x in m.messages]
    assert min(vs) <= m.overall.valence <= max(vs)


def test_deterministic(argument_chat: Chat) -> None:
    assert analyse(argument_chat) == analyse(argument_chat)


def test_long_chat_runs_and_is_bounded() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    own = np.clip(rng.normal(0.0, 0.4, size=(n, 3)), -1, 1)
    own[n // 2 :, 0] += 0.6  # the mood turns halfway
    texts = ["a b c d"] * n
    m = build_mood(["a"] * n, texts, own, "t")
    assert len(m.arc) == n and 2 <= len(m.segments) <= 8
    assert any(abs(s.start - n // 2) < n // 20 for s in m.segments[1:])


def _cuts(valences: list[float]) -> list[int]:
    v = np.asarray(valences)
    return change_points(np.c_[v, np.zeros_like(v), np.zeros_like(v)], np.full(len(v), 2.0))


def test_a_turn_starts_at_the_news_not_at_the_feeling() -> None:
    # A quarrel, three lines that read flat (the news: "wait. I kept something"), warmth.
    assert _cuts([-0.4] * 8 + [-0.15] * 3 + [0.4] * 6) == [8]
    # A clean step stays where it is; lines of the old mood are not pulled into the new one.
    assert _cuts([-0.4] * 8 + [0.4] * 8) == [8]
    assert _cuts([-0.4] * 8 + [-0.4] * 3 + [0.4] * 6) == [11]
    # Noise about the old mood is not news: lines a shade above its mean stay in it.
    noisy = [-0.5, -0.3] * 4 + [-0.36, -0.34, -0.35] + [0.4] * 6
    assert _cuts(noisy) == [11]


def test_a_long_chat_s_pooled_cuts_are_not_moved() -> None:
    # Over 400 messages a point pools many; moving a cut a point would move it by many.
    n = 1200
    v = np.r_[np.full(600, -0.4), np.full(40, -0.15), np.full(n - 640, 0.4)]
    cuts = change_points(np.c_[v, np.zeros(n), np.zeros(n)], np.full(n, 2.0))
    assert len(cuts) == 1 and 636 <= cuts[0] <= 642  # not 9 messages back (3 points)


def test_segments_of_a_wide_swinging_chat_are_stretched_up_to_two_and_a_half() -> None:
    from composer.mood.arc import stretch_valence

    own = np.linspace(-0.8, 0.8, 21)  # the chat swings widely; its two segments barely
    out = stretch_valence(np.array([-0.1, 0.1]), own, 0.0)
    np.testing.assert_allclose(out, [-0.25, 0.25])  # gain capped at 2.5, not 2
