"""Timestamp helpers shared by the importers; every result is a naive ``datetime``.

Conventions (the same for every format):

- ISO timestamps with an offset (Discord) keep the wall-clock time *as written* and drop
  the offset, like the naive local times WhatsApp and Telegram export.
- Epoch seconds (Slack ``ts``, Telegram ``date_unixtime``) become naive UTC.
- Time-of-day-only formats (subtitle cue starts, ``[HH:MM]`` transcripts) are placed on
  :data:`TIME_ONLY_DATE`, 1900-01-01 (a cue at 01:02:03,400 becomes 1900-01-01 01:02:03.4).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

TIME_ONLY_DATE = datetime(1900, 1, 1)


def iso_datetime(value: object) -> datetime | None:
    """Parse an ISO-8601 string; the offset, if any, is dropped (wall time kept)."""
    if not isinstance(value, str) or not 8 <= len(value) <= 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def epoch_datetime(value: object) -> datetime | None:
    """Epoch seconds (number or numeric string such as ``"1709415605.000100"``) as naive UTC."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    if not isinstance(value, (str, int, float)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(seconds):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def time_of_day(hours: int, minutes: int, seconds: int = 0, millis: int = 0) -> datetime | None:
    """A time of day (or a media offset) counted from :data:`TIME_ONLY_DATE`."""
    try:
        return TIME_ONLY_DATE + timedelta(
            hours=hours, minutes=minutes, seconds=seconds, milliseconds=millis
        )
    except OverflowError:
        return None
