"""Schemathesis against the app's OpenAPI schema: a longer run than the test, with figures.

Every operation of ``/openapi.json`` gets ``--examples`` generated requests that fit the
schema (positive) and as many that do not (negative), sent in-process to ``create_app``
with the tests' fast fake composer. Each response is checked by schemathesis: not a 5xx,
status code, content type, headers and body as documented, a valid request not refused,
a 405's ``Allow``. Left out: ``negative_data_rejection`` (the API is lenient on purpose:
form fields arrive as strings, so ``"0"`` is read as ``false``), and one generator quirk
(see :func:`excluded_checks`). The app's own ERROR log
records (unexpected exceptions) are counted too.

Prints ``operations``, ``cases``, ``failures``, ``server_errors_logged``, the status-code
histogram, ``wall_s``, then each distinct failure with a curl command that reproduces it.

Usage: ``python bench/schema_fuzz.py [--examples 200] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import Case  # noqa: E402
from schemathesis.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402
from schemathesis.core.failures import Failure, FailureGroup  # noqa: E402
from schemathesis.core.result import Ok  # noqa: E402

from composer.web.app import create_app  # noqa: E402
from tests.web.web_fakes import fake_compose  # noqa: E402


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


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


@dataclass(slots=True)
class Tally:
    """What the run saw."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    operations: int = 0
    server_errors: int = 0


def fuzz_operation(op: Any, mode: Any, examples: int, seed: int, tally: Tally) -> None:
    """Send ``examples`` generated requests of one generation mode to one operation."""

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(op.as_strategy(generation_mode=mode))
    def one(case: schemathesis.Case) -> None:
        tally.cases[mode.value] += 1
        response = case.call()
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, excluded_checks=excluded_checks(case))
        except (FailureGroup, Failure) as error:
            seen = f"[{response.status_code}] {response.text[:300]}\n    {case.as_curl_command()}"
            for failure in error.exceptions if isinstance(error, FailureGroup) else [error]:
                title = getattr(failure, "title", type(failure).__name__)
                tally.failures.setdefault(f"{op.label}: {title}", seen[:1500])

    try:
        one()
    except Unsatisfiable:  # nothing to make invalid (an operation without input)
        tally.skipped.append(f"{op.label} ({mode.value})")


def run(examples: int, seed: int) -> Tally:
    """Run every operation in both generation modes."""
    work = Path(tempfile.mkdtemp(prefix="photograph-schema-fuzz-"))
    errors = _Errors()
    logging.getLogger("composer.web").addHandler(errors)
    app = create_app(
        work / "scores", compose_fn=fake_compose, executor="thread", workers=2, max_queue=10**6
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally = Tally()
    try:
        for result in schema.get_all_operations():
            tally.operations += 1
            if not isinstance(result, Ok):
                tally.failures[f"invalid schema: {result.err()}"] = ""
                continue
            for mode in schemathesis.GenerationMode:
                fuzz_operation(result.ok(), mode, examples, seed, tally)
    finally:
        logging.getLogger("composer.web").removeHandler(errors)
        shutil.rmtree(work, ignore_errors=True)
    tally.server_errors = errors.count
    return tally


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--examples", type=int, default=200, help="per operation and mode")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = run(args.examples, args.seed)
    total = sum(out.cases.values())
    print(f"schemathesis {schemathesis.SCHEMATHESIS_VERSION}")
    print(f"operations {out.operations} (no invalid input possible: {len(out.skipped)})")
    print(f"cases {total} ({', '.join(f'{k} {v}' for k, v in sorted(out.cases.items()))})")
    print(f"failures {len(out.failures)}")
    print(f"http_5xx {sum(n for s, n in out.statuses.items() if s >= 500)}")
    print(f"server_errors_logged {out.server_errors}")
    print(f"status_codes {json.dumps(dict(sorted(out.statuses.items())))}")
    print(f"wall_s {time.perf_counter() - started:.0f}")
    for key, curl in sorted(out.failures.items()):
        print(f"failure {key}\n    {curl}")
    return 1 if out.failures or out.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
