"""Text prompts for MusicGen, built from a score (pure function, no torch).

MusicGen was trained on short free-text descriptions of instrumentation, mood, tempo and
key ("lofi slow bpm electro chill with organic samples"), so the prompt names those, in that
order of importance, e.g.::

    intimate solo piano, warm, tender, slow 64 bpm, E minor, gentle arpeggios

The mood words come from the valence/arousal of the sections a span covers, weighted by
their length, so each generation window can be described by its own part of the form while
style, tempo and key stay fixed (the song stays one song).
"""

from __future__ import annotations

from composer.music.model import Part, Section, Song
from composer.music.orchestra import STYLES

# Style names → instrumentation phrase: first the composer's own styles (their names mean
# nothing to MusicGen), then common words a caller may pass. Other styles are used as written.
STYLE_PHRASES: dict[str, str] = {
    "photograph": "intimate solo piano",
    "ensemble": "chamber ensemble, piano and strings, soft bass and pad",
    "lullaby": "music box lullaby, harp and warm pad",
    "piano": "intimate solo piano",
    "solo piano": "intimate solo piano",
    "felt piano": "soft felt piano",
    "strings": "string ensemble",
    "string quartet": "string quartet",
    "chamber": "chamber ensemble, piano and strings",
    "piano and strings": "piano and strings",
    "orchestral": "cinematic orchestra",
    "cinematic": "cinematic orchestra",
    "ambient": "ambient synth pads",
    "lofi": "lo-fi hip hop, mellow electric piano",
    "lo-fi": "lo-fi hip hop, mellow electric piano",
    "guitar": "fingerpicked acoustic guitar",
    "jazz": "jazz trio, piano, upright bass and brushed drums",
    "electronic": "electronic, analog synthesizers",
    "music box": "music box",
}

# General MIDI program families (program // 8) → instrument words.
GM_FAMILIES = (
    "piano",
    "celesta",
    "organ",
    "guitar",
    "bass",
    "strings",
    "string ensemble",
    "brass",
    "saxophone",
    "flute",
    "synth lead",
    "synth pads",
    "synth effects",
    "folk instruments",
    "percussion",
    "sound effects",
)

# Mood adjectives on a 3×3 grid: rows valence low/mid/high, columns arousal low/mid/high.
MOOD_WORDS: tuple[tuple[str, str, str], ...] = (
    ("melancholic, intimate", "wistful, bittersweet", "tense, dramatic"),
    ("calm, reflective", "gentle, contemplative", "restless, driving"),
    ("warm, tender", "warm, hopeful", "joyful, uplifting"),
)

# Accompaniment texture by arousal band (low, mid, high).
TEXTURES = ("gentle arpeggios, sustained chords", "flowing arpeggios", "rhythmic, driving pulse")


def _band(x: float, edge: float = 0.25) -> int:
    """-1..1 → 0 (low), 1 (mid), 2 (high)."""
    if x < -edge:
        return 0
    if x > edge:
        return 2
    return 1


def tempo_word(bpm: float) -> str:
    """A tempo adjective MusicGen's captions use."""
    if bpm < 72:
        return "slow"
    if bpm < 100:
        return "moderate"
    if bpm < 126:
        return "upbeat"
    return "fast"


def _sections_in_span(song: Song, start_s: float, end_s: float) -> list[tuple[Section, float]]:
    """Sections overlapping [start_s, end_s) with their overlap in seconds."""
    sec_per_bar = song.beats_per_bar * 60.0 / song.tempo
    out: list[tuple[Section, float]] = []
    for section in song.sections:
        s0 = section.start_bar * sec_per_bar
        s1 = s0 + section.bars * sec_per_bar
        overlap = min(s1, end_s) - max(s0, start_s)
        if overlap > 0:
            out.append((section, overlap))
    return out


def span_mood(
    song: Song, start_s: float | None = None, end_s: float | None = None
) -> tuple[float, float]:
    """Length-weighted mean (valence, arousal) of the sections in a span (whole song if None)."""
    lo = 0.0 if start_s is None else start_s
    hi = song.duration_s if end_s is None else end_s
    weighted = _sections_in_span(song, lo, hi)
    if not weighted and song.sections:
        # A span past the end (release tail): describe the last section.
        weighted = [(song.sections[-1], 1.0)]
    if not weighted:
        return 0.0, 0.0
    total = sum(w for _, w in weighted)
    valence = sum(s.valence * w for s, w in weighted) / total
    arousal = sum(s.arousal * w for s, w in weighted) / total
    return valence, arousal


def instrumentation(style: str, parts: tuple[Part, ...]) -> str:
    """The instrumentation phrase: the style's phrase, else the style text plus GM families.

    A composer style without a phrase is described by its instruments only: its internal
    name is never put in front of MusicGen.
    """
    norm = " ".join(style.lower().replace("_", " ").split())
    for candidate in (norm, norm.replace("-", " ")):
        if candidate in STYLE_PHRASES:
            return STYLE_PHRASES[candidate]
    if style in STYLES:
        norm = ""
    families: list[str] = []
    for part in parts:
        word = "drums" if part.channel == 9 else GM_FAMILIES[max(0, min(127, part.program)) // 8]
        if word not in families and word not in norm:
            families.append(word)
    instruments = " and ".join(families[:3])
    if norm and instruments:
        return f"{norm}, {instruments}"
    return norm or instruments or "solo piano"


def build_prompt(song: Song, start_s: float | None = None, end_s: float | None = None) -> str:
    """Describe the song (or the span ``start_s``..``end_s`` of it) for MusicGen.

    Parameters
    ----------
    song : Song
        The score: its style, tempo and key, and its sections' valence/arousal.
    start_s, end_s : float, optional
        Describe the mood of this span only (seconds); the whole song by default.

    Returns
    -------
    str
        A one-line prompt such as
        ``"intimate solo piano, warm, tender, slow 64 bpm, E minor, gentle arpeggios"``.
    """
    valence, arousal = span_mood(song, start_s, end_s)
    mood = MOOD_WORDS[_band(valence)][_band(arousal)]
    texture = TEXTURES[_band(arousal, 0.35)]
    pieces = [
        instrumentation(song.style, song.parts),
        mood,
        f"{tempo_word(song.tempo)} {song.tempo} bpm",
        song.key.name,
        texture,
    ]
    whole_song = start_s is None and end_s is None
    if whole_song and len(song.sections) >= 2:
        first, last = song.sections[0], song.sections[-1]
        if last.valence - first.valence > 0.4:
            pieces.append("building to a hopeful ending")
        elif first.valence - last.valence > 0.4:
            pieces.append("fading into melancholy")
    return ", ".join(pieces)
