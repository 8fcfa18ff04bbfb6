"""The song as a photograph of *this* conversation: arc, climax, finale, timeline.

Uses the quarrel-then-reconciliation fixture ``tests/fixtures/arcs/quarrel_dinner.txt``
read by the real mood reader (which splits it into a quarrel and a making-up), and
hand-made moods for the finer points.
"""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path

import pytest

from composer import chat as chats
from composer.chat.model import Chat, Message
from composer.midi import to_midi
from composer.mood import analyse
from composer.mood.model import VAD, MessageMood, Mood, Segment, SpeakerMood
from composer.music.compose import SongOptions, compose
from composer.music.model import Song

QUARREL = Path(__file__).resolve().parents[1] / "fixtures" / "arcs" / "quarrel_dinner.txt"


def _quarrel(**kw) -> tuple[Chat, Song]:
    chat = chats.parse(QUARREL.read_bytes(), "auto", filename=QUARREL.name)
    return chat, compose(chat, analyse(chat), SongOptions(**{"seed": 2, "length_s": 120, **kw}))


def _melody(song: Song, sec) -> list[int]:
    bpb = song.beats_per_bar
    lo, hi = (sec.start_bar - 1) * bpb, (sec.start_bar - 1 + sec.bars) * bpb
    return [n.pitch for n in song.parts[0].notes if lo <= n.start < hi]


def _velocity(song: Song, sec) -> float:
    bpb = song.beats_per_bar
    lo, hi = (sec.start_bar - 1) * bpb, (sec.start_bar - 1 + sec.bars) * bpb
    return statistics.fmean(n.velocity for p in song.parts for n in p.notes if lo <= n.start < hi)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_arc_is_audible(seed):
    """Sections whose valence differs by 0.2 or more differ in at least three of: mode
    (the dorian is another mode than the natural minor), tempo (8 bpm), texture,
    register (3 semitones), loudness (10 velocity steps)."""
    for style in ("photograph", "ensemble", "lullaby"):
        _, song = _quarrel(style=style, seed=seed)
        body = [s for s in song.sections if s.role not in ("intro", "coda")]
        pairs = [
            (x, y) for x, y in itertools.combinations(body, 2) if abs(x.valence - y.valence) >= 0.2
        ]
        assert pairs  # the reader hears a quarrel and a making-up
        for x, y in pairs:
            differ = (
                x.key.mode != y.key.mode,
                abs(x.tempo - y.tempo) >= 8,
                x.figure != y.figure,
                abs(statistics.fmean(_melody(song, x)) - statistics.fmean(_melody(song, y))) >= 3,
                abs(_velocity(song, x) - _velocity(song, y)) >= 10,
            )
            assert sum(differ) >= 3, (x.name, y.name, differ)
        assert not body[0].key.is_major and body[-1].key.is_major  # it makes up


def test_timeline_names_the_messages_of_every_bar():
    chat, song = _quarrel()
    assert [b.bar for b in song.timeline] == list(range(1, song.bars + 1))
    for b in song.timeline:
        sec = next(s for s in song.sections if s.start_bar <= b.bar < s.start_bar + s.bars)
        assert b.section == sec.name
        assert (not b.messages) == (sec.role in ("intro", "coda"))
    said = [m for b in song.timeline for m in b.messages]
    assert said == sorted(said)  # the song reads the chat in order
    assert set(said) == set(range(len(chat.messages)))  # every message is somewhere
    data = to_midi(song)
    for s in song.sections:  # the MIDI names each section's source
        assert s.source and f"{s.name}: {s.source}".encode() in data


def _two_segments(first: VAD, second: VAD) -> tuple[Chat, Mood]:
    lines = [("Ana", "why didn't you call"), ("Ben", "I forgot, sorry"), ("Ana", "ok")] * 2
    chat = Chat(tuple(Message(s, t) for s, t in lines), "test")
    msgs = tuple(MessageMood(i, s, first if i < 3 else second) for i, (s, _) in enumerate(lines))
    segs = (Segment(0, 3, first, (0,), "Ana"), Segment(3, 6, second, (3,), "Ben"))
    overall = VAD(
        *(
            0.5 * (getattr(first, k) + getattr(second, k))
            for k in ("valence", "arousal", "dominance")
        )
    )
    spk = (SpeakerMood("Ana", 4, 0.6, overall), SpeakerMood("Ben", 2, 0.4, overall))
    return chat, Mood(overall, msgs, tuple(m.vad for m in msgs), segs, spk, "test")


def test_climax_lands_on_the_most_intense_stretch():
    for calm_first in (True, False):
        calm, heated = VAD(0.1, -0.4, 0.0), VAD(-0.3, 0.7, 0.2)
        chat, mood = _two_segments(*((calm, heated) if calm_first else (heated, calm)))
        song = compose(chat, mood, SongOptions(seed=1, length_s=120))
        climax = next(s for s in song.sections if s.role == "climax")
        bars = song.timeline[climax.start_bar - 1 : climax.start_bar - 1 + climax.bars]
        heated_msgs = range(3, 6) if calm_first else range(0, 3)
        assert all(m in heated_msgs for b in bars for m in b.messages)


def test_finale_combines_the_speakers_motifs():
    chat, mood = _two_segments(VAD(-0.3, 0.3, 0.0), VAD(0.4, -0.2, 0.0))
    song = compose(chat, mood, SongOptions(seed=4, length_s=90))
    coda = song.sections[-1]
    in_coda = [{bar for sec, bar in sp.appearances if sec == "coda"} for sp in song.speakers]
    assert any(len(bars) >= 2 for bars in in_coda)  # the second speaker joins the first
    bpb = song.beats_per_bar
    lo = (coda.start_bar - 1) * bpb
    both = [
        bar
        for bar in range(2)
        if len(
            {
                n.pitch
                for n in song.parts[0].notes
                if lo + bar * bpb <= n.start < lo + (bar + 1) * bpb
            }
        )
        and sum(1 for n in song.parts[0].notes if n.start == lo + bar * bpb) >= 2
    ]
    assert both == [0, 1]  # two voices together in the finale's first two bars


def test_the_coda_s_recall_keeps_the_melody_singable():
    """The coda recalls the opening call an octave down only where that keeps the whole
    melody within a 10th + octave (RANGE): a sad song once spanned 23 semitones."""
    from composer.music.compose import RANGE

    chat = Chat(
        tuple(Message(s, t) for s, t in [("Ana", "did you see the sky tonight")] * 4), "plain"
    )
    for v, a in itertools.product((-1.0, -0.5, 0.0, 0.5, 1.0), repeat=2):
        for seed in (0, 1):
            opts = SongOptions(seed=seed, length_s=120, valence=v, arousal=a)
            song = compose(chat, analyse(chat), opts)
            coda = song.sections[-1]
            before = [
                n.pitch
                for n in song.parts[0].notes
                if n.start < (coda.start_bar - 1) * song.beats_per_bar
            ]
            lowest = min(_melody(song, coda))
            assert lowest >= min(min(before), max(before) - RANGE), (v, a, seed)


def test_the_hands_imitate_each_other_where_two_people_talk():
    """In every body section that features a speaker, the left hand answers the melody
    in its first cadence bar: the previous speaker's motif (a reply) or the section's own
    call (an echo); the appearances list it and the notes are there (the test of
    test_compose.py checks every listed appearance is played)."""
    _, song = _quarrel()
    featured = {sp.name for sp in song.speakers}
    body = [s for s in song.sections if s.role not in ("intro", "coda")]
    heard = {(sec, bar) for sp in song.speakers for sec, bar in sp.appearances}
    assert len(featured) >= 2
    bpb = song.beats_per_bar
    for sec in body:
        assert (sec.name, sec.start_bar + 3) in heard, sec.name
        lo, hi = (sec.start_bar + 2) * bpb, (sec.start_bar + 3) * bpb
        melody = [n.pitch for n in song.parts[0].notes if lo <= n.start < hi]
        left = [n for n in song.parts[1].notes if lo <= n.start < hi]
        top = max(n.pitch for n in left)
        # the left hand's top voice moves (three notes or more) and stays under the melody
        assert sum(n.pitch >= top - 4 for n in left) >= 3 and top < max(melody)


def test_a_climax_that_opens_the_song_is_prepared_by_a_deceptive_cadence():
    """The sad WhatsApp fixture is most intense at its start, so its climax follows the
    intro: the vamp turns aside (V - vi) into it, as every later climax is prepared."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "chats" / "whatsapp_android_sad.txt"
    chat = chats.parse(path.read_bytes(), "auto", filename=path.name)
    song = compose(chat, analyse(chat), SongOptions(seed=0, length_s=120))
    assert song.sections[1].role == "climax"
    intro_end = (song.sections[1].start_bar - 1) * song.beats_per_bar
    last = [c for c in song.chords if c.start < intro_end][-2:]
    tonic = song.sections[0].key.tonic
    sixth = 9 if song.sections[0].key.is_major else 8
    assert [c.root for c in last] == [(tonic + 7) % 12, (tonic + sixth) % 12]
