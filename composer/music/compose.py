"""Mood → Song: the composer.

Step by step, ``compose`` does what a songwriter would:

1. read the cues for the whole conversation (mode, tempo, metre, key) from the mood table;
   in a conversation that changes mood, the home key's mode is the mood it ends in;
2. plan the form: intro, sections that follow the conversation's arc (or A–A–B–A for one
   mood), a coda;
3. write one theme motif and one motif per speaker; a section that a speaker dominates
   is built on their motif;
4. for every section: a period of 4-bar phrases (half cadence, then authentic cadence) in
   the section's key, a melody that states, repeats and develops the motif, and an
   accompaniment figure voice-led chord to chord. A section that returns (A′) brings
   back the same material; the climax section rises to the song's highest note;
5. shape dynamics by phrase (rise to the phrase's middle, relax into the cadence);
6. let every featured speaker be heard at least twice (an inner-voice answer under a
   tone the melody holds at a cadence, if the intro and their sections were not enough);
7. orchestrate for the chosen style and add sustain pedal to piano parts.

Everything random comes from named sub-streams of the seed, so the same input and seed
always give the same score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from composer.chat.model import Chat
from composer.errors import OptionError
from composer.mood.model import Mood
from composer.music import accompaniment, form, harmony, mapping, melody, motifs, theory
from composer.music.mapping import Cues
from composer.music.model import Chord, Key, Note, Section, Song, SpeakerMotif
from composer.music.motifs import Motif
from composer.music.orchestra import STYLES, Lines, orchestrate

MIN_LENGTH_S, MAX_LENGTH_S = 10.0, 600.0
MAX_FEATURED = 6
FILLED = ("broken", "driving")  # figures that walk into the next phrase
CONTRAST_LIFT = 2  # a contrasting section states the opening call a third or so higher


@dataclass(frozen=True, slots=True)
class SongOptions:
    """What the user may choose. ``valence``/``arousal`` override the analysed mood."""

    seed: int = 0
    length_s: float = 90.0
    style: str = "photograph"
    valence: float | None = None
    arousal: float | None = None
    humanize: bool = False
    title: str = "Photograph"

    def validate(self) -> None:
        """Raise :class:`OptionError` for values out of range."""
        if self.style not in STYLES:
            raise OptionError(f"unknown style {self.style!r}; choose one of: {', '.join(STYLES)}")
        if not MIN_LENGTH_S <= self.length_s <= MAX_LENGTH_S:
            raise OptionError(f"length must be {MIN_LENGTH_S:g}..{MAX_LENGTH_S:g} seconds")
        for name in ("valence", "arousal"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise OptionError(f"{name} must be between -1 and 1")


def section_key(home: Key, valence: float, is_arc: bool, role: str, contrast: str) -> Key:
    """The key of a section.

    In a conversation that changes mood, a section moves to the relative key when its
    mood has crossed to the other mode; in a one-mood song, a contrasting (B) section
    goes where ``contrast`` says (the mood table's cue for the first B, "home" after).
    """
    if role in ("intro", "coda"):
        return home
    if is_arc:
        # A small margin against flicker; small because the trained reader's valences are
        # compressed like the human ratings it learned from (a quarrel reads ≈ -0.1..-0.3).
        if (home.is_major and valence < -0.05) or (not home.is_major and valence > 0.05):
            return mapping.relative_key(home)
        return home
    if role == "contrast" and contrast == "relative":
        return mapping.relative_key(home)
    return home


@dataclass(slots=True)
class _Score:
    """Everything written so far (mutable while composing)."""

    bar_beats: float
    lines: Lines = field(default_factory=Lines)
    sections: list[Section] = field(default_factory=list)
    chords: list[Chord] = field(default_factory=list)
    appearances: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    answer_slots: list[tuple[str, int, melody.Harmony, float]] = field(default_factory=list)
    voicing: tuple[int, ...] = ()

    def accompany(
        self,
        chords: list[Chord],
        cues: Cues,
        velocity: int,
        scale: tuple[int, ...],
        final: bool = False,
        following: int | None = None,
    ) -> None:
        """Left-hand figure, bass line and pedal under the chords; a fill into the next
        phrase at every phrase end (``following``: the root after the last chord)."""
        origin = chords[0].start
        for i, ch in enumerate(chords):
            last = final and i == len(chords) - 1
            fig = "sustained" if last else cues.figure
            nxt = chords[i + 1].root if i + 1 < len(chords) else following
            bar_no = (ch.start - origin) / self.bar_beats
            phrase_end = abs(bar_no % 4 - 3) < 1e-9 or (i == len(chords) - 1 and not final)
            fill = nxt if phrase_end and fig in FILLED and nxt is not None else None
            notes, self.voicing = accompaniment.figure_span(
                fig, ch, ch.start, ch.duration, self.voicing, velocity - 14, fill, scale
            )
            self.lines.accompaniment += notes
            motion = "pedal" if last else cues.bass_motion
            self.lines.bass += accompaniment.bass_span(
                ch, nxt, motion, ch.start, ch.duration, velocity - 6, scale
            )
            self.lines.chords.append((ch, fig != "driving"))


def _featured(chat: Chat, mood: Mood, bar_beats: float) -> tuple[dict[str, Motif], list[str]]:
    """Every speaker's motif, and the speakers to feature (largest share first)."""
    texts: dict[str, list[str]] = {}
    for m in chat.messages:
        texts.setdefault(m.speaker, []).append(m.text)
    signature = {name: motifs.speaker_motif(name, texts[name], bar_beats) for name in texts}
    shares = {s.name: s.share for s in mood.speakers}
    featured = sorted(signature, key=lambda n: (-shares.get(n, 0.0), n))[:MAX_FEATURED]
    return signature, featured


def compose(chat: Chat, mood: Mood, options: SongOptions) -> Song:
    """Compose a :class:`Song` for a conversation and its mood."""
    options.validate()
    seed = options.seed
    v = mood.valence if options.valence is None else options.valence
    a = mood.arousal if options.arousal is None else options.arousal
    d = mood.dominance
    is_arc = len(mood.segments) > 1

    # 1. Global cues: key, tempo and metre stay fixed for the whole song. The home mode
    #    is the mood the conversation ends in (it goes home at the end).
    home = mapping.cues(v, a, d)
    end_v = mood.segments[-1].vad.valence + (v - mood.valence) if is_arc else v
    key = mapping.home_key(end_v if (end_v >= 0) != (v >= 0) else v, motifs.stable_int(seed, "key"))
    bar_beats = home.time_signature[0] * 4.0 / home.time_signature[1]

    # 2. Form.
    total = form.bars_for(options.length_s, home.tempo, bar_beats)
    plan = form.plan(mood, total, v, a, home.section_bars)

    # 3. Motifs: one theme for the song, one signature per speaker.
    theme = motifs.theme(motifs.sub_rng(seed, "theme"), home.melody_step, bar_beats, home.contour)
    signature, featured = _featured(chat, mood, bar_beats)
    score = _Score(bar_beats, appearances={n: [] for n in signature})
    body = [s for s in plan if s.role not in ("intro", "coda")]
    opener = body[0].speaker if body and body[0].speaker in featured else None
    main = signature[opener] if opener else theme
    material: dict[str, Cues] = {}
    returns: dict[str, int] = {}
    previews: dict[str, int] = {}  # speaker → degree the intro stated their motif from
    opening: tuple[Key, int, tuple[int, ...]] | None = None  # key, degree, intervals of A's call

    # only the first contrast visits the relative key: later ones stay home, so that the
    # home key keeps the upper hand however long the song is
    keys = [
        section_key(key, s.valence, is_arc, s.role, home.contrast if s.name == "B" else "home")
        for s in plan
    ]
    bar = 0
    for idx, s in enumerate(plan):
        cues = mapping.cues(s.valence, s.arousal, s.dominance)
        letter = s.name if s.role in ("intro", "coda") else s.name[0]
        mat = material.setdefault(letter, cues)
        skey = keys[idx]
        start = bar * bar_beats
        vel = cues.velocity + (8 if s.role == "climax" else 0)
        score.sections.append(
            Section(s.name, bar + 1, s.bars, skey, round(s.valence, 3), round(s.arousal, 3))
        )
        rng = motifs.sub_rng(seed, "harmony", letter)
        if s.role == "intro":
            slots = harmony.intro(skey, s.bars, bar_beats)
        elif s.role == "coda":
            slots = harmony.coda(bar_beats, rng, mat.brightness, skey)
        else:
            slots = harmony.period(skey, s.bars, mat.brightness, bar_beats, rng)
        chords = [
            harmony.make_chord(
                skey, sl.degree, start + sl.start, sl.beats, mat.colour, sl.cadential
            )
            for sl in slots
        ]
        score.chords += chords
        score.accompany(
            chords,
            cues,
            vel,
            skey.scale,
            final=s.role == "coda",
            following=keys[idx + 1].tonic if idx + 1 < len(plan) else None,
        )
        under = melody.Harmony(skey, tuple(chords), start)
        voice = melody.Voice(mat.melody_centre)
        if s.role == "intro":
            # each featured speaker in turn (a long intro leaves its last bar to the piano)
            # (a speaker heard again is heard at the same pitch: a preview, not a search)
            cast = [featured[i % len(featured)] for i in range(s.bars if s.bars < 4 else 3)]
            for i, name in enumerate(cast[: s.bars]):
                t = i * bar_beats
                if name in previews:
                    tones = melody.place(signature[name], previews[name], t)
                else:
                    tones = melody.statement(
                        signature[name], under, t, bar_beats, voice, mat.contour
                    )
                    previews[name] = tones[0].degree - signature[name][0][0]
                score.lines.add_melody(melody.pitches(tones, under), vel - 14, cues.articulation)
                score.appearances[name].append((s.name, bar + i + 1))
        elif s.role == "coda":
            # the main motif once more, lower and softer, then home
            # (the opening call itself an octave down, or where it was if that would sink
            # under the melody's register, when the coda is in its key)
            low = melody.Voice(voice.centre - 3, 5)
            if opening is not None and opening[0] == skey:
                down = melody.place(main, opening[1] - 7, 0.0)
                deep = min(n.pitch for n in melody.pitches(down, under)) < voice.centre - 12
                tones = melody.place(main, opening[1], 0.0) if deep else down
            else:
                tones = melody.statement(main, under, 0.0, bar_beats, low)
            tones += melody.cadence(
                under,
                tones[-1].degree,
                bar_beats,
                bar_beats,
                mat.melody_step,
                True,
                False,
                theory.nearest_degree(skey, low.centre + low.span),
            )
            score.lines.add_phrase(melody.pitches(tones, under), vel - 6, cues.velocity_range, 1.0)
        else:
            who = s.speaker if s.speaker in featured and s.role != "contrast" else None
            motif = signature[who] if who else main
            contrast = s.role == "contrast" and opening is not None and motif is main
            shape = melody.Shape(
                mat.melody_step,
                mat.contour,
                cues.suspension,
                s.role == "climax",
                mat.variety,
                returns.get(letter, 0),
                model=opening[2] if contrast and opening else None,
                lift=CONTRAST_LIFT if contrast else 0,
                sequence=contrast,
            )
            returns[letter] = returns.get(letter, 0) + 1
            per = melody.period(
                motif,
                under,
                s.bars,
                bar_beats,
                voice,
                motifs.sub_rng(seed, "melody", letter),
                shape,
            )
            for p in range(s.bars // 4):
                lo, hi = p * 4 * bar_beats, (p + 1) * 4 * bar_beats
                tones = [tn for tn in per.tones if lo <= tn.start < hi]
                score.lines.add_phrase(
                    melody.pitches(tones, under), vel, cues.velocity_range, cues.articulation
                )
            if opening is None and motif is main:
                call = [tn for tn in per.tones if tn.start < bar_beats]
                opening = (skey, call[0].degree - main[0][0], melody.intervals(call, under))
            if who:
                score.appearances[who] += [(s.name, bar + i + 1) for i in per.statements]
            for p in range(s.bars // 4):
                # the bars where the melody holds a cadence tone: room for an answer
                score.answer_slots.append((s.name, bar + 4 * p + 4, under, (4 * p + 3) * bar_beats))
        bar += s.bars

    _answers(score, featured, signature, home)
    score.lines.breath = (bar - 1) * bar_beats  # the start of the final bar
    parts = orchestrate(
        options.style,
        score.lines,
        bar_beats,
        motifs.sub_rng(seed, "humanize") if options.humanize else None,
    )
    speakers = tuple(
        SpeakerMotif(n, signature[n], tuple(sorted(score.appearances[n], key=lambda x: x[1])))
        for n in signature
    )
    return Song(
        title=options.title,
        key=key,
        tempo=home.tempo,
        time_signature=home.time_signature,
        sections=tuple(score.sections),
        chords=tuple(score.chords),
        parts=parts,
        speakers=speakers,
        seed=seed,
        style=options.style,
    )


def _answers(score: _Score, featured: list[str], signature: dict[str, Motif], home: Cues) -> None:
    """Every featured speaker is heard at least twice: an inner voice answers in a bar
    where the melody holds a cadence tone, a sixth or so below the melody's centre."""
    slots = list(score.answer_slots)
    inner = melody.Voice(home.melody_centre - 8, 5)
    for name in featured:
        while len(score.appearances[name]) < 2 and slots:
            sec, bar_no, under, t = slots.pop(0)
            tones = melody.statement(signature[name], under, t, score.bar_beats, inner)
            notes = melody.pitches(tones, under)
            score.lines.counter += [Note(n.pitch, n.start, n.duration, 50) for n in notes]
            score.appearances[name].append((sec, bar_no))
