"""Mood → music: the one table of expressive cues.

Music-psychology cue mapping (Juslin & Laukka 2003; Gabrielsson & Lindström 2010), with
cue weights mode > tempo > register > dynamics > articulation (Eerola, Friberg & Bresin
2013). Every musical choice that depends on the mood is computed here and nowhere else
(v = valence, a = arousal, d = dominance, all -1..1; tension = ½(max(a, 0) + max(-v, 0))):

=============  =========  =====================================================
cue            driven by  mapping
=============  =========  =====================================================
mode           v          v ≥ 0 → major, v < 0 → minor (harmonic-minor V); in an arc,
                          a minor section 0.2 (ARC_STEP) or more brighter than an
                          earlier minor one is dorian (the lightest minor)
key (tonic)    v          brighter (sharper) keys for higher valence
contrast key   v          where the first B section goes: v < -0.75 stays in the dark
                          minor, -0.75..0 the relative major (a glimpse of light),
                          v ≥ 0 stays in the major (its minor chords do the shading)
brightness     v          share of major chords the progressions aim for: minor
                          0.25 (v = -1) … 0.6; major 0.4 … 0.95 (v = +1)
voicing        v          left-hand chords close when sad (v ≤ -0.5: 12 semitones at
                          most; rocking, ostinato and sweep figures inside an octave),
                          open when bright (v ≥ 0.5: a voice an octave up, the rocking
                          and ostinato figures reach the twelfth)
register       v          melody centre 70 + 7v (C#4 at v = -1 … G5 at v = +1), leaning
                          1.5 semitones with the contour (a sigh one more from v =
                          -0.5 down, never below C#4), so that the melody's mean
                          pitch rises 3.5 semitones per half unit of valence (a body
                          section never sits below F4: the left hand's room)
contour        v          falling "sighs" (v < -0.3), arches, rising lines (v > 0.3)
mode colour    v          a modal palette ordered by brightness: phrygian (bII, v = -1),
                          aeolian, dorian (major IV in minor), mixture (the minor iv
                          borrowed at cadences, v ≈ 0), ionian, lydian (major II, v = +1)
tempo          a (+ v)    intimate: 54 bpm at a = -1, 78 at a = 0 (≤ 84), 140 at a = +1
                          (± 3 by valence)
density        a          melody note values: quarter … eighth … 16th; bar rhythms of
                          four densities (held notes and rests … dotted, syncopated)
phrasing       a          slow songs (a < -0.3) are built of 4-bar sections (one
                          phrase each), others of 8-bar periods
variety        a          calm restates the motif (x x x cadence), lively develops
                          it and varies every return (0 … 1)
figure         a          rocking → arpeggio → broken (Alberti, only a > 0.3) → driving
textures       a, metre   the left-hand textures the sections take in turn (3+ per
                          song): sustained, chorale, rocking, waltz, arpeggio, sweep,
                          ostinato, broken, driving
dynamics       a, d,      base velocity 48…96 (+6 d, +12 tension: a quarrel is played
               tension    harder); range widens with tension
articulation   a          legato (0.98 of the note) … detached (0.6)
colour         v, tension ii7–V7 when warm, add9 on I/IV when bright, minor add9 when
                          sad and calm, minor 7ths when tense
suspension     tension, d 4–3 suspensions into cadences when tension > 0.3 or d < -0.4
bass motion    d          held roots (d < -0.3), roots & fifths, passing tones (d > 0.3)
metre          a, v       3/4 for calm & tender (a < -0.3, v > 0.2), else 4/4
=============  =========  =====================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from composer.music.model import Key

# Tonic pitch classes from darker to brighter (circle of fifths, flats to sharps).
MAJOR_TONICS = (5, 0, 7, 2, 9, 4)  # F C G D A E
MINOR_TONICS = (5, 0, 7, 2, 9, 4)  # f c g d a e
FIGURES = ("rocking", "arpeggio", "broken", "driving")
COLOURS = ("phrygian", "aeolian", "dorian", "mixture", "ionian", "lydian")
CONTRASTS = ("home", "relative")
LOWEST = 61  # C#4: the lowest melody centre (v = -1)
ARC_STEP = 0.2  # valence apart at which two sections of an arc must sound apart


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
        Chord colour: "plain", "seventh", "add9", "sus" (minor add9), "tense".
    bass_motion : str
        "pedal", "roots" or "passing".
    time_signature : tuple of int
    brightness : float
        Share of major chords (time-weighted) the progressions aim for, 0..1.
    contrast : str
        Key of contrasting (B) sections of a single-mood song: "home" or "relative".
    contour : int
        Melodic direction: -1 falling, 0 arch, +1 rising.
    suspension : bool
        Delay the melody's cadence note with a 4–3 suspension (tension, submission).
    variety : float
        0..1: how much the melody develops and varies its motif rather than restating it.
    section_bars : int
        Length of a formal section: 8 (a period of two phrases) or 4 (one phrase).
    density : int
        0 (calm: held notes, rests) … 3 (lively: dotted and syncopated eighths): which
        bar rhythms melody lines use.
    textures : tuple of str
        Left-hand textures the song's sections take in turn.
    mode_colour : str
        One of :data:`COLOURS`: the modal colour (borrowed chords) within major/minor.
    voicing_spread : int
        The widest the left hand's chord tones may be voiced, semitones.
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
    brightness: float = 0.7
    contrast: str = "home"
    contour: int = 0
    suspension: bool = False
    variety: float = 0.5
    section_bars: int = 8
    density: int = 2
    textures: tuple[str, ...] = ("rocking", "arpeggio", "sustained")
    mode_colour: str = "ionian"
    voicing_spread: int = 14


def _centre(v: float, contour: int) -> int:
    """The melody's centre (MIDI pitch): 70 + 7v, leaning 1.5 semitones with the
    contour (a rising line starts below its centre and a falling one above it, so the
    line's mean pitch, not only its centre, rises with valence); a sigh sinks one
    semitone further once v is -0.5 or less (v = -0.5 then sits 3+ semitones under
    v = 0 even where its notes stay above the floor), never below C#4 (v = -1)."""
    sink = max(-1.0, min(0.0, 5 * (v + 0.3)))
    return max(LOWEST, math.floor(70 + 7 * v + 1.5 * contour + sink + 0.5))


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))


def _figure(a: float) -> str:
    """The song's main figure (see :data:`FIGURES`); Alberti only above a = 0.3."""
    if a < -0.3:
        return "rocking"
    if a <= 0.3:
        return "arpeggio"
    return "broken" if a <= 0.7 else "driving"


def _step(a: float) -> float:
    """Melody note value (beats) for an arousal: slower values when calm."""
    if a < -0.2:
        return 1.0
    if a < 0.1:
        return 0.5
    if a < 0.6:
        return 0.5
    return 0.25 if a > 0.85 else 0.5


def _textures(a: float, waltz: bool) -> tuple[str, ...]:
    """The left-hand textures for an arousal: intimate ones when calm, Alberti only
    above a = 0.3, driving ones when aroused."""
    if a < -0.3:
        return (
            ("waltz", "rocking", "sustained", "arpeggio")
            if waltz
            else ("rocking", "sustained", "arpeggio", "chorale")
        )
    if a <= 0.3:
        return (
            ("waltz", "arpeggio", "ostinato", "sweep")
            if waltz
            else ("rocking", "arpeggio", "ostinato", "sweep")
        )
    if a <= 0.7:
        return ("arpeggio", "broken", "ostinato", "sweep")
    return ("driving", "broken", "sweep", "arpeggio")


def mode_colour(v: float) -> str:
    """The modal colour for a valence (see :data:`COLOURS`)."""
    if v >= 0.0:
        return "lydian" if v >= 0.75 else ("ionian" if v >= 0.25 else "mixture")
    return "phrygian" if v <= -0.85 else ("aeolian" if v <= -0.6 else "dorian")


def _colour(v: float, a: float, tension: float) -> str:
    if tension > 0.45:
        return "tense"
    if v > 0.55:
        return "add9"
    if v > 0.15:
        return "seventh"
    if v < -0.3 and a < 0:
        return "sus"
    return "plain"


def cues(valence: float, arousal: float, dominance: float = 0.0) -> Cues:
    """Map one mood point (each -1..1) to musical cues (see the module table)."""
    v, a, d = _clip(valence), _clip(arousal), _clip(dominance)
    tension = 0.5 * (max(0.0, a) + max(0.0, -v))
    a01 = (a + 1) / 2
    major = v >= 0.0
    if major:
        brightness = 0.4 + 0.55 * v
        contrast = "home"
    else:
        brightness = 0.6 + 0.35 * v
        contrast = "relative" if v >= -0.75 else "home"
    contour = -1 if v < -0.3 else (1 if v > 0.3 else 0)
    return Cues(
        major=major,
        tempo=round(78 + (24 if a < 0 else 62) * a + 3 * v),
        melody_step=_step(a),
        figure=_figure(a),
        melody_centre=_centre(v, contour),
        velocity=round(48 + 48 * a01 + 6 * d + 12 * tension),
        velocity_range=round(8 + 14 * tension + 6 * a01),
        articulation=round(0.98 - 0.38 * max(0.0, a), 3),
        colour=_colour(v, a, tension),
        bass_motion="pedal" if d < -0.3 else ("passing" if d > 0.3 else "roots"),
        time_signature=(3, 4) if (a < -0.3 and v > 0.2) else (4, 4),
        brightness=round(brightness, 3),
        contrast=contrast,
        contour=contour,
        suspension=tension > 0.3 or d < -0.4,
        variety=round(a01, 3),
        section_bars=4 if a < -0.3 else 8,
        density=0 if a < -0.5 else (1 if a < 0 else (2 if a < 0.5 else 3)),
        textures=_textures(a, a < -0.3 and v > 0.2),
        mode_colour=mode_colour(v),
        voicing_spread=round(14 + 4 * v),
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
