"""Fixtures for the cluster tests: a real ``redis-server`` (own port, data dir and
append-only file), real ``photograph worker`` processes and real API replicas."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The workers' longest job in these tests: Redis hands a lost job out again after
#: visibility_timeout(8) = 13 s.
MAX_JOB_S = 8
#: Songs long enough to be killed mid-job, short enough to keep the tests quick.
SONG = {"length": 40}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(check: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``check()`` until it returns something true; fail with ``what`` after ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """``redis-server`` on a free port with its own folder and ``appendonly yes``."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.password = password
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "everysec"]
        args += ["--save", "", "--protected-mode", "yes"]
        if self.password:
            args += ["--requirepass", self.password]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.ping, 10, "redis-server to start")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown save, only what the append-only file already holds."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


@dataclass
class Proc:
    """A process we started (in its own session: a worker with its children)."""

    popen: subprocess.Popen[bytes]
    log: Path
    port: int = 0
    args: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def signal_all(self, sig: int) -> None:
        """Send ``sig`` to the process and its children (its process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.signal_all(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.signal_all(signal.SIGKILL)
                self.popen.wait(5)
        self.signal_all(signal.SIGKILL)  # children left behind


class Cluster:
    """Workers and API replicas on one Redis and one album (a folder, or ``storage``)."""

    def __init__(self, folder: Path, redis: RedisServer, storage: str | None = None) -> None:
        self.folder = folder
        self.redis = redis
        self.album = folder / "album"
        self.storage = storage or str(self.album)
        self.procs: list[Proc] = []

    def _spawn(self, args: list[str], name: str, port: int = 0) -> Proc:
        log = self.folder / f"{name}-{len(self.procs)}.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PHOTOGRAPH_THREADS": "1"}
        env.pop("PHOTOGRAPH_BROKER", None)
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", "composer.cli", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                env=env,
                start_new_session=True,
            )
        proc = Proc(popen, log, port, args)
        self.procs.append(proc)
        return proc

    def worker(
        self,
        queues: str = "cpu",
        concurrency: int = 1,
        wait: bool = True,
        max_job_s: int = MAX_JOB_S,
        extra: tuple[str, ...] = (),
    ) -> Proc:
        args = ["worker", "--broker", self.redis.url, "--storage", self.storage]
        args += ["--queues", queues, "--concurrency", str(concurrency)]
        args += ["--max-job-seconds", str(max_job_s), *extra]
        proc = self._spawn(args, "worker")
        if wait:
            wait_for(lambda: " ready." in proc.text() or proc.popen.poll() is not None, 90,
                     "a worker to be ready")  # fmt: skip
            assert proc.popen.poll() is None, proc.text()
        return proc

    def api(self, port: int | None = None) -> Proc:
        port = port or free_port()
        args = ["serve", "--broker", self.redis.url, "--storage", self.storage]
        args += ["--port", str(port), "--max-queue", "64"]
        proc = self._spawn(args, "api", port)
        wait_for(lambda: _up(proc) or proc.popen.poll() is not None, 60, "an API replica")
        assert proc.popen.poll() is None, proc.text()
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()


def _up(proc: Proc) -> bool:
    try:
        with urllib.request.urlopen(proc.base + "/api/info", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """One HTTP request; ``(status, parsed JSON or raw bytes)``."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("content-type", "")
    return status, json.loads(raw) if "json" in ctype and raw else raw


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (bash dev test installs it)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer
) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"), redis_server)
    yield c
    c.close()
