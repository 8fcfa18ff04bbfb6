"""Hostile sizes and crashes: zip bombs, huge chats, and SIGKILL in the middle of a compose.

The crash tests run the real CLI (``.venv/bin/photograph``, else ``python -m``) as a
subprocess. ``bench/robustness.py`` runs the same checks at full size (100 kills, peak RSS).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import mido
import pytest

from composer.album import TMP_PREFIX, Album
from composer.chat import DEFAULT_LIMITS, Limits, parse
from composer.cli import main
from composer.errors import TooLargeError
from tests.conftest import EXAMPLE, ROOT

PHOTOGRAPH = ROOT / ".venv" / "bin" / "photograph"
CLI = [str(PHOTOGRAPH)] if PHOTOGRAPH.exists() else [sys.executable, "-m", "composer.cli"]


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def declare_size(data: bytes, size: int) -> bytes:
    """Make every local and central header claim ``size`` unzipped bytes (a lying bomb)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(sig)
        while at != -1:
            struct.pack_into("<I", out, at + offset, size)
            at = out.find(sig, at + 4)
    return bytes(out)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A WhatsApp-looking zip that unpacks to 56 MB (more than the 50 MB limit)."""
    data = make_zip({"WhatsApp Chat with Ana.txt": b"1/2/24, 10:00 - Ana: hi\n" * 2_400_000})
    assert len(data) < 1_000_000
    return data


def plain_chat(messages: int) -> bytes:
    return b"Ana: hi\n" * messages


# --- zip bombs -----------------------------------------------------------------------


def test_zip_bomb_refused_by_declared_size(bomb: bytes) -> None:
    with pytest.raises(TooLargeError, match="unpack"):
        parse(bomb)


def test_lying_zip_bomb_refused_while_reading_with_bounded_memory(bomb: bytes) -> None:
    liar = declare_size(bomb, 1_000)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="more than it declares"):
            parse(liar)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # the 56 MB were never unpacked


def test_zip_file_count_limit() -> None:
    limit = DEFAULT_LIMITS.max_zip_files
    at_limit = make_zip({f"c/{i}.bin": b"" for i in range(limit)}, zipfile.ZIP_STORED)
    over = make_zip({f"c/{i}.bin": b"" for i in range(limit + 1)}, zipfile.ZIP_STORED)
    with pytest.raises(TooLargeError, match="entries"):
        parse(over)
    with pytest.raises(Exception) as info:  # not a chat, but not refused for its size
        parse(at_limit)
    assert not isinstance(info.value, TooLargeError)


def test_cli_refuses_zip_bomb_in_one_line(
    bomb: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, data in (("bomb.zip", bomb), ("liar.zip", declare_size(bomb, 1_000))):
        path = tmp_path / name
        path.write_bytes(data)
        code = main(["compose", str(path), "--no-audio", "--scores", str(tmp_path / "album")])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("photograph: error: ")
    assert not (tmp_path / "album").exists()  # refused before anything was written


# --- huge chats ----------------------------------------------------------------------


def test_default_message_limit() -> None:
    over = DEFAULT_LIMITS.max_messages + 1
    assert len(plain_chat(over)) < DEFAULT_LIMITS.max_bytes  # refused for its messages
    with pytest.raises(TooLargeError, match=f"more than {over - 1} messages"):
        parse(plain_chat(over))


@pytest.mark.parametrize("limit", [1, 10, 1_000])
def test_message_limit_boundary(limit: int) -> None:
    limits = Limits(max_messages=limit)
    assert len(parse(plain_chat(limit), limits=limits).messages) == limit
    with pytest.raises(TooLargeError, match=f"more than {limit} messages"):
        parse(plain_chat(limit + 1), limits=limits)


@pytest.mark.parametrize("via_stdin", [False, True])
def test_cli_refuses_million_message_chat_early(
    via_stdin: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = b"1/2/24, 10:00 - Ana: hello there, how are you?\n" * 1_000_000  # 47 MB
    if via_stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        source = "-"
    else:
        source = str(tmp_path / "big.txt")
        Path(source).write_bytes(data)
    del data
    code = main(["compose", source, "--no-audio", "--scores", str(tmp_path / "album")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "larger than 20 MB" in err


# --- crash safety --------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, dict[str, str]]:
    """Every finished song folder and the SHA-256 of each of its files."""
    return {
        d.name: {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in d.iterdir()}
        for d in root.iterdir()
        if d.is_dir() and not d.name.startswith(".")
    }


def check_complete(song: Path) -> None:
    """A listed song has a strict-parsing MIDI file and a readable score that lists it."""
    mid = mido.MidiFile(file=io.BytesIO((song / "song.mid").read_bytes()), clip=False)
    assert mid.tracks and all(t[-1].type == "end_of_track" for t in mid.tracks)
    score = json.loads((song / "score.json").read_text(encoding="utf-8"))
    for name in score["files"].values():
        assert (song / name).is_file(), f"{song.name} lists {name} but lacks it"


def compose_cmd(album: Path, seed: int) -> list[str]:
    options = ["--no-audio", "--scores", str(album), "--seed", str(seed), "--length", "20"]
    return [*CLI, "compose", str(EXAMPLE), *options]


def test_sigkill_at_random_points_never_shows_a_partial_song(tmp_path: Path) -> None:
    album = tmp_path / "album"
    rng = random.Random(6)
    started = time.perf_counter()
    subprocess.run(compose_cmd(album, 0), check=True, capture_output=True, timeout=120)
    typical = time.perf_counter() - started
    finished = snapshot(album)
    assert len(finished) == 1
    killed = 0
    for seed in range(1, 11):
        proc = subprocess.Popen(compose_cmd(album, seed), stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, typical))
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=60) == -signal.SIGKILL
        now = snapshot(album)
        for name, files in finished.items():
            assert now.get(name) == files, f"finished song {name} changed or vanished"
        for name in now:
            check_complete(album / name)
        finished = now
        Album(album)  # reopening cleans what the killed process left
        assert not list(album.glob(TMP_PREFIX + "*"))
    assert {r.id for r in Album(album).list()} == set(finished)
    assert killed >= 1  # the kills did land before the process finished


CRASH_AT = {
    # Album.save's process is SIGKILLed on its first call of this function (after it ran,
    # for mkdir and open): right after the temp folder is made, after the first file's
    # write, just before the rename, and after the rename (before the folder's fsync).
    "mkdir": "os.mkdir",
    "first-file": "os.fsync",
    "rename": "os.rename",
    "after-rename": "os.open",
}
_CRASHER = """
import os, signal, sys
from composer.album import Album
album = Album(sys.argv[1])
name = {target!r}.split(".")[1]
real = getattr(os, name)
def crash(*args, **kwargs):
    if name in ("mkdir", "open"):
        real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
setattr(os, name, crash)
album.save({{"song.mid": b"MThd" * 100, "score.json": b"{{}}"}}, "crashed")
"""


@pytest.mark.parametrize("point", sorted(CRASH_AT))
def test_crash_inside_save_leaves_no_song_and_is_cleaned(point: str, tmp_path: Path) -> None:
    album = tmp_path / "album"
    Album(album).save({"song.mid": b"old", "score.json": b"{}"}, "kept")
    before = snapshot(album)
    code = subprocess.run(
        [sys.executable, "-c", _CRASHER.format(target=CRASH_AT[point]), str(album)],
        cwd=ROOT,
        timeout=60,
    ).returncode
    assert code == -signal.SIGKILL
    after = snapshot(album)
    assert after["kept"] == before["kept"]  # nothing finished is lost
    if point == "after-rename":  # the song was complete when it became visible
        assert after["crashed"] == {
            "song.mid": hashlib.sha256(b"MThd" * 100).hexdigest(),
            "score.json": hashlib.sha256(b"{}").hexdigest(),
        }
    else:  # nothing half-written is visible
        assert after == before
    assert {r.id for r in Album(album).list()} == set(after)
    assert not list(album.glob(TMP_PREFIX + "*"))


def test_reopen_removes_only_dead_writers_leftovers(tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_dir = album / f"{TMP_PREFIX}{dead.stdout.strip()}-abc"
    live_dir = album / f"{TMP_PREFIX}{os.getpid()}-def"
    for d in (dead_dir, live_dir):
        d.mkdir()
        (d / "song.mid").write_bytes(b"partial")
    Album(album)
    assert not dead_dir.exists() and live_dir.exists()
    assert Album(album).list() == []
