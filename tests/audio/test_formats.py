"""The format table, Ogg Opus round trips and the resampler behind them."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from composer.audio import files
from composer.audio import opus as opus_module
from composer.audio.files import encode_audio, write_audio
from composer.audio.formats import (
    AUDIO_FORMATS,
    DEFAULT_FORMAT,
    EXTENSIONS,
    FORMATS,
    WEB_FORMAT,
    audio_format,
    format_of_file,
)
from composer.audio.loudness import integrated_loudness, normalize
from composer.audio.model import Audio
from composer.audio.resample import resample
from composer.errors import OptionError

ROOT = Path(__file__).resolve().parents[2]
opus = pytest.mark.skipif(not files.writable("opus"), reason="this libsndfile has no Opus")


def tones(seconds: float, rate: int, hz: tuple[float, float] = (440.0, 1000.0)) -> Audio:
    t = np.arange(round(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * hz[0] * t)
    right = 0.2 * np.sin(2 * np.pi * hz[1] * t) + 0.05 * np.sin(2 * np.pi * 6000 * t)
    return Audio(np.stack([left, right], axis=1).astype(np.float32), rate)


def spectrum_db(samples: np.ndarray, rate: int, bands: int = 24) -> np.ndarray:
    """Mean level (dB) in log-spaced bands from 60 Hz to 16 kHz."""
    power = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    edges = np.geomspace(60.0, 16000.0, bands + 1)
    return np.array(
        [10 * np.log10(power[(freqs >= a) & (freqs < b)].mean() + 1e-20)
         for a, b in itertools.pairwise(edges)]
    )  # fmt: skip


def test_every_format_is_defined_once_with_what_the_seams_need() -> None:
    assert tuple(FORMATS) == AUDIO_FORMATS and DEFAULT_FORMAT in FORMATS
    assert WEB_FORMAT in FORMATS
    for name, spec in FORMATS.items():
        assert spec.name == name and spec.extension.startswith(".")
        assert spec.content_type.startswith("audio/")
        assert format_of_file(f"song{spec.extension.upper()}") is spec
        assert audio_format(name.upper()) is spec
    assert len(EXTENSIONS) == len(FORMATS)
    assert FORMATS["opus"].extension == ".opus"
    assert FORMATS["opus"].content_type.startswith("audio/ogg")


def test_unknown_names_and_extensions_are_option_errors() -> None:
    with pytest.raises(OptionError, match="opus"):
        audio_format("aac")
    for name in ("song", "song.aac", ".ogg", "song."):
        with pytest.raises(OptionError, match=r"\.ogg"):
            format_of_file(name)


def test_rates_each_codec_takes() -> None:
    assert FORMATS["ogg"].rate_for(44100) == 44100
    assert FORMATS["opus"].rate_for(44100) == 48000
    assert FORMATS["opus"].rate_for(22050) == 24000
    assert FORMATS["opus"].rate_for(96000) == 48000
    assert FORMATS["opus"].rate_for(16000) == 16000


@pytest.fixture(params=["system", "bundled"])
def opus_library(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Opus written by the system libsndfile, then by soundfile's bundled one."""
    if request.param == "system":
        if opus_module.system_library() is None:
            pytest.skip("no system libsndfile that writes Opus")
    else:
        monkeypatch.setattr(opus_module, "PREFER_SYSTEM", False)
        if not files.writable("opus"):
            pytest.skip("soundfile's libsndfile has no Opus")
    return str(request.param)


@opus
def test_opus_round_trip_keeps_length_rate_loudness_and_spectrum(opus_library: str) -> None:
    source = normalize(tones(3.0, 48000))
    data = encode_audio(source, "opus")
    info = soundfile.info(io.BytesIO(data))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("OGG", "OPUS", 48000, 2)
    back, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert rate == 48000
    assert abs(back.shape[0] - source.samples.shape[0]) <= 960  # at most one 20 ms frame
    n = min(back.shape[0], source.samples.shape[0])
    decoded = Audio(np.ascontiguousarray(back[:n]), rate)
    assert integrated_loudness(decoded) == pytest.approx(-16.0, abs=0.3)
    assert len(data) < source.samples.nbytes / 10
    for c in range(2):  # band levels within 1.5 dB where the source has energy
        want = spectrum_db(source.samples[:n, c], rate)
        got = spectrum_db(decoded.samples[:, c], rate)
        loud = want > want.max() - 40
        assert np.abs(got[loud] - want[loud]).max() < 1.5


@opus
def test_opus_resamples_other_rates_to_48k(opus_library: str) -> None:
    source = tones(1.0, 44100)
    data = encode_audio(source, "opus")
    back, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert rate == 48000 and abs(back.shape[0] - 48000) <= 960
    magnitude = np.abs(np.fft.rfft(back[:, 0] * np.hanning(back.shape[0])))
    peak_hz = np.fft.rfftfreq(back.shape[0], 1 / rate)[np.argmax(magnitude)]
    assert abs(peak_hz - 440.0) < 3.0


@opus
def test_write_audio_picks_opus_by_extension(tmp_path: Path) -> None:
    path = write_audio(tones(0.5, 48000), tmp_path / "song.opus")
    assert soundfile.info(str(path)).subtype == "OPUS"


def test_resample_keeps_tones_and_level() -> None:
    source = tones(1.0, 44100)
    up = resample(source, 48000)
    assert up.sample_rate == 48000 and up.samples.shape == (48000, 2)
    assert up.samples.dtype == np.float32
    t = np.arange(48000) / 48000
    want = 0.3 * np.sin(2 * np.pi * 440 * t)
    assert np.abs(up.samples[:, 0] - want).max() < 1e-3
    down = resample(up, 44100)
    assert np.abs(down.samples - source.samples).max() < 1e-3
    assert resample(source, 44100) is source
    assert resample(Audio(np.zeros((0, 2), np.float32), 44100), 48000).samples.shape == (0, 2)


def test_resample_drops_what_the_new_rate_cannot_hold() -> None:
    source = tones(1.0, 48000, hz=(440.0, 15000.0))
    down = resample(source, 16000)
    assert down.samples.shape == (16000, 2)
    # 15 kHz is above the new Nyquist frequency and is gone; the 6 kHz tone stays.
    assert np.sqrt(np.mean(down.samples[:, 1] ** 2)) == pytest.approx(0.05 / np.sqrt(2), rel=1e-3)
    assert np.sqrt(np.mean(down.samples[:, 0] ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=1e-3)


def test_reading_the_format_table_loads_nothing_heavy() -> None:
    probe = (
        "import sys; import composer.audio.formats; "
        "print(' '.join(m for m in ('soundfile', 'torch', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""


def test_system_opus_writer_streams_into_a_descriptor(tmp_path: Path) -> None:
    lib = opus_module.system_library()
    if lib is None:
        pytest.skip("no system libsndfile that writes Opus")
    audio = normalize(tones(2.0, 48000))
    path = tmp_path / "song.opus"
    with path.open("wb") as f:
        writer = files.open_writer(f.fileno(), "opus", 48000, 2)
        assert isinstance(writer, opus_module.SystemOpusWriter)
        with writer:
            writer.write(audio.samples[:50000])
            writer.write(audio.samples[50000:])
            with pytest.raises(ValueError):
                writer.write(np.zeros((10, 3), np.float32))
        with pytest.raises(RuntimeError):
            writer.write(audio.samples[:10])
    back, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert rate == 48000 and abs(back.shape[0] - 96000) <= 960
    n = min(back.shape[0], 96000)
    assert integrated_loudness(Audio(back[:n].copy(), rate)) == pytest.approx(-16.0, abs=0.3)
    with pytest.raises(OptionError):
        files.open_writer(0, "opus", 44100, 2)  # Opus takes 48 kHz (and divisors) only
