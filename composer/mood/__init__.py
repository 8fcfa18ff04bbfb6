"""Mood: a :class:`Chat` read as valence, arousal and dominance on -1..1.

``analyse(chat)`` gives a :class:`Mood` (per-message readings, smoothed arc, segments,
speakers, overall); ``score_texts(texts)`` gives the raw ``(n, 3)`` readings of sentences
each read alone, ``score_messages(texts)`` those of chat messages (the message head: lines
read as dialogue, before the context of the conversation is added).

The reader is the trained model in ``composer/data/mood/`` (ONNX, run with onnxruntime) when
its files and onnxruntime are present, else a hand-written word list plus chat cues;
``Mood.model`` says which one read it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from composer.chat.model import Chat
from composer.errors import InputError
from composer.mood.model import VAD, MessageMood, Mood, Segment, SpeakerMood

__all__ = [
    "VAD",
    "MessageMood",
    "Mood",
    "Segment",
    "SpeakerMood",
    "analyse",
    "model_name",
    "score_messages",
    "score_texts",
]


def _reader() -> tuple[str, object]:
    """The best available reader: (name, scoring function)."""
    from composer.mood import reader

    return reader.best()


def model_name() -> str:
    """Name and version of the reader that :func:`score_texts` uses in this process."""
    return _reader()[0]


def score_texts(texts: Sequence[str]) -> np.ndarray:
    """Read each text's own mood.

    Parameters
    ----------
    texts : sequence of str
        Chat lines or sentences.

    Returns
    -------
    ndarray, shape (n, 3)
        Valence, arousal, dominance per text, each on -1..1 (float64).
    """
    if isinstance(texts, str):
        raise TypeError("score_texts expects a sequence of strings, not one string")
    from composer.mood import reader

    return reader.score(list(texts))[1]


def score_messages(texts: Sequence[str]) -> np.ndarray:
    """Read each text as a chat message, alone (no context of the conversation yet).

    Parameters
    ----------
    texts : sequence of str
        Chat messages.

    Returns
    -------
    ndarray, shape (n, 3)
        Valence, arousal, dominance per message, each on -1..1: the trained reader's
        message head (``composer/mood/dialogue.py``) where the model has one, else
        :func:`score_texts`.
    """
    if isinstance(texts, str):
        raise TypeError("score_messages expects a sequence of strings, not one string")
    from composer.mood import reader

    return reader.score_messages(list(texts))[1]


def analyse(chat: Chat) -> Mood:
    """Read the mood of a conversation.

    Parameters
    ----------
    chat : Chat
        A parsed conversation with at least one message.

    Returns
    -------
    Mood
        Per-message readings (not smoothed), the smoothed arc, segments at change
        points, per-speaker means and the overall weighted mean.

    Raises
    ------
    InputError
        If the chat has no messages.
    """
    if not isinstance(chat, Chat):
        raise TypeError(f"analyse expects a Chat, got {type(chat).__name__}")
    if not chat.messages:
        raise InputError("the chat has no messages to read a mood from")
    from composer.mood import reader
    from composer.mood.arc import build_mood

    texts = [m.text for m in chat.messages]
    speakers = [m.speaker for m in chat.messages]
    if chat.format == "moment":
        name, own = reader.score_moments(texts)
    else:
        name, own = reader.score_messages(texts)
    return build_mood(speakers, texts, own, name)
