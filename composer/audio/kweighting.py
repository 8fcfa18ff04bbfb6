"""BS.1770 K-weighted signal power per 100 ms hop, with NumPy only (no SciPy at run time).

The K filter is a high shelf (+4 dB above ~1.7 kHz) followed by a 38 Hz high-pass: a
recursive filter, which does not vectorise sample by sample. Loudness only needs the
filtered energy of each 100 ms hop, so the signal is cut into rows of ``row`` samples
(a divisor of the hop) and everything is done with matrix products:

* a row's zero-state output ``u`` (its own samples, zero filter state) and the state it
  hands on, ``e``, come from one product ``[Z; E] @ rows.T``;
* the state at each row start obeys ``s[b+1] = M s[b] + e[b]``, solved for all rows at
  once by a doubling scan with ``A, A², A⁴...`` (``A`` the filter part of ``M``; the
  input part of the state is just the previous row's last samples) until they vanish;
* the true row output is ``y = u + G s``, so its energy is
  ``|u|² + 2 s·(Gᵀu) + sᵀ(GᵀG)s`` and ``y`` itself is never stored.

The filter runs as a cascade: the shelf biquad (y1), then the high-pass as two
first-order sections ``(1 - z⁻¹) / (1 - r z⁻¹)`` (w, then y). Its state is (y1[n-1],
y1[n-2], w[n-1], y[n-1], x[n-1], x[n-2]); every part stays of the order of the signal,
which keeps the matrices well conditioned (a direct-form state would carry the high-pass
double pole's ~10⁵ gain into cancellations). The high-pass uses Q = 0.5 exactly (the
double real pole r; BS.1770's Q of 0.5003 makes a 0.002 dB difference).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

STATE = 6  # y1[n-1], y1[n-2], w[n-1], y[n-1] (filter), x[n-1], x[n-2] (inputs)
_FILTER = 4

# High shelf (BS.1770-4 stage 1): parameters that reproduce the standard's 48 kHz taps.
_SHELF_F0 = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_VB_EXP = 0.4996667741545416
# High-pass (stage 2).
_HP_F0 = 38.13547087602444


@dataclass(frozen=True, slots=True)
class KPlan:
    """The blocked K filter for one sample rate.

    Attributes
    ----------
    row : int
        Samples per row (divides ``hop``).
    hop : int
        Samples per 100 ms hop.
    product : numpy.ndarray
        float32 ``(row + 6, row)``: zero-state outputs, then the state handed on.
    to_output : numpy.ndarray
        float32 ``(6, row)``: ``Gᵀ``, the row output per unit of start state.
    gram : numpy.ndarray
        ``GᵀG`` (6, 6).
    from_inputs : numpy.ndarray
        (4, 2): filter state after a row per unit previous input (x[n-1], x[n-2]).
    powers : tuple of numpy.ndarray
        ``A, A², A⁴...`` (4, 4), ``A`` the filter state after a silent row per unit
        filter state at its start; until negligible.
    """

    row: int
    hop: int
    product: np.ndarray
    to_output: np.ndarray
    gram: np.ndarray
    from_inputs: np.ndarray
    powers: tuple[np.ndarray, ...]


def coefficients(sample_rate: float) -> tuple[np.ndarray, np.ndarray, float]:
    """K filter coefficients: ``(shelf_b, shelf_a, r)``.

    The shelf is ``(b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`` with ``shelf_a =
    [a1, a2]``; the high-pass is ``(1 - z⁻¹)² / (1 - r z⁻¹)²``.
    """
    k = math.tan(math.pi * _SHELF_F0 / sample_rate)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXP
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf_b = np.array(
        [
            (vh + vb * k / _SHELF_Q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / _SHELF_Q + k * k) / a0,
        ]
    )
    shelf_a = np.array([2.0 * (k * k - 1.0) / a0, (1.0 - k / _SHELF_Q + k * k) / a0])
    k = math.tan(math.pi * _HP_F0 / sample_rate)
    return shelf_b, shelf_a, (1.0 - k) / (1.0 + k)


def _row_length(hop: int) -> int:
    """A divisor of ``hop`` near 48 (or 32 when the hop has none in 24..96)."""
    divisors = [d for d in range(24, 97) if hop % d == 0]
    return min(divisors, key=lambda d: abs(d - 48)) if divisors else 32


@functools.lru_cache(maxsize=8)
def plan(sample_rate: int) -> KPlan:
    """Simulate the cascade once per unit input and unit state to get the row matrices."""
    (b0, b1, b2), (a1, a2), r = coefficients(sample_rate)
    row = _row_length(round(0.1 * sample_rate))
    hop = row * round(0.1 * sample_rate / row)
    cols = row + STATE  # one column per unit input sample, then per unit start state
    inputs = np.eye(row, cols)
    y1_1, y1_2, w_1, y_1, x_1, x_2 = np.eye(STATE, cols, row)
    out = np.zeros((row, cols))
    for i in range(row):
        x = inputs[i]
        y1 = b0 * x + b1 * x_1 + b2 * x_2 - a1 * y1_1 - a2 * y1_2
        w = r * w_1 + y1 - y1_1
        y = r * y_1 + w - w_1
        out[i] = y
        x_1, x_2, y1_1, y1_2, w_1, y_1 = x, x_1, y1, y1_1, w, y
    end = np.vstack([y1_1, y1_2, w_1, y_1, x_1, x_2])  # (6, cols): state after the row
    step = end[:_FILTER, row : row + _FILTER]  # A: filter state per unit filter state
    powers = [step]
    while np.abs(powers[-1]).max() > 1e-12 and len(powers) < 64:
        powers.append(powers[-1] @ powers[-1])
    gs = out[:, row:]  # (row, 6)
    return KPlan(
        row=row,
        hop=hop,
        product=np.vstack([out[:, :row], end[:, :row]]).astype(np.float32),
        to_output=np.ascontiguousarray(gs.T, dtype=np.float32),
        gram=gs.T @ gs,
        from_inputs=end[:_FILTER, row + _FILTER :],
        powers=tuple(powers),
    )


def hop_energy(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, KPlan]:
    """Sum of squared K-weighted samples per hop, per channel.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(frames, channels)``, any float dtype.
    sample_rate : int
        Frames per second.

    Returns
    -------
    (numpy.ndarray, KPlan)
        float64 ``(channels, ceil(frames / hop))`` (the last hop is zero-padded), and the
        plan (for ``plan.hop``).
    """
    frames, channels = samples.shape
    p = plan(sample_rate)
    hops = max(1, -(-frames // p.hop))
    rows = hops * (p.hop // p.row)
    energy = np.empty((channels, hops))
    for ch in range(channels):
        signal = np.zeros(rows * p.row, dtype=np.float32)
        signal[:frames] = samples[:, ch]
        energy[ch] = _row_energy(signal.reshape(rows, p.row), p).reshape(hops, -1).sum(axis=1)
    return energy, p


def _row_energy(x: np.ndarray, p: KPlan) -> np.ndarray:
    """Energy of the K-weighted output of each row of ``x`` (rows x row, float32)."""
    rows = x.shape[0]
    both = p.product @ x.T  # (row + 6, rows): zero-state outputs, then handed-on state
    zero_state = both[: p.row]
    sq = np.einsum("ir,ir->r", zero_state, zero_state).astype(np.float64)
    cross = (p.to_output @ zero_state).astype(np.float64)
    # Start state of row b: filter part = sum_k A^k drive[b-1-k], input part = the last
    # 2 samples of row b-1. Small products use einsum's own loop: BLAS would wake its
    # threads for each, which costs more than the arithmetic on a busy machine.
    state = np.zeros((STATE, rows))
    state[_FILTER:, 1:] = both[p.row + _FILTER :, :-1]
    filt = state[:_FILTER]
    filt[:, 1:] = both[p.row : p.row + _FILTER, :-1]
    filt[:, 1:] += np.einsum("ij,jr->ir", p.from_inputs, state[_FILTER:, :-1])
    shift = 1
    for power in p.powers:
        if shift >= rows:
            break
        filt[:, shift:] += np.einsum("ij,jr->ir", power, filt[:, :-shift])
        shift *= 2
    quadratic = np.einsum("mr,mr->r", state, np.einsum("mn,nr->mr", p.gram, state))
    return sq + 2.0 * np.einsum("mr,mr->r", state, cross) + quadratic
