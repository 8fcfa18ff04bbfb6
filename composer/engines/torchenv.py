"""torch for the MusicGen engines: import on demand, pick the device and dtype."""

from __future__ import annotations

from typing import Any

from composer.errors import EngineUnavailableError, OptionError

GPU_EXTRA = "install the GPU extra: pip install -e '.[gpu]'"


def require_torch() -> Any:
    """Import torch and transformers, or say how to install them.

    Raises
    ------
    EngineUnavailableError
        Either is missing.
    """
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        missing = exc.name or "torch"
        raise EngineUnavailableError(
            f"the musicgen engine needs torch and transformers ({missing} is missing): {GPU_EXTRA}"
        ) from None
    return torch


def pick_device(torch: Any, requested: str | None) -> str:
    """``requested`` if usable, else the best of CUDA > MPS > CPU."""
    if not isinstance(requested, str | None):
        raise TypeError("device must be a string")
    if requested is None or requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    kind = requested.split(":")[0]
    if kind not in ("cuda", "mps", "cpu"):
        raise OptionError(f"unknown device {requested!r}; choose cuda, mps or cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise EngineUnavailableError("--device cuda: torch sees no CUDA GPU here")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise EngineUnavailableError("--device mps: torch sees no Apple GPU here")
    return requested


def pick_dtype(torch: Any, name: str | None, device: str) -> Any:
    """Weights' dtype: bf16 (fp16 on older GPUs) on CUDA, fp32 elsewhere, unless named."""
    names = {
        "float32": torch.float32,
        "fp32": torch.float32,
        "float16": torch.float16,
        "fp16": torch.float16,
        "half": torch.float16,
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
    }
    if name is None:
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    try:
        return names[name.lower()]
    except KeyError:
        raise OptionError(f"unknown dtype {name!r}; choose float32, float16 or bfloat16") from None
