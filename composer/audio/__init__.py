"""Audio: the :class:`Audio` type, the SoundFont synthesizer, loudness and file writing."""

from __future__ import annotations

from composer.audio.model import Audio

__all__ = ["Audio"]
