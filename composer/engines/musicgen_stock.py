"""One MusicGen window through transformers' own ``generate`` (``optimize="off"``).

The reference path: the static decoders (:mod:`composer.engines.fastgen`,
:mod:`composer.engines.fastbatch`) are checked against it. torch and transformers are
imported inside the function only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from composer.engines.torchenv import require_torch

if TYPE_CHECKING:
    from composer.engines.musicgen import MusicgenEngine


def window_stock(
    engine: MusicgenEngine, text: str, chroma: Any, prompt: Any, frames: int, on_step: Any
) -> Any:
    """One window through transformers' ``generate``; its ``(K, frames)`` codes."""
    torch = require_torch()
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StepCounter(StoppingCriteria):
        """Counts decoding steps for progress; never stops generation."""

        def __init__(self) -> None:
            self.done = 0

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            self.done += 1
            if self.done % 25 == 0:
                on_step(self.done)
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    ids, mask = engine._tokens(text)
    model = engine._model
    num_codebooks = int(model.decoder.num_codebooks)
    p = 0 if prompt is None else int(prompt.shape[1])
    kwargs: dict[str, Any] = {}
    if chroma is not None:
        kwargs["input_features"] = chroma.to(model.decoder.dtype)
    if prompt is not None:
        kwargs["decoder_input_ids"] = prompt
    s = engine.settings
    counter = StepCounter()
    codec = model.audio_encoder
    decode = codec.decode
    captured: list[Any] = []

    def keep_codes(codes: Any, *args: Any, **kwargs: Any) -> Any:
        # generate() decodes its codes and returns only audio: keep the codes, skip
        # decoding here (the caller decodes the window once).
        captured.append(codes)
        return decode(codes[..., :1], *args, **kwargs)

    codec.decode = keep_codes  # instance attribute, removed below
    try:
        with torch.no_grad():
            model.generate(
                input_ids=ids,
                attention_mask=mask,
                do_sample=True,
                top_k=s.top_k if s.top_k > 0 else None,
                temperature=s.temperature,
                guidance_scale=s.guidance_scale,
                max_new_tokens=frames + num_codebooks - 1 - p,
                stopping_criteria=StoppingCriteriaList([counter]),
                **kwargs,
            )
    finally:
        del codec.decode
    on_step(counter.done)
    return captured[-1][0, 0]
