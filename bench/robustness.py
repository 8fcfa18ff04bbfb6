"""Crash safety, hostile sizes and concurrency, with the real CLI and server as subprocesses.

Crash safety: ``--kills`` runs (default 100) of ``photograph compose ... --scores DIR`` are
killed with SIGKILL after a delay drawn uniformly between 0 and the typical run time (half
of them rendering audio when the synth engine exists). After every kill the album is
checked: no listed song may be partial (each has a strict-parsing ``song.mid``, a readable
``score.json`` and every file it lists, audio included), no finished song may change or
vanish, and reopening the album (``Album(root)``) must remove every ``.tmp-*`` leftover.

Hostile sizes: zip bombs (declared and lying sizes), a zip with too many entries, a
10⁶-message chat (file and stdin), a 199,999-message chat (under every limit: composed) and
a 200,001-message chat (refused on its messages). Each runs as its own subprocess and its
peak RSS comes from ``os.wait4``; the target is ≤ 1 GB.

Concurrency (``bench/robustness_concurrency.py``): a real ``photograph serve`` gets
``--clients`` (default 128) clients at once, composing and reading one album; prints
``concurrency_*`` (requests, 202/429/503 counts, shed answers without ``Retry-After``,
other 5xx, connection errors, duplicate ids, missing or corrupted songs, tracebacks in
the server's log, peak RSS of the server and its workers).

Prints ``cases_run``, ``failures``, ``peak_rss_mb``, ``partial_songs_found``,
``finished_songs_lost``, ``temp_leftovers_after_reopen`` and a line per case.

Usage: ``python bench/robustness.py [--kills 100] [--seed 1] [--skip-sizes]
[--skip-concurrency] [--clients 128]``; the load test alone: ``--kills 0 --skip-sizes``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import os
import random
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.robustness_common import CLI, WORDS, song_problem  # noqa: E402
from bench.robustness_concurrency import concurrency  # noqa: E402
from composer.album import TMP_PREFIX, Album  # noqa: E402

HAS_SYNTH = importlib.util.find_spec("composer.engines.synth") is not None
RSS_LIMIT_MB = 1024


@dataclass(frozen=True, slots=True)
class Run:
    """A finished subprocess: exit code, stderr, peak RSS and wall time."""

    code: int
    stderr: str
    rss_mb: float
    wall_s: float


def run(argv: list[str], stdin: Path | None = None, timeout: float = 900.0) -> Run:
    """Run a command; its peak RSS is read from ``os.wait4`` (this child only)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err, open(stdin or os.devnull, "rb") as inp:
        proc = subprocess.Popen(argv, stdin=inp, stdout=subprocess.DEVNULL, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Run(proc.returncode, text, usage.ru_maxrss / 1024, time.perf_counter() - started)


# --- crash safety --------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, dict[str, str]]:
    """Every visible song folder and the SHA-256 of each of its files."""
    return {
        d.name: {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in d.iterdir()}
        for d in sorted(root.iterdir())
        if d.is_dir() and not d.name.startswith(".")
    }


def compose_argv(album: Path, seed: int, audio: bool) -> list[str]:
    options = ["--scores", str(album), "--seed", str(seed), "--length", "60"]
    return [*CLI, "compose", str(ROOT / "examples" / "chat.txt"), *options] + (
        ["--audio", "ogg"] if audio else ["--no-audio"]
    )


def crash_safety(kills: int, rng: random.Random, work: Path) -> dict[str, float]:
    """Kill compose runs at random points; count partial, lost and leftover songs."""
    album = work / "album"
    modes = [False, True] if HAS_SYNTH else [False]
    typical = {}
    for audio in modes:
        times = []
        for seed in range(3):
            started = time.perf_counter()
            subprocess.run(compose_argv(album, seed, audio), check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        typical[audio] = statistics.median(times)
    finished = snapshot(album)
    out = dict.fromkeys(("partial", "lost", "leftovers_seen", "leftovers_after", "killed"), 0.0)
    out["completed"] = 0.0
    for i in range(kills):
        audio = modes[i % len(modes)]
        proc = subprocess.Popen(compose_argv(album, 100 + i, audio), stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, typical[audio]))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait()
        out["killed" if code == -signal.SIGKILL else "completed"] += 1
        now = snapshot(album)
        out["lost"] += sum(1 for name, files in finished.items() if now.get(name) != files)
        for name in now:
            problem = song_problem(album / name)
            if problem:
                out["partial"] += 1
                print(f"partial song {name}: {problem}", file=sys.stderr)
        out["leftovers_seen"] += len(list(album.glob(TMP_PREFIX + "*")))
        Album(album)
        out["leftovers_after"] += len(list(album.glob(TMP_PREFIX + "*")))
        finished = now
    out["songs"] = len(Album(album).list())
    for audio, seconds in typical.items():
        out[f"typical_run_s_{'audio' if audio else 'no_audio'}"] = seconds
    return out


# --- hostile sizes -------------------------------------------------------------------


def write_chat(path: Path, messages: int, seed: int = 0) -> Path:
    """A WhatsApp Android export with ``messages`` messages from three people."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(messages):
            minute = i % 60
            who = ("Ana", "Ben", "Caro")[rng.randrange(3)]
            f.write(f"3/2/24, 9:{minute:02d} PM - {who}: {' '.join(rng.choices(WORDS, k=4))}\n")
    return path


def write_zips(work: Path) -> dict[str, Path]:
    text = b"1/2/24, 10:00 - Ana: hi\n" * 2_400_000  # 58 MB unzipped
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("WhatsApp Chat with Ana.txt", text)
    bomb = buf.getvalue()
    liar = bytearray(bomb)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = liar.find(sig)
        while at != -1:
            struct.pack_into("<I", liar, at + offset, 1_000)
            at = liar.find(sig, at + 4)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as z:
        for i in range(5_001):
            z.writestr(f"general/2024-01-{i:05d}.json", b"[]")
    out = {"zip_bomb": bomb, "zip_bomb_lying": bytes(liar), "zip_5001_entries": many.getvalue()}
    for name, data in out.items():
        (work / f"{name}.zip").write_bytes(data)
    return {name: work / f"{name}.zip" for name in out}


def hostile_sizes(work: Path) -> list[tuple[str, Run, bool]]:
    """(case, run, as expected) for every hostile-size case."""
    album = ["--no-audio", "--scores", str(work / "sizes")]
    big = write_chat(work / "million.txt", 1_000_000)
    under = write_chat(work / "under.txt", 199_999)
    over = write_chat(work / "over.txt", 200_001)
    zips = write_zips(work)
    cases: list[tuple[str, Path, bool, str]] = [
        (name, path, False, "unpack|entries|declares") for name, path in zips.items()
    ]
    cases += [
        ("chat_1e6_messages_file", big, False, "larger than"),
        ("chat_1e6_messages_stdin", big, True, "larger than"),
        ("chat_199999_messages", under, False, ""),
        ("chat_200001_messages", over, False, "messages"),
    ]
    out = []
    for name, path, via_stdin, expect in cases:
        print(f"... {name} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
        argv = [*CLI, "compose", "-" if via_stdin else str(path), *album]
        stdin = path if via_stdin else None
        result = run(argv, stdin)
        lines = result.stderr.strip().splitlines()
        if expect:
            ok = (
                result.code == 2
                and len(lines) == 1
                and lines[0].startswith("photograph: error: ")
                and re.search(expect, lines[0]) is not None
            )
        else:
            ok = result.code == 0
        out.append((name, result, ok and result.rss_mb <= RSS_LIMIT_MB))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-sizes", action="store_true", help="leave out the hostile sizes")
    p.add_argument("--skip-concurrency", action="store_true", help="leave out the load test")
    p.add_argument(
        "--clients", type=int, default=128, help="parallel clients (the default queue holds 64)"
    )
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="photograph-robust-") as tmp:
        work = Path(tmp)
        load = {} if args.skip_concurrency else concurrency(args.clients, work)
        sizes = [] if args.skip_sizes else hostile_sizes(work)
        crash = dict.fromkeys(("partial", "lost", "leftovers_seen", "leftovers_after"), 0.0)
        crash |= {"killed": 0.0, "completed": 0.0, "songs": 0.0}
        if args.kills:
            crash = crash_safety(args.kills, random.Random(args.seed), work)
    failures = sum(1 for _, _, ok in sizes if not ok)
    failures += int(crash["partial"] + crash["lost"] + crash["leftovers_after"])
    for key in ("shed_without_retry_after", "http_5xx_not_503", "connection_errors"):
        failures += int(load.get(key, 0))
    for key in ("duplicate_ids", "accepted_not_listed", "bad_reads_during_load"):
        failures += int(load.get(key, 0))
    failures += int(load.get("corrupted_songs", 0) + load.get("server_tracebacks_in_log", 0))
    print(f"cases_run {len(sizes) + args.kills} ({len(sizes)} hostile sizes, {args.kills} kills)")
    print(f"failures {failures}")
    print(f"peak_rss_mb {max((r.rss_mb for _, r, _ in sizes), default=0):.0f}")
    print(f"partial_songs_found {crash['partial']:.0f}")
    print(f"finished_songs_lost {crash['lost']:.0f}")
    print(f"temp_leftovers_after_reopen {crash['leftovers_after']:.0f}")
    print(f"temp_leftovers_seen_before_reopen {crash['leftovers_seen']:.0f}")
    print(
        f"kills_landed {crash['killed']:.0f} (completed before the kill: {crash['completed']:.0f})"
    )
    print(f"songs_in_album {crash['songs']:.0f}")
    for key in sorted(k for k in crash if k.startswith("typical_run_s")):
        print(f"{key} {crash[key]:.2f}")
    for key, value in load.items():
        print(
            f"concurrency_{key} {value:.2f}"
            if key.endswith("_s")
            else f"concurrency_{key} {value:.0f}"
        )
    for name, result, ok in sizes:
        line = result.stderr.strip().splitlines()[-1:] or [""]
        print(
            f"size {name}: {'ok' if ok else 'FAILED'} exit {result.code}, "
            f"peak_rss_mb {result.rss_mb:.0f}, wall_s {result.wall_s:.1f}, {line[0][:110]!r}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
