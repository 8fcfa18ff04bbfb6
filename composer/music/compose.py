"""Mood → Song: the composer.

Step by step, ``compose`` does what a songwriter would:

1. read the cues for the whole conversation (mode, tempo, metre, key) from the mood table;
2. plan the form: intro, sections that follow the conversation's arc, a coda;
3. write one theme motif and one motif per speaker;
4. for every 4-bar phrase: a progression ending in a half or full cadence, a melody that
   states, sequences and develops a motif, and an accompaniment figure voice-led bar to bar;
5. shape dynamics by phrase (rise to the phrase's middle, relax into the cadence);
6. orchestrate for the chosen style and add sustain pedal to piano parts.

Everything random comes from named sub-streams of the seed, so the same input and seed
always give the same score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from composer.chat.model import Chat
from composer.errors import OptionError
from composer.mood.model import Mood
from composer.music import accompaniment, form, harmony, mapping, melody, motifs
from composer.music.model import Chord, Key, Note, Section, Song, SpeakerMotif
from composer.music.orchestra import STYLES, Lines, orchestrate

MIN_LENGTH_S, MAX_LENGTH_S = 10.0, 600.0
DEVELOPMENTS = ("invert", "diminish", "augment")


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


def section_key(home: Key, valence: float, is_arc: bool) -> Key:
    """A section moves to the relative key when its mood has crossed to the other mode."""
    if home.is_major and valence < -0.1 and is_arc:
        return mapping.relative_key(home)
    if not home.is_major and valence > 0.1 and is_arc:
        return mapping.relative_key(home)
    return home


def compose(chat: Chat, mood: Mood, options: SongOptions) -> Song:
    """Compose a :class:`Song` for a conversation and its mood."""
    options.validate()
    seed = options.seed
    v = mood.valence if options.valence is None else options.valence
    a = mood.arousal if options.arousal is None else options.arousal
    d = mood.dominance

    # 1. Global cues: key, tempo and metre stay fixed for the whole song.
    home = mapping.cues(v, a, d)
    key = mapping.home_key(v, motifs.stable_int(seed, "key"))
    bar_beats = home.time_signature[0] * 4.0 / home.time_signature[1]

    # 2. Form.
    total = form.bars_for(options.length_s, home.tempo, bar_beats)
    plan = form.plan(mood, total, v, a)
    is_arc = len(mood.segments) > 1

    # 3. Motifs: one theme for the song, one signature per speaker.
    theme = motifs.theme(motifs.sub_rng(seed, "theme"), home.melody_step, bar_beats)
    texts: dict[str, list[str]] = {}
    for m in chat.messages:
        texts.setdefault(m.speaker, []).append(m.text)
    signature = {name: motifs.speaker_motif(name, texts[name], bar_beats) for name in texts}
    shares = {s.name: s.share for s in mood.speakers}
    featured = sorted(signature, key=lambda n: (-shares.get(n, 0.0), n))[:6]
    appearances: dict[str, list[tuple[str, int]]] = {n: [] for n in signature}

    lines = Lines()
    sections: list[Section] = []
    chords: list[Chord] = []
    bar = 0
    voicing: tuple[int, ...] = ()
    prog_rng = motifs.sub_rng(seed, "harmony")
    dev_rng = motifs.sub_rng(seed, "develop")
    for s in plan:
        cues = mapping.cues(s.valence, s.arousal, s.dominance)
        skey = section_key(key, s.valence, is_arc)
        if s.role in ("intro",):
            skey = key
        if s.role == "coda":
            skey = sections[-1].key if is_arc else key
        centre = cues.melody_centre + (3 if s.role == "climax" else 0)
        voice = melody.Voice(centre)
        vel = cues.velocity + (8 if s.role == "climax" else 0)
        sections.append(Section(s.name, bar + 1, s.bars, skey, round(s.valence, 3),
                                round(s.arousal, 3)))
        start = bar * bar_beats
        if s.role == "intro":
            degrees = [0, 3 if s.bars > 2 else 4, 0, 4][: s.bars]
        elif s.role == "coda":
            degrees = [4, 0]
        else:
            degrees = []
            for p in range(s.bars // 4):
                closing = p == s.bars // 4 - 1
                degrees += harmony.phrase_degrees(skey, "close" if closing else "open", prog_rng)
        bar_chords = []
        for i, deg in enumerate(degrees):
            at_cadence = i % 4 >= 2
            bar_chords.append(harmony.make_chord(skey, deg, start + i * bar_beats, bar_beats,
                                                 cues.colour, at_cadence))
        chords += bar_chords

        # Accompaniment, bass and pads: bar by bar.
        for i, ch in enumerate(bar_chords):
            t = start + i * bar_beats
            fig = "sustained" if s.role == "coda" and i == len(bar_chords) - 1 else cues.figure
            notes, voicing = accompaniment.figure_bar(fig, ch, t, bar_beats, voicing, vel - 14)
            lines.accompaniment += notes
            nxt = bar_chords[i + 1].root if i + 1 < len(bar_chords) else None
            lines.bass += accompaniment.bass_bar(ch, nxt, cues.bass_motion, t, bar_beats, vel - 6)
            lines.chords.append((ch, cues.figure != "driving"))

        # Melody.
        if s.role == "intro":
            cast = featured[: s.bars] if featured else []
            for i, name in enumerate(cast):
                notes, _ = melody.realise(signature[name], skey, bar_chords[i], 4, start + i *
                                          bar_beats, bar_beats, melody.Voice(centre + 5))
                lines.add_melody(notes, vel - 12, cues.articulation)
                appearances[name].append((s.name, bar + i + 1))
        elif s.role == "coda":
            last_chord, tonic_chord = bar_chords
            notes, last = melody.realise(theme[:2] + ((0, bar_beats - sum(x for _, x in theme[:2])),),
                                         skey, last_chord, 4, start, bar_beats, voice)
            notes += melody.cadence_bar(skey, tonic_chord, last, True, start + bar_beats,
                                        bar_beats, home.melody_step, voice)[0]
            lines.add_melody(notes, vel - 6, 1.0)
        else:
            base_motif = theme if s.role != "contrast" else motifs.invert(theme)
            if s.arousal > a + 0.2:
                base_motif = motifs.diminish_rhythm(base_motif, bar_beats)
            elif s.arousal < a - 0.2:
                base_motif = motifs.augment_rhythm(base_motif, bar_beats)
            who = s.speaker if s.speaker in signature and s.speaker in featured else None
            for p in range(s.bars // 4):
                closing = p == s.bars // 4 - 1
                # The featured speaker opens the section; the theme answers.
                motif = signature[who] if who and p == 0 else base_motif
                if who and p == 0:
                    appearances[who].append((s.name, bar + 4 * p + 1))
                develop = DEVELOPMENTS[(p + dev_rng.randrange(3)) % 3]
                notes, _ = melody.phrase(skey, bar_chords[4 * p: 4 * p + 4], motif, develop,
                                         closing, 4, start + 4 * p * bar_beats, bar_beats,
                                         cues.melody_step, voice)
                lines.add_phrase(notes, vel, cues.velocity_range, cues.articulation)
        bar += s.bars

    # Every featured speaker is heard at least twice: answer in the inner voice if needed.
    answer_bars = [c for c in chords if c.start >= plan[0].bars * bar_beats]
    for k, name in enumerate(featured):
        while len(appearances[name]) < 2 and answer_bars:
            ch = answer_bars[(5 * k + 2 * len(appearances[name]) + 1) % len(answer_bars)]
            bar_no = int(ch.start // bar_beats) + 1
            sec = next(x for x in reversed(sections) if x.start_bar <= bar_no)
            notes, _ = melody.realise(signature[name], sec.key, ch, 2, ch.start, bar_beats,
                                      melody.Voice(60, 6))
            lines.counter += [Note(n.pitch, n.start, n.duration, 52) for n in notes]
            appearances[name].append((sec.name, bar_no))

    parts = orchestrate(options.style, lines, bar_beats,
                        motifs.sub_rng(seed, "humanize") if options.humanize else None)
    speakers = tuple(
        SpeakerMotif(n, signature[n], tuple(sorted(appearances[n], key=lambda x: x[1])))
        for n in signature
    )
    return Song(
        title=options.title,
        key=key,
        tempo=home.tempo,
        time_signature=home.time_signature,
        sections=tuple(sections),
        chords=tuple(chords),
        parts=parts,
        speakers=speakers,
        seed=seed,
        style=options.style,
    )
