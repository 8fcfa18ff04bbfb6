"""The live composer's running mood: each message read as it arrives, then smoothed.

A message is read by the mood reader as a chat message
(:func:`composer.mood.reader.score_messages`: the trained model with its message head, or
the word list), then in its conversation (:func:`composer.mood.context.in_context`
over the last :data:`WINDOW` messages: a short reply leans on what it answers, a quarrel
colours the lines after it), and folded into the running mood: a length-weighted
exponential average with a half-life of :data:`HALF_LIFE` messages, which starts from
the opening mood (weighted as one short message).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

HALF_LIFE = 3.0  # messages: the running mood forgets half a reading in this many
WINDOW = 40  # messages of context (the context's own memory fades long before)
MAX_MESSAGE = 4000  # characters of a message the reader sees


@dataclass(slots=True)
class RunningMood:
    """The running (valence, arousal, dominance) and the readings it came from."""

    vad: tuple[float, float, float]
    texts: list[str] = field(default_factory=list)
    own: list[tuple[float, float, float]] = field(default_factory=list)
    readings: list[tuple[float, float, float]] = field(default_factory=list)
    _acc: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    _weight: float = 0.0

    @property
    def decay(self) -> float:
        """How much of the running mood is kept at each new message."""
        return float(0.5 ** (1.0 / HALF_LIFE))

    def add(self, text: str) -> tuple[tuple[float, float, float], float]:
        """Read one message; returns its reading in context and its weight."""
        from composer.mood import reader
        from composer.mood.arc import length_weights, word_counts
        from composer.mood.context import in_context

        text = text[:MAX_MESSAGE]
        self.texts.append(text)
        own = reader.score_messages([text])[1][0]
        self.own.append((float(own[0]), float(own[1]), float(own[2])))
        start = max(0, len(self.texts) - WINDOW)
        texts = self.texts[start:]
        weights = length_weights(word_counts(texts))
        row = in_context(texts, np.asarray(self.own[start:]), weights)[-1]
        reading = (float(row[0]), float(row[1]), float(row[2]))
        self.readings.append(reading)
        w = float(weights[-1])
        prior = 1.0 if len(self.texts) == 1 else 0.0  # the opening mood, as one short line
        self._acc = [
            self.decay * x + w * r + prior * m
            for x, r, m in zip(self._acc, reading, self.vad, strict=True)
        ]
        self._weight = self.decay * self._weight + w + prior
        v, a, d = (round(x / self._weight, 4) for x in self._acc)
        self.vad = (v, a, d)
        return reading, w

    def relax(self, towards: float = -0.3, share: float = 0.2) -> None:
        """Nobody writes: the arousal drifts a little toward calm (once per phrase)."""
        v, a, d = self.vad
        self.vad = (v, round(a + share * (towards - a), 4), d)


def kind_of(first: bool, same_speaker: bool, text: str, arousal: float) -> str:
    """How the music answers a message on the next beat.

    ``"motif"``: a speaker's first message, or a new turn (another speaker) of more than
    four words; ``"swell"``: an exclamation or an excited line; ``"ornament"``: a short
    reply or a speaker going on.
    """
    if first:
        return "motif"
    if "!" in text or arousal > 0.5:
        return "swell"
    if same_speaker or len(text.split()) <= 4:
        return "ornament"
    return "motif"
