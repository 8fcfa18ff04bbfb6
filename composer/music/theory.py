"""Music theory helpers: scale degrees, chords from roman numerals, voice leading.

Pitches are MIDI numbers; pitch classes are 0..11 (C = 0). Scale degrees are 0-based
(0 = tonic) and may run past 6 into the next octave, or below 0.
"""

from __future__ import annotations

from functools import lru_cache

from composer.music.model import MODES, NOTE_NAMES, Key

# Roman numeral -> (scale degree of the root, chord quality). Qualities are interval sets
# above the root; the "V" in minor is the harmonic-minor major dominant (leading tone).
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dom7": (0, 4, 7, 10),
    "sus4": (0, 5, 7),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "7b9": (0, 4, 10, 13),  # the fifth left out: the flat ninth sits where it is heard
}
SUFFIX = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "maj7": "maj7",
    "min7": "m7",
    "dom7": "7",
    "sus4": "sus4",
    "add9": "add9",
    "madd9": "m(add9)",
    "7b9": "7b9",
}


def degree_pitch(key: Key, degree: int, octave_c: int = 60) -> int:
    """MIDI pitch of a (0-based, unbounded) scale degree, counting up from the tonic
    in the octave that starts at ``octave_c`` (60 = middle C's octave)."""
    steps = MODES[key.mode]
    octave, idx = divmod(degree, 7)
    return octave_c + key.tonic + 12 * octave + steps[idx]


def nearest_degree(key: Key, pitch: int) -> int:
    """The scale degree whose pitch is closest to ``pitch`` (ties go down)."""
    base = (pitch - 60 - key.tonic) // 12 * 7
    best = min(range(base - 7, base + 15), key=lambda d: (abs(degree_pitch(key, d) - pitch), d))
    return best


def triad_quality(key: Key, root_degree: int) -> str:
    """Quality of the diatonic triad on a scale degree ("maj", "min" or "dim")."""
    steps = MODES[key.mode]
    r = steps[root_degree % 7]
    third = (steps[(root_degree + 2) % 7] - r) % 12
    fifth = (steps[(root_degree + 4) % 7] - r) % 12
    if third == 4:
        return "maj"
    return "dim" if fifth == 6 else "min"


def chord_root(key: Key, root_degree: int) -> int:
    """Pitch class of the chord root on a scale degree."""
    return (key.tonic + MODES[key.mode][root_degree % 7]) % 12


def chord_pcs(root_pc: int, quality: str) -> tuple[int, ...]:
    """Pitch classes of a chord, root first."""
    return tuple((root_pc + i) % 12 for i in QUALITIES[quality])


def chord_symbol(root_pc: int, quality: str) -> str:
    """Lead-sheet symbol such as ``"Em7"`` or ``"Bbmaj7"``."""
    return NOTE_NAMES[root_pc] + SUFFIX[quality]


@lru_cache(maxsize=4096)
def voice_chord(
    pcs: tuple[int, ...], low: int, high: int, previous: tuple[int, ...], max_spread: int = 14
) -> tuple[int, ...]:
    """Choose pitches for the chord tones inside ``[low, high]`` that move least from
    ``previous`` (smooth voice leading); one pitch per pitch class, sorted.

    Step by step: list every pitch of each pitch class inside the range; try every
    combination (a handful: two or three octaves per tone) whose spread is at most
    ``max_spread`` semitones; keep the one with the smallest total motion from the
    previous voicing (each new tone measured to its nearest old tone), then the most
    compact one. The first chord (no previous voicing) is centred in the range.
    """
    options = [[p for p in range(low, high + 1) if p % 12 == pc] for pc in pcs]
    options = [o for o in options if o]
    if not options:
        return ()
    centre = (low + high) / 2
    best: tuple[float, int, tuple[int, ...]] | None = None
    for combo in _product(options):
        spread = max(combo) - min(combo)
        if spread > max_spread:
            continue
        motion: float
        if previous:
            motion = sum(min(abs(p - q) for q in previous) for p in combo)
            motion += sum(min(abs(q - p) for p in combo) for q in previous)
        else:
            motion = abs(sum(combo) / len(combo) - centre) * len(combo)
        key = (motion, spread, tuple(sorted(combo)))
        if best is None or key < best:
            best = key
    if best is None:  # the range is too narrow for the spread: nearest to the centre
        return tuple(sorted({min(o, key=lambda p: (abs(p - centre), p)) for o in options}))
    return best[2]


def _product(options: list[list[int]]) -> list[tuple[int, ...]]:
    """Cartesian product of the candidate lists (small: at most a few hundred)."""
    combos: list[tuple[int, ...]] = [()]
    for opts in options:
        combos = [(*c, p) for c in combos for p in opts]
    return combos
