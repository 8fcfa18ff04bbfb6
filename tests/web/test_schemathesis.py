"""Schemathesis against the app's own OpenAPI schema, with a fast fake composer.

Every operation gets generated requests, valid and invalid ones; no response may be a 5xx,
and every response must conform to the schema (documented status code, content type,
headers, body shape), a valid request must not be refused and a 405 must list the allowed
methods. Left out: ``negative_data_rejection``, because the API is lenient on purpose
(form fields arrive as strings, so ``"0"`` is read as ``false`` and ``"90"`` as 90), and
one generator quirk (see :func:`excluded_checks`).
A longer run of the same checks: ``bench/schema_fuzz.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis import Case  # noqa: E402
from schemathesis.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

from composer.web.app import create_app  # noqa: E402

from .web_fakes import fake_compose  # noqa: E402

ALBUM = Path(tempfile.mkdtemp(prefix="photograph-schemathesis-"))
APP = create_app(
    ALBUM / "scores", compose_fn=fake_compose, executor="thread", workers=2, max_queue=100_000
)
# Built at import: schemathesis's ``from_fixture`` does not work with this pytest.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def excluded_checks(case: Case) -> list[Any]:
    """Checks left out for ``case``: always ``negative_data_rejection`` (the API is lenient
    on purpose); ``positive_data_acceptance`` too for a multipart body that holds a file
    and a chat or moment, which this schemathesis generates although the schema's
    ``anyOf`` rules it out (the API rightly answers 422, "not both")."""
    body = case.body if isinstance(case.body, dict) else {}
    both = "file" in body and any(body.get(k) is not None for k in ("chat", "moment"))
    return (
        [negative_data_rejection, positive_data_acceptance] if both else [negative_data_rejection]
    )


@pytest.fixture(scope="module", autouse=True)
def _remove_album() -> Iterator[None]:
    yield
    shutil.rmtree(ALBUM, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=6,
    # The same examples on every run: a random draw now and then trips a bug in this
    # schemathesis's negative generator ("Unsupported type: 'Binary'" for the file field),
    # which turned CI red by chance. bench/schema_fuzz.py explores at random.
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_responses_conform_to_the_schema(case: Case) -> None:
    response = case.call_and_validate(excluded_checks=excluded_checks(case))
    assert response.status_code < 500 or response.status_code == 503


def test_the_schema_covers_every_api_route() -> None:
    operations = [r.ok() for r in schema.get_all_operations()]
    names = {f"{op.method.upper()} {op.path}" for op in operations}
    for expected in (
        "POST /api/songs",
        "GET /api/songs",
        "GET /api/songs/{song_id}",
        "DELETE /api/songs/{song_id}",
        "GET /api/songs/{song_id}/song.mid",
        "GET /api/songs/{song_id}/audio.{fmt}",
        "GET /api/info",
    ):
        assert expected in names
