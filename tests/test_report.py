"""score.json's view of a song: the timeline and the tempo plan."""

from __future__ import annotations

import json

from composer.mood import analyse
from composer.music.compose import SongOptions, compose
from composer.report import notes_view, song_view


def test_timeline_one_entry_per_bar(joy_chat):
    song = compose(joy_chat, analyse(joy_chat), SongOptions(seed=5, length_s=60))
    view = json.loads(json.dumps(song_view(song)))
    timeline = view["timeline"]
    assert [e["bar"] for e in timeline] == list(range(1, song.bars + 1))
    assert all(set(e) == {"bar", "section", "messages"} for e in timeline)
    names = {s["name"] for s in view["sections"]}
    assert all(e["section"] in names for e in timeline)
    said = [m for e in timeline for m in e["messages"]]
    assert said == sorted(said) and set(said) == set(range(len(joy_chat.messages)))
    assert view["tempo_changes"] and view["tempo_changes"][-1][1] < view["tempo"]


def test_notes_follow_the_ritardando(joy_chat):
    song = compose(joy_chat, analyse(joy_chat), SongOptions(seed=5, length_s=60))
    notes = notes_view(song)
    last = max(notes, key=lambda n: n["start"])
    assert abs(last["start"] + last["duration"] - song.duration_s) < 0.5
    assert song.duration_s > song.duration_beats * 60 / song.tempo  # it slows at the end
