"""Encoding :class:`Audio` to WAV / Ogg Vorbis / FLAC / MP3 / Ogg Opus with soundfile.

The formats themselves are defined in :mod:`composer.audio.formats`. soundfile
(libsndfile) is imported inside the functions.
"""

from __future__ import annotations

import ctypes
import io
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from composer.audio import opus
from composer.audio.formats import AUDIO_FORMATS, AudioFormat, audio_format, format_of_file
from composer.audio.model import Audio
from composer.audio.opus import SystemOpusWriter, encode_with_system
from composer.audio.resample import resample
from composer.errors import EngineUnavailableError, InputError, NotFoundError, OptionError

__all__ = [
    "AUDIO_FORMATS",
    "WRITE_BLOCK",
    "encode_audio",
    "open_writer",
    "read_audio",
    "writable",
    "write_audio",
]

#: libsndfile (1.2.x) crashes when one call hands the Vorbis encoder millions of frames:
#: always write at most this many frames per call.
WRITE_BLOCK = 65536


def encode_audio(audio: Audio, fmt: str) -> bytes:
    """Encode to the bytes of an audio file.

    Samples are clipped to -1..1 first (libsndfile does not clip when converting to
    integer PCM). WAV and FLAC are 16-bit PCM, OGG is Vorbis (quality 0.4 default), MP3
    is LAME's default VBR, Opus is libopus's default VBR (~120 kbit/s stereo). Audio at a
    rate the codec does not take (Opus: 48 kHz and divisors) is resampled first (see
    :func:`composer.audio.formats.AudioFormat.rate_for`).

    Raises
    ------
    OptionError
        Unknown format.
    EngineUnavailableError
        The local libsndfile cannot write this format (MP3 needs libsndfile >= 1.1).
    """
    if not isinstance(audio, Audio):
        raise TypeError(f"expected Audio, not {type(audio).__name__}")
    samples = np.asarray(audio.samples, dtype=np.float32)
    if samples.ndim != 2 or samples.shape[1] == 0:
        raise ValueError(f"audio samples must be (frames, channels), not {samples.shape}")
    rate = audio_format(fmt).rate_for(audio.sample_rate)
    if rate != audio.sample_rate:
        samples = resample(Audio(samples, audio.sample_rate), rate).samples
    system = _system_opus(fmt)
    if system is not None:
        return encode_with_system(system, samples, rate, WRITE_BLOCK)
    buffer = io.BytesIO()
    with open_writer(buffer, fmt, rate, samples.shape[1]) as out:
        for start in range(0, samples.shape[0], WRITE_BLOCK):
            out.write(np.clip(samples[start : start + WRITE_BLOCK], -1.0, 1.0))
    return buffer.getvalue()


def open_writer(target: io.BytesIO | int, fmt: str, sample_rate: int, channels: int) -> Any:
    """A ``soundfile.SoundFile`` writing ``fmt`` into ``target`` (close it to finish).

    ``target`` is a buffer or an open file descriptor (left open). libsndfile writes a
    descriptor itself; a buffer costs a call back into Python, which needs the GIL, for
    every page, which matters when the encoder runs in a thread beside Python code. Write
    at most :data:`WRITE_BLOCK` frames per call, float32 within -1..1.

    Raises
    ------
    OptionError, EngineUnavailableError
        As :func:`encode_audio`; also a sample rate the codec does not take.
    """
    spec = audio_format(fmt)
    if spec.rate_for(sample_rate) != sample_rate:
        raise OptionError(
            f"{spec.label} takes {', '.join(str(r) for r in spec.sample_rates)} Hz, "
            f"not {sample_rate}"
        )
    system = _system_opus(fmt)
    if system is not None and isinstance(target, int):
        return SystemOpusWriter(system, target, sample_rate, channels)
    soundfile = _soundfile(spec)
    return soundfile.SoundFile(
        target, "w", sample_rate, channels, spec.subtype, format=spec.container, closefd=False
    )


def write_audio(audio: Audio, path: Path, fmt: str | None = None) -> Path:
    """Write ``audio`` to ``path``; the format defaults to the file extension.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OptionError
        Unknown format or extension.
    """
    path = Path(path)
    if fmt is None:
        fmt = format_of_file(path.name).name
    data = encode_audio(audio, fmt)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_audio(path: Path) -> Audio:
    """Read an audio file as float32 ``(frames, channels)``.

    Raises
    ------
    NotFoundError
        No such file.
    InputError
        Not an audio file libsndfile can read.
    """
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"audio file not found: {path}")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise InputError(f"cannot read audio file {path.name}: {exc}") from None
    return Audio(samples=np.ascontiguousarray(samples), sample_rate=int(rate))


def writable(fmt: str) -> bool:
    """Whether ``fmt`` can be written here (False for unknown names)."""
    try:
        if _system_opus(fmt) is None:
            _soundfile(audio_format(fmt))
    except (OptionError, EngineUnavailableError):
        return False
    return True


def _system_opus(fmt: str) -> ctypes.CDLL | None:
    """The system libsndfile for Opus (see :mod:`composer.audio.opus`), else None."""
    if audio_format(fmt).name != "opus" or not opus.PREFER_SYSTEM:
        return None
    return opus.system_library()


def _soundfile(spec: AudioFormat) -> ModuleType:
    """The soundfile module, once it is known to write ``spec``'s container/subtype."""
    container, subtype, fmt = spec.container, spec.subtype, spec.name
    try:
        import soundfile
    except (ImportError, OSError):
        raise EngineUnavailableError(
            "soundfile (libsndfile) is missing; pip install soundfile"
        ) from None
    if container not in soundfile.available_formats() or not soundfile.check_format(
        container, subtype
    ):
        raise EngineUnavailableError(
            f"this libsndfile ({soundfile.__libsndfile_version__}) cannot write {fmt}; "
            "pip install -U soundfile (its wheels bundle libsndfile >= 1.2 with MP3 and "
            "Opus), or choose wav, ogg or flac"
        )
    return soundfile
