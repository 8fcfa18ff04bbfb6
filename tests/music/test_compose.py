"""Properties of composed songs that a musician would check."""

from __future__ import annotations

import itertools
import statistics

import pytest

from composer.chat.model import Chat, Message
from composer.errors import OptionError
from composer.mood import analyse
from composer.music import theory
from composer.music.compose import SongOptions, compose
from composer.music.model import Note, Song


def _song(chat, **kw) -> Song:
    return compose(chat, analyse(chat), SongOptions(**{"seed": 3, **kw}))


def _scale_of_bar(song: Song, beat: float) -> set[int]:
    bar = int(beat // song.beats_per_bar) + 1
    sec = [s for s in song.sections if s.start_bar <= bar][-1]
    return set(sec.key.scale)


@pytest.mark.parametrize("style", ["photograph", "ensemble", "lullaby"])
@pytest.mark.parametrize("mood", [(0.7, 0.6), (-0.7, 0.7), (-0.6, -0.7), (0.6, -0.6), (0, 0)])
def test_notes_in_key_and_on_grid(joy_chat, style, mood):
    song = _song(joy_chat, style=style, valence=mood[0], arousal=mood[1])
    notes = [(n, p) for p in song.parts for n in p.notes]
    assert notes
    in_scale = sum(n.pitch % 12 in _scale_of_bar(song, n.start) for n, _ in notes)
    assert in_scale / len(notes) >= 0.9
    on_grid = sum(abs(n.start * 4 - round(n.start * 4)) < 1e-6 for n, _ in notes)
    assert on_grid == len(notes)
    assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 for n, _ in notes)


def test_mode_follows_mood(joy_chat):
    assert _song(joy_chat, valence=0.8, arousal=0.2).key.is_major
    assert not _song(joy_chat, valence=-0.8, arousal=0.2).key.is_major


def test_faster_and_denser_when_aroused(joy_chat):
    calm = _song(joy_chat, valence=0.3, arousal=-0.8)
    wild = _song(joy_chat, valence=0.3, arousal=0.8)
    assert wild.tempo > calm.tempo + 40

    def density(s: Song) -> float:
        return sum(len(p.notes) for p in s.parts) / s.duration_beats

    assert density(wild) * wild.tempo > 2 * density(calm) * calm.tempo


def test_form_ends_on_tonic_and_fills_the_length(joy_chat):
    for length in (30, 90, 180):
        song = _song(joy_chat, length_s=length)
        assert abs(song.duration_s - length) / length < 0.2
        assert song.sections[0].name == "intro" and song.sections[-1].name == "coda"
        assert sum(s.bars for s in song.sections) == song.bars
        final_key = song.sections[-1].key
        last_start = max(n.start for p in song.parts for n in p.notes)
        final = [n for p in song.parts for n in p.notes if n.start == last_start]
        lowest = min(final, key=lambda n: n.pitch)
        assert lowest.pitch % 12 == final_key.tonic
        melody = song.parts[0].notes
        assert melody[-1].pitch % 12 == final_key.tonic


def test_phrases_are_four_bars_with_cadences(joy_chat):
    """The cadence plan: half cadences inside periods, at most one authentic cadence per
    eight bars, a deceptive cadence before the climax, the last section closes home."""
    for v, a in ((0.3, 0.0), (-0.5, -0.7), (0.6, 0.8)):
        song = _song(joy_chat, length_s=120, valence=v, arousal=a)
        body = [s for s in song.sections if s.role not in ("intro", "coda")]
        assert all(s.bars in (4, 8) for s in body)
        bpb = song.beats_per_bar
        closes = []
        for s in body:
            end = (s.start_bar - 1 + s.bars) * bpb
            last = [c for c in song.chords if c.start < end][-1]
            rel = (last.root - s.key.tonic) % 12
            assert rel in (0, 7, 8, 9), (s.name, last.symbol)  # I, V or vi (deceptive)
            closes.append((s.start_bar + s.bars - 1, rel, s))
            if s.bars == 8:  # a period: the antecedent ends on V (a question)
                mid = [c for c in song.chords if c.start < end - 4 * bpb][-1]
                assert (mid.root - s.key.tonic) % 12 == 7
        pacs = [bar for bar, rel, _ in closes if rel == 0]
        assert all(b - a >= 8 for a, b in itertools.pairwise(pacs))
        assert closes[-1][1] == 0  # home before the coda
        for (_, rel, s), nxt in zip(closes, body[1:], strict=False):
            if nxt.role == "climax":
                assert rel in (8, 9), s.name  # V-vi: the climax is delayed


def test_coda_holds_a_consonant_tonic_and_slows_down(joy_chat):
    for v, a in ((-1.0, -0.5), (0.0, 0.0), (1.0, 1.0)):
        song = _song(joy_chat, valence=v, arousal=a)
        coda = song.sections[-1]
        assert coda.role == "coda" and coda.bars >= 4
        last = song.chords[-1]
        rel = {(pc - song.key.tonic) % 12 for pc in last.pitch_classes}
        assert last.root == song.key.tonic
        assert rel in ({0, 4, 7}, {0, 3, 7}, {0, 2, 4, 7}, {0, 2, 3, 7}, {0, 4, 7, 11})
        assert last.duration >= 2 * song.beats_per_bar  # held two bars
        bpb = song.beats_per_bar
        rit = [bpm for at, bpm in song.tempo_changes if at >= (coda.start_bar - 1) * bpb]
        assert len(rit) >= 3 and all(b < a for a, b in itertools.pairwise(rit))
        assert rit[-1] < coda.tempo * 0.8  # a real ritardando, written as tempo events
        tail = song.seconds(song.duration_beats) - song.seconds(song.duration_beats - 3 * bpb)
        assert tail > 3 * bpb * 60 / coda.tempo


def test_motif_returns(joy_chat):
    """The opening rhythm of the theme is heard again later (repetition, not a random walk)."""
    song = _song(joy_chat, length_s=120)
    mel = song.parts[0].notes
    bpb = song.beats_per_bar

    def bar_rhythm(bar: int) -> tuple[float, ...]:
        return tuple(
            round(n.start - bar * bpb, 3) for n in mel if bar * bpb <= n.start < (bar + 1) * bpb
        )

    rhythms = [bar_rhythm(b) for b in range(song.bars)]
    repeated = [r for r in rhythms if r and rhythms.count(r) >= 3]
    assert len(repeated) >= song.bars // 4


def test_deterministic_and_seed_sensitive(joy_chat):
    assert _song(joy_chat) == _song(joy_chat)
    songs = {(_song(joy_chat, length_s=60, valence=0.5).parts[0].notes) for _ in range(2)}
    assert len(songs) == 1
    different = {
        compose(joy_chat, analyse(joy_chat), SongOptions(seed=s)).parts[0].notes for s in range(5)
    }
    assert len(different) > 1


def test_every_speaker_heard_twice(argument_chat):
    song = _song(argument_chat)
    assert {s.name for s in song.speakers} == {"Ana", "Ben"}
    for sp in song.speakers:
        assert len(sp.appearances) >= 2
        assert 3 <= len(sp.motif) <= 5
    # a motif is derived from the speaker: same in another song with other messages
    other = _song(argument_chat, length_s=40)
    assert {s.name: s.motif for s in song.speakers} == {s.name: s.motif for s in other.speakers}


def test_arc_argument_then_reconciliation_moves_to_major(argument_chat):
    song = _song(argument_chat, length_s=120)
    body = [s for s in song.sections if s.name not in ("intro", "coda")]
    assert body[0].valence < body[-1].valence
    assert not body[0].key.is_major and body[-1].key.is_major


def test_styles_have_their_instruments(joy_chat):
    programs = {
        st: [p.program for p in _song(joy_chat, style=st).parts]
        for st in ("photograph", "ensemble", "lullaby")
    }
    assert programs["photograph"] == [0, 0]
    assert {48, 32, 89} <= set(programs["ensemble"])
    assert 10 in programs["lullaby"]
    piano = _song(joy_chat, style="photograph", arousal=-0.3).parts
    assert all(p.pedal for p in piano)


def test_humanize_only_when_asked(joy_chat):
    plain = _song(joy_chat)
    human = _song(joy_chat, humanize=True)
    off_grid = sum(
        abs(n.start * 4 - round(n.start * 4)) > 1e-6 for p in human.parts for n in p.notes
    )
    assert off_grid > 0 and plain != human


@pytest.mark.parametrize(
    "kw",
    [
        {"style": "polka"},
        {"length_s": 3},
        {"length_s": 10_000},
        {"valence": 2.0},
        {"arousal": float("nan")},
    ],
)
def test_bad_options(joy_chat, kw):
    with pytest.raises(OptionError):
        _song(joy_chat, **kw)


def _melody_top(song: Song) -> list[Note]:
    """The top line of the first part (notes under a held higher note are inner voices)."""
    notes = song.parts[0].notes
    return [
        n
        for n in notes
        if not any(o.start < n.start < o.end and o.pitch > n.pitch for o in notes)
        and n.pitch == max(o.pitch for o in notes if o.start == n.start)
    ]


def _key_of(song: Song) -> tuple[int, str]:
    from music21 import note, stream

    s = stream.Stream()
    for p in song.parts:
        for n in p.notes:
            m = note.Note(n.pitch)
            m.quarterLength = n.duration
            s.insert(n.start, m)
    k = s.analyze("key")
    return k.tonic.pitchClass, k.mode


@pytest.mark.parametrize(
    ("v", "a", "style"), [(0.6, 0.2, "photograph"), (-0.6, 0.4, "ensemble"), (0.5, -0.6, "lullaby")]
)
def test_music21_hears_the_declared_key(joy_chat, v, a, style):
    pytest.importorskip("music21")
    song = _song(joy_chat, valence=v, arousal=a, style=style, length_s=60)
    assert _key_of(song) == (song.key.tonic, song.key.mode)


def test_speaker_motifs_are_played_where_listed(argument_chat):
    song = _song(argument_chat, length_s=90)
    bpb = song.beats_per_bar
    for sp in song.speakers:
        durs = [d for _, d in sp.motif]
        steps = [s for s, _ in sp.motif[1:]]
        for sec_name, bar in sp.appearances:
            sec = next(s for s in song.sections if s.name == sec_name)
            assert sec.start_bar <= bar < sec.start_bar + sec.bars
            found = False
            for part in song.parts:
                at: dict[float, list[int]] = {}
                for n in part.notes:
                    at.setdefault(round(n.start, 4), []).append(n.pitch)
                for t0 in (t for t in at if (bar - 1) * bpb <= t < bar * bpb):
                    onsets = [round(t0 + sum(durs[:k]), 4) for k in range(len(durs))]
                    if not all(o in at for o in onsets):
                        continue
                    for pick in (max, min):
                        degs = [theory.nearest_degree(sec.key, pick(at[o])) for o in onsets]
                        if [b - a for a, b in itertools.pairwise(degs)] == steps:
                            found = True
            assert found, (sp.name, sec_name, bar)


def test_melody_sits_above_the_accompaniment(joy_chat):
    for a in (-0.7, 0.0, 0.7):
        song = _song(joy_chat, arousal=a, length_s=60)
        lh = song.parts[1].notes
        top = _melody_top(song)
        above = sum(all(n.pitch > o.pitch for o in lh if o.start <= n.start < o.end) for n in top)
        assert above / len(top) >= 0.9
        assert max(n.pitch for n in top) - min(n.pitch for n in top) <= 24  # singable


def test_climax_comes_late_and_dynamics_follow_phrases(joy_chat):
    song = _song(joy_chat, length_s=120, valence=0.4, arousal=0.1)
    top = _melody_top(song)
    peak = max(n.pitch for n in top)
    first_peak = min(n.start for n in top if n.pitch == peak)
    assert 0.4 <= first_peak / song.duration_beats <= 0.95
    bpb = song.beats_per_bar
    for phrase in range(1, song.bars // 4):
        vel = {n.velocity for n in top if phrase * 4 * bpb <= n.start < (phrase + 1) * 4 * bpb}
        if len(vel) > 1:
            assert max(vel) - min(vel) >= 4  # an arch, not a flat line
    loud = _song(joy_chat, arousal=0.8).parts[0].notes
    soft = _song(joy_chat, arousal=-0.8).parts[0].notes
    assert statistics.fmean(n.velocity for n in loud) > statistics.fmean(n.velocity for n in soft)


def test_returning_sections_bring_back_their_material(joy_chat):
    """A return starts as the theme did, and changes at least two bars (variation, not
    copying)."""
    song = _song(joy_chat, length_s=180, valence=0.3, arousal=0.0)
    bpb = song.beats_per_bar
    top = _melody_top(song)

    def bar_of(sec, i) -> list[tuple[float, int]]:
        t0 = (sec.start_bar - 1 + i) * bpb
        return [(n.start - t0, n.pitch) for n in top if t0 <= n.start < t0 + bpb]

    a_sections = [s for s in song.sections if s.name.startswith("A")]
    assert len(a_sections) >= 3
    first = a_sections[0]
    for s in a_sections[1:]:
        assert bar_of(s, 0) == bar_of(first, 0)
        changed = sum(bar_of(s, i) != bar_of(first, i) for i in range(min(s.bars, first.bars)))
        assert changed >= 2, s.name


def test_slow_songs_have_short_sections_and_minor_uses_the_leading_tone(joy_chat):
    one_mood = Chat((Message("Maya", "the sea was calm tonight"),), "plain")
    assert len(analyse(one_mood).segments) == 1
    slow = _song(one_mood, valence=-0.5, arousal=-0.8, length_s=90)
    body = [s for s in slow.sections if s.name not in ("intro", "coda")]
    assert all(s.bars == 4 for s in body)
    assert any(s.key.is_major for s in body)  # a B section in the relative major
    minor = _song(joy_chat, valence=-0.7, arousal=0.3)
    leading = (minor.key.tonic + 11) % 12
    raised = [n for p in minor.parts for n in p.notes if n.pitch % 12 == leading]
    assert raised
    for n in raised:  # only over the dominant
        chord = [c for c in minor.chords if c.start <= n.start][-1]
        assert leading in chord.pitch_classes
