"""The default engine: FluidSynth renders the MIDI with a General MIDI SoundFont.

Fast (well over 100x real time on two cores), offline and deterministic: the same MIDI
bytes always give the same samples, so ``seed`` is not used.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composer.audio.fluid import load_library
from composer.audio.loudness import normalize
from composer.audio.model import Audio
from composer.audio.soundfont import find_soundfont
from composer.audio.synth import check_options, render_midi, warm_up
from composer.cpus import usable_cpus
from composer.music.model import Song
from composer.progress import Progress, no_progress

if TYPE_CHECKING:
    from composer.audio.stream import Rendered

#: Integrated loudness of rendered songs (streaming-style level, EBU R128 LUFS).
TARGET_LUFS = -16.0
#: Highest sample peak after normalisation.
CEILING_DBFS = -1.0


@dataclass(frozen=True, slots=True)
class SynthEngine:
    """Renders MIDI with FluidSynth, then normalises loudness.

    Attributes
    ----------
    soundfont : Path
        The SoundFont in use.
    sample_rate : int
        Output frames per second.
    note : str or None
        A one-line notice for the user when the small fallback SoundFont is used.
    """

    soundfont: Path
    sample_rate: int = 44100
    note: str | None = None
    name: str = "synth"

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notice, if any (the :class:`~composer.engines.Engine` protocol's notices)."""
        return (self.note,) if self.note else ()

    def render(
        self, song: Song, midi: bytes, *, seed: int = 0, progress: Progress = no_progress
    ) -> Audio:
        """Render ``midi`` (the song's MIDI bytes) at -16 LUFS; ``song`` and ``seed`` unused.

        Progress stages: ``"render"`` (seconds of audio) then ``"normalize"`` (0..1).
        """
        audio = render_midi(
            midi, sample_rate=self.sample_rate, soundfont=self.soundfont, progress=progress
        )
        progress("normalize", 0.0, 1.0)
        audio = normalize(audio, TARGET_LUFS, CEILING_DBFS)
        progress("normalize", 1.0, 1.0)
        return audio

    def render_encoded(
        self,
        song: Song,
        midi: bytes,
        fmt: str,
        *,
        seed: int = 0,
        progress: Progress = no_progress,
    ) -> Rendered:
        """:meth:`render`, encoded as ``fmt`` at the same time (the encoder runs beside the
        synth; see :mod:`composer.audio.stream`). ``song`` and ``seed`` are unused.
        """
        from composer.audio.stream import render_encoded

        return render_encoded(
            midi,
            fmt,
            sample_rate=self.sample_rate,
            soundfont=self.soundfont,
            target_lufs=TARGET_LUFS,
            ceiling_dbfs=CEILING_DBFS,
            progress=progress,
        )

    def warm(self) -> None:
        """Load the SoundFont into the synths the next render uses, so it does not wait."""
        from composer.audio.stream import PREPASS_PARTS, PREPASS_RATE, STREAM_THREADS

        if usable_cpus() >= 2:  # the overlapped path: the pre-pass renders first
            warm_up(PREPASS_RATE, self.soundfont, threads=1, parts=PREPASS_PARTS)
            warm_up(self.sample_rate, self.soundfont, threads=STREAM_THREADS)
        else:  # one core (e.g. a server's worker): the plain path
            warm_up(self.sample_rate, self.soundfont)


def prewarm(options: dict[str, Any]) -> threading.Thread:
    """Create the engine and the synths :meth:`SynthEngine.render_encoded` uses, in a
    background thread (best effort).

    The SoundFont loads in C with the GIL released, so the caller's own work (reading
    and composing the song) goes on meanwhile. Errors are ignored here: creating the
    engine again for the render reports them.
    """

    def run() -> None:
        with contextlib.suppress(Exception):  # reported by the real create() later
            create(**options).warm()

    thread = threading.Thread(target=run, name="photograph-warm", daemon=True)
    thread.start()
    return thread


def create(
    soundfont: str | os.PathLike[str] | None = None, sample_rate: int = 44100
) -> SynthEngine:
    """Check that FluidSynth and a SoundFont are available and build the engine.

    Raises
    ------
    EngineUnavailableError
        libfluidsynth or any General MIDI SoundFont is missing (the message says what
        to install).
    NotFoundError
        ``soundfont`` (or ``$PHOTOGRAPH_SOUNDFONT``) names a missing file.
    OptionError
        Sample rate outside 8000..96000 Hz.
    """
    check_options(sample_rate, 0.0)
    path, note = find_soundfont(soundfont)
    load_library()
    return SynthEngine(soundfont=path, sample_rate=sample_rate, note=note)
