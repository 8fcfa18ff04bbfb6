"""Step 1 of the mood student (``train_mood_student.py``): the transfer set.

EmoBank ``train`` sentences only: the sentences themselves, word spans cut from them
(chat-length lines), copies with words masked or dropped, copies with words swapped for
their neighbours, and splices of two sentences; made in rounds (one seed each), tokenised.
"""

from __future__ import annotations

import argparse
import functools
import random
from pathlib import Path
from typing import Any

import numpy as np
import train_mood as tm  # the teacher's helpers: data, batching, export


def augment(texts: list[str], args: argparse.Namespace) -> list[str]:
    """Extra texts made from ``texts`` for the teachers to read (no human ratings needed).

    Word spans (chat-length lines), masked and shortened copies, copies with words swapped
    for their neighbours in the base model's word-piece space (``--swaps``: "glad" for
    "happy", often "sad" too, which is the point: the teachers say how the reading moves),
    and splices of the start of one sentence and the end of another (``--splices``).
    """
    rng = random.Random(args.seed)
    out = tm.word_spans(texts, args.spans, args.seed)
    for t in texts:
        words = t.split()
        if len(words) < 4:
            continue
        for _ in range(args.variants):
            if rng.random() < 0.5:  # mask ~15 % of the words (the model sees [MASK])
                w = [x if rng.random() > 0.15 else "[MASK]" for x in words]
            else:  # drop ~15 % of the words
                w = [x for x in words if rng.random() > 0.15] or words[:1]
            out.append(" ".join(w))
    if args.swaps:
        near = neighbours(8)
        for t in texts:
            words = t.split()
            for _ in range(args.swaps):
                w = []
                for x in words:
                    core = x.lower().strip(".,;:!?\"'()")
                    if core in near and rng.random() < 0.3:
                        x = x.lower().replace(core, rng.choice(near[core]))
                    w.append(x)
                out.append(" ".join(w))
    for _ in range(args.splices * len(texts)):
        a, b = rng.choice(texts).split(), rng.choice(texts).split()
        if len(a) < 2 or len(b) < 2:
            continue
        head = a[: rng.randint(1, min(len(a) - 1, 15))]
        out.append(" ".join(head + b[rng.randint(1, len(b) - 1) :][:15]))
    return out


@functools.cache
def neighbours(k: int) -> dict[str, list[str]]:
    """For each whole-word piece of the base vocabulary, its ``k`` nearest (cosine) pieces."""
    from safetensors.numpy import load_file

    table = load_file(str(tm.base_model_dir() / "model.safetensors"))
    vectors = table["embeddings.word_embeddings.weight"]
    vocab = (tm.base_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, w in enumerate(vocab) if w.isalpha() and w.isascii() and len(w) >= 3]
    unit = vectors[keep] / np.linalg.norm(vectors[keep], axis=1, keepdims=True)
    near: dict[str, list[str]] = {}
    for s in range(0, len(keep), 2048):
        sims = unit[s : s + 2048] @ unit.T
        for r, row in enumerate(sims):
            row[s + r] = -1.0  # not itself
            best = np.argpartition(-row, k)[:k]
            near[vocab[keep[s + r]]] = [vocab[keep[j]] for j in best]
    return near


@functools.cache
def _tokenizer(path: Path, max_len: int) -> Any:
    """The tokenizer at ``path``, truncating to ``max_len`` (loaded once per process)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    return tok


def token_ids(texts: list[str], max_len: int) -> list[list[int]]:
    """The base model's word-piece ids of ``texts`` (truncated to ``max_len``)."""
    tok = _tokenizer(tm.base_model_dir() / "tokenizer.json", max_len)
    return [e.ids for e in tok.encode_batch(texts)]


def round_ids(texts: list[str], args: argparse.Namespace, k: int) -> list[list[int]]:
    """Round ``k`` of the transfer set, tokenised: its own seed; round 0 also holds ``texts``."""
    part = augment(texts, argparse.Namespace(**{**vars(args), "seed": args.seed + k}))
    return token_ids(texts + part if k == 0 else part, args.max_len)


def rounds(texts: list[str], args: argparse.Namespace) -> list[list[list[int]]]:
    """Every round's ids, in order; made in up to ``--jobs`` processes (pure Python work:
    about 10 s a round on one core, which a GPU run would otherwise wait for)."""
    jobs = max(1, min(args.jobs, args.rounds))
    if jobs == 1:
        return [round_ids(texts, args, k) for k in range(args.rounds)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent has torch (and maybe CUDA) loaded.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        n = args.rounds
        return list(pool.map(round_ids, [texts] * n, [args] * n, range(n)))
