"""The 1-D descent, the 2-D race and Figure 14 at every slide shape, in every theme.

Each layout renders at 4:3 (1024x768), 1:1 (720x720) and 16:9 (1280x720), with
smoke runs at the extremes (480x480, 3840x2160).  Frames are checked by
construction: which arrangement each shape gets, the colours of known pixels,
and the box of every text (drawn once with matplotlib, or per frame) inside
the frame and clear of the others.  Sizes a layout cannot hold are refused in
one line before any work, from Python and from the command line.  Golden
frames of the 4:3 and 1:1 arrangements: ``tests/golden_shapes.py``.
"""

import doctest
import os

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

import golden_shapes
import renderers.contour_race
import renderers.descent
import renderers.shapes
from animator.chapter import DESCENTS, RACES_2D
from animator.descent import run_preset, run_race
from animator.errors import ArgumentError
from animator.functions import CURVE, FUNCTIONS_2D
from renderers import raster
from renderers.contour_map import contour_ramp
from renderers.contour_race import ContourRace
from renderers.descent import DescentAnimation, curve_colour
from renderers.figures import LossCurves, loss_curves_png
from renderers.identity import looks
from renderers.shapes import type_basis
from renderers.theme import THEMES, hex_rgb

from frame_sources import learning_rate_runs

SHAPES = {"4:3": (1024, 768), "1:1": (720, 720), "16:9": (1280, 720)}


@pytest.fixture(scope="module")
def descent():
    return run_preset("momentum-fast")


@pytest.fixture(scope="module")
def runs():
    return run_race("rosenbrock", steps=300)


@pytest.fixture(scope="module")
def losses():
    return learning_rate_runs()


def make_descent(trajectory, size, theme="default", **options):
    preset = DESCENTS["momentum-fast"]
    return DescentAnimation(trajectory, CURVE, size=size, title=f"Figure {preset.figure}", caption=preset.caption,
                            max_frames=8, theme=theme, **options)


def make_race(runs, size, theme="default"):
    return ContourRace(list(runs.values()), FUNCTIONS_2D["rosenbrock"], size=size, labels=list(runs),
                       title=RACES_2D["rosenbrock"].title, max_frames=6, theme=theme)


# -- text boxes ------------------------------------------------------------------------------------

def figure_boxes(fig):
    """(left, top, right, bottom, text) of every matplotlib text a drawn figure shows, top-left origin.

    Tick labels of ticks outside an axis's view are made but never drawn, so they are left out.
    """
    fig.canvas.draw()                              # places legends and tick labels
    renderer = fig.canvas.get_renderer()
    height = fig.canvas.get_width_height()[1]
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            shown = set(axis._update_ticks()) if ax.axison and axis.get_visible() else set()   # what is drawn
            hidden |= {id(label) for tick in axis.get_major_ticks() + axis.get_minor_ticks() if tick not in shown
                       for label in (tick.label1, tick.label2)}
    boxes = []
    for artist in fig.findobj(Text):
        if artist.get_visible() and artist.get_text().strip() and id(artist) not in hidden:
            box = artist.get_window_extent(renderer)
            boxes.append((box.x0, height - box.y1, box.x1, height - box.y0, artist.get_text()))
    return boxes


def frame_boxes(monkeypatch, module, source, indices):
    """Per frame of ``indices``, the boxes of the texts ``source`` draws on it (those without a box of their own)."""
    frames = []

    def recording(image, xy, text, *, size_px, bold=False, anchor="la", background=None, **options):
        if background is None:
            left, top, right, bottom = raster.font(size_px, bold).getbbox(text, anchor=anchor)
            frames[-1].append((xy[0] + left, xy[1] + top, xy[0] + right, xy[1] + bottom, text))
        return raster.draw_text(image, xy, text, size_px=size_px, bold=bold, anchor=anchor, background=background,
                                **options)

    monkeypatch.setattr(module, "draw_text", recording)
    for i in indices:
        frames.append([])
        source.frame(i)
    return frames


def outside(boxes, size):
    W, H = size
    return [b for b in boxes if b[0] < -1 or b[1] < -1 or b[2] > W + 1 or b[3] > H + 1]


def overlapping(boxes, font_px):
    """Pairs of boxes whose insides meet by more than a tenth of the type each way.

    A box takes in the whole ascent and descent of its font, so two lines may
    graze where no letter reaches; a tenth of the type allows that and no more.
    """
    slack = max(1.0, 0.1 * font_px)
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack:
                pairs.append((a[4], b[4]))
    return pairs


def misplaced_texts(static, frames, size, font_px):
    """Texts that leave the frame or meet another, in any of ``frames`` (each with the ``static`` texts)."""
    problems = []
    for boxes in frames:
        boxes = static + boxes
        problems += [("outside", b[4]) for b in outside(boxes, size)] + overlapping(boxes, font_px)
    return sorted(set(problems))


def pixel(image, where):
    return tuple(int(c) for c in image[where])


# -- the ball on a curve -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_descent_at_each_shape(monkeypatch, descent, shape):
    size = SHAPES[shape]
    anim = make_descent(descent, size)
    last = len(anim) - 1
    frame = anim.frame(last)
    assert frame.shape == (size[1], size[0], 3)
    # the step key sits inside the plot at 16:9 and on its own row under the plot, clear of the minimum, else
    px, py, pw, ph = anim.plot
    kx, ky, kw, kh = anim.key
    assert anim.key_inside == (shape == "16:9")
    assert (ky + kh <= py + ph) == anim.key_inside and px <= kx and kx + kw <= px + pw
    if not anim.key_inside:
        (mr, mc), = anim.minimum_markers
        assert ky > py + ph > mr
    assert not anim._key_touches_labels()
    # the key runs from the first step's colour to the last's; the ball ends where the run ends, in its colour
    lut = [tuple(c) for c in anim.lut.tolist()]
    assert pixel(frame, (ky + kh // 2, kx + 2)) in lut[:4] and pixel(frame, (ky + kh // 2, kx + kw - 3)) in lut[-4:]
    assert pixel(frame, anim.ball_pixel(anim.total)) == anim.step_colour(anim.total)
    assert pixel(frame, (1, 1)) == hex_rgb(anim.theme.background)
    # every text inside the frame, none on another, the status line included
    frames = frame_boxes(monkeypatch, renderers.descent, anim, [0, last])
    assert not misplaced_texts(figure_boxes(anim.axes.figure), frames, size, anim.font_px)
    # type scales with the height from 4:3 up, with three quarters of the width below it
    assert anim.font_px == max(10, round(0.03 * min(size[1], size[0] * 3 / 4)))


def test_descent_status_breaks_into_lines_where_the_frame_is_narrow(monkeypatch):
    from animator.descent import descend
    from animator.optimizers import OptimizerSpec

    decaying = descend(CURVE, OptimizerSpec("sgd", {"lr": 0.0123, "decay": 0.0137}), None, 3000)
    wide = DescentAnimation(decaying, CURVE, size=(1280, 720), max_frames=6)
    narrow = DescentAnimation(decaying, CURVE, size=(480, 480), max_frames=6, theme="projector")
    assert len(wide.status_lines) == 1 and len(narrow.status_lines) == 2
    assert narrow.header_h > round(narrow.font_px * 3.4)
    frames = frame_boxes(monkeypatch, renderers.descent, narrow, range(len(narrow)))
    assert not misplaced_texts(figure_boxes(narrow.axes.figure), frames, narrow.size, narrow.font_px)
    assert any(b[4].startswith("lr now") for b in frames[1])


@pytest.mark.parametrize("size", [(480, 480), (3840, 2160)])
def test_descent_smoke_at_the_extremes(descent, size):
    anim = make_descent(descent, size)
    frame = anim.frame(len(anim) - 1)
    assert frame.shape == (size[1], size[0], 3)
    assert pixel(frame, anim.ball_pixel(anim.total)) == anim.step_colour(anim.total)
    assert anim.font_px == max(10, round(0.03 * type_basis(size)))


# -- the 2-D race ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, arrangement, value_anchor", [("4:3", "under", "rs"), ("1:1", "under", "rs"),
                                                              ("16:9", "beside", "rs")])
def test_race_at_each_shape(monkeypatch, runs, shape, arrangement, value_anchor):
    size = SHAPES[shape]
    race = make_race(runs, size)
    assert race.arrangement.name == arrangement
    assert {anchor for _, _, anchor in race.arrangement.values} == {value_anchor}
    last = race.frame(len(race) - 1)
    assert last.shape == (size[1], size[0], 3)
    px, py, pw, ph = race.plot
    # a square map, the largest part of the frame (at 4:3 the legend's rows under it take more of the height)
    assert pw == ph >= (0.5 if shape == "4:3" else 0.6) * min(size)
    assert 0 <= px and px + pw <= size[0] and 0 <= py and py + ph <= size[1]
    # under the map at 4:3 and 1:1: every legend row starts below it; beside at 16:9: right of it
    for x, base in race.arrangement.rows:
        assert (base > py + ph) if arrangement == "under" else (x > px + pw)
    # each ball where its run ends, in its colour (balls drawn later may hide earlier ones)
    ends = [race.ball_pixel(k, race.total) for k in range(len(race.labels))]
    assert pixel(last, ends[-1]) == race.colours_rgb[-1]
    assert pixel(last, (1, 1)) == hex_rgb(race.theme.background)
    frames = frame_boxes(monkeypatch, renderers.contour_race, race, range(len(race)))
    assert not misplaced_texts(figure_boxes(race.figure), frames, size, race.font_px)


def test_race_smoke_at_the_extremes(runs):
    for size in ((480, 480), (480, 270), (3840, 2160)):
        race = make_race(runs, size)
        frame = race.frame(len(race) - 1)
        assert frame.shape == (size[1], size[0], 3)
        assert pixel(frame, race.ball_pixel(len(race.labels) - 1, race.total)) == race.colours_rgb[-1]


def test_large_type_steps_down_until_the_map_has_room(runs):
    default, projector = make_race(runs, (1280, 720)), make_race(runs, (1280, 720), theme="projector")
    assert default.font_px < projector.font_px <= round(default.font_px * 1.4)
    assert projector.plot[2] >= 0.6 * 720


# -- Figure 14 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_figure14_at_each_shape(losses, shape):
    size = SHAPES[shape]
    figure = LossCurves(*losses, size=size, title="Loss against steps for four learning rates")
    image = figure.image()
    assert image.shape == (size[1], size[0], 3)
    px, py, pw, ph = figure.plot
    boxes = figure_boxes(figure.figure)
    legend = [b for b in boxes if b[4] in losses[1]]
    assert len(legend) == 4
    if figure.legend_beside:
        assert shape == "16:9" and all(b[0] > px + pw for b in legend)
    else:
        assert all(b[1] > py + ph for b in legend)
    assert not misplaced_texts(boxes, [[]], size, figure.font_px)
    assert pixel(image, (1, 1)) == hex_rgb(figure.theme.background)


def test_figure14_follows_the_theme(losses, tmp_path):
    path = loss_curves_png(*losses, tmp_path / "fig14.png", size=(1024, 768), theme="dark")
    with Image.open(path) as png:
        image = np.asarray(png.convert("RGB"))
    dark = THEMES["dark"]
    assert image.shape == (768, 1024, 3) and pixel(image, (2, 2)) == hex_rgb(dark.background)
    # each run's line is drawn in the theme's class colour
    colours = {tuple(c) for c in image.reshape(-1, 3).tolist()}
    assert {tuple(c) for c in dark.class_rgb(4).tolist()} <= colours


# -- themes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_at_4_3(monkeypatch, descent, runs, losses, theme):
    size = SHAPES["4:3"]
    spec = THEMES[theme]
    page, ink = hex_rgb(spec.background), hex_rgb(spec.ink)
    anim = make_descent(descent, size, theme=theme)
    frame = anim.frame(len(anim) - 1)
    listed = {tuple(c) for c in anim.colours().tolist()}
    assert pixel(frame, (1, 1)) == page
    (mr, mc), = anim.minimum_markers
    assert pixel(frame, (mr, mc)) == ink                           # the global minimum's marker
    assert {page, ink, hex_rgb(spec.panel), hex_rgb(curve_colour(spec))} <= listed
    # the curve's solid middle is in the curve colour, and the step colours stay green -> red in every theme
    solid = anim.curve.alpha[:, 0] == 255
    assert tuple(int(c) for c in anim.curve.colour[solid][0]) == hex_rgb(curve_colour(spec))
    assert anim.step_colour(0)[1] > anim.step_colour(0)[0] and anim.step_colour(anim.total)[0] > 150
    # theme scales: type, lines and points grow together for the projector
    default = make_descent(descent, size)
    assert anim.font_px == round(default.font_px * spec.type_scale)
    assert anim.ball_r == pytest.approx(default.ball_r * spec.point_scale)
    assert anim.curve_w == pytest.approx(default.curve_w * spec.line_scale)
    frames = frame_boxes(monkeypatch, renderers.descent, anim, [len(anim) - 1])
    assert not misplaced_texts(figure_boxes(anim.axes.figure), frames, size, anim.font_px)

    race = make_race(runs, size, theme=theme)
    last = race.frame(len(race) - 1)
    listed = {tuple(c) for c in race.colours().tolist()}
    assert pixel(last, (1, 1)) == page
    assert [look.rgb for look in looks([t.optimizer for t in race.trajectories], spec)] == race.colours_rgb
    assert {page, ink, hex_rgb(spec.panel)} | set(race.colours_rgb) <= listed
    assert {tuple(c) for c in race.level_colours.tolist()} <= listed
    # the lowest contour band is the page itself, the highest the deepest tint of the ramp
    assert hex_rgb(contour_ramp(spec)[0]) == page
    frames = frame_boxes(monkeypatch, renderers.contour_race, race, [len(race) - 1])
    assert not misplaced_texts(figure_boxes(race.figure), frames, size, race.font_px)

    figure = LossCurves(*losses, size=size, theme=theme)
    assert pixel(figure.image(), (1, 1)) == page
    assert not misplaced_texts(figure_boxes(figure.figure), [[]], size, figure.font_px)


def test_default_theme_tints_are_the_colours_drawn_before_themes():
    default = THEMES["default"]
    assert renderers.shapes.toward_ink(default, renderers.descent.CHORD_DEPTH) == "#b9b9b9"
    assert contour_ramp(default) == ["#ffffff", "#e4e8ec", "#b9c0c7", "#8e959c"]
    assert curve_colour(default) == "#2b4c7e"
    # a dark page's tints rise from it toward its light ink
    dark = THEMES["dark"]
    ramp = [sum(hex_rgb(c)) for c in contour_ramp(dark)]
    assert ramp == sorted(ramp) and hex_rgb(contour_ramp(dark)[0]) == hex_rgb(dark.background)


# -- size limits ---------------------------------------------------------------------------------

LIMITS = [
    (DescentAnimation, (300, 300), "is too small for a descent (at least 480x270)"),
    (DescentAnimation, (480, 600), "as wide as it is tall"),
    (DescentAnimation, (3840, 1000), "at most 3.6 times as wide"),
    (LossCurves, (3840, 1000), "at most 3.6 times as wide"),
    (ContourRace, (480, 1000), "as wide as it is tall"),
    (ContourRace, (2000, 800), "at most 2.4 times as wide"),
    (ContourRace, (400, 300), "is too small for a race"),
    (LossCurves, (479, 300), "is too small for Figure 14"),
    (LossCurves, (1000, 1001), "as wide as it is tall"),
]


@pytest.mark.parametrize("layout, size, message", LIMITS)
def test_sizes_a_layout_cannot_hold_are_refused_in_one_line(layout, size, message):
    with pytest.raises(ArgumentError) as error:
        layout.check_size(size)
    text = str(error.value)
    assert message in text and "\n" not in text


@pytest.mark.parametrize("layout", [DescentAnimation, ContourRace, LossCurves])
def test_every_common_slide_shape_is_accepted(layout):
    for size in ((480, 480), (720, 720), (1024, 768), (1280, 800), (1280, 720), (1920, 1080), (3840, 2160),
                 (2560, 1080), (480, 270)):
        layout.check_size(size)


@pytest.mark.parametrize("args", [
    ["descent", "--preset", "momentum-fast", "--size", "300x300"],
    ["race2d", "rosenbrock", "--size", "480x1000"],
])
def test_the_cli_refuses_an_impossible_size_before_any_work(cli, monkeypatch, tmp_path, args):
    import animator_app.scenes as scenes

    def no_work(*_, **__):
        raise AssertionError("computed before the size was checked")

    monkeypatch.setattr(scenes, "run_preset", no_work)
    monkeypatch.setattr(scenes, "run_race", no_work)
    monkeypatch.setattr(scenes, "descend", no_work)
    target = tmp_path / "x.gif"
    result = cli(*args, "-o", target)
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "size" in lines[0], result.err
    assert not target.exists()


# -- golden frames ---------------------------------------------------------------------------------

def test_golden_frames_at_4_3_and_1_1():
    """Regenerate with ``python tests/golden_shapes.py`` (see that file), then look at them."""
    for filename, frame in golden_shapes.golden_frames().items():
        with Image.open(os.path.join(golden_shapes.GOLDEN, filename)) as png:
            expected = np.asarray(png.convert("RGB"))
        assert frame.shape == expected.shape, filename
        assert golden_shapes.rms(frame, expected) < golden_shapes.TOLERANCE, filename


def test_docstring_examples():
    assert doctest.testmod(renderers.shapes).failed == 0
