"""Bytes to text: BOMs, UTF-16 without a BOM, legacy 8-bit fallback, binary rejection.

Order of attempts: a BOM (UTF-32, UTF-8, UTF-16) wins; then UTF-16 LE/BE is recognised
from the pattern of NUL bytes; then UTF-8 (a file cut inside its last character, or a rare
damaged byte among many valid multi-byte characters, is tolerated); else each line on its
own: UTF-8 (with a damaged byte among valid multi-byte characters), cp1252, then Latin-1,
which decodes any byte. Whatever comes out is rejected as binary when it holds too
many control characters. Line endings are normalised to ``\\n`` and a leading BOM is removed.
"""

from __future__ import annotations

import re

from composer.errors import InputError

_BINARY_MESSAGE = "the input looks like binary data, not a chat export"

# Magic numbers of common non-text files people upload by mistake.
_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"\x1f\x8b",  # gzip
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"OggS\x00",
    b"fLaC",
    b"\x7fELF",
    b"SQLite format 3\x00",
    b"\x00asm",
)

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Control characters that never occur in real chat text (tab, LF, VT, FF, CR are fine),
# plus U+FFFD, the mark of bytes that could not be decoded.
_BAD_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_DAMAGE_RUN = re.compile("\ufffd+")
_SAMPLE = 65_536
_MAX_BAD_RATIO = 0.02
_MIN_UTF8_PER_ERROR = 20


def decode(data: bytes) -> str:
    """Decode chat-export bytes to normalised text.

    Raises
    ------
    InputError
        When the data is empty or looks like binary data.
    """
    if not data.strip():
        raise InputError("the input is empty")
    if data.startswith(_MAGIC) or data[4:8] == b"ftyp":
        raise InputError(_BINARY_MESSAGE)
    text = _decode_bytes(data)
    return normalise(text)


def normalise(text: str) -> str:
    """Check decoded (or pasted) text and normalise BOM, line endings and surrogates.

    Raises
    ------
    InputError
        When the text is empty or holds too many control characters to be a chat.
    """
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError("the input is empty")
    if "\x00" in text or _bad_ratio(text) > _MAX_BAD_RATIO:
        raise InputError(_BINARY_MESSAGE)
    if _has_surrogates(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _decode_bytes(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    utf16 = _sniff_utf16(data[:4096])
    if utf16 is not None:
        return data.decode(utf16, "replace")
    if b"\x00" in data:
        raise InputError(_BINARY_MESSAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # cut inside the last character
            try:
                return data[: exc.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
    lenient, wide, errors = _lenient_utf8(data)
    if wide >= _MIN_UTF8_PER_ERROR * errors:  # mostly UTF-8, a few damaged bytes
        return lenient
    if wide == 0:  # no UTF-8 at all: legacy 8-bit text
        return _legacy(data)
    # UTF-8 and legacy lines mixed (pasted or concatenated exports), or UTF-8 with damaged
    # bytes but few non-ASCII characters: decide line by line, so one bad byte never turns
    # a whole UTF-8 file (emoji and all) into mojibake or "binary data".
    return "\n".join(_decode_line(line) for line in data.split(b"\n"))


def _lenient_utf8(data: bytes) -> tuple[str, int, int]:
    """UTF-8 with U+FFFD for bad bytes, its count of non-ASCII characters, and of damages.

    One damage is a run of bad bytes (one broken 4-byte character gives up to four
    U+FFFD in a row, but it is one damaged spot).
    """
    lenient = data.decode("utf-8", "replace")
    replaced = lenient.count("\ufffd")
    wide = len(lenient) - len(lenient.encode("ascii", "ignore")) - replaced
    return lenient, wide, len(_DAMAGE_RUN.findall(lenient))


def _decode_line(line: bytes) -> str:
    """One line: UTF-8 when it is (even with a damaged byte), else cp1252, else Latin-1,
    unless that reading is full of control characters (a damaged UTF-8 line)."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient, wide, errors = _lenient_utf8(line)
    if wide >= errors:
        return lenient
    # Legacy 8-bit text ("caf\xe9") reads cleanly as cp1252/Latin-1; a damaged UTF-8 line
    # (a broken emoji) reads as control characters there: keep the reading with fewer.
    legacy = _legacy(line)
    return legacy if len(_BAD_CHARS.findall(legacy)) <= errors else lenient


def _legacy(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_utf16(sample: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when NULs sit on one byte parity only, else None."""
    half = len(sample) // 2
    if half < 1 or b"\x00" not in sample:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= 0.3 * half and even_nuls <= 0.05 * half:
        return "utf-16-le"
    if even_nuls >= 0.3 * half and odd_nuls <= 0.05 * half:
        return "utf-16-be"
    return None


def _bad_ratio(text: str) -> float:
    sample = _DAMAGE_RUN.sub("\ufffd", text[:_SAMPLE])  # one broken character counts once
    bad = len(sample) - len(_BAD_CHARS.sub("", sample))
    return bad / max(1, len(sample))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
