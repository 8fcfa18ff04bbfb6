"""Render, normalise and encode in one pass, so the audio encoder runs beside the synth.

The plain path renders the whole song, measures its loudness, applies gain and limiter,
then encodes: on two cores the Vorbis encoder (the slowest step, single-threaded) waits
for everything else. Here the two overlap:

1. **Pre-pass**: the song is rendered at :data:`PREPASS_RATE` (about 5x cheaper), in
   two time slices side by side (:func:`composer.audio.parallel.render_parts`: one
   synth per core, 0.13 s for 120 s; fluidsynth's own two-core mode took 0.20), and
   :func:`composer.audio.loudness.fit_gain` finds the gain that brings it to the
   target. Loudness hardly depends on the top octaves: over our styles the
   full-rate result lands within ±0.25 LU of the target (``bench/render.py --prepass``
   measures it).
2. **Main pass**: the song is rendered at the output rate one chunk at a time on one
   core; each chunk is scaled and limited (the look-ahead limiter of
   :mod:`composer.audio.limiter`, run with enough context around the chunk to give the
   same curve as over the whole song), then queued to
3. **the encoder**, a thread on the other core (ctypes and libsndfile release the GIL).
4. The integrated loudness of the final samples is measured chunk by chunk as they
   become final (:class:`composer.audio.loudness.LoudnessMeter`), on the synth's core:
   the encoder is the slower of the two; if the pre-pass missed by more than
   :data:`MAX_ERROR_LU`, the plain path runs instead.

Running the pre-pass beside the main pass was tried: the encoder, the slowest step,
then starts later, and the whole takes longer.

With one CPU nothing would overlap, and very short songs gain nothing, so both take the
plain path. Output matches the plain path up to the pre-pass gain error.
"""

from __future__ import annotations

import math
import os
import queue
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from composer.audio import fluid
from composer.audio.files import WRITE_BLOCK, encode_audio, open_writer
from composer.audio.formats import audio_format
from composer.audio.limiter import ATTACK_S, limiter_gain
from composer.audio.loudness import (
    LoudnessMeter,
    ceiling_linear,
    check_levels,
    fit_gain,
    integrated_loudness,
    normalize,
    peaks,
)
from composer.audio.midievents import MidiEvents
from composer.audio.model import Audio
from composer.audio.parallel import render_parts
from composer.audio.soundfont import find_soundfont
from composer.audio.synth import check_options, render_midi, schedule, synth_for, usable_cpus
from composer.progress import Progress, no_progress

__all__ = [
    "MAX_ERROR_LU",
    "MIN_STREAM_S",
    "PREPASS_PARTS",
    "PREPASS_RATE",
    "STREAM_THREADS",
    "Rendered",
    "render_encoded",
]

#: Sample rate of the loudness pre-pass.
PREPASS_RATE = 8000
#: Time slices (threads, one synth each) of the pre-pass.
PREPASS_PARTS = 2
#: Largest distance from the target (LU) accepted from the pre-pass gain.
MAX_ERROR_LU = 0.4  # under the 0.5 LU promised, with room for meters that differ a little
#: Songs shorter than this (seconds) take the plain path.
MIN_STREAM_S = 8.0
#: fluidsynth ``synth.cpu-cores`` of the main pass (the encoder has the other core).
STREAM_THREADS = 1
#: Frames rendered per chunk (whole synth blocks, about 1 s at 44.1 kHz).
CHUNK = 689 * fluid.BLOCK


@dataclass(frozen=True, slots=True)
class Rendered:
    """Normalised audio and its encoded file.

    Attributes
    ----------
    audio : Audio
        The final samples (what was encoded).
    data : bytes
        The encoded file.
    fmt : str
        Its format (see :data:`composer.audio.formats.FORMATS`).
    loudness_lufs : float
        Integrated loudness of ``audio`` as measured (``-inf`` for silence).
    peak_dbfs : float
        Highest sample magnitude of ``audio`` in dBFS (``-inf`` for silence).
    streamed : bool
        Whether the overlapped path produced it (else the plain one).
    """

    audio: Audio
    data: bytes
    fmt: str
    loudness_lufs: float
    peak_dbfs: float
    streamed: bool


def render_encoded(
    midi: bytes,
    fmt: str,
    *,
    sample_rate: int = 44100,
    soundfont: str | os.PathLike[str] | None = None,
    target_lufs: float = -16.0,
    ceiling_dbfs: float = -1.0,
    progress: Progress = no_progress,
    tail_s: float = 2.0,
    stream: bool | None = None,
) -> Rendered:
    """Render MIDI, normalise its loudness (limiter included) and encode it as ``fmt``.

    Parameters
    ----------
    midi : bytes
        A Standard MIDI File.
    fmt : str
        Audio file format, e.g. ``"ogg"``.
    sample_rate, soundfont, tail_s
        As :func:`composer.audio.synth.render_midi`. A format that does not take
        ``sample_rate`` is rendered at the rate it takes (Opus: 48 kHz).
    target_lufs, ceiling_dbfs
        As :func:`composer.audio.loudness.normalize`.
    progress : Progress
        ``"render"`` (seconds of audio), then ``"normalize"`` (0..1).
    stream : bool, optional
        Force (True) or forbid (False) the overlapped path; default: when there are two
        CPUs or more and the song lasts at least :data:`MIN_STREAM_S`.

    Raises
    ------
    InputError, TooLargeError, OptionError, NotFoundError, EngineUnavailableError
        As :func:`composer.audio.synth.render_midi` and
        :func:`composer.audio.files.encode_audio`.
    """
    check_options(sample_rate, tail_s)
    sample_rate = audio_format(fmt).rate_for(sample_rate)
    target, ceiling_db = check_levels(target_lufs, ceiling_dbfs)
    path, _note = find_soundfont(soundfont)
    score, frames = schedule(midi, sample_rate, tail_s)
    if stream is None:
        stream = usable_cpus() >= 2 and frames >= MIN_STREAM_S * sample_rate
    if stream:
        done = _try_stream(midi, fmt, path, score, frames, sample_rate, tail_s, target,
                           ceiling_db, progress)  # fmt: skip
        if done is not None:
            return done
    audio = render_midi(
        midi, sample_rate=sample_rate, soundfont=path, progress=progress, tail_s=tail_s
    )
    progress("normalize", 0.0, 1.0)
    audio = normalize(audio, target, ceiling_db)
    data = encode_audio(audio, fmt)
    progress("normalize", 1.0, 1.0)
    return _rendered(audio, data, fmt, integrated_loudness(audio), streamed=False)


def _try_stream(
    midi: bytes,
    fmt: str,
    path: Path,
    score: MidiEvents,
    frames: int,
    sample_rate: int,
    tail_s: float,
    target: float,
    ceiling_db: float,
    progress: Progress,
) -> Rendered | None:
    """The overlapped path; None when the plain path must do the job instead (the pre-pass
    gain missed by more than :data:`MAX_ERROR_LU`, or no temporary file could be written:
    the plain path encodes in memory)."""
    try:
        # The encoder writes to a descriptor: a BytesIO would need the GIL for every page.
        with tempfile.TemporaryFile() as spool:
            writer = open_writer(spool.fileno(), fmt, sample_rate, 2)  # format errors first
            try:
                low = render_parts(
                    midi,
                    sample_rate=PREPASS_RATE,
                    parts=PREPASS_PARTS,
                    soundfont=path,
                    tail_s=tail_s,
                )
                fit = fit_gain(low, target, ceiling_db)
            except BaseException:
                writer.close()
                raise
            gain = 1.0 if fit is None else fit[0]
            audio, loudness = _stream(
                path, score, frames, sample_rate, gain, ceiling_linear(ceiling_db), writer, progress
            )
            if fit is not None and abs(loudness - target) > MAX_ERROR_LU:
                return None
            progress("normalize", 1.0, 1.0)
            spool.seek(0)
            return _rendered(audio, spool.read(), fmt, loudness, streamed=True)
    except (OSError, RuntimeError):  # full or unwritable TMPDIR, libsndfile write errors
        return None


def _stream(
    path: Path,
    score: MidiEvents,
    frames: int,
    sample_rate: int,
    gain: float,
    ceiling: float,
    writer: Any,
    progress: Progress,
) -> tuple[Audio, float]:
    """The main pass: render chunks, scale and limit them, and feed the encoder thread.

    Returns the final audio and its integrated loudness, measured chunk by chunk as the
    chunks become final (this thread has time to spare: the encoder is the slower).
    """
    padded = -(-frames // fluid.BLOCK) * fluid.BLOCK
    try:
        out = np.zeros((padded, 2), dtype=np.float32)
    except BaseException:
        writer.close()
        raise
    meter = LoudnessMeter(out, sample_rate, frames)
    encoder = _Encoder(out, writer)  # starts the encoder thread: finish() it on every path
    try:
        limiter = _ChunkLimiter(out, frames, gain, ceiling, sample_rate)
        total_s = frames / sample_rate
        events = score.events
        i = 0
        cur = 0
        progress("render", 0.0, total_s)
        with synth_for(path, sample_rate, score, threads=STREAM_THREADS) as synth:
            send = synth.send
            while cur < padded:
                stop = min(cur + CHUNK, padded)
                while i < len(events) and events[i][0] < stop:
                    frame, kind, channel, a, b = events[i]
                    if frame > cur:
                        synth.write(out, cur, frame)
                        cur = frame
                    send(kind, channel, a, b)
                    i += 1
                synth.write(out, cur, stop)
                cur = stop
                start, final = limiter.advance(cur)
                encoder.put(start, final)
                meter.advance(final)
                progress("render", min(cur, frames) / sample_rate, total_s)
    finally:
        encoder.finish()
    return Audio(samples=out[:frames], sample_rate=sample_rate), meter.loudness()


class _ChunkLimiter:
    """Scales ``out`` in place and limits it, up to the last frame whose result is final.

    The limiter's gain at a frame depends on peaks up to two ramps (2 x ATTACK_S) away,
    so each call limits only frames with that much rendered context on both sides (or
    the song's start or end), and keeps the unlimited peaks of the frames just before
    them as left context for the next call: the curve equals the whole-song curve.
    """

    def __init__(
        self, out: np.ndarray, frames: int, gain: float, ceiling: float, sample_rate: int
    ) -> None:
        self._out = out
        self._frames = frames
        self._gain = np.float32(gain)
        self._ceiling = ceiling
        self._rate = sample_rate
        self._context = 2 * max(1, round(ATTACK_S * sample_rate)) + 1
        self._scaled = 0  # frames multiplied by the gain
        self._done = 0  # frames final (limited)
        self._held = np.zeros(0, dtype=np.float32)  # unlimited peaks just before _done

    def advance(self, rendered: int) -> tuple[int, int]:
        """Process what ``rendered`` frames allow; return the frames made final."""
        out, frames, start = self._out, self._frames, self._done
        out[self._scaled : rendered] *= self._gain
        self._scaled = rendered
        end = frames if rendered >= out.shape[0] else rendered - self._context
        if end <= start:
            return start, start
        window = np.concatenate([self._held, peaks(out[start : min(rendered, frames)])])
        base = start - self._held.shape[0]  # frame of window[0]
        reduction = limiter_gain(window, self._ceiling, self._rate)
        if reduction is not None:
            index, curve = reduction
            index = index + base
            keep = (index >= start) & (index < end)
            out[index[keep]] *= curve[keep].astype(np.float32)[:, None]
        self._held = window[max(0, end - self._context - base) : end - base]
        self._done = end
        return start, end


class _Encoder:
    """A thread that writes frame ranges of ``out`` to ``writer`` as they are queued."""

    def __init__(self, out: np.ndarray, writer: Any) -> None:
        self._out = out
        self._writer = writer
        self._queue: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="photograph-encoder")
        self._thread.start()

    def put(self, start: int, stop: int) -> None:
        """Queue frames ``start:stop`` (final: they are not changed afterwards)."""
        if stop > start:
            self._queue.put((start, stop))

    def finish(self) -> None:
        """Wait for everything queued to be encoded; re-raise the encoder's error."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        # Errors are kept for finish(); the queue is still drained up to its end marker.
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            start, stop = item
            try:
                for s in range(start, stop, WRITE_BLOCK):
                    self._writer.write(self._out[s : min(stop, s + WRITE_BLOCK)])
            except Exception as exc:  # re-raised on the rendering thread
                self._error = exc
        try:
            self._writer.close()
        except Exception as exc:
            self._error = self._error or exc


def _rendered(audio: Audio, data: bytes, fmt: str, loudness: float, *, streamed: bool) -> Rendered:
    peak = float(np.abs(audio.samples).max()) if audio.samples.size else 0.0
    peak_db = 20.0 * math.log10(peak) if peak > 0 else -math.inf
    return Rendered(audio, data, fmt, loudness, peak_db, streamed)
