"""Song → MusicXML bytes (``--musicxml``), built with music21 (imported here only).

Layout: the piano (the parts on GM program 0, right hand then left hand) is a grand staff
- two ``PartStaff`` objects joined by a brace ``StaffGroup``, treble and bass clef - and
every other instrument is its own part. The first bar carries the key and time
signatures and the tempo; every section starts with a rehearsal mark (and a key
signature when the key changes); chord symbols sit above the top staff.

Notes are written as the composer meant them, not as performed: onsets on the sixteenth
grid, durations rounded up to the next sixteenth (articulation shortens the MIDI notes,
not the written values). Notes that start together with the same written length form a
chord; overlapping lines go into separate voices; notes crossing a bar line are tied.
Two notes of one staff on the same pitch and onset are written once. The output is a pure
function of the Song (fixed part ids, no export date).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from composer.music.model import Key, Note, Part, Song

GRID = 0.25  # a sixteenth, in quarter-note beats
FLAT_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
PIANO = 0


@dataclass(frozen=True, slots=True)
class _Event:
    """A chord (or single note) of one voice: start, written length, pitches."""

    start: float
    beats: float
    pitches: tuple[int, ...]


def _grid(x: float) -> float:
    return round(x / GRID) * GRID


def _written(notes: tuple[Note, ...]) -> list[_Event]:
    """Notes on the grid, grouped into chords by (start, written length)."""
    longest: dict[tuple[float, int], float] = {}
    for n in notes:
        start = _grid(n.start)
        beats = max(GRID, math.ceil((n.end - start) / GRID - 1e-6) * GRID)
        slot = (start, n.pitch)
        longest[slot] = max(longest.get(slot, 0.0), beats)
    groups: dict[tuple[float, float], list[int]] = {}
    for (start, pitch), beats in longest.items():
        groups.setdefault((start, beats), []).append(pitch)
    return [_Event(s, b, tuple(sorted(ps))) for (s, b), ps in sorted(groups.items())]


def _voices(events: list[_Event]) -> list[list[_Event]]:
    """Assign events to voices so that no voice overlaps itself (higher lines first)."""
    voices: list[list[_Event]] = []
    for ev in sorted(events, key=lambda e: (e.start, -max(e.pitches), -e.beats)):
        for v in voices:
            last = v[-1]
            if last.start + last.beats <= ev.start + 1e-9:
                v.append(ev)
                break
        else:
            voices.append([ev])
    return voices


def _spell(m21: Any, midi: int, key: Key) -> Any:
    """A pitch spelled with flats in flat keys."""
    p = m21.pitch.Pitch(midi=midi)
    if _sharps(key) < 0 and p.accidental is not None and p.accidental.alter > 0:
        p = p.getEnharmonic()
    return p


def _sharps(key: Key) -> int:
    fifths = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 1: -5, 8: -4, 3: -3, 10: -2, 5: -1}
    from composer.music.model import MODES

    major_tonic = (key.tonic - MODES[key.mode][0]) % 12
    offset = {"major": 0, "minor": 9, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7}.get(
        key.mode, 0
    )
    return fifths[(major_tonic - offset) % 12]


def _m21_key(m21: Any, key: Key) -> Any:
    return m21.key.Key(
        FLAT_NAMES[key.tonic]
        if _sharps(key) < 0
        else ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")[key.tonic],
        key.mode,
    )


def _element(m21: Any, ev: _Event, beats: float, key: Key, tie: str | None) -> Any:
    if len(ev.pitches) == 1:
        el = m21.note.Note(_spell(m21, ev.pitches[0], key))
    else:
        el = m21.chord.Chord([_spell(m21, p, key) for p in ev.pitches])
    el.quarterLength = beats
    if tie:
        el.tie = m21.tie.Tie(tie)
    return el


def _fill_voice(
    m21: Any,
    container: Any,
    events: list[_Event],
    bar_start: float,
    bar_beats: float,
    key: Key,
    hidden_rests: bool,
) -> None:
    """Insert one voice's events (clipped to the bar, tied across bar lines) and rests."""
    now = bar_start
    bar_end = bar_start + bar_beats
    for ev in events:
        end = ev.start + ev.beats
        if end <= bar_start + 1e-9 or ev.start >= bar_end - 1e-9:
            continue
        lo, hi = max(ev.start, bar_start), min(end, bar_end)
        if lo > now + 1e-9:
            _rest(m21, container, now - bar_start, lo - now, hidden_rests)
        starts, ends = ev.start >= bar_start - 1e-9, end <= bar_end + 1e-9
        tie = (
            None if (starts and ends) else ("start" if starts else ("stop" if ends else "continue"))
        )
        container.insert(lo - bar_start, _element(m21, ev, hi - lo, key, tie))
        now = hi
    if now < bar_end - 1e-9:
        _rest(m21, container, now - bar_start, bar_end - now, hidden_rests)


def _rest(m21: Any, container: Any, offset: float, beats: float, hidden: bool) -> None:
    r = m21.note.Rest(quarterLength=beats)
    if hidden:
        r.style.hideObjectOnPrint = True
    container.insert(offset, r)


def _staff(
    m21: Any, cls: Any, part: Part, song: Song, clef: Any, top: bool, instrument: Any
) -> Any:
    """One staff (Part or PartStaff) with measures, signatures, marks and voices."""
    staff = cls()
    staff.partName = part.name
    staff.id = f"P{part.channel + 1}-{part.name.replace(' ', '')}"
    instrument.instrumentId = f"I{part.channel + 1}"
    instrument.partId = f"P{part.channel + 1}"
    instrument.midiChannel = part.channel
    instrument.midiProgram = part.program
    staff.insert(0, instrument)
    voices = _voices(_written(part.notes))
    bpb = song.beats_per_bar
    starts = {s.start_bar: s for s in song.sections}
    current = song.key
    chords_by_bar: dict[int, list[Any]] = {}
    for c in song.chords:
        chords_by_bar.setdefault(int(c.start // bpb), []).append(c)
    for b in range(song.bars):
        m = m21.stream.Measure(number=b + 1)
        if b == 0:
            m.insert(0, clef)
            m.insert(0, _m21_key(m21, song.key))
            m.insert(
                0, m21.meter.TimeSignature(f"{song.time_signature[0]}/{song.time_signature[1]}")
            )
            if top:
                m.insert(0, m21.tempo.MetronomeMark(number=song.tempo))
        section = starts.get(b + 1)
        if top and b > 0:
            _tempo_marks(m21, m, song, b)
        if section is not None:
            if section.key != current:
                m.insert(0, _m21_key(m21, section.key))
                current = section.key
            if top:
                m.insert(0, m21.expressions.RehearsalMark(section.name))
                if section.source:  # where in the chat this section comes from
                    m.insert(0, m21.expressions.TextExpression(section.source))
        if top:
            for c in chords_by_bar.get(b, []):
                m.insert(c.start - b * bpb, _chord_symbol(m21, c.symbol))
        active = [
            v
            for v in voices
            if any(e.start < (b + 1) * bpb and e.start + e.beats > b * bpb for e in v)
        ] or [[]]
        if len(active) == 1:
            _fill_voice(m21, m, active[0], b * bpb, bpb, current, False)
        else:
            for i, v in enumerate(active):
                voice = m21.stream.Voice(id=str(i + 1))
                _fill_voice(m21, voice, v, b * bpb, bpb, current, i > 0)
                m.insert(0, voice)
        staff.append(m)
    return staff


def _chord_symbol(m21: Any, symbol: str) -> Any:
    """A music21 chord symbol from ours ("Bbmaj7" → "B-maj7", "Am(add9)" → "Amadd9")."""
    root = symbol[:2] if len(symbol) > 1 and symbol[1] in "#b" else symbol[:1]
    rest = symbol[len(root) :].replace("(add9)", "add9")
    return m21.harmony.ChordSymbol(root.replace("b", "-") + rest)


def to_musicxml(song: Song) -> bytes:
    """Encode a Song as an uncompressed MusicXML (partwise) document."""
    import music21 as m21
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    score = m21.stream.Score()
    score.insert(0, m21.metadata.Metadata(title=song.title, composer="Photograph"))
    piano = [p for p in song.parts if p.program == PIANO]
    others = [p for p in song.parts if p.program != PIANO]
    top = True
    if piano:
        staves = []
        for i, part in enumerate(piano[:2]):
            clef = m21.clef.TrebleClef() if i == 0 else m21.clef.BassClef()
            staves.append(
                _staff(m21, m21.stream.PartStaff, part, song, clef, top, m21.instrument.Piano())
            )
            top = False
        for staff in staves:
            score.insert(0, staff)
        score.insert(
            0,
            m21.layout.StaffGroup(
                staves, name="Piano", abbreviation="Pno.", symbol="brace", barTogether=True
            ),
        )
    for part in others:
        mean = sum(n.pitch for n in part.notes) / max(1, len(part.notes))
        clef = m21.clef.BassClef() if mean < 57 else m21.clef.TrebleClef()
        inst = m21.instrument.instrumentFromMidiProgram(part.program)
        score.insert(0, _staff(m21, m21.stream.Part, part, song, clef, top, inst))
        top = False
    data = GeneralObjectExporter(score).parse()
    # the same Song always gives the same bytes: drop the export date
    return re.sub(rb"\s*<encoding-date>[^<]*</encoding-date>", b"", bytes(data))


def _tempo_marks(m21: Any, m: Any, song: Song, b: int) -> None:
    """A metronome mark where a section changes tempo, "rit." where the ending slows."""
    bpb = song.beats_per_bar
    changes = song.tempo_changes
    for i, (at, bpm) in enumerate(changes):
        if not b * bpb <= at < (b + 1) * bpb:
            continue
        earlier = changes[i - 1][1] if i else song.tempo
        if at == b * bpb and bpm == round(bpm):
            m.insert(0, m21.tempo.MetronomeMark(number=round(bpm)))
        elif bpm < earlier and (i == 0 or changes[i - 1][0] < at - 1 or earlier == round(earlier)):
            m.insert(at - b * bpb, m21.expressions.TextExpression("rit."))
            return
