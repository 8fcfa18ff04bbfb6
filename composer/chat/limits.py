"""Size limits that keep a hostile or mistaken upload from eating the machine."""

from __future__ import annotations

from dataclasses import dataclass, fields

from composer.errors import OptionError


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds applied by :func:`composer.chat.parse`.

    Attributes
    ----------
    max_bytes : int
        Largest input accepted, in bytes (for ``str`` input: in characters). 20 MB holds
        years of a busy WhatsApp chat; a Slack export zip bigger than that is unusual.
    max_unzipped_bytes : int
        Largest total a zip may hold, from the central directory *and* counted while
        reading (a zip bomb can lie about its sizes). 50 MB.
    max_zip_files : int
        Most entries a zip may list (a Slack export has one file per channel and day).
    max_messages : int
        Most messages kept; more raises :class:`~composer.errors.TooLargeError`.
    max_message_chars : int
        A longer message is truncated to this many characters (not an error).
    """

    max_bytes: int = 20_000_000
    max_unzipped_bytes: int = 50_000_000
    max_zip_files: int = 5_000
    max_messages: int = 200_000
    max_message_chars: int = 20_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits.{f.name} must be an int, not {type(value).__name__}")
            if value < 1:
                raise OptionError(f"Limits.{f.name} must be at least 1, got {value}")


DEFAULT_LIMITS = Limits()
