"""render_encoded: the pre-pass gain, the chunked limiter, the encoder thread, fallbacks."""

from __future__ import annotations

import io

import numpy as np
import pytest

from composer.audio import stream
from composer.audio.files import writable
from composer.audio.limiter import limiter_gain
from composer.audio.loudness import ceiling_linear, peaks
from composer.audio.synth import render_midi
from composer.errors import OptionError

from .midi_helpers import SR, build_midi, needs_fluidsynth

needs_fluidsynth()
soundfile = pytest.importorskip("soundfile")
pyln = pytest.importorskip("pyloudnorm")

CEILING = 10 ** (-1.0 / 20)


def song(seconds: float = 12.0) -> bytes:
    """Loud staccato piano chords and a quiet pad: peaks for the limiter to catch."""
    notes = [(1, p, 0.0, seconds * 2, 40) for p in (48, 55)]
    for beat in range(int(seconds * 2)):
        for pitch in (60, 64, 67, 72):
            notes.append((0, pitch + beat % 5, float(beat), 0.4, 127 if beat % 4 == 0 else 70))
    return build_midi(notes, programs={0: 0, 1: 89})


@pytest.fixture(scope="module")
def streamed() -> stream.Rendered:
    return stream.render_encoded(song(), "ogg", stream=True)


def test_streamed_ogg_is_normalised_limited_and_decodes(streamed: stream.Rendered) -> None:
    assert streamed.streamed and streamed.fmt == "ogg"
    samples = streamed.audio.samples
    assert samples.dtype == np.float32 and samples.shape[1] == 2
    assert np.abs(samples).max() <= CEILING
    measured = pyln.Meter(SR).integrated_loudness(samples.astype(np.float64))
    assert measured == pytest.approx(-16.0, abs=0.5)
    assert streamed.loudness_lufs == pytest.approx(measured, abs=0.1)
    assert streamed.peak_dbfs == pytest.approx(20 * np.log10(np.abs(samples).max()), abs=1e-4)
    decoded, rate = soundfile.read(io.BytesIO(streamed.data), dtype="float32", always_2d=True)
    assert rate == SR and decoded.shape == samples.shape
    assert np.corrcoef(decoded[:, 0], samples[:, 0])[0, 1] > 0.99


def test_streamed_and_plain_paths_agree(streamed: stream.Rendered) -> None:
    plain = stream.render_encoded(song(), "ogg", stream=False)
    assert not plain.streamed
    assert plain.audio.samples.shape == streamed.audio.samples.shape
    assert abs(plain.loudness_lufs - streamed.loudness_lufs) < 0.5
    # The same music up to the gain: the limiter touches only a few ms around peaks.
    ratio = 10 ** ((streamed.loudness_lufs - plain.loudness_lufs) / 20)
    diff = streamed.audio.samples - plain.audio.samples * np.float32(ratio)
    rms = np.sqrt(np.mean(plain.audio.samples.astype(np.float64) ** 2))
    assert np.sqrt(np.mean(diff.astype(np.float64) ** 2)) < 0.05 * rms


@pytest.mark.skipif(not writable("opus"), reason="this libsndfile has no Opus")
@pytest.mark.parametrize("streamed_path", [True, False])
def test_opus_is_rendered_at_48k_and_decodes_at_the_level(streamed_path: bool) -> None:
    rendered = stream.render_encoded(song(), "opus", stream=streamed_path)
    assert rendered.streamed is streamed_path and rendered.fmt == "opus"
    audio = rendered.audio
    assert audio.sample_rate == 48000  # rendered at the rate Opus takes, not resampled
    assert np.abs(audio.samples).max() <= CEILING
    decoded, rate = soundfile.read(io.BytesIO(rendered.data), dtype="float32", always_2d=True)
    assert rate == 48000 and abs(decoded.shape[0] - audio.samples.shape[0]) <= 960
    n = min(decoded.shape[0], audio.samples.shape[0])
    measured = pyln.Meter(48000).integrated_loudness(decoded[:n].astype(np.float64))
    assert measured == pytest.approx(-16.0, abs=0.6)  # the codec may move it ~0.1 LU
    assert rendered.loudness_lufs == pytest.approx(-16.0, abs=0.5)


@pytest.mark.parametrize("chunk", [1000, 4410, 65536])
def test_chunked_limiter_equals_the_whole_song_limiter(chunk: int) -> None:
    rng = np.random.default_rng(chunk)
    frames = 200_000
    signal = (rng.standard_normal((frames, 2)) * 0.1).astype(np.float32)
    for at in rng.integers(0, frames, 60):  # bursts over the ceiling, some at chunk edges
        signal[at : at + 50] *= 12.0
    signal[-20:] *= 15.0  # and at the very end
    gain, ceiling = 1.3, ceiling_linear(-1.0)
    whole = signal * np.float32(gain)
    reduction = limiter_gain(peaks(whole), ceiling, SR)
    assert reduction is not None
    index, curve = reduction
    whole[index] *= curve.astype(np.float32)[:, None]

    out = signal.copy()
    limiter = stream._ChunkLimiter(out, frames, gain, ceiling, SR)
    final = 0
    for stop in [*range(chunk, frames, chunk), frames]:
        start, end = limiter.advance(stop)
        assert start == final and end >= start
        final = end
    assert final == frames
    np.testing.assert_allclose(out, whole, rtol=0, atol=2e-6)
    assert np.abs(out).max() <= ceiling


def test_a_big_prepass_error_falls_back_to_the_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stream, "MAX_ERROR_LU", 0.0)
    rendered = stream.render_encoded(song(), "wav", stream=True)
    assert not rendered.streamed
    assert rendered.loudness_lufs == pytest.approx(-16.0, abs=0.1)


def test_short_songs_and_single_cpus_take_the_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not stream.render_encoded(song(2.0), "wav").streamed
    monkeypatch.setattr(stream, "usable_cpus", lambda: 1)
    assert not stream.render_encoded(song(), "wav").streamed


def test_silence_streams_unchanged() -> None:
    import mido

    quiet = build_midi([], extra=[(20.0, mido.MetaMessage("marker", text="end"))])
    rendered = stream.render_encoded(quiet, "flac", stream=True)
    assert rendered.streamed and rendered.loudness_lufs == -np.inf
    raw = render_midi(quiet)  # fluidsynth's own output: gain 1, nothing limited
    np.testing.assert_array_equal(rendered.audio.samples, raw.samples)
    decoded, _ = soundfile.read(io.BytesIO(rendered.data), always_2d=True)
    assert decoded.shape == rendered.audio.samples.shape


def test_encoder_errors_reach_the_caller() -> None:
    class Broken:
        def write(self, _block: np.ndarray) -> None:
            raise OSError("disk full")

        def close(self) -> None:
            pass

    encoder = stream._Encoder(np.zeros((100, 2), np.float32), Broken())
    encoder.put(0, 50)
    encoder.put(50, 100)
    with pytest.raises(OSError, match="disk full"):
        encoder.finish()


def test_options_are_checked_before_rendering() -> None:
    with pytest.raises(OptionError):
        stream.render_encoded(song(), "aiff")
    with pytest.raises(OptionError):
        stream.render_encoded(song(), "ogg", target_lufs=5.0)
    with pytest.raises(OptionError):
        stream.render_encoded(song(), "ogg", sample_rate=4000)


def test_the_chunked_main_pass_renders_what_one_call_renders() -> None:
    pad = build_midi([(0, p, b * 4.0, 4.0, 50) for b in range(5) for p in (57, 60, 64)],
                     programs={0: 89})  # fmt: skip
    rendered = stream.render_encoded(pad, "wav", stream=True)
    raw = render_midi(pad, threads=stream.STREAM_THREADS).samples
    assert rendered.audio.samples.shape == raw.shape
    loud = np.abs(raw) > 1e-3
    gain = float(np.median(rendered.audio.samples[loud] / raw[loud]))
    assert gain > 1.0  # a soft pad: raised to -16 LUFS without touching the ceiling
    np.testing.assert_allclose(rendered.audio.samples, raw * np.float32(gain), rtol=1e-5, atol=1e-7)


def test_render_threads_option() -> None:
    one = render_midi(song(2.0), threads=1).samples
    two = render_midi(song(2.0), threads=2).samples
    assert np.sqrt(np.mean((one - two) ** 2)) < 1e-4 * np.sqrt(np.mean(one**2)) + 1e-9
    with pytest.raises(TypeError):
        render_midi(song(2.0), threads=1.5)  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        render_midi(song(2.0), threads=0)
