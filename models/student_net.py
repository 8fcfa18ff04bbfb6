"""Step 3 of the mood student (``train_mood_student.py``): the student network.

A 4-layer, 128-wide BERT (2 heads, FFN 512), mean pooling, linear head; its word-piece and
position embeddings start as a PCA projection (384 → 128) of the teacher's base embeddings.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import train_mood as tm  # the teacher's helpers: data, batching, export


def build_student(
    args: argparse.Namespace, mean: np.ndarray, std: np.ndarray, embed_dim: int
) -> Any:
    """The tiny BERT with PCA-initialised embeddings, wrapped like the teacher.

    ``embed_dim`` > 0 adds a linear adapter from the student's pooled vector to the
    teachers' (training only: it is not exported).
    """
    import torch
    from transformers import AutoModel, BertConfig, BertModel

    config = BertConfig(
        vocab_size=30522, hidden_size=args.hidden, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, intermediate_size=4 * args.hidden,
        max_position_embeddings=args.max_len,
    )  # fmt: skip
    body = BertModel(config, add_pooling_layer=False)
    base = AutoModel.from_pretrained(str(tm.base_model_dir()))
    words = torch.from_numpy(base.embeddings.word_embeddings.weight.detach().numpy().copy())
    # The teacher's 384-d word-piece vectors stay frozen; the student learns a projection
    # to its width, so words it never saw in training keep the teacher's geometry. The
    # projection is folded into one 128-d table at export (same arithmetic, no cost).
    # It starts as a PCA of the vectors: the directions that tell words apart most.
    centre = words.mean(0)
    _, _, vt = torch.linalg.svd(words - centre, full_matrices=False)
    scale = 0.02 / float(((words - centre) @ vt[: args.hidden].T).std())
    project = torch.nn.Linear(words.shape[1], args.hidden)
    with torch.no_grad():
        project.weight.copy_(vt[: args.hidden] * scale)
        project.bias.copy_(-(centre @ vt[: args.hidden].T) * scale)
        pos = base.embeddings.position_embeddings.weight[: args.max_len]
        body.embeddings.position_embeddings.weight.copy_(
            (pos - pos.mean(0)) @ vt[: args.hidden].T * scale
        )
    del base

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body
            self.project = project
            self.register_buffer("words", words, persistent=False)
            self.head = torch.nn.Linear(args.hidden, 3)
            self.adapter = torch.nn.Linear(args.hidden, embed_dim) if embed_dim else None
            self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
            self.folded = False

        def pooled(self, input_ids: Any, attention_mask: Any) -> Any:
            if self.folded:
                hidden = self.body(input_ids=input_ids, attention_mask=attention_mask)
            else:
                embeds = self.project(self.get_buffer("words")[input_ids])
                hidden = self.body(inputs_embeds=embeds, attention_mask=attention_mask)
            h = hidden.last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

        def standardised(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.head(self.pooled(input_ids, attention_mask))

        def fold(self) -> None:
            """Bake the projection into the body's word table (for export)."""
            with torch.no_grad():
                table = self.project(self.words)
                self.body.embeddings.word_embeddings.weight.copy_(table)
            self.folded = True

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            z = self.standardised(input_ids, attention_mask)
            return torch.clamp(z * self.std + self.mean, -1.0, 1.0)

    return Student()


def load_weights(model: Any, state: dict[str, Any]) -> None:
    """Load a --checkpoint's weights (it leaves out the body's word table, unused until fold)."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {"body.embeddings.word_embeddings.weight"}:
        raise SystemExit(f"checkpoint does not fit: missing {missing}, unexpected {unexpected}")
