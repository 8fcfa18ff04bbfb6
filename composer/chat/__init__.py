"""Chat import: bytes or text in, a :class:`Chat` out.

Formats are detected automatically (``parse(data)``) or forced (``parse(data, fmt="slack")``).
Supported: WhatsApp (Android/iOS .txt, or the export .zip), Telegram ``result.json`` (one
chat or the whole account), Slack export .zip (or one day file), DiscordChatExporter JSON and
CSV, plain transcripts (``Name: text``, ``[HH:MM] Name: text``, IRC ``<nick> text``, prose),
SubRip and WebVTT subtitles. :func:`moment` wraps a one-line description.

Every problem the input can cause raises a :class:`~composer.errors.ComposerError`
subclass with a one-line message (``InputError``, ``UnknownFormatError``,
``TooLargeError``); nothing else escapes :func:`parse` for any ``bytes``/``str`` input.
Messages always have a non-empty speaker (:data:`UNKNOWN_SPEAKER` when the export does not
say) and non-empty text; times are naive datetimes (see :mod:`composer.chat.times`).
"""

from __future__ import annotations

from composer.chat.collect import UNKNOWN_SPEAKER
from composer.chat.dispatch import FORMATS, MOMENT_SPEAKER, moment, parse
from composer.chat.limits import DEFAULT_LIMITS, Limits
from composer.chat.model import Chat, Message
from composer.chat.times import TIME_ONLY_DATE

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "MOMENT_SPEAKER",
    "TIME_ONLY_DATE",
    "UNKNOWN_SPEAKER",
    "Chat",
    "Limits",
    "Message",
    "moment",
    "parse",
]
