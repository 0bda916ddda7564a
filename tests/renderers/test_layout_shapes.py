"""The training and network-race layouts at every slide shape, in every theme.

Each layout renders at 4:3 (1024x768), 1:1 (720x720) and 16:9 (1280x720), with
smoke runs at the extremes (480x480, 3840x2160).  Frames are checked by
construction: where the regions, bars and curves sit for the frame's
arrangement, the colours of known pixels, and the boxes of every text (static
and per frame) inside the frame and clear of each other.  Sizes a layout
cannot hold are refused in one line before any training.
"""

import colorsys

import numpy as np
import pytest

import renderers.race
import renderers.training
from animator import RunConfig, train
from animator.errors import ArgumentError
from animator.trainer import Trainer
from animator.race import race
from renderers import raster
from renderers.race import RaceAnimation
from renderers.theme import THEMES, hex_rgb
from renderers.training import TrainingAnimation
from renderers.training_geometry import arrangement_for
from text_extents import text_boxes

SHAPES = {"4:3": (1024, 768), "1:1": (720, 720), "16:9": (1280, 720)}
SMALL = RunConfig(epochs=60, frames=6, grid_resolution=40)
RACE = ["sgd:lr=1,decay=1e-3,momentum=0.9", "adagrad:lr=1,decay=1e-4", "rmsprop:lr=0.02,decay=1e-5,rho=0.999",
        "adam:lr=0.05,decay=5e-7"]


@pytest.fixture(scope="module")
def recording():
    return train(RunConfig(epochs=60, frames=6, grid_resolution=40, hyperparameters={"decay": 1e-3, "momentum": 0.9}))


@pytest.fixture(scope="module")
def result():
    return race(RACE, SMALL)


def drawn(monkeypatch, module, make):
    """``make()`` (a layout, then its frames) with the box of every text it draws in pixels recorded.

    Those matplotlib draws on the layout's page, each time the page is turned into pixels (the race's
    second drawing adds the names at its curves' ends), and those drawn into each frame.
    """
    boxes = []

    def recording_figure_rgba(fig):
        pixels = raster.figure_rgba(fig)
        boxes.extend(box for box in text_boxes(fig) if box not in boxes)
        return pixels

    def recording_draw_text(image, xy, text, **options):
        box = raster.draw_text(image, xy, text, **options)
        if box is not None and options.get("background") is None:
            left, top, right, bottom = box
            boxes.append((left + 1, top + 1, right - 1, bottom - 1, text))    # less the pixel of room around it
        return box

    monkeypatch.setattr(module, "draw_text", recording_draw_text)
    monkeypatch.setattr(module, "figure_rgba", recording_figure_rgba)
    return make(), boxes


def outside(boxes, size):
    """Boxes that leave a frame of ``size`` (a pixel of anti-aliasing allowed)."""
    W, H = size
    return [b for b in boxes if b[0] < -1 or b[1] < -1 or b[2] > W + 1 or b[3] > H + 1]


def overlapping(boxes, font_px):
    """Pairs of boxes whose insides meet by more than a tenth of the type each way.

    A text's box takes in the whole descent of its font, so a label's box may
    graze the tick label under its undescending letters; a tenth of the type
    allows that and nothing more.
    """
    slack = max(1.0, 0.1 * font_px)
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack:
                pairs.append((a[4], b[4]))
    return pairs


def inside(rect, size):
    x, y, w, h = rect
    return x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1]


def disjoint(a, b):
    return a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def share(pixels, colours):
    """The share of ``pixels`` (n, 3) that are exactly one of ``colours``."""
    packed = lambda a: (a[..., 0].astype(np.int64) << 16) | (a[..., 1].astype(np.int64) << 8) | a[..., 2]
    return np.isin(packed(pixels.reshape(-1, 3)), packed(np.asarray(colours).reshape(-1, 3))).mean()


def hue(rgb):
    return colorsys.rgb_to_hsv(*(np.asarray(rgb, dtype=float) / 255))[0] * 360


# -- the training layout -------------------------------------------------------------------------

def test_each_shape_gets_its_arrangement():
    assert [arrangement_for(s).name for s in SHAPES.values()] == ["beneath", "under", "side"]
    assert arrangement_for((1920, 1080)).name == arrangement_for((2560, 1080)).name == "side"
    assert arrangement_for((1280, 1024)).name == "beneath"       # 5:4


@pytest.mark.parametrize("shape", SHAPES)
def test_training_layout_at_slide_shapes(recording, monkeypatch, shape):
    size = SHAPES[shape]
    animation, boxes = drawn(monkeypatch, renderers.training, lambda: TrainingAnimation(recording, size=size))
    frame = animation.frame(len(animation) - 1)
    assert frame.shape == (size[1], size[0], 3)
    px, py, S, _ = panel = animation.panel
    bars = [rect for pair in animation.bars for rect in pair]
    rects = [panel, *bars, *animation.curves]
    assert all(inside(r, size) for r in rects)
    assert all(disjoint(a, b) for i, a in enumerate(rects) for b in rects[i + 1:])

    # where things go: bars right of the regions at 16:9, beneath them at 4:3 and 1:1
    curves_left = min(x for x, *_ in animation.curves)
    assert curves_left > px + S
    if shape == "16:9":
        assert all(x > px + S for x, *_ in bars)
    else:
        assert all(y > py + S for _, y, *_ in bars)
        assert all(x + w <= (size[0] if shape == "4:3" else px + S) for x, _, w, _ in bars)
    assert S >= 0.5 * size[1]          # the regions stay the largest part of the frame

    # the regions panel shows regions; every bar is made of the diverging scale's colours inside a frame
    inner = frame[py + 1:py + S - 1, px + 1:px + S - 1]
    assert share(inner, animation.region_colours) > 0.5
    for x, y, w, h in bars:
        assert share(frame[y + 1:y + h - 1, x + 1:x + w - 1], animation.lut) == 1.0
        assert tuple(frame[y, x + w // 2]) == animation.theme.rgb("frame")
    # the cursor dot sits on each curve at the last epoch
    for cols, rows in animation.cursor:
        assert tuple(frame[rows[-1], cols[-1]]) == animation.theme.rgb("highlight")

    # text: legible, inside the frame, and (where the arrangement is new) clear of other text
    assert animation.font_px >= animation.arrangement.min_font_px >= 9
    assert {"loss", "accuracy", "0"} <= {text for *_, text in boxes}     # the page's texts, a tick label among them
    assert not outside(boxes, size), outside(boxes, size)
    assert not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)


@pytest.mark.parametrize("size", [(480, 480), (480, 360), (2880, 2160), (2160, 2160), (3840, 2160), (2560, 1080),
                                  (480, 270), (960, 540), (1920, 1080)])
def test_training_layout_at_the_extremes(recording, monkeypatch, size):
    animation, boxes = drawn(monkeypatch, renderers.training, lambda: TrainingAnimation(recording, size=size))
    assert animation.frame(0).shape == (size[1], size[0], 3)
    assert not outside(boxes, size)
    assert not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)


# -- the network race --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_race_layout_at_slide_shapes(result, monkeypatch, shape):
    size = SHAPES[shape]
    animation, boxes = drawn(monkeypatch, renderers.race, lambda: RaceAnimation(result, size=size))
    frame = animation.frame(len(animation) - 1)
    assert frame.shape == (size[1], size[0], 3)
    rows, cols, place = animation.arrangement
    assert (rows, cols, place) == ((1, 4, "below") if shape == "16:9" else (2, 2, "right"))
    panels = [cell[1] for cell in animation.cells]
    rects = [*panels, *animation.charts]
    assert all(inside(r, size) for r in rects)
    assert all(disjoint(a, b) for i, a in enumerate(rects) for b in rects[i + 1:])
    for k, (x, y, side, _) in enumerate(panels):
        assert tuple(frame[y, x + side // 2]) == tuple(animation.entrant_colours[k])     # the panel's frame
        x0, y0, inner = animation.panel_inside(k)
        assert share(frame[y0:y0 + inner, x0:x0 + inner], animation.region_colours) > 0.5
    assert {"loss", "accuracy", "0"} <= {text for *_, text in boxes}     # the page's texts, a tick label among them
    assert not outside(boxes, size), outside(boxes, size)
    assert not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)


@pytest.mark.parametrize("size", [(480, 480), (480, 360), (2880, 2160), (2160, 2160), (3840, 2160), (2560, 1080),
                                  (480, 270), (960, 540), (1920, 1080)])
def test_race_layout_at_the_extremes(result, monkeypatch, size):
    animation, boxes = drawn(monkeypatch, renderers.race, lambda: RaceAnimation(result, size=size))
    assert animation.frame(0).shape == (size[1], size[0], 3)
    assert not outside(boxes, size)
    assert not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)


# -- themes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_keeps_one_hue_per_class(theme):
    t = THEMES[theme]
    for region, point in zip(t.region_rgb(3), t.class_rgb(3)):
        assert abs((hue(region) - hue(point) + 180) % 360 - 180) < 8, (theme, region, point)


@pytest.mark.parametrize("theme", THEMES)
def test_training_layout_takes_every_colour_from_its_theme(recording, monkeypatch, theme):
    size = SHAPES["4:3"]
    animation, boxes = drawn(monkeypatch, renderers.training,
                                   lambda: TrainingAnimation(recording, size=size, theme=theme))
    t = THEMES[theme]
    frame = animation.frame(len(animation) - 1)
    assert tuple(frame[0, 0]) == tuple(frame[-1, -1]) == t.rgb("background")
    x, y, w, h = animation.curves[0]
    assert tuple(frame[y + h // 2, x + 3]) == t.rgb("panel")       # a curve's face, left of where it starts
    px, py, S, _ = animation.panel
    assert tuple(frame[py, px + S // 2]) == t.rgb("frame")
    # regions and points of a class share a hue on the frame itself
    inner = frame[py + 1:py + S - 1, px + 1:px + S - 1].reshape(-1, 3)
    for k in range(3):
        region = animation.region_colours[k]
        assert (inner == region).all(axis=1).sum() > 100
        assert abs((hue(region) - hue(animation.point_colours[k]) + 180) % 360 - 180) < 8
    # the heat maps use the theme's diverging map: white-ish middle on light themes, dark on the dark one
    middle = animation.lut[animation.half].astype(int)
    assert (middle.mean() < 60) if t.dark else (middle.mean() > 200)
    palette = {tuple(c) for c in animation.colours()}
    assert {t.rgb("background"), t.rgb("ink"), t.rgb("highlight")} <= palette
    assert {tuple(c) for c in animation.region_colours} | {tuple(c) for c in animation.lut} <= palette
    assert not outside(boxes, size) and not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)
    if t.type_scale > 1:
        assert animation.font_px > TrainingAnimation(recording, size=size).font_px


@pytest.mark.parametrize("theme", THEMES)
def test_race_layout_takes_every_colour_from_its_theme(result, monkeypatch, theme):
    size = SHAPES["4:3"]
    animation, boxes = drawn(monkeypatch, renderers.race, lambda: RaceAnimation(result, size=size, theme=theme))
    t = THEMES[theme]
    frame = animation.frame(len(animation) - 1)
    assert tuple(frame[0, 0]) == tuple(frame[-1, -1]) == t.rgb("background")
    # each entrant in its optimizer's declared colour for the page (tests/renderers/test_identity.py has more)
    assert [tuple(c) for c in animation.entrant_colours] == [
        hex_rgb(s.identity.on_dark if t.dark else s.identity.colour) for s in result.specs]
    x0, y0, inner = animation.panel_inside(0)
    region = frame[y0:y0 + inner, x0:x0 + inner].reshape(-1, 3)
    for k in range(3):
        assert (region == animation.region_colours[k]).all(axis=1).sum() > 100
    palette = {tuple(c) for c in animation.colours()}
    assert {t.rgb("background"), t.rgb("ink")} | {tuple(c) for c in animation.entrant_colours} <= palette
    assert not outside(boxes, size) and not overlapping(boxes, animation.font_px), overlapping(boxes, animation.font_px)


# -- sizes refused ---------------------------------------------------------------------------

@pytest.mark.parametrize("layout", [TrainingAnimation, RaceAnimation])
@pytest.mark.parametrize("size, message", [
    ((400, 400), "400x400 is too small for"),
    ((480, 269), "480x269 is too small for"),
    ((500, 700), "500x700: {what} needs a frame at least as wide as it is tall (1:1 is 700x700)"),
    ((2000, 800), "2000x800: {what} needs a frame at most 2.4 times as wide as it is tall"),
])
def test_impossible_sizes_are_refused(layout, size, message):
    with pytest.raises(ArgumentError) as caught:
        layout.check_size(size)
    assert caught.value.argument == "size"
    assert message.format(what=layout.WHAT) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("layout", [TrainingAnimation, RaceAnimation])
@pytest.mark.parametrize("size", [(480, 270), (480, 480), (1024, 768), (2560, 1080), (3840, 2160), (2160, 2160)])
def test_every_common_shape_is_accepted(layout, size):
    layout.check_size(size)


@pytest.mark.parametrize("args", [
    ["train", "--epochs", "100000", "--size", "400x400"],
    ["train", "--epochs", "100000", "--size", "500x700"],
    ["train", "--epochs", "100000", "--size", "3000x1000"],
    ["compare", "sgd", "adam", "--epochs", "100000", "--size", "2000x800"],
])
def test_the_command_line_refuses_a_size_before_training(cli, tmp_path, args, monkeypatch):
    def no_training(*_, **__):
        raise AssertionError("trained before the size was checked")

    monkeypatch.setattr(Trainer, "run", no_training)
    result = cli(*args, "-o", tmp_path / "x.gif")
    assert result.code == 2 and result.err.count("\n") == 1 and "--size" in result.err, result
    assert list(tmp_path.iterdir()) == []
