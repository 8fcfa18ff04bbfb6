"""MusicGen model files: ``photograph models pull NAME`` downloads, the engine resolves.

Files live in ``models/<name>/`` (git-ignored), in Hugging Face transformers' layout
(``config.json``, ``*.safetensors``, tokenizer files). Nothing is downloaded at render time:
:func:`resolve_model` only looks on disk and, when the files are missing, raises one
:class:`~composer.errors.EngineUnavailableError` naming the command that fetches them.
``huggingface_hub`` is imported only inside :func:`pull`.

The weights are Meta's, licensed CC-BY-NC 4.0: non-commercial use only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer.errors import EngineUnavailableError, NotFoundError, OptionError
from composer.progress import Progress, no_progress

MODELS_ENV = "PHOTOGRAPH_MODELS_DIR"
LICENSE = "CC-BY-NC 4.0 (non-commercial use only)"
LICENSE_URL = "https://creativecommons.org/licenses/by-nc/4.0/"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A downloadable checkpoint.

    Attributes
    ----------
    name : str
        Our short name (``musicgen-melody``), also the folder under ``models/``.
    repo_id : str
        Hugging Face Hub repository.
    melody : bool
        Whether the model takes chroma (melody) conditioning.
    size : str
        Rough download size, for messages.
    """

    name: str
    repo_id: str
    melody: bool
    size: str


MODELS: dict[str, ModelSpec] = {
    "musicgen-melody": ModelSpec("musicgen-melody", "facebook/musicgen-melody", True, "~6 GB"),
    "musicgen-small": ModelSpec("musicgen-small", "facebook/musicgen-small", False, "~2.4 GB"),
    "musicgen-medium": ModelSpec("musicgen-medium", "facebook/musicgen-medium", False, "~8 GB"),
}

# Only what transformers needs: configs, safetensors weights, tokenizer files.
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt"]
FALLBACK_PATTERNS = ["*.bin"]  # repositories without safetensors


def default_models_dir() -> Path:
    """``$PHOTOGRAPH_MODELS_DIR`` if set, else ``./models``."""
    return Path(os.environ.get(MODELS_ENV, "models"))


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise OptionError(f"unknown model {name!r}; choose one of: {known}") from None


def has_weights(path: Path) -> bool:
    """Whether a directory holds a loadable transformers checkpoint (config + weights)."""
    if not (path / "config.json").is_file():
        return False
    return any(path.glob("*.safetensors")) or any(path.glob("*.bin"))


def _looks_like_path(name: str) -> bool:
    return os.sep in name or "/" in name or name.startswith(".") or name.startswith("~")


def resolve_model(name_or_path: str | Path, models_dir: Path | None = None) -> Path:
    """Find a model's files on disk; never downloads.

    Parameters
    ----------
    name_or_path : str or Path
        A name from :data:`MODELS` (looked up as ``models_dir/<name>``) or a directory.
    models_dir : Path, optional
        Where pulled models live; :func:`default_models_dir` by default.

    Returns
    -------
    Path
        A directory with ``config.json`` and weights.

    Raises
    ------
    EngineUnavailableError
        A known model that has not been pulled (the message names ``photograph models pull``).
    NotFoundError
        A directory that does not exist or holds no checkpoint.
    OptionError
        An unknown model name.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_dir():
            raise NotFoundError(f"model directory not found: {path}")
        if not has_weights(path):
            raise NotFoundError(f"no config.json and weights in model directory: {path}")
        return path
    if text not in MODELS and Path(text).is_dir():
        return resolve_model(Path(text), models_dir)
    spec = _spec(text)
    path = (models_dir if models_dir is not None else default_models_dir()) / spec.name
    if not has_weights(path):
        raise EngineUnavailableError(
            f"model {spec.name} is not downloaded (looked in {path}); "
            f"run: photograph models pull {spec.name}  ({spec.size}, weights {LICENSE})"
        )
    return path


def _relay_class(progress: Progress, seen: list[float]) -> type:
    """A tqdm subclass forwarding the bytes-downloaded bar to ``progress('download', ...)``.

    ``snapshot_download`` opens several bars with the class it is given (files, bytes
    transferred, bytes written); only the transfer bar is relayed, in bytes. Counts are kept
    here because a disabled (non-TTY) tqdm does not count.
    """
    base: Any
    try:
        from huggingface_hub.utils import tqdm as hf_tqdm

        base = hf_tqdm
    except ImportError:
        from tqdm.auto import tqdm as plain_tqdm

        base = plain_tqdm

    class Relay(base):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            desc = str(kwargs.get("desc") or "").lower()
            self._relay = kwargs.get("unit") == "B" and "download" in desc
            self._done = float(kwargs.get("initial") or 0)
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if self._relay:
                self._done += float(n or 0)
                total = max(float(getattr(self, "total", 0) or 0), self._done)
                seen[:] = [self._done, total]
                progress("download", self._done, total)
            return shown

    return Relay


def pull(
    name: str,
    models_dir: Path | None = None,
    progress: Progress = no_progress,
    *,
    _download: Callable[..., str] | None = None,
) -> Path:
    """Download a model into ``models_dir/<name>/`` (for ``photograph models pull NAME``).

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    models_dir : Path, optional
        Destination root; :func:`default_models_dir` by default.
    progress : Progress
        Receives ``("download", bytes_done, bytes_total)``, ending with done == total.
    _download : callable, optional
        Stand-in for ``huggingface_hub.snapshot_download`` (tests).

    Returns
    -------
    Path
        The model directory.

    Raises
    ------
    OptionError
        Unknown name.
    EngineUnavailableError
        ``huggingface_hub`` missing, or the download failed (offline, disk full...).
    """
    spec = _spec(name)
    target = (models_dir if models_dir is not None else default_models_dir()) / spec.name
    if _download is None:
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            raise EngineUnavailableError(
                "downloading models needs huggingface_hub: install the GPU extra: "
                "pip install -e '.[gpu]'"
            ) from None
        _download = snapshot_download
    seen: list[float] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        _download(
            spec.repo_id,
            local_dir=target,
            allow_patterns=ALLOW_PATTERNS,
            tqdm_class=_relay_class(progress, seen),
        )
        if not has_weights(target):
            _download(
                spec.repo_id,
                local_dir=target,
                allow_patterns=FALLBACK_PATTERNS,
                tqdm_class=_relay_class(progress, seen),
            )
    except OSError as exc:  # huggingface_hub's HTTP and offline errors are OSErrors
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineUnavailableError(
            f"could not download {spec.repo_id} into {target}: {first_line}"
        ) from exc
    if not has_weights(target):
        raise EngineUnavailableError(f"download of {spec.repo_id} into {target} is incomplete")
    done = seen[1] if seen else 1.0
    progress("download", done, done)
    return target


def pulled_message(name: str, path: Path) -> str:
    """What ``photograph models pull`` prints once the files are in place: where, and the
    weights' licence (CC-BY-NC 4.0: what you make with them may not be sold)."""
    spec = _spec(name)
    return (
        f"{spec.name} is in {path.resolve()}\n"
        f"Licence: Meta's MusicGen weights are {LICENSE}: {LICENSE_URL}\n"
        f"Model card: https://huggingface.co/{spec.repo_id}"
    )
