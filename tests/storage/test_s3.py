"""The S3 album against a real S3-compatible server (moto's server mode, over HTTP)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from composer.errors import NotFoundError, OptionError, StorageError
from composer.storage import open_album
from composer.storage.s3 import S3Album, client


def _files(n: int, *, audio: bool = True) -> dict[str, bytes]:
    files = {"song.mid": b"MThd" + bytes([n]), "score.json": json.dumps({"n": n}).encode()}
    if audio:
        files["song.ogg"] = b"OggS" + bytes([n]) * 100
    return files


def _keys(bucket: str, prefix: str = "") -> list[str]:
    reply = client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in reply.get("Contents", []))


def test_save_get_list_read_delete(s3_location: str, bucket: str, tmp_path: Path) -> None:
    album = open_album(s3_location)
    assert isinstance(album, S3Album) and album.location == s3_location
    a = album.save({**_files(1), "song.musicxml": b"<score-partwise/>"}, "first")
    album.save(_files(2, audio=False), "second")
    assert a.id == "first" and a.audio is not None and a.audio.name == "song.ogg"
    assert a.musicxml is not None and a.midi.name == "song.mid"
    assert set(a.files) == {"song.mid", "song.ogg", "song.musicxml", "score.json"}
    assert [r.id for r in album.list()] == ["second", "first"]
    assert album.score("second") == {"n": 2}
    assert album.read("first", "song.mid") == b"MThd\x01"
    assert album.get("second").audio is None
    with pytest.raises(NotFoundError):
        album.read("second", "song.ogg")
    local = album.fetch(album.get("first"), "song.ogg")
    assert local is not None and local.read_bytes() == _files(1)["song.ogg"]
    assert album.fetch(album.get("second"), "song.ogg") is None
    # Another album object (another replica) sees the same songs.
    assert [r.id for r in open_album(s3_location).list()] == ["second", "first"]
    album.delete("first")
    assert [r.id for r in album.list()] == ["second"]
    with pytest.raises(NotFoundError):
        album.get("first")
    with pytest.raises(NotFoundError):
        album.delete("first")
    assert _keys(bucket, "album/first/") == []


def test_score_json_is_put_last(s3_location: str) -> None:
    album = open_album(s3_location)
    assert isinstance(album, S3Album)
    real, keys = album._s3.put_object, []

    def spy(**kwargs: Any) -> Any:  # records the order; the real server does the work
        keys.append(kwargs["Key"])
        return real(**kwargs)

    album._s3.put_object = spy
    album.save({"score.json": b"{}", **_files(1)}, "s")  # score.json first in the dict
    assert len(keys) == 3 and keys[-1] == "album/s/score.json"


def test_a_writer_that_died_before_its_score_leaves_no_song(s3_location: str, bucket: str) -> None:
    album = open_album(s3_location)
    s3 = client()
    s3.put_object(Bucket=bucket, Key="album/half/h0-1-dead/song.mid", Body=b"MThd")
    assert album.list() == []
    with pytest.raises(NotFoundError):
        album.get("half")
    assert album.clean() == 0  # maybe a write in progress: left alone
    assert _keys(bucket) == ["album/half/h0-1-dead/song.mid"]
    # Once the song is complete (another writer), the dead part is not its files.
    album.save(_files(1), "half", once=True)
    assert album.read("half", "song.mid") == b"MThd\x01"
    assert album.clean(stale_s=0) == 1  # stale: the dead writer's part goes, the song stays
    assert [k for k in _keys(bucket) if "dead" in k] == []
    assert album.score("half") == {"n": 1}


def test_saving_twice_is_one_song(s3_location: str, bucket: str) -> None:
    album = open_album(s3_location)
    first = album.save(_files(1), "x", once=True)
    again = album.save(_files(2), "x", once=True)  # a redelivered job
    assert again.id == first.id == "x" and again.stamp == first.stamp
    assert album.score("x") == {"n": 1} and [r.id for r in album.list()] == ["x"]
    assert len(_keys(bucket, "album/x/")) == 3  # one song's files, nothing doubled
    with pytest.raises(OptionError):
        album.save(_files(3), "x", exclusive=True)
    assert album.save(_files(4), "x").id == "x-2"  # the CLI's default: a free name


def test_concurrent_writers_of_one_id_never_mix(s3_location: str, bucket: str) -> None:
    results: list[Any] = []

    def write(n: int) -> None:
        album = open_album(s3_location)  # its own client, as another machine would have
        files = {"song.mid": b"MThd" + bytes([n]) * 1000, "score.json": b'{"n": %d}' % n}
        results.append(album.save(files, "same", once=True).id)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    album = open_album(s3_location)
    assert results == ["same"] * 6 and [r.id for r in album.list()] == ["same"]
    n = album.score("same")["n"]
    assert album.read("same", "song.mid") == b"MThd" + bytes([n]) * 1000  # the winner's own
    assert len(_keys(bucket, "album/same/")) == 2  # the losers removed their parts


def test_a_bucket_without_prefix(bucket: str) -> None:
    album = open_album(f"s3://{bucket}")
    album.save(_files(1), "top")
    assert [r.id for r in album.list()] == ["top"]
    assert "top/score.json" in _keys(bucket)


def test_bad_locations_are_one_line_errors(s3_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(StorageError, match="no such bucket"):
        open_album("s3://photograph-no-such-bucket")
    for bad in ("s3://", "s3:///prefix", "gs://bucket/x"):
        with pytest.raises(OptionError):
            open_album(bad)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(StorageError, match="cannot use s3://b/p as the album") as info:
        open_album("s3://b/p")
    assert "\n" not in str(info.value)


def test_the_first_mark_wins_and_names_its_writer(s3_location: str) -> None:
    album = open_album(s3_location)
    assert isinstance(album, S3Album)
    assert album._put_mark("m", "writer-1", b"{}") is True
    assert album._put_mark("m", "writer-2", b"{}") is False  # If-None-Match: *
    head = album._head("m")
    assert head is not None and head["Metadata"]["part"] == "writer-1"


def test_the_download_cache_is_private(tmp_path, monkeypatch) -> None:
    import os
    import tempfile

    from composer.storage import s3

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = s3._private_cache()
    assert mine == tmp_path / f"photograph-s3-{os.getuid()}"
    assert mine.stat().st_mode & 0o777 == 0o700
    mine.chmod(0o777)  # as if someone else had made it for us, open to all
    other = s3._private_cache()
    assert other != mine and other.stat().st_mode & 0o777 == 0o700
