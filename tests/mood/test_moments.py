"""The moments set (tests/mood/data/moments.tsv): balanced, stratified, and read as scenes.

Floors for the reader of the day sit just under what it reaches; issue 18's targets are
valence sign right >= 90 %, valence AUC >= 0.95, arousal AUC >= 0.90.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from composer.chat import moment
from composer.mood import analyse, reader

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
import mood_data

MOMENTS = mood_data.moments()
TEXTS = Path(__file__).resolve().parent / "data" / "moments_texts.txt"


def test_balanced_and_stratified() -> None:
    assert len(MOMENTS) >= 180
    per = Counter(m.quadrant for m in MOMENTS)
    assert set(per) == set(mood_data.QUADRANTS)
    assert max(per.values()) - min(per.values()) <= 2
    for q in mood_data.QUADRANTS:
        parts = Counter(m.split for m in MOMENTS if m.quadrant == q)
        assert abs(parts["dev"] - parts["test"]) <= 1, q


def test_texts_file_holds_the_same_moments_shuffled() -> None:
    texts = TEXTS.read_text(encoding="utf-8").splitlines()
    assert sorted(texts) == sorted(m.text for m in MOMENTS)
    assert len(set(texts)) == len(texts)
    assert texts != [m.text for m in MOMENTS]


def test_moments_are_scenes_not_feelings() -> None:
    feelings = {"happy", "sad", "angry", "scared", "afraid", "joy", "grief", "calm", "anxious"}
    feelings |= {"excited", "lonely", "peaceful", "furious", "terrified", "heartbroken"}
    named = [m for m in MOMENTS if feelings & set(m.text.lower().replace(",", " ").split())]
    assert len(named) <= len(MOMENTS) // 10


@pytest.mark.parametrize("split", ["dev", "test"])
def test_todays_reader_places_them(split: str) -> None:
    if reader.best()[0].startswith("lexicon"):
        pytest.skip("the trained reader is not available here")
    ms = mood_data.moments(split)  # type: ignore[arg-type]
    moods = [analyse(moment(m.text)) for m in ms]
    v = np.array([x.valence for x in moods])
    a = np.array([x.arousal for x in moods])
    warm = np.array([m.quadrant in ("tender", "joyful") for m in ms])
    high = np.array([m.quadrant in ("joyful", "frantic") for m in ms])
    # Floors a few points under version 6 with its moment head (85-87 %, 0.91-0.95,
    # 0.96-0.98 on dev / test): a regression fails, the machine's int8 arithmetic does not.
    assert np.mean((v > 0) == warm) >= 0.78
    assert mood_data.auc(v[warm], v[~warm]) >= 0.88
    assert mood_data.auc(a[high], a[~high]) >= 0.9
