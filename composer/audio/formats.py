"""The audio file formats, defined once: name, extension, content type, libsndfile codec.

The CLI's ``--audio`` choices, the web API's ``audio`` field and download routes, the
encoder (:mod:`composer.audio.files`) and the web's on-demand conversion all read
:data:`FORMATS`. No imports beyond the standard library: the CLI reads it for its option
choices before anything heavy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.errors import OptionError

__all__ = [
    "AUDIO_FORMATS",
    "DEFAULT_FORMAT",
    "EXTENSIONS",
    "FORMATS",
    "WEB_FORMAT",
    "AudioFormat",
    "audio_format",
    "format_of_file",
]


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """One audio file format.

    Attributes
    ----------
    name : str
        What users type (``--audio NAME``, ``"audio": NAME``, ``/audio.NAME``).
    extension : str
        The saved file's extension, with its dot (``song.ogg``, ``song.opus``).
    content_type : str
        The HTTP ``Content-Type`` (and the ``<source type>`` a page can test).
    container, subtype : str
        libsndfile's major format and subtype (``soundfile`` names).
    label : str
        For people: ``"Ogg Vorbis"``.
    sample_rates : tuple of int
        The only sample rates the codec takes (Opus: 48 kHz and its divisors); empty:
        any rate.
    on_demand : bool
        The web converts a song's saved audio to this format when it is asked for
        (decoded and encoded at the saved rate, so only formats taking any rate).
    """

    name: str
    extension: str
    content_type: str
    container: str
    subtype: str
    label: str
    sample_rates: tuple[int, ...] = ()
    on_demand: bool = False

    def rate_for(self, sample_rate: int) -> int:
        """The rate to encode audio rendered at ``sample_rate`` with: itself when the
        codec takes it, else the lowest accepted rate above it (else the highest)."""
        if not self.sample_rates or sample_rate in self.sample_rates:
            return sample_rate
        above = [r for r in self.sample_rates if r >= sample_rate]
        return min(above) if above else max(self.sample_rates)


FORMATS: dict[str, AudioFormat] = {
    f.name: f
    for f in (
        AudioFormat("wav", ".wav", "audio/wav", "WAV", "PCM_16", "WAV", on_demand=True),
        AudioFormat("ogg", ".ogg", "audio/ogg", "OGG", "VORBIS", "Ogg Vorbis", on_demand=True),
        AudioFormat("flac", ".flac", "audio/flac", "FLAC", "PCM_16", "FLAC", on_demand=True),
        AudioFormat("mp3", ".mp3", "audio/mpeg", "MP3", "MPEG_LAYER_III", "MP3"),
        # RFC 7845: Ogg Opus is audio/ogg, saved as .opus; the codecs parameter lets a
        # browser tell it from Vorbis before it downloads anything.
        AudioFormat(
            "opus",
            ".opus",
            "audio/ogg; codecs=opus",
            "OGG",
            "OPUS",
            "Ogg Opus",
            sample_rates=(8000, 12000, 16000, 24000, 48000),
        ),
    )
}
#: Format names, in the order options list them.
AUDIO_FORMATS: tuple[str, ...] = tuple(FORMATS)
#: The saved files' extensions (``.ogg`` ...): how an album tells its audio file.
EXTENSIONS = frozenset(f.extension for f in FORMATS.values())
#: What ``photograph compose`` writes unless ``--audio`` says otherwise.
DEFAULT_FORMAT = "ogg"
#: What the web API saves (and its page streams) unless a request's ``audio`` says
#: otherwise. Ogg Vorbis: for a 124 s song Opus came out 5 % smaller (1.88 vs 1.98 MB),
#: as close to the source (loudness within 0.02 LU, 1/3-octave bands within 0.44 vs
#: 0.68 dB) and, through the system libsndfile, 6 % quicker to encode (1.11 vs 1.19
#: CPU-s; it needs a 48 kHz render, ~9 % more synth work) — but 3.8 CPU-s through
#: soundfile's bundled library, and older Safari cannot play it (the page then fetches
#: Vorbis made from it). Too small and conditional a gain to switch the default for.
#: ``bench/e2e.py --formats`` prints these figures.
WEB_FORMAT = "ogg"


def audio_format(name: str) -> AudioFormat:
    """The format called ``name`` (case-insensitive).

    Raises
    ------
    OptionError
        No such format (the message lists them).
    """
    if not isinstance(name, str):
        raise TypeError(f"format must be a string, not {type(name).__name__}")
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise OptionError(
            f"unknown audio format {name!r}; choose one of: {', '.join(AUDIO_FORMATS)}"
        ) from None


def format_of_file(name: str) -> AudioFormat:
    """The format a file name's extension names (``song.opus`` -> Opus).

    Raises
    ------
    OptionError
        No extension, or not one of :data:`EXTENSIONS` (the message lists them).
    """
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > 0 else ""
    for spec in FORMATS.values():
        if spec.extension == extension:
            return spec
    raise OptionError(
        f"cannot tell the audio format of {name!r}; end it in one of: "
        + ", ".join(f.extension for f in FORMATS.values())
    )
