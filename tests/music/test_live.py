"""The streaming composer: answers on the next beat, changes at boundaries, ends home."""

from __future__ import annotations

import math

import pytest

from composer.midi import to_midi
from composer.music.live import LiveComposer, LiveOptions
from composer.music.model import Song

HAPPY = [
    ("Ana", "hey! are you coming tonight?"),
    ("Ben", "yes, can't wait, it's going to be so much fun"),
    ("Ana", "great"),
]
SAD = [
    ("Ana", "oh no, I just heard the news, it's cancelled"),
    ("Ben", "that's terrible, I'm so sad and disappointed"),
    ("Ana", "I'm really upset, I was looking forward to it so much"),
    ("Ben", "awful. I'm sorry. this hurts"),
    ("Ana", "I feel miserable and lonely tonight"),
]


def play(
    schedule: list[tuple[float, str, str]], end: float, seed: int = 0, step: float = 1.0
) -> LiveComposer:
    """Replay (beat, speaker, text) against a clock that commits ``step`` beats at a time."""
    c = LiveComposer(LiveOptions(seed=seed))
    todo = sorted(schedule)
    beat = 0.0
    while beat < end:
        while todo and todo[0][0] <= beat:
            at, who, text = todo.pop(0)
            c.message(who, text, at)
        beat += step
        c.commit(beat)
        c.pedals(beat)
    c.end(beat)
    while not c.finished:
        c.commit(c.committed + step)
        c.pedals(c.committed)
    return c


def spaced(lines: list[tuple[str, str]], start: float, gap: float) -> list[tuple[float, str, str]]:
    return [(start + i * gap, who, text) for i, (who, text) in enumerate(lines)]


def notes_from(song: Song, beat: float) -> list[tuple[int, float]]:
    return [(n.pitch, n.start) for p in song.parts for n in p.notes if n.start == beat]


@pytest.mark.parametrize("at", [5.0, 5.25, 6.5, 9.99, 13.0])
def test_a_message_is_answered_on_the_next_beat(at: float) -> None:
    c = LiveComposer(LiveOptions(seed=1))
    c.commit(math.floor(at))  # the clock has rendered up to the beat before the message
    r = c.message("Ana", "hello, this is a lovely evening", at)
    assert r.beat == math.ceil(at) and r.kind == "motif"
    c.commit(r.beat + 4)
    song = c.song()
    inner = [n for n in song.parts[0].notes if n.start == r.beat]
    assert inner, "the speaker's motif enters on that beat"


def test_a_message_after_the_rendered_horizon_waits_for_the_first_free_beat() -> None:
    c = LiveComposer(LiveOptions(seed=1))
    c.commit(8.0)  # already rendered a beat ahead of the message
    r = c.message("Ana", "hi there, how are you", 6.4)
    assert r.beat == 8.0


def test_nothing_already_committed_changes() -> None:
    c = LiveComposer(LiveOptions(seed=2))
    c.commit(10.0)
    before = [n for p in c.song().parts for n in p.notes]
    for i, (who, text) in enumerate(SAD):
        c.message(who, text, 10.0 + i * 0.3)
    c.commit(30.0)
    after = [n for p in c.song().parts for n in p.notes if n.start < 10.0]
    assert sorted(after, key=repr) == sorted(before, key=repr)


def test_mode_changes_only_at_phrase_boundaries_through_the_dominant() -> None:
    c = play(spaced(HAPPY, 2.0, 3.0) + spaced(SAD, 30.0, 2.5), end=120.0)
    assert c.modulations, "a sad turn moves the song to the minor"
    bb = c.bar_beats
    for bar, old, new, pivot in c.modulations:
        assert bar % 4 == 0, f"a mode change inside a phrase (bar {bar})"
        assert old.split()[0] == new.split()[0] and old != new  # same tonic, other mode
        before = [ch for ch in c.song().chords if ch.start < bar * bb][-1]
        assert before.symbol == pivot
        tonic = c.home.tonic
        assert before.root == (tonic + 7) % 12, "the pivot is V, shared by both modes"
    changes = [b.bar for a, b in zip(c.bars, c.bars[1:], strict=False) if a.key != b.key]
    assert all(bar % 4 == 0 for bar in changes)


def test_the_end_is_a_cadence_with_the_tonic_held() -> None:
    c = play(spaced(HAPPY, 2.0, 3.0), end=26.0)
    song = c.song()
    bb = c.bar_beats
    assert c.end_beat is not None and song.duration_beats == c.end_beat
    last, before = song.chords[-1], song.chords[-2]
    key = song.sections[-1].key
    assert last.root == key.tonic and last.duration == 2 * bb
    assert before.root == (key.tonic + 7) % 12  # V - I
    top = max(song.parts[0].notes, key=lambda n: (n.start, n.pitch))
    assert top.pitch % 12 == key.tonic and top.end >= c.end_beat - bb
    assert song.sections[-1].role == "coda"


def test_same_schedule_and_seed_same_midi_bytes() -> None:
    sched = spaced(HAPPY, 2.0, 2.5) + spaced(SAD, 20.0, 1.5)
    one = to_midi(play(sched, 60.0, seed=4).song())
    two = to_midi(play(sched, 60.0, seed=4).song())
    other = to_midi(play(sched, 60.0, seed=5).song())
    assert one == two
    assert one != other


def test_it_keeps_going_and_varies_while_nobody_writes() -> None:
    c = play(spaced(HAPPY, 2.0, 2.0), end=4 * 64.0)
    song = c.song()
    bb = c.bar_beats
    melody = song.parts[0].notes
    bars = int(song.duration_beats // bb)
    for b in range(8, bars - 8, 8):  # the leading motif is heard in every 8 bars
        assert any(b * bb <= n.start < (b + 8) * bb for n in melody)
    phrases = [
        tuple(
            (n.pitch, n.start - p * 4 * bb)
            for n in melody
            if p * 4 * bb <= n.start < (p + 1) * 4 * bb
        )
        for p in range(2, bars // 4 - 1)
    ]
    assert len(set(phrases)) > len(phrases) // 2, "not a loop"
    roles = {s.role for s in song.sections}
    assert "interlude" in roles


def test_the_song_is_the_batch_composers_data() -> None:
    c = play(spaced(HAPPY, 2.0, 2.0), end=20.0)
    song = c.song()
    assert isinstance(song, Song)
    assert sum(s.bars for s in song.sections) == song.bars
    assert [p.name for p in song.parts] == ["Piano RH", "Piano LH"]
    assert {s.name for s in song.speakers} == {"Ana", "Ben"}
    assert any(t.messages for t in song.timeline)
    assert to_midi(song)[:4] == b"MThd"
