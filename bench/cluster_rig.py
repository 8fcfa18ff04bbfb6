"""The rig of ``bench/cluster.py``: a real ``redis-server``, ``photograph worker`` and
``photograph serve --broker`` processes on this machine, and ways to watch and kill them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"bench/cluster.py: timed out waiting for {what}")


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process and its children (it leads its own process group)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        if sig == signal.SIGKILL:
            self.popen.wait(10)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


class Rig:
    """Redis, workers and replicas sharing one album in ``folder``."""

    def __init__(self, folder: Path, max_job_s: int) -> None:
        self.folder = folder
        self.album = folder / "album"
        self.max_job_s = max_job_s
        self.redis_port = free_port()
        self.url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.redis_proc: subprocess.Popen[bytes] | None = None
        self.procs: list[Proc] = []
        self.db = redis.Redis.from_url(self.url, decode_responses=True)

    # ------------------------------------------------------------------ redis
    def start_redis(self) -> None:
        args = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "everysec"]
        args += ["--save", ""]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the server keeps it
        self.redis_proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._ping, 10, "redis-server")

    def _ping(self) -> bool:
        try:
            return bool(self.db.ping())
        except redis.RedisError:
            return False

    def kill_redis(self) -> None:
        if self.redis_proc is not None:
            self.redis_proc.kill()
            self.redis_proc.wait(10)

    # -------------------------------------------------------------- processes
    def _spawn(self, args: list[str], name: str, port: int = 0) -> Proc:
        log = self.folder / f"{name}-{len(self.procs)}.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PHOTOGRAPH_THREADS": "1"}
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", "composer.cli", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                env=env,
                start_new_session=True,
            )
        proc = Proc(popen, log, port)
        self.procs.append(proc)
        return proc

    def worker(self) -> Proc:
        """A worker of one process (``--concurrency 1``) on the ``cpu`` queue."""
        args = ["worker", "--broker", self.url, "--storage", str(self.album), "--queues", "cpu"]
        args += ["--concurrency", "1", "--max-job-seconds", str(self.max_job_s)]
        return self._spawn(args, "worker")

    def ready(self, proc: Proc) -> None:
        wait_for(lambda: " ready." in proc.text(), 90, "a worker")

    def api(self, port: int | None = None) -> Proc:
        port = port or free_port()
        args = ["serve", "--broker", self.url, "--storage", str(self.album), "--port", str(port)]
        args += ["--max-queue", "1000"]
        proc = self._spawn(args, "api", port)
        wait_for(lambda: _up(proc.base), 60, "an API replica", 0.1)
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.kill_all(signal.SIGTERM)
        time.sleep(1)
        for proc in self.procs:
            proc.kill_all(signal.SIGKILL)
        if self.redis_proc is not None:
            self.redis_proc.terminate()
            self.redis_proc.wait(10)

    # ------------------------------------------------------------------- jobs
    def record(self, song_id: str) -> dict[str, str]:
        try:
            return self.db.hgetall(f"photograph:job:{song_id}")  # type: ignore[return-value]
        except redis.RedisError:
            return {"status": "unknown"}

    def saved(self, song_id: str) -> bool:
        return (self.album / song_id / "score.json").is_file()

    def copies(self, song_id: str) -> int:
        """Folders of this song in the album (more than one would be a duplicate)."""
        return sum(1 for p in self.album.iterdir() if p.name.startswith(song_id))


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/api/info", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
