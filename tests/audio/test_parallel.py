"""render_parts: time slices on their own synths, against one synth rendering it all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

from composer.audio import fluid
from composer.audio.loudness import integrated_loudness
from composer.audio.model import Audio
from composer.audio.parallel import PREROLL_S, render_parts
from composer.audio.synth import render_midi

from .midi_helpers import build_midi, needs_fluidsynth

needs_fluidsynth()
RATE = 8000


def ballad(bars: int = 16) -> bytes:
    """Piano with the sustain pedal down over each bar, a string pad held four bars at a
    time (across slice boundaries), a bass, a volume swell and a pitch bend."""
    notes = []
    for bar in range(bars):
        root = (48, 53, 55, 45)[bar % 4]
        for step in range(8):
            notes.append((0, root + 12 + (0, 4, 7, 12)[step % 4], bar * 4 + step / 2, 0.4, 70))
        notes.append((2, root - 12, bar * 4.0, 3.5, 90))
    for group in range(0, bars, 4):
        notes += [(1, p, group * 4.0, 16.0, 55) for p in (60, 64, 67)]

    extra = [(bar * 4.0, mido.Message("control_change", channel=0, control=64, value=127))
             for bar in range(bars)]  # fmt: skip
    extra += [(bar * 4.0 + 3.9, mido.Message("control_change", channel=0, control=64, value=0))
              for bar in range(bars)]  # fmt: skip
    extra += [(b * 0.5, mido.Message("control_change", channel=1, control=7, value=60 + b))
              for b in range(60)]  # fmt: skip
    extra += [(20.0, mido.Message("pitchwheel", channel=2, pitch=2000))]
    return build_midi(notes, programs={0: 0, 1: 48, 2: 33}, bpm=96, extra=extra)


@pytest.fixture(scope="module")
def song() -> bytes:
    return ballad()


@pytest.fixture(scope="module")
def serial(song: bytes) -> Audio:
    return render_midi(song, sample_rate=RATE, threads=1)


def test_one_part_is_the_serial_render(song: bytes, serial: Audio) -> None:
    one = render_parts(song, sample_rate=RATE, parts=1)
    np.testing.assert_array_equal(one.samples, serial.samples)


@pytest.mark.parametrize("parts", [2, 3])
def test_parts_match_the_serial_render(song: bytes, serial: Audio, parts: int) -> None:
    split = render_parts(song, sample_rate=RATE, parts=parts)
    assert split.samples.shape == serial.samples.shape and split.sample_rate == RATE
    assert split.samples.dtype == np.float32
    blocks = -(-serial.samples.shape[0] // fluid.BLOCK)
    first = blocks // parts * fluid.BLOCK
    # The first slice is the same synth doing the same work: exactly equal.
    np.testing.assert_array_equal(split.samples[:first], serial.samples[:first])
    # The rest: the same music, the loudness within a few hundredths of a LU.
    assert integrated_loudness(split) == pytest.approx(integrated_loudness(serial), abs=0.05)
    diff = split.samples.astype(np.float64) - serial.samples
    rms = np.sqrt(np.mean(serial.samples.astype(np.float64) ** 2))
    assert np.sqrt(np.mean(diff**2)) < 0.4 * rms  # held notes restart: phases differ
    # Per second, the level never strays by more than 1.5 dB.
    seconds = serial.samples.shape[0] // RATE

    def level(x: np.ndarray) -> np.ndarray:
        per = x[: seconds * RATE].reshape(seconds, RATE, 2).astype(np.float64)
        return 10 * np.log10(np.mean(per**2, axis=(1, 2)) + 1e-12)

    loud = level(serial.samples) > level(serial.samples).max() - 30
    assert np.abs(level(split.samples) - level(serial.samples))[loud].max() < 1.5


def test_without_preroll_the_boundary_loses_the_held_notes(song: bytes, serial: Audio) -> None:
    # The pre-roll is what keeps the parts close: without it the slice starts silent.
    bare = render_parts(song, sample_rate=RATE, parts=2, preroll_s=0.0)
    with_preroll = render_parts(song, sample_rate=RATE, parts=2)

    def error(x: Audio) -> float:
        return float(np.sqrt(np.mean((x.samples.astype(np.float64) - serial.samples) ** 2)))

    assert error(with_preroll) < error(bare)
    assert PREROLL_S > 0


def test_short_songs_and_bad_parts() -> None:
    tiny = build_midi([(0, 60, 0.0, 0.5, 90)])
    audio = render_parts(tiny, sample_rate=RATE, parts=4)
    np.testing.assert_array_equal(
        audio.samples, render_midi(tiny, sample_rate=RATE, threads=1).samples
    )
    for bad in (0, 17, 1.5, True):
        with pytest.raises(ValueError):
            render_parts(tiny, sample_rate=RATE, parts=bad)  # type: ignore[arg-type]


FIRST_RENDER = """
import sys
sys.path.insert(0, {root!r})
from tests.audio.test_parallel import ballad
from composer.audio.loudness import integrated_loudness
from composer.audio.parallel import render_parts
print(integrated_loudness(render_parts(ballad(), sample_rate=8000, parts=2)))
"""


@pytest.mark.slow
def test_synths_created_side_by_side_in_a_fresh_process_sound_right(serial: Audio) -> None:
    # Two threads loading the SoundFont at once once gave a synth playing ~12 dB too
    # loud, about one fresh process in four: the first render of a process, repeated.
    root = str(Path(__file__).resolve().parents[2])
    want = integrated_loudness(serial)
    for _ in range(6):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_RENDER.format(root=root)],
            capture_output=True, text=True, check=True, cwd=root,
        )  # fmt: skip
        assert float(out.stdout) == pytest.approx(want, abs=0.1)
