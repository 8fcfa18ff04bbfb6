"""``--engine audiocraft``: the MusicGen job through Meta's audiocraft, when it is installed.

An optional adapter. audiocraft 1.3.0 pins torch 2.1.0, so it cannot live in this project's
environment; on a machine where it is importable this engine uses
``MusicGen.generate_with_chroma`` (melody model) or ``MusicGen.generate`` (text models),
with the same prompt (:func:`~composer.engines.prompt.build_prompt`) and the same melody
(our score's chroma rendered as a plain tone line, :func:`~composer.engines.chroma.melody_guide`).
Long songs use audiocraft's own windowed continuation (``extend_stride``), which slices the
melody per window as :mod:`composer.engines.musicgen` does.

Weights: audiocraft has its own checkpoint format (``state_dict.bin`` +
``compression_state_dict.bin``). ``--model PATH`` may name such a directory; a model name is
looked up in the Hugging Face cache only (never downloaded here), so fetch it once with
audiocraft itself while online.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from composer.audio.model import Audio
from composer.engines.chroma import melody_guide as render_guide
from composer.engines.chroma import score_chroma
from composer.engines.prompt import build_prompt
from composer.engines.resample import resample
from composer.engines.settings import Settings, check_settings
from composer.engines.weights import MODELS
from composer.errors import EngineUnavailableError, NotFoundError, OptionError
from composer.music.model import Song
from composer.progress import Progress, no_progress

OUTPUT_RATE = 44_100
UNAVAILABLE = (
    "audiocraft is not installed (audiocraft 1.3.0 pins torch 2.1.0, so it cannot share "
    "this environment); install it in its own environment, or use --engine musicgen"
)
CHECKPOINT_FILES = ("state_dict.bin", "compression_state_dict.bin")


def require_audiocraft() -> Any:
    """audiocraft's ``MusicGen`` class, or EngineUnavailableError saying it is absent."""
    try:
        from audiocraft.models import MusicGen
    except ImportError:
        raise EngineUnavailableError(UNAVAILABLE) from None
    return MusicGen


def _cached_checkpoint(repo_id: str) -> str | None:
    """The local snapshot directory of an audiocraft checkpoint in the HF cache, if complete."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = [try_to_load_from_cache(repo_id, name) for name in CHECKPOINT_FILES]
    if not all(isinstance(f, str) for f in found):
        return None
    folders = {str(Path(str(f)).parent) for f in found}
    return folders.pop() if len(folders) == 1 else None


def checkpoint_source(model: str) -> str:
    """What to hand ``MusicGen.get_pretrained``: a local directory, never a download."""
    path = Path(model).expanduser()
    if model not in MODELS:
        if path.is_dir():
            if not all((path / f).is_file() for f in CHECKPOINT_FILES):
                raise NotFoundError(f"{path} is not an audiocraft checkpoint (no state_dict.bin)")
            return str(path)
        if "/" in model or model.startswith("."):
            raise NotFoundError(f"model directory not found: {path}")
        known = ", ".join(sorted(MODELS))
        raise OptionError(f"unknown model {model!r}; choose one of: {known}, or a directory")
    repo_id = MODELS[model].repo_id
    local = _cached_checkpoint(repo_id)
    if local is None:
        raise EngineUnavailableError(
            f"audiocraft has no local copy of {repo_id}; fetch it once while online with "
            f'python -c "from audiocraft.models import MusicGen; '
            f"MusicGen.get_pretrained('{repo_id}')\"  (weights CC-BY-NC 4.0)"
        )
    return local


@contextmanager
def hub_offline() -> Iterator[None]:
    """Make huggingface_hub refuse network access for the duration (audiocraft loads T5)."""
    try:
        import huggingface_hub.constants as hub
    except ImportError:
        yield
        return
    before = hub.HF_HUB_OFFLINE
    hub.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        hub.HF_HUB_OFFLINE = before


def _takes_melody(model: Any, source: str) -> bool:
    """Whether an audiocraft MusicGen has the chroma ("self_wav") conditioner."""
    provider = getattr(getattr(model, "lm", None), "condition_provider", None)
    conditioners = getattr(provider, "conditioners", None)
    if conditioners is not None:
        return "self_wav" in conditioners
    return "melody" in str(getattr(model, "name", source))


class AudiocraftEngine:
    """Renders a :class:`Song` through audiocraft's MusicGen."""

    name = "audiocraft"

    def __init__(self, settings: Settings, source: str, device: str | None) -> None:
        self.settings = settings
        self.source = source
        self.device = device
        self.warnings: list[str] = []
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self, progress: Progress) -> Any:
        if self._model is None:
            music_gen = require_audiocraft()
            progress("load model", 0.0, 1.0)
            kwargs = {"device": self.device} if self.device else {}
            try:
                with hub_offline():
                    self._model = music_gen.get_pretrained(self.source, **kwargs)
            except OSError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise EngineUnavailableError(
                    f"audiocraft could not load {self.source} offline: {first}"
                ) from exc
            progress("load model", 1.0, 1.0)
        return self._model

    def render(
        self, song: Song, midi: bytes, *, seed: int, progress: Progress = no_progress
    ) -> Audio:
        """Render to 44.1 kHz stereo float32; progress in tokens (``"generate"``)."""
        with self._lock:
            return self._render(song, seed, progress)

    def _render(self, song: Song, seed: int, progress: Progress) -> Audio:
        import torch

        model = self._load(progress)
        s = self.settings
        window = min(s.window_s, float(getattr(model, "max_duration", 30.0)))
        model.set_generation_params(
            use_sampling=True,
            top_k=s.top_k,
            top_p=0.0,
            temperature=s.temperature,
            duration=float(song.duration_s),
            cfg_coef=s.guidance_scale,
            extend_stride=max(0.5, window - s.overlap_s),
        )
        if hasattr(model, "set_custom_progress_callback"):
            model.set_custom_progress_callback(
                lambda done, total: progress("generate", float(done), float(total))
            )
        torch.manual_seed(seed)
        prompt = build_prompt(song)
        rate = int(model.sample_rate)
        if _takes_melody(model, self.source):
            # As long as the song, frame i's tone centred at i / 7.8125 s: audiocraft's
            # extractor reads the guide back as our chroma, window by window.
            guide = render_guide(score_chroma(song), sample_rate=rate, duration_s=song.duration_s)
            wav = model.generate_with_chroma(
                [prompt], torch.from_numpy(guide)[None, None], rate, progress=False
            )
        else:
            wav = model.generate([prompt], progress=False)
        audio = wav[0].detach().float().cpu().numpy().T  # (samples, channels)
        if audio.shape[1] == 1:
            audio = np.repeat(audio, 2, axis=1)
        out = resample(audio[:, :2].astype(np.float32), rate, OUTPUT_RATE)
        progress("mixdown", 1.0, 1.0)
        return Audio(samples=np.ascontiguousarray(out, dtype=np.float32), sample_rate=OUTPUT_RATE)


def create(
    model: str = "musicgen-melody",
    models_dir: Path | None = None,
    device: str | None = None,
    dtype: str | None = None,
    guidance_scale: float = 3.0,
    window_s: float = 30.0,
    overlap_s: float = 10.0,
    *,
    top_k: int = 250,
    temperature: float = 1.0,
) -> AudiocraftEngine:
    """Create the adapter (same options as :func:`composer.engines.musicgen.create`).

    ``models_dir`` and ``dtype`` are accepted for a uniform CLI but unused: audiocraft keeps
    its own cache and precision.

    Raises
    ------
    EngineUnavailableError
        audiocraft is not importable, or the model is not in its local cache.
    """
    require_audiocraft()
    settings = check_settings(
        model=model,
        dtype=dtype,
        guidance_scale=guidance_scale,
        window_s=window_s,
        overlap_s=overlap_s,
        optimize=False,
        top_k=top_k,
        temperature=temperature,
        crossfade_s=0.0,
        cuda=False,
    )
    return AudiocraftEngine(settings, checkpoint_source(model), device)
