"""The score data model (after pretty_midi's Song → Part → Note), in beats.

Times are in quarter-note beats from the start of the song; the tempo turns them into
seconds. Everything is frozen so a composed score can be shared and cached safely.
"""

from __future__ import annotations

from dataclasses import dataclass

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# Semitone steps of each mode from its tonic.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),  # natural minor (aeolian)
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}


@dataclass(frozen=True, slots=True)
class Key:
    """A tonic pitch class (0 = C) and a mode name from :data:`MODES`."""

    tonic: int
    mode: str

    @property
    def name(self) -> str:
        """E.g. ``"E minor"``, ``"D dorian"``."""
        return f"{NOTE_NAMES[self.tonic % 12]} {self.mode}"

    @property
    def is_major(self) -> bool:
        """Major-like modes (a major third above the tonic)."""
        return MODES[self.mode][2] == 4

    @property
    def scale(self) -> tuple[int, ...]:
        """Pitch classes of the scale, tonic first."""
        return tuple((self.tonic + s) % 12 for s in MODES[self.mode])


@dataclass(frozen=True, slots=True)
class Note:
    """One note: MIDI pitch, start and duration in beats, velocity 1..127."""

    pitch: int
    start: float
    duration: float
    velocity: int

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Part:
    """One instrument's line.

    Attributes
    ----------
    name : str
        Track name shown in a DAW (``"Piano RH"``, ``"Strings"``...).
    program : int
        General MIDI program 0..127.
    channel : int
        MIDI channel 0..15 (9 is drums).
    notes : tuple of Note
        Sorted by start, then pitch.
    pedal : tuple of (float, float)
        Sustain-pedal (CC64) down/up spans in beats; empty for non-piano parts.
    """

    name: str
    program: int
    channel: int
    notes: tuple[Note, ...]
    pedal: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord symbol at a time: ``symbol`` like ``"Em7"``, root pitch class, chord tones."""

    start: float
    duration: float
    symbol: str
    root: int
    pitch_classes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A formal section (intro, A, B, A′, coda...)."""

    name: str
    start_bar: int
    bars: int
    key: Key
    valence: float
    arousal: float
    role: str = ""  # "intro", "theme", "contrast", "climax", "coda"
    figure: str = ""  # the left-hand texture
    tempo: int = 0  # beats per minute in this section (0: the song's tempo)
    source: str = ""  # where in the chat it comes from, e.g. "messages 4-9 (Ana)"


@dataclass(frozen=True, slots=True)
class TimelineBar:
    """One bar of the song and the chat messages (0-based indices) it was made from."""

    bar: int
    section: str
    messages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SpeakerMotif:
    """A chat participant's musical signature and where it sounds.

    ``motif`` is a list of (scale-degree step, duration in beats) pairs; ``appearances``
    lists (section name, bar) pairs where it is played.
    """

    name: str
    motif: tuple[tuple[int, float], ...]
    appearances: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Song:
    """A complete score: everything needed to write MIDI and render audio."""

    title: str
    key: Key
    tempo: int  # beats (quarter notes) per minute
    time_signature: tuple[int, int]
    sections: tuple[Section, ...]
    chords: tuple[Chord, ...]
    parts: tuple[Part, ...]
    speakers: tuple[SpeakerMotif, ...]
    seed: int
    style: str
    tempo_changes: tuple[tuple[float, float], ...] = ()  # (beat, bpm) after the start
    timeline: tuple[TimelineBar, ...] = ()
    colour: str = ""  # the modal colour (mapping.COLOURS)

    @property
    def beats_per_bar(self) -> float:
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.sections)

    @property
    def duration_beats(self) -> float:
        return self.bars * self.beats_per_bar

    def seconds(self, beat: float) -> float:
        """The time in seconds of a beat, through the tempo changes (a ritardando)."""
        out, t, bpm = 0.0, 0.0, float(self.tempo)
        for at, new in self.tempo_changes:
            if at >= beat:
                break
            out += (at - t) * 60.0 / bpm
            t, bpm = at, new
        return out + (beat - t) * 60.0 / bpm

    @property
    def duration_s(self) -> float:
        """Length of the score in seconds, without release tail."""
        return self.seconds(self.duration_beats)
