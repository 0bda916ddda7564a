"""One identity per optimizer in every figure and theme: colour, marker and line style, colour-blind safe.

Every optimizer declares its identity once (``animator/optimizers``); these
tests hold the registry to it (a contract over :data:`OPTIMIZERS`), measure the
colours under simulated colour blindness, and render every figure kind that
draws optimizers (the network race and the 2-D race) in every theme, reading
each optimizer's colour back from the pixels: the same optimizer must come out
the same everywhere.  The descent ball's step scale must darken step by step
for every eye.  (A sweep varies one optimizer's settings and draws no optimizer
identity.)

Colour blindness is simulated with Machado, Oliveira & Fernandes (2009),
severity 1 (protanopia, deuteranopia, tritanopia), applied to linear RGB;
differences are CIELAB distances (Delta E 1976, D65).
"""

import itertools

import numpy as np
import pytest

from animator import RunConfig
from animator.chapter import NETWORK_RACES, RACES_2D
from animator.descent import descend, run_race
from animator.functions import FUNCTIONS_2D
from animator.optimizers import (LINE_STYLES, MARKERS, OPTIMIZERS, Identity, OptimizerSpec, identities,
                                 make_optimizer)
from animator.race import race
from renderers.contour_race import ContourRace
from renderers.identity import DASHES, looks, marker_sprite, nudge_apart
from renderers.race import RaceAnimation
from renderers.step_scale import step_lut
from renderers.theme import THEMES, hex_rgb

SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
# the least measured with the identities as declared, light pages / dark pages, over the four eyes:
# 17.2 / 16.1 between two optimizers (both under tritanopia), 12.4 / 13.7 from a class's colour
# (protanopia), 37.6 / 59.3 from the page (deuteranopia / protanopia); with normal vision 30.8 / 30.6
APART = 15.0             # Delta E between any two optimizers, for every eye
FROM_CLASSES = 12.0      # Delta E from the first three classes' colours (the decision regions' points)
FROM_PAGE = 35.0         # Delta E from the page: a line reads against it
CLASSES = 3              # the chapter's data have three classes


def lab(rgb, simulation="normal"):
    """CIELAB (D65) of sRGB colours ((..., 3) in 0-255) as seen under ``simulation``."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear @ SIMULATIONS[simulation].T, 0, 1)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta(a, b, simulation):
    return float(np.linalg.norm(lab(a, simulation) - lab(b, simulation)))


def declared(identity, theme):
    return hex_rgb(identity.on_dark if theme.dark else identity.colour)


# -- the registry's contract --------------------------------------------------------------------

def test_every_optimizer_declares_an_identity_and_no_two_share_any_part_of_one():
    for name, cls in OPTIMIZERS.items():
        assert isinstance(cls.IDENTITY, Identity), f"{name} declares no IDENTITY"
        assert OptimizerSpec(name, {}).identity is cls.IDENTITY
        for setting, variant in cls.VARIANTS:
            assert setting in {h.name for h in cls.HYPERPARAMETERS} and isinstance(variant, Identity)
    every = identities()
    assert len(every) >= len(OPTIMIZERS)
    for part in ("name", "colour", "on_dark", "marker", "line"):
        values = [getattr(identity, part) for identity in every]
        assert len(set(values)) == len(values), f"two identities share a {part}: {values}"
    assert {i.marker for i in every} <= set(MARKERS) and {i.line for i in every} <= set(LINE_STYLES) <= set(DASHES)


def test_sgd_with_momentum_is_its_own_identity_whatever_its_other_settings():
    plain = OptimizerSpec("sgd", {"lr": 0.5}).identity
    assert OptimizerSpec("sgd", {"lr": 1.0, "decay": 1e-3}).identity == plain
    momentum = {OptimizerSpec("sgd", {"momentum": m, "lr": lr}).identity for m in (0.5, 0.9) for lr in (0.01, 1)}
    assert len(momentum) == 1 and momentum != {plain}
    assert next(iter(momentum)).name == RACES_2D["saddle"].entrants[1].label    # the chapter's 2-D races say so


def test_an_identity_is_plain_values_checked_where_it_is_declared():
    with pytest.raises(ValueError, match="marker"):
        Identity("x", "#000000", "#ffffff", "*", "solid")
    with pytest.raises(ValueError, match="line style"):
        Identity("x", "#000000", "#ffffff", "o", "wavy")
    with pytest.raises(ValueError, match="colour"):
        Identity("x", "black", "#ffffff", "o", "solid")


# -- colour blindness ---------------------------------------------------------------------------

@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_identities_stay_apart_from_each_other_the_classes_and_the_page_for_every_eye(dark):
    themes = [t for t in THEMES.values() if t.dark == dark]
    colours = [declared(identity, themes[0]) for identity in identities()]
    classes = {tuple(c) for t in themes for c in t.class_rgb(CLASSES).tolist()}
    pages = {t.rgb("background") for t in themes}
    for simulation in SIMULATIONS:
        apart = min(delta(a, b, simulation) for a, b in itertools.combinations(colours, 2))
        assert apart >= APART, (simulation, apart)
        clear = min(delta(a, c, simulation) for a in colours for c in classes)
        assert clear >= FROM_CLASSES, (simulation, clear)
        page = min(delta(a, p, simulation) for a in colours for p in pages)
        assert page >= FROM_PAGE, (simulation, page)


def test_markers_and_line_styles_tell_every_identity_apart_without_colour():
    shapes = {i.name: marker_sprite(i.marker, 6.0, (0, 0, 0))[0][..., 3] > 127 for i in identities()}
    for (a, one), (b, other) in itertools.combinations(shapes.items(), 2):
        overlap = (one & other).sum() / (one | other).sum()
        assert overlap < 0.9, (a, b, overlap)                  # shapes differ, not only colours (circle/square: 0.87)
    patterns = [DASHES[i.line] for i in identities()]
    assert len(set(patterns)) == len(patterns)


def test_the_step_scale_darkens_step_by_step_for_every_eye():
    lut = step_lut()
    for simulation in SIMULATIONS:
        lightness = lab(lut, simulation)[:, 0]
        assert np.all(np.diff(lightness) < 0), simulation     # monotonic: readable without hue
        assert lightness[0] - lightness[-1] > 30, simulation   # and far from the first step to the last


# -- every figure, every theme -------------------------------------------------------------------

@pytest.fixture(scope="module")
def network_race():
    return race(NETWORK_RACES["chapter"], RunConfig(epochs=30, frames=3, grid_resolution=20))


@pytest.fixture(scope="module")
def runs_2d():
    return run_race("saddle", steps=60)


def near(image, colour, within=24):
    """How many pixels of ``image`` are within ``within`` levels of ``colour`` (dashed lines are anti-aliased)."""
    return int((np.abs(image.astype(int) - np.array(colour)).max(axis=2) <= within).sum())


def race_colours(animation):
    """{identity name: colour} read from a network race's last frame: each caption's swatch and panel frame."""
    frame = animation.frame(len(animation) - 1)
    found = {}
    for k, ((x, y), (px, py, side, _)) in enumerate(animation.cells):
        swatch = tuple(int(v) for v in frame[y + animation.title_h // 2, x])
        panel = tuple(int(v) for v in frame[py, px + side // 2])
        assert swatch == panel
        assert near(frame[animation.charts[0][1]:], swatch) > 10        # its curves are drawn in it too
        found[animation.names[k]] = swatch
    return found


def race_2d_colours(animation):
    """{identity name: colour} read from a 2-D race's last frame, each run drawn alone: its ball, and its trail."""
    px, py, pw, ph = animation.plot
    found = {}
    for k, label in enumerate(animation.labels):
        frame = animation.frame(len(animation) - 1, entrants=(k,))
        r, c = animation.ball_pixel(k, animation.total)
        ball = tuple(int(v) for v in frame[r, c])
        assert near(frame[py:py + ph, px:px + pw], ball) > 30, label      # and its trail
        found[label] = ball
    return found


@pytest.mark.parametrize("theme", THEMES)
def test_each_optimizer_is_the_same_colour_in_every_figure_of_a_theme(network_race, runs_2d, theme):
    t = THEMES[theme]
    in_race = race_colours(RaceAnimation(network_race, size=(640, 360), theme=theme))
    contour = ContourRace(list(runs_2d.values()), FUNCTIONS_2D["saddle"], size=(640, 360), max_frames=3, theme=theme)
    in_2d = race_2d_colours(contour)
    expected = {i.name: declared(i, t) for i in identities()}
    assert in_race == {name: expected[name] for name in in_race}
    assert in_2d == {name: expected[name] for name in in_2d}
    assert set(in_race) & set(in_2d) and set(in_race) | set(in_2d) == set(expected)   # every identity is drawn


def test_entrants_sharing_an_optimizer_are_told_apart(runs_2d):
    specs = [OptimizerSpec("sgd", {"lr": 0.5}), OptimizerSpec("sgd", {"lr": 1.0}), OptimizerSpec("adam", {})]
    for theme in THEMES.values():
        first, second, adam = looks(specs, theme)
        assert (first.marker, first.line) == (second.marker, second.line) and first.rgb != second.rgb
        assert second.hollow and not first.hollow and not adam.hollow
        assert min(delta(first.rgb, second.rgb, s) for s in SIMULATIONS) > 10
    saddle = list(runs_2d.values())
    slower = descend(FUNCTIONS_2D["saddle"], make_optimizer("sgd", lr=0.005), None, 60)
    twins = ContourRace([saddle[0], slower, saddle[4]], FUNCTIONS_2D["saddle"], size=(640, 360), max_frames=2)
    assert twins.colours_rgb[0] != twins.colours_rgb[1]
    frame = twins.frame(len(twins) - 1)
    one, two = (frame[slice(r - 2, r + 3), slice(c - 2, c + 3)] for r, c in
                (twins.ball_pixel(0, twins.total), twins.ball_pixel(1, twins.total)))
    assert not np.array_equal(one, two)                          # the second ball hollow, not the first


def test_names_stand_where_lines_end_without_overlapping(network_race, runs_2d):
    animation = RaceAnimation(network_race, size=(960, 540))
    assert animation.end_labels > 0
    frame_names = [e["name"] for e in animation.entrants()]
    assert frame_names == animation.names == [look.name for look in animation.looks]   # the player's names too
    contour = ContourRace(list(runs_2d.values()), FUNCTIONS_2D["saddle"], size=(960, 540), max_frames=3)
    assert contour.end_labels is not None
    size = round(contour.font_px * 0.8)
    rows = sorted(y for (_, y), _ in contour.end_labels)
    px, py, pw, ph = contour.plot
    assert all(py <= y <= py + ph for y in rows)
    # the runs end together at the saddle's minimum: their names stack, a line apart
    assert np.all(np.diff(rows) >= size * 1.6 - 1)


def test_nudging_keeps_order_bounds_and_gaps():
    placed = nudge_apart([10, 11, 12, 80], 5, 0, 100)
    assert placed[:3] == sorted(placed[:3]) and min(np.diff(sorted(placed))) >= 5 - 1e-9 and placed[3] == 80
    assert nudge_apart([99, 99.5], 5, 0, 100)[1] <= 100
    assert nudge_apart([1, 2, 3], 60, 0, 100) is None
