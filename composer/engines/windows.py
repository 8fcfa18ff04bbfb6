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


def crossfade_join(
    head: np.ndarray,
    tail: np.ndarray,
    overlap: int,
    fade: int,
    correlation: float | None = 0.0,
) -> np.ndarray:
    """Join two clips whose last/first ``overlap`` samples cover the same time.

    ``head`` is kept through the shared stretch except its last ``fade`` samples, where it
    crossfades with :func:`equal_power_curves` into ``tail``; after the stretch only ``tail``
    plays.

    Parameters
    ----------
    head, tail : numpy.ndarray
        Shape ``(samples,)`` or ``(samples, channels)``, same trailing shape.
    overlap : int
        Samples shared by the end of ``head`` and the start of ``tail``.
    fade : int
        Crossfade length, ``0 <= fade <= overlap``.
    correlation : float or None
        Correlation of the two faded stretches for the curves; None measures it.

    Returns
    -------
    numpy.ndarray
        ``len(head) + len(tail) - overlap`` samples, in ``head``'s dtype.
    """
    if not 0 <= fade <= overlap:
        raise ValueError("fade must be between 0 and the overlap")
    if overlap > min(len(head), len(tail)):
        raise ValueError("overlap longer than a clip")
    if head.shape[1:] != tail.shape[1:]:
        raise ValueError("clips have different channel layouts")
    split = len(head) - fade
    start_in_tail = overlap - fade
    a, b = head[split:], tail[start_in_tail:overlap]
    r = correlation_of(a, b) if correlation is None else correlation
    fade_out, fade_in = equal_power_curves(fade, r)
    if head.ndim == 2:
        fade_out, fade_in = fade_out[:, None], fade_in[:, None]
    blended = a * fade_out + b * fade_in
    out = np.concatenate([head[:split], blended.astype(head.dtype), tail[overlap:]])
    return out.astype(head.dtype, copy=False)


def fade_out_end(audio: np.ndarray, n: int) -> np.ndarray:
    """A copy with a half-cosine fade over the last ``n`` samples (ends at silence)."""
    out = audio.copy()
    n = min(n, len(out))
    if n > 0:
        gain = 0.5 * (1.0 + np.cos(np.linspace(0.0, np.pi, n)))
        out[-n:] = out[-n:] * (gain[:, None] if out.ndim == 2 else gain)
    return out
