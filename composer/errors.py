"""One error root for everything a user can cause.

The CLI maps :class:`ComposerError` subclasses to exit codes and the web layer maps
them to HTTP statuses, each in one place (``cli.EXIT_CODES``, ``web.errors``).
Anything that is *not* a ``ComposerError`` is a bug and may show a traceback.
"""

from __future__ import annotations


class ComposerError(Exception):
    """Root of all errors a user's input or environment can cause.

    Attributes
    ----------
    code : str
        A short, stable, machine-readable name (used in JSON error bodies).
    """

    code = "error"

    def __init__(self, message: str) -> None:
        # Keep messages to one line: they are printed as-is on stderr and in JSON bodies.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class InputError(ComposerError, ValueError):
    """The input is unusable: empty, binary, undecodable or malformed."""

    code = "bad_input"


class UnknownFormatError(InputError):
    """The chat format could not be recognised (or the forced format does not fit)."""

    code = "unknown_format"


class TooLargeError(InputError):
    """The input exceeds a configured size limit (bytes, unzipped bytes, messages, files)."""

    code = "too_large"


class OptionError(ComposerError, ValueError):
    """An option has a value outside its allowed range."""

    code = "bad_option"


class NotFoundError(ComposerError, LookupError):
    """A song, file or model that was asked for does not exist."""

    code = "not_found"


class EngineUnavailableError(ComposerError, RuntimeError):
    """An optional engine cannot run here; the message says what to install or download."""

    code = "engine_unavailable"


class StorageError(ComposerError):
    """Songs cannot be written or read where they should be (not a folder, no permission,
    disk full)."""

    code = "storage"


class BusyError(ComposerError, RuntimeError):
    """The work queue is full; try again later."""

    code = "busy"
