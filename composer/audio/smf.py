"""A fast reader for well-formed Standard MIDI Files: channel events with absolute ticks.

mido builds a checked ``Message`` object per event and copies each one twice to merge
tracks (~0.15 s for a dense 2-minute song); rendering only needs the channel messages,
the tempo changes and the last tick. This reader walks the bytes once. It accepts only
what it fully understands (MThd + MTrk chunks whose events end exactly at the chunk end,
no system-common or real-time status bytes, 3-byte tempo metas); for anything else it
returns ``None`` and :mod:`composer.audio.midievents` falls back to mido, which either
parses the oddity or explains what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

# Data bytes that follow each channel status (high nibble 0x8..0xE).
_DATA_BYTES = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}
_TEMPO = 0x51


@dataclass(frozen=True, slots=True)
class RawMidi:
    """A file's events, merged over its tracks in mido's order.

    Attributes
    ----------
    ticks_per_beat : int
        The header's time division (may be SMPTE or 0: the caller checks).
    events : list of (tick, status, data1, data2)
        Channel messages and tempo changes (``status`` 0xFF, ``data1`` the tempo in
        microseconds per beat), sorted by absolute tick, stable in track order.
    end_tick : int
        Absolute tick of the last message of any kind (end-of-track included).
    """

    ticks_per_beat: int
    events: list[tuple[int, int, int, int]]
    end_tick: int


def parse(data: bytes) -> RawMidi | None:
    """Read ``data``; ``None`` when it is not a plain, well-formed file (use mido then)."""
    n = len(data)
    if n < 14 or data[:4] != b"MThd":
        return None
    size = int.from_bytes(data[4:8], "big")
    if size < 6 or 8 + size > n:
        return None
    tracks = int.from_bytes(data[10:12], "big")
    tpb = int.from_bytes(data[12:14], "big", signed=True)
    pos = 8 + size
    events: list[tuple[int, int, int, int]] = []
    end_tick = 0
    for _ in range(tracks):
        if pos + 8 > n or data[pos : pos + 4] != b"MTrk":
            return None
        stop = pos + 8 + int.from_bytes(data[pos + 4 : pos + 8], "big")
        if stop > n:
            return None
        last = _track(data, pos + 8, stop, events)
        if last is None:
            return None
        end_tick = max(end_tick, last)
        pos = stop
    events.sort(key=_tick)  # stable: ties keep track order, as mido.merge_tracks does
    return RawMidi(tpb, events, end_tick)


def _tick(event: tuple[int, int, int, int]) -> int:
    return event[0]


def _track(data: bytes, pos: int, stop: int, events: list[tuple[int, int, int, int]]) -> int | None:
    """Append one track's events; return its last tick, or ``None`` if anything is odd."""
    tick = 0
    status = 0  # running status (0: none yet)
    append = events.append
    while pos < stop:
        # Variable-length delta time.
        delta = 0
        while True:
            if pos >= stop:
                return None
            byte = data[pos]
            pos += 1
            delta = (delta << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        tick += delta
        if pos >= stop:
            return None
        byte = data[pos]
        if byte >= 0x80:
            pos += 1
            if byte == 0xFF:  # meta: type, length, data; does not touch running status
                if pos >= stop:
                    return None
                kind = data[pos]
                length, pos = _varlen(data, pos + 1, stop)
                if length < 0 or pos + length > stop:
                    return None
                if kind == _TEMPO:
                    if length != 3:
                        return None
                    append((tick, 0xFF, int.from_bytes(data[pos : pos + 3], "big"), 0))
                pos += length
                continue
            if byte in (0xF0, 0xF7):  # sysex: length, data (mido keeps it as running status)
                length, pos = _varlen(data, pos, stop)
                if length < 0 or pos + length > stop:
                    return None
                pos += length
                status = byte
                continue
            if byte >= 0xF0:  # system common / real time: rare in files, leave to mido
                return None
            status = byte
        elif status < 0x80 or status >= 0xF0:
            return None  # running status with nothing (or a sysex) to run on
        count = _DATA_BYTES[status >> 4]
        if pos + count > stop:
            return None
        a = min(data[pos], 127)  # clip like mido's clip=True
        b = min(data[pos + 1], 127) if count == 2 else 0
        pos += count
        append((tick, status, a, b))
    return tick


def _varlen(data: bytes, pos: int, stop: int) -> tuple[int, int]:
    """A variable-length quantity at ``pos``: (value, next position); value -1 if cut off."""
    value = 0
    while pos < stop:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    return -1, pos
