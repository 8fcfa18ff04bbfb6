"""Batched MusicGen decoding: up to 8 songs' windows in one static-cache decoder.

:class:`BatchDecoder` keeps, for ``n`` songs, ``2n`` rows of KV cache (each song's
conditional and unconditional CFG rows side by side) and per-song state on the device: the
column being decoded, the prefix length, the last column of its window, its delay pattern
and codes. One step decodes one column of every song; a song whose window is done stops
writing (its later steps leave its codes alone) while the others go on, so songs of
different lengths and prompts share a batch. Batches are padded to a size in
:data:`SIZES` (3 songs run as 4, the fourth idle), and on CUDA one graph is captured per
size.

Sampling noise is not drawn from a generator but computed: a counter-based hash of the
song's salt (from its seed and window), the column, the codebook and the token, turned into
an exponential race (equal in law to ``multinomial``). So a song's codes do not depend on
which songs share its batch or in which order: the tests check that a song decoded in a
batch equals the same song decoded alone (CPU, float64: identical codes). On a GPU a
different batch size may round differently in the last bit, which can change a sample.

Imports torch at module level: import this module only from inside the engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import torch

from composer.engines.fastnet import DecoderNet, delay_pattern

#: Batch sizes with their own captured graph; a batch is padded up to the next one.
SIZES = (1, 2, 4, 8)
# splitmix64's multipliers, as signed 64-bit integers (torch has no uint64 arithmetic).
_M1 = 0xBF58476D1CE4E5B9 - (1 << 64)
_M2 = 0x94D049BB133111EB - (1 << 64)


def bucket(n: int) -> int:
    """The graph size a batch of ``n`` songs runs as (``3`` → ``4``)."""
    for size in SIZES:
        if n <= size:
            return size
    raise ValueError(f"at most {SIZES[-1]} songs in a batch, not {n}")


def window_salt(seed: int, window: int) -> int:
    """A signed 64-bit salt for one window of one song (a pure function of both)."""
    digest = hashlib.sha256(f"photograph:{seed}:{window}".encode()).digest()
    return int.from_bytes(digest[:8], "little", signed=True)


def _shr(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Logical right shift of int64 (torch shifts arithmetically)."""
    return (x >> bits) & ((1 << (64 - bits)) - 1)


def _mix(x: torch.Tensor) -> torch.Tensor:
    """splitmix64's finaliser on int64 tensors (wrapping multiplication)."""
    x = x ^ _shr(x, 30)
    x = x * _M1
    x = x ^ _shr(x, 27)
    x = x * _M2
    return x ^ _shr(x, 31)


def uniform(salt: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """A float32 in (0, 1) for each ``(salt, key)`` pair, the same on every device."""
    bits = _shr(_mix(salt + _mix(key)), 40)  # the top 24 bits
    return (bits.to(torch.float32) + 0.5) / float(1 << 24)


class BatchDecoder(DecoderNet):
    """Decode windows of up to ``max_songs`` songs at once (see the module's notes).

    Parameters
    ----------
    model, max_frames, max_text, cfg
        As for :class:`~composer.engines.fastnet.DecoderNet`.
    max_songs : int
        The largest batch (one of :data:`SIZES`); the cache is sized for it.
    graph : bool
        Capture one CUDA graph per batch size (CUDA only).
    """

    def __init__(
        self,
        model: Any,
        *,
        max_frames: int,
        max_text: int = 128,
        max_songs: int = 8,
        cfg: bool = True,
        graph: bool = False,
    ) -> None:
        super().__init__(model, max_frames=max_frames, max_text=max_text, cfg=cfg)
        if max_songs not in SIZES:
            raise ValueError(f"max_songs must be one of {SIZES}")
        self.max_songs = max_songs
        dev, dt, h, d = self.device, self.dtype, self.num_heads, self.head_dim
        rows = max_songs * self.batch
        self.self_k = [
            torch.zeros(rows, h, self.cache_len, d, device=dev, dtype=dt) for _ in self.layers
        ]
        self.self_v = [torch.zeros_like(k) for k in self.self_k]
        if not self.melody:
            self.cross_k = [
                torch.zeros(rows, h, max_text, d, device=dev, dtype=dt) for _ in self.layers
            ]
            self.cross_v = [torch.zeros_like(k) for k in self.cross_k]
            self.cross_valid = torch.zeros(rows, 1, 1, max_text, dtype=torch.bool, device=dev)
        k_books = self.num_codebooks
        self.codes = torch.zeros(max_songs, k_books, self.max_len, dtype=torch.long, device=dev)
        self.pattern = torch.full_like(self.codes, -1)
        self.col, self.offset, self.limit, self.salt = (
            torch.zeros(max_songs, dtype=torch.long, device=dev) for _ in range(4)
        )
        self.books = torch.arange(k_books, device=dev)
        self._graphs: dict[int, Any] = {}
        self._want_graph = graph and dev.type == "cuda"

    def _drop_graphs(self) -> None:
        self._graphs.clear()

    # ------------------------------------------------------------------ sampling

    def _mix_cfg(self, h: torch.Tensor, n: int) -> torch.Tensor:
        """``(n·rows, hidden)`` → CFG-mixed logits ``(n, K, vocab)``."""
        h = self.dec.layer_norm(h)
        logits = torch.stack([head(h) for head in self.heads], dim=1).float()
        if self.batch == 1:
            return logits
        logits = logits.view(n, 2, self.num_codebooks, self.vocab)
        return logits[:, 1] + (logits[:, 0] - logits[:, 1]) * self.guidance

    def _sample(
        self, logits: torch.Tensor, salt: torch.Tensor, column: torch.Tensor
    ) -> torch.Tensor:
        """Greedy or temperature + top-k with hashed noise: ``(n, K, V)`` → ``(n, K)``."""
        if self.greedy:
            return logits.argmax(dim=-1)
        n = logits.shape[0]
        values, index = torch.topk(logits / self.temperature, self.top_k, dim=-1)
        probs = torch.softmax(values, dim=-1)
        key = (column.view(n, 1, 1) * self.num_codebooks + self.books.view(1, -1, 1)) * (
            self.vocab + 1
        ) + index
        race = probs / -torch.log(uniform(salt.view(n, 1, 1), key))
        return index.gather(-1, race.argmax(dim=-1, keepdim=True)).squeeze(-1)

    def _write(self, logits: torch.Tensor, lo: int, hi: int) -> None:
        """Sample the next column of songs ``lo..hi-1`` and store it (idle songs: unchanged)."""
        n = hi - lo
        col, limit = self.col[lo:hi], self.limit[lo:hi]
        active = col < limit
        nxt = torch.minimum(col + 1, limit)
        index = nxt.view(n, 1, 1).expand(n, self.num_codebooks, 1)
        sampled = self._sample(logits, self.salt[lo:hi], nxt)
        forced = self.pattern[lo:hi].gather(2, index).squeeze(2)
        token = torch.where(forced < 0, sampled, forced)
        current = self.codes[lo:hi].gather(2, index).squeeze(2)
        token = torch.where(active.view(n, 1), token, current)
        self.codes[lo:hi].scatter_(2, index, token.unsqueeze(2))
        col.add_(active.long())

    # ------------------------------------------------------------------ network

    def _step(self, n: int) -> None:
        """One column of songs ``0..n-1``; capturable (no host sync, fixed shapes)."""
        b, rows = self.batch, n * self.batch
        col, codes = self.col[:n], self.codes[:n]
        pos = self.offset[:n] + col
        inp = codes.gather(2, col.view(n, 1, 1).expand(n, self.num_codebooks, 1)).squeeze(2)
        x = self._embed(inp.t()) + self.positions.index_select(0, pos)  # (n, hidden)
        x = x.repeat_interleave(b, dim=0).unsqueeze(1)  # (rows, 1, hidden)
        pos_r = pos.repeat_interleave(b)
        mask = (self.key_pos.view(1, -1) <= pos_r.view(-1, 1)).view(rows, 1, 1, -1)
        slot = pos_r.view(rows, 1, 1, 1).expand(rows, self.num_heads, 1, self.head_dim)
        for i, layer in enumerate(self.layers):
            h = layer.self_attn_layer_norm(x)
            k, v = self._kv(layer.self_attn, h)
            k_cache, v_cache = self.self_k[i][:rows], self.self_v[i][:rows]
            k_cache.scatter_(2, slot, k)
            v_cache.scatter_(2, slot, v)
            x = x + self._attend(layer.self_attn, h, k_cache, v_cache, attn_mask=mask)
            if not self.melody:
                h = layer.encoder_attn_layer_norm(x)
                x = x + self._attend(
                    layer.encoder_attn,
                    h,
                    self.cross_k[i][:rows],
                    self.cross_v[i][:rows],
                    attn_mask=self.cross_valid[:rows],
                )
            x = self._ffn(layer, x)
        self._write(self._mix_cfg(x[:, 0], n), 0, n)

    def _prefill(self, i: int, cond: torch.Tensor, first: int) -> None:
        """Song ``i``'s prefix and code columns ``0..first-1``, then its column ``first``."""
        b = self.batch
        rows = slice(i * b, (i + 1) * b)
        x = self._embed(self.codes[i, :, :first]).unsqueeze(0).expand(b, -1, -1)
        t = cond.shape[1]
        if self.melody:
            x = torch.cat([cond.to(self.dtype), x], dim=1)
            self.offset[i] = t
        else:
            self.offset[i] = 0
            self.cross_valid[rows] = False
            self.cross_valid[rows, ..., :t] = True
        n = x.shape[1]
        x = x + self.positions[:n]
        for j, layer in enumerate(self.layers):
            h = layer.self_attn_layer_norm(x)
            k, v = self._kv(layer.self_attn, h)
            self.self_k[j][rows, :, :n] = k
            self.self_v[j][rows, :, :n] = v
            x = x + self._attend(layer.self_attn, h, k, v, is_causal=True)
            if not self.melody:
                ck, cv = self._kv(layer.encoder_attn, cond.to(self.dtype))
                self.cross_k[j][rows, :, :t] = ck
                self.cross_v[j][rows, :, :t] = cv
                h = layer.encoder_attn_layer_norm(x)
                x = x + self._attend(
                    layer.encoder_attn,
                    h,
                    self.cross_k[j][rows],
                    self.cross_v[j][rows],
                    attn_mask=self.cross_valid[rows],
                )
            x = self._ffn(layer, x)
        self.col[i] = first - 1
        self._write(self._mix_cfg(x[:, -1], 1), i, i + 1)

    # ------------------------------------------------------------------ graphs

    def _idle(self, lo: int, hi: int) -> None:
        """Songs ``lo..hi-1`` take part in steps without writing anything that counts."""
        self.col[lo:hi] = 0
        self.limit[lo:hi] = 0
        self.offset[lo:hi] = 0
        if not self.melody:  # any valid key: attention over none would make NaNs
            self.cross_valid[lo * self.batch : hi * self.batch, ..., :1] = True

    def _capture(self, n: int) -> None:
        """Warm up and capture ``_step(n)`` in a CUDA graph (once per size)."""
        if n in self._graphs or not self._want_graph:
            return
        try:
            self._idle(0, n)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream), torch.no_grad():
                for _ in range(3):
                    self._step(n)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph), torch.no_grad():
                self._step(n)
            self._graphs[n] = graph
        except RuntimeError as exc:  # capture unsupported here: stay eager, say so
            self._want_graph = False
            self.warnings.append(f"CUDA graph capture failed, decoding eagerly: {exc}")

    def prepare(self, sizes: Sequence[int] = SIZES) -> None:
        """Capture the graphs of these batch sizes now (not during the first songs)."""
        for n in sizes:
            if n <= self.max_songs:
                self._capture(n)

    # ------------------------------------------------------------------ public

    @torch.no_grad()
    def generate_batch(
        self,
        conds: Sequence[torch.Tensor],
        frames: Sequence[int],
        prompts: Sequence[torch.Tensor | None],
        salts: Sequence[int],
        *,
        on_step: Sequence[Callable[[int], None] | None] | None = None,
        report_every: int = 25,
    ) -> list[torch.Tensor]:
        """One window for each song, decoded together (:meth:`configure` settings).

        Parameters
        ----------
        conds : sequence of torch.Tensor
            Each song's :meth:`condition`.
        frames : sequence of int
            Each window's codec frames, prompt included (``<= max_frames``).
        prompts : sequence of torch.Tensor or None
            Each window's ``(K, P)`` codes to continue from.
        salts : sequence of int
            Each window's noise salt (:func:`window_salt`): its codes depend on it, never on
            the other songs.
        on_step : sequence of callables, optional
            Per song: called with its steps done (every ``report_every`` and at its end).

        Returns
        -------
        list of torch.Tensor
            Each song's ``(K, frames)`` codes, undelayed.
        """
        m = len(conds)
        if not m or not len(frames) == len(prompts) == len(salts) == m:
            raise ValueError("one frames, prompt and salt per conditioning")
        n = bucket(m)
        if n > self.max_songs:
            raise ValueError(f"this decoder takes at most {self.max_songs} songs")
        bos = int(self.model.generation_config.decoder_start_token_id or self.vocab)
        firsts = [self._check(c, f, p) for c, f, p in zip(conds, frames, prompts, strict=True)]
        self._capture(n)
        self.codes[:n].fill_(bos)
        self._idle(m, n)
        for i in range(m):
            max_len = frames[i] + self.num_codebooks
            pattern = delay_pattern(self.num_codebooks, self.max_len, prompts[i], max_len, bos)
            self.pattern[i].copy_(pattern.to(self.device))
            head = self.pattern[i, :, : firsts[i]]
            self.codes[i, :, : firsts[i]] = torch.where(head < 0, torch.full_like(head, bos), head)
            self.limit[i] = max_len - 1
            self.salt[i] = salts[i]
            self._prefill(i, conds[i], firsts[i])
        steps = [
            f + self.num_codebooks - 1 - first for f, first in zip(frames, firsts, strict=True)
        ]
        calls = list(on_step or [None] * m)
        graph = self._graphs.get(n)
        total = max(steps)
        for done in range(1, total + 1):
            if graph is not None:
                graph.replay()
            else:
                self._step(n)
            if any(calls) and (done % report_every == 0 or done == total):
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                for call, own in zip(calls, steps, strict=True):
                    if call is not None:
                        call(min(done, own) + 1)
        if total == 0:
            for call in calls:
                if call is not None:
                    call(1)
        out = []
        rows = torch.arange(self.num_codebooks, device=self.device)[:, None]
        for i in range(m):
            cols = rows + 1 + torch.arange(frames[i], device=self.device)[None, :]
            out.append(self.codes[i].gather(1, cols).clone())
        return out

    def _check(self, cond: torch.Tensor, frames: int, prompt: torch.Tensor | None) -> int:
        """Validate one window; its first sampled column."""
        if not frames > 0 or frames + self.num_codebooks > self.max_len:
            raise ValueError(f"window of {frames} frames does not fit the decoder's {self.max_len}")
        p = 0 if prompt is None else int(prompt.shape[1])
        if p >= frames:
            raise ValueError("the prompt must be shorter than the window")
        if cond.shape[1] > (self.max_prefix if self.melody else self.max_text):
            raise ValueError("conditioning longer than the decoder's text budget")
        return p + 1
