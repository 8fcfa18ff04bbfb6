"""Load test of the web API: many concurrent composes against a real local server.

Starts ``photograph serve`` (or ``python -m composer.web.server`` for another executor or
worker count) on a free port with a temporary album, times one job alone, then posts
``--jobs`` compose requests at once and follows each with ``GET /api/songs/{id}`` polls.

Prints one line per figure:

* errors (must be 0): non-2xx answers and failed jobs;
* p50/p95/max latency of ``GET /api/songs/{id}`` during the load (target p95 ≤ 100 ms);
* throughput vs ideal, ideal = one job's time alone × jobs ÷ workers (target ≥ 90 %);
* the box's parallel capacity: how many CPU-bound processes really run at once here
  (on a shared or throttled machine it can be less than the core count), and the
  throughput measured against the ideal for that capacity;
* where the CPU went during the load: seconds used by the server process, by the workers
  and by this client, the box's idle and steal time (time the hypervisor gave to others);
* server RSS: the peak of the summed RSS of the server and its workers, sampled, and the
  sum of their VmHWM (an upper bound) (target ≤ 600 MB).

Usage: ``.venv/bin/python bench/web_load.py [--jobs 32] [--length 60] [--executor thread]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
LINES = [
    "Sam: are you still up?",
    "Theo: always. can't sleep",
    "Sam: me neither, thinking about tomorrow",
    "Theo: the move?",
    "Sam: yeah. it feels so big",
    "Theo: you'll be amazing",
    "Sam: I'll miss this",
    "Theo: me too. call me when you land",
    "Sam: promise",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chat(i: int) -> str:
    """A different small chat for every job (so every song is its own)."""
    lines = [f"{line} ({i})" if k % 3 == i % 3 else line for k, line in enumerate(LINES)]
    return "\n".join(lines)


def _spin(_: int) -> float:
    start = time.perf_counter()
    x = 0
    for i in range(5_000_000):
        x += i
    return time.perf_counter() - start


def parallel_capacity(workers: int) -> float:
    """Processes that truly run in parallel: ``workers`` × time alone ÷ time side by side."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_spin, range(workers))  # start the processes
        alone = min(pool.map(_spin, [0]) + pool.map(_spin, [0]))
        together = max(pool.map(_spin, range(workers)))
    return max(1.0, min(float(workers), workers * alone / together))


def descendants(pid: int) -> list[int]:
    """``pid`` and all its children, grandchildren… (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def last_saved(scores: Path, since: float) -> float:
    """When the last song folder of the album got its last file (the server's clock)."""
    times = [f.stat().st_mtime for f in scores.glob("*/*") if f.is_file()]
    return max((t for t in times if t >= since), default=since)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def box_seconds() -> dict[str, float]:
    """The whole box's CPU seconds so far by kind (``/proc/stat``, summed over cores)."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    return {name: v / tick for name, v in zip(names, values, strict=True)}


class CpuMeter:
    """CPU seconds of the server, its workers, this client and the box over a span."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.start: dict[str, Any] = {}

    def snapshot(self) -> dict[str, Any]:
        workers = [p for p in descendants(self.server_pid) if p != self.server_pid]
        return {
            "server": cpu_seconds(self.server_pid),
            "workers": {p: cpu_seconds(p) for p in workers},
            "client": sum(os.times()[:2]),
            "box": box_seconds(),
        }

    def begin(self) -> None:
        self.start = self.snapshot()

    def end(self) -> dict[str, float]:
        a, b = self.start, self.snapshot()
        used = sum(t - a["workers"].get(p, 0.0) for p, t in b["workers"].items())
        box = {k: b["box"][k] - a["box"][k] for k in b["box"]}
        return {
            "server": b["server"] - a["server"],
            "workers": used,
            "client": b["client"] - a["client"],
            "idle": box["idle"] + box["iowait"],
            "steal": box["steal"],
        }


class RssSampler(threading.Thread):
    """Samples the summed RSS of a process tree; keeps the peak and each VmHWM."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.sample()

    def sample(self) -> None:
        total = 0
        for p in descendants(self.pid):
            total += status_kb(p, "VmRSS")
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), status_kb(p, "VmHWM"))
        self.peak_kb = max(self.peak_kb, total)


async def run_job(
    client: httpx.AsyncClient,
    i: int,
    length: float,
    poll: float,
    latencies: list[float] | None,
    errors: list[str],
) -> float:
    """POST one song and poll it until done; returns the time it took."""
    start = time.perf_counter()
    r = await client.post("/api/songs", json={"chat": chat(i), "length": length})
    if r.status_code != 202:
        errors.append(f"POST {r.status_code}: {r.text[:200]}")
        return time.perf_counter() - start
    song_id = r.json()["id"]
    while True:
        await asyncio.sleep(poll)
        t = time.perf_counter()
        r = await client.get(f"/api/songs/{song_id}")
        if latencies is not None:
            latencies.append(time.perf_counter() - t)
        if r.status_code != 200:
            errors.append(f"GET {r.status_code}: {r.text[:200]}")
            break
        body = r.json()
        if body["status"] == "failed":
            errors.append(f"job failed: {body['error']}")
            break
        if body["status"] == "done":
            break
    return time.perf_counter() - start


async def bench(url: str, jobs: int, length: float, poll: float, meter: CpuMeter) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=jobs + 8, max_keepalive_connections=jobs + 8)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        info = (await client.get("/api/info")).json()
        errors: list[str] = []
        await run_job(client, 10_000, length, 0.05, None, errors)  # warm-up
        meter.begin()
        alone = [await run_job(client, 10_001 + k, length, 0.05, None, errors) for k in range(5)]
        cpu_alone = meter.end()["workers"] / len(alone)
        latencies: list[float] = []
        meter.begin()
        start, start_epoch = time.perf_counter(), time.time()
        await asyncio.gather(
            *(run_job(client, i, length, poll, latencies, errors) for i in range(jobs))
        )
        wall = time.perf_counter() - start
        cpu = meter.end()
    for e in errors[:5]:
        print(f"  error: {e}", file=sys.stderr)
    lat = sorted(latencies)
    workers = info["workers"]["workers"]
    one = statistics.median(alone)
    return {
        "workers": workers,
        "executor": info["workers"]["executor"],
        "errors": len(errors),
        "alone_s": one,
        "wall_s": wall,
        "ideal_s": one * jobs / workers,
        "p50_ms": 1000 * lat[len(lat) // 2],
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
        "max_ms": 1000 * lat[-1],
        "gets": len(lat),
        "cpu": cpu,
        "cpu_alone": cpu_alone,
        "start_epoch": start_epoch,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=32)
    p.add_argument("--length", type=float, default=60.0, help="song length in seconds")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between status polls")
    p.add_argument("--executor", choices=("process", "thread"), default="process")
    p.add_argument("--workers", type=int, help="default: the server's (one per core)")
    args = p.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="photograph-bench-") as tmp:
        scores = Path(tmp) / "scores"
        if args.executor == "process" and args.workers is None:
            command = [str(Path(sys.executable).parent / "photograph"), "serve"]
        else:
            command = [sys.executable, "-m", "composer.web.server", "--executor", args.executor]
            if args.workers:
                command += ["--workers", str(args.workers)]
        command += ["--port", str(port), "--scores", str(scores)]
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        sampler = RssSampler(server.pid)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{url}/api/info", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.close()
                        print((Path(tmp) / "server.log").read_text(), file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            sampler.start()
            r = asyncio.run(bench(url, args.jobs, args.length, args.poll, CpuMeter(server.pid)))
            sampler.sample()
            r["saved_s"] = last_saved(scores, r["start_epoch"]) - r["start_epoch"]
        finally:
            sampler.stop.set()
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    cores = os.cpu_count()
    capacity = parallel_capacity(int(r["workers"]))
    ideal_here = r["alone_s"] * args.jobs / capacity
    print(
        f"setup: {args.jobs} jobs of {args.length:g} s songs, {r['workers']} workers "
        f"({r['executor']}), {cores} cores"
    )
    print(f"errors: {r['errors']}")
    print(f"one job alone: {r['alone_s']:.2f} s")
    print(
        f"GET /api/songs/{{id}} latency during load: p50 {r['p50_ms']:.1f} ms, "
        f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms ({r['gets']} requests)"
    )
    print(
        f"throughput vs ideal: {100 * r['ideal_s'] / r['wall_s']:.1f} % "
        f"(wall {r['wall_s']:.1f} s, ideal {r['ideal_s']:.1f} s)"
    )
    print(
        f"  measured to the last song saved (no poll delay): "
        f"{100 * r['ideal_s'] / r['saved_s']:.1f} % (wall {r['saved_s']:.1f} s)"
    )
    print(
        f"parallel capacity of this box: {capacity:.2f} of {r['workers']} workers; throughput "
        f"vs the ideal for it: {100 * ideal_here / r['wall_s']:.1f} %"
    )
    cpu = r["cpu"]
    print(
        f"CPU during the load ({cores} cores × {r['wall_s']:.1f} s = "
        f"{(cores or 1) * r['wall_s']:.1f} s): workers {cpu['workers']:.1f} s, server "
        f"{cpu['server']:.1f} s, this client {cpu['client']:.1f} s, idle {cpu['idle']:.1f} s, "
        f"steal {cpu['steal']:.1f} s; a job's worker CPU: {r['cpu_alone']:.2f} s alone, "
        f"{cpu['workers'] / args.jobs:.2f} s under load"
    )
    others = sorted((kb for pid, kb in sampler.hwm_kb.items() if pid != server.pid), reverse=True)
    print(
        f"server RSS peak: {sampler.peak_kb / 1024:.0f} MB "
        f"(sum of VmHWM: {sum(sampler.hwm_kb.values()) / 1024:.0f} MB; server process "
        f"{sampler.hwm_kb.get(server.pid, 0) / 1024:.0f} MB, children "
        f"{', '.join(f'{kb / 1024:.0f}' for kb in others)} MB)"
    )
    return 0 if r["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
