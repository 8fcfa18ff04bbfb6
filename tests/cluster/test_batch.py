"""The ``gpu`` queue's batches on CPU: a tiny random MusicGen model saved to a folder (as
``photograph worker --queues gpu --model FOLDER --device cpu`` loads it), a real Redis job
store and a real album. Songs decoded in one batch are saved once each with their own
progress, equal the same songs decoded alone, and a bad input fails alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from composer.album import Album
from composer.cluster.batch import run_batch
from composer.cluster.config import make_app
from composer.cluster.jobs import ClusterJobs
from composer.cluster.store import JobStore, connect
from composer.music.options import SongOptions
from composer.pipeline import Request

from .conftest import RedisServer

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.engines.test_musicgen import tiny_model, tiny_tokenizer  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-musicgen-melody")
    tiny_model(True, seed=4).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder


@pytest.fixture
def jobs(redis_server: RedisServer) -> Any:
    client = connect(redis_server.url)
    client.flushdb()
    made = ClusterJobs(make_app(redis_server.url), JobStore(client), max_queue=16)
    yield made
    made.shutdown()


def _request(moment: str, seed: int) -> Request:
    return Request(
        moment=moment, seed=seed, song=SongOptions(length_s=10), engine="musicgen",
        audio_format="wav",
    )  # fmt: skip


def test_a_batch_saves_each_song_once_as_decoded_alone(
    jobs: ClusterJobs, model_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composer.engines import load_engine

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    loads: list[str] = []
    kept: dict[str, Any] = {}

    def engine_for(name: str) -> Any:  # what the worker process does: load once, keep it
        if name not in kept:
            loads.append(name)
            kept[name] = load_engine(name, model=str(model_folder), device="cpu")
        return kept[name]

    seen: dict[str, list[tuple[str, float]]] = {}
    record_progress = jobs.store.progress

    def spy(job_id: str, stage: str, fraction: float) -> None:
        seen.setdefault(job_id, []).append((stage, fraction))
        record_progress(job_id, stage, fraction)

    monkeypatch.setattr(jobs.store, "progress", spy)
    try:
        album = Album(tmp_path / "album")
        requests = [_request("rain on the window", 1), _request("a dance at dawn", 2)]
        bad = Request(data=b"   ", fmt="plain", engine="musicgen", audio_format="wav")
        ids = [jobs.submit(r).id for r in [requests[0], bad, requests[1]]]
        outcomes = run_batch(ids, jobs.store, album, engine_for)
        assert outcomes[ids[0]] == outcomes[ids[2]] == "saved (batch of 3)", outcomes
        assert outcomes[ids[1]].startswith("failed: "), outcomes
        failed = jobs.state(ids[1])
        assert failed is not None and failed.status == "failed"
        assert jobs.state(ids[0]) is None and jobs.state(ids[2]) is None  # done
        assert sorted(r.id for r in album.list()) == sorted([ids[0], ids[2]])
        for job_id in (ids[0], ids[2]):
            stages = [s for s, _ in seen[job_id]]
            assert stages[0] == "reading" and stages[-1] == "saving", stages
            assert len(set(stages)) >= 4, stages  # its own progress through the engine
        # Each song decoded alone (a batch of one) is the same file.
        alone = Album(tmp_path / "alone")
        for request, job_id in ((requests[0], ids[0]), (requests[1], ids[2])):
            one = jobs.submit(request).id
            assert run_batch([one], jobs.store, alone, engine_for)[one] == "saved (batch of 1)"
            assert alone.read(one, "song.wav") == album.read(job_id, "song.wav")
            assert alone.read(one, "song.mid") == album.read(job_id, "song.mid")
        assert album.read(ids[0], "song.wav") != album.read(ids[2], "song.wav")
        assert loads == ["musicgen"]  # one engine for every batch of this process
        # A redelivered batch: the songs are there, nothing is written again.
        for job_id in (ids[0], ids[2]):
            key = f"photograph:job:{job_id}"
            jobs.store.redis.hset(key, mapping={"status": "queued", "id": job_id})
        again = run_batch([ids[0], ids[2]], jobs.store, album, engine_for)
        assert set(again.values()) == {"already saved"}, again
        assert len(album.list()) == 2
    finally:
        torch.set_num_threads(before)


def test_a_gpu_worker_decodes_posted_songs_in_batches(
    tmp_path: Path, redis_server: RedisServer, model_folder: Path
) -> None:
    # The real thing on CPU: `photograph worker --queues gpu --model FOLDER --device cpu`
    # (celery-batches, prefork) and an API replica; songs posted together are saved once.
    from .conftest import Cluster, call, wait_for
    from .test_cluster import done

    connect(redis_server.url).flushdb()
    cluster = Cluster(tmp_path / "cluster", redis_server)
    cluster.folder.mkdir()
    try:
        extra = ("--model", str(model_folder), "--device", "cpu")
        gpu = cluster.worker("gpu", wait=False, max_job_s=120, extra=extra)
        api = cluster.api()
        wait_for(lambda: " ready." in gpu.text(), 90, "the gpu worker")
        ids = []
        for i in range(3):
            body = {"moment": f"waves {i}", "length": 10, "engine": "musicgen", "seed": i}
            status, reply = call("POST", api.base + "/api/songs", body)
            assert status == 202, reply
            ids.append(reply["id"])
        for song_id in ids:
            view = done(api, song_id, timeout=120)
            assert view["id"] == song_id
        assert sorted(p.name for p in cluster.album.iterdir()) == sorted(ids)
        assert "saved (batch of" in gpu.text(), gpu.text()[-2000:]
    finally:
        cluster.close()
