"""Render up to 8 MusicGen songs as one batch: what a GPU worker calls for a batch of jobs.

Each song keeps its own window plan (:meth:`MusicgenEngine.layout`); window ``r`` of every
song that has one is decoded together by :class:`~composer.engines.fastbatch.BatchDecoder`
(padded to 1, 2, 4 or 8 songs, one CUDA graph per size), then each song's codes are
decoded by the codec and crossfaded into its own buffer, as a lone render does. Songs
that end sooner leave the batch. Each song reports progress through its own callback
(stages ``"generate"`` in decoding steps, then ``"mixdown"``), and its audio depends only on
its song and seed, never on the other songs of the batch (noise is hashed per song and
window, see :mod:`composer.engines.fastbatch`).

This path samples with hashed noise, the lone :meth:`MusicgenEngine.render` with torch's
generator: for one seed the two give different (equally likely) songs.

torch is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from composer.audio.model import Audio
from composer.engines.chroma import window_chroma
from composer.engines.prompt import build_prompt
from composer.engines.torchenv import require_torch
from composer.engines.windows import crossfade_into
from composer.errors import OptionError
from composer.music.model import Song
from composer.progress import Progress, no_progress

if TYPE_CHECKING:
    from composer.engines.musicgen import Layout, MusicgenEngine

#: Most songs in one batch.
MAX_BATCH = 8


@dataclass(frozen=True, slots=True)
class BatchSong:
    """One song of a batch: the score, its seed and where its progress goes."""

    song: Song
    seed: int
    progress: Progress = no_progress


def _decoder(engine: MusicgenEngine, window: int) -> Any:
    """The engine's batch decoder (built once, rebuilt for a longer window)."""
    from composer.engines.fastbatch import BatchDecoder

    current = engine._batch_decoder
    need = window + int(engine._model.decoder.num_codebooks)
    if current is None or current.max_len < need:
        s = engine.settings
        current = engine._batch_decoder = BatchDecoder(
            engine._model,
            max_frames=window,
            max_songs=MAX_BATCH,
            cfg=s.guidance_scale > 1.0,
            graph=s.optimize in ("graph", "compile"),
        )
    return current


def render_batch(engine: MusicgenEngine, songs: Sequence[BatchSong]) -> list[Audio]:
    """Render ``songs`` (1 to 8) together; 44.1 kHz stereo float32 audio, in their order.

    Raises
    ------
    OptionError
        No songs, or more than :data:`MAX_BATCH`.
    """
    if not 1 <= len(songs) <= MAX_BATCH:
        raise OptionError(f"a batch has 1 to {MAX_BATCH} songs, not {len(songs)}")
    with engine._lock:
        outs, rate = _generate(engine, songs)
    from composer.engines.musicgen import mixdown

    return [mixdown(out, rate, item.progress) for out, item in zip(outs, songs, strict=True)]


def _generate(engine: MusicgenEngine, songs: Sequence[BatchSong]) -> tuple[list[np.ndarray], int]:
    """Every song's codec-rate mono audio (before the mixdown), decoded window by window."""
    from composer.engines.fastbatch import window_salt

    def load_progress(stage: str, done: float, total: float) -> None:
        for item in songs:
            item.progress(stage, done, total)

    engine._load(load_progress)
    s = engine.settings
    layouts = [engine.layout(item.song) for item in songs]
    decoder = _decoder(engine, max(lay.window for lay in layouts))
    decoder.configure(guidance=s.guidance_scale, top_k=s.top_k, temperature=s.temperature)
    decoder.prepare()
    engine.warnings.extend(w for w in decoder.warnings if w not in engine.warnings)
    stage = "generate on CPU (slow)" if engine.device == "cpu" else "generate"
    totals = [float(sum(lay.steps)) for lay in layouts]
    for item, total in zip(songs, totals, strict=True):
        item.progress(stage, 0.0, total)
    outs = [np.zeros(lay.total * lay.hop, dtype=np.float32) for lay in layouts]
    carried: list[Any] = [None] * len(songs)  # each song's previous window's last codes
    before = [0] * len(songs)
    for r in range(max(len(lay.plan) for lay in layouts)):
        batch = [i for i, lay in enumerate(layouts) if r < len(lay.plan)]
        conds, frames, prompts, salts, calls = [], [], [], [], []
        for i in batch:
            lay, w = layouts[i], layouts[i].plan[r]
            conds.append(_condition(engine, decoder, songs[i].song, lay, r))
            frames.append(w.length)
            prompts.append(carried[i] if w.prompt else None)
            salts.append(window_salt(songs[i].seed, r))
            calls.append(_reporter(songs[i].progress, stage, before[i], lay.steps[r], totals[i]))
        codes = decoder.generate_batch(conds, frames, prompts, salts, on_step=calls)
        for i, c in zip(batch, codes, strict=True):
            lay, w = layouts[i], layouts[i].plan[r]
            carried[i] = c[:, c.shape[1] - lay.overlap :].clone() if lay.overlap else None
            audio = engine._decode(c)[: w.length * lay.hop]
            crossfade_into(outs[i], w.start * lay.hop, audio, w.prompt * lay.hop,
                           lay.fade_samples, None)  # fmt: skip
            before[i] += lay.steps[r]
            songs[i].progress(stage, float(before[i]), totals[i])
    return outs, layouts[0].rate


def _condition(engine: MusicgenEngine, decoder: Any, song: Song, lay: Layout, r: int) -> Any:
    """Window ``r``'s conditioning: its text prompt (and its chroma for melody models)."""
    torch = require_torch()
    w = lay.plan[r]
    start_s, length_s = w.start / lay.frame_rate, w.length / lay.frame_rate
    chroma = None
    if engine.melody:
        device = next(engine._model.parameters()).device
        chroma = torch.from_numpy(window_chroma(song, start_s, length_s))[None].to(device)
    ids, mask = engine._tokens(build_prompt(song, start_s, start_s + length_s))
    return decoder.condition(ids, mask, chroma)


def _reporter(
    progress: Progress, stage: str, before: int, cap: int, total: float
) -> Callable[[int], None]:
    def on_step(done: int) -> None:
        progress(stage, float(before + min(done, cap)), total)

    return on_step
