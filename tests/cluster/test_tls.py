"""``rediss://``: a real Redis over TLS (a certificate authority made for the test), a
real worker, a job from an API-side queue; and a certificate we do not trust is refused."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from composer.cluster.config import BrokerError, make_app
from composer.cluster.jobs import ClusterJobs, ping
from composer.cluster.store import JobStore, connect
from composer.music.options import SongOptions
from composer.pipeline import Request

from .conftest import Cluster, RedisServer, wait_for

pytestmark = pytest.mark.slow


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(folder: Path) -> None:
    """A CA, and a server certificate it signs for 127.0.0.1."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "1", "-subj", "/CN=photograph-test-ca", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf",
             cwd=folder)  # fmt: skip


class TlsRedis(RedisServer):
    """``redis-server`` listening on TLS only."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        ca = folder / "ca.pem"
        self.url = f"rediss://127.0.0.1:{self.port}/0?ssl_cert_reqs=required&ssl_ca_certs={ca}"
        self.untrusted = f"rediss://127.0.0.1:{self.port}/0"  # the system's CAs only

    def start(self) -> None:
        f = self.folder
        args = ["redis-server", "--port", "0", "--tls-port", str(self.port)]
        args += ["--bind", "127.0.0.1", "--dir", str(f), "--save", "", "--appendonly", "yes"]
        args += ["--tls-cert-file", str(f / "server.pem"), "--tls-key-file", str(f / "server.key")]
        args += ["--tls-ca-cert-file", str(f / "ca.pem"), "--tls-auth-clients", "no"]
        log = open(f / "redis.log", "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        store = JobStore(connect(self.url))
        wait_for(lambda: _pings(store) or self.proc is None or self.proc.poll() is not None, 10,
                 "redis-server over TLS")  # fmt: skip
        if self.proc.poll() is not None:
            pytest.skip("this redis-server has no TLS: " + (f / "redis.log").read_text()[-200:])


def _pings(store: JobStore) -> bool:
    try:
        return bool(store.redis.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if shutil.which("redis-server") is None or shutil.which("openssl") is None:
        pytest.skip("redis-server and openssl are needed (bash dev test installs them)")
    folder = tmp_path_factory.mktemp("tls")
    make_certificates(folder / "redis")
    server = TlsRedis(folder / "redis")
    server.start()
    cluster = Cluster(folder, server)
    yield cluster
    cluster.close()
    server.stop()


def test_a_job_over_tls(tls_cluster: Cluster) -> None:
    url = tls_cluster.redis.url
    tls_cluster.worker()
    jobs = ClusterJobs(make_app(url), JobStore(connect(url)))
    job = jobs.submit(Request(moment="a quiet harbour", song=SongOptions(length_s=10)))
    wait_for(lambda: jobs.state(job.id) is None, 60, "the job over TLS", 0.1)
    assert (tls_cluster.album / job.id / "score.json").is_file()


def test_a_certificate_we_do_not_trust_is_refused(tls_cluster: Cluster) -> None:
    server = tls_cluster.redis
    assert isinstance(server, TlsRedis)
    with pytest.raises(BrokerError, match="cannot reach the broker") as e:
        ping(JobStore(connect(server.untrusted)), server.untrusted)
    assert "certificate" in str(e.value).lower(), e.value
