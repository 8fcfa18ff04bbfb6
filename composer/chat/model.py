"""The chat data model: what every importer produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Message:
    """One thing one person said.

    Attributes
    ----------
    speaker : str
        Display name of the author, as the export shows it.
    text : str
        The message text, multi-line messages joined with ``\\n``.
    time : datetime or None
        When it was sent (naive local time as exported), if the format has one.
    """

    speaker: str
    text: str
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Chat:
    """A parsed conversation.

    Attributes
    ----------
    messages : tuple of Message
        In the order they were sent (the order of the export).
    format : str
        Name of the importer that read it (``"whatsapp"``, ``"telegram"``, ``"moment"``...).
    title : str or None
        Chat or channel name when the export has one.
    """

    messages: tuple[Message, ...]
    format: str
    title: str | None = None

    @property
    def speakers(self) -> tuple[str, ...]:
        """Distinct speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for m in self.messages:
            seen.setdefault(m.speaker, None)
        return tuple(seen)
