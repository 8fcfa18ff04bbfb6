"""render_midi: FluidSynth in-process on small MIDI files built in the test."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import mido
import numpy as np
import pytest

from composer.audio import soundfont as sf_module
from composer.audio.synth import MAX_DURATION_S, _presets_use_chorus, find_soundfont, render_midi
from composer.errors import InputError, NotFoundError, OptionError, TooLargeError

from .midi_helpers import SR, build_midi, needs_fluidsynth, peak_hz, rms, spectrum

needs_fluidsynth()

A4 = build_midi([(0, 69, 0.0, 1.0, 100)])  # one beat at 120 BPM: 0.5 s


def test_a4_is_stereo_44k_float32_of_the_right_length_and_sounds_at_440_hz() -> None:
    audio = render_midi(A4)
    assert audio.sample_rate == SR
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape == (round((0.5 + 2.0) * SR), 2)
    assert rms(audio.samples) > 1e-3
    assert abs(peak_hz(audio.samples[:SR]) - 440.0) < 4.0


def test_length_follows_the_last_message_and_the_tail() -> None:
    end = mido.MetaMessage("marker", text="end")
    midi = build_midi([(0, 60, 0.0, 1.0, 90)], extra=[(6.0, end)])  # last message at 3 s
    assert render_midi(midi, tail_s=0.5).samples.shape[0] == round(3.5 * SR)
    assert render_midi(midi, tail_s=0.0).samples.shape[0] == 3 * SR


def test_other_sample_rate() -> None:
    audio = render_midi(A4, sample_rate=22050, tail_s=1.0)
    assert audio.sample_rate == 22050
    assert audio.samples.shape == (round(1.5 * 22050), 2)
    assert abs(peak_hz(audio.samples, 22050) - 440.0) < 4.0


def test_c_major_chord_has_its_three_fundamentals() -> None:
    chord = build_midi([(0, p, 0.0, 2.0, 100) for p in (60, 64, 67)])
    freqs, magnitude = spectrum(render_midi(chord).samples[: SR // 2 * 3])
    floor = np.median(magnitude)
    for hz in (261.6, 329.6, 392.0):
        near = (freqs > hz * 0.98) & (freqs < hz * 1.02)
        assert magnitude[near].max() > 50 * floor


def test_higher_velocity_is_louder() -> None:
    soft = render_midi(build_midi([(0, 60, 0.0, 1.0, 40)])).samples
    loud = render_midi(build_midi([(0, 60, 0.0, 1.0, 110)])).samples
    assert rms(loud) > 2.0 * rms(soft)


def test_programs_change_the_timbre() -> None:
    piano = render_midi(build_midi([(0, 60, 0.0, 2.0, 100)], programs={0: 0})).samples
    flute = render_midi(build_midi([(0, 60, 0.0, 2.0, 100)], programs={0: 73})).samples
    freqs, a = spectrum(piano)
    _, b = spectrum(flute)
    band = (freqs > 50) & (freqs < 8000)
    a, b = a[band] / np.linalg.norm(a[band]), b[band] / np.linalg.norm(b[band])
    assert float(a @ b) < 0.9


def test_two_tracks_with_their_own_programs_both_sound() -> None:
    midi = build_midi(
        [(0, 48, 0.0, 4.0, 100), (1, 84, 0.0, 4.0, 100)],
        programs={0: 32, 1: 73},  # acoustic bass low, flute high
        midi_type=1,
    )
    assert len(mido.MidiFile(file=io.BytesIO(midi)).tracks) == 3
    freqs, magnitude = spectrum(render_midi(midi).samples[: 2 * SR])
    floor = np.median(magnitude)
    for hz in (130.8, 1046.5):
        near = (freqs > hz * 0.98) & (freqs < hz * 1.02)
        assert magnitude[near].max() > 50 * floor


def test_type_0_and_type_1_files_render_the_same() -> None:
    notes = [(0, 60, 0.0, 1.0, 90), (1, 67, 0.5, 1.0, 80)]
    zero = render_midi(build_midi(notes, programs={0: 0, 1: 48}, midi_type=0))
    one = render_midi(build_midi(notes, programs={0: 0, 1: 48}, midi_type=1))
    np.testing.assert_array_equal(zero.samples, one.samples)


def test_sustain_pedal_lengthens_the_decay() -> None:
    end = (4.0, mido.MetaMessage("marker", text="end"))
    down = (0.0, mido.Message("control_change", control=64, value=127))
    up = (4.0, mido.Message("control_change", control=64, value=0))
    dry = render_midi(build_midi([(0, 60, 0.0, 0.25, 100)], extra=[end])).samples
    held = render_midi(build_midi([(0, 60, 0.0, 0.25, 100)], extra=[down, up])).samples
    window = slice(int(0.6 * SR), int(1.8 * SR))  # well after the key is released
    assert rms(held[window]) > 5 * rms(dry[window])


def test_pitch_bend_moves_the_pitch() -> None:
    bend = (0.0, mido.Message("pitchwheel", pitch=8191))  # +2 semitones (default range)
    audio = render_midi(build_midi([(0, 69, 0.0, 2.0, 100)], programs={0: 73}, extra=[bend]))
    assert abs(peak_hz(audio.samples[: SR // 2 * 3]) - 493.9) < 6.0


def test_tempo_changes_are_honoured() -> None:
    # Beat 1 at 120 BPM (0.5 s), then 60 BPM: the note at beat 2 starts at 1.5 s.
    slow = (1.0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(60)))
    audio = render_midi(build_midi([(0, 69, 2.0, 1.0, 100)], extra=[slow])).samples
    assert audio.shape[0] == round((1.5 + 1.0 + 2.0) * SR)
    assert rms(audio[: int(1.45 * SR)]) < 1e-6
    assert rms(audio[int(1.5 * SR) : int(2.0 * SR)]) > 1e-3


def test_meta_and_sysex_messages_are_ignored() -> None:
    notes = [(0, 64, 0.0, 1.0, 90)]
    clutter = [
        (0.0, mido.MetaMessage("track_name", name="Piano")),
        (0.0, mido.MetaMessage("key_signature", key="E")),
        (0.0, mido.Message("sysex", data=(0x7E, 0x7F, 0x09, 0x01))),
        (0.5, mido.MetaMessage("text", text="hello")),
        (0.5, mido.Message("sysex", data=(0x41, 0x10, 0x42, 0x12))),
    ]
    plain = render_midi(build_midi(notes))
    noisy = render_midi(build_midi(notes, extra=clutter))
    np.testing.assert_array_equal(plain.samples, noisy.samples)


def test_renders_are_deterministic_with_the_cached_soundfont() -> None:
    song = build_midi(
        [(0, p, i * 0.5, 1.0, 70 + 5 * i) for i, p in enumerate((60, 64, 67, 72, 67, 64))],
        extra=[(0.0, mido.Message("control_change", control=64, value=127))],
    )
    other = build_midi([(0, 40, 0.0, 3.0, 120), (0, 47, 0.0, 3.0, 120)], programs={0: 48})
    first = render_midi(song)
    second = render_midi(song)
    render_midi(other)  # different voices, programs and pedal state in between
    third = render_midi(song)
    np.testing.assert_array_equal(first.samples, second.samples)
    np.testing.assert_array_equal(first.samples, third.samples)


def test_progress_reports_the_render_stage() -> None:
    calls: list[tuple[str, float, float]] = []
    audio = render_midi(A4, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert {stage for stage, _, _ in calls} == {"render"}
    assert calls[0][1] == 0.0
    assert calls[-1][1] == calls[-1][2] == pytest.approx(audio.samples.shape[0] / SR, abs=0.01)


@pytest.mark.parametrize(
    "data",
    [b"not a midi file at all", b"MThd\x00\x00\x00\x06\x00\x01", A4[:30], b"RIFF" + A4[4:]],
)
def test_invalid_midi_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        render_midi(data)
    assert "\n" not in str(info.value)


def test_empty_or_wrong_type_midi() -> None:
    with pytest.raises(InputError):
        render_midi(b"")
    with pytest.raises(TypeError):
        render_midi("MThd")  # type: ignore[arg-type]


def test_overlong_midi_is_refused_before_rendering() -> None:
    late = (MAX_DURATION_S * 2 + 10, mido.MetaMessage("marker", text="far"))  # beats @120
    with pytest.raises(TooLargeError):
        render_midi(build_midi([(0, 60, 0.0, 1.0, 90)], extra=[late]))


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"sample_rate": 1000}, OptionError),
        ({"sample_rate": 44100.0}, TypeError),
        ({"tail_s": -1.0}, OptionError),
        ({"tail_s": float("nan")}, OptionError),
    ],
)
def test_bad_options(options: dict[str, float], error: type[Exception]) -> None:
    with pytest.raises(error):
        render_midi(A4, **options)  # type: ignore[arg-type]


def test_missing_soundfont_path_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sf2"
    with pytest.raises(NotFoundError, match=r"nope\.sf2"):
        render_midi(A4, soundfont=missing)


def test_a_file_that_is_not_a_soundfont_is_an_option_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sf2"
    bogus.write_bytes(b"RIFF\x00\x00\x00\x00sfbk garbage")
    with pytest.raises(OptionError, match=r"bogus\.sf2"):
        render_midi(A4, soundfont=bogus)


def test_fallback_soundfont_renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if importlib.util.find_spec(sf_module.FALLBACK_PACKAGE) is None:
        pytest.skip("pretty_midi (which bundles TimGM6mb.sf2) is not installed")
    monkeypatch.delenv(sf_module.ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "DEFAULT_SOUNDFONTS", (tmp_path / "FluidR3_GM.sf2",))
    path, note = sf_module.find_soundfont()
    if path.name != sf_module.FALLBACK_NAME:
        pytest.fail(f"expected the bundled fallback, got {path}")
    assert note is not None and "TimGM6mb" in note
    audio = render_midi(A4)
    assert abs(peak_hz(audio.samples[:SR]) - 440.0) < 4.0


def test_chorus_is_skipped_only_when_nothing_feeds_it() -> None:
    notes = [(0, 60, 0.0, 1.0, 100), (0, 64, 0.5, 1.0, 90)]
    path, _ = find_soundfont()
    assert not _presets_use_chorus(path, frozenset({(0, 0)}))  # piano: no chorus send
    # An NRPN select keeps the chorus running, but feeds it nothing: same samples.
    nrpn = (0.0, mido.Message("control_change", control=99, value=0))
    auto = render_midi(build_midi(notes)).samples
    forced = render_midi(build_midi(notes, extra=[nrpn])).samples
    np.testing.assert_array_equal(auto, forced)


def test_presets_with_chorus_sends_are_recognised() -> None:
    path, _ = find_soundfont()
    if path.name != "FluidR3_GM.sf2":
        pytest.skip("FluidR3_GM.sf2 is not installed")
    assert _presets_use_chorus(path, frozenset({(0, 4)}))  # Rhodes EP
    assert _presets_use_chorus(path, frozenset({(0, 0), (0, 90)}))  # + Polysynth
    assert _presets_use_chorus(path, frozenset({(5, 0)}))  # not in the bank
    assert not _presets_use_chorus(path, frozenset({(0, 0), (0, 48), (0, 33), (128, 0)}))
