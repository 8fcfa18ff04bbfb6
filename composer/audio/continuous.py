"""One synthesizer rendering block after block while the score is still being written.

The live song (:mod:`composer.live`) does not exist as a file while it plays: its notes
are scheduled here as they are composed, and one FluidSynth instance renders the audio
in consecutive blocks. Nothing is restarted between blocks, so note tails, the sustain
pedal and the reverb simply carry on: there is no seam to hide and no crossfade. Events
are timed in output frames (whole synth blocks of :data:`composer.audio.fluid.BLOCK`,
like :func:`composer.audio.synth.render_midi`), so the blocks joined are the one-shot
render of the same events.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable

import numpy as np

from composer.audio import fluid
from composer.audio.soundfont import find_soundfont
from composer.audio.synth import INTERPOLATION, SYNTH_SETTINGS, check_options

#: An event to schedule: (sort key, frame, kind, channel, a, b). Events play in
#: sort-key order; the key must grow with the frame (a MIDI tick, then the file order).
Event = tuple[tuple[float, ...], int, int, int, int, int]


class ContinuousRenderer:
    """A synth that renders consecutive blocks of a score that is still growing.

    Parameters
    ----------
    sample_rate : int
        Output frames per second.
    soundfont : str or os.PathLike, optional
        Default from :func:`composer.audio.soundfont.find_soundfont`.
    chorus : bool
        Run the chorus unit (the presets played send to it).
    threads : int
        fluidsynth's ``synth.cpu-cores``: one, so that sessions run side by side.
    """

    def __init__(
        self,
        sample_rate: int = 48000,
        soundfont: str | os.PathLike[str] | None = None,
        *,
        chorus: bool = False,
        threads: int = 1,
    ) -> None:
        check_options(sample_rate, 0.0)
        path, _note = find_soundfont(soundfont)
        self.path = path
        self.sample_rate = sample_rate
        settings = {**SYNTH_SETTINGS, "synth.cpu-cores": threads}
        self._synth = fluid.FluidSynth(path, sample_rate, settings, INTERPOLATION)
        self._synth.set_chorus(chorus)
        self._heap: list[tuple[tuple[float, ...], int, int, int, int, int, int]] = []
        self._seq = 0
        self.frame = 0  # frames rendered so far

    def schedule(self, events: Iterable[Event]) -> None:
        """Add events; each must lie at or after :attr:`frame` (it raises otherwise)."""
        for key, frame, kind, channel, a, b in events:
            if frame < self.frame:
                raise ValueError(f"event at frame {frame} is already rendered ({self.frame})")
            heapq.heappush(self._heap, (key, self._seq, frame, kind, channel, a, b))
            self._seq += 1

    def render(self, frames: int) -> np.ndarray:
        """Render the next ``frames`` frames (a multiple of the synth block) as float32
        ``(frames, 2)``, applying every scheduled event that falls in them."""
        if frames <= 0 or frames % fluid.BLOCK:
            raise ValueError(f"render whole blocks of {fluid.BLOCK} frames, not {frames}")
        out = np.zeros((frames, 2), dtype=np.float32)
        base, stop = self.frame, self.frame + frames
        cur = 0
        heap, synth = self._heap, self._synth
        while heap and heap[0][2] < stop:
            _key, _seq, frame, kind, channel, a, b = heapq.heappop(heap)
            at = frame - base
            if at > cur:
                synth.write(out, cur, at)
                cur = at
            synth.send(kind, channel, a, b)
        synth.write(out, cur, frames)
        self.frame = stop
        return out

    @property
    def pending(self) -> int:
        """Events scheduled and not yet played."""
        return len(self._heap)

    def close(self) -> None:
        """Free the synthesizer (idempotent)."""
        self._synth.close()

    def __enter__(self) -> ContinuousRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
