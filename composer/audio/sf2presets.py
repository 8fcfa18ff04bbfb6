"""Which presets of a SoundFont send to the chorus (read from its preset/instrument data).

FluidSynth runs its chorus on every block even when nothing feeds it, which costs ~8 %
of a render. A voice reaches the chorus only through a preset or instrument generator
``chorusEffectsSend`` (generator 15) or MIDI CC93 / NRPN, so when a song uses none of
those the chorus can be switched off without changing a single sample.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

_CHORUS_SEND = 15  # SF2 generator chorusEffectsSend
_INSTRUMENT = 41  # SF2 generator instrument (index into inst)


@functools.lru_cache(maxsize=8)
def preset_sends(
    path: str, mtime_ns: int
) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
    """``(all presets, presets that send to the chorus)`` as ``(bank, program)`` pairs.

    ``mtime_ns`` is only part of the cache key. Unreadable or unusual files give two
    empty sets (callers then keep the chorus on).
    """
    del mtime_ns
    try:
        chunks = _pdta(Path(path))
        return _scan(chunks)
    except (OSError, struct.error, KeyError, IndexError, ValueError):
        return frozenset(), frozenset()


def _pdta(path: Path) -> dict[bytes, bytes]:
    """The sub-chunks of the ``pdta`` LIST, skipping the (large) sample data."""
    with path.open("rb") as f:
        riff, _, form = struct.unpack("<4sI4s", f.read(12))
        if riff != b"RIFF" or form != b"sfbk":
            raise ValueError("not a SoundFont 2 file")
        while True:
            header = f.read(12)
            if len(header) < 12:
                raise ValueError("no pdta chunk")
            cid, size, kind = struct.unpack("<4sI4s", header)
            if cid == b"LIST" and kind == b"pdta":
                body = f.read(size - 4)
                break
            f.seek(size - 4 + (size & 1), 1)
    out: dict[bytes, bytes] = {}
    pos = 0
    while pos + 8 <= len(body):
        cid, size = struct.unpack("<4sI", body[pos : pos + 8])
        out[cid] = body[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    return out


def _records(data: bytes, fmt: str) -> list[tuple[int, ...]]:
    return list(struct.iter_unpack(fmt, data[: len(data) - len(data) % struct.calcsize(fmt)]))


def _scan(
    chunks: dict[bytes, bytes],
) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
    phdr = _records(chunks[b"phdr"], "<20sHHHIII")  # name, preset, bank, bag index, ...
    pbag = _records(chunks[b"pbag"], "<HH")
    pgen = _records(chunks[b"pgen"], "<HH")
    inst = _records(chunks[b"inst"], "<20sH")
    ibag = _records(chunks[b"ibag"], "<HH")
    igen = _records(chunks[b"igen"], "<Hh")

    def generators(bags: list[tuple[int, ...]], first: int, stop: int) -> range:
        return range(bags[first][0], bags[stop][0])

    sends_inst = [
        any(
            igen[g][0] == _CHORUS_SEND and igen[g][1] > 0
            for g in generators(ibag, inst[i][1], inst[i + 1][1])
        )
        for i in range(len(inst) - 1)
    ]
    every: set[tuple[int, int]] = set()
    chorus: set[tuple[int, int]] = set()
    for p in range(len(phdr) - 1):  # the last header is the terminal "EOP" record
        _, program, bank, bag = phdr[p][:4]
        every.add((bank, program))
        for g in generators(pbag, bag, phdr[p + 1][3]):
            op, amount = pgen[g]
            signed = amount - 0x10000 if amount >= 0x8000 else amount
            if (op == _CHORUS_SEND and signed > 0) or (
                op == _INSTRUMENT and amount < len(sends_inst) and sends_inst[amount]
            ):
                chorus.add((bank, program))
    return frozenset(every), frozenset(chorus)
