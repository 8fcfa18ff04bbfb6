"""The trained mood reader: a small transformer exported to ONNX, run with onnxruntime.

Files (``composer/data/mood/``, package data, or ``$PHOTOGRAPH_MOOD_MODEL_DIR``):
``model.onnx`` (int8), ``tokenizer.json`` and ``meta.json`` (name, version, max length).
The session is created lazily, once per process; batches run on up to two threads.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from composer.cpus import usable_cpus
from composer.mood.cues import Cues, cue_features
from composer.mood.dialogue import FILE as MESSAGE_FILE
from composer.mood.dialogue import MessageHead
from composer.mood.dialogue import load as load_message_head
from composer.mood.lexicon import combine
from composer.mood.moment import MomentHead
from composer.mood.moment import load as load_moment_head
from composer.resources import MOOD_MODEL, data_dir

MODEL_DIR_ENV = "PHOTOGRAPH_MOOD_MODEL_DIR"
log = logging.getLogger(__name__)
_TOKEN_BUDGET = 8192  # tokens per inference batch (rows x padded length)
_MAX_ROWS = 128
_TOKENIZE_CHUNK = 4096
_IN_FLIGHT = 4  # batches queued for the inference threads at a time (bounds memory)


def _utf8(text: str) -> str:
    """The text with lone surrogates (broken JSON escapes) replaced: tokenizers needs UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def model_dir() -> Path:
    """Where the trained model's files are looked for."""
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        return Path(env)
    return data_dir(MOOD_MODEL)


@dataclass(slots=True)
class OnnxReader:
    """A loaded model: tokenizer + inference session + how to read its output."""

    name: str
    session: Any
    tokenizer: Any
    input_names: tuple[str, ...]
    max_len: int
    cue_weight: float
    moment: MomentHead | None = None
    message: MessageHead | None = None
    cache: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    messages: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids per text (tokenised in chunks: one call per chunk, not one per text)."""
        ids: list[list[int]] = []
        for s in range(0, len(texts), _TOKENIZE_CHUNK):
            encs = self.tokenizer.encode_batch([_utf8(t) for t in texts[s : s + _TOKENIZE_CHUNK]])
            ids.extend(e.ids for e in encs)
        return ids

    def _batches(self, ids: list[list[int]]) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """(rows, feeds) per inference batch, texts of similar length together (little padding)."""
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
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
            yield chunk, feeds
            start += len(chunk)

    def _infer(self, todo: list[str], parts: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Readings of ``todo`` with chat cues: as sentences and, with ``parts``, as messages
        (the message head on the network's reading, cues added after), ``(n, 3)`` each."""
        raw = np.zeros((len(todo), 3), dtype=np.float32)
        head = self.message if parts else None
        part = np.zeros((len(todo), 2)) if head is not None else None
        names = ["vad", "pooled"] if head is not None else ["vad"]
        cues: list[Cues | None] = []
        pool, run = _pool(), self.session.run
        pending: deque[tuple[np.ndarray, Future[Any]]] = deque()

        def take(done: np.ndarray, job: Future[Any]) -> None:
            result = job.result()
            raw[done] = result[0]
            if head is not None and part is not None:
                part[done] = head.pooled_part(result[1])  # the vectors are not kept

        # 1. Tokenise, then feed length-sorted batches to the worker threads (onnxruntime
        #    releases the GIL; one thread per batch beats splitting each small matrix
        #    product over cores), a few in flight at a time...
        for chunk, feeds in self._batches(self._token_ids(todo)):
            pending.append((chunk, pool.submit(run, names, feeds)))
            if len(pending) > _IN_FLIGHT:
                # 2. ...while this thread reads the chat cues the model cannot see.
                stop = min(len(todo), len(cues) + _MAX_ROWS)
                cues.extend(self._cues(t) for t in todo[len(cues) : stop])
                take(*pending.popleft())
        cues.extend(self._cues(t) for t in todo[len(cues) :])
        for done, job in pending:
            take(done, job)
        own = self._all_with_cues(raw, cues)
        if head is None or part is None:
            return own, None
        return own, self._all_with_cues(head.finish(part, raw), cues)

    def _all_with_cues(self, rows: np.ndarray, cues: list[Cues | None]) -> np.ndarray:
        out = [self._with_cues(row, cue) for row, cue in zip(rows.tolist(), cues, strict=True)]
        return np.asarray(out, dtype=np.float64).reshape(-1, 3)

    def score_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Read texts (sentences, each alone); returns ``(n, 3)`` valence, arousal, dominance."""
        with self.lock:  # callers on several threads (live rooms) share the caches
            todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
            own, _ = self._infer(todo, parts=False) if todo else (np.zeros((0, 3)), None)
            return _read_through(self.cache, texts, todo, own)

    def score_messages(self, texts: Sequence[str]) -> np.ndarray:
        """Read chat messages as dialogue (the message head; :meth:`score_texts` without one)."""
        head = self.message
        if head is None:
            return self.score_texts(texts)
        with self.lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self.messages]
            if not todo:
                return _read_through(self.messages, texts, [], np.zeros((0, 3)))
            own, read = self._infer(todo, parts=True)
            if read is None:  # cannot happen: parts=True with a head
                raise RuntimeError("the message head gave no readings")
            _read_through(self.cache, todo, todo, own)
            return _read_through(self.messages, texts, todo, read)

    def pooled(self, texts: Sequence[str]) -> np.ndarray:
        """The model's 128-d sentence vectors, ``(n, d)``, for models that export them.

        Raises ``ValueError`` for a model without a ``pooled`` output (version 5 and older).
        """
        outputs = [o.name for o in self.session.get_outputs()]
        if "pooled" not in outputs:
            raise ValueError(f"{self.name} has no pooled output")
        rows: list[tuple[np.ndarray, np.ndarray]] = []
        for chunk, feeds in self._batches(self._token_ids(list(texts))):
            rows.append((chunk, self.session.run(["pooled"], feeds)[0]))
        width = rows[0][1].shape[1] if rows else 0
        out = np.zeros((len(texts), width), dtype=np.float64)
        for chunk, vecs in rows:
            out[chunk] = vecs
        return out

    def score_moments(self, texts: Sequence[str]) -> np.ndarray:
        """Moments read as scenes by the moment head (the line reading without one)."""
        own = self.score_texts(texts)
        if self.moment is None:
            return own
        return self.moment.read(self.pooled(texts), own)

    def _cues(self, text: str) -> Cues | None:
        """The text's chat cues, or None when it has none (the common case)."""
        if self.cue_weight <= 0.0:
            return None
        cues = cue_features(text, unseen_only=True)
        if not cues.icons and cues.gain == 1.0 and cues.offset == (0.0, 0.0, 0.0):
            return None
        return cues

    def _with_cues(self, row: list[float], cues: Cues | None) -> tuple[float, float, float]:
        """Add what the tokenizer cannot see (emoji, emoticons, capitals, quarrel phrases)."""
        base = (float(row[0]), float(row[1]), float(row[2]))
        if cues is None:
            return base
        return combine(base, cues, base_weight=self.cue_weight, squash=False)


_CACHE_LIMIT = 200_000  # readings kept per cache (cleared when full)


def _read_through(
    cache: dict[str, tuple[float, float, float]],
    texts: Sequence[str],
    new: list[str],
    rows: np.ndarray,
) -> np.ndarray:
    """``(n, 3)`` readings of ``texts`` from the cache and the ``new`` texts' ``rows``; the
    new rows are then kept (the cache starts again when it would pass its limit)."""
    fresh = {
        t: (float(v), float(a), float(d)) for t, (v, a, d) in zip(new, rows.tolist(), strict=True)
    }
    out = [fresh[t] if t in fresh else cache[t] for t in texts]
    if len(cache) + len(fresh) > _CACHE_LIMIT:
        cache.clear()
    cache.update(fresh)
    return np.asarray(out, dtype=np.float64).reshape(-1, 3)


_LOADED: OnnxReader | str | None = None
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Inference threads, one per usable core (at most 2: the machines we plan for)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="mood")
        return _POOL


def _forget_pool() -> None:
    """In a forked child the parent's threads do not exist: start a new pool there (and
    new locks: one held by a parent's thread at the fork would never be released)."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()
    if isinstance(_LOADED, OnnxReader):
        _LOADED.lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _workers() -> int:
    return max(1, min(2, usable_cpus()))


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


def _pooled_width(session: Any) -> int | str | None:
    """The width of the model's ``pooled`` output (a name when symbolic), None without one."""
    pooled = [o for o in session.get_outputs() if o.name == "pooled"]
    return pooled[0].shape[-1] if pooled else None


def _moment_head(folder: Path, session: Any) -> MomentHead | None:
    """The folder's moment head when the model has a ``pooled`` output of its width."""
    width = _pooled_width(session)
    head = load_moment_head(folder) if width is not None else None
    if head is None or (isinstance(width, int) and width != len(head.mean)):
        return None
    return head


def _message_head(folder: Path, session: Any) -> MessageHead | None:
    """The folder's message head when the model has a ``pooled`` output of its width (a
    head file that cannot be used is logged: messages are then read as sentences)."""
    width = _pooled_width(session)
    head = load_message_head(folder) if width is not None else None
    if head is None or (isinstance(width, int) and width + 3 != len(head.mean)):
        if (folder / MESSAGE_FILE).is_file():
            log.warning("%s in %s does not fit the model; messages read as sentences",
                        MESSAGE_FILE, folder)  # fmt: skip
        return None
    return head


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
    opts.intra_op_num_threads = 1  # parallel over batches instead (see score_texts)
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
        moment=_moment_head(folder, session),
        message=_message_head(folder, session),
    )
