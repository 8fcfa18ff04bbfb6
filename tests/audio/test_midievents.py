"""MIDI bytes → scheduled synth events: timing, kinds, presets, and malformed input."""

from __future__ import annotations

import io

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer.audio import fluid
from composer.audio.midievents import read_midi_events
from composer.errors import InputError

from .midi_helpers import build_midi

SR = 44100
SONG = build_midi(
    [(0, 60, 0.0, 1.0, 90), (1, 64, 0.5, 1.0, 80), (9, 36, 1.0, 0.5, 100)],
    programs={0: 0, 1: 40},
    extra=[
        (0.25, mido.Message("pitchwheel", channel=0, pitch=-8192)),
        (0.25, mido.Message("control_change", channel=0, control=64, value=127)),
        (0.5, mido.Message("aftertouch", channel=1, value=50)),
        (0.5, mido.Message("polytouch", channel=1, note=64, value=30)),
    ],
    midi_type=1,
)


def test_events_are_time_ordered_on_block_boundaries() -> None:
    score = read_midi_events(SONG, SR)
    frames = [e[0] for e in score.events]
    assert frames == sorted(frames)
    assert all(f % fluid.BLOCK == 0 for f in frames)
    assert score.end_s == pytest.approx(0.75)  # last note off at beat 1.5 (120 BPM)
    kinds = {e[1] for e in score.events}
    assert kinds == {
        fluid.PROGRAM, fluid.NOTE_ON, fluid.NOTE_OFF, fluid.CONTROL, fluid.PITCH_BEND,
        fluid.CHANNEL_PRESSURE, fluid.KEY_PRESSURE,
    }  # fmt: skip
    bend = next(e for e in score.events if e[1] == fluid.PITCH_BEND)
    assert bend[2:4] == (0, 0)  # -8192 → 0 (fluidsynth's 0..16383)
    assert abs(bend[0] - 0.125 * SR) <= fluid.BLOCK / 2


def test_presets_and_chorus_controls() -> None:
    score = read_midi_events(SONG, SR)
    assert score.presets == frozenset({(0, 0), (0, 40), (128, 0)})
    assert not score.chorus_controls
    chorus = build_midi(
        [(0, 60, 0.0, 1.0, 90)], extra=[(0.0, mido.Message("control_change", control=93, value=40))]
    )
    assert read_midi_events(chorus, SR).chorus_controls
    zero_bank = build_midi(
        [(0, 60, 0.0, 1.0, 90)], extra=[(0.0, mido.Message("control_change", control=0, value=0))]
    )
    assert not read_midi_events(zero_bank, SR).chorus_controls


def test_program_changes_mid_song_are_all_presets() -> None:
    switch = (1.0, mido.Message("program_change", channel=0, program=73))
    score = read_midi_events(
        build_midi([(0, 60, 0.0, 0.5, 90), (0, 62, 2.0, 0.5, 90)], extra=[switch]), SR
    )
    assert score.presets == frozenset({(0, 0), (0, 73)})


def test_type_2_tracks_play_together() -> None:
    mid = mido.MidiFile(type=2, ticks_per_beat=480)
    for pitch in (60, 67):
        mid.tracks.append(
            mido.MidiTrack(
                [
                    mido.Message("note_on", note=pitch, velocity=90),
                    mido.Message("note_off", note=pitch, time=480),
                ]
            )
        )
    buffer = io.BytesIO()
    mid.save(file=buffer)
    score = read_midi_events(buffer.getvalue(), SR)
    assert score.end_s == pytest.approx(0.5)
    assert sum(1 for e in score.events if e[1] == fluid.NOTE_ON) == 2


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_corrupted_files_are_input_errors_or_parse(data: st.DataObject) -> None:
    raw = bytearray(SONG)
    for _ in range(data.draw(st.integers(1, 5))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["set", "cut", "insert"]))
        if action == "set":
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 8))]
        else:
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    try:
        score = read_midi_events(bytes(raw), SR)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert score.end_s >= 0.0
        assert all(0 <= e[2] < 16 for e in score.events)
