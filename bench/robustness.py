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

Concurrency: a real ``photograph serve`` on a free localhost port (defaults: one worker
per core, 64 waiting jobs at most) gets ``--clients`` (default 128, so the queue overflows)
clients at once, each POSTing a 10 s moment and then reading the album list and a song; the
album keeps being read (every listed ``song.mid`` must parse) until every accepted song is
done. Then every listed song's ``song.mid`` must parse strictly with mido and its
``score.json`` load, over HTTP and on disk. Prints ``concurrency_*``: requests sent,
202/429/503 counts, shed answers without ``Retry-After`` (must be 0), 5xx other than 503
(0), connection errors (0), duplicate ids (0), accepted songs missing from the album (0),
corrupted songs (0), tracebacks in the server's log (0), and the peak RSS of the server
(``VmHWM``), of its largest worker and of both together (sampled).

Prints ``cases_run``, ``failures``, ``peak_rss_mb``, ``partial_songs_found``,
``finished_songs_lost``, ``temp_leftovers_after_reopen`` and a line per case.

Usage: ``python bench/robustness.py [--kills 100] [--seed 1] [--skip-sizes]
[--skip-concurrency] [--clients 128]``; the load test alone: ``--kills 0 --skip-sizes``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import importlib.util
import io
import json
import os
import random
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from composer.album import TMP_PREFIX, Album  # noqa: E402

PHOTOGRAPH = ROOT / ".venv" / "bin" / "photograph"
CLI = [str(PHOTOGRAPH)] if PHOTOGRAPH.exists() else [sys.executable, "-m", "composer.cli"]
HAS_SYNTH = importlib.util.find_spec("composer.engines.synth") is not None
RSS_LIMIT_MB = 1024
WORDS = ("love", "sorry", "why", "happy", "angry", "miss you", "tonight", "home", "ok", "ugh")


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


def song_problem(song: Path) -> str:
    """Empty for a complete song; else what is missing or broken."""
    import mido
    import soundfile

    try:
        mid = mido.MidiFile(file=io.BytesIO((song / "song.mid").read_bytes()), clip=False)
        if not mid.tracks or any(t[-1].type != "end_of_track" for t in mid.tracks):
            return "song.mid is not closed"
        files = json.loads((song / "score.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, EOFError) as exc:
        return f"{type(exc).__name__}: {exc}"
    for role, name in files.items():
        if not (song / name).is_file():
            return f"lists {name} but lacks it"
        if role == "audio":
            try:
                if soundfile.info(str(song / name)).frames <= 0:
                    return f"{name} is empty"
            except (RuntimeError, soundfile.LibsndfileError) as exc:
                return f"{name} unreadable: {exc}"
    return ""


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


# --- concurrency ---------------------------------------------------------------------


@dataclass(slots=True)
class Load:
    """What the concurrent clients saw."""

    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    no_retry_after: int = 0
    connection_errors: int = 0
    ids: list[str] = field(default_factory=list)
    bad_reads: list[str] = field(default_factory=list)  # a listed song that did not parse
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, retry_after: str | None) -> None:
        with self.lock:
            self.sent += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status in (429, 503) and not (retry_after or "").isdigit():
                self.no_retry_after += 1


def _http(
    load: Load, port: int, method: str, path: str, body: bytes | None = None
) -> tuple[int, bytes]:
    """One request on its own connection; (status, body), or (0, b"") when it failed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
    except OSError:
        with load.lock:
            load.sent += 1
            load.connection_errors += 1
        return 0, b""
    finally:
        conn.close()
    load.note(r.status, r.getheader("Retry-After"))
    return r.status, data


def _read_album(load: Load, port: int, rng: random.Random) -> None:
    """List the album and read one listed song: its MIDI must parse strictly."""
    import mido

    status, data = _http(load, port, "GET", "/api/songs?limit=100")
    if status != 200:
        return
    items = json.loads(data)["items"]
    if not items:
        return
    song_id = rng.choice(items)["id"]
    status, midi = _http(load, port, "GET", f"/api/songs/{song_id}/song.mid")
    if status == 200:
        try:
            mido.MidiFile(file=io.BytesIO(midi), clip=False)
        except (OSError, ValueError, EOFError, KeyError) as exc:
            load.bad_reads.append(f"{song_id}: {exc}")


def _client(load: Load, port: int, i: int, start: threading.Barrier) -> None:
    """Wait for the others, POST a moment, then read the album and the new song."""
    rng = random.Random(i)
    body = {"moment": f"{rng.choice(WORDS)} and {rng.choice(WORDS)}, night {i}", "length": 10}
    start.wait()
    status, data = _http(load, port, "POST", "/api/songs", json.dumps(body | {"seed": i}).encode())
    if status == 202:
        with load.lock:
            load.ids.append(json.loads(data)["id"])
    _read_album(load, port, rng)
    if load.ids:
        _http(load, port, "GET", f"/api/songs/{rng.choice(load.ids)}")


def _vm(pid: int, key: str) -> float:
    """A ``/proc/PID/status`` memory figure (VmRSS, VmHWM) in MB; 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(p) for p in task.read_text().split()]
    return out


def concurrency(clients: int, work: Path) -> dict[str, float]:
    """``clients`` parallel composes and reads against a real ``photograph serve``."""
    import mido

    scores = work / "concurrent"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = work / "serve.log"
    with open(log, "wb") as out:
        argv = [*CLI, "serve", "--port", str(port), "--scores", str(scores)]
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    load = Load()
    peak_total = 0.0
    try:
        deadline = time.monotonic() + 60
        while _http(Load(), port, "GET", "/api/info")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-500:]}")
            time.sleep(0.2)
        start = threading.Barrier(clients)
        threads = [
            threading.Thread(target=_client, args=(load, port, i, start)) for i in range(clients)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_s = time.perf_counter() - started
        pending, rng = set(load.ids), random.Random(0)
        deadline = time.monotonic() + 900
        while pending and time.monotonic() < deadline:  # keep reading while songs are saved
            workers = _children(server.pid)
            rss = _vm(server.pid, "VmRSS") + sum(_vm(w, "VmRSS") for w in workers)
            peak_total = max(peak_total, rss)
            _read_album(load, port, rng)
            for song_id in list(pending)[:8]:
                status, data = _http(load, port, "GET", f"/api/songs/{song_id}")
                if status != 200 or json.loads(data)["status"] in ("done", "failed"):
                    pending.discard(song_id)
            time.sleep(0.2)
        drained_s = time.perf_counter() - started
        server_hwm = _vm(server.pid, "VmHWM")
        worker_hwm = max((_vm(w, "VmHWM") for w in _children(server.pid)), default=0.0)
        listed: list[str] = []
        offset = 0
        while True:
            status, data = _http(load, port, "GET", f"/api/songs?limit=100&offset={offset}")
            page = json.loads(data) if status == 200 else {"items": []}
            listed += [item["id"] for item in page["items"]]
            offset += 100
            if not page.get("next"):
                break
        corrupted = 0
        for song_id in listed:
            ok = True
            status, midi = _http(load, port, "GET", f"/api/songs/{song_id}/song.mid")
            score_status, score = _http(load, port, "GET", f"/api/songs/{song_id}/score.json")
            try:
                mido.MidiFile(file=io.BytesIO(midi), clip=False)
                json.loads(score)
            except (OSError, ValueError, EOFError, KeyError):
                ok = False
            problem = song_problem(scores / song_id)
            if status != 200 or score_status != 200 or not ok or problem:
                corrupted += 1
                print(f"corrupted song {song_id}: {problem or status}", file=sys.stderr)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    text = log.read_text(errors="replace")
    codes = load.statuses
    return {
        "clients": clients,
        "requests_sent": load.sent,
        "accepted_202": codes.get(202, 0),
        "shed_429": codes.get(429, 0),
        "shed_503": codes.get(503, 0),
        "shed_without_retry_after": load.no_retry_after,
        "http_5xx_not_503": sum(n for c, n in codes.items() if c >= 500 and c != 503),
        "connection_errors": load.connection_errors,
        "duplicate_ids": len(load.ids) - len(set(load.ids)) + len(listed) - len(set(listed)),
        "songs_listed": len(listed),
        "accepted_not_listed": len(set(load.ids) - set(listed)),
        "bad_reads_during_load": len(load.bad_reads),
        "corrupted_songs": corrupted,
        "server_tracebacks_in_log": text.count("Traceback"),
        "server_peak_rss_mb": server_hwm,
        "worker_peak_rss_mb": worker_hwm,
        "server_plus_workers_peak_rss_mb": peak_total,
        "burst_s": burst_s,
        "drained_s": drained_s,
    }


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
