"""The concurrency section of ``bench/robustness.py``: many clients against one server.

A real ``photograph serve`` on a free localhost port (defaults: one worker per core, 64
waiting jobs at most) gets ``--clients`` (default 128, so the queue overflows) clients at
once, each POSTing a 10 s moment and then reading the album list and a song; the album
keeps being read (every listed ``song.mid`` must parse) until every accepted song is done.
Then every listed song's ``song.mid`` must parse strictly with mido and its ``score.json``
load, over HTTP and on disk. Prints ``concurrency_*``: requests sent, 202/429/503 counts,
shed answers without ``Retry-After`` (must be 0), 5xx other than 503 (0), connection
errors (0), duplicate ids (0), accepted songs missing from the album (0), corrupted songs
(0), tracebacks in the server's log (0), and the peak RSS of the server (``VmHWM``), of
its largest worker and of both together (sampled).
"""

from __future__ import annotations

import http.client
import io
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.robustness_common import CLI, WORDS, song_problem


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
