"""Reading zip archives in memory, defensively (zip bombs lie about their sizes).

Nothing is ever extracted to disk and member names are only compared as strings, never
used as paths. Limits are checked twice: against the sizes the central directory declares,
and against the bytes actually produced while decompressing.
"""

from __future__ import annotations

import copy
import io
import lzma
import struct
import zipfile
import zlib

from composer.chat.limits import Limits
from composer.errors import ComposerError, InputError, TooLargeError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CHUNK = 65_536

# Everything the zipfile module (and its decompressors) raise on damaged or odd archives:
# RuntimeError for encrypted members, NotImplementedError for unknown compression methods.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    UnicodeDecodeError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)


def is_zip(data: bytes) -> bool:
    """True when ``data`` starts like a zip archive."""
    return data.startswith(ZIP_MAGIC)


class SafeZip:
    """A zip archive opened from bytes, with limits on entries and unzipped size.

    Parameters
    ----------
    data : bytes
        The whole archive.
    limits : Limits
        ``max_zip_files`` and ``max_unzipped_bytes`` apply.

    Raises
    ------
    TooLargeError
        Too many entries, or more declared bytes than allowed.
    InputError
        The archive is malformed.
    """

    __slots__ = ("_budget", "_infos", "_zip")

    def __init__(self, data: bytes, limits: Limits) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except ComposerError:
            raise
        except ZIP_ERRORS as exc:
            raise InputError(f"the zip archive is malformed ({_describe(exc)})") from exc
        if len(infos) > limits.max_zip_files:
            raise TooLargeError(
                f"the zip archive lists {len(infos)} entries, more than the limit of "
                f"{limits.max_zip_files}"
            )
        declared = sum(max(0, info.file_size) for info in infos)
        if declared > limits.max_unzipped_bytes:
            raise TooLargeError(
                f"the zip archive would unpack to {declared} bytes, more than the limit of "
                f"{limits.max_unzipped_bytes}"
            )
        self._infos = tuple(info for info in infos if not info.is_dir())
        self._budget = limits.max_unzipped_bytes

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the file entries (directories left out), in archive order."""
        return tuple(info.filename for info in self._infos)

    def read(self, name: str) -> bytes:
        """Decompress one member, counting real output against the remaining budget."""
        info = next((i for i in self._infos if i.filename == name), None)
        if info is None:
            raise InputError(f"the zip archive has no member {name!r}")
        allowed = min(self._budget, max(0, info.file_size))
        # Let zipfile produce one byte more than allowed, so a member that holds more
        # than its header declares is caught here instead of being cut off (or failing
        # its CRC). The CRC is then checked here, on what was actually read.
        probe = copy.copy(info)
        probe.file_size = allowed + 1
        probe.CRC = None  # type: ignore[assignment]  # zipfile skips its own check on None
        parts: list[bytes] = []
        total = 0
        crc = 0
        try:
            with self._zip.open(probe) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > allowed:
                        raise TooLargeError(
                            f"zip member {name!r} unpacks to more than it declares or the "
                            f"limit of {self._budget} bytes left"
                        )
                    crc = zlib.crc32(chunk, crc)
                    parts.append(chunk)
        except ComposerError:
            raise
        except ZIP_ERRORS as exc:
            raise InputError(
                f"the zip archive is malformed at {name!r} ({_describe(exc)})"
            ) from exc
        if total != info.file_size or crc != info.CRC:
            raise InputError(f"the zip archive is malformed at {name!r} (size or CRC mismatch)")
        self._budget -= total
        return b"".join(parts)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] or type(exc).__name__
