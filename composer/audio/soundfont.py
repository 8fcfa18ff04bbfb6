"""Finding a General MIDI SoundFont: explicit path, environment, system bank, bundled fallback."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from composer.errors import EngineUnavailableError, NotFoundError

#: Environment variable that names a SoundFont (.sf2/.sf3) to use instead of the default.
ENV_VAR = "PHOTOGRAPH_SOUNDFONT"

#: The FluidR3 General MIDI bank: Debian/Ubuntu ``fluid-soundfont-gm``, then Fedora/Arch paths.
DEFAULT_SOUNDFONTS: tuple[Path, ...] = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM2-2.sf2"),
)

#: Small GM bank shipped inside the pretty_midi package (found without importing it).
FALLBACK_PACKAGE = "pretty_midi"
FALLBACK_NAME = "TimGM6mb.sf2"

INSTALL_HINT = "apt-get install fluidsynth fluid-soundfont-gm"


def find_soundfont(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, str | None]:
    """Locate the SoundFont to render with.

    Order: ``explicit``, then ``$PHOTOGRAPH_SOUNDFONT``, then :data:`DEFAULT_SOUNDFONTS`,
    then pretty_midi's bundled ``TimGM6mb.sf2``.

    Parameters
    ----------
    explicit : str or os.PathLike, optional
        A SoundFont path chosen by the user (``--soundfont``).

    Returns
    -------
    (Path, str or None)
        The SoundFont path and, when the small fallback bank is used, a one-line note
        the front end can print; ``None`` otherwise.

    Raises
    ------
    NotFoundError
        ``explicit`` or the environment variable names a file that does not exist.
    EngineUnavailableError
        No SoundFont at all is installed.
    """
    if explicit is not None:
        if not isinstance(explicit, (str, os.PathLike)):
            raise TypeError(f"soundfont must be a path, not {type(explicit).__name__}")
        return _existing(Path(explicit), "SoundFont"), None
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _existing(Path(from_env), f"SoundFont from ${ENV_VAR}"), None
    for candidate in DEFAULT_SOUNDFONTS:
        if candidate.is_file():
            return candidate, None
    fallback = _bundled_fallback()
    if fallback is not None:
        note = (
            f"FluidR3_GM.sf2 not found; using the small {FALLBACK_NAME} bank from "
            f"{FALLBACK_PACKAGE} (for better sound: {INSTALL_HINT})"
        )
        return fallback, note
    raise EngineUnavailableError(
        f"no General MIDI SoundFont found; install one with: {INSTALL_HINT} "
        f"(or pass --soundfont / set ${ENV_VAR})"
    )


def _existing(path: Path, what: str) -> Path:
    path = path.expanduser()
    if not path.is_file():
        raise NotFoundError(f"{what} not found: {path}")
    return path


def _bundled_fallback() -> Path | None:
    """Path of pretty_midi's TimGM6mb.sf2, located without importing pretty_midi."""
    try:
        spec = importlib.util.find_spec(FALLBACK_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / FALLBACK_NAME
        if candidate.is_file():
            return candidate
    return None
