"""Mood → music: the one table of expressive cues.

Music-psychology cue mapping (Juslin & Laukka 2003; Gabrielsson & Lindström 2010), with
cue weights mode > tempo > register > dynamics > articulation (Eerola, Friberg & Bresin
2013). Every musical choice that depends on the mood is computed here and nowhere else:

=============  ==========================  ==============================================
cue            driven by                   mapping
=============  ==========================  ==============================================
mode           valence                     v ≥ 0 → major, v < 0 → minor
key (tonic)    valence (brightness)        brighter (sharper) keys for higher valence
tempo          arousal (+ a little v)      58 bpm at a = -1 … 148 bpm at a = +1
density        arousal                     melody note values: half/quarter … eighth/16th
figure         arousal                     sustained → arpeggio → broken 8ths → driving
register       valence                     melody centre from G4 (v = -1) to D5 (v = +1)
dynamics       arousal, dominance          base velocity 48…96, range widens with tension
articulation   arousal                     legato (0.98 of the note) … detached (0.6)
colour         valence, tension            7ths/add9 when bright, sus4 / dim when tense
bass motion    dominance                   pedal roots (low) … passing tones (high)
metre          arousal, valence            3/4 for calm & tender (lullaby), else 4/4
=============  ==========================  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.music.model import Key

# Tonic pitch classes from darker to brighter (circle of fifths, flats to sharps).
MAJOR_TONICS = (5, 0, 7, 2, 9, 4)  # F C G D A E
MINOR_TONICS = (5, 0, 7, 2, 9, 4)  # f c g d a e
FIGURES = ("sustained", "arpeggio", "broken", "driving")


@dataclass(frozen=True, slots=True)
class Cues:
    """The musical parameters one mood point asks for.

    Attributes
    ----------
    major : bool
        Major (True) or minor mode.
    tempo : int
        Beats per minute.
    melody_step : float
        Typical melody note value in beats (2.0 half notes … 0.25 sixteenths).
    figure : str
        Accompaniment figure, one of :data:`FIGURES`.
    melody_centre : int
        MIDI pitch the melody gravitates around.
    velocity : int
        Base MIDI velocity.
    velocity_range : int
        How far phrase shaping moves the velocity up and down.
    articulation : float
        Fraction of the written duration that sounds.
    colour : str
        Chord colour: "plain", "seventh", "add9", "sus", "tense".
    bass_motion : str
        "pedal", "roots" or "passing".
    time_signature : tuple of int
    """

    major: bool
    tempo: int
    melody_step: float
    figure: str
    melody_centre: int
    velocity: int
    velocity_range: int
    articulation: float
    colour: str
    bass_motion: str
    time_signature: tuple[int, int]


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))


def cues(valence: float, arousal: float, dominance: float = 0.0) -> Cues:
    """Map one mood point (each -1..1) to musical cues."""
    v, a, d = _clip(valence), _clip(arousal), _clip(dominance)
    tension = 0.5 * (max(0.0, a) + max(0.0, -v))
    a01 = (a + 1) / 2
    if a < -0.45:
        step = 1.0 if a > -0.8 else 2.0
    elif a < 0.1:
        step = 1.0 if a < -0.2 else 0.5
    elif a < 0.6:
        step = 0.5
    else:
        step = 0.25 if a > 0.85 else 0.5
    figure = FIGURES[min(3, int(a01 * 4))]
    if tension > 0.45:
        colour = "tense"
    elif v > 0.55:
        colour = "add9"
    elif v > 0.15:
        colour = "seventh"
    elif v < -0.3 and a < 0:
        colour = "sus"
    else:
        colour = "plain"
    return Cues(
        major=v >= 0.0,
        tempo=int(round(58 + 45 * (a + 1) + 4 * v)),
        melody_step=step,
        figure=figure,
        melody_centre=int(round(69.5 + 2.5 * v)),
        velocity=int(round(48 + 48 * a01 + 6 * d)),
        velocity_range=int(round(8 + 14 * tension + 6 * a01)),
        articulation=round(0.98 - 0.38 * max(0.0, a), 3),
        colour=colour,
        bass_motion="pedal" if d < -0.3 else ("passing" if d > 0.3 else "roots"),
        time_signature=(3, 4) if (a < -0.3 and v > 0.2) else (4, 4),
    )


def home_key(valence: float, choice: int) -> Key:
    """The song's key: mode from valence, tonic from a brightness band of three keys.

    ``choice`` (any int, e.g. from the seed) picks among the three neighbouring keys of
    the band, so different seeds give different keys of the same colour.
    """
    v = _clip(valence)
    tonics = MAJOR_TONICS if v >= 0 else MINOR_TONICS
    # Brightness 0..1 inside the mode's half of the valence axis.
    bright = v if v >= 0 else 1 + v
    band = min(len(tonics) - 3, int(bright * (len(tonics) - 2)))
    tonic = tonics[band + choice % 3]
    return Key(tonic, "major" if v >= 0 else "minor")


def relative_key(key: Key) -> Key:
    """The relative major/minor: same key signature, other mode."""
    if key.mode == "major":
        return Key((key.tonic + 9) % 12, "minor")
    return Key((key.tonic + 3) % 12, "major")
