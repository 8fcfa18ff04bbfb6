"""The shipped model: it loads without torch, agrees with people, and has a fallback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from composer.mood import model_name, onnx_reader, reader, score_texts

ROOT = Path(__file__).resolve().parents[2]
EMOBANK = ROOT.parent / "shared" / "data" / "emobank_train_dev.csv"
CHAT_LINES = Path(__file__).resolve().parent / "data" / "chat_lines.tsv"


def _labelled_lines() -> tuple[list[str], list[str]]:
    pos: list[str] = []
    neg: list[str] = []
    for line in CHAT_LINES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            (pos if label == "pos" else neg).append(text)
    return pos, neg


def test_shipped_model_files_are_used() -> None:
    folder = onnx_reader.model_dir()
    if not (folder / "model.onnx").is_file():
        pytest.skip(f"no model.onnx in {folder}")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert model_name().startswith(meta["name"])
    assert (folder / "tokenizer.json").is_file()


def test_default_path_does_not_import_torch() -> None:
    code = (
        "import sys; from composer.mood import score_texts; score_texts(['hi there']); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.skipif(not EMOBANK.is_file(), reason="../shared/data not present")
def test_agrees_with_human_ratings_on_emobank_dev_sample() -> None:
    if model_name().startswith("lexicon"):
        pytest.skip("the trained model is not available here; the word list is not for prose")
    texts: list[str] = []
    gold: list[list[float]] = []
    with EMOBANK.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(r for r in csv.DictReader(fh) if r["split"] == "dev"):
            if i % 4 == 0:
                texts.append(row["text"])
                gold.append([(float(row[k]) - 3.0) / 2.0 for k in ("V", "A", "D")])
    pred = score_texts(texts)
    g = np.asarray(gold)
    r = [np.corrcoef(pred[:, j], g[:, j])[0, 1] for j in range(3)]
    assert r[0] > 0.3 and r[1] > 0.1 and r[2] > 0.05


def test_separates_positive_from_negative_chat_lines() -> None:
    pos, neg = _labelled_lines()
    v = score_texts(pos + neg)[:, 0]
    p, n = v[: len(pos)], v[len(pos) :]
    auc = float((p[:, None] > n[None, :]).mean())
    assert auc > 0.75
    assert p.mean() > 0.0 > n.mean()


def test_missing_model_falls_back_to_the_word_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(onnx_reader.MODEL_DIR_ENV, str(tmp_path))
    reader.reset()
    try:
        assert model_name().startswith("lexicon")
        assert "model.onnx" in model_name()
        happy, sad = score_texts(["so happy!", "so sad"])
        assert happy[0] > sad[0]
    finally:
        monkeypatch.delenv(onnx_reader.MODEL_DIR_ENV)
        reader.reset()
    shipped = (onnx_reader.model_dir() / "model.onnx").is_file()
    assert shipped == (not model_name().startswith("lexicon"))


def test_batched_reading_matches_one_line_at_a_time() -> None:
    reader_ = onnx_reader.load()
    if isinstance(reader_, str):
        pytest.skip(reader_)
    texts = [
        "ok",
        "I love you so much, see you tonight",
        "this is the worst day of my life and nobody even called",
        "we won!!",
        "whatever.",
        "the meeting moved to 3pm, bring the slides and the printed budget please",
        "I'm so sorry about your dad",
        "haha yes",
    ] * 3
    reader_.cache.clear()
    together = reader_.score_texts(texts)
    reader_.cache.clear()
    alone = np.vstack([reader_.score_texts([t]) for t in texts])
    # int8 activations are quantised per batch, so allow small differences; a row sent
    # back to the wrong text would differ by far more.
    assert np.abs(together - alone).max() < 0.05
    assert np.corrcoef(together[:8, 0], alone[:8, 0])[0, 1] > 0.99
