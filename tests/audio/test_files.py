"""encode_audio / write_audio / read_audio round trips through soundfile."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from composer.audio import files
from composer.audio.files import AUDIO_FORMATS, encode_audio, read_audio, write_audio
from composer.audio.formats import FORMATS
from composer.audio.model import Audio
from composer.errors import EngineUnavailableError, InputError, NotFoundError, OptionError

SR = 44100


def chord(seconds: float = 1.0, rate: int = SR) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 660 * t)
    right = 0.3 * np.sin(2 * np.pi * 550 * t)
    return Audio(np.stack([left, right], axis=1).astype(np.float32), rate)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    magnitude = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(magnitude)])


def writable(fmt: str) -> bool:
    return files.writable(fmt)


def test_formats() -> None:
    assert AUDIO_FORMATS == ("wav", "ogg", "flac", "mp3", "opus")


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_lossless_round_trip_is_16_bit_exact(fmt: str) -> None:
    audio = chord()
    data = encode_audio(audio, fmt)
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    info = soundfile.info(io.BytesIO(data))
    assert (rate, samples.shape, info.subtype) == (SR, audio.samples.shape, "PCM_16")
    assert np.abs(samples - audio.samples).max() <= 1.0 / 32768


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])
def test_lossy_round_trip_keeps_the_sound(fmt: str) -> None:
    if not writable(fmt):
        pytest.skip(f"this libsndfile cannot write {fmt}")
    audio = chord()
    data = encode_audio(audio, fmt)
    assert len(data) < audio.samples.nbytes / 8
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert rate == SR and samples.shape[1] == 2
    assert abs(samples.shape[0] - SR) < 0.1 * SR  # codecs may pad a little
    for channel, hz in ((0, 440.0), (1, 550.0)):
        assert abs(dominant_hz(samples[:, channel], SR) - hz) < 3.0
    level = np.sqrt(np.mean(samples[:, 1] ** 2))
    assert level == pytest.approx(0.3 / np.sqrt(2), rel=0.1)


def test_samples_over_full_scale_are_clipped_not_wrapped() -> None:
    hot = Audio(np.array([[1.5, -1.5], [0.5, -0.5]] * 100, np.float32), SR)
    samples, _ = soundfile.read(io.BytesIO(encode_audio(hot, "wav")), always_2d=True)
    assert samples[0, 0] > 0.99 and samples[0, 1] < -0.99
    assert samples[1, 0] == pytest.approx(0.5, abs=1e-4)


def test_long_ogg_is_written_in_blocks() -> None:
    # libsndfile 1.2 crashes when a single write hands Vorbis ~3 M frames.
    audio = Audio(np.zeros((3_000_000, 1), np.float32), 8000)
    data = encode_audio(audio, "ogg")
    assert soundfile.info(io.BytesIO(data)).frames == 3_000_000


@pytest.mark.parametrize("fmt", ["wav", "ogg", "flac"])
def test_write_and_read_by_extension(tmp_path: Path, fmt: str) -> None:
    path = write_audio(chord(0.5), tmp_path / f"song.{fmt.upper()}")
    assert path == tmp_path / f"song.{fmt.upper()}"
    assert soundfile.info(str(path)).format == FORMATS[fmt].container
    back = read_audio(path)
    assert back.sample_rate == SR and back.channels == 2 and back.samples.dtype == np.float32
    assert abs(dominant_hz(back.samples[:, 1], SR) - 550.0) < 5.0
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_explicit_format_overrides_the_extension(tmp_path: Path) -> None:
    path = write_audio(chord(0.2), tmp_path / "song.bin", "flac")
    assert soundfile.info(str(path)).format == "FLAC"


def test_unknown_formats_are_option_errors(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="aiff"):
        encode_audio(chord(0.1), "aiff")
    with pytest.raises(OptionError):
        write_audio(chord(0.1), tmp_path / "song.xyz")
    with pytest.raises(OptionError):
        write_audio(chord(0.1), tmp_path / "song")
    assert list(tmp_path.iterdir()) == []


def test_mp3_needs_a_capable_libsndfile(monkeypatch: pytest.MonkeyPatch) -> None:
    formats = {k: v for k, v in soundfile.available_formats().items() if k != "MP3"}
    monkeypatch.setattr(soundfile, "available_formats", lambda: formats)
    with pytest.raises(EngineUnavailableError, match="mp3"):
        encode_audio(chord(0.1), "mp3")


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_audio(tmp_path / "nothing.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio")
    with pytest.raises(InputError):
        read_audio(junk)


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        encode_audio(np.zeros((10, 2)), "wav")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        encode_audio(chord(0.1), 3)  # type: ignore[arg-type]
