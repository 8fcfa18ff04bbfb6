"""The fast MIDI reader: same events as the mido path, and it declines what it cannot read."""

from __future__ import annotations

import io
import random

import mido
import pytest

from composer.audio import midievents, smf
from composer.audio.midievents import read_midi_events
from composer.errors import InputError

from .midi_helpers import build_midi

SR = 44100


def via_mido(data: bytes, sample_rate: int = SR) -> midievents.MidiEvents:
    """The reference: mido's parse and merge, then the same scheduling."""
    parsed = mido.MidiFile(file=io.BytesIO(data), clip=True)
    merged = mido.merge_tracks(parsed.tracks)
    return midievents._schedule(merged, parsed.ticks_per_beat, sample_rate)


def random_song(seed: int, midi_type: int) -> bytes:
    """Random channel messages, tempo changes, metas and sysex over a few tracks."""
    rng = random.Random(seed)
    mid = mido.MidiFile(type=midi_type, ticks_per_beat=rng.choice((96, 480, 960)))
    for _ in range(1 if midi_type == 0 else rng.randint(2, 4)):
        track = mido.MidiTrack()
        for _ in range(rng.randint(20, 200)):
            time = rng.choice((0, 0, rng.randint(1, 500), rng.randint(1, 20000)))
            ch = rng.randrange(16)
            kind = rng.randrange(10)
            if kind == 0:
                msg = mido.MetaMessage("set_tempo", tempo=rng.randint(200_000, 1_500_000))
            elif kind == 1:
                msg = mido.MetaMessage("marker", text="m" * rng.randint(0, 200))
            elif kind == 2:
                msg = mido.Message("sysex", data=[rng.randrange(128) for _ in range(9)])
            elif kind == 3:
                msg = mido.Message("pitchwheel", channel=ch, pitch=rng.randint(-8192, 8191))
            elif kind == 4:
                msg = mido.Message("control_change", channel=ch, control=rng.randrange(128))
            elif kind == 5:
                msg = mido.Message("program_change", channel=ch, program=rng.randrange(128))
            elif kind == 6:
                msg = mido.Message("aftertouch", channel=ch, value=rng.randrange(128))
            elif kind == 7:
                msg = mido.Message("polytouch", channel=ch, note=60, value=rng.randrange(128))
            else:
                msg = mido.Message(
                    rng.choice(("note_on", "note_off")),
                    channel=ch,
                    note=rng.randrange(128),
                    velocity=rng.randrange(128),
                )
            track.append(msg.copy(time=time))
        mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(12))
def test_random_files_schedule_exactly_as_with_mido(seed: int) -> None:
    data = random_song(seed, midi_type=(0, 1, 2)[seed % 3])
    assert smf.parse(data) is not None  # the fast path really ran
    for rate in (SR, 8000):
        assert read_midi_events(data, rate) == via_mido(data, rate)


def test_a_song_with_pedal_and_chords_matches_mido() -> None:
    notes = [(c, 48 + (i * 7) % 36, i * 0.25, 0.5, 40 + i % 80) for i in range(300) for c in (0, 1)]
    pedal = [(b * 2.0, mido.Message("control_change", control=64, value=127)) for b in range(30)]
    data = build_midi(notes, programs={0: 0, 1: 48}, extra=pedal, midi_type=1)
    assert read_midi_events(data, SR) == via_mido(data)


def running_status_file() -> bytes:
    """Type 0: note-ons written with running status, a 0-velocity note-on as note-off."""
    body = b"".join(
        bytes(part)
        for part in (
            [0x00, 0x90, 60, 100],  # note on
            [0x00, 64, 90],  # running status: another note on
            [0x83, 0x60, 60, 0],  # 480 ticks later, velocity 0
            [0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20],  # tempo: running status goes on
            [0x00, 64, 0],
            [0x00, 0xFF, 0x2F, 0x00],
        )
    )
    header = b"MThd" + (6).to_bytes(4, "big") + bytes([0, 0, 0, 1, 0x01, 0xE0])
    return header + b"MTrk" + len(body).to_bytes(4, "big") + body


def test_running_status_is_followed() -> None:
    data = running_status_file()
    assert smf.parse(data) is not None
    score = read_midi_events(data, SR)
    assert score == via_mido(data)
    assert [e[3:] for e in score.events] == [(60, 100), (64, 90), (60, 0), (64, 0)]


def test_data_bytes_over_127_are_clipped_like_mido() -> None:
    data = bytearray(running_status_file())
    data[data.index(bytes([0x90, 60, 100])) + 2] = 200
    assert read_midi_events(bytes(data), SR) == via_mido(bytes(data))
    assert read_midi_events(bytes(data), SR).events[0][4] == 127


@pytest.mark.parametrize(
    "patch",
    [
        lambda d: d[:-3],  # track cut short
        lambda d: d.replace(b"MTrk", b"MTrX"),  # not a track chunk
        lambda d: d.replace(bytes([0x00, 0x90]), bytes([0x00, 0xF2]), 1),  # song position
        lambda d: d[:14],  # header promises a track that is missing
    ],
)
def test_odd_files_are_left_to_mido(patch: object) -> None:
    data = patch(running_status_file())  # type: ignore[operator]
    assert smf.parse(data) is None
    try:
        expected = via_mido(data)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError):
        with pytest.raises(InputError):
            read_midi_events(data, SR)
    else:
        assert read_midi_events(data, SR) == expected


def test_system_common_messages_still_render_through_mido() -> None:
    data = bytearray(running_status_file())
    at = data.index(bytes([0x83, 0x60]))
    data[at:at] = bytes([0x00, 0xF2, 0x10, 0x20])  # song position pointer: mido reads it
    data[18:22] = (len(data) - 22).to_bytes(4, "big")
    assert smf.parse(bytes(data)) is None
    assert read_midi_events(bytes(data), SR) == via_mido(bytes(data))
