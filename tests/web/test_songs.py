"""GET/DELETE /api/songs…: status, album pages, files, byte ranges, events, ids."""

from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import pytest
import soundfile
from fastapi.testclient import TestClient

from composer.audio.formats import FORMATS

from .conftest import ClientFactory, Gate, compose, wait_for
from .test_compose import CHAT, error_of


@pytest.fixture
def song(client: TestClient) -> str:
    song_id = compose(client, chat=CHAT, musicxml=True)
    assert wait_for(client, song_id)["status"] == "done"
    return song_id


def test_unknown_and_invalid_ids(client: TestClient) -> None:
    r = client.get("/api/songs/20250101-000000-nothing-00000000")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    for bad in ("a..b", ".hidden", "%2e%2e", "x" * 200, "caf%C3%A9", "a%5Cb"):
        r = client.get(f"/api/songs/{bad}")
        assert r.status_code == 400, bad
        assert error_of(r)["code"] == "bad_input"
        assert client.get(f"/api/songs/{bad}/song.mid").status_code == 400
        assert client.delete(f"/api/songs/{bad}").status_code == 400


def test_traversal_through_the_path_is_not_served(client: TestClient, song: str) -> None:
    for path in (f"/api/songs/{song}/..%2F..%2Fetc%2Fpasswd", "/api/songs/..%2F/score.json"):
        r = client.get(path)
        assert r.status_code in (400, 404)
        assert "root:" not in r.text


def test_files_have_their_types(client: TestClient, song: str, album_dir: Path) -> None:
    r = client.get(f"/api/songs/{song}/song.mid")
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/midi"
    assert r.headers["content-disposition"] == f'attachment; filename="{song}.mid"'
    midi = mido.MidiFile(file=io.BytesIO(r.content))
    assert sum(1 for m in midi if m.type == "note_on") == 4
    r = client.get(f"/api/songs/{song}/score.json")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["id"] == song
    r = client.get(f"/api/songs/{song}/song.musicxml")
    assert r.headers["content-type"] == "application/vnd.recordare.musicxml+xml"
    assert r.content == (album_dir / song / "song.musicxml").read_bytes()
    r = client.get(f"/api/songs/{song}/audio.ogg")
    assert r.headers["content-type"] == "audio/ogg"
    assert r.headers["content-disposition"].startswith("inline")
    assert r.content == (album_dir / song / "song.ogg").read_bytes()
    r = client.get(f"/api/songs/{song}/audio.ogg?download=1")
    assert r.headers["content-disposition"] == f'attachment; filename="{song}.ogg"'


def test_missing_files_are_404(client: TestClient) -> None:
    song_id = compose(client, chat=CHAT)  # no musicxml asked for
    wait_for(client, song_id)
    r = client.get(f"/api/songs/{song_id}/song.musicxml")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert client.get(f"/api/songs/{song_id}/audio.mp3").status_code == 404
    r = client.get(f"/api/songs/{song_id}/audio.aiff")
    assert r.status_code == 422 and error_of(r)["code"] == "invalid_request"
    assert "musicxml" not in client.get(f"/api/songs/{song_id}").json()["links"]


def test_audio_byte_ranges(client: TestClient, song: str) -> None:
    whole = client.get(f"/api/songs/{song}/audio.ogg").content
    assert len(whole) > 1000
    r = client.get(f"/api/songs/{song}/audio.ogg", headers={"Range": "bytes=100-599"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 100-599/{len(whole)}"
    assert r.content == whole[100:600]
    r = client.get(f"/api/songs/{song}/audio.ogg", headers={"Range": "bytes=-200"})
    assert r.status_code == 206 and r.content == whole[-200:]
    r = client.get(f"/api/songs/{song}/audio.ogg", headers={"Range": f"bytes={len(whole) + 10}-"})
    assert r.status_code == 416


def test_wav_is_converted_once_and_ranges_work(
    client: TestClient, song: str, album_dir: Path
) -> None:
    assert not (album_dir / song / "song.wav").exists()
    r = client.get(f"/api/songs/{song}/audio.wav")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    info = soundfile.info(io.BytesIO(r.content))
    ogg = soundfile.info(str(album_dir / song / "song.ogg"))
    assert info.format == "WAV" and info.samplerate == ogg.samplerate
    assert abs(info.duration - ogg.duration) < 0.05
    cached = album_dir / song / "song.wav"
    assert cached.read_bytes() == r.content
    r2 = client.get(f"/api/songs/{song}/audio.wav", headers={"Range": "bytes=0-43"})
    assert r2.status_code == 206 and r2.content == r.content[:44]
    assert not [p for p in (album_dir / song).iterdir() if p.name.endswith(".tmp")]
    # The album still lists one song, and its audio is still the saved Ogg file.
    assert client.get(f"/api/songs/{song}").json()["links"]["audio"].endswith("audio.ogg")


def test_album_is_newest_first_and_paginated(client: TestClient) -> None:
    ids = []
    for i in range(5):
        ids.append(compose(client, chat=f"Ann: song number {i}"))
        wait_for(client, ids[-1])
    page = client.get("/api/songs?limit=2").json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert [s["id"] for s in page["items"]] == ids[::-1][:2]
    seen = [s["id"] for s in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [s["id"] for s in page["items"]]
    assert seen == ids[::-1]
    item = client.get("/api/songs").json()["items"][0]
    assert {"id", "title", "key", "tempo", "duration_s", "mood", "links"} <= set(item)
    assert client.get("/api/songs?offset=99").json()["items"] == []


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=ten"])
def test_bad_pages_keep_the_error_shape(client: TestClient, query: str) -> None:
    r = client.get(f"/api/songs?{query}")
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_request"


def test_damaged_song_is_left_out_of_the_album(
    client: TestClient, song: str, album_dir: Path
) -> None:
    other = compose(client, chat=CHAT)
    wait_for(client, other)
    (album_dir / other / "score.json").write_text("{broken", encoding="utf-8")
    page = client.get("/api/songs").json()
    assert [s["id"] for s in page["items"]] == [song]
    r = client.get(f"/api/songs/{other}")
    assert r.status_code == 404 and "damaged" in error_of(r)["message"]


def test_delete_a_song(client: TestClient, song: str, album_dir: Path) -> None:
    assert client.delete(f"/api/songs/{song}").status_code == 204
    assert not (album_dir / song).exists()
    assert client.get(f"/api/songs/{song}").status_code == 404
    assert client.get(f"/api/songs/{song}/song.mid").status_code == 404
    r = client.delete(f"/api/songs/{song}")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_delete_queued_running_and_failed_jobs(
    make_client: ClientFactory, gate: Gate, album_dir: Path
) -> None:
    client = make_client(compose_fn=gate, workers=1)
    running = compose(client, chat=CHAT)
    assert gate.started.wait(5)
    wait_for(client, running, ("running",))
    queued = compose(client, chat=CHAT)
    r = client.delete(f"/api/songs/{running}")
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert client.delete(f"/api/songs/{queued}").status_code == 204
    assert client.get(f"/api/songs/{queued}").status_code == 404
    gate.open.set()
    assert wait_for(client, running)["status"] == "done"
    assert not (album_dir / queued).exists()
    failed = compose(client, chat="Ann: FAIL")
    assert wait_for(client, failed)["status"] == "failed"
    assert client.delete(f"/api/songs/{failed}").status_code == 204
    assert client.get(f"/api/songs/{failed}").status_code == 404


def _events(text: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_events_stream_progress_then_done(make_client: ClientFactory, gate: Gate) -> None:
    client = make_client(compose_fn=gate, workers=1)
    song_id = compose(client, chat=CHAT)
    assert gate.started.wait(5)
    wait_for(client, song_id, ("running",))
    with client.stream("GET", f"/api/songs/{song_id}/events") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        gate.open.set()
        events = _events(r.read().decode())
    names = [e for e, _ in events]
    assert names[0] == "progress" and names[-1] == "done"
    assert names.count("done") == 1
    first, last = events[0][1], events[-1][1]
    assert first["status"] == "running" and 0 < float(first["progress"]) < 1  # type: ignore[arg-type]
    assert last["id"] == song_id and last["key"] and last["links"]


def test_events_of_failed_and_done_songs(client: TestClient, song: str) -> None:
    with client.stream("GET", f"/api/songs/{song}/events") as r:
        assert [e for e, _ in _events(r.read().decode())] == ["done"]
    failed = compose(client, chat="Ann: FAIL")
    wait_for(client, failed)
    with client.stream("GET", f"/api/songs/{failed}/events") as r:
        events = _events(r.read().decode())
    assert [e for e, _ in events] == ["failed"]
    assert events[0][1]["error"] == {
        "code": "bad_input",
        "message": "this chat cannot be read (fake)",
    }
    r = client.get("/api/songs/20250101-000000-nothing-00000000/events")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_opus_is_saved_served_and_listed_first(client: TestClient, album_dir: Path) -> None:
    song_id = compose(client, chat=CHAT, audio="opus")
    links = wait_for(client, song_id)["links"]
    assert links["audio"].endswith("/audio.opus") and links["audio_opus"] == links["audio"]
    assert list(links).index("audio_opus") < list(links).index("audio_ogg")
    r = client.get(links["audio_opus"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("audio/ogg")
    assert "codecs=opus" in r.headers["content-type"]
    assert r.headers["content-disposition"] == f'inline; filename="{song_id}.opus"'
    info = soundfile.info(io.BytesIO(r.content))
    assert info.subtype == "OPUS" and info.samplerate in FORMATS["opus"].sample_rates
    # Vorbis (for browsers without Opus) is made from it on demand, at the saved rate.
    r = client.get(links["audio_ogg"])
    ogg = soundfile.info(io.BytesIO(r.content))
    assert (r.status_code, ogg.subtype, ogg.samplerate) == (200, "VORBIS", info.samplerate)
    assert abs(ogg.duration - info.duration) < 0.05
    assert client.get(f"/api/songs/{song_id}").json()["links"]["audio"] == links["audio"]


def test_unknown_audio_format_is_refused(client: TestClient) -> None:
    r = client.post("/api/songs", json={"chat": CHAT, "audio": "aac"})
    assert r.status_code == 422 and "opus" in error_of(r)["message"]
