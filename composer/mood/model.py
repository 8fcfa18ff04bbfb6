"""The mood data model: a conversation summarised as numbers on -1..1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VAD:
    """A point in valence–arousal–dominance space, each on -1..1.

    valence: unpleasant (-1) .. pleasant (+1)
    arousal: calm (-1) .. excited (+1)
    dominance: submissive / overwhelmed (-1) .. in control (+1)
    """

    valence: float
    arousal: float
    dominance: float

    @property
    def tension(self) -> float:
        """Tension on 0..1: high arousal with low valence (Russell's 'distress' quadrant)."""
        t = 0.5 * (max(0.0, self.arousal) + max(0.0, -self.valence))
        return min(1.0, max(0.0, t))


@dataclass(frozen=True, slots=True)
class MessageMood:
    """One message's own reading (not smoothed)."""

    index: int
    speaker: str
    vad: VAD


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the conversation with a steady mood (between two change points).

    Attributes
    ----------
    start, end : int
        Message indices, ``end`` exclusive.
    vad : VAD
        Mean mood of the stretch; when there are several segments their valences are
        stretched about the overall mood towards the chat's own range (``arc.py``).
    drivers : tuple of int
        Indices of the messages that most drove this stretch's mood, strongest first.
    dominant_speaker : str or None
        The speaker with the largest share of the stretch's words.
    """

    start: int
    end: int
    vad: VAD
    drivers: tuple[int, ...]
    dominant_speaker: str | None


@dataclass(frozen=True, slots=True)
class SpeakerMood:
    """A speaker's mean mood and share of the conversation."""

    name: str
    messages: int
    share: float
    vad: VAD


@dataclass(frozen=True, slots=True)
class Mood:
    """The mood vector of a whole conversation.

    Attributes
    ----------
    overall : VAD
        Weighted mean over messages.
    messages : tuple of MessageMood
        One per parsed message, in input order.
    arc : tuple of VAD
        The smoothed mood after each message (same length as ``messages``).
    segments : tuple of Segment
        The arc cut at its change points; at least one.
    speakers : tuple of SpeakerMood
        In order of first appearance.
    model : str
        Name and version of the model that read it.
    """

    overall: VAD
    messages: tuple[MessageMood, ...]
    arc: tuple[VAD, ...]
    segments: tuple[Segment, ...]
    speakers: tuple[SpeakerMood, ...]
    model: str

    @property
    def valence(self) -> float:
        return self.overall.valence

    @property
    def arousal(self) -> float:
        return self.overall.arousal

    @property
    def dominance(self) -> float:
        return self.overall.dominance

    @property
    def tension(self) -> float:
        return self.overall.tension
