"""Mood → Song: the composer.

Step by step, ``compose`` does what a songwriter would:

1. read the cues for the whole conversation (mode, tempo, metre, key, modal colour) from
   the mood table; in a conversation that changes mood, the home key's mode is the mood
   it ends in;
2. plan the form: intro, sections that follow the conversation's arc (stretched to the
   chat's own range, the climax on its most intense stretch) or A–B–A′ for one mood, a
   coda;
3. write one theme motif and one motif per speaker; a section that a speaker dominates
   is built on their motif, in their register;
4. for every section (:func:`_intro`, :func:`_body`, :func:`_coda`): chords in the
   section's key and colour, a left-hand texture (the sections take the mood's textures
   in turn; a return grows an octave doubling), and the melody: the intro is a vamp of
   two bars before the speakers' motifs are previewed; a body section is a period
   (:mod:`composer.music.phrase`) whose cadences follow a plan (half cadences inside,
   one authentic cadence per period, a deceptive one before the climax); the coda
   combines the speakers' motifs over a tonic pedal and holds the tonic for two bars;
5. let every featured speaker be heard at least twice (an inner-voice answer under a
   tone the melody holds at a cadence);
6. write the tempo plan (section tempi in an arc, a final ritardando) and the timeline
   (which messages each bar comes from), orchestrate for the style.

Everything random comes from named sub-streams of the seed, so the same input and seed
always give the same score.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field

from composer.chat.model import Chat
from composer.mood.model import Mood
from composer.music import accompaniment, harmony, mapping, melody, motifs, phrase, theory, timeline
from composer.music import pace as pacing
from composer.music.form import PlannedSection, section_key
from composer.music.mapping import Cues
from composer.music.model import Chord, Key, Note, Section, Song, SpeakerMotif
from composer.music.motifs import Motif
from composer.music.options import MAX_LENGTH_S, MIN_LENGTH_S, SongOptions
from composer.music.orchestra import Lines, orchestrate
from composer.music.tempo import tempo_changes, tempo_of
from composer.music.texture import accompany

__all__ = ["MAX_LENGTH_S", "MIN_LENGTH_S", "SongOptions", "compose", "section_key"]

MAX_FEATURED = 6
CONTRAST_LIFT = 2  # a contrasting section states the opening call a third or so higher
REGISTER = (0, -3, 2, -5, 4, -2)  # melody centre offset of the 1st, 2nd … featured speaker
VAMP = 2  # bars of accompaniment before the melody enters
LOWEST_CENTRE = 65  # a melody centred lower would sink into the left hand
# (a falling line starts above its centre: its centre may sit a semitone lower)
SHORT_BOOST = 8  # bpm a very short song may gain so that its form fits


@dataclass(frozen=True, slots=True)
class _Plan:
    """The song-wide decisions every section reads."""

    seed: int
    bar_beats: float
    home: Cues
    is_arc: bool
    featured: tuple[str, ...]
    signature: dict[str, Motif]
    main: Motif
    sections: tuple[PlannedSection, ...]
    keys: tuple[Key, ...]
    paces: tuple[float, ...] = ()  # per section: -1 slow … +1 a burst (music/pace.py)


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
    line_rhythms: list[tuple[float, ...]] = field(default_factory=list)
    imitations: list[tuple[str, int, str]] = field(default_factory=list)  # section, bar, who
    material: dict[str, Cues] = field(default_factory=dict)
    returns: dict[str, int] = field(default_factory=dict)
    themes: dict[tuple[str, bool], tuple[tuple[Key, int, int, int, int], phrase.Period]] = field(
        default_factory=dict
    )
    opened: bool = False  # the last body section ended on a half cadence
    previews: dict[str, int] = field(default_factory=dict)

    def key_at(self, beat: float) -> Key:
        """The key of the section sounding at ``beat``."""
        bar = int(beat // self.bar_beats) + 1
        return [s for s in self.sections if s.start_bar <= bar][-1].key

    opening: tuple[Key, int, tuple[int, ...]] | None = None  # key, degree, intervals of A's call
    body_count: int = 0


def _featured(
    chat: Chat, mood: Mood, bar_beats: float, density: int
) -> tuple[dict[str, Motif], list[str]]:
    """Every speaker's motif, and the speakers to feature (largest share first)."""
    texts: dict[str, list[str]] = {}
    for m in chat.messages:
        texts.setdefault(m.speaker, []).append(m.text)
    signature = {n: motifs.speaker_motif(n, texts[n], bar_beats, density) for n in texts}
    shares = {s.name: s.share for s in mood.speakers}
    featured = sorted(signature, key=lambda n: (-shares.get(n, 0.0), n))[:MAX_FEATURED]
    return signature, featured


def compose(chat: Chat, mood: Mood, options: SongOptions) -> Song:
    """Compose a :class:`Song` for a conversation and its mood."""
    from composer.music import form

    options.validate()
    seed = options.seed
    v = mood.valence if options.valence is None else options.valence
    a = mood.arousal if options.arousal is None else options.arousal
    is_arc = len(mood.segments) > 1
    home = mapping.cues(v, a, mood.dominance)
    end_v = mood.segments[-1].vad.valence + (v - mood.valence) if is_arc else v
    key = mapping.home_key(end_v if (end_v >= 0) != (v >= 0) else v, motifs.stable_int(seed, "key"))
    bar_beats = home.time_signature[0] * 4.0 / home.time_signature[1]
    total = form.bars_for(options.length_s, home.tempo, bar_beats)
    sections = tuple(form.plan(mood, total, v, a, home.section_bars))
    # the smallest form (vamp, one phrase, a four-bar coda) is longer than a very short
    # song at a slow tempo: such a song moves a little faster (8 bpm at most)
    beats = sum(s.bars for s in sections) * bar_beats
    wanted = math.ceil(beats * 60.0 / options.length_s)
    if wanted > home.tempo * 1.1:
        home = dataclasses.replace(home, tempo=min(home.tempo + SHORT_BOOST, wanted))
    theme = motifs.theme(motifs.sub_rng(seed, "theme"), home.melody_step, bar_beats, home.contour)
    signature, featured = _featured(chat, mood, bar_beats, home.density)
    body = [s for s in sections if s.role not in ("intro", "coda")]
    opener = body[0].speaker if body and body[0].speaker in featured else None
    keys = [
        section_key(key, s.valence, is_arc, s.role, home.contrast if s.name == "B" else "home")
        for s in sections
    ]
    keys = form.lighten(keys, list(sections)) if is_arc else keys
    bars = timeline.bars(mood, sections)
    firsts = list(itertools.accumulate((s.bars for s in sections), initial=1))
    spans = [(f, s.bars) for f, s in zip(firsts, sections, strict=False)]
    plan = _Plan(
        seed,
        bar_beats,
        home,
        is_arc,
        tuple(featured),
        signature,
        signature[opener] if opener else theme,
        sections,
        tuple(keys),
        tuple(pacing.paces(chat, bars, spans)),
    )
    score = _Score(bar_beats, appearances={n: [] for n in signature})
    bar = 0
    for idx in range(len(sections)):
        _section(score, plan, idx=idx, bar=bar)
        bar += sections[idx].bars
    _answers(score, featured, signature, home)
    _imitate(score, plan)
    score.lines.melody = melody.smooth_joins(score.lines.melody, score.key_at)
    lines = score.lines
    lines.accompaniment = accompaniment.under_melody(lines.accompaniment, lines.melody)
    score.lines.breath = (bar - 2) * bar_beats  # the start of the held final tonic
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
        tempo=score.sections[0].tempo,
        time_signature=home.time_signature,
        sections=timeline.sourced(tuple(score.sections), bars, chat),
        chords=tuple(score.chords),
        parts=parts,
        speakers=speakers,
        seed=seed,
        style=options.style,
        tempo_changes=tempo_changes(score.sections, bar_beats),
        timeline=bars,
        colour=home.mode_colour,
    )


def _cadence_plan(plan: _Plan, idx: int) -> tuple[bool, bool]:
    """(closing, deceptive) for a section: short sections pair into periods (half
    cadence, then authentic) counted back from the last one, which closes home; one
    authentic cadence per eight bars (a period before a short closing section is
    interrupted, V–vi), and a deceptive cadence before the climax."""
    s = plan.sections[idx]
    after = [t for t in plan.sections[idx + 1 :] if t.role not in ("intro", "coda")]
    closing = s.bars >= 8 or len(after) % 2 == 0
    deceptive = (
        s.role != "intro"
        and bool(after)
        and (
            after[0].role == "climax" or (s.bars >= 8 and after[0].bars < 8 and len(after) % 2 == 1)
        )
    )
    return closing or deceptive, deceptive


def _section(score: _Score, plan: _Plan, *, idx: int, bar: int) -> None:
    """Chords, accompaniment and melody of one planned section."""
    s = plan.sections[idx]
    bb = plan.bar_beats
    cues = mapping.cues(s.valence, s.arousal, s.dominance)
    letter = s.name if s.role in ("intro", "coda") else s.name[0]
    mat = score.material.setdefault(letter, cues)
    skey = plan.keys[idx]
    start = bar * bb
    nxt = plan.sections[idx + 1] if idx + 1 < len(plan.sections) else None
    closing, deceptive = _cadence_plan(plan, idx)
    rng = motifs.sub_rng(plan.seed, "harmony", letter)
    if s.role == "intro":
        # the most intense stretch opens the chat: the vamp ends on a deceptive cadence
        into_climax = nxt is not None and nxt.role == "climax"
        slots = harmony.intro(skey, s.bars, bb, deceptive=into_climax)
        figure = cues.textures[0]
    elif s.role == "coda":
        slots = harmony.coda(s.bars, bb, plan.home.mode_colour, skey)
        figure = plan.home.textures[0]
    else:
        slots = harmony.period(
            skey,
            s.bars,
            mat.brightness,
            bb,
            rng,
            closing=closing,
            deceptive=deceptive,
            colour=mapping.mode_colour(s.valence),
        )
        figure = cues.textures[score.body_count % len(cues.textures)]
    colours = [mat.colour] * len(slots)
    if s.role == "coda":  # the final tonic: a consonant triad, or add9 when bright
        colours[-1] = "add9" if skey.is_major and mat.colour == "add9" else "plain"
    chords = [
        harmony.make_chord(skey, sl.degree, start + sl.start, sl.beats, c, sl.cadential, sl.borrow)
        for sl, c in zip(slots, colours, strict=True)
    ]
    score.chords += chords
    vel = cues.velocity + (8 if s.role == "climax" else 0)
    tempo = tempo_of(plan.home, plan.is_arc, s) if s.role != "coda" else score.sections[-1].tempo
    score.sections.append(
        Section(
            s.name,
            bar + 1,
            s.bars,
            skey,
            round(s.valence, 3),
            round(s.arousal, 3),
            s.role,
            figure,
            tempo,
        )
    )
    score.voicing = accompany(
        score.lines,
        chords,
        figure=figure,
        cues=cues,
        velocity=vel,
        scale=skey.scale,
        final=s.role == "coda",
        following=plan.keys[idx + 1].tonic if nxt else None,
        voicing=score.voicing,
        bar_beats=bb,
        grow=score.returns.get(letter, 0) > 0,
    )
    under = melody.Harmony(skey, tuple(chords), start)
    if s.role == "intro":
        _intro(score, plan, s=s, under=under, bar=bar, vel=vel, cues=cues, mat=mat)
    elif s.role == "coda":
        _coda(score, plan, s=s, under=under, bar=bar, vel=vel, cues=cues, mat=mat)
    else:
        _body(
            score, plan, s=s, under=under, bar=bar, vel=vel, cues=cues, mat=mat,
            letter=letter, closing=closing, pace=plan.paces[idx],
        )  # fmt: skip
        score.body_count += 1


def _intro(
    score: _Score, plan: _Plan, *, s: PlannedSection, under: melody.Harmony, bar: int,
    vel: int, cues: Cues, mat: Cues,
) -> None:  # fmt: skip
    """A vamp of :data:`VAMP` bars, then each featured speaker's motif previewed in turn
    (a speaker heard again is heard at the same pitch)."""
    voice = melody.Voice(mat.melody_centre, 5)  # under the climax: a preview, not a peak
    bb = plan.bar_beats
    for i in range(VAMP, s.bars):
        name = plan.featured[(i - VAMP) % len(plan.featured)]
        t = i * bb
        motif = plan.signature[name]
        if name in score.previews:
            tones = melody.place(motif, score.previews[name], t)
        else:
            tones = melody.statement(motif, under, t, bb, voice, mat.contour)
            score.previews[name] = tones[0].degree - motif[0][0]
        score.lines.add_melody(melody.pitches(tones, under), vel - 14, cues.articulation)
        score.appearances[name].append((s.name, bar + i + 1))


def _body(
    score: _Score, plan: _Plan, *, s: PlannedSection, under: melody.Harmony, bar: int,
    vel: int, cues: Cues, mat: Cues, letter: str, closing: bool, pace: float,
) -> None:  # fmt: skip
    """A period on the section's motif (its speaker's, or the song's main one); the
    pace of the messages it comes from moves its density and lets slow ones breathe."""
    bb = plan.bar_beats
    who = s.speaker if s.speaker in plan.featured and s.role != "contrast" else None
    offset = REGISTER[plan.featured.index(who)] if who and plan.is_arc else 0
    if plan.is_arc:  # an arc's sections keep the same tonic: register carries the mood
        offset += round(4 * s.valence)
    floor = LOWEST_CENTRE - (mat.contour < 0)
    voice = melody.Voice(max(floor, mat.melody_centre + offset), 6)
    motif = plan.signature[who] if who else plan.main
    contrast = s.role == "contrast" and score.opening is not None and motif is plan.main
    shape = phrase.Shape(
        mat.melody_step,
        mat.contour,
        cues.suspension,
        s.role == "climax",
        mat.variety,
        score.returns.get(letter, 0),
        model=score.opening[2] if contrast and score.opening else None,
        lift=CONTRAST_LIFT if contrast else 0,
        sequence=contrast,
        density=pacing.density(cues.density, pace),
        closing=closing,
        pace=(pace >= pacing.BURST) - (pace <= pacing.SLOW),
        heard=tuple(score.line_rhythms[-2:]),
    )
    # a return sings its first statement again, ornamented, where it can: same key,
    # length and cadence, and not slower (a slow stretch writes its own, longer notes)
    same = (under.key, s.bars, voice.centre, shape.density, shape.pace)
    first = score.themes.get((letter, closing))
    if first is not None and first[0][:3] == same[:3] and first[0][3:] <= same[3:]:
        shape = dataclasses.replace(shape, theme=first[1])
    shape = dataclasses.replace(shape, consequent=score.opened and closing and s.bars < 8)
    score.opened = not closing
    score.returns[letter] = score.returns.get(letter, 0) + 1
    rng = motifs.sub_rng(plan.seed, "melody", letter)
    per = phrase.period(motif, under, s.bars, bb, voice, rng, shape)
    score.themes.setdefault((letter, closing), (same, per))
    score.line_rhythms += per.rhythms
    for p in range(s.bars // 4):
        lo, hi = p * 4 * bb, (p + 1) * 4 * bb
        tones = [tn for tn in per.tones if lo <= tn.start < hi]
        score.lines.add_phrase(
            melody.pitches(tones, under), vel, cues.velocity_range, cues.articulation
        )
        # the bar where the melody holds a cadence tone: room for an answer
        score.answer_slots.append((s.name, bar + 4 * p + 4, under, (4 * p + 3) * bb))
    if score.opening is None and motif is plan.main:
        call = [tn for tn in per.tones if tn.start < bb]
        score.opening = (under.key, call[0].degree - plan.main[0][0], melody.intervals(call, under))
    if who:
        score.appearances[who] += [(s.name, bar + i + 1) for i in per.statements]


RANGE = 16  # semitones: the widest span of one song's melody the coda's recall may make


def _coda(
    score: _Score, plan: _Plan, *, s: PlannedSection, under: melody.Harmony, bar: int,
    vel: int, cues: Cues, mat: Cues,
) -> None:  # fmt: skip
    """The finale over a tonic pedal: the opening call once more, lower and softer
    (where two or more people talk, their motifs together for two bars, each in turn
    above the other), then the tonic held for the last two bars."""
    bb = plan.bar_beats
    skey = under.key
    low = melody.Voice(mat.melody_centre - 3, 5)
    first = _recall(score, plan.main, under, low, bb, 0.0)
    tones = list(first)
    pair = [n for n in plan.featured if plan.signature[n] != plan.main][:1]
    floor = min(n.pitch for n in melody.pitches(first, under))
    inner = melody.Voice(floor - 8, 5)  # under the recalled call
    if pair:
        other = plan.signature[pair[0]]
        tones += melody.statement(other, under, bb, bb, low)
        below = melody.statement(other, under, 0.0, bb, inner) + melody.statement(
            plan.main, under, bb, bb, inner
        )
        score.lines.counter += [
            Note(n.pitch, n.start, n.duration, max(1, vel - 20))
            for n in melody.pitches(below, under)
        ]
        score.appearances[pair[0]] += [(s.name, bar + 1), (s.name, bar + 2)]
    else:
        goal = theory.nearest_degree(skey, low.centre)
        rng = motifs.sub_rng(plan.seed, "coda")
        tones += phrase.line(
            under,
            tones[-1].degree,
            bb,
            phrase.LINE_RHYTHMS[(max(0, cues.density - 1), bb)][0],
            goal,
            bb,
            rng,
        )
    for i in range(2, s.bars - 2):
        tones += phrase.line(
            under,
            tones[-1].degree,
            i * bb,
            (bb,),
            tones[-1].degree,
            bb,
            motifs.sub_rng(plan.seed, "coda", i),
        )
    top = theory.nearest_degree(skey, low.centre + low.span)
    tonics = [
        d for d in range(tones[-1].degree - 4, tones[-1].degree + 5) if d % 7 == 0 and d <= top + 7
    ]
    goal = min(tonics, key=lambda d: (abs(d - tones[-1].degree), d))
    tones.append(melody.Tone(goal, (s.bars - 2) * bb, 2 * bb))
    score.lines.add_phrase(melody.pitches(tones, under), vel - 6, cues.velocity_range, 1.0)


def _recall(
    score: _Score, main: Motif, under: melody.Harmony, low: melody.Voice, bb: float, t: float
) -> list[melody.Tone]:
    """The opening call an octave down (where it was, if that would sink under the
    melody's register or stretch the song's range past a 10th + octave: RANGE) when the
    coda is in its key; else a statement low in the voice."""
    if score.opening is not None and score.opening[0] == under.key:
        down = melody.place(main, score.opening[1] - 7, t)
        highest = max((n.pitch for n in score.lines.melody), default=0)
        floor = max(low.centre + 3 - 12, highest - RANGE)
        deep = min(n.pitch for n in melody.pitches(down, under)) < floor
        return melody.place(main, score.opening[1], t) if deep else down
    return melody.statement(main, under, t, bb, low)


def _answers(score: _Score, featured: list[str], signature: dict[str, Motif], home: Cues) -> None:
    """Every featured speaker is heard at least twice: an inner voice answers in a bar
    where the melody holds a cadence tone, a sixth or so below the melody's centre."""
    slots = score.answer_slots  # what is left is for the imitation (_imitate)
    inner = melody.Voice(home.melody_centre - 8, 5)
    for name in featured:
        while len(score.appearances[name]) < 2 and slots:
            sec, bar_no, under, t = slots.pop(0)
            tones = melody.statement(signature[name], under, t, score.bar_beats, inner)
            notes = melody.pitches(tones, under)
            score.lines.counter += [Note(n.pitch, n.start, n.duration, 50) for n in notes]
            score.appearances[name].append((sec, bar_no))


def _imitate(score: _Score, plan: _Plan) -> None:
    """Imitation between the hands where two or more people talk: in each body section
    that features a speaker, the other hand answers (its top voice, a sixth or so under
    the melody; the accompaniment makes room under it) in the bar where the melody holds
    its first cadence tone: with the motif of whoever spoke in the section before (a
    reply), or, when the same person goes on, with the section's own call (an echo)."""
    if len(plan.featured) < 2:
        return
    inner = melody.Voice(plan.home.melody_centre - 8, 5)
    by_name = {s.name: s for s in plan.sections}
    body = [s for s in plan.sections if s.role not in ("intro", "coda")]
    before = {b.name: a.speaker for a, b in itertools.pairwise(body)}
    done: set[str] = set()
    for sec, bar_no, under, t in score.answer_slots:
        own = by_name[sec].speaker
        if sec in done or own is None or own not in plan.featured:
            continue
        done.add(sec)
        prev = before.get(sec)
        name = prev if prev is not None and prev in plan.featured and prev != own else own
        tones = melody.statement(plan.signature[name], under, t, plan.bar_beats, inner)
        echo = [
            Note(n.pitch, n.start, n.duration, max(1, plan.home.velocity - 16))
            for n in melody.pitches(tones, under)
        ]
        floor, end = min(n.pitch for n in echo) - 2, t + plan.bar_beats + under.origin
        score.lines.accompaniment = [
            n
            for n in score.lines.accompaniment
            if not (echo[0].start <= n.start < end and n.pitch >= floor)
        ]
        score.lines.echo += echo
        score.appearances[name].append((sec, bar_no))
        score.imitations.append((sec, bar_no, name))
