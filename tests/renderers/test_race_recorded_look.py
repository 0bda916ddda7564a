"""A recorded entrant in a race picture: its own name, its optimizer's identity or a custom one's, apart from all."""

import importlib.util
import itertools
import os

import numpy as np
import pytest

from animator.datasets import make_dataset
from animator.optimizers import LINE_STYLES, MARKERS, identities
from animator.race import race
from animator.recorder import Recorder
from animator.source import CUSTOM_IDENTITY, custom_optimizer
from renderers.identity import DASHES, looks, marker_sprite
from renderers.race import RaceAnimation
from renderers.theme import THEMES, hex_rgb

_spec = importlib.util.spec_from_file_location("identity_checks", os.path.join(os.path.dirname(__file__),
                                                                              "test_identity.py"))
checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checks)


def test_the_custom_identity_shares_nothing_with_a_registered_one_and_reads_for_every_eye():
    every = [*identities(), CUSTOM_IDENTITY]
    for part in ("name", "colour", "on_dark", "marker", "line"):
        values = [getattr(identity, part) for identity in every]
        assert len(set(values)) == len(values), part
    assert CUSTOM_IDENTITY.marker in MARKERS and CUSTOM_IDENTITY.line in LINE_STYLES and CUSTOM_IDENTITY.line in DASHES
    for dark in (False, True):
        themes = [t for t in THEMES.values() if t.dark == dark]
        ours = checks.declared(CUSTOM_IDENTITY, themes[0])
        others = [checks.declared(identity, themes[0]) for identity in identities()]
        classes = {tuple(c) for t in themes for c in t.class_rgb(checks.CLASSES).tolist()}
        for eye in checks.SIMULATIONS:
            assert min(checks.delta(ours, other, eye) for other in others) >= checks.APART, (dark, eye)
            assert min(checks.delta(ours, c, eye) for c in classes) >= checks.FROM_CLASSES, (dark, eye)
            assert min(checks.delta(ours, t.rgb("background"), eye) for t in themes) >= checks.FROM_PAGE, (dark, eye)
    plus = marker_sprite("P", 6.0, (0, 0, 0))[0][..., 3] > 127
    for identity in identities():
        other = marker_sprite(identity.marker, 6.0, (0, 0, 0))[0][..., 3] > 127
        assert (plus & other).sum() / (plus | other).sum() < 0.9, identity.name


@pytest.fixture(scope="module")
def custom_race():
    X, y = make_dataset("spiral", 30, 3, rng=np.random.default_rng(2))
    recorder = Recorder(X, y, epochs=20, frames=3, grid_resolution=16, optimizer=custom_optimizer("Optimizer_Lion"))
    rng = np.random.default_rng(0)
    layers = [(rng.normal(0, 0.5, (2, 16)), np.zeros((1, 16))), (rng.normal(0, 0.5, (16, 3)), np.zeros((1, 3)))]
    for epoch in range(21):
        recorder.epoch(1.1 - epoch / 50, 0.4, 0.01, layers)
        layers = [(w * 1.02, b + 0.01) for w, b in layers]
    return race(["adam", recorder.finish(), "sgd"])


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_a_custom_recorded_entrant_is_drawn_and_named_as_yours(custom_race, theme):
    animation = RaceAnimation(custom_race, size=(640, 360), theme=theme)
    assert animation.names == ["Adam", "Optimizer_Lion (yours)", "SGD"]
    assert animation.texts[1][0] == "Optimizer_Lion (yours)"
    colour = hex_rgb(CUSTOM_IDENTITY.on_dark if THEMES[theme].dark else CUSTOM_IDENTITY.colour)
    assert looks(custom_race.specs, THEMES[theme])[1].rgb == colour
    frame = animation.frame(len(animation) - 1)
    (x, y), (px, py, side, _) = animation.cells[1]
    assert tuple(frame[py, px + side // 2]) == colour                   # its panel's frame
    assert checks.near(frame[animation.charts[0][1]:], colour) > 10     # and its curves
    assert [entrant["name"] for entrant in animation.entrants()] == animation.names   # the player's checkboxes


def test_a_hostile_class_name_is_shown_escaped(custom_race):
    from dataclasses import replace

    specs = list(custom_race.specs)
    specs[1] = custom_optimizer("Evil\x1b[2J")
    animation = RaceAnimation(replace(custom_race, specs=specs), size=(640, 360))
    assert animation.names[1] == "Evil\\x1b[2J (yours)"
