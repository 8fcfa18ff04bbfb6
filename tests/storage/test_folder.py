"""The folder album on a volume shared by several machines: temporary names carry host
and pid, and no host's clean-up removes another's write in progress."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from composer.album import STALE_S, TMP_PREFIX, Album, host_tag
from composer.storage import Storage, open_album

ROOT = Path(__file__).resolve().parents[2]

# "Host B": another machine's name, writing a song into the shared folder, stopping
# after its first file until the test creates the file ``go``.
HOST_B = r"""
import socket, sys, time
from pathlib import Path
socket.gethostname = lambda: "host-b.example"
from composer.album import Album

root = Path(sys.argv[1])

class Slow(dict):
    def items(self):
        yield "song.mid", b"MThd-b"
        (root.parent / "started").write_text("x")
        while not (root.parent / "go").exists():
            time.sleep(0.02)
        yield "score.json", b'{"host": "b"}'

print(Album(root).save(Slow(), "from-b", once=True).id)
"""


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(proc.stdout)


def _files(n: int) -> dict[str, bytes]:
    return {"song.mid": b"MThd" + bytes([n]), "score.json": b'{"n": %d}' % n}


def test_open_album_gives_a_folder_album(tmp_path: Path) -> None:
    album: Storage = open_album(str(tmp_path / "scores"))
    assert isinstance(album, Album) and album.location == str(tmp_path / "scores")
    rec = album.save(_files(1), "a")
    assert rec.files == ("score.json", "song.mid") and rec.stamp > 0
    assert album.read("a", "song.mid") == b"MThd\x01"
    assert album.fetch(rec, "song.mid") == tmp_path / "scores" / "a" / "song.mid"
    assert album.fetch(rec, "song.ogg") is None


def test_temporary_names_carry_host_and_pid(tmp_path: Path) -> None:
    seen: list[str] = []

    class Peek(dict[str, bytes]):
        def items(self) -> Iterator[tuple[str, bytes]]:  # type: ignore[override]
            seen.extend(p.name for p in tmp_path.glob(TMP_PREFIX + "*"))
            yield "score.json", b"{}"

    Album(tmp_path).save(Peek(), "s")
    assert len(seen) == 1
    assert seen[0].startswith(f"{TMP_PREFIX}{host_tag()}-{os.getpid()}-")


def test_another_hosts_write_in_progress_survives_a_clean(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    b = subprocess.Popen([sys.executable, "-c", HOST_B, str(root)], env=env,
                         stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert b.poll() is None and time.monotonic() < deadline, "host B did not start"
            time.sleep(0.02)
        tmp = next(root.glob(TMP_PREFIX + "*"))
        assert not tmp.name.startswith(f"{TMP_PREFIX}{host_tag()}-")  # B's tag, not ours
        assert Album(root).clean() == 0  # host A opens the album: B's write is left alone
        assert (tmp / "song.mid").read_bytes() == b"MThd-b"
    finally:
        (tmp_path / "go").write_text("x")
        out, _ = b.communicate(timeout=60)
    assert b.returncode == 0 and out.strip() == "from-b"
    album = Album(root)
    assert [r.id for r in album.list()] == ["from-b"]
    assert album.read("from-b", "song.mid") == b"MThd-b"


def test_a_dead_pid_of_another_host_is_not_ours_to_judge(tmp_path: Path) -> None:
    # The pid means nothing here: on host B that process may be writing right now.
    theirs = tmp_path / f"{TMP_PREFIX}h0000beef-{_dead_pid()}-abc"
    theirs.mkdir()
    (theirs / "song.mid").write_bytes(b"half")
    mine = tmp_path / f"{TMP_PREFIX}{host_tag()}-{_dead_pid()}-def"
    mine.mkdir()
    album = Album(tmp_path)  # opening cleans
    assert theirs.exists() and not mine.exists()
    # Nothing changed in it for longer than any write takes: its writer is gone.
    old = time.time() - STALE_S - 60
    for p in (theirs / "song.mid", theirs):
        os.utime(p, (old, old))
    assert album.clean() == 1 and not theirs.exists()
    assert album.list() == []


def test_saving_twice_is_one_song(tmp_path: Path) -> None:
    album = Album(tmp_path)
    first = album.save(_files(1), "x", once=True)
    again = album.save(_files(2), "x", once=True)
    assert again.id == first.id == "x" and album.score("x") == {"n": 1}
    assert [r.id for r in album.list()] == ["x"]


def test_concurrent_writers_of_one_id_make_one_song(tmp_path: Path) -> None:
    ids: list[str] = []

    def write(n: int) -> None:
        ids.append(Album(tmp_path).save(_files(n), "same", once=True).id)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    album = Album(tmp_path)
    assert ids == ["same"] * 8 and [r.id for r in album.list()] == ["same"]
    n = album.score("same")["n"]
    assert album.read("same", "song.mid") == b"MThd" + bytes([n])
    assert list(tmp_path.glob(TMP_PREFIX + "*")) == []  # the losers removed their folders


def test_a_folder_album_never_imports_boto3(tmp_path: Path) -> None:
    code = (
        "import sys; from composer.storage import open_album;"
        f"a = open_album({str(tmp_path)!r}); a.save({{'score.json': b'{{}}'}}, 's');"
        "print(','.join(m for m in ('boto3', 'botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)  # fmt: skip
    assert out.stdout.strip() == ""
