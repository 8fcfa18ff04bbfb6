"""Carrying the base model to a GPU machine (models/pack_base.py): float16, byte planes, xz."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

MODELS = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS))
pack_base = pytest.importorskip("pack_base")
safetensors_numpy = pytest.importorskip("safetensors.numpy")


def _base(folder: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    tensors = {
        "embeddings.word_embeddings.weight": rng.normal(0, 0.05, (50, 8)).astype(np.float32),
        "encoder.layer.0.output.dense.bias": rng.normal(0, 1, 8).astype(np.float32),
        "embeddings.position_ids": np.arange(16, dtype=np.int64)[None],
    }
    folder.mkdir()
    safetensors_numpy.save_file(tensors, str(folder / "model.safetensors"))
    for name in ("config.json", "tokenizer.json", "vocab.txt"):
        (folder / name).write_text(f"{name} of the base", encoding="utf-8")
    return tensors


def test_round_trip_keeps_float16_values_and_the_small_files(tmp_path: Path) -> None:
    tensors = _base(tmp_path / "base")
    pack_base.pack(tmp_path / "base", tmp_path / "packed")
    pack_base.unpack(tmp_path / "packed", tmp_path / "again")
    back = safetensors_numpy.load_file(str(tmp_path / "again" / "model.safetensors"))
    # The integer position ids are left out (transformers rebuilds them).
    assert set(back) == {k for k, v in tensors.items() if v.dtype == np.float32}
    for name, value in back.items():
        assert value.dtype == np.float32 and value.shape == tensors[name].shape
        np.testing.assert_array_equal(value, tensors[name].astype(np.float16).astype(np.float32))
        assert not np.array_equal(value, tensors[name])  # rounded: float16 is what travels
    for name in ("config.json", "tokenizer.json", "vocab.txt"):
        assert (tmp_path / "again" / name).read_text(encoding="utf-8") == f"{name} of the base"


@pytest.mark.parametrize("shape", ["[40, 8]", "[60, 8]"])
def test_unpack_refuses_an_index_that_does_not_fit(tmp_path: Path, shape: str) -> None:
    _base(tmp_path / "base")
    pack_base.pack(tmp_path / "base", tmp_path / "packed")
    index = tmp_path / "packed" / "index.json"
    index.write_text(index.read_text().replace("[50, 8]", shape), encoding="utf-8")
    with pytest.raises(SystemExit, match="numbers packed"):
        pack_base.unpack(tmp_path / "packed", tmp_path / "again")
    assert not (tmp_path / "again").exists()  # nothing half-written
