"""``--engine musicgen``: Meta's MusicGen through Hugging Face transformers.

``facebook/musicgen-melody`` (1.5 B, ``MusicgenMelodyForConditionalGeneration``) is
conditioned on a text prompt built from the score (:mod:`composer.engines.prompt`) and on
the chroma of our own melody (:mod:`composer.engines.chroma`), so the audio follows the tune
we composed. ``musicgen-small``/``musicgen-medium`` (``MusicgenForConditionalGeneration``)
take the text only.

Songs longer than one window (30 s) are generated in overlapping windows, as audiocraft's
``generate_continuation`` does: each window's prompt is the last ``overlap`` of the previous
window's *generated codes* (never re-encoded audio, so nothing is re-quantised and the work
per window does not grow with the song), and its chroma is computed for exactly that window
(frame 0 centred at the window's start, 235 frames for 30 s). Each window is decoded on its
own and crossfaded in place into one song buffer (:mod:`composer.engines.windows`), so
memory stays flat however long the song. The 32 kHz mono output is resampled to 44.1 kHz
and duplicated to stereo (:mod:`composer.engines.resample`).

The T5 text encoder always runs in float32 (as audiocraft keeps it); its output is cast to
the decoder's dtype.

Two decoding paths: transformers' stock ``generate`` (``optimize="off"``), and
:class:`~composer.engines.fastgen.StaticDecoder` (static KV cache, CFG batched, sampling on
the device, CUDA graphs on CUDA), the default on CUDA.

torch and transformers (the ``[gpu]`` extra) are imported inside functions only; weights are
never downloaded here (see :mod:`composer.engines.weights`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from composer.audio.model import Audio
from composer.engines.chroma import window_chroma
from composer.engines.prompt import build_prompt
from composer.engines.resample import resample
from composer.engines.settings import Settings, check_settings
from composer.engines.torchenv import pick_device, pick_dtype, require_torch
from composer.engines.weights import resolve_model
from composer.engines.windows import Window, crossfade_into, fade_out_end, plan_windows
from composer.errors import EngineUnavailableError, OptionError
from composer.music.model import Song
from composer.progress import Progress, no_progress

OUTPUT_RATE = 44_100
MAX_TEXT_TOKENS = 128
CPU_WARNING = "MusicGen is running on the CPU: expect minutes per second of audio (use a GPU)"


@dataclass(frozen=True, slots=True)
class Layout:
    """How one song is generated: codec rate, windows and their decoding steps."""

    rate: int  # codec samples per second
    hop: int  # codec samples per frame
    frame_rate: float
    total: int  # frames in the song
    window: int  # frames per window
    overlap: int  # frames each window continues from the previous one
    plan: tuple[Window, ...]
    steps: tuple[int, ...]  # decoding steps of each window
    fade_samples: int  # crossfade at each seam


class MusicgenEngine:
    """Renders a :class:`Song` with MusicGen; see the module docstring.

    Attributes
    ----------
    name : str
        ``"musicgen"``.
    settings : Settings
        The validated options.
    device : str
        Where the model runs.
    warnings : list of str
        Things the user should know (CPU is slow, a fast path fell back...).
    last_windows : tuple of Window
        The plan of the last render (codec frames).
    """

    name = "musicgen"

    def __init__(
        self,
        settings: Settings,
        path: Path | None,
        device: str,
        *,
        model: Any = None,
        tokenizer: Any = None,
    ) -> None:
        self.settings = settings
        self.path = path
        self.device = device
        self.warnings: list[str] = [CPU_WARNING] if device == "cpu" else []
        self.last_windows: tuple[Window, ...] = ()
        self._model = model
        self._tokenizer = tokenizer
        self._decoder: Any = None
        self._batch_decoder: Any = None  # see composer.engines.musicgen_batch
        self._lock = threading.Lock()

    # -------------------------------------------------------------- loading

    @property
    def melody(self) -> bool:
        """Whether the loaded model takes chroma conditioning."""
        return hasattr(self._model, "audio_enc_to_dec_proj") or "melody" in str(
            getattr(getattr(self._model, "config", None), "model_type", "")
        )

    def _load(self, progress: Progress) -> None:
        if self._model is not None:
            return
        torch = require_torch()
        import transformers

        if self.path is None:
            raise EngineUnavailableError("no model directory to load")
        progress("load model", 0.0, 1.0)
        config = transformers.AutoConfig.from_pretrained(self.path, local_files_only=True)
        cls = (
            transformers.MusicgenMelodyForConditionalGeneration
            if config.model_type == "musicgen_melody"
            else transformers.MusicgenForConditionalGeneration
        )
        model = cls.from_pretrained(self.path, local_files_only=True)
        model = model.to(pick_dtype(torch, self.settings.dtype, self.device))
        model.audio_encoder.float()  # the codec stays in float32: it is small and sensitive
        keep_text_encoder_float32(model)
        self._model = model.to(self.device).eval()
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(
            self.path, local_files_only=True
        )
        progress("load model", 1.0, 1.0)

    def _fast(self, window_frames: int) -> Any:
        """The static decoder for this model (built once)."""
        if self._decoder is None or self._decoder.max_len < window_frames + int(
            self._model.decoder.num_codebooks
        ):
            from composer.engines.fastgen import StaticDecoder

            mode = self.settings.optimize
            self._decoder = StaticDecoder(
                self._model,
                max_frames=window_frames,
                max_text=MAX_TEXT_TOKENS,
                cfg=self.settings.guidance_scale > 1.0,
                graph=mode in ("graph", "compile"),
                compile=mode == "compile",
            )
        return self._decoder

    # -------------------------------------------------------------- codec helpers

    def _decode(self, codes: Any) -> np.ndarray:
        torch = require_torch()
        with torch.no_grad():
            audio = self._model.audio_encoder.decode(codes[None, None], [None]).audio_values
        return audio[0, 0].float().cpu().numpy()

    # -------------------------------------------------------------- one window

    def _tokens(self, text: str) -> Any:
        tok = self._tokenizer
        tok = getattr(tok, "tokenizer", tok)
        batch = tok(text, return_tensors="pt", truncation=True, max_length=MAX_TEXT_TOKENS)
        device = next(self._model.parameters()).device
        return batch["input_ids"].to(device), batch["attention_mask"].to(device)

    def _window_stock(self, text: str, chroma: Any, prompt: Any, frames: int, on_step: Any) -> Any:
        """One window through transformers' ``generate``; its ``(K, frames)`` codes."""
        from composer.engines.musicgen_stock import window_stock

        return window_stock(self, text, chroma, prompt, frames, on_step)

    def _window_fast(self, text: str, chroma: Any, prompt: Any, frames: int, on_step: Any) -> Any:
        """One window through the static decoder; its ``(K, frames)`` codes."""
        decoder = self._decoder
        ids, mask = self._tokens(text)
        cond = decoder.condition(ids, mask, chroma)
        return decoder.generate(cond, frames, prompt, on_step=on_step)

    # -------------------------------------------------------------- render

    def render(
        self, song: Song, midi: bytes, *, seed: int, progress: Progress = no_progress
    ) -> Audio:
        """Render ``song`` to 44.1 kHz stereo float32 (``midi`` is not needed here).

        Progress stages: ``"load model"``, ``"generate"`` (``"generate on CPU (slow)"`` on
        the CPU) in decoding steps, 50 per second of audio, then ``"mixdown"``.
        """
        with self._lock:
            return self._render(song, seed, progress)

    def render_batch(self, songs: Sequence[Any]) -> list[Audio]:
        """Render up to 8 songs decoded together (:func:`musicgen_batch.render_batch`)."""
        from composer.engines.musicgen_batch import render_batch

        return render_batch(self, songs)

    def _render(self, song: Song, seed: int, progress: Progress) -> Audio:
        out, rate = self.generate(song, seed, progress)
        return mixdown(out, rate, progress)

    def layout(self, song: Song) -> Layout:
        """The windows of ``song`` for the loaded model and these settings."""
        model, s = self._model, self.settings
        codec = model.config.audio_encoder
        rate, frame_rate = int(codec.sampling_rate), float(codec.frame_rate)
        num_codebooks = int(model.decoder.num_codebooks)
        total = max(1, math.ceil(song.duration_s * frame_rate - 1e-9))
        window = max(2, round(s.window_s * frame_rate))
        # A short overlap still continues the previous window by at least one frame.
        overlap = min(window - 1, max(1, round(s.overlap_s * frame_rate)) if s.overlap_s else 0)
        plan = plan_windows(total, window, overlap)
        steps = tuple(w.length + num_codebooks - 1 - w.prompt for w in plan)
        fade = round(min(s.crossfade_s, s.overlap_s) * rate)
        return Layout(rate, round(rate / frame_rate), frame_rate, total, window, overlap, plan,
                      steps, fade)  # fmt: skip

    def generate(
        self, song: Song, seed: int, progress: Progress = no_progress
    ) -> tuple[np.ndarray, int]:
        """The song's audio at the codec's rate, mono float32, before the mixdown.

        Window after window (:func:`plan_windows`): the chroma of exactly that window, the
        previous window's last ``overlap`` codes as the prompt, decoded and crossfaded in
        place into one buffer of the song's length. Call it under the engine's lock.

        Returns
        -------
        tuple of (numpy.ndarray, int)
            The samples and their rate (32 kHz for the real models).
        """
        torch = require_torch()
        self._load(progress)
        model, s = self._model, self.settings
        lay = self.layout(song)
        rate, frame_rate, hop, overlap = lay.rate, lay.frame_rate, lay.hop, lay.overlap
        plan, steps = lay.plan, lay.steps
        self.last_windows = plan
        melody = self.melody
        device = next(model.parameters()).device

        grand_total = float(sum(steps))
        stage = "generate on CPU (slow)" if self.device == "cpu" else "generate"
        fast = s.optimize != "off"
        if fast:
            decoder = self._fast(lay.window)
            decoder.configure(guidance=s.guidance_scale, top_k=s.top_k, temperature=s.temperature)
            decoder.prepare()
            self.warnings.extend(w for w in decoder.warnings if w not in self.warnings)
        progress(stage, 0.0, grand_total)
        torch.manual_seed(seed)

        out = np.zeros(lay.total * hop, dtype=np.float32)
        carried: Any = None  # the previous window's last codes, (K, overlap)
        before = 0
        for w, n_steps in zip(plan, steps, strict=True):
            start_s, length_s = w.start / frame_rate, w.length / frame_rate
            text = build_prompt(song, start_s, start_s + length_s)
            chroma_t = None
            if melody:
                piece = window_chroma(song, start_s, length_s)
                chroma_t = torch.from_numpy(piece)[None].to(device)
            prompt = carried if w.prompt else None

            def on_step(done: int, before: int = before, cap: int = n_steps) -> None:
                progress(stage, float(before + min(done, cap)), grand_total)

            run = self._window_fast if fast else self._window_stock
            codes = run(text, chroma_t, prompt, w.length, on_step)
            carried = codes[:, codes.shape[1] - overlap :].clone() if overlap else None
            audio = self._decode(codes)[: w.length * hop]
            del codes
            crossfade_into(out, w.start * hop, audio, w.prompt * hop, lay.fade_samples, None)
            before += n_steps
            progress(stage, float(before), grand_total)
        return out, rate


def mixdown(out: np.ndarray, rate: int, progress: Progress = no_progress) -> Audio:
    """The codec's mono output → 44.1 kHz stereo float32 (faded out, peak at most 0.98)."""
    progress("mixdown", 0.0, 1.0)
    out = fade_out_end(out, int(min(1.5, 0.1 * len(out) / rate) * rate))
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 0.98:
        out *= np.float32(0.98 / peak)
    mono = resample(out, rate, OUTPUT_RATE)
    del out
    stereo = np.repeat(mono[:, None], 2, axis=1).astype(np.float32, copy=False)
    progress("mixdown", 1.0, 1.0)
    return Audio(samples=stereo, sample_rate=OUTPUT_RATE)


def keep_text_encoder_float32(model: Any) -> None:
    """Run ``model.text_encoder`` (T5) in float32 and hand its states on in the decoder's dtype.

    audiocraft keeps T5 in float32 whatever the model's precision: in float16 its
    activations overflow. A forward hook casts ``last_hidden_state`` back, so the rest of
    the model (and transformers' ``generate``) sees the dtype it expects.
    """
    text_encoder = model.text_encoder.float()
    target = model.decoder.dtype
    if target == text_encoder.dtype or getattr(text_encoder, "_photograph_cast", False):
        return

    def cast(module: Any, args: Any, output: Any) -> Any:
        if isinstance(output, tuple):
            return (output[0].to(target), *output[1:])
        output.last_hidden_state = output.last_hidden_state.to(target)
        return output

    text_encoder.register_forward_hook(cast)
    text_encoder._photograph_cast = True


def create(
    model: str = "musicgen-melody",
    models_dir: Path | None = None,
    device: str | None = None,
    dtype: str | None = None,
    guidance_scale: float = 3.0,
    window_s: float = 30.0,
    overlap_s: float = 10.0,
    *,
    optimize: bool | str | None = None,
    top_k: int = 250,
    temperature: float = 1.0,
    crossfade_s: float = 2.0,
    _model: Any = None,
    _processor: Any = None,
) -> MusicgenEngine:
    """Create the engine (checks torch, the device and that the model files exist).

    Parameters
    ----------
    model : str
        ``musicgen-melody`` | ``musicgen-small`` | ``musicgen-medium`` (pulled into
        ``models_dir``), or a local model directory (``--model PATH``).
    models_dir : Path, optional
        Where ``photograph models pull`` put the files (``./models`` by default).
    device : str, optional
        ``cuda`` | ``mps`` | ``cpu`` (or ``cuda:N``); best available by default.
    dtype : str, optional
        ``float32`` | ``float16`` | ``bfloat16``; bf16/fp16 on CUDA, fp32 elsewhere by default.
    guidance_scale : float
        Classifier-free guidance (>= 1; 1 turns it off).
    window_s, overlap_s : float
        Generation window (<= 30 s) and how much of it continues the previous one.
    optimize : bool or str, optional
        ``"off"`` (stock ``generate``), ``"static"`` (static-cache decoder), ``"graph"``
        (+ CUDA graph), ``"compile"`` (+ ``torch.compile``); True = best for the device;
        default ``"graph"`` on CUDA, ``"off"`` elsewhere.
    top_k, temperature : sampling settings (audiocraft's defaults).
    crossfade_s : float
        Crossfade at each seam (within the overlap).
    _model, _processor : optional
        An already built model and its tokenizer/processor (tests); skips loading.

    Raises
    ------
    EngineUnavailableError
        torch/transformers missing, the device absent, or the model not pulled.
    OptionError
        An option out of range.
    """
    torch = require_torch()
    chosen = pick_device(torch, device)
    if _model is not None:
        chosen = str(next(_model.parameters()).device.type)
    settings = check_settings(
        model=model,
        dtype=dtype,
        guidance_scale=guidance_scale,
        window_s=window_s,
        overlap_s=overlap_s,
        optimize=optimize,
        top_k=top_k,
        temperature=temperature,
        crossfade_s=crossfade_s,
        cuda=chosen.startswith("cuda"),
    )
    if _model is not None:
        if _processor is None:
            raise OptionError("_model needs its _processor (tokenizer)")
        return MusicgenEngine(settings, None, chosen, model=_model, tokenizer=_processor)
    if dtype is not None:
        pick_dtype(torch, dtype, chosen)
    path = resolve_model(model, models_dir)
    return MusicgenEngine(settings, path, chosen)
