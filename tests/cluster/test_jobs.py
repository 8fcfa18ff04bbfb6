"""The cluster's parts against a real Redis, without workers: records, the shared queue
limit, cancelling, idempotent saving, giving up after three attempts, the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from composer.album import Album
from composer.chat.limits import Limits
from composer.cli import main
from composer.cluster import codec
from composer.cluster.config import MAX_ATTEMPTS, BrokerError, check_broker, make_app, redact
from composer.cluster.jobs import ClusterJobs, ping
from composer.cluster.store import JobStore, connect
from composer.cluster.tasks import run
from composer.errors import OptionError
from composer.music.options import SongOptions
from composer.pipeline import Request
from composer.web.errors import ConflictError, ServiceBusyError

from .conftest import ROOT, RedisServer


@pytest.fixture
def replicas(redis_server: RedisServer) -> list[ClusterJobs]:
    """Two replicas' job queues on the same (emptied) Redis, queue limit 2."""
    client = connect(redis_server.url)
    client.flushdb()
    made = [ClusterJobs(make_app(redis_server.url), JobStore(client), max_queue=2)]
    made.append(
        ClusterJobs(make_app(redis_server.url), JobStore(connect(redis_server.url)), max_queue=2)
    )
    yield made
    for jobs in made:
        jobs.shutdown()


def test_a_request_crosses_as_json_and_back() -> None:
    request = Request(
        data=b"\x00binary\xffchat",
        fmt="whatsapp",
        filename="chat.txt",
        seed=7,
        song=SongOptions(length_s=30, style="photograph", valence=0.5, humanize=True),
        audio_format="flac",
        engine="musicgen",
        engine_options={"model": "small"},
        musicxml=True,
        limits=Limits(max_bytes=1000),
    )
    assert codec.loads(codec.dumps(request)) == request
    moment = Request(moment="rain on the window")
    assert codec.loads(codec.dumps(moment)) == moment


def test_bad_broker_urls_are_one_clear_error() -> None:
    assert check_broker("redis://:secret@db.example:6380/2") == "redis://:secret@db.example:6380/2"
    assert check_broker("rediss://cache.example:6380/0").startswith("rediss://")
    for bad in ("http://host:6379", "redis://", "redis://host:99999", "redis://h/zero", ""):
        with pytest.raises(OptionError):
            check_broker(bad)
    assert redact("redis://:secret@db:6380/1") == "redis://:***@db:6380/1"
    assert "secret" not in redact("rediss://user:secret@db/0")


def test_messages_are_json_only_with_late_acks(redis_server: RedisServer) -> None:
    conf = make_app(redis_server.url, max_job_s=600).conf
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.broker_transport_options["visibility_timeout"] == 700  # 600 + 600 // 6
    assert conf.task_soft_time_limit == 600
    tls = make_app("rediss://cache.example:6380/0").conf.broker_use_ssl
    assert tls is not None and tls["ssl_cert_reqs"] != 0  # verified unless the URL says so


def test_every_replica_sees_a_queued_job_and_may_cancel_it(replicas: list[ClusterJobs]) -> None:
    a, b = replicas
    job = a.submit(Request(moment="a walk"), "a walk")
    seen = b.state(job.id)
    assert seen is not None and (seen.status, seen.stage, seen.progress) == ("queued", "queued", 0)
    assert b.stats()["queued"] == 1
    assert b.forget(job.id) is True
    assert a.state(job.id) is None and b.forget(job.id) is False


def test_synth_jobs_go_to_cpu_and_musicgen_jobs_to_gpu(replicas: list[ClusterJobs]) -> None:
    a, _ = replicas
    cpu = a.submit(Request(moment="a walk"))
    gpu = a.submit(Request(moment="a walk", engine="musicgen"))
    queues = {job.id: (rec.queue if (rec := a.store.get(job.id)) else None) for job in (cpu, gpu)}
    assert queues == {cpu.id: "cpu", gpu.id: "gpu"}
    assert a.store.redis.llen("gpu") == 1 and a.store.redis.llen("cpu") == 1
    body = json.loads(a.store.redis.lindex("gpu", 0))  # type: ignore[arg-type]
    assert body["headers"]["id"] == gpu.id and body["content-type"] == "application/json"
    assert "a walk" not in json.dumps(body)  # the input stays in the job store, not the message


def test_a_job_whose_replica_died_before_sending_it_fails(replicas: list[ClusterJobs]) -> None:
    a, b = replicas
    assert a.store.add("20990101-000000-orphan-1", "cpu", codec.dumps(Request(moment="x")), 9) < 0
    seen = b.state("20990101-000000-orphan-1")  # recorded, message not sent yet: queued
    assert seen is not None and seen.status == "queued"
    a.store.redis.hset("photograph:job:20990101-000000-orphan-1", "created", time.time() - 61)
    seen = b.state("20990101-000000-orphan-1")  # the replica died before sending it
    assert seen is not None and (seen.status, seen.error_code) == ("failed", "internal")
    assert seen.error_message == "the server stopped before the song was queued"
    assert a.stats()["queued"] == 0
    sent = a.submit(Request(moment="y"))
    assert a.store.redis.hget(f"photograph:job:{sent.id}", "status") == "queued"


def test_the_queue_limit_is_shared(replicas: list[ClusterJobs]) -> None:
    a, b = replicas
    a.submit(Request(moment="one"))
    b.submit(Request(moment="two"))
    with pytest.raises(ServiceBusyError, match="2 songs are waiting"):
        a.submit(Request(moment="three"))
    with pytest.raises(ServiceBusyError):
        b.submit(Request(moment="three"))
    assert a.stats()["queued"] == 2


def test_running_jobs_cannot_be_deleted_and_failures_are_shared(
    replicas: list[ClusterJobs],
) -> None:
    a, b = replicas
    job = a.submit(Request(moment="storm"))
    assert a.store.start(job.id, "host:1:1", MAX_ATTEMPTS) == 1
    a.store.progress(job.id, "rendering", 0.42)
    seen = b.state(job.id)
    assert seen is not None and (seen.status, seen.stage, seen.progress) == (
        "running",
        "rendering",
        0.42,
    )
    with pytest.raises(ConflictError):
        b.forget(job.id)
    a.store.fail(job.id, "bad_input", "the chat is empty")
    seen = b.state(job.id)
    assert seen is not None and (seen.status, seen.error_code) == ("failed", "bad_input")
    assert b.forget(job.id) is True and a.state(job.id) is None


def test_a_second_delivery_is_success_and_a_fourth_gives_up(
    replicas: list[ClusterJobs], tmp_path
) -> None:
    a, _ = replicas
    album = tmp_path / "album"
    storage = Album(album)
    job = a.submit(Request(moment="the first snow", song=SongOptions(length_s=10), no_audio=True))
    assert run(job.id, a.store, storage, 60).startswith("saved")
    assert a.state(job.id) is None  # done: the album has it
    # The same message delivered again (its ack was lost): nothing new is written.
    a.store.redis.hset(f"photograph:job:{job.id}", mapping={"status": "queued", "id": job.id})
    assert run(job.id, a.store, storage, 60) == "already saved"
    assert [p.name for p in album.iterdir()] == [job.id]

    assert run("../../etc", a.store, storage, 60) == "refused: invalid job id"  # a forged message

    lost = a.submit(Request(moment="a crash", no_audio=True))
    for _ in range(MAX_ATTEMPTS):  # three deliveries whose worker died mid-job
        assert a.store.start(lost.id, "host:1:1", MAX_ATTEMPTS) > 0
    assert run(lost.id, a.store, storage, 60) == "gave up"
    state = a.state(lost.id)
    assert state is not None and state.status == "failed"
    assert state.error_message is not None and "3 times" in state.error_message


def test_a_delivery_that_finds_its_song_saved_meanwhile_succeeds(
    replicas: list[ClusterJobs], tmp_path, monkeypatch
) -> None:
    # Two deliveries of one job at once (a worker thought dead still at work): both compose,
    # the second to save finds the first's song, and that is success with one song.
    from composer.cluster import tasks
    from composer.web.worker import compose_and_save_once

    a, _ = replicas
    storage = Album(tmp_path / "album")
    request = Request(moment="twice at once", song=SongOptions(length_s=10), no_audio=True)
    job = a.submit(request)
    # The other delivery saves the song after this one checked the album, before it saves.
    first = compose_and_save_once(request, lambda *_: None, storage, job.id)
    monkeypatch.setattr(tasks, "_saved", lambda album, job_id: False)
    assert run(job.id, a.store, storage, 60).startswith("saved")
    assert a.state(job.id) is None  # done, not failed ("already exists")
    assert [p.name for p in storage.root.iterdir()] == [job.id]
    assert storage.get(job.id).stamp == first.stamp  # the first song, untouched


def test_an_album_that_cannot_be_read_fails_the_job_never_leaves_it_running(
    replicas: list[ClusterJobs], tmp_path, monkeypatch
) -> None:
    from composer.cluster import tasks
    from composer.errors import StorageError

    a, b = replicas
    storage = Album(tmp_path / "album")
    job = a.submit(Request(moment="a bucket that answers 503", no_audio=True))

    def unreadable(album: Album, job_id: str) -> bool:
        raise StorageError("the bucket answered 503")

    monkeypatch.setattr(tasks, "_saved", unreadable)
    assert run(job.id, a.store, storage, 60).startswith("failed")
    state = b.state(job.id)
    assert state is not None and state.status == "failed"
    assert state.error_message is not None and "503" in state.error_message


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``photograph ARGS`` in this process: (exit code, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["worker", "--broker", "http://x"], 2, "invalid broker URL"),
        (["worker"], 2, "needs a broker"),
        (["worker", "--broker", "redis://127.0.0.1:1/0"], 5, "cannot reach the broker"),
        (["serve", "--broker", "redis://127.0.0.1:1/0", "--port", "0"], 5, "cannot reach"),
        (["worker", "--broker", "redis://127.0.0.1:1/0", "--queues", "tpu"], 2, "unknown queue"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], code: int, says: str, capsys) -> None:
    got, err = _cli(capsys, *args)
    assert got == code, err
    assert says in err and err.count("\n") == 1, err


def test_a_password_protected_redis(tmp_path, capsys) -> None:
    server = RedisServer(tmp_path / "redis", password="s3cret")
    server.start()
    try:
        good = ClusterJobs(make_app(server.url), JobStore(connect(server.url)))
        ping(good.store, server.url)
        job = good.submit(Request(moment="a secret"))
        assert good.state(job.id) is not None
        wrong = server.url.replace("s3cret", "guess")
        with pytest.raises(BrokerError, match=r"refused the password") as e:
            ping(JobStore(connect(wrong)), wrong)
        assert "guess" not in str(e.value)
        code, err = _cli(capsys, "worker", "--broker", wrong)
        assert code == 5 and "refused the password" in err, err
    finally:
        server.stop()


def test_the_broker_may_come_from_the_environment(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PHOTOGRAPH_BROKER", "redis://:pw@127.0.0.1:1/0")
    code, err = _cli(capsys, "worker", "--queues", "gpu")
    assert code == 5 and "cannot reach the broker redis://:***@127.0.0.1:1/0" in err, err
    assert "pw@" not in err


def test_the_default_path_imports_no_celery_or_redis() -> None:
    code = (
        "import sys, composer.cli as c, composer.pipeline, composer.web.worker; c.build_parser();"
        "print(','.join(m for m in ('celery','kombu','redis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stderr
