"""Scale-out figures: a real Redis, real Celery workers and two API replicas, on this machine.

Prints one line per figure (targets from issue 15):

* throughput with 2 workers vs 1 (one process and one thread each; target ≥ 1.7×);
* replica B sees replica A's jobs at once (target 100 %, never a 404 while queued), and the
  p50/p95 of ``GET /api/songs/{id}`` on both replicas while ``--load`` jobs run (p95 ≤ 100 ms);
* event lag: from a song's save (its ``score.json``'s time) to the ``done`` event on replica
  B's stream, for songs posted on A (target < 1 s);
* jobs lost across SIGKILLs of worker children and whole workers (target 0 of 50 across 20),
  songs per id (≤ 1), recovery: from the kill to the job running again (child: < 5 s; whole
  worker: < visibility_timeout + 5 s);
* jobs lost when replica A is killed and restarted mid-load, and when Redis is killed
  (SIGKILL: only its append-only file is left), left down 3 s and restarted: those accepted
  more than 1 s before must all survive.

Usage: ``.venv/bin/python bench/cluster.py [--jobs 50] [--kills 20] [--load 32]``
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cluster_rig import Proc, Rig, wait_for  # noqa: E402
from bench.web_load import parallel_capacity  # noqa: E402
from composer.cluster.config import visibility_timeout  # noqa: E402

LENGTH_S = 20  # short synth songs: about a second of work each


def post(client: httpx.Client, base: str, i: int) -> str:
    body = {"moment": f"a walk by the sea, take {i}", "length": LENGTH_S}
    r = client.post(base + "/api/songs", json=body, timeout=30)
    r.raise_for_status()
    return str(r.json()["id"])


def wait_done(rig: Rig, ids: list[str], timeout: float) -> tuple[list[str], list[str]]:
    """Wait until every job is saved or failed; returns (saved, not saved)."""
    end = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < end:
        for song_id in list(pending):
            if rig.saved(song_id) or rig.record(song_id).get("status") == "failed":
                pending.discard(song_id)
        time.sleep(0.1)
    saved = [i for i in ids if rig.saved(i)]
    return saved, [i for i in ids if i not in saved]


def throughput(rig: Rig, client: httpx.Client, base: str, jobs: int, workers: int) -> float:
    """Songs per second for ``jobs`` posted at once, after one job per worker (warm-up)."""
    wait_done(rig, [post(client, base, 900 + i + 10 * workers) for i in range(workers)], 120)
    start = time.time()
    ids = [post(client, base, i + 100 * workers) for i in range(jobs)]
    saved, lost = wait_done(rig, ids, 600)
    if lost:
        raise SystemExit(f"bench/cluster.py: {len(lost)} jobs not saved in the throughput run")
    last = max((rig.album / i / "score.json").stat().st_mtime for i in saved)
    return jobs / (last - start)


def visibility_and_latency(rig: Rig, a: str, b: str, jobs: int) -> None:
    seen, latencies = 0, []
    with httpx.Client() as client, ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda i: post(client, a, 1000 + i), range(jobs)))
        for song_id in ids:
            if client.get(f"{b}/api/songs/{song_id}").status_code == 200:
                seen += 1
        pending = set(ids)
        while pending:
            for song_id in list(pending):
                for base in (a, b):
                    t = time.perf_counter()
                    r = client.get(f"{base}/api/songs/{song_id}")
                    latencies.append(time.perf_counter() - t)
                    if r.status_code != 200:
                        raise SystemExit(f"bench/cluster.py: {r.status_code} for {song_id}")
                    if r.json()["status"] in ("done", "failed"):
                        pending.discard(song_id)
            time.sleep(0.05)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"replica B sees A's jobs at once: {seen}/{jobs} ({100 * seen / jobs:.0f} %; target 100 %)"
    )
    print(
        f"status latency during {jobs} jobs, {len(latencies)} GETs on both replicas: "
        f"p50 {1000 * q[49]:.1f} ms, p95 {1000 * q[94]:.1f} ms (target p95 <= 100 ms)"
    )


def event_lag(rig: Rig, a: str, b: str, jobs: int) -> None:
    """Post on A, follow on B's event stream: seconds from the song's save to B's event."""
    lags = []
    with httpx.Client(timeout=60) as client:
        for i in range(jobs):
            song_id = post(client, a, 7000 + i)
            arrived = 0.0
            with client.stream("GET", f"{b}/api/songs/{song_id}/events") as stream:
                for line in stream.iter_lines():
                    if line == "event: done":
                        arrived = time.time()
                        break
            if not arrived:
                raise SystemExit(f"bench/cluster.py: no done event for {song_id}")
            saved = (rig.album / song_id / "score.json").stat().st_mtime
            lags.append(arrived - saved)
    print(
        f"replica B's 'done' event after the song was saved (posted on A): median "
        f"{statistics.median(lags) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms over {jobs} "
        "songs (target < 1 s)",
        flush=True,
    )


class Recovery(threading.Thread):
    """Watch killed jobs: seconds from each kill to the job's next start."""

    def __init__(self, rig: Rig) -> None:
        super().__init__(daemon=True)
        self.rig = rig
        self.watch: dict[str, tuple[str, float, int]] = {}  # id → (kind, kill time, attempt)
        self.found: dict[str, list[float]] = {"child": [], "worker": []}
        self.lock = threading.Lock()
        self.stop = False

    def add(self, song_id: str, kind: str, attempt: int) -> None:
        with self.lock:
            self.watch[song_id] = (kind, time.monotonic(), attempt)

    def run(self) -> None:
        while not self.stop:
            with self.lock:
                items = list(self.watch.items())
            for song_id, (kind, at, attempt) in items:
                rec = self.rig.record(song_id)
                restarted = int(rec.get("attempts", "0") or 0) > attempt
                if restarted or self.rig.saved(song_id):
                    with self.lock:
                        self.found[kind].append(time.monotonic() - at)
                        del self.watch[song_id]
            time.sleep(0.02)


def _workers(rig: Rig) -> dict[int, Proc]:
    return {w.popen.pid: w for w in rig.procs if "worker" in w.log.name and w.popen.poll() is None}


def _running(rig: Rig, song_id: str) -> tuple[int, int, int]:
    """Wait until the job runs; (attempt, child pid, worker pid)."""
    rec = wait_for(
        lambda: (r := rig.record(song_id)).get("status") == "running" and r, 60, "a job", 0.01
    )
    _, child, parent = rec["worker"].rsplit(":", 2)
    return int(rec["attempts"]), int(child), int(parent)


def _again(rig: Rig, song_id: str, attempt: int) -> bool:
    """The job started again (a later attempt) or was saved."""
    return int(rig.record(song_id).get("attempts", "0") or 0) > attempt or rig.saved(song_id)


def recovery_alone(rig: Rig, base: str, children: int, wholes: int) -> None:
    """Kill the child (or the whole worker) running the only job; time until it runs again."""
    found: dict[str, list[float]] = {"child": [], "worker": []}
    with httpx.Client() as client:
        for kind in ["child"] * children + ["worker"] * wholes:
            song_id = post(client, base, 6000 + len(found["child"]) + 10 * len(found["worker"]))
            attempt, child, parent = _running(rig, song_id)
            killed = time.monotonic()
            if kind == "child":
                os.kill(child, signal.SIGKILL)
            else:
                _workers(rig)[parent].kill_all()
                rig.worker()  # its replacement (may take the job too)
            wait_for(partial(_again, rig, song_id, attempt), 120, "the job to run again", 0.01)
            found[kind].append(time.monotonic() - killed)
            wait_done(rig, [song_id], 120)
    vt = visibility_timeout(rig.max_job_s)
    for kind, target in (("child", "< 5 s"), ("worker", f"< visibility_timeout {vt} s + 5 s")):
        times = found[kind]
        if times:
            print(
                f"recovery after a killed {kind} (nothing else queued): median "
                f"{statistics.median(times):.1f} s, max {max(times):.1f} s over {len(times)} "
                f"kills (target {target})",
                flush=True,
            )


def kills(rig: Rig, base: str, jobs: int, n_kills: int) -> None:
    by_pid = _workers(rig)
    recovery = Recovery(rig)
    recovery.start()
    with httpx.Client() as client:
        ids = [post(client, base, 2000 + i) for i in range(jobs)]
    done_kills, whole = 0, 0
    end = time.monotonic() + 600
    while done_kills < n_kills and time.monotonic() < end:
        for song_id in ids:
            rec = rig.record(song_id)
            attempt = int(rec.get("attempts", "0") or 0)
            if rec.get("status") != "running" or attempt >= 2 or song_id in recovery.watch:
                continue  # at most two kills per job: a third would fail it on purpose
            _, child, parent = rec["worker"].rsplit(":", 2)
            if done_kills % 4 == 3 and int(parent) in by_pid:  # every fourth: a whole worker
                victim = by_pid.pop(int(parent))
                victim.kill_all()
                recovery.add(song_id, "worker", attempt)
                by_pid[rig.worker().popen.pid] = rig.procs[-1]  # its replacement
                whole += 1
            else:
                try:
                    os.kill(int(child), signal.SIGKILL)
                except ProcessLookupError:
                    continue
                recovery.add(song_id, "child", attempt)
            done_kills += 1
            break
        time.sleep(0.05)
    _, lost = wait_done(rig, ids, 600)
    wait_for(lambda: not recovery.watch, 120, "the killed jobs to start again")
    recovery.stop = True
    most = max(rig.copies(i) for i in ids)
    vt = visibility_timeout(rig.max_job_s)
    print(
        f"jobs lost across {done_kills} SIGKILLs ({done_kills - whole} worker children, "
        f"{whole} whole workers): {len(lost)} of {jobs} (target 0); most songs per id: {most}",
        flush=True,
    )
    for kind, note in (("child", "back of the queue"), ("worker", f"{vt} s after its delivery")):
        times = recovery.found[kind]
        if times:
            print(
                f"  under load, a job whose {kind} was killed ran again after: median "
                f"{statistics.median(times):.1f} s, max {max(times):.1f} s ({note})",
                flush=True,
            )


def restarts(rig: Rig, a_port: int, b: str, jobs: int) -> None:
    with httpx.Client() as client:
        a = next(p for p in rig.procs if p.port == a_port)
        ids = [post(client, a.base, 3000 + i) for i in range(jobs)]
        a.kill_all()
        rig.api(port=a_port)
        _, lost = wait_done(rig, ids, 600)
        print(f"jobs lost when replica A was killed and restarted mid-load: {len(lost)} of {jobs}")
        early = [post(client, b, 4000 + i) for i in range(jobs)]
        time.sleep(1.2)
        late = [post(client, b, 5000 + i) for i in range(3)]
        rig.kill_redis()
        time.sleep(3)  # down longer than the clients' own retries
        rig.start_redis()
        _, lost_early = wait_done(rig, early, 600)
        _, lost_late = wait_done(rig, late, 120)
    print(
        f"jobs lost when Redis was killed and restarted: {len(lost_early)} of {jobs} accepted "
        f"> 1 s before (target 0); {len(lost_late)} of {len(late)} accepted just before"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=50, help="jobs in the SIGKILL run")
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--load", type=int, default=32, help="jobs in the latency run")
    p.add_argument("--throughput-jobs", type=int, default=16)
    p.add_argument("--max-job-seconds", type=int, default=10)
    p.add_argument("--throughput-only", action="store_true", help="only 2 workers vs 1")
    args = p.parse_args()
    print(f"machine: {os.cpu_count()} cores; songs of {LENGTH_S} s, synth engine", flush=True)
    with tempfile.TemporaryDirectory(prefix="photograph-cluster-") as tmp:
        rig = Rig(Path(tmp), args.max_job_seconds)
        try:
            rig.start_redis()
            first = rig.worker()
            a, b = rig.api(), rig.api()
            rig.ready(first)
            with httpx.Client() as client:
                one = throughput(rig, client, a.base, args.throughput_jobs, 1)
                rig.ready(rig.worker())
                two = throughput(rig, client, a.base, args.throughput_jobs, 2)
            print(
                f"throughput: 1 worker {one * 60:.1f} songs/min, 2 workers {two * 60:.1f} "
                f"songs/min: {two / one:.2f}x (target >= 1.7x; this box runs "
                f"{parallel_capacity(2):.2f} CPU-bound processes at once)",
                flush=True,
            )
            if args.throughput_only:
                return 0
            visibility_and_latency(rig, a.base, b.base, args.load)
            event_lag(rig, a.base, b.base, 8)
            recovery_alone(rig, b.base, 3, 1)
            kills(rig, b.base, args.jobs, args.kills)
            restarts(rig, a.port, b.base, 10)
        finally:
            rig.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
