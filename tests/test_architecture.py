"""The package's layers (ARCHITECTURE.md, "what each may import"), checked on the source.

Every ``import composer.X`` / ``from composer.X import`` counts, also those inside functions
and under ``TYPE_CHECKING``: a layer that needs another only for types still depends on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "composer"
BASE = {"errors", "progress", "cpus", "resources", "score"}
ALLOWED: dict[str, set[str]] = {
    **{name: set() for name in BASE},
    "chat": set(),
    "mood": {"chat"},
    "music": {"chat", "mood"},
    "midi": {"music"},
    "notation": {"music"},
    "audio": set(),
    "engines": {"audio", "music"},
    "album": {"audio"},  # the audio formats table: which file of a song is its audio
    "storage": {"album", "audio"},  # the folder album is one backend; S3 the other
    "report": {"chat", "mood", "music"},
    "pipeline": {"album", "audio", "chat", "engines", "midi", "mood", "music", "notation",
                 "report", "storage"},
    "live": {"album", "audio", "chat", "midi", "mood", "music", "pipeline", "report", "storage"},
    "web": {"album", "audio", "chat", "engines", "midi", "mood", "music", "notation", "report",
            "pipeline", "storage", "live"},
    "cluster": {"album", "audio", "chat", "engines", "midi", "mood", "music", "notation",
                "report", "pipeline", "storage", "web", "live"},
}  # fmt: skip


def _unit(path: Path) -> str:
    """The layer a source file belongs to: its sub-package, or its module's name."""
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The composer layers a file imports (``composer`` itself: the version, allowed)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "composer":
                names = [f"composer.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("composer.")}
    return found - {"__version__"}


def test_every_layer_is_in_the_table() -> None:
    layers = {_unit(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert layers - {"cli"} == set(ALLOWED), "add the new layer to ARCHITECTURE.md and here"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = [p for p in PACKAGE.rglob("*.py") if _unit(p) == layer]
    assert files
    bad = {
        f"{p.relative_to(PACKAGE.parent)} imports composer.{name}"
        for p in files
        for name in _imports(p) - {layer} - ALLOWED[layer] - BASE
    }
    # The base modules use nothing else of ours (each other included).
    if layer in BASE:
        bad |= {
            f"{p.relative_to(PACKAGE.parent)} imports composer.{name}"
            for p in files
            for name in _imports(p) - {layer}
        }
    assert not bad, sorted(bad)


def test_the_top_level_package_imports_nothing() -> None:
    assert _imports(PACKAGE / "__init__.py") == set()
