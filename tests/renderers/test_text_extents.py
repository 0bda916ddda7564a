"""Every layout, in every look at every scale, at every slide shape: its texts fit and keep apart.

The rendered extent of every text is measured (``tests/text_extents.py``):
matplotlib's with the figure's own renderer, PIL's from the font at the anchor
it was drawn at.  For each layout x theme x aspect, on the static layers and on
the first and last frames: no text leaves the frame, no two texts overlap, and
at projector scale no text is smaller than 1/45 of the frame's height (a
line a room can read).  Frames are small (540 rows) and only the static
layers and two frames are drawn, nothing encoded.
"""

import pytest

from animator.chapter import NETWORK_RACES
from animator.landscape import landscape
from animator.run import RunConfig, train
from animator.race import race
from animator_app.presets import OUTPUT_PRESETS
from animator_app.scenes import ContourRaceScene, DescentScene
from renderers.figures import LossCurves
from renderers.landscape import landscape_animation
from renderers.race import RaceAnimation
from renderers.sweep import SweepMap
from renderers.sweep_grid import SweepGrid
from renderers.theme import THEMES, look_and_scale
from renderers.training import TrainingAnimation
from frame_sources import learning_rate_runs
from text_extents import measured, overlaps

ASPECTS = {"1:1": (540, 540), "4:3": (720, 540), "16:10": (864, 540), "16:9": (960, 540)}
PROJECTED_SHARE = 1 / 45      # at projector scale, the smallest type is at least this share of the frame's height
SMALL = RunConfig(epochs=80, frames=4, grid_resolution=24)


@pytest.fixture(scope="session")
def sources():
    """One small run of each kind a layout draws.

    For the session, not the module: pytest-xdist's workers steal tests across modules, and a module's
    fixture is made again each time a worker comes back to the module (three times in one run, 7 s each).
    """
    from animator.sweep import run_sweep
    from animator_app.grammar import sweep_from_text

    explosion, rosenbrock = DescentScene(preset="explosion"), ContourRaceScene("rosenbrock")
    sweep = sweep_from_text("sgd", ["lr=0.5,1,1e30", "momentum=0,0.9"], {"decay": 1e-3},
                            RunConfig(epochs=60, frames=4, grid_resolution=12))
    return {
        # the chapter's 10,000 epochs: tick labels as long as they get ("10000")
        "training": train(RunConfig(epochs=10000, frames=3, grid_resolution=16, optimizer="adagrad",
                                    hyperparameters={"decay": 1e-4})),
        "race": race(NETWORK_RACES["chapter"], SMALL),
        "descent": (explosion, explosion.compute()),
        "race2d": (rosenbrock, rosenbrock.compute()),
        "figure14": learning_rate_runs(),
        "sweep": run_sweep(sweep),
        "landscape": landscape(["sgd:lr=1,decay=1e-3,momentum=0.9", "adagrad:decay=1e-4", "adam:lr=0.05,decay=5e-7"],
                               RunConfig(epochs=60, frames=4), resolution=8, path_points=20, workers=1),
    }


def build(kind, source, size, theme):
    if kind == "training":
        return TrainingAnimation(source, size=size, theme=theme)
    if kind == "training-story":    # with everything a training frame can show: a caption, the step sizes
        return TrainingAnimation(source, size=size, theme=theme, step_sizes=True,
                                 caption="Figure 20 · AdaGrad with decay 1e-4: the loss falls steadily throughout.")
    if kind == "race":
        return RaceAnimation(source, size=size, theme=theme)
    if kind == "race-story":
        return RaceAnimation(source, size=size, theme=theme, caption="Optimizer race · All four optimizers with the "
                             "chapter's tuned settings, from the same initial weights on the same data, in lock-step.")
    if kind in ("descent", "race2d"):
        scene, computed = source
        return scene.animation(computed, size=size, max_frames=6, theme=theme)
    if kind == "figure14":
        figure = LossCurves(*source, size=size, title="Figure 14", theme=theme)
        figure.image()
        return figure
    if kind == "landscape":
        return landscape_animation(source, size=size, theme=theme)
    if kind == "sweep-map":
        return SweepMap(source, size=size, theme=theme)
    return SweepGrid(source, size=size, theme=theme)


KINDS = {"training": "training", "training-story": "training", "race": "race", "race-story": "race", "descent": "descent", "race2d": "race2d", "figure14": "figure14",
         "sweep-map": "sweep", "sweep-grid": "sweep", "landscape": "landscape"}
STILLS = {"figure14", "sweep-map"}


# what the README promises each layout does (squarer frames: 4:3 and 1:1; wider: 16:10 and 16:9), in every theme
DOCUMENTED = {
    "training": ({"side"}, {"squarer"}),     # weight bars over the curves; under the regions (beneath, under)
    "race": ({"row"}, {"2x2"}),
    "race-story": ({"row"}, {"2x2"}),
    # wider frames keep the step key in the plot unless it would touch the minima's labels (large type)
    "descent": ({"key in the plot", "key under the plot"}, {"key under the plot"}),
    "race2d": ({"legend beside"}, {"legend under"}),
    "figure14": ({"legend beside"}, {"legend under"}),
    "training-story": ({"any"}, {"any"}),    # three bars a layer take a squarer arrangement where they need it
    "sweep-map": ({"any"}, {"any"}), "sweep-grid": ({"any"}, {"any"}), "landscape": ({"any"}, {"any"}),
}


def arrangement(kind, layout):
    """How ``layout`` arranged itself, in :data:`DOCUMENTED`'s words."""
    kind = "race" if kind == "race-story" else kind
    if kind == "training":
        return "side" if layout.arrangement.name == "side" else "squarer"
    if kind == "race":
        return "2x2" if layout.arrangement[:2] == (2, 2) else "row"
    if kind == "descent":
        return "key in the plot" if layout.key_inside else "key under the plot"
    if kind == "race2d":
        return f"legend {layout.arrangement.name}"
    if kind == "figure14":
        return "legend beside" if layout.legend_beside else "legend under"
    return "any"


# known, not yet fixed: measured here, held to it except at projector scale in a square frame
@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_texts_fit_keep_apart_and_read_from_the_back(sources, monkeypatch, kind, theme, aspect):
    check_texts(sources, monkeypatch, kind, theme, ASPECTS[aspect], aspect)


@pytest.mark.parametrize("preset", ["slides", "beamer"])
@pytest.mark.parametrize("theme", [name for name in THEMES if look_and_scale(name)[1] == "projector"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_presets_frames_too(sources, monkeypatch, kind, theme, preset):
    """The presets' own sizes (1280x720, 1024x768), at projector scale, as a lecture shows them."""
    size = OUTPUT_PRESETS[preset].size
    check_texts(sources, monkeypatch, kind, theme, size, "16:9" if preset == "slides" else "4:3")


def check_texts(sources, monkeypatch, kind, theme, size, aspect):
    layout, static, frames = measured(monkeypatch, lambda: build(kind, sources[KINDS[kind]], size, theme),
                                      frames=() if kind in STILLS else (0, -1))
    assert static, "no text measured"
    assert arrangement(kind, layout) in DOCUMENTED[kind][aspect in ("1:1", "4:3")], (kind, theme, aspect)
    for drawn in frames or [[]]:
        boxes = static + drawn
        clipped = [box.text for box in boxes if box.outside(size)]
        assert not clipped, f"texts leave the frame: {clipped}"
        met = overlaps(boxes)
        assert not met, f"texts overlap: {met}"
        if look_and_scale(theme)[1] == "projector":
            small = sorted({(round(box.size_px, 1), box.text) for box in boxes
                            if box.size_px < size[1] * PROJECTED_SHARE - 0.5})
            assert not small, f"smaller than 1/45 of {size[1]} px: {small}"
