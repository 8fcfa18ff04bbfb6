"""MIDI bytes → a flat, time-sorted list of synthesizer events in output frames.

Well-formed files are read by :mod:`composer.audio.smf` (fast); anything it declines goes
through mido, which parses the oddities it tolerates and reports the rest.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from composer.audio import fluid, smf
from composer.errors import InputError

if TYPE_CHECKING:
    import mido

DEFAULT_TEMPO = 500_000  # microseconds per quarter note (120 BPM), the SMF default
DRUM_CHANNEL = 9
# CC93 chorus depth; CC99/98 NRPN select; CC0/32 bank select.
_CHORUS_CONTROLS = {93: 1, 99: 0, 98: 0, 0: 1, 32: 1}  # controller -> lowest value that counts

# mido raises these for truncated or malformed files (OSError covers "MThd not found").
_PARSE_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError)


@dataclass(frozen=True, slots=True)
class MidiEvents:
    """Channel events ready for the synthesizer.

    Attributes
    ----------
    events : tuple of (frame, kind, channel, a, b)
        Sorted by frame (stable: file order within a frame); ``kind`` is one of the
        :mod:`composer.audio.fluid` event constants, frames are multiples of
        :data:`composer.audio.fluid.BLOCK`.
    end_s : float
        Time of the file's last message (meta messages such as end-of-track included).
    presets : frozenset of (int, int)
        ``(bank, program)`` of every note played: bank 128 on channel 10 (drums), else 0.
    chorus_controls : bool
        The file sets chorus depth (CC93 > 0), uses NRPNs or selects banks: the chorus
        may be needed whatever the presets.
    """

    events: tuple[tuple[int, int, int, int, int], ...]
    end_s: float
    presets: frozenset[tuple[int, int]] = frozenset()
    chorus_controls: bool = False


def read_midi_events(midi: bytes, sample_rate: int) -> MidiEvents:
    """Parse a Standard MIDI File (type 0, 1 or 2) and schedule its channel messages.

    Tempo changes are honoured; meta and system-exclusive messages are skipped. Type 2
    tracks are treated as simultaneous.

    Raises
    ------
    TypeError
        ``midi`` is not bytes-like.
    InputError
        Empty or malformed MIDI data.
    """
    if not isinstance(midi, (bytes, bytearray, memoryview)):
        raise TypeError(f"midi must be bytes, not {type(midi).__name__}")
    if len(midi) == 0:
        raise InputError("the MIDI data is empty")
    raw = smf.parse(bytes(midi))
    if raw is not None:
        _check_division(raw.ticks_per_beat)
        return _schedule_raw(raw, sample_rate)
    import mido  # only for files the fast reader declines

    try:
        parsed = mido.MidiFile(file=io.BytesIO(bytes(midi)), clip=True)
    except (*_PARSE_ERRORS, mido.KeySignatureError) as exc:  # a key signature mido can't name
        raise InputError(f"not a valid MIDI file: {exc}") from None
    _check_division(parsed.ticks_per_beat)
    return _schedule(mido.merge_tracks(parsed.tracks), parsed.ticks_per_beat, sample_rate)


def _check_division(tpb: int) -> None:
    if tpb <= 0 or tpb >= 0x8000:  # 0 or SMPTE time division: not supported
        raise InputError(f"unsupported MIDI time division {tpb}")


# Channel status high nibble -> synth event kind.
_KINDS = {
    0x8: fluid.NOTE_OFF,
    0x9: fluid.NOTE_ON,
    0xA: fluid.KEY_PRESSURE,
    0xB: fluid.CONTROL,
    0xC: fluid.PROGRAM,
    0xD: fluid.CHANNEL_PRESSURE,
    0xE: fluid.PITCH_BEND,
}


def _schedule_raw(raw: smf.RawMidi, sample_rate: int) -> MidiEvents:
    """:func:`_schedule` for :func:`composer.audio.smf.parse` output (same arithmetic)."""
    scale = sample_rate / fluid.BLOCK
    tpb = raw.ticks_per_beat
    events: list[tuple[int, int, int, int, int]] = []
    programs = [0] * 16
    presets: set[tuple[int, int]] = set()
    chorus_controls = False
    tempo = DEFAULT_TEMPO
    anchor_tick = 0
    anchor_s = 0.0
    kinds = _KINDS
    for tick, status, a, b in raw.events:
        now_s = anchor_s + (tick - anchor_tick) * tempo / (tpb * 1_000_000)
        if status == 0xFF:
            anchor_tick, anchor_s, tempo = tick, now_s, a
            continue
        kind = kinds[status >> 4]
        channel = status & 0x0F
        if kind == fluid.NOTE_OFF:
            b = 0
        elif kind == fluid.PITCH_BEND:
            a, b = a | (b << 7), 0
        frame = int(now_s * scale + 0.5) * fluid.BLOCK
        events.append((frame, kind, channel, a, b))
        if kind == fluid.PROGRAM:
            programs[channel] = a
        elif kind == fluid.NOTE_ON and b > 0:
            presets.add((128 if channel == DRUM_CHANNEL else 0, programs[channel]))
        elif kind == fluid.CONTROL and b >= _CHORUS_CONTROLS.get(a, 128):
            chorus_controls = True
    end_s = anchor_s + (raw.end_tick - anchor_tick) * tempo / (tpb * 1_000_000)
    return MidiEvents(tuple(events), end_s, frozenset(presets), chorus_controls)


def _schedule(messages: mido.MidiTrack, tpb: int, sample_rate: int) -> MidiEvents:
    scale = sample_rate / fluid.BLOCK
    events: list[tuple[int, int, int, int, int]] = []
    programs = [0] * 16
    presets: set[tuple[int, int]] = set()
    chorus_controls = False
    tick = 0
    tempo = DEFAULT_TEMPO
    anchor_tick = 0  # tick and time of the last tempo change
    anchor_s = 0.0
    now_s = 0.0
    for msg in messages:
        tick += msg.time
        now_s = anchor_s + (tick - anchor_tick) * tempo / (tpb * 1_000_000)
        kind = msg.type
        if kind == "set_tempo":
            anchor_tick, anchor_s, tempo = tick, now_s, msg.tempo
            continue
        if msg.is_meta or kind == "sysex":
            continue
        event = _event(msg)
        if event is None:
            continue
        frame = int(now_s * scale + 0.5) * fluid.BLOCK
        events.append((frame, *event))
        code, channel, a, b = event
        if code == fluid.PROGRAM:
            programs[channel] = a
        elif code == fluid.NOTE_ON and b > 0:
            presets.add((128 if channel == DRUM_CHANNEL else 0, programs[channel]))
        elif code == fluid.CONTROL and b >= _CHORUS_CONTROLS.get(a, 128):
            chorus_controls = True
    return MidiEvents(tuple(events), now_s, frozenset(presets), chorus_controls)


def _event(msg: mido.Message) -> tuple[int, int, int, int] | None:
    kind = msg.type
    if kind == "note_on":
        return fluid.NOTE_ON, msg.channel, msg.note, msg.velocity
    if kind == "note_off":
        return fluid.NOTE_OFF, msg.channel, msg.note, 0
    if kind == "control_change":
        return fluid.CONTROL, msg.channel, msg.control, msg.value
    if kind == "program_change":
        return fluid.PROGRAM, msg.channel, msg.program, 0
    if kind == "pitchwheel":
        return fluid.PITCH_BEND, msg.channel, msg.pitch + 8192, 0
    if kind == "aftertouch":
        return fluid.CHANNEL_PRESSURE, msg.channel, msg.value, 0
    if kind == "polytouch":
        return fluid.KEY_PRESSURE, msg.channel, msg.note, msg.value
    return None  # clock, start/stop, song position...: nothing to synthesize
