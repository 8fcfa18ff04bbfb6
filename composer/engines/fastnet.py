"""What the static MusicGen decoders share: the model's pieces, conditioning, sampling settings.

:class:`DecoderNet` reads a MusicGen / MusicGen-Melody model (its decoder's own weights,
in place) and provides the network's pieces both decoders run: embeddings, attention over
a given cache, feed-forward, and the conditioning of one prompt.
:class:`~composer.engines.fastgen.StaticDecoder` decodes one song,
:class:`~composer.engines.fastbatch.BatchDecoder` up to 8. :func:`delay_pattern` is
MusicGen's delay pattern as both lay it out.

Imports torch at module level: import this module only from inside the engine.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def delay_pattern(
    num_codebooks: int, width: int, prompt: torch.Tensor | None, max_len: int, bos: int
) -> torch.Tensor:
    """The delay pattern (codebook k shifted by k+1 columns) of a window of ``max_len``
    columns, ``width`` wide: forced codes (``bos``, the prompt), ``-1`` where sampled."""
    pattern = torch.full((num_codebooks, width), -1, dtype=torch.long)
    cols = torch.arange(width)
    for k in range(num_codebooks):
        pattern[k, cols <= k] = bos
        pattern[k, cols >= max_len - num_codebooks + 1 + k] = bos
        if prompt is not None and prompt.shape[1] > 0:
            p = prompt.shape[1]
            pattern[k, k + 1 : k + 1 + p] = prompt[k].cpu()
    return pattern


class DecoderNet:
    """What every static decoder reads of the model, and the network's pieces.

    Parameters
    ----------
    model : MusicgenForConditionalGeneration or MusicgenMelodyForConditionalGeneration
        An eval-mode model; its decoder's weights are used in place (no copy).
    max_frames : int
        Longest window in codec frames.
    max_text : int
        Most text tokens a prompt may have.
    cfg : bool
        Classifier-free guidance (two rows per song: conditional, unconditional).
    """

    def __init__(
        self, model: Any, *, max_frames: int, max_text: int = 128, cfg: bool = True
    ) -> None:
        self.model = model
        self.melody = hasattr(model, "audio_enc_to_dec_proj") or "melody" in str(
            getattr(model.config, "model_type", "")
        )
        self.dec = model.decoder.model.decoder
        self.heads = model.decoder.lm_heads
        self.layers = list(self.dec.layers)
        self.num_codebooks = int(self.dec.num_codebooks)
        first = self.layers[0].self_attn
        self.num_heads = int(first.num_heads)
        self.head_dim = int(first.head_dim)
        self.hidden = self.num_heads * self.head_dim
        self.vocab = int(self.heads[0].out_features)
        self.dtype = self.dec.layer_norm.weight.dtype
        self.device = self.dec.layer_norm.weight.device
        self.batch = 2 if cfg else 1
        self.max_len = max_frames + self.num_codebooks
        self.max_text = max_text
        chroma_len = int(getattr(model.config, "chroma_length", 0)) if self.melody else 0
        self.max_prefix = chroma_len + max_text if self.melody else 0
        self.cache_len = self.max_prefix + self.max_len
        self.warnings: list[str] = []
        dev = self.device
        self.key_pos = torch.arange(self.cache_len, device=dev)
        self.guidance = torch.ones((), device=dev, dtype=torch.float32)
        self.temperature = torch.ones((), device=dev, dtype=torch.float32)
        self.top_k = self.vocab
        self.greedy = False
        table = self.dec.embed_positions.weights
        if table.shape[0] < self.cache_len:
            table = self.dec.embed_positions.get_embedding(self.cache_len, self.hidden)
        self.positions = table[: self.cache_len].to(device=dev, dtype=self.dtype)

    def _drop_graphs(self) -> None:
        """Forget captured graphs (the sampling settings that shape them changed)."""

    def configure(
        self,
        *,
        guidance: float = 3.0,
        top_k: int = 250,
        temperature: float = 1.0,
        greedy: bool = False,
    ) -> None:
        """Sampling settings for the next windows (``guidance`` is ignored without CFG).

        ``top_k`` and ``greedy`` shape the captured graphs, so changing them drops them.
        """
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        self.guidance.fill_(float(guidance))
        self.temperature.fill_(float(temperature))
        top = min(int(top_k), self.vocab) if top_k > 0 else self.vocab
        if (top, greedy) != (self.top_k, self.greedy):
            self._drop_graphs()
        self.top_k, self.greedy = top, greedy

    # ------------------------------------------------------------------ conditioning

    @torch.no_grad()
    def condition(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        chroma: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Conditioning states for one prompt, CFG branches stacked (as ``generate`` builds).

        Melody: the decoder *prefix* ``[projected chroma tiled to chroma_length, projected
        text]``; the unconditional branch has zero text and the "null" chroma (bin 0).
        Text-only: the projected text states for cross-attention, zeros for unconditional.
        """
        model = self.model
        text = model.text_encoder(input_ids=input_ids, attention_mask=attention_mask)
        states = text.last_hidden_state
        if hasattr(model, "enc_to_dec_proj"):
            states = model.enc_to_dec_proj(states.to(model.enc_to_dec_proj.weight.dtype))
        states = states * attention_mask[..., None].to(states.dtype)
        if self.batch == 2:
            states = torch.cat([states, torch.zeros_like(states)], dim=0)
        if not self.melody:
            return states
        dtype = states.dtype
        if chroma is None:
            chroma = torch.zeros(1, 1, model.config.num_chroma, device=states.device, dtype=dtype)
            chroma[:, :, 0] = 1
        chroma = chroma.to(device=states.device, dtype=dtype)
        if self.batch == 2:
            null = torch.zeros_like(chroma)
            null[:, :, 0] = 1
            chroma = torch.cat([chroma, null], dim=0)
        audio = chroma
        if hasattr(model, "audio_enc_to_dec_proj"):
            audio = model.audio_enc_to_dec_proj(chroma)
        length = int(model.config.chroma_length)
        repeats = -(-length // audio.shape[1])
        audio = audio.repeat(1, repeats, 1)[:, :length]
        return torch.cat([audio, states], dim=1)

    # ------------------------------------------------------------------ network

    def _embed(self, columns: torch.Tensor) -> torch.Tensor:
        """Sum of the codebook embeddings: ``(K, n)`` codes → ``(n, hidden)``."""
        out = self.dec.embed_tokens[0](columns[0])
        for k in range(1, self.num_codebooks):
            out = out + self.dec.embed_tokens[k](columns[k])
        return out

    def _ffn(self, layer: Any, x: torch.Tensor) -> torch.Tensor:
        return x + layer.fc2(layer.activation_fn(layer.fc1(layer.final_layer_norm(x))))

    def _attend(
        self, attn: Any, x: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, **kw: Any
    ) -> torch.Tensor:
        b, n, _ = x.shape
        q = attn.q_proj(x).view(b, n, self.num_heads, self.head_dim).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k_cache, v_cache, scale=attn.scaling, **kw)
        return attn.out_proj(out.transpose(1, 2).reshape(b, n, self.hidden))

    def _kv(self, attn: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, _ = x.shape
        k = attn.k_proj(x).view(b, n, self.num_heads, self.head_dim).transpose(1, 2)
        v = attn.v_proj(x).view(b, n, self.num_heads, self.head_dim).transpose(1, 2)
        return k, v
