"""The audio data model shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Audio:
    """Rendered sound.

    Attributes
    ----------
    samples : numpy.ndarray
        float32, shape ``(frames, channels)``, nominally within -1..1.
    sample_rate : int
        Frames per second.
    """

    samples: np.ndarray
    sample_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.sample_rate
