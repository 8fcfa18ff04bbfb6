"""Rebuild a shipped int8 student (``model.onnx``) as a float torch model to train further.

The exported graph keeps every weight: the word-piece, position and token-type tables
(uint8, one scale each), the transformer's matrices (uint8 per output channel, found by
the name of the node that multiplies with them), the float biases and layer norms, the
3-output head and the standardisation (``mean``, ``std``). Dequantised, they give a
model whose pooled vectors and readings match the ONNX ones to within the int8 noise
(EmoBank dev r 0.723 / 0.553 / 0.403 in torch against 0.725 / 0.551 / 0.404 in int8).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

_MATMUL_RE = re.compile(r"/body/(encoder/layer\.\d+/.+)/MatMul_quant")


def _initialisers(path: Path) -> tuple[Any, dict[str, np.ndarray]]:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    return graph, {i.name: numpy_helper.to_array(i) for i in graph.initializer}


def _dequantised(init: dict[str, np.ndarray], base: str) -> np.ndarray:
    q = init[base + "_quantized"].astype(np.float32)
    zero = init[base + "_zero_point"].astype(np.float32)
    return (q - zero) * init[base + "_scale"]  # per tensor, or per output column


def _shape(init: dict[str, np.ndarray]) -> tuple[int, int, int]:
    """(layers, hidden, max positions) of the exported student."""
    layers = 1 + max(
        int(m.group(1)) for k in init if (m := re.match(r"body\.encoder\.layer\.(\d+)\.", k))
    )
    words = init["body.embeddings.word_embeddings.weight_quantized"]
    positions = init["body.embeddings.position_embeddings.weight_quantized"]
    return layers, int(words.shape[1]), int(positions.shape[0])


def rebuild(path: Path, heads: int = 2) -> Any:
    """The student in ``path`` as a torch module with ``pooled``, ``standardised``, ``forward``.

    ``forward(ids, mask)`` gives V/A/D on -1..1 like the ONNX graph's ``vad`` output.
    """
    import torch
    from transformers import BertConfig, BertModel

    graph, init = _initialisers(path)
    layers, hidden, positions = _shape(init)
    config = BertConfig(
        vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=4 * hidden,
        max_position_embeddings=positions,
    )  # fmt: skip
    body = BertModel(config, add_pooling_layer=False)
    state: dict[str, np.ndarray] = {}
    for table in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
        state[f"embeddings.{table}.weight"] = _dequantised(init, f"body.embeddings.{table}.weight")
    for name, value in init.items():
        if name.startswith("body.") and not name.endswith(("_quantized", "_scale", "_zero_point")):
            state[name[len("body.") :]] = value
    for node in graph.node:
        m = _MATMUL_RE.match(node.name)
        if m and node.op_type in ("DynamicQuantizeMatMul", "MatMulIntegerToFloat"):
            weight = _dequantised(init, node.input[1][: -len("_quantized")])  # (in, out)
            state[m.group(1).replace("/", ".") + ".weight"] = weight.T.copy()
    body.load_state_dict(
        {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in state.items()}
    )
    head = torch.nn.Linear(hidden, 3)
    with torch.no_grad():
        head.weight.copy_(torch.tensor(_dequantised(init, "head.weight_Transposed").T.copy()))
        head.bias.copy_(torch.tensor(init["head.bias"]))
    return Student(body, head, init["mean"], init["std"])


def _student_class() -> Any:
    import torch

    class _Student(torch.nn.Module):
        """Tiny BERT, mean pooling, a linear head to standardised V/A/D, de-standardised."""

        def __init__(self, body: Any, head: Any, mean: np.ndarray, std: np.ndarray) -> None:
            super().__init__()
            self.body, self.head = body, head
            self.register_buffer("mean", torch.tensor(np.asarray(mean, dtype=np.float32)))
            self.register_buffer("std", torch.tensor(np.asarray(std, dtype=np.float32)))

        def pooled(self, ids: Any, mask: Any) -> Any:
            h = self.body(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

        def standardised(self, ids: Any, mask: Any) -> Any:
            return self.head(self.pooled(ids, mask))

        def forward(self, ids: Any, mask: Any) -> Any:
            pooled = self.pooled(ids, mask)
            vad = torch.clamp(self.head(pooled) * self.std + self.mean, -1.0, 1.0)
            return vad, pooled

    return _Student


def Student(body: Any, head: Any, mean: np.ndarray, std: np.ndarray) -> Any:
    """A student module around ``body`` and ``head`` (see :func:`rebuild`)."""
    return _student_class()(body, head, mean, std)
