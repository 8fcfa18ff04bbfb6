"""Our numpy re-implementation of MusicGen-Melody's audio chroma against transformers' code.

torchaudio (which ``MusicgenMelodyFeatureExtractor`` needs for its ``Spectrogram``) is not
installed here, so the extractor's own chroma step (``_torch_extract_fbank_features``) runs
with torchaudio's ``Spectrogram`` written out in torch (``torch.stft``, centred, reflection
padding, periodic Hann, power ÷ Σw², as torchaudio.functional.spectrogram does); where
torchaudio is importable the whole extractor is called instead.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from composer.engines.chroma_audio import (
    HOP_LENGTH,
    N_FFT,
    SAMPLE_RATE,
    audio_chroma,
    chroma_filters,
    pitch_response,
    raw_chroma,
)


def tone(pitches: list[int], seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    """One pitch after another, each ``seconds`` long, as plain sines."""
    t = np.arange(int(seconds * rate)) / rate
    return np.concatenate(
        [np.sin(2 * np.pi * 440.0 * 2 ** ((p - 69) / 12) * t) for p in pitches]
    ).astype(np.float32)


def test_frame_count_and_pitch_order() -> None:
    audio = tone([60, 62, 64, 65, 67, 69, 71], 1.0)
    chroma = audio_chroma(audio)
    assert chroma.shape == (1 + audio.size // HOP_LENGTH, 12)
    # A frame centred in the middle of each second reads that note (C D E F G A B).
    for i, pc in enumerate((0, 2, 4, 5, 7, 9, 11)):
        assert chroma[round((i + 0.5) * SAMPLE_RATE / HOP_LENGTH)].argmax() == pc


def test_silence_reads_as_c_like_the_extractor() -> None:
    # All-zero power: ∞-norm with eps leaves zeros, argmax picks bin 0 (C).
    chroma = audio_chroma(np.zeros(SAMPLE_RATE * 2, dtype=np.float32))
    assert np.all(chroma[:, 0] == 1.0)


def test_pitch_response_peaks_on_the_pitch_class() -> None:
    table = pitch_response()
    for pitch in range(24, 109):
        assert table[pitch].argmax() == pitch % 12
    # The octave weighting (Gaussian around 880 Hz) favours the middle register.
    assert table[81].max() > table[57].max() > table[33].max()


def test_filter_bank_matches_transformers() -> None:
    audio_utils = pytest.importorskip("transformers.audio_utils")
    theirs = audio_utils.chroma_filter_bank(
        num_frequency_bins=N_FFT, num_chroma=12, sampling_rate=SAMPLE_RATE, tuning=0
    )
    np.testing.assert_allclose(chroma_filters(), theirs, rtol=1e-12, atol=1e-15)


def _torchaudio_spectrogram(torch: Any) -> Any:
    """torchaudio.transforms.Spectrogram(n_fft, hop, power=2, center, normalized) in torch."""
    window = torch.hann_window(N_FFT)

    def spectrogram(waveform: Any) -> Any:
        shape = waveform.size()
        spec = torch.stft(
            waveform.reshape(-1, shape[-1]), n_fft=N_FFT, hop_length=HOP_LENGTH,
            win_length=N_FFT, window=window, center=True, pad_mode="reflect",
            normalized=False, onesided=True, return_complex=True,
        )  # fmt: skip
        spec = spec.reshape(shape[:-1] + spec.shape[-2:]) / window.pow(2.0).sum().sqrt()
        return spec.abs().pow(2.0)

    return spectrogram


def transformers_chroma(audio: np.ndarray) -> np.ndarray:
    """transformers' MusicgenMelodyFeatureExtractor chroma of 32 kHz mono audio (≤ 30 s)."""
    torch = pytest.importorskip("torch")
    module = pytest.importorskip(
        "transformers.models.musicgen_melody.feature_extraction_musicgen_melody"
    )
    extractor_cls = module.MusicgenMelodyFeatureExtractor
    if importlib.util.find_spec("torchaudio") is not None:
        out = extractor_cls()(audio, sampling_rate=SAMPLE_RATE, return_tensors="np")
        return np.asarray(out["input_features"][0])
    from transformers.audio_utils import chroma_filter_bank

    stand_in = SimpleNamespace(
        n_fft=N_FFT,
        chroma_filters=torch.from_numpy(
            chroma_filter_bank(
                sampling_rate=SAMPLE_RATE, num_frequency_bins=N_FFT, tuning=0, num_chroma=12
            )
        ).float(),
        spectrogram=_torchaudio_spectrogram(torch),
    )
    wav = torch.from_numpy(np.asarray(audio, dtype=np.float32))[None]
    features = extractor_cls._torch_extract_fbank_features(stand_in, wav)
    return features[0].numpy()


@pytest.mark.parametrize("seconds", [0.3, 4.0, 12.7])
def test_audio_chroma_matches_transformers(seconds: float) -> None:
    rng = np.random.default_rng(int(seconds * 10))
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    # A random melody of sines plus a quiet chord and a little noise: many argmax decisions.
    pitches = rng.integers(48, 90, size=max(1, int(seconds * 4)))
    idx = np.minimum((t * 4).astype(int), pitches.size - 1)
    freq = 440.0 * 2 ** ((pitches[idx] - 69) / 12)
    audio = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE)
    audio += 0.3 * np.sin(2 * np.pi * 130.8 * t) + 0.01 * rng.standard_normal(n)
    ours = audio_chroma(audio.astype(np.float32))
    theirs = transformers_chroma(audio.astype(np.float32))
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.argmax(axis=1), theirs.argmax(axis=1))
    # And the energies themselves (before the argmax) agree closely.
    energy = raw_chroma(audio.astype(np.float32))
    assert energy.shape[0] == theirs.shape[0]
