import itertools

from composer.music import mapping


def test_mode_follows_valence():
    assert mapping.cues(0.6, 0.0).major
    assert not mapping.cues(-0.6, 0.0).major
    assert mapping.home_key(0.5, 0).mode == "major"
    assert mapping.home_key(-0.5, 0).mode == "minor"


def test_tempo_rises_with_arousal():
    tempos = [mapping.cues(0.0, a / 10).tempo for a in range(-10, 11)]
    assert tempos == sorted(tempos)
    assert tempos[-1] - tempos[0] >= 60


def test_register_and_velocity_rise():
    centres = [mapping.cues(v / 5, 0).melody_centre for v in range(-5, 6)]
    assert centres == sorted(centres) and centres[-1] > centres[0]
    # neighbouring valence levels (0.5 apart) sit at least 3 semitones apart, and the
    # centre leans with the contour: a rising line starts below it, a falling one above
    levels = [mapping.cues(v / 2, 0) for v in range(-2, 3)]
    assert all(b.melody_centre - a.melody_centre >= 3 for a, b in itertools.pairwise(levels))
    for c in levels:
        lean = c.melody_centre - (70 + 7 * (levels.index(c) - 2) / 2)
        assert (lean > 0) == (c.contour > 0) and (lean < 0) == (c.contour < 0)
    vels = [mapping.cues(0, a / 5).velocity for a in range(-5, 6)]
    assert vels == sorted(vels) and vels[-1] > vels[0]


def test_figure_and_density_follow_arousal():
    order = {f: i for i, f in enumerate(mapping.FIGURES)}
    figures = [order[mapping.cues(0, a / 10).figure] for a in range(-10, 11)]
    assert figures == sorted(figures)
    steps = [mapping.cues(0, a / 10).melody_step for a in range(-10, 11)]
    assert steps == sorted(steps, reverse=True)


def test_out_of_range_values_are_clipped():
    assert mapping.cues(5, 5) == mapping.cues(1, 1)


def test_relative_key_keeps_signature():
    from composer.music.model import Key

    k = Key(4, "minor")  # E minor
    r = mapping.relative_key(k)
    assert r.name == "G major" and set(r.scale) == set(k.scale)
    assert mapping.relative_key(r) == k


def test_brightness_follows_valence_within_each_mode():
    minor = [mapping.cues(v / 10, 0).brightness for v in range(-10, 0)]
    major = [mapping.cues(v / 10, 0).brightness for v in range(0, 11)]
    assert minor == sorted(minor) and major == sorted(major)
    assert max(minor) <= max(major) and min(minor) < min(major)


def test_contrast_contour_and_colour_follow_valence():
    assert mapping.cues(-1.0, 0).contrast == "home"  # darkest minor stays dark
    assert mapping.cues(-0.5, 0).contrast == "relative"  # a glimpse of the relative major
    assert mapping.cues(0.5, 0).contrast == "home"
    contours = [mapping.cues(v / 5, 0).contour for v in range(-5, 6)]
    assert contours == sorted(contours) and contours[0] == -1 and contours[-1] == 1
    assert mapping.cues(0.8, -0.2).colour == "add9"
    assert mapping.cues(-0.8, 0.9).colour == "tense"


def test_variety_phrasing_and_articulation_follow_arousal():
    variety = [mapping.cues(0, a / 5).variety for a in range(-5, 6)]
    assert variety == sorted(variety) and variety[0] < 0.35 < variety[-1]
    assert mapping.cues(0, -0.8).section_bars == 4 and mapping.cues(0, 0.5).section_bars == 8
    articulation = [mapping.cues(0, a / 5).articulation for a in range(-5, 6)]
    assert articulation == sorted(articulation, reverse=True) and articulation[0] > 0.9


def test_tension_and_dominance_cues():
    calm, tense = mapping.cues(0.5, -0.5), mapping.cues(-0.8, 0.8)
    assert tense.velocity_range > calm.velocity_range
    assert tense.suspension and not calm.suspension
    assert mapping.cues(0, 0, -0.8).bass_motion == "pedal"
    assert mapping.cues(0, 0, 0.8).bass_motion == "passing"
    assert mapping.cues(0, 0, 0.8).velocity > mapping.cues(0, 0, -0.8).velocity


def test_every_cue_is_in_the_documented_table():
    import dataclasses

    table = mapping.__doc__ or ""
    documented = {
        "major": "mode",
        "tempo": "tempo",
        "melody_step": "density",
        "figure": "figure",
        "melody_centre": "register",
        "velocity": "dynamics",
        "velocity_range": "dynamics",
        "articulation": "articulation",
        "colour": "colour",
        "bass_motion": "bass motion",
        "time_signature": "metre",
        "brightness": "brightness",
        "contrast": "contrast key",
        "contour": "contour",
        "suspension": "suspension",
        "variety": "variety",
        "section_bars": "phrasing",
        "density": "density",
        "textures": "textures",
        "mode_colour": "mode colour",
        "voicing_spread": "voicing",
    }
    fields = {f.name for f in dataclasses.fields(mapping.Cues)}
    assert fields == set(documented)
    for row in documented.values():
        assert f"\n{row} " in table, row


def test_intimate_tempo_and_textures():
    assert all(mapping.cues(v / 2, 0.0).tempo <= 84 for v in range(-2, 3))  # a photograph
    for a in (x / 10 for x in range(-10, 11)):
        cues = mapping.cues(0.0, a)
        assert len(set(cues.textures)) >= 3
        alberti = "broken" in cues.textures or cues.figure == "broken"
        assert not alberti or a > 0.3


def test_density_and_colour_are_graded():
    dens = [mapping.cues(0, a / 10).density for a in range(-10, 11)]
    assert dens == sorted(dens) and dens[0] == 0 and dens[-1] == 3
    colours = [mapping.cues(v / 4, 0).mode_colour for v in range(-4, 5)]
    order = {c: i for i, c in enumerate(mapping.COLOURS)}
    ranks = [order[c] for c in colours]
    assert ranks == sorted(ranks) and len(set(colours)) >= 5


def test_a_quarrel_is_played_harder():
    """Tension (negative valence, high arousal) adds weight: at the same arousal and
    dominance, the darker the valence the louder the base velocity."""
    vels = [mapping.cues(v / 2, 0.5).velocity for v in range(-2, 3)]
    assert vels == sorted(vels, reverse=True) and vels[0] - vels[-1] >= 3
