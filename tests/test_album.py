"""The album never shows a half-written song and never loses a finished one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from composer.album import Album, check_id, new_song_id
from composer.errors import InputError, NotFoundError, OptionError, StorageError


def _files(n: int = 1) -> dict[str, bytes]:
    return {"song.mid": b"MThd" + bytes([n]), "score.json": b'{"n": %d}' % n}


def test_save_get_list_delete(tmp_path):
    album = Album(tmp_path)
    a = album.save(_files(1), "first")
    album.save(_files(2), "second")
    assert a.dir == tmp_path / "first" and a.midi.read_bytes() == b"MThd\x01"
    assert [r.id for r in album.list()] == ["second", "first"]
    assert album.score("second") == {"n": 2}
    album.delete("first")
    assert [r.id for r in album.list()] == ["second"]
    with pytest.raises(NotFoundError):
        album.get("first")


def test_taken_names_get_a_suffix_or_are_refused(tmp_path):
    album = Album(tmp_path)
    album.save(_files(1), "beach")
    assert album.save(_files(2), "beach").id == "beach-2"
    with pytest.raises(OptionError):
        album.save(_files(3), "beach", exclusive=True)
    assert album.score("beach") == {"n": 1}  # the finished song is untouched


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "x" * 200, "a\\b", "..", "é"])
def test_ids_cannot_escape(bad):
    with pytest.raises(InputError):
        check_id(bad)


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    album = Album(tmp_path)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", boom)
    with pytest.raises(StorageError):
        album.save(_files(1), "x")
    assert list(tmp_path.iterdir()) == []


def test_album_on_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(StorageError, match=r"not a folder|File exists"):
        Album(tmp_path / "f")
    with pytest.raises(StorageError):
        Album(tmp_path / "f" / "sub")


def test_leftovers_of_dead_writers_are_cleaned(tmp_path):
    # A writer killed mid-way leaves .tmp-<pid>-…; a new album removes it once that pid is gone.
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(proc.stdout)
    (tmp_path / f".tmp-{dead}-abc").mkdir()
    (tmp_path / f".tmp-{dead}-abc" / "song.mid").write_bytes(b"half")
    live = tmp_path / f".tmp-{os.getpid()}-mine"
    live.mkdir()
    album = Album(tmp_path)
    assert not (tmp_path / f".tmp-{dead}-abc").exists()
    assert live.exists()  # a live writer's folder is left alone
    assert album.list() == []


def test_new_song_id_is_the_one_id_builder() -> None:
    sid = new_song_id("Hello, World! How are you today?", "abc123")
    assert re.fullmatch(r"\d{8}-\d{6}-hello-world-how-are-abc123", sid), sid
    assert check_id(sid) == sid
    a, b = new_song_id(None), new_song_id(None)
    assert re.fullmatch(r"\d{8}-\d{6}-song-[0-9a-f]{8}", a) and a != b  # random tails


def test_the_saved_audio_stays_the_songs_audio_after_a_conversion(tmp_path):
    album = Album(tmp_path)
    rec = album.save({**_files(), "song.opus": b"OggS opus"}, "s")
    assert rec.audio is not None and rec.audio.name == "song.opus"
    converted = rec.dir / "song.ogg"  # made on demand later, sorts before song.opus
    converted.write_bytes(b"OggS vorbis")
    later = rec.audio.stat().st_mtime_ns + 10**9
    os.utime(converted, ns=(later, later))
    audio = album.get("s").audio
    assert audio is not None and audio.name == "song.opus"


def test_another_hosts_write_is_left_alone_until_stale(tmp_path):
    # An album on a shared volume: another machine's temporary folder may be a write in
    # progress (its pid means nothing here), so it stays until it is a day old.
    from composer.album import STALE_S, host_tag

    fresh = tmp_path / ".tmp-hdeadbeef-1-abc"
    stale = tmp_path / ".tmp-hdeadbeef-1-def"
    fresh.mkdir()
    stale.mkdir()
    old = time.time() - STALE_S - 60
    os.utime(stale, (old, old))
    dead_here = tmp_path / f".tmp-{host_tag()}-999999999-ghi"
    dead_here.mkdir()
    Album(tmp_path)
    assert fresh.exists() and not stale.exists() and not dead_here.exists()
    assert Album(tmp_path).save(_files(1), "x").id == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, "x"]


def test_a_plain_file_in_the_album_is_no_song(tmp_path):
    album = Album(tmp_path)
    (tmp_path / "notes.txt").write_text("not a song")
    with pytest.raises(NotFoundError):
        album.get("notes.txt")
