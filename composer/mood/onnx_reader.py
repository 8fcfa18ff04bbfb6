"""The trained mood reader: a small transformer exported to ONNX, run with onnxruntime.

Files (``models/mood/`` at the project root, or ``$PHOTOGRAPH_MOOD_MODEL_DIR``):
``model.onnx`` (int8), ``tokenizer.json`` and ``meta.json`` (name, version, max length).
The session is created lazily, once per process, with two intra-op threads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from composer.mood.cues import cue_features
from composer.mood.lexicon import combine

MODEL_DIR_ENV = "PHOTOGRAPH_MOOD_MODEL_DIR"
_TOKEN_BUDGET = 8192  # tokens per inference batch (rows x padded length)
_MAX_ROWS = 128
_TOKENIZE_CHUNK = 4096


def model_dir() -> Path:
    """Where the trained model's files are looked for."""
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / "mood"


@dataclass(slots=True)
class OnnxReader:
    """A loaded model: tokenizer + inference session + how to read its output."""

    name: str
    session: Any
    tokenizer: Any
    input_names: tuple[str, ...]
    max_len: int
    cue_weight: float
    cache: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def _token_ids(self, texts: list[str]) -> list[np.ndarray]:
        """Token ids per text, tokenised in chunks so huge chats stay small in memory."""
        ids: list[np.ndarray] = []
        for s in range(0, len(texts), _TOKENIZE_CHUNK):
            encs = self.tokenizer.encode_batch(texts[s : s + _TOKENIZE_CHUNK])
            ids.extend(np.asarray(e.ids, dtype=np.int64) for e in encs)
        return ids

    def _infer(self, texts: list[str]) -> np.ndarray:
        """Model output for unique texts, batched by similar length to avoid padding."""
        ids = self._token_ids(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), 3), dtype=np.float32)
        start = 0
        while start < len(order):
            longest = int(lengths[order[min(len(order) - 1, start + _MAX_ROWS - 1)]])
            rows = max(1, min(_MAX_ROWS, _TOKEN_BUDGET // max(1, longest)))
            chunk = order[start : start + rows]
            width = int(lengths[chunk].max())
            batch = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for r, i in enumerate(chunk):
                n = len(ids[i])
                batch[r, :n] = ids[i]
                mask[r, :n] = 1
            feeds = {"input_ids": batch, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(batch)
            out[chunk] = self.session.run(None, feeds)[0]
            start += len(chunk)
        return out

    def score_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Read texts; returns ``(n, 3)`` valence, arousal, dominance on -1..1."""
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            raw = self._infer(todo)
            for t, row in zip(todo, raw.tolist(), strict=True):
                self.cache[t] = self._with_cues(t, row)
            if len(self.cache) > 200_000:
                self.cache.clear()
        return np.asarray([self.cache[t] for t in texts], dtype=np.float64).reshape(-1, 3)

    def _with_cues(self, text: str, row: list[float]) -> tuple[float, float, float]:
        """Add what the tokenizer cannot see (emoji, emoticons, "!!!", capitals)."""
        base = (float(row[0]), float(row[1]), float(row[2]))
        if self.cue_weight <= 0.0:
            return base
        cues = cue_features(text, unseen_only=True)
        if not cues.icons and cues.gain == 1.0 and cues.offset == (0.0, 0.0, 0.0):
            return base
        return combine(base, cues, base_weight=self.cue_weight, squash=False)


_LOADED: OnnxReader | str | None = None


def load() -> OnnxReader | str:
    """The process-wide reader, or a one-line reason why it cannot run here."""
    global _LOADED
    if _LOADED is None:
        _LOADED = _load(model_dir())
    return _LOADED


def reset() -> None:
    """Drop the process-wide reader so the next :func:`load` reads the files again."""
    global _LOADED
    _LOADED = None


def _load(folder: Path) -> OnnxReader | str:
    onnx_path, tok_path, meta_path = (
        folder / "model.onnx",
        folder / "tokenizer.json",
        folder / "meta.json",
    )
    for p in (onnx_path, tok_path, meta_path):
        if not p.is_file():
            return f"{p.name} not found in {folder}"
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as exc:
        return f"cannot import {exc.name or 'onnxruntime/tokenizers'}"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    max_len = int(meta.get("max_len", 64))
    tokenizer = Tokenizer.from_file(str(tok_path))
    tokenizer.enable_truncation(max_length=max_len)
    tokenizer.no_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    # Do not busy-wait between ops: the machine may be shared with other work.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(
        str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    return OnnxReader(
        name=f"{meta.get('name', 'mood-onnx')}-{meta.get('version', '0')}",
        session=session,
        tokenizer=tokenizer,
        input_names=tuple(i.name for i in session.get_inputs()),
        max_len=max_len,
        cue_weight=float(meta.get("cue_weight", 2.0)),
    )
