"""The emotion table, loaders and XED split shared by the mood training and the bench."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

MODELS = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS))
import mood_data  # noqa: E402

DATA = mood_data.data_dir()


def test_table_is_complete_and_on_scale() -> None:
    labels = (DATA / "goemotions" / "labels.txt").read_text().split() if DATA.is_dir() else []
    if labels:
        assert sorted(labels) == sorted(mood_data.GOEMOTIONS)
    for table in mood_data.EMOTIONS.values():
        for name, e in table.items():
            assert all(-1.0 <= x <= 1.0 for x in (e.valence, e.arousal, e.dominance)), name
            assert e.polarity in {"positive", "negative", "ambiguous", "neutral"}
            assert e.arousal_group in {"high", "low", "none"}
            if e.polarity == "positive":
                assert e.valence > 0.2, name
            if e.polarity == "negative":
                assert e.valence < -0.2, name
            if e.arousal_group == "high":
                assert e.arousal > 0.3, name
            if e.arousal_group == "low":
                assert e.arousal < -0.1, name


def test_multi_label_targets_and_groups() -> None:
    v, pol, aro = mood_data.targets(("joy", "sadness"), mood_data.GOEMOTIONS)
    assert (pol, aro) == ("mixed", "mixed")
    assert v[0] == pytest.approx(0.05)
    v, pol, aro = mood_data.targets(("approval", "neutral"), mood_data.GOEMOTIONS)
    assert (pol, aro) == ("positive", "none")
    assert v[0] == pytest.approx(0.2)
    assert mood_data.targets(("surprise",), mood_data.GOEMOTIONS)[1:] == ("ambiguous", "high")
    assert mood_data.targets(("neutral",), mood_data.XED)[1:] == ("neutral", "none")


def test_xed_split_is_stable_and_about_a_tenth() -> None:
    assert mood_data.xed_part("Get out of my house!") == mood_data.xed_part(
        "  get out of   my HOUSE! "
    )
    parts = [mood_data.xed_part(f"line number {i}") for i in range(5000)]
    assert 0.08 < parts.count("heldout") / len(parts) < 0.12


@pytest.mark.skipif(not (DATA / "xed").is_dir(), reason="../shared/data not present")
def test_xed_parts_do_not_share_a_text() -> None:
    train, held = mood_data.xed("train"), mood_data.xed("heldout")
    norm = mood_data.normalise
    assert not {norm(t) for t in train.texts} & {norm(t) for t in held.texts}
    n = len(train.texts) + len(held.texts)
    assert 0.08 < len(held.texts) / n < 0.12
    assert held.vad.shape == (len(held.texts), 3)
    assert set(np.unique(held.polarity)) <= {
        "positive",
        "negative",
        "mixed",
        "ambiguous",
        "neutral",
    }


@pytest.mark.skipif(not (DATA / "goemotions").is_dir(), reason="../shared/data not present")
def test_goemotions_dev_loads_with_groups() -> None:
    dev = mood_data.goemotions("dev")
    assert len(dev.texts) == 5426
    pos = dev.vad[dev.polarity == "positive", 0]
    neg = dev.vad[dev.polarity == "negative", 0]
    assert pos.min() > 0 > neg.max()


def test_training_moments_share_nothing_with_the_evaluation_moments() -> None:
    """No training moment is (nearly) an evaluation moment: under half the words shared."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z']+", text.lower()))

    train = (MODELS / "data" / "moments_train.tsv").read_text(encoding="utf-8")
    texts = [line.split("\t")[0] for line in train.splitlines()[1:]]
    assert len(texts) >= 300
    evaluation = [words(m.text) for m in mood_data.moments()]
    for t in texts:
        w = words(t)
        worst = max(len(w & e) / max(1, min(len(w), len(e))) for e in evaluation)
        assert worst < 0.5, t


def test_auc_counts_ties_half_and_needs_both_sides() -> None:
    assert mood_data.auc([3.0, 2.0], [1.0, 0.0]) == 1.0
    assert mood_data.auc([0.0], [1.0]) == 0.0
    assert mood_data.auc([1.0], [1.0]) == 0.5
    assert np.isnan(mood_data.auc([], [1.0]))
    assert mood_data.auc_of(np.array([0.9, 0.1, 0.5]), np.array([1, 0, -1])) == 1.0
