"""score.json has one schema (composer.score): the writer, the web fakes and the published
``score.schema.json`` all follow it."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from composer import score
from composer.album import Album
from composer.music.compose import SongOptions
from composer.pipeline import Request, compose, save
from tests.web.web_fakes import score_doc

pydantic = pytest.importorskip("pydantic")


def _check(doc: object, kind: Any = score.Score) -> None:
    """Validate strictly: every key known, every required key there, types exact."""
    strict = pydantic.ConfigDict(extra="forbid", strict=True)
    pydantic.TypeAdapter(list[kind], config=strict).validate_python([doc])


def test_the_published_schema_is_up_to_date() -> None:
    published = score.schema_path().read_text(encoding="utf-8")
    assert published == score.schema_text(), "run: python -m composer.score --write"
    schema = json.loads(published)
    assert schema["title"] == "Score"
    assert {"timeline", "tempo_changes"} <= set(schema["$defs"]["SongView"]["properties"])
    assert set(schema["required"]) == set(score.Score.__required_keys__)


def test_the_schema_ships_as_package_data() -> None:
    from composer.resources import data_dir

    assert score.schema_path() == Path(data_dir(".")).resolve() / score.SCHEMA_FILE
    assert score.schema_path().is_file()


@pytest.mark.parametrize("audio", [False, True])
def test_what_the_pipeline_writes_fits_the_schema(tmp_path: Path, audio: bool) -> None:
    request = Request(
        moment="we laughed all night and then it rained",
        song=SongOptions(length_s=10),
        no_audio=not audio,
    )
    record = save(compose(request), request, Album(tmp_path))
    doc = json.loads(record.score.read_text(encoding="utf-8"))
    _check(doc)
    assert ("audio" in doc) is audio


def test_options_list_every_song_option() -> None:
    written = set(score.Options.__annotations__) - {"audio_format", "engine"}
    assert written == {f.name for f in fields(SongOptions)}


def test_the_web_fake_writes_the_same_schema() -> None:
    _check(score_doc("fake-1", "hello there you", 2.0))


def test_a_wrong_document_is_refused() -> None:
    doc: dict[str, Any] = dict(score_doc("fake-2", "hi", 2.0))
    doc["song"] = {**doc["song"], "tempo": "fast"}
    with pytest.raises(pydantic.ValidationError, match="tempo"):
        _check(doc)
    doc = dict(score_doc("fake-3", "hi", 2.0))
    doc["surprise"] = 1
    with pytest.raises(pydantic.ValidationError, match="surprise"):
        _check(doc)
