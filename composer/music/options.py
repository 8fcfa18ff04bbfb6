"""What a user may choose about a song (style, length, seed, mood overrides)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from composer.errors import OptionError
from composer.music.orchestra import STYLES

MIN_LENGTH_S, MAX_LENGTH_S = 10.0, 600.0


@dataclass(frozen=True, slots=True)
class SongOptions:
    """What the user may choose. ``valence``/``arousal`` override the analysed mood."""

    seed: int = 0
    length_s: float = 90.0
    style: str = "photograph"
    valence: float | None = None
    arousal: float | None = None
    humanize: bool = False
    title: str = "Photograph"

    def validate(self) -> None:
        """Raise :class:`OptionError` for values out of range."""
        if self.style not in STYLES:
            raise OptionError(f"unknown style {self.style!r}; choose one of: {', '.join(STYLES)}")
        if not MIN_LENGTH_S <= self.length_s <= MAX_LENGTH_S:
            raise OptionError(f"length must be {MIN_LENGTH_S:g}..{MAX_LENGTH_S:g} seconds")
        for name in ("valence", "arousal"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise OptionError(f"{name} must be between -1 and 1")
