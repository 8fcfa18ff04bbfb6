"""The live composer's phrases: chords and melody of four bars, and the final cadence.

:mod:`composer.music.live` decides *when* (phrase boundaries, the mood of the moment,
mode changes); this module writes *what* a phrase holds, with the batch composer's own
tools: :func:`composer.music.harmony.period` for the chords (a half cadence on V for an
antecedent, an authentic cadence for a consequent), :func:`composer.music.phrase.period`
for the melody (call, answer, line, cadence on the leading speaker's motif), and
:func:`composer.music.melody.statement` for a motif entering in an inner voice.
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.music import harmony, mapping, melody, motifs, phrase, theory
from composer.music.mapping import Cues
from composer.music.melody import Harmony
from composer.music.model import Chord, Key, Note
from composer.music.motifs import Motif
from composer.music.orchestra import Lines

PHRASE_BARS = 4
LOWEST_CENTRE = 65  # the melody would sink into the left hand below this


@dataclass(frozen=True, slots=True)
class Phrase:
    """Four planned bars (or the final cadence's three).

    Attributes
    ----------
    index : int
        Phrase number from 0 (the final cadence takes the next number).
    start_bar : int
        Its first bar, 0-based.
    bars : int
        How many bars it lasts.
    key : Key
        Its key (a mode change starts a phrase).
    section : str
        The section it belongs to (``"intro"``, ``"A"``, ``"B′"``, ``"coda"`` ...).
    role : str
        ``"intro"``, ``"theme"``, ``"contrast"``, ``"climax"``, ``"interlude"``, ``"coda"``.
    chords : tuple of Chord
        Absolute times in beats.
    melody : tuple of Note
        The phrase's melody (already shaped: velocities and articulation).
    velocity : int
        The velocity the melody was shaped for (a later bar re-scales by its own).
    closing : bool
        Ends on the tonic (True) or on V, the pivot of a mode change (False).
    """

    index: int
    start_bar: int
    bars: int
    key: Key
    section: str
    role: str
    chords: tuple[Chord, ...]
    melody: tuple[Note, ...]
    velocity: int
    closing: bool

    def harmony(self, bar_beats: float) -> Harmony:
        """The phrase's chords as a :class:`composer.music.melody.Harmony`."""
        return melody.Harmony(self.key, self.chords, self.start_bar * bar_beats)

    def end_beat(self, bar_beats: float) -> float:
        return (self.start_bar + self.bars) * bar_beats


def chords_for(
    key: Key,
    role: str,
    start: float,
    bar_beats: float,
    cues: Cues,
    seed: int,
    index: int,
    closing: bool,
) -> tuple[Chord, ...]:
    """The chords of a four-bar phrase: the intro vamp (I vi ii V, i iv i V) or a
    period phrase in the mood's brightness and modal colour."""
    if role == "intro":
        slots = harmony.intro(key, PHRASE_BARS, bar_beats)
    else:
        rng = motifs.sub_rng(seed, "live-harmony", index)
        slots = harmony.period(
            key,
            PHRASE_BARS,
            cues.brightness,
            bar_beats,
            rng,
            closing=closing,
            colour=cues.mode_colour,
        )
    return tuple(
        harmony.make_chord(
            key, sl.degree, start + sl.start, sl.beats, cues.colour, sl.cadential, sl.borrow
        )
        for sl in slots
    )


def voice_for(cues: Cues, offset: int) -> melody.Voice:
    """Where the melody lives: the mood's register, moved by the leading speaker's."""
    return melody.Voice(max(LOWEST_CENTRE, cues.melody_centre + offset), 6)


def phrase_melody(
    motif: Motif,
    under: melody.Harmony,
    bar_beats: float,
    cues: Cues,
    voice: melody.Voice,
    *,
    seed: int,
    index: int,
    variation: int,
    closing: bool,
    climax: bool,
    sparse: bool,
) -> tuple[Note, ...]:
    """The phrase's melody: a period phrase on ``motif`` (call, answer, line, cadence),
    or with ``sparse`` (a vamp while nobody writes) the call alone in its first bar."""
    lines = Lines()
    vel = cues.velocity + (8 if climax else 0)
    if sparse:
        tones = melody.statement(motif, under, 0.0, bar_beats, voice, cues.contour)
        lines.add_phrase(melody.pitches(tones, under), vel - 10, cues.velocity_range, 1.0)
        return tuple(lines.melody)
    shape = phrase.Shape(
        cues.melody_step,
        cues.contour,
        cues.suspension,
        climax,
        cues.variety,
        variation,
        density=cues.density,
        closing=closing,
    )
    rng = motifs.sub_rng(seed, "live-melody", index)
    per = phrase.period(motif, under, PHRASE_BARS, bar_beats, voice, rng, shape)
    notes = melody.pitches(list(per.tones), under)
    lines.add_phrase(notes, vel, cues.velocity_range, cues.articulation)
    return tuple(lines.melody)


def final_cadence(
    key: Key, start_bar: int, bar_beats: float, cues: Cues, last_pitch: int | None, index: int
) -> tuple[Phrase, int]:
    """The ending: [ii V] (iv V in minor; V alone in 3/4) for a bar, then the tonic held
    for two bars, the melody falling 4̂–2̂–1̂ onto it. Returns the phrase and its end bar."""
    start = start_bar * bar_beats
    pre = 1 if key.is_major else 3
    slots = harmony.cadence(pre, start, bar_beats, 0)
    chords = [
        harmony.make_chord(key, sl.degree, sl.start, sl.beats, "plain", True) for sl in slots[:-1]
    ]
    tonic = harmony.make_chord(key, 0, start + bar_beats, 2 * bar_beats, "plain", True)
    chords.append(tonic)
    centre = last_pitch if last_pitch is not None else cues.melody_centre
    goal = min(
        (d for d in range(-14, 22) if d % 7 == 0),
        key=lambda d: (abs(theory.degree_pitch(key, d) - centre), d),
    )
    half = bar_beats / 2
    tones = [
        melody.Tone(goal + 3, 0.0, half),
        melody.Tone(goal + 1, half, bar_beats - half),
        melody.Tone(goal, bar_beats, 2 * bar_beats),
    ]
    under = melody.Harmony(key, tuple(chords), start)
    lines = Lines()
    lines.add_phrase(melody.pitches(tones, under), cues.velocity - 4, cues.velocity_range, 1.0)
    phrase_ = Phrase(
        index,
        start_bar,
        3,
        key,
        "coda",
        "coda",
        tuple(chords),
        tuple(lines.melody),
        cues.velocity,
        True,
    )
    return phrase_, start_bar + 3


def inner_motif(
    motif: Motif,
    under: melody.Harmony,
    at: float,
    bar_beats: float,
    centre: int,
    velocity: int,
    stop: float,
) -> list[Note]:
    """A speaker's motif entering at beat ``at`` in an inner voice (a sixth or so under
    the melody), cut at ``stop`` (the end of the planned harmony)."""
    voice = melody.Voice(centre - 8, 5)
    tones = melody.statement(motif, under, at - under.origin, bar_beats, voice)
    out = []
    for n in melody.pitches(tones, under):
        if n.start >= stop:
            break
        out.append(Note(n.pitch, n.start, min(n.duration, stop - n.start), velocity))
    return out


def ornament(chord: Chord, at: float, centre: int, velocity: int, bar_end: float) -> list[Note]:
    """A quick upward arpeggio of the chord's tones from the melody's centre (three
    sixteenths, the top held to the next beat): a nod, not a statement."""
    pcs = chord.pitch_classes[:3]
    tones = sorted(p for p in range(centre, centre + 13) if p % 12 in pcs)[:3]
    out = []
    for i, p in enumerate(tones):
        t = at + 0.25 * i
        if t >= bar_end:
            break
        dur = 0.25 if i < len(tones) - 1 else max(0.25, min(1.0 - 0.25 * i, bar_end - t))
        out.append(Note(p, t, dur, max(1, velocity - 6 + 4 * i)))
    return out


def section_name(
    letters: dict[str, tuple[float, float]], returns: dict[str, int], v: float, a: float
) -> str:
    """A section's name: the letter of an earlier section of a close mood (with a prime
    for each return), else the next letter."""
    close = [k for k, (sv, sa) in letters.items() if abs(sv - v) < 0.3 and abs(sa - a) < 0.35]
    if close:
        letter = close[0]
        returns[letter] = returns.get(letter, 0) + 1
        return letter + "′" * returns[letter]
    letter = chr(ord("A") + len(letters) % 26)
    letters[letter] = (v, a)
    return letter


def cues_for(v: float, a: float, d: float) -> Cues:
    """The mood table's cues (one place: :func:`composer.music.mapping.cues`)."""
    return mapping.cues(v, a, d)
