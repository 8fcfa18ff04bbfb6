"""The moment head (composer/mood/moment.py): loading and reading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from composer.mood import moment


def _write(folder: Path, d: int = 4, **over: object) -> None:
    raw = {
        "mean": [0.0] * d,
        "std": [1.0] * d,
        "valence": [1.0] + [0.0] * d,
        "arousal": [0.0] * d + [-2.0],
    }
    raw.update(over)
    (folder / moment.FILE).write_text(json.dumps(raw), encoding="utf-8")


def test_missing_or_malformed_head_is_none(tmp_path: Path) -> None:
    assert moment.load(tmp_path) is None
    (tmp_path / moment.FILE).write_text("{not json", encoding="utf-8")
    assert moment.load(tmp_path) is None
    _write(tmp_path, valence=[1.0])  # wrong length
    assert moment.load(tmp_path) is None
    _write(tmp_path, mean="x")
    assert moment.load(tmp_path) is None


def test_head_reads_valence_and_arousal_keeps_dominance(tmp_path: Path) -> None:
    _write(tmp_path)
    head = moment.load(tmp_path)
    assert head is not None
    pooled = np.array([[3.0, 0, 0, 0], [-3.0, 0, 0, 0], [0.0, 0, 0, 0]])
    own = np.array([[0.1, 0.2, 0.3]] * 3)
    out = head.read(pooled, own)
    assert out[0, 0] > 0.5 > 0.0 > -0.5 > out[1, 0]  # first feature drives valence
    assert out[2, 0] == pytest.approx(0.0)
    assert np.all(out[:, 1] < 0.0)  # the arousal bias is negative for all
    np.testing.assert_allclose(out[:, 2], own[:, 2])
    assert np.all(np.abs(out[:, :2]) <= moment.SCALE)


def test_moments_agree_with_a_blind_second_reader() -> None:
    data = Path(__file__).resolve().parent / "data"
    ours = {
        t: q
        for t, q, _ in (
            r.split("\t") for r in (data / "moments.tsv").read_text("utf-8").splitlines()[1:]
        )
    }
    theirs = {
        t: q
        for t, q, _ in (
            r.split("\t")
            for r in (data / "moments_second_reader.tsv").read_text("utf-8").splitlines()
        )
    }
    assert set(ours) <= set(theirs)
    assert all(theirs[t] == q for t, q in ours.items())


def test_a_head_of_another_width_is_not_used(tmp_path: Path) -> None:
    import shutil

    from composer.mood import onnx_reader
    from composer.resources import MOOD_MODEL, data_dir

    for name in ("model.onnx", "tokenizer.json", "meta.json"):
        shutil.copy(data_dir(MOOD_MODEL) / name, tmp_path / name)
    _write(tmp_path, d=4)  # the model's sentence vector is 128 wide
    reader = onnx_reader._load(tmp_path)
    assert not isinstance(reader, str) and reader.moment is None
    np.testing.assert_allclose(reader.score_moments(["a walk"]), reader.score_texts(["a walk"]))
