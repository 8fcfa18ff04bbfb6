"""A look-ahead peak limiter as a gain curve, computed with vectorised NumPy.

For a ceiling ``c`` each frame needs gain ``r = min(1, c / peak)``. The curve applied is
``g = mean over ±Q of (min over ±R of r)`` with ``Q <= R``: every frame inside the
averaging window of frame ``n`` has ``n`` inside its minimum window, so ``g[n] <= r[n]``
— no frame can exceed the ceiling — while the gain moves in ramps of ``2Q`` frames
instead of jumping (no clipping, no clicks). The curve differs from 1 only near frames
over the ceiling, so only those stretches are computed.
"""

from __future__ import annotations

import numpy as np

ATTACK_S = 0.005  # R = Q: the gain ramps down over 5 ms before a peak and back after it


def limiter_gain(
    peak: np.ndarray, ceiling: float, sample_rate: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Gain reductions that keep ``peak * gain`` at or below ``ceiling``.

    Parameters
    ----------
    peak : numpy.ndarray
        Per-frame peak magnitude over channels, shape ``(frames,)``.
    ceiling : float
        Linear ceiling, > 0.
    sample_rate : int
        Frames per second (sets the ramp length).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        ``(frames_index, gain)``: the frames whose gain is below 1 (int64, sorted) and
        their gain (float64); ``None`` when no frame is over the ceiling.
    """
    over = np.flatnonzero(peak > ceiling)
    if over.size == 0:
        return None
    reach = max(1, round(ATTACK_S * sample_rate))  # R = Q
    index = _stretches(over, 2 * reach, peak.shape[0])
    need = np.minimum(1.0, ceiling / np.maximum(peak[index].astype(np.float64), 1e-30))
    held = _window_min(need, reach)
    gain = _window_mean(held, reach)
    keep = gain < 1.0
    return index[keep], np.minimum(gain[keep], need[keep])


def _stretches(over: np.ndarray, margin: int, frames: int) -> np.ndarray:
    """Sorted frames within ``margin`` of any frame in ``over`` (sorted), clipped to range.

    Every stretch then starts and ends with ``margin`` frames that are not over the
    ceiling (gain need 1), so stretches can be processed back to back.
    """
    breaks = np.flatnonzero(np.diff(over) > 2 * margin + 1)
    first = np.maximum(over[np.concatenate([[0], breaks + 1])] - margin, 0)
    last = np.minimum(over[np.concatenate([breaks, [over.size - 1]])] + margin, frames - 1)
    lengths = last - first + 1
    starts_in_index = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) + np.repeat(first - starts_in_index, lengths)


def _window_min(values: np.ndarray, reach: int) -> np.ndarray:
    """Minimum over ``[i - reach, i + reach]`` (ones outside), van Herk / Gil-Werman."""
    width = 2 * reach + 1
    n = values.shape[0]
    blocks = -(-(n + 2 * reach) // width)
    padded = np.ones(blocks * width + width)
    padded[reach : reach + n] = values
    grid = padded[: blocks * width].reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    # Window starting at padded position i covers i .. i + width - 1.
    start = np.arange(n)
    return np.minimum(suffix[start], prefix[start + width - 1])


def _window_mean(values: np.ndarray, reach: int) -> np.ndarray:
    """Mean over ``[i - reach, i + reach]``, the end values repeated outside.

    Repeating the ends (not padding with ones) keeps the guarantee at the first and last
    frames: a held minimum next to the array edge also holds just beyond it.
    """
    width = 2 * reach + 1
    n = values.shape[0]
    padded = np.empty(n + 2 * reach + 1)
    padded[0] = 0.0
    padded[1 : reach + 1] = values[0] - 1.0
    padded[reach + 1 : reach + 1 + n] = values - 1.0
    padded[reach + 1 + n :] = values[-1] - 1.0
    sums = np.cumsum(padded)
    return 1.0 + (sums[width:] - sums[:-width]) / width
