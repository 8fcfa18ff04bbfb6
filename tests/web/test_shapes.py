"""The API's response models are the real shapes (what /docs shows is what is sent)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import ConfigDict, TypeAdapter

from composer.web.schemas import SongPage, SongStatus

from .conftest import compose, wait_for
from .test_compose import CHAT

STRICT = ConfigDict(extra="forbid", strict=True)


def test_a_done_song_and_the_album_page_fit_their_response_models(client: TestClient) -> None:
    song_id = compose(client, chat=CHAT)
    done = wait_for(client, song_id)
    assert done["status"] == "done"
    # Every field of the done view is declared (extra="allow" is for forward compatibility,
    # not for undocumented fields), and each nested part is the score.json type.
    undeclared = set(done) - set(SongStatus.model_fields)
    assert not undeclared, f"fields missing from SongStatus: {undeclared}"
    status = SongStatus.model_validate(done)
    assert status.mood is not None and status.mood["model"] == "fake"
    assert status.speakers and status.speakers[0]["share"] == 0.5
    TypeAdapter(list[SongPage], config=STRICT).validate_python([client.get("/api/songs").json()])


def test_docs_show_the_shapes_not_bare_objects(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    shapes = spec["components"]["schemas"]
    for name in ("SongStatus", "SongItem", "SongPage", "MoodSummary", "Section", "SongSpeaker"):
        assert name in shapes, name
    status = shapes["SongStatus"]["properties"]
    assert "$ref" in str(status["mood"]) and "$ref" in str(status["sections"])
    assert shapes["SongPage"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/SongItem"
    }


def test_a_score_json_of_another_shape_is_a_damaged_song(
    client: TestClient, album_dir: Path
) -> None:
    good = compose(client, chat=CHAT)
    bad = compose(client, chat=CHAT + "\nAnn: one more")
    for song_id in (good, bad):
        assert wait_for(client, song_id)["status"] == "done"
    path = album_dir / bad / "score.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["song"]["sections"][0]["bars"] = "eight"  # valid JSON, not the schema
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = client.get(f"/api/songs/{bad}")
    assert r.status_code == 404 and "does not fit score.schema.json" in r.json()["error"]["message"]
    assert [s["id"] for s in client.get("/api/songs").json()["items"]] == [good]
