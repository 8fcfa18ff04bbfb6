"""Shared by every importer: clean a message, enforce the limits, build the :class:`Chat`."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from composer.chat.limits import Limits
from composer.chat.model import Chat, Message
from composer.errors import InputError, TooLargeError

#: Speaker used when the export does not say who spoke (subtitles, prose, plain lines
#: before the first ``Name:``).
UNKNOWN_SPEAKER = "unknown"

#: Longest speaker name kept (longer ones are cut).
MAX_SPEAKER_CHARS = 200

# Invisible marks exporters sprinkle around names and text (LRM/RLM/ALM, isolates, BOM,
# zero-width space, word joiner, soft hyphen) that ``str.strip`` does not remove.
_INVISIBLE = (
    "\u200b\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff"
    "\u061c\u2060\u180e\u00ad"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# Joiners shape what stands around them (emoji sequences, Persian words): kept inside a
# text or name, dropped only at its ends, where they join nothing.
_EDGES = _INVISIBLE + "\u200c\u200d"


def strip_text(text: str) -> str:
    """Strip whitespace and invisible marks from both ends of ``text``."""
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_EDGES)
    return text


@lru_cache(maxsize=4096)
def clean_speaker(name: str | None) -> str:
    """One-line, visible speaker name; :data:`UNKNOWN_SPEAKER` when nothing is left."""
    if not name:
        return UNKNOWN_SPEAKER
    name = strip_text(" ".join(_INVISIBLE_RE.sub("", name).split())[:MAX_SPEAKER_CHARS])
    return name or UNKNOWN_SPEAKER


class Collector:
    """Accumulates cleaned messages and enforces :class:`Limits`.

    Parameters
    ----------
    limits : Limits
        ``max_messages`` raises :class:`TooLargeError`; ``max_message_chars`` truncates.
    """

    __slots__ = ("_limits", "_messages")

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._messages: list[Message] = []

    def __len__(self) -> int:
        return len(self._messages)

    def add(self, speaker: str | None, text: str, time: datetime | None = None) -> bool:
        """Add one message; return False (and add nothing) when its text is empty."""
        text = strip_text(text)
        if not text:
            return False
        if len(self._messages) >= self._limits.max_messages:
            raise TooLargeError(
                f"the chat has more than {self._limits.max_messages} messages "
                "(the limit); export a shorter stretch of it"
            )
        if len(text) > self._limits.max_message_chars:
            text = strip_text(text[: self._limits.max_message_chars])
        self._messages.append(Message(clean_speaker(speaker), text, time))
        return True

    def chat(self, fmt: str, title: str | None = None) -> Chat:
        """The finished :class:`Chat`; :class:`InputError` when no message was found."""
        if not self._messages:
            raise InputError(f"no messages found in this {fmt} input")
        if title is not None:
            title = " ".join(title.split())[:MAX_SPEAKER_CHARS] or None
        return Chat(tuple(self._messages), fmt, title)
