"""Melody chroma from the score, at MusicGen-Melody's frame rate (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from composer.engines.chroma import (
    FRAME_RATE,
    chroma_energy,
    chroma_frames,
    melody_guide,
    score_chroma,
    slice_chroma,
)
from composer.music.model import Key, Note, Part, Section, Song

C_MAJOR = Key(0, "major")


def song(parts: tuple[Part, ...], *, bars: int = 2, tempo: int = 60) -> Song:
    section = Section("A", 0, bars, C_MAJOR, 0.0, 0.0)
    return Song("t", C_MAJOR, tempo, (4, 4), (section,), (), parts, (), 0, "piano")


def frame_at(seconds: float) -> int:
    return round(seconds * FRAME_RATE)


# At 60 bpm a beat is a second: melody D5 E5 G5 A5 (one per second) over a loud C major
# chord held in the low register for the whole time.
MELODY = Part(
    "Right hand", 0, 0, tuple(Note(p, float(i), 1.0, 70) for i, p in enumerate((74, 76, 79, 81)))
)
CHORD = Part("Left hand", 0, 1, tuple(Note(p, 0.0, 8.0, 120) for p in (36, 40, 43, 48, 52)))


def test_frame_count_matches_the_feature_extractor() -> None:
    # MusicgenMelodyFeatureExtractor: 32 kHz, hop 4096, centred frames → 1 + samples // hop.
    for seconds in (0.0, 1.0, 7.3, 30.0):
        assert chroma_frames(seconds) == 1 + int(seconds * 32_000) // 4096
    assert chroma_frames(30.0) == 235  # the model's chroma_length


def test_one_hot_rows_float32() -> None:
    chroma = score_chroma(song((MELODY, CHORD)))
    assert chroma.dtype == np.float32
    assert chroma.shape == (chroma_frames(8.0), 12)
    assert np.all(chroma.sum(axis=1) == 1.0)
    assert set(np.unique(chroma)) <= {0.0, 1.0}


def test_top_voice_dominates_a_louder_accompaniment() -> None:
    chroma = score_chroma(song((MELODY, CHORD)))
    for second, pitch in enumerate((74, 76, 79, 81)):
        assert chroma[frame_at(second + 0.5)].argmax() == pitch % 12
    # Without the melody boost the five loud chord notes win the argmax (C or E).
    plain = chroma_energy(song((MELODY, CHORD)), melody_boost=1.0)
    assert plain[frame_at(0.5)].argmax() in (0, 4)


def test_a_part_named_melody_wins_even_below_the_accompaniment() -> None:
    low_tune = Part("Melody", 73, 0, (Note(57, 0.0, 4.0, 80),))  # A3, under the pad
    pad = Part("Pad", 89, 1, (Note(72, 0.0, 4.0, 80), Note(76, 0.0, 4.0, 80)))
    chroma = score_chroma(song((low_tune, pad)))
    assert chroma[frame_at(2.0)].argmax() == 9


def test_silence_holds_the_last_pitch_and_leading_silence_takes_the_first() -> None:
    late = Part("Melody", 0, 0, (Note(62, 2.0, 1.0, 80), Note(67, 4.0, 1.0, 80)))
    chroma = score_chroma(song((late,)))
    assert chroma[0].argmax() == 2  # before the first note: D
    assert chroma[frame_at(3.6)].argmax() == 2  # gap after D: still D
    assert chroma[frame_at(7.5)].argmax() == 7  # after the last note: G held


def test_no_notes_gives_the_tonic_and_drums_are_ignored() -> None:
    drums = Part("Drums", 0, 9, tuple(Note(38, float(i), 0.5, 100) for i in range(8)))
    a_minor = Song(
        "t",
        Key(9, "minor"),
        60,
        (4, 4),
        (Section("A", 0, 2, Key(9, "minor"), 0, 0),),
        (),
        (drums,),
        (),
        0,
        "x",
    )
    chroma = score_chroma(a_minor)
    assert np.all(chroma.argmax(axis=1) == 9)


def test_tempo_scales_time() -> None:
    tune = Part("Melody", 0, 0, (Note(60, 0.0, 2.0, 80), Note(65, 2.0, 2.0, 80)))
    fast = Song(
        "t", C_MAJOR, 120, (4, 4), (Section("A", 0, 1, C_MAJOR, 0, 0),), (), (tune,), (), 0, ""
    )
    chroma = score_chroma(fast)  # at 120 bpm the F starts at 1 s
    assert chroma[frame_at(0.4)].argmax() == 0
    assert chroma[frame_at(1.6)].argmax() == 5
    assert chroma.shape[0] == chroma_frames(2.0)


def test_slice_chroma_covers_the_span() -> None:
    chroma = score_chroma(song((MELODY, CHORD), bars=4))  # 16 s
    piece = slice_chroma(chroma, 2.0, 6.0)
    assert piece.shape[0] == frame_at(6.0) - frame_at(2.0)
    assert np.array_equal(piece, chroma[frame_at(2.0) : frame_at(6.0)])
    past = slice_chroma(chroma, 15.0, 20.0)
    assert past.shape[0] == frame_at(20.0) - frame_at(15.0)
    assert np.array_equal(past[-1], chroma[-1])
    assert slice_chroma(chroma, 3.0, 3.0).shape[0] == 1
    with pytest.raises(ValueError):
        slice_chroma(chroma, 4.0, 3.0)


def test_melody_guide_sounds_the_chroma() -> None:
    chroma = score_chroma(song((MELODY, CHORD)))
    rate = 16_000
    wav = melody_guide(chroma, sample_rate=rate)
    assert wav.dtype == np.float32
    assert abs(len(wav) - chroma.shape[0] / FRAME_RATE * rate) <= 1
    for second, pitch in enumerate((74, 76, 79, 81)):
        seg = wav[int((second + 0.25) * rate) : int((second + 0.75) * rate)]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        peak_hz = spectrum.argmax() * rate / len(seg)
        midi = 69 + 12 * np.log2(peak_hz / 440.0)
        assert round(midi) % 12 == pitch % 12
