"""MusicXML export: music21 reads back a grand staff, the key, metre, tempo and notes."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from composer.chat.model import Chat, Message
from composer.mood import analyse
from composer.music.compose import SongOptions, compose
from composer.music.model import Song
from composer.notation import to_musicxml

music21 = pytest.importorskip("music21")
ROOT = Path(__file__).resolve().parent.parent
ONE_MOOD = Chat((Message("Ana", "the sea was calm tonight"), Message("Ben", "it was")), "plain")


def _song(**kw) -> Song:
    chat = ONE_MOOD
    return compose(chat, analyse(chat), SongOptions(**{"seed": 2, "length_s": 24, **kw}))


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[Song, object]]:
    songs = {
        "photograph": _song(valence=-0.5, arousal=-0.6, length_s=90),  # minor, B in relative major
        "ensemble": _song(style="ensemble", valence=0.6, arousal=0.6, humanize=True),
        "lullaby": _song(style="lullaby", valence=0.5, arousal=-0.6),  # 3/4
    }
    return {
        name: (song, music21.converter.parse(to_musicxml(song), format="musicxml"))
        for name, song in songs.items()
    }


def _written_notes(part) -> int:
    """Note heads a reader plays: chord tones count one each, tied continuations none."""
    count = 0
    for n in part.recurse().notes:
        if isinstance(n, music21.harmony.ChordSymbol):
            continue
        if n.tie is not None and n.tie.type in ("stop", "continue"):
            continue
        count += len(n.pitches)
    return count


def _expected_notes(song: Song, part_index: int) -> int:
    """Distinct (pitch, sixteenth onset) pairs: what the score should show."""
    return len({(round(n.start * 4), n.pitch) for n in song.parts[part_index].notes})


@pytest.mark.parametrize("name", ["photograph", "ensemble", "lullaby"])
def test_parts_staves_and_note_counts(scores, name):
    song, score = scores[name]
    parts = list(score.parts)
    staves = [p for p in parts if isinstance(p, music21.stream.PartStaff)]
    pianos = [i for i, p in enumerate(song.parts) if p.program == 0]
    assert len(staves) == len(pianos)  # the piano's two hands, or none
    assert len(parts) == len(song.parts)
    if pianos:
        groups = list(score.recurse().getElementsByClass(music21.layout.StaffGroup))
        assert any(g.symbol == "brace" and len(g.getSpannedElements()) == 2 for g in groups)
        clefs = [p.recurse().getElementsByClass(music21.clef.Clef)[0] for p in staves]
        assert isinstance(clefs[0], music21.clef.TrebleClef)
        assert isinstance(clefs[1], music21.clef.BassClef)
    for i, part in enumerate(parts):
        assert _written_notes(part) == _expected_notes(song, i)
        measures = part.getElementsByClass(music21.stream.Measure)
        assert len(measures) == song.bars


@pytest.mark.parametrize("name", ["photograph", "ensemble", "lullaby"])
def test_key_metre_tempo_and_marks(scores, name):
    song, score = scores[name]
    first = score.parts[0]
    key = first.recurse().getElementsByClass(music21.key.KeySignature)[0]
    assert isinstance(key, music21.key.Key)
    assert (key.tonic.pitchClass, key.mode) == (song.key.tonic, song.key.mode)
    ts = first.recurse().getElementsByClass(music21.meter.TimeSignature)[0]
    assert (ts.numerator, ts.denominator) == song.time_signature
    marks = first.recurse().getElementsByClass(music21.tempo.MetronomeMark)
    assert [m.number for m in marks] == [song.tempo]
    rehearsal = [
        r.content for r in first.recurse().getElementsByClass(music21.expressions.RehearsalMark)
    ]
    assert rehearsal == [s.name for s in song.sections]
    symbols = list(first.recurse().getElementsByClass(music21.harmony.ChordSymbol))
    assert len(symbols) == len(song.chords)
    for sym, chord in zip(symbols, song.chords, strict=True):
        assert sym.root().pitchClass == chord.root


def test_key_changes_follow_the_sections(scores):
    song, score = scores["photograph"]
    keys = [s.key for s in song.sections]
    assert len(set(keys)) > 1  # the test needs a modulation
    written = score.parts[1].recurse().getElementsByClass(music21.key.KeySignature)
    changes = [keys[0]] + [b for a, b in itertools.pairwise(keys) if a != b]
    assert [(k.tonic.pitchClass, k.mode) for k in written] == [(k.tonic, k.mode) for k in changes]


def test_music21_is_imported_lazily():
    code = "import sys, composer.notation, composer.cli; print('music21' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_same_song_same_bytes(scores):
    song, _ = scores["lullaby"]
    first = to_musicxml(song)
    assert first == to_musicxml(song)
    assert b"<encoding-date>" not in first
