"""A live session: blocks of one synth equal the one-shot render of the saved MIDI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from composer.album import Album
from composer.audio.continuous import ContinuousRenderer
from composer.audio.synth import render_midi
from composer.errors import InputError
from composer.live.save import save
from composer.live.session import RATE, LiveSession
from composer.midi import to_midi
from composer.music.live import LiveOptions
from tests.audio.midi_helpers import needs_fluidsynth

needs_fluidsynth()

SCRIPT = [
    (1.0, "Ana", "hey! are you coming tonight?"),
    (3.4, "Ben", "yes, can't wait :)"),
    (4.1, "Ana", "great"),
    (7.0, "Ben", "oh no it's cancelled, so sad"),
]


def played(end_s: float = 10.0, seed: int = 3) -> LiveSession:
    s = LiveSession(LiveOptions(seed=seed))
    todo = list(SCRIPT)
    while not s.done:
        while todo and todo[0][0] <= s.rendered_s:
            at, who, text = todo.pop(0)
            s.message(who, text, at)
        if not todo and s.composer.end_beat is None and s.rendered_s >= end_s:
            s.end(s.rendered_s)
        s.render()
    return s


@pytest.fixture(scope="module")
def session() -> LiveSession:
    s = played()
    yield s
    s.close()


def test_joined_blocks_equal_the_one_shot_render_of_song_mid(session: LiveSession) -> None:
    live = session.audio()
    midi = to_midi(session.composer.song())
    ref = render_midi(midi, sample_rate=RATE, tail_s=2.0, threads=1).samples
    assert live.shape == ref.shape
    assert np.abs(live - ref).max() < 1e-6
    assert np.abs(live).max() > 0.01  # it is not silence that matches


def test_no_click_at_the_block_joins(session: LiveSession) -> None:
    """A click is a jump that stands out from its neighbourhood: at every join the
    sample-to-sample jump is no larger than 1.5 x the largest jump in the 32 samples on
    either side (inside the blocks). The issue's own figure (joins above the p99.9 of the
    jumps inside blocks) is printed by bench/live.py."""
    x = session.audio()[:, 0].astype(np.float64)
    jumps = np.abs(np.diff(x))
    worst = 0.0
    for j in np.arange(4800, len(x) - 33, 4800) - 1:
        around = np.concatenate([jumps[j - 32 : j], jumps[j + 1 : j + 33]])
        worst = max(worst, jumps[j] / max(around.max(), 1e-9))
    assert worst <= 1.5


def test_responses_are_heard_within_a_beat(session: LiveSession) -> None:
    beat_s = 60.0 / session.tempo
    for r in session.composer.responses:
        arrived = session.messages[r.message][2]
        heard = session.seconds(r.beat)
        # the clock checks for messages once per 100 ms block and renders one block ahead
        assert 0.0 <= heard - arrived <= beat_s + 0.25


def test_saved_like_any_song(tmp_path, session: LiveSession) -> None:
    album = Album(tmp_path)
    rec = save(session, album)
    assert rec.audio is not None and rec.audio.stat().st_size > 1000
    assert rec.midi.read_bytes() == to_midi(session.composer.song())
    doc = json.loads(rec.score.read_text(encoding="utf-8"))
    live = doc["live"]
    assert [r["message"] for r in live["responses"]] == [0, 1, 2, 3]
    assert all(r["time_s"] >= r["arrived_s"] for r in live["responses"])
    assert doc["input"]["messages"] == 4 and doc["song"]["bars"] == len(live["bars"])
    assert album.list()[0].id == rec.id


def test_a_session_where_nobody_wrote_is_not_saved(tmp_path) -> None:
    s = LiveSession(LiveOptions())
    s.end(0.0)
    while not s.done:
        s.render()
    with pytest.raises(InputError):
        save(s, Album(tmp_path))
    assert Album(tmp_path).list() == []
    s.close()


def test_the_renderer_refuses_the_past_and_partial_blocks() -> None:
    with ContinuousRenderer(RATE) as r:
        r.render(640)
        with pytest.raises(ValueError, match="already rendered"):
            r.schedule([((0,), 0, 0, 0, 60, 90)])
        with pytest.raises(ValueError, match="whole blocks"):
            r.render(100)
