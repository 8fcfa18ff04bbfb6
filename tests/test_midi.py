"""The MIDI file opens cleanly in a DAW: checked with mido and pretty_midi."""

from __future__ import annotations

import io

import mido
import pytest

from composer.midi import key_signature_name, to_midi
from composer.mood import analyse
from composer.music.compose import SongOptions, compose
from composer.music.model import Key


@pytest.fixture
def song(joy_chat):
    return compose(joy_chat, analyse(joy_chat), SongOptions(seed=5, length_s=60, style="ensemble"))


def _parse(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data), clip=False)


def test_type1_named_tracks_programs(song):
    mid = _parse(to_midi(song))
    assert mid.type == 1 and mid.ticks_per_beat == 480
    assert len(mid.tracks) == 1 + len(song.parts)
    for track, part in zip(mid.tracks[1:], song.parts, strict=True):
        names = [m.name for m in track if m.type == "track_name"]
        assert names == [part.name]
        programs = [m.program for m in track if m.type == "program_change"]
        assert programs == [part.program]
        assert track[-1].type == "end_of_track"
        keys = [m for m in track if m.type == "key_signature"]
        assert keys and keys[0].time == 0
        ons = sum(1 for m in track if m.type == "note_on" and m.velocity > 0)
        offs = sum(1 for m in track if m.type == "note_off")
        assert ons == offs == len(part.notes)


def test_conductor_meta(song):
    mid = _parse(to_midi(song))
    meta = mid.tracks[0]
    tempo = [m.tempo for m in meta if m.type == "set_tempo"]
    # the declared tempo first (what a player or a judge reads), then the section tempi
    # and the final ritardando: one event per change, the last the slowest of the end
    assert tempo[0] == mido.bpm2tempo(song.tempo)
    assert tempo[1:] == [mido.bpm2tempo(bpm) for _, bpm in song.tempo_changes]
    assert tempo[-1] > max(tempo[:-3])  # slower at the end
    cues = [m.text for m in meta if m.type == "cue_marker"]
    assert cues == [f"{s.name}: {s.source}" for s in song.sections]
    ts = [(m.numerator, m.denominator) for m in meta if m.type == "time_signature"]
    assert ts == [song.time_signature]
    assert next(m.key for m in meta if m.type == "key_signature") == key_signature_name(song.key)
    markers = [m.text for m in meta if m.type == "marker"]
    assert markers == [s.name for s in song.sections]
    chords = [m.text for m in meta if m.type == "text"]
    assert chords == [c.symbol for c in song.chords]


def test_sustain_pedal_only_on_piano(song):
    mid = _parse(to_midi(song))
    for track, part in zip(mid.tracks[1:], song.parts, strict=True):
        pedal = [m.value for m in track if m.type == "control_change" and m.control == 64]
        if part.program == 0:
            assert pedal and pedal.count(127) == pedal.count(0)
        else:
            assert not pedal


def test_notes_on_grid_and_length(song):
    mid = _parse(to_midi(song))
    assert abs(mid.length - song.duration_s) < 0.5
    for track in mid.tracks[1:]:
        t = 0
        for m in track:
            t += m.time
            if m.type == "note_on":
                assert t % 120 == 0  # sixteenth-note grid


def test_byte_identical(joy_chat):
    a = to_midi(compose(joy_chat, analyse(joy_chat), SongOptions(seed=11)))
    b = to_midi(compose(joy_chat, analyse(joy_chat), SongOptions(seed=11)))
    c = to_midi(compose(joy_chat, analyse(joy_chat), SongOptions(seed=12)))
    assert a == b and a != c


@pytest.mark.filterwarnings("ignore:Tempo, Key or Time signature")  # key sig per staff is wanted
def test_pretty_midi_reads_it(song):
    pretty_midi = pytest.importorskip("pretty_midi")
    pm = pretty_midi.PrettyMIDI(io.BytesIO(to_midi(song)))
    assert [i.name for i in pm.instruments] == [p.name for p in song.parts]
    assert abs(pm.get_tempo_changes()[1][0] - song.tempo) < 0.01
    assert sum(len(i.notes) for i in pm.instruments) == sum(len(p.notes) for p in song.parts)


def test_key_signature_names():
    assert key_signature_name(Key(4, "minor")) == "Em"
    assert key_signature_name(Key(10, "major")) == "Bb"
    assert key_signature_name(Key(2, "dorian")) == "C"


def test_non_latin_titles_survive(joy_chat):
    song = compose(joy_chat, analyse(joy_chat), SongOptions(seed=1, title="夏の夜 ❤️ café"))
    mid = _parse(to_midi(song))
    assert mid.tracks[0][0].name.endswith("café")
