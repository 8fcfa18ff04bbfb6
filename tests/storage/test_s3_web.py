"""``photograph serve --storage s3://…``: the API composes into, lists, serves and deletes
from a bucket on a real local S3 server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import soundfile
from fastapi.testclient import TestClient

from composer.storage import open_album
from composer.web.app import create_app
from tests.web.conftest import compose, wait_for
from tests.web.web_fakes import fake_compose, ogg_bytes, score_doc

from .test_s3 import _keys


@pytest.fixture
def api(s3_location: str) -> Iterator[TestClient]:
    app = create_app(s3_location, compose_fn=fake_compose, executor="thread", workers=1)
    with TestClient(app) as client:
        yield client


def test_the_api_serves_the_album_from_a_bucket(
    api: TestClient, s3_location: str, bucket: str
) -> None:
    # A song another machine saved into the bucket…
    audio = ogg_bytes(1.5)
    score = json.dumps(score_doc("elsewhere", "saved by a worker", 1.5)).encode()
    files = {"song.mid": b"MThd-elsewhere", "song.ogg": audio, "score.json": score}
    open_album(s3_location).save(files, "elsewhere", once=True)
    # …and one composed through this API.
    song_id = compose(api, moment="rain on the window")
    assert wait_for(api, song_id)["status"] == "done"
    assert f"album/{song_id}/score.json" in _keys(bucket)

    page = api.get("/api/songs").json()
    assert {item["id"] for item in page["items"]} == {song_id, "elsewhere"}
    view = api.get("/api/songs/elsewhere").json()
    assert view["status"] == "done" and view["files"]["audio"] == "song.ogg"
    assert api.get("/api/songs/elsewhere/song.mid").content == b"MThd-elsewhere"
    assert api.get("/api/songs/elsewhere/score.json").json()["id"] == "elsewhere"

    r = api.get("/api/songs/elsewhere/audio.ogg", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.content == audio[:100]
    assert r.headers["content-range"] == f"bytes 0-99/{len(audio)}"
    wav = api.get("/api/songs/elsewhere/audio.wav")  # converted once, from the bucket's ogg
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert soundfile.info(io.BytesIO(wav.content)).duration == pytest.approx(1.5, abs=0.05)
    assert api.get("/api/songs/elsewhere/song.musicxml").status_code == 404

    assert api.delete(f"/api/songs/{song_id}").status_code == 204
    assert api.get(f"/api/songs/{song_id}").status_code == 404
    assert _keys(bucket, f"album/{song_id}/") == []
    assert [item["id"] for item in api.get("/api/songs").json()["items"]] == ["elsewhere"]


def test_a_missing_bucket_is_a_clear_error(s3_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    from composer.cli import main

    code = main(["serve", "--storage", "s3://photograph-no-such-bucket/x", "--port", "0"])
    err = capsys.readouterr().err
    assert code != 0 and "no such bucket" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_worker_processes_save_into_the_bucket(s3_location: str, bucket: str) -> None:
    # As `photograph serve --storage s3://…` runs: jobs in worker processes, which open the
    # bucket themselves from the same environment.
    app = create_app(s3_location, compose_fn=fake_compose, executor="process", workers=1)
    with TestClient(app) as api:
        song_id = compose(api, moment="first light over the hills")
        assert wait_for(api, song_id, timeout=60)["status"] == "done"
        assert f"album/{song_id}/score.json" in _keys(bucket)
        assert api.get(f"/api/songs/{song_id}/song.mid").content.startswith(b"MThd")
