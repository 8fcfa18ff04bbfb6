"""Song → Standard MIDI File bytes, ready for a DAW or a notation program.

Layout (type 1, 480 ticks per quarter note):

- track 0, the conductor: song title, tempo (the declared one first, then section
  tempi and the final ritardando), time signature, key signature (and key changes), a
  marker at every section and a cue marker naming the messages it comes from, chord
  symbols as text events;
- one track per part: name, key signature (notation programs read it per staff), GM
  program, volume and pan, notes, sustain pedal (CC64) for piano parts;
- every track ends with an end-of-track event.

The output is a pure function of the Song, so the same Song always gives the same bytes.
"""

from __future__ import annotations

import io

import mido

from composer.music.model import NOTE_NAMES, Key, Part, Song

TICKS_PER_BEAT = 480
PAN = {0: 64, 1: 64, 2: 40, 3: 64, 4: 88}  # by channel: strings left, pad right


def key_signature_name(key: Key) -> str:
    """mido's key name, e.g. ``"Em"``; modes other than major/minor use their relative
    major's signature (a dorian piece is written with the signature of its parent)."""
    from composer.music.model import MODES

    if key.mode in ("major", "minor"):
        return NOTE_NAMES[key.tonic] + ("m" if key.mode == "minor" else "")
    parent = (key.tonic - MODES[key.mode][0] - _mode_offset(key.mode)) % 12
    return NOTE_NAMES[parent]


def _mode_offset(mode: str) -> int:
    # Semitones from the parent major's tonic to the mode's tonic.
    return {"dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7}.get(mode, 0)


def _text(text: str) -> str:
    """MIDI text is Latin-1: keep what fits, replace the rest, and keep it short."""
    return text.encode("latin-1", "replace").decode("latin-1")[:120]


def _ticks(beats: float) -> int:
    return round(beats * TICKS_PER_BEAT)


def _track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    """Turn (absolute tick, order, message) triples into a delta-timed track."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    return track


def _conductor(song: Song) -> mido.MidiTrack:
    num, den = song.time_signature
    ev: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=_text(song.title))),
        (
            0,
            1,
            mido.MetaMessage(
                "time_signature",
                numerator=num,
                denominator=den,
                clocks_per_click=24,
                notated_32nd_notes_per_beat=8,
            ),
        ),
        (0, 2, mido.MetaMessage("key_signature", key=key_signature_name(song.key))),
        (0, 3, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(song.tempo))),
    ]
    current = song.key
    for s in song.sections:
        tick = _ticks((s.start_bar - 1) * song.beats_per_bar)
        ev.append((tick, 4, mido.MetaMessage("marker", text=_text(s.name))))
        if s.source:  # where in the chat the section comes from
            ev.append(
                (tick, 4, mido.MetaMessage("cue_marker", text=_text(f"{s.name}: {s.source}")))
            )
        if s.key != current:
            ev.append((tick, 5, mido.MetaMessage("key_signature", key=key_signature_name(s.key))))
            current = s.key
    for beat, bpm in song.tempo_changes:  # section tempi, then the final ritardando
        ev.append((_ticks(beat), 3, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))
    for c in song.chords:
        ev.append((_ticks(c.start), 6, mido.MetaMessage("text", text=c.symbol)))
    end = _ticks(song.duration_beats)
    track = _track(ev)
    last = sum(m.time for m in track)
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - last)))
    return track


def _part_track(part: Part, song: Song) -> mido.MidiTrack:
    ch = part.channel
    ev: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=_text(part.name))),
        (0, 1, mido.MetaMessage("key_signature", key=key_signature_name(song.key))),
        (0, 2, mido.Message("program_change", channel=ch, program=part.program)),
        (0, 3, mido.Message("control_change", channel=ch, control=7, value=100)),
        (0, 4, mido.Message("control_change", channel=ch, control=10, value=PAN.get(ch, 64))),
    ]
    # Order at one tick: pedal up (5), note offs (6), note ons (7), pedal down (8).
    for down, up in part.pedal:
        ev.append(
            (_ticks(down), 8, mido.Message("control_change", channel=ch, control=64, value=127))
        )
        ev.append((_ticks(up), 5, mido.Message("control_change", channel=ch, control=64, value=0)))
    for n in part.notes:
        on, off = _ticks(n.start), max(_ticks(n.start) + 1, _ticks(n.end))
        ev.append((on, 7, mido.Message("note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
        ev.append((off, 6, mido.Message("note_off", channel=ch, note=n.pitch, velocity=0)))
    track = _track(ev)
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def to_midi(song: Song) -> bytes:
    """Encode a Song as type-1 Standard MIDI File bytes."""
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(_conductor(song))
    for part in song.parts:
        mid.tracks.append(_part_track(part, song))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()
