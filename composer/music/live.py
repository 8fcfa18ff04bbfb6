"""The streaming composer: the song grows while the conversation happens.

A :class:`LiveComposer` keeps the song-wide decisions (key, tempo, metre, the speakers'
motifs) and writes bars as the playback clock needs them. Time is counted in beats from
the song's start; the caller (:mod:`composer.live.session`) *commits* beats as it renders
them, and nothing before the commit horizon ever changes.

- **Messages** are read one by one (the mood reader, then the message in its context,
  :func:`composer.mood.context.in_context`) and folded into a running mood
  (:mod:`composer.music.livemood`).
- **On the next beat** the music answers: the speaker's motif enters in an inner voice
  (a new turn), an ornament (a short reply from the same speaker), or a swell (an
  exclamation, an excited line) - see :func:`composer.music.livemood.kind_of`.
- **At the next bar** the texture and the dynamics follow the running mood (each bar is
  realised only when the clock reaches it).
- **At the next phrase** (every :data:`PHRASE_BARS` bars) the chords, register, motif
  (the leading speaker's) and section follow it; a change of mode waits for a phrase that
  ends on V (a half cadence): V is the dominant of both the major and the minor key, so
  it is the pivot, and the new mode starts on the next downbeat, never mid-bar.
- **While nobody writes** the music goes on: phrases alternate between a vamp (the
  motif's call alone) and variations (new lines on each return), and the mood relaxes.
- **At the end**, from the next bar (after the opening vamp and one phrase at least):
  ii–V (iv–V in minor) and the tonic held two bars.

Everything random comes from named sub-streams of the seed: the same message schedule
(speaker, text, arrival beat) and seed give the same bars.
"""

from __future__ import annotations

import math
from dataclasses import replace

from composer.music import liveplan, mapping, motifs
from composer.music.livemood import RunningMood, kind_of
from composer.music.liveplan import PHRASE_BARS, Phrase
from composer.music.livesong import BarInfo, LiveOptions, Response, Speaker, assemble, louder
from composer.music.model import Chord, Key, Note, Part, Section, Song
from composer.music.orchestra import STYLES, Lines, orchestrate
from composer.music.texture import accompany

SECTION_BARS = 16  # a section in one mood moves on (a return, a new texture) after this
MIN_BARS = 2 * PHRASE_BARS  # the cadence waits for the vamp and one whole phrase
IDLE_BARS = 8  # nobody wrote for this long: the music vamps and varies on its own
REGISTER = (0, -3, 2, -5, 4, -2)  # melody centre offset of the 1st, 2nd ... speaker


class LiveComposer:
    """Writes a song bar by bar as messages arrive (see the module docstring)."""

    def __init__(self, options: LiveOptions | None = None) -> None:
        options = options or LiveOptions()
        if options.style not in STYLES:
            from composer.errors import OptionError

            raise OptionError(f"unknown style {options.style!r}; choose from {', '.join(STYLES)}")
        self.options = options
        seed = options.seed
        self._mood = RunningMood((options.valence, options.arousal, 0.0))
        opening = mapping.cues(*self.mood)
        self.tempo = opening.tempo
        self.time_signature = opening.time_signature
        self.bar_beats = opening.time_signature[0] * 4.0 / opening.time_signature[1]
        self.home = mapping.home_key(options.valence, motifs.stable_int(seed, "key"))
        self.key = self.home
        self.theme = motifs.theme(
            motifs.sub_rng(seed, "theme"), opening.melody_step, self.bar_beats, opening.contour
        )
        self.committed = 0.0  # beats before this are final
        self.end_beat: float | None = None
        self.responses: list[Response] = []
        self.bars: list[BarInfo] = []
        self.modulations: list[tuple[int, str, str, str]] = []  # (bar, from, to, pivot)
        self.leads: list[tuple[int, str]] = []  # (bar, speaker or "" for the theme) per phrase
        self._speakers: list[str] = []
        self._who: dict[str, Speaker] = {}
        self._last_message_beat: float | None = None
        self._phrase: Phrase | None = None
        self._realised = 0  # bars realised
        self._voicing: tuple[int, ...] = ()
        self._parts: list[Part] = [
            p for p in orchestrate(options.style, Lines(), self.bar_beats, None)
        ]
        self._notes: list[list[Note]] = [[] for _ in self._parts]
        self._pedals: list[list[tuple[float, float]]] = [[] for _ in self._parts]
        self._pending: list[list[Note]] = [[] for _ in self._parts]
        self._inner: list[list[Note]] = [[] for _ in self._parts]
        self._pedal_pending: list[list[tuple[float, float]]] = [[] for _ in self._parts]
        self._chords: list[Chord] = []
        self._sections: list[Section] = []
        self._letters: dict[str, tuple[float, float]] = {}
        self._returns: dict[str, int] = {}
        self._bar_messages: dict[int, list[int]] = {}
        self._pivot_wanted = False

    # --- messages -------------------------------------------------------------------------

    @property
    def song_parts(self) -> tuple[Part, ...]:
        """The style's parts (names, programs, channels), without notes."""
        return tuple(self._parts)

    @property
    def realised_bars(self) -> int:
        """Bars written so far: a change of mood shows from the next bar written."""
        return self._realised

    def motif_of(self, speaker: str) -> motifs.Motif:
        """A speaker's motif (the song's theme for ``""``)."""
        return self._who[speaker].motif if speaker else self.theme

    @property
    def messages(self) -> int:
        return len(self._speakers)

    @property
    def finished(self) -> bool:
        return self.end_beat is not None and self.committed >= self.end_beat

    def message(self, speaker: str, text: str, at: float) -> Response:
        """Read a message that arrived at beat ``at`` and answer it on the next beat."""
        index = len(self._speakers)
        same = bool(self._speakers) and self._speakers[-1] == speaker
        self._speakers.append(speaker)
        reading, weight = self._mood.add(text)
        first = speaker not in self._who
        if first:
            density = mapping.cues(*self.mood).density
            motif = motifs.speaker_motif(speaker, [text], self.bar_beats, density)
            self._who[speaker] = Speaker(motif, len(self._who))
        for s in self._who.values():
            s.weight *= self._mood.decay
        self._who[speaker].weight += weight
        beat = float(math.ceil(max(at, self.committed) - 1e-9))
        kind = kind_of(first, same, text, reading[1])
        self._last_message_beat = at
        if self.end_beat is not None and beat >= self.end_beat:
            beat, kind = self.end_beat, "none"  # after the last note: in the timeline only
        bar = int(beat // self.bar_beats)
        if kind != "none":
            self._realise_to(beat)
            self._respond(kind, speaker, beat)
        resp = Response(index, speaker, kind, at, beat, bar)
        self.responses.append(resp)
        self._bar_messages.setdefault(bar, []).append(index)
        return resp

    @property
    def mood(self) -> tuple[float, float, float]:
        """The running mood (valence, arousal, dominance)."""
        return self._mood.vad

    def _respond(self, kind: str, speaker: str, beat: float) -> None:
        ph = self._phrase
        if ph is None:
            return
        bb = self.bar_beats
        bar = int(beat // bb)
        cues = mapping.cues(*self.mood)
        stop = ph.end_beat(bb)
        if self.end_beat is not None:
            stop = min(stop, self.end_beat)
        if kind == "motif":
            who = self._who[speaker]
            centre = max(liveplan.LOWEST_CENTRE, cues.melody_centre)
            notes = liveplan.inner_motif(
                who.motif, ph.harmony(bb), beat, bb, centre, max(1, cues.velocity - 12), stop
            )
            self._drop_inner(beat)
            self._add_inner(notes)
            who.appearances.append((ph.section, bar + 1))
        elif kind == "ornament":
            chord = ph.harmony(bb).at(beat - ph.start_bar * bb)
            centre = max(liveplan.LOWEST_CENTRE, cues.melody_centre) + 5
            self._add_inner(
                liveplan.ornament(chord, beat, centre, cues.velocity, min(stop, (bar + 1) * bb))
            )
        else:
            end = min((bar + 1) * bb if beat % bb else beat + bb, stop)
            self._pending = [[louder(n, beat, end) for n in ns] for ns in self._pending]
            self._inner = [[louder(n, beat, end) for n in ns] for ns in self._inner]

    def _add_inner(self, notes: list[Note]) -> None:
        parts = orchestrate(self.options.style, Lines(counter=notes), self.bar_beats, None)
        for i, p in enumerate(parts):
            self._inner[i] += list(p.notes)

    def _drop_inner(self, beat: float) -> None:
        """A new entry takes over the inner voice: the last one stops where it starts."""
        self._inner = [[n for n in notes if n.start < beat] for notes in self._inner]

    def end(self, at: float) -> float:
        """The conversation ended at beat ``at``: the final cadence starts at the next bar
        that is not yet written; returns the beat where the song ends."""
        if self.end_beat is not None:
            return self.end_beat
        bar = max(self._realised, math.ceil(at / self.bar_beats - 1e-9), MIN_BARS)
        self._realise_to(bar * self.bar_beats, inclusive=False)
        last = [n.pitch for n in self._phrase.melody] if self._phrase else []
        cues = mapping.cues(*self.mood)
        index = self._phrase.index + 1 if self._phrase else 0
        ph, end_bar = liveplan.final_cadence(
            self.key, bar, self.bar_beats, cues, last[-1] if last else None, index
        )
        self._start_phrase(ph, cues)
        self.end_beat = end_bar * self.bar_beats
        return self.end_beat

    # --- bars -----------------------------------------------------------------------------

    def commit(self, beat: float) -> list[tuple[int, Note]]:
        """Make everything before ``beat`` final and return the notes that start there
        (part index, note); :meth:`pedals` gives the pedal spans so committed."""
        if self.end_beat is not None:
            beat = min(beat, self.end_beat)
        if beat <= self.committed:
            return []
        out: list[tuple[int, Note]] = []
        self._realise_to(beat, inclusive=False)
        for i in range(len(self._parts)):
            notes = self._pending[i] + self._inner[i]
            ready = [n for n in notes if n.start < beat]
            self._pending[i] = [n for n in self._pending[i] if n.start >= beat]
            self._inner[i] = [n for n in self._inner[i] if n.start >= beat]
            self._notes[i] += ready
            out += [(i, n) for n in ready]
        self.committed = beat
        return out

    def pedals(self, beat: float) -> list[tuple[int, tuple[float, float]]]:
        """Pedal spans whose pedal goes down before ``beat`` (once each)."""
        out: list[tuple[int, tuple[float, float]]] = []
        for i, spans in enumerate(self._pedal_pending):
            ready = [s for s in spans if s[0] < beat]
            self._pedal_pending[i] = [s for s in spans if s[0] >= beat]
            self._pedals[i] += ready
            out += [(i, s) for s in ready]
        return out

    def _realise_to(self, beat: float, *, inclusive: bool = True) -> None:
        """Realise every bar that starts before ``beat`` (``inclusive``: and at it)."""
        while self._realised * self.bar_beats < beat or (
            inclusive and self._realised * self.bar_beats == beat
        ):
            if self.end_beat is not None and self._realised * self.bar_beats >= self.end_beat:
                return
            self._realise(self._realised)

    def _realise(self, bar: int) -> None:
        bb = self.bar_beats
        ph = self._phrase
        if ph is None or bar >= ph.start_bar + ph.bars:
            ph = self._plan(bar)
        cues = mapping.cues(*self.mood)
        start, end = bar * bb, (bar + 1) * bb
        chords = [c for c in ph.chords if start <= c.start < end]
        after = [c for c in ph.chords if c.start >= end]
        section = self._sections[-1]
        figure = cues.textures[len(self._sections) % len(cues.textures)]
        final = ph.role == "coda" and not after
        vel = cues.velocity + (8 if ph.role == "climax" else 0)
        lines = Lines()
        if chords:  # (the final tonic is held over two bars: nothing starts in the second)
            self._voicing = accompany(
                lines,
                chords,
                figure=figure,
                cues=cues,
                velocity=vel,
                scale=ph.key.scale,
                final=final,
                following=after[0].root if after else None,
                voicing=self._voicing,
                bar_beats=bb,
            )
        shift = vel - ph.velocity
        lines.melody = [
            Note(n.pitch, n.start, n.duration, max(1, min(127, n.velocity + shift)))
            for n in ph.melody
            if start <= n.start < end
        ]
        if final:
            lines.breath = end - bb  # the start of the held tonic's last bar
        parts = orchestrate(self.options.style, lines, bb, None)
        for i, p in enumerate(parts):
            self._pending[i] += [n for n in p.notes if n.start >= self.committed]
            self._pedal_pending[i] += list(p.pedal)
        self._chords += chords
        self.bars.append(
            BarInfo(
                bar, start, section.name, ph.key.name, chords[0].symbol if chords else "", self.mood
            )
        )
        self._realised = bar + 1

    def _plan(self, bar: int) -> Phrase:
        """Plan the phrase that starts at ``bar`` from the running mood."""
        bb = self.bar_beats
        prev = self._phrase
        index = prev.index + 1 if prev else 0
        idle = self._last_message_beat is None or (
            bar * bb - self._last_message_beat >= IDLE_BARS * bb
        )
        if idle and self._last_message_beat is not None:  # the mood relaxes on its own
            self._mood.relax()
        v, a, d = self.mood
        cues = mapping.cues(v, a, d)
        want_major = self.key.is_major if abs(v) < 0.1 else v >= 0.1
        if want_major != self.key.is_major:
            if prev is not None and not prev.closing:  # it ended on V: the pivot
                new = Key(self.key.tonic, "major" if want_major else "minor")
                pivot = prev.chords[-1].symbol
                self.modulations.append((bar, self.key.name, new.name, pivot))
                self.key = new
                self._pivot_wanted = False
            else:
                self._pivot_wanted = True
        if index == 0:
            role, name = "intro", "intro"
        elif idle:
            role, name = "interlude", ""
        else:
            role = "climax" if a > 0.55 else ("contrast" if v < -0.1 else "theme")
            name = ""
        closing = index % 2 == 0 and not self._pivot_wanted
        if want_major != self.key.is_major or role == "intro":
            closing = False
        chords = liveplan.chords_for(
            self.key, role, bar * bb, bb, cues, self.options.seed, index, closing
        )
        lead = self._leader()
        motif = self._who[lead].motif if lead else self.theme
        if role != "intro":
            self.leads.append((bar, lead or ""))
        offset = REGISTER[self._who[lead].order % len(REGISTER)] if lead else 0
        voice = liveplan.voice_for(cues, offset + round(3 * v))
        under_key = self.key
        tmp = Phrase(
            index, bar, PHRASE_BARS, under_key, name, role, chords, (), cues.velocity, closing
        )
        notes: tuple[Note, ...] = ()
        if role != "intro":
            sparse = role == "interlude" and index % 2 == 1
            letter = name[:1] if name else "A"
            notes = liveplan.phrase_melody(
                motif,
                tmp.harmony(bb),
                bb,
                cues,
                voice,
                seed=self.options.seed,
                index=index,
                variation=self._returns.get(letter, 0) + index // 2,
                closing=closing,
                climax=role == "climax",
                sparse=sparse,
            )
            if lead:
                self._who[lead].appearances.append((name or "A", bar + 1))
        ph = replace(tmp, melody=notes, velocity=cues.velocity + (8 if role == "climax" else 0))
        self._start_phrase(ph, cues)
        return ph

    def _start_phrase(self, ph: Phrase, cues: mapping.Cues) -> None:
        """Begin a phrase: a new section when its mood, key or role moved."""
        v, a, _ = self.mood
        last = self._sections[-1] if self._sections else None
        name = ph.section
        new = (
            last is None
            or last.key != ph.key
            or (ph.role in ("coda", "intro") and last.role != ph.role)
            or (ph.role not in ("interlude",) and last.role in ("intro", "interlude"))
            or abs(last.valence - v) > 0.3
            or abs(last.arousal - a) > 0.35
            or (last.role != ph.role and ph.role == "climax")
            or last.bars >= SECTION_BARS
        )
        if new and not name:
            name = liveplan.section_name(self._letters, self._returns, v, a)
        elif not name and last is not None:
            name = last.name
        ph = replace(ph, section=name)
        self._phrase = ph
        figure = cues.textures[len(self._sections) % len(cues.textures)]
        if new or last is None:
            self._sections.append(
                Section(
                    name,
                    ph.start_bar + 1,
                    ph.bars,
                    ph.key,
                    round(v, 3),
                    round(a, 3),
                    ph.role,
                    figure,
                    self.tempo,
                )
            )
        else:
            self._sections[-1] = replace(last, bars=last.bars + ph.bars, tempo=self.tempo)

    def _leader(self) -> str | None:
        """The speaker who leads now: the most words lately (ties: who spoke first)."""
        if not self._who:
            return None
        return max(self._who, key=lambda n: (self._who[n].weight, -self._who[n].order))

    # --- the whole song -------------------------------------------------------------------

    def song(self) -> Song:
        """Everything committed so far as a :class:`Song` (the final song once finished)."""
        bars = max(1, math.ceil(self.committed / self.bar_beats - 1e-9))
        return assemble(
            self.options, self.home, self.tempo, self.time_signature, bars,
            sections=self._sections, parts=self._parts, notes=self._notes, pedals=self._pedals,
            who=self._who, bars_info=self.bars, bar_messages=self._bar_messages,
            chords=[c for c in self._chords if c.start < self.committed],
        )  # fmt: skip
