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
