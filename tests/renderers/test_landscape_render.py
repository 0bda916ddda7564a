"""The landscape layouts: every slide shape and theme, known pixels, the player's layers, every format.

Frames are checked by construction: the frame count a null writer sees, each
ball's centre in its optimizer's identity colour where the engine put it, the
page's colour in every theme, a run drawn alone for the player.
"""

import math

import numpy as np
import pytest

from animator.landscape import landscape
from animator.run import RunConfig
from renderers.identity import looks
from renderers.landscape import LandscapeLine, LandscapePlane, landscape_animation
from renderers.render import iter_frames, write_animation
from renderers.theme import THEMES
from renderers.writers import NullWriter, read_metadata
from renderers.writers.registry import formats

SPECS = ["sgd:lr=1,decay=1e-3,momentum=0.9", "adagrad:decay=1e-4", "rmsprop:lr=0.02,decay=1e-5,rho=0.999",
         "adam:lr=0.05,decay=5e-7"]
SHAPES = [(1024, 768), (720, 720), (1280, 720), (960, 540), (480, 480), (480, 270), (1920, 800)]


@pytest.fixture(scope="module")
def plane():
    return landscape(SPECS, RunConfig(epochs=120, frames=8), resolution=12, path_points=40, workers=1)


@pytest.fixture(scope="module")
def line():
    return landscape(SPECS, RunConfig(epochs=120, frames=8), slice="line", resolution=16, path_points=40, workers=1)


def _ball_centre(layout, k, index):
    u, v = layout.plot_uv[k][index if isinstance(layout, LandscapeLine) else int(layout.result.rows[k][index])]
    return int(math.floor(v)), int(math.floor(u))


@pytest.mark.parametrize("size", SHAPES)
def test_every_shape_draws_every_frame_with_each_ball_in_its_identity(plane, line, size):
    for result in (plane, line):
        layout = landscape_animation(result, size=size)
        assert layout.arrangement.kind == ("beside" if size[0] >= 1.45 * size[1] else "under")
        sink = NullWriter()
        with sink:
            for frame in iter_frames(layout, range(len(layout)), workers=1):
                sink.write(frame)
        assert sink.frames == len(result.frame_epochs) == len(layout)
        last = layout.frame(len(layout) - 1, entrants=(3,))           # Adam alone: nothing over its ball
        rgb = looks(result.specs, THEMES["default"])[3].rgb
        row, col = _ball_centre(layout, 3, len(layout) - 1)
        assert tuple(last[row, col]) == rgb
        x, y, w, h = layout.arrangement.plot
        assert x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1]


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_paints_the_page_and_the_runs_in_its_colours(plane, theme):
    layout = LandscapePlane(plane, size=(960, 540), theme=theme)
    frame = layout.frame(0)
    page = THEMES[theme].rgb("background")
    assert tuple(frame[2, 2]) == page and tuple(frame[-2, layout.size[0] // 2]) == page
    colours = {tuple(c) for c in layout.colours().tolist()}
    assert page in colours and all(look.rgb in colours for look in looks(plane.specs, THEMES[theme]))


def test_the_player_draws_any_run_alone(plane):
    layout = LandscapePlane(plane, size=(960, 540))
    entrants = layout.entrants()
    assert [e["name"] for e in entrants] == ["SGD with momentum", "AdaGrad", "RMSProp", "Adam"]
    assert all(e["layer"] for e in entrants)
    index = len(layout) - 1
    base, alone = layout.frame(index, entrants=()), layout.frame(index, entrants=(1,))
    row, col = _ball_centre(layout, 1, index)
    assert tuple(alone[row, col]) == looks(plane.specs, THEMES["default"])[1].rgb
    assert tuple(base[row, col]) != tuple(alone[row, col])
    assert np.array_equal(layout.frame(index), layout.frame(index, entrants=range(4)))


def test_a_layout_draws_its_own_slice_only(plane, line):
    with pytest.raises(Exception, match="plane"):
        LandscapeLine(plane)
    with pytest.raises(Exception, match="line"):
        LandscapePlane(line)


@pytest.mark.parametrize("writer", formats(), ids=lambda w: w.KIND)
def test_every_format_writes_a_landscape_and_reads_back_its_description(plane, tmp_path, writer):
    layout = LandscapePlane(plane, size=(480, 270))
    name = "out" + ("/" if writer.DIRECTORY else writer.EXTENSIONS[0])
    path = str(tmp_path / name)
    metadata = {"animator": "test", "caption": "landscape", "command": None, "kind": "landscape", "spec": {}}
    written = write_animation(layout, path, kind=writer.KIND, hold=0, metadata=metadata, workers=1)
    assert written.frames in (1, len(layout))
    assert read_metadata(path)["kind"] == "landscape"
