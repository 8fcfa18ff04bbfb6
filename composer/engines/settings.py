"""Validated options shared by the MusicGen engines (no torch)."""

from __future__ import annotations

from dataclasses import dataclass

from composer.errors import OptionError

MAX_WINDOW_S = 30.0  # MusicGen's training length; the melody model's chroma covers 30 s
OPTIMIZE_MODES = ("off", "static", "graph", "compile")


@dataclass(frozen=True, slots=True)
class Settings:
    """Generation settings, checked once by :func:`check_settings`.

    ``optimize`` is one of :data:`OPTIMIZE_MODES`.
    """

    model: str
    dtype: str | None
    guidance_scale: float
    window_s: float
    overlap_s: float
    optimize: str
    top_k: int
    temperature: float
    crossfade_s: float


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    return float(value)


def _optimize(value: bool | str | None, cuda: bool) -> str:
    if value is None:
        return "graph" if cuda else "off"
    if value is True:
        return "graph" if cuda else "static"
    if value is False:
        return "off"
    if not isinstance(value, str):
        raise TypeError(f"optimize must be a bool or a string, not {type(value).__name__}")
    mode = value.lower()
    if mode in ("none", "stock"):
        mode = "off"
    if mode == "auto":
        return _optimize(None, cuda)
    if mode not in OPTIMIZE_MODES:
        raise OptionError(
            f"unknown optimize mode {value!r}; choose one of: {', '.join(OPTIMIZE_MODES)}"
        )
    return mode


def check_settings(
    *,
    model: str,
    dtype: str | None,
    guidance_scale: float,
    window_s: float,
    overlap_s: float,
    optimize: bool | str | None,
    top_k: int,
    temperature: float,
    crossfade_s: float,
    cuda: bool,
) -> Settings:
    """Check ranges and types; raise OptionError (ValueError) or TypeError."""
    if not isinstance(model, str) or not model:
        raise TypeError("model must be a non-empty string")
    if dtype is not None and not isinstance(dtype, str):
        raise TypeError("dtype must be a string")
    guidance = _number("guidance_scale", guidance_scale)
    window = _number("window_s", window_s)
    overlap = _number("overlap_s", overlap_s)
    temp = _number("temperature", temperature)
    fade = _number("crossfade_s", crossfade_s)
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise TypeError("top_k must be an integer")
    if not 1.0 <= guidance <= 20.0:
        raise OptionError(f"guidance_scale must be between 1 and 20, got {guidance:g}")
    if not 0.5 <= window <= MAX_WINDOW_S:
        raise OptionError(f"window_s must be between 0.5 and {MAX_WINDOW_S:g} s, got {window:g}")
    if not 0.0 <= overlap < window:
        raise OptionError(f"overlap_s must be at least 0 and below window_s, got {overlap:g}")
    if overlap > window - 0.25:
        raise OptionError("overlap_s leaves less than 0.25 s of new audio per window")
    if top_k < 0:
        raise OptionError("top_k must be 0 (no limit) or more")
    if not 0.05 <= temp <= 5.0:
        raise OptionError(f"temperature must be between 0.05 and 5, got {temp:g}")
    if fade < 0:
        raise OptionError("crossfade_s must not be negative")
    return Settings(
        model=model,
        dtype=dtype,
        guidance_scale=guidance,
        window_s=window,
        overlap_s=overlap,
        optimize=_optimize(optimize, cuda),
        top_k=top_k,
        temperature=temp,
        crossfade_s=fade,
    )
