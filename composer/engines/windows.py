"""Long-form generation plan: overlapping windows and equal-power crossfades (pure numpy).

MusicGen generates at most ~30 s at a time. A longer song is generated window by window;
every window after the first *continues* from the last ``overlap`` of the audio so far (its
codes are the prompt), so its first ``overlap`` re-states what was already there and the
rest is new. The seam is crossfaded inside that shared stretch, just before the new material
starts, with equal-power curves corrected for how alike the two stretches are, so there is
no jump (or swell) in level, timbre or phase. Everything here counts in integer
units (codec frames or samples) so lengths add up exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Window:
    """One generation window, in integer units (codec frames) from the song's start.

    Attributes
    ----------
    index : int
        0-based position in the plan.
    start, end : int
        Span covered by the window's audio (``end`` exclusive).
    prompt : int
        Leading units continued from the previous window's audio (0 for the first).
    """

    index: int
    start: int
    end: int
    prompt: int

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def new(self) -> int:
        """Units generated fresh in this window."""
        return self.length - self.prompt


def plan_windows(total: int, window: int, overlap: int) -> tuple[Window, ...]:
    """Cover ``total`` units with windows of at most ``window``, overlapping by ``overlap``.

    Windows start every ``window - overlap`` units; the last one is cut at ``total`` and
    still brings more than ``overlap`` new units, so no window is a pure repeat.

    Raises
    ------
    ValueError
        ``total`` or ``window`` not positive, or ``overlap`` not in ``0 .. window - 1``.
    """
    if total <= 0 or window <= 0:
        raise ValueError("total and window must be positive")
    if not 0 <= overlap < window:
        raise ValueError("overlap must be at least 0 and shorter than the window")
    if total <= window:
        return (Window(0, 0, total, 0),)
    step = window - overlap
    count = math.ceil((total - window) / step) + 1
    windows = []
    for i in range(count):
        start = i * step
        windows.append(Window(i, start, min(start + window, total), overlap if i else 0))
    return tuple(windows)


def equal_power_curves(n: int, correlation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Fade-out and fade-in gains of length ``n`` that keep the power constant.

    For uncorrelated signals (``correlation`` 0) these are the classic sine/cosine curves,
    ``out² + in² = 1``. For correlated ones (the next window re-states the previous audio)
    the sum of two in-phase signals would swell by up to 3 dB, so the curves are scaled by
    ``1 / sqrt(1 + r·sin 2θ)``, which keeps ``out² + in² + 2·r·out·in = 1``; at ``r = 1``
    that is ``out + in = 1``.
    """
    if n < 0:
        raise ValueError("fade length must not be negative")
    r = min(1.0, max(0.0, float(correlation)))
    theta = (np.arange(n) + 0.5) / max(n, 1) * (np.pi / 2.0)
    scale = 1.0 / np.sqrt(1.0 + r * np.sin(2.0 * theta))
    return np.cos(theta) * scale, np.sin(theta) * scale


def correlation_of(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-lag normalised correlation of two equal-length clips (0 if either is silent)."""
    x, y = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    denom = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return float(np.dot(x, y) / denom) if denom > 0 else 0.0


def crossfade_into(
    out: np.ndarray,
    start: int,
    clip: np.ndarray,
    overlap: int,
    fade: int,
    correlation: float | None = 0.0,
) -> int:
    """Write ``clip`` into ``out`` at ``start``, where ``out`` already holds ``overlap`` samples.

    ``out[start : start + overlap]`` and ``clip[:overlap]`` cover the same time: ``out`` is
    kept there except its last ``fade`` samples (clamped to the overlap), where it
    crossfades with :func:`equal_power_curves` into ``clip``; after that only ``clip``
    plays. Works in place, so a long song needs one buffer, not a copy per window.

    Parameters
    ----------
    out : numpy.ndarray
        The song buffer, ``(samples,)`` or ``(samples, channels)``.
    start : int
        Where ``clip`` starts in ``out``.
    clip : numpy.ndarray
        The new window's audio, same trailing shape as ``out``.
    overlap : int
        Samples shared with what ``out`` already holds (0 for the first window).
    fade : int
        Crossfade length; more than ``overlap`` is cut to ``overlap``.
    correlation : float or None
        Correlation of the two faded stretches for the curves; None measures it.

    Returns
    -------
    int
        The end of ``clip`` in ``out`` (``start + len(clip)``, cut at ``len(out)``).
    """
    if overlap < 0 or fade < 0 or start < 0:
        raise ValueError("start, overlap and fade must not be negative")
    if overlap > len(clip) or start + overlap > len(out):
        raise ValueError("overlap longer than a clip")
    if out.shape[1:] != clip.shape[1:]:
        raise ValueError("clips have different channel layouts")
    fade = min(fade, overlap)
    split = start + overlap - fade
    a, b = out[split : start + overlap], clip[overlap - fade : overlap]
    r = correlation_of(a, b) if correlation is None else correlation
    fade_out, fade_in = equal_power_curves(fade, r)
    if out.ndim == 2:
        fade_out, fade_in = fade_out[:, None], fade_in[:, None]
    out[split : start + overlap] = a * fade_out + b * fade_in
    end = min(len(out), start + len(clip))
    out[start + overlap : end] = clip[overlap : overlap + end - start - overlap]
    return end


def crossfade_join(
    head: np.ndarray,
    tail: np.ndarray,
    overlap: int,
    fade: int,
    correlation: float | None = 0.0,
) -> np.ndarray:
    """Join two clips whose last/first ``overlap`` samples cover the same time.

    The two-clip form of :func:`crossfade_into` (``0 <= fade <= overlap``).

    Returns
    -------
    numpy.ndarray
        ``len(head) + len(tail) - overlap`` samples, in ``head``'s dtype.
    """
    if not 0 <= fade <= overlap:
        raise ValueError("fade must be between 0 and the overlap")
    if overlap > min(len(head), len(tail)):
        raise ValueError("overlap longer than a clip")
    out = np.zeros((len(head) + len(tail) - overlap, *head.shape[1:]), dtype=head.dtype)
    out[: len(head)] = head
    crossfade_into(out, len(head) - overlap, tail, overlap, fade, correlation)
    return out


def fade_out_end(audio: np.ndarray, n: int) -> np.ndarray:
    """A copy with a half-cosine fade over the last ``n`` samples (ends at silence)."""
    out = audio.copy()
    n = min(n, len(out))
    if n > 0:
        gain = 0.5 * (1.0 + np.cos(np.linspace(0.0, np.pi, n)))
        out[-n:] = out[-n:] * (gain[:, None] if out.ndim == 2 else gain)
    return out
