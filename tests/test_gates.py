"""The lint gate is one gate: ``bash dev lint`` (also the first step of ``bash dev test``)
and the pre-commit hooks run the same three checks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("ruff check", "ruff format --check", "mypy")


def test_dev_test_runs_the_lint_gate_before_pytest() -> None:
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    gate = re.search(r"^lint\(\) \{.*?^\}", dev, re.S | re.M)
    assert gate, "dev has no lint() function"
    for check in CHECKS:
        assert f".venv/bin/{check}" in gate.group(0), check
    test_mode = re.search(r"^  test\)\n(.*?);;", dev, re.S | re.M)
    assert test_mode and test_mode.group(1).index("lint") < test_mode.group(1).index("pytest")
    assert re.search(r"^  lint\)\n\s+lint\n", dev, re.M)


def test_pre_commit_runs_the_same_checks_without_network() -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    entries = re.findall(r"entry: (.+)", config)
    assert entries == [f".venv/bin/{check}" for check in CHECKS]
    assert re.findall(r"- repo: (\S+)", config) == ["local"]  # nothing fetched at commit time
