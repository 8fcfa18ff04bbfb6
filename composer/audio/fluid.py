"""A small ctypes binding to libfluidsynth: one offline synthesizer writing float32 frames.

pyfluidsynth locates the library on every platform, but its wrappers convert through
int16 and add per-call Python checks; rendering needs ``fluid_synth_write_float``
straight into a NumPy buffer, so the dozen functions used here are declared directly.
The common shared-library names are tried first (a plain ``dlopen``), and pyfluidsynth's
finder only when they fail: that skips its ``ldconfig`` probe on the usual systems.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_double, c_int, c_void_p
from pathlib import Path

import numpy as np

from composer.errors import EngineUnavailableError, OptionError

LIB_HINT = "apt-get install fluidsynth fluid-soundfont-gm"
PY_HINT = "pip install pyfluidsynth"

# Event kinds understood by :meth:`FluidSynth.send` (see composer.audio.midievents).
NOTE_ON, NOTE_OFF, CONTROL, PROGRAM, PITCH_BEND, CHANNEL_PRESSURE, KEY_PRESSURE = range(7)

#: fluidsynth renders in blocks of this many frames; events land on block boundaries.
BLOCK = 64

# Sample interpolation (fluid_interp): none, linear, 4th order (fluidsynth's default), 7th.
INTERP_NONE, INTERP_LINEAR, INTERP_4TH, INTERP_7TH = 0, 1, 4, 7

_SONAMES = {
    "linux": ("libfluidsynth.so.3", "libfluidsynth.so.2"),
    "darwin": ("libfluidsynth.3.dylib", "libfluidsynth.dylib"),
    "win32": ("libfluidsynth-3.dll", "fluidsynth-3.dll", "libfluidsynth-2.dll"),
}

_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()
#: Synths are created (SoundFont loaded) one at a time: two threads loading the same
#: SoundFont at once (fluidsynth 2.3, dynamic sample loading) sometimes gave a synth
#: whose samples played ~12 dB too loud (see tests/audio/test_parallel.py).
_create_lock = threading.Lock()


def load_library() -> ctypes.CDLL:
    """Load libfluidsynth once per process and declare the functions used.

    Raises
    ------
    EngineUnavailableError
        The library (or, when it is not at a standard name, pyfluidsynth) is missing,
        or it is older than FluidSynth 2.
    """
    global _lib
    with _lib_lock:
        if _lib is None:
            lib = _open_library()
            _declare(lib)
            major = c_int()
            lib.fluid_version(ctypes.byref(major), ctypes.byref(c_int()), ctypes.byref(c_int()))
            if major.value < 2:
                raise EngineUnavailableError(
                    f"FluidSynth {major.value}.x is too old (need 2.x); {LIB_HINT}"
                )
            for level in range(1, 5):  # keep PANIC; errors are reported by our own checks
                lib.fluid_set_log_function(level, None, None)
            _lib = lib
        return _lib


def _open_library() -> ctypes.CDLL:
    for name in _SONAMES.get(sys.platform, _SONAMES["linux"]):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    try:
        import fluidsynth as pyfluidsynth  # its import runs the cross-platform finder
    except ModuleNotFoundError as exc:
        if exc.name == "fluidsynth":
            raise EngineUnavailableError(
                f"libfluidsynth not found and pyfluidsynth is not installed; {LIB_HINT} "
                f"and {PY_HINT}"
            ) from None
        raise EngineUnavailableError(f"pyfluidsynth cannot load: {exc}; {PY_HINT}") from None
    except (ImportError, OSError):
        raise EngineUnavailableError(f"libfluidsynth not found; {LIB_HINT}") from None
    path = getattr(pyfluidsynth, "lib", None)
    if not isinstance(path, str):
        raise EngineUnavailableError(f"pyfluidsynth is not the expected package; {PY_HINT}")
    try:
        return ctypes.CDLL(path)
    except OSError:
        raise EngineUnavailableError(f"libfluidsynth cannot be loaded; {LIB_HINT}") from None


def _declare(lib: ctypes.CDLL) -> None:
    def proto(name: str, restype: type | None, *argtypes: type) -> None:
        func = getattr(lib, name)
        func.restype = restype
        func.argtypes = list(argtypes)

    p = c_void_p
    proto("fluid_version", None, POINTER(c_int), POINTER(c_int), POINTER(c_int))
    proto("fluid_set_log_function", p, c_int, p, p)
    proto("new_fluid_settings", p)
    proto("delete_fluid_settings", None, p)
    proto("fluid_settings_setint", c_int, p, c_char_p, c_int)
    proto("fluid_settings_setnum", c_int, p, c_char_p, c_double)
    proto("new_fluid_synth", p, p)
    proto("delete_fluid_synth", None, p)
    proto("fluid_synth_sfload", c_int, p, c_char_p, c_int)
    proto("fluid_synth_noteon", c_int, p, c_int, c_int, c_int)
    proto("fluid_synth_noteoff", c_int, p, c_int, c_int)
    proto("fluid_synth_cc", c_int, p, c_int, c_int, c_int)
    proto("fluid_synth_program_change", c_int, p, c_int, c_int)
    proto("fluid_synth_pitch_bend", c_int, p, c_int, c_int)
    proto("fluid_synth_channel_pressure", c_int, p, c_int, c_int)
    proto("fluid_synth_key_pressure", c_int, p, c_int, c_int, c_int)
    proto("fluid_synth_write_float", c_int, p, c_int, p, c_int, c_int, p, c_int, c_int)
    proto("fluid_synth_set_interp_method", c_int, p, c_int, c_int)
    if hasattr(lib, "fluid_synth_chorus_on"):  # 2.2+
        proto("fluid_synth_chorus_on", c_int, p, c_int, c_int)
    else:
        proto("fluid_synth_set_chorus_on", None, p, c_int)


class FluidSynth:
    """One fluidsynth instance with one SoundFont loaded, rendering offline.

    A fresh instance renders deterministically; reusing one after other notes leaves
    per-voice filter state behind, so :mod:`composer.audio.synth` uses each instance for
    one render. SoundFont sample data stays shared between instances of a process
    through fluidsynth's sample cache, so a new instance costs only the preset parse.

    Parameters
    ----------
    soundfont : Path
        The .sf2/.sf3 file.
    sample_rate : int
        Output frames per second.
    settings : dict of str to int or float
        fluidsynth settings (``synth.*``) applied before the synth is created.
    interpolation : int
        One of the ``INTERP_*`` constants, for all channels.
    """

    def __init__(
        self,
        soundfont: Path,
        sample_rate: int,
        settings: dict[str, int | float],
        interpolation: int = INTERP_4TH,
    ) -> None:
        self._lib = load_library()
        self._settings: int | None = self._lib.new_fluid_settings()
        self._synth: int | None = None
        if not self._settings:
            raise EngineUnavailableError("fluidsynth could not allocate its settings")
        self._set("synth.sample-rate", float(sample_rate))
        for key, value in settings.items():
            self._set(key, value)
        with _create_lock:
            self._synth = self._lib.new_fluid_synth(self._settings)
            loaded = bool(self._synth) and (
                self._lib.fluid_synth_sfload(self._synth, os.fsencode(soundfont), 1) >= 0
            )
        if not self._synth:
            self.close()
            raise EngineUnavailableError("fluidsynth could not create a synthesizer")
        if not loaded:
            self.close()
            raise OptionError(f"not a SoundFont fluidsynth can load: {soundfont}")
        if self._lib.fluid_synth_set_interp_method(self._synth, -1, interpolation) != 0:
            self.close()
            raise OptionError(f"unknown interpolation method {interpolation}")
        synth = self._synth
        lib = self._lib
        self._senders = (
            lambda ch, a, b: lib.fluid_synth_noteon(synth, ch, a, b),
            lambda ch, a, b: lib.fluid_synth_noteoff(synth, ch, a),
            lambda ch, a, b: lib.fluid_synth_cc(synth, ch, a, b),
            lambda ch, a, b: lib.fluid_synth_program_change(synth, ch, a),
            lambda ch, a, b: lib.fluid_synth_pitch_bend(synth, ch, a),
            lambda ch, a, b: lib.fluid_synth_channel_pressure(synth, ch, a),
            lambda ch, a, b: lib.fluid_synth_key_pressure(synth, ch, a, b),
        )

    def _set(self, key: str, value: int | float) -> None:
        name = key.encode()
        if isinstance(value, float):
            ok = self._lib.fluid_settings_setnum(self._settings, name, value)
        else:
            ok = self._lib.fluid_settings_setint(self._settings, name, int(value))
        if ok != 0:
            raise OptionError(f"fluidsynth rejected setting {key}={value!r}")

    def send(self, kind: int, channel: int, a: int, b: int) -> None:
        """Apply one MIDI event (``kind`` from this module's constants) at the current time."""
        self._senders[kind](channel, a, b)

    def set_chorus(self, on: bool) -> None:
        """Switch the chorus unit on or off (it costs time even when nothing feeds it)."""
        if hasattr(self._lib, "fluid_synth_chorus_on"):
            self._lib.fluid_synth_chorus_on(self._synth, -1, int(on))
        else:
            self._lib.fluid_synth_set_chorus_on(self._synth, int(on))

    def write(self, out: np.ndarray, start: int, stop: int) -> None:
        """Render frames ``start:stop`` into ``out`` (C-contiguous float32, frames x 2)."""
        count = stop - start
        if count <= 0:
            return
        base = out.ctypes.data
        left = 2 * start
        if self._lib.fluid_synth_write_float(self._synth, count, base, left, 2, base, left + 1, 2):
            raise RuntimeError("fluid_synth_write_float failed")

    def close(self) -> None:
        """Free the synthesizer and its settings (idempotent)."""
        if self._synth:
            with _create_lock:  # frees samples in the cache another synth may be loading
                self._lib.delete_fluid_synth(self._synth)
            self._synth = None
        if self._settings:
            self._lib.delete_fluid_settings(self._settings)
            self._settings = None

    def __del__(self) -> None:
        # Best effort when an instance is dropped without close() (e.g. an exception).
        if getattr(self, "_lib", None) is not None:
            self.close()
