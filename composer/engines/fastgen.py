"""Fast MusicGen decoding: static KV cache, batched CFG, on-device sampling, CUDA graphs.

transformers' ``generate`` spends most of a decoding step in Python: a dynamic cache that
grows every step, logits processors, the delay pattern re-applied to the whole sequence, a
host sync per step. At batch 1 the GPU idles between hundreds of tiny kernel launches.

:class:`StaticDecoder` runs the same network (it reads the HF modules' own weights) with

* a preallocated KV cache and a fixed attention length (positions past the current one are
  masked), so every step has the same shapes;
* both classifier-free-guidance branches in one batch of 2;
* the delay pattern, CFG mix, top-k and sampling (exponential race, equal in law to
  ``multinomial``) done on the device, the step counter kept in a device tensor;

so one step is a fixed sequence of kernels that needs no host decision. On CUDA that step is
captured once into a CUDA graph and replayed (optionally compiled by ``torch.compile`` first).
Elsewhere it runs eagerly, which is still the same arithmetic: the tests check it against
``generate`` on CPU (greedy, float64: identical codes). What it shares with the batched
decoder (:mod:`composer.engines.fastbatch`) is in :mod:`composer.engines.fastnet`.

Imports torch at module level: import this module only from inside the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from composer.engines.fastnet import DecoderNet, delay_pattern


class StaticDecoder(DecoderNet):
    """Decode MusicGen / MusicGen-Melody codes with a static cache, one song at a time.

    Parameters
    ----------
    model, max_frames, max_text, cfg
        As for :class:`~composer.engines.fastnet.DecoderNet`.
    graph : bool
        Capture the step in a CUDA graph (CUDA only).
    compile : bool
        ``torch.compile`` the step before capturing it.
    """

    def __init__(
        self,
        model: Any,
        *,
        max_frames: int,
        max_text: int = 128,
        cfg: bool = True,
        graph: bool = False,
        compile: bool = False,
    ) -> None:
        super().__init__(model, max_frames=max_frames, max_text=max_text, cfg=cfg)
        dev, dt, b, h, d = self.device, self.dtype, self.batch, self.num_heads, self.head_dim
        self.self_k = [
            torch.zeros(b, h, self.cache_len, d, device=dev, dtype=dt) for _ in self.layers
        ]
        self.self_v = [torch.zeros_like(k) for k in self.self_k]
        if not self.melody:
            self.cross_k = [
                torch.zeros(b, h, max_text, d, device=dev, dtype=dt) for _ in self.layers
            ]
            self.cross_v = [torch.zeros_like(k) for k in self.cross_k]
            self.cross_valid = torch.zeros(1, 1, 1, max_text, dtype=torch.bool, device=dev)
        self.codes = torch.zeros(self.num_codebooks, self.max_len, dtype=torch.long, device=dev)
        self.pattern = torch.full_like(self.codes, -1)
        self.col = torch.zeros(1, dtype=torch.long, device=dev)
        self.offset = torch.zeros(1, dtype=torch.long, device=dev)

        self._step_fn: Callable[[], None] = self._step
        if compile:
            self._step_fn = torch.compile(self._step, dynamic=False)
        self._graph: Any = None
        self._want_graph = graph and self.device.type == "cuda"

    # ------------------------------------------------------------------ pattern

    def _set_pattern(self, prompt: torch.Tensor | None, max_len: int, bos: int) -> None:
        """The delay pattern (codebook k shifted by k+1 columns) for a window of ``max_len``."""
        pattern = delay_pattern(self.num_codebooks, self.max_len, prompt, max_len, bos)
        self.pattern.copy_(pattern.to(self.device))

    # ------------------------------------------------------------------ step

    def _heads(self, h: torch.Tensor) -> torch.Tensor:
        """``(batch, hidden)`` → CFG-mixed logits ``(K, vocab)``."""
        h = self.dec.layer_norm(h)
        logits = torch.stack([head(h) for head in self.heads], dim=1).float()  # (B, K, V)
        if self.batch == 2:
            return logits[1] + (logits[0] - logits[1]) * self.guidance
        return logits[0]

    def _sample(self, logits: torch.Tensor) -> torch.Tensor:
        """Greedy or temperature + top-k sampling, on the device: ``(K, V)`` → ``(K,)``."""
        if self.greedy:
            return logits.argmax(dim=-1)
        values, index = torch.topk(logits / self.temperature, self.top_k, dim=-1)
        probs = torch.softmax(values, dim=-1)
        race = probs / torch.empty_like(probs).exponential_(1.0)
        return index.gather(-1, race.argmax(dim=-1, keepdim=True)).squeeze(-1)

    def _write_next(self, logits: torch.Tensor, column: torch.Tensor) -> None:
        """Sample, apply the delay pattern for ``column`` and store it in ``codes``."""
        sampled = self._sample(logits)
        forced = self.pattern.index_select(1, column).squeeze(1)
        token = torch.where(forced < 0, sampled, forced)
        self.codes.index_copy_(1, column, token.unsqueeze(1))

    def _step(self) -> None:
        """One decoding step from the state buffers; capturable (no host sync, fixed shapes)."""
        col = self.col
        pos = self.offset + col
        x = self._embed(self.codes.index_select(1, col))  # (1, hidden)
        x = (x + self.positions.index_select(0, pos)).unsqueeze(0).expand(self.batch, 1, -1)
        mask = (self.key_pos <= pos).view(1, 1, 1, -1)
        for i, layer in enumerate(self.layers):
            h = layer.self_attn_layer_norm(x)
            k, v = self._kv(layer.self_attn, h)
            self.self_k[i].index_copy_(2, pos, k)
            self.self_v[i].index_copy_(2, pos, v)
            x = x + self._attend(layer.self_attn, h, self.self_k[i], self.self_v[i], attn_mask=mask)
            if not self.melody:
                h = layer.encoder_attn_layer_norm(x)
                x = x + self._attend(
                    layer.encoder_attn,
                    h,
                    self.cross_k[i],
                    self.cross_v[i],
                    attn_mask=self.cross_valid,
                )
            x = self._ffn(layer, x)
        self._write_next(self._heads(x[:, 0]), col + 1)
        self.col.add_(1)

    @torch.no_grad()
    def _prefill(self, cond: torch.Tensor, first: int) -> None:
        """Run the prefix (melody conditioning) and code columns ``0..first-1`` at once."""
        columns = self.codes[:, :first]
        x = self._embed(columns).unsqueeze(0).expand(self.batch, -1, -1)
        if self.melody:
            x = torch.cat([cond.to(self.dtype), x], dim=1)
            self.offset.fill_(cond.shape[1])
        else:
            self.offset.fill_(0)
            t = cond.shape[1]
            self.cross_valid.zero_()
            self.cross_valid[..., :t] = True
        n = x.shape[1]
        x = x + self.positions[:n]
        for i, layer in enumerate(self.layers):
            h = layer.self_attn_layer_norm(x)
            k, v = self._kv(layer.self_attn, h)
            self.self_k[i][:, :, :n] = k
            self.self_v[i][:, :, :n] = v
            x = x + self._attend(layer.self_attn, h, k, v, is_causal=True)
            if not self.melody:
                ck, cv = self._kv(layer.encoder_attn, cond.to(self.dtype))
                self.cross_k[i][:, :, :t] = ck
                self.cross_v[i][:, :, :t] = cv
                h = layer.encoder_attn_layer_norm(x)
                x = x + self._attend(
                    layer.encoder_attn,
                    h,
                    self.cross_k[i],
                    self.cross_v[i],
                    attn_mask=self.cross_valid,
                )
            x = self._ffn(layer, x)
        self.col.fill_(first - 1)
        self._write_next(self._heads(x[:, -1]), self.col + 1)
        self.col.add_(1)

    # ------------------------------------------------------------------ graphs

    def _capture(self) -> None:
        """Warm up and capture :meth:`_step` in a CUDA graph (once; state is reset after)."""
        if self._graph is not None or not self._want_graph:
            return
        try:
            self.col.fill_(0)
            self.offset.fill_(0)
            if not self.melody:
                self.cross_valid[..., :1] = True  # any valid key: warm-up must not make NaNs
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream), torch.no_grad():
                for _ in range(3):
                    self._step_fn()
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph), torch.no_grad():
                self._step_fn()
            self._graph = graph
        except RuntimeError as exc:  # capture unsupported here: stay eager, say so
            self._want_graph = False
            self.warnings.append(f"CUDA graph capture failed, decoding eagerly: {exc}")
        finally:
            self.col.fill_(0)

    def _drop_graphs(self) -> None:
        self._graph = None

    def prepare(self) -> None:
        """Capture the graph now (before seeding), so every render draws the same numbers."""
        self._capture()

    # ------------------------------------------------------------------ public

    @torch.no_grad()
    def generate(
        self,
        cond: torch.Tensor,
        frames: int,
        prompt: torch.Tensor | None = None,
        *,
        on_step: Callable[[int], None] | None = None,
        report_every: int = 25,
    ) -> torch.Tensor:
        """Generate one window of codes with the :meth:`configure` settings.

        Parameters
        ----------
        cond : torch.Tensor
            From :meth:`condition`.
        frames : int
            Codec frames in the window, prompt included (``<= max_frames``).
        prompt : torch.Tensor, optional
            ``(K, P)`` codes to continue from; they are the window's first ``P`` frames.
        on_step : callable, optional
            Called with the steps done so far (every ``report_every`` and at the end);
            a window takes :meth:`steps_for` steps.

        Returns
        -------
        torch.Tensor
            ``(K, frames)`` long codes, undelayed, ready for the audio codec.
        """
        max_len = frames + self.num_codebooks
        if not frames > 0 or max_len > self.max_len:
            raise ValueError(f"window of {frames} frames does not fit the decoder's {self.max_len}")
        p = 0 if prompt is None else int(prompt.shape[1])
        if p >= frames:
            raise ValueError("the prompt must be shorter than the window")
        budget = self.max_prefix if self.melody else self.max_text
        if cond.shape[1] > budget:
            raise ValueError("conditioning longer than the decoder's text budget")
        bos = int(self.model.generation_config.decoder_start_token_id or self.vocab)
        self._capture()
        self._set_pattern(prompt, max_len, bos)
        first = p + 1
        head = self.pattern[:, :first]
        self.codes.fill_(bos)
        self.codes[:, :first] = torch.where(head < 0, torch.full_like(head, bos), head)
        self._prefill(cond, first)
        steps = max_len - 1 - first
        sync = self.device.type == "cuda"
        for done in range(1, steps + 1):
            if self._graph is not None:
                self._graph.replay()
            else:
                self._step_fn()
            if on_step is not None and (done % report_every == 0 or done == steps):
                if sync:
                    torch.cuda.synchronize(self.device)
                on_step(done + 1)
        if on_step is not None and steps == 0:
            on_step(1)
        rows = torch.arange(self.num_codebooks, device=self.device)[:, None]
        cols = rows + 1 + torch.arange(frames, device=self.device)[None, :]
        return self.codes.gather(1, cols).clone()

    def steps_for(self, frames: int, prompt: int) -> int:
        """Decoding steps (sampled columns) a window needs: prefill + graph steps."""
        return frames + self.num_codebooks - 1 - prompt
