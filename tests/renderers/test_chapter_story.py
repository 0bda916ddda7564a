"""The chapter's story reads on every frame: Figure 11's end, the Rosenbrock race's end, loss axes that
survive early spikes, captions on training and race frames, adaptive optimizers' step sizes."""

import math

import numpy as np
import pytest

from animator_app.scenes import DescentScene
from renderers.theme import THEMES, hex_rgb


@pytest.fixture(scope="module")
def explosion():
    scene = DescentScene(preset="explosion")
    return scene, scene.compute()


@pytest.mark.parametrize("theme", ["default", "dark-projector"])
def test_figure_11_ends_with_its_banner_over_the_plot_and_the_ball_marked_off_the_chart(explosion, theme):
    scene, trajectory = explosion
    anim = scene.animation(trajectory, size=(960, 540), theme=theme)
    last = anim.frame(len(anim) - 1)
    px, py, pw, ph = anim.plot
    warning = np.array(hex_rgb(THEMES[theme].warning))
    reds = np.argwhere((last == warning).all(axis=2))
    assert len(reds) > 1000 and reds[:, 0].max() < py          # the banner is a row of its own, not on the curve
    # the ball left the chart: an arrow of its colour whose tip is on the plot's edge, pointing the way it went
    assert anim.left_view[anim.total]
    r, c = anim.ball_pixel(anim.total)
    assert r in (py, py + ph - 1) or c in (px, px + pw - 1)
    dx, dy = anim.out[anim.total]
    back = 0.9 * anim.arrow_len / math.hypot(dx, dy)
    assert tuple(last[round(r - dy * back), round(c - dx * back)]) == anim.step_colour(anim.total)


@pytest.mark.parametrize("size, theme", [((1280, 720), "default"), ((1024, 768), "projector")])
def test_the_rosenbrock_race_shows_every_ball_at_its_end(size, theme):
    from animator_app.scenes import ContourRaceScene

    scene = ContourRaceScene("rosenbrock")
    race = scene.animation(scene.compute(), size=size, max_frames=4, theme=theme)
    last = race.frame(len(race) - 1)
    ends = np.array([race.ball_pixel(k, race.total) for k in range(len(race.labels))])
    gaps = np.hypot(*(ends[:, None, :] - ends[None, :, :]).transpose(2, 0, 1))
    assert gaps[~np.eye(len(ends), dtype=bool)].min() >= race.ball_r       # no ball hides half of another
    for k, (r, c) in enumerate(ends):
        radius = round(race.ball_r * 0.5)
        patch = last[r - radius:r + radius + 1, c - radius:c + radius + 1]
        assert (patch == np.array(race.colours_rgb[k])).all(axis=2).sum() >= radius, race.labels[k]


# -- the network race ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def network_race():
    from animator.chapter import NETWORK_RACES
    from animator.race import race
    from animator.run import RunConfig

    return race(NETWORK_RACES["chapter"], RunConfig(epochs=120, frames=4, grid_resolution=24))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", [(1024, 768), (720, 720), (640, 480)])
def test_the_race_is_a_2x2_grid_at_4_3_and_1_1_in_every_theme(network_race, theme, size):
    from renderers.race import RaceAnimation

    assert RaceAnimation(network_race, size=size, theme=theme).arrangement[:2] == (2, 2)


def test_a_clipped_loss_spike_is_marked_with_its_value(network_race):
    from renderers import story
    from renderers.race import RaceAnimation

    recordings = network_race.recordings
    highest = max(float(np.nanmax(r.loss)) for r in recordings)      # RMSProp's early spike, past 10
    top = story.loss_top([r.loss for r in recordings], max(float(r.loss[0]) for r in recordings))
    assert highest > 5 and top < 2                # the axis keeps to what the runs mostly do
    anim = RaceAnimation(network_race, size=(960, 540))
    assert anim.axes[0].get_ylim()[1] == top
    marks = [t.get_text() for t in anim.axes[0].texts if t.get_text().startswith("↑")]
    assert marks == [f"↑ {highest:.3f}"]


def test_a_race_frame_carries_its_caption(network_race):
    from renderers.race import RaceAnimation

    plain = RaceAnimation(network_race, size=(960, 540))
    captioned = RaceAnimation(network_race, size=(960, 540), caption="Optimizer race · four optimizers, one start.")
    assert captioned.caption_lines == ["Optimizer race · four optimizers, one start."]
    assert plain.caption_h == 0 < captioned.caption_h
    foot = captioned.frame(0)[-captioned.caption_h:]
    assert (foot == np.array(captioned.theme.rgb("ink"))).all(axis=2).any()
    assert not (plain.frame(0)[-plain.margin:] == np.array(plain.theme.rgb("ink"))).all(axis=2).any()


def test_the_2d_race_legend_markers_are_whole_at_projector_scale():
    from matplotlib.lines import Line2D

    from animator_app.scenes import ContourRaceScene

    scene = ContourRaceScene("rosenbrock", steps=50)
    race = scene.animation(scene.compute(), size=(1024, 768), max_frames=2, theme="projector")
    renderer = race.figure.canvas.get_renderer()
    H = race.size[1]
    for ax in race.figure.axes[1:]:                     # the legend's swatches and the markers' key
        for line in ax.get_lines():
            if line.get_marker() in ("None", None, ""):
                continue
            box = line.get_window_extent(renderer)
            clip = ax.get_window_extent(renderer) if line.get_clip_on() else None
            assert clip is None or (clip.y0 <= box.y0 and box.y1 <= clip.y1), "a marker clipped to its row"
            assert 0 <= box.y0 and box.y1 <= H and isinstance(line, Line2D)


# -- the training layout --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spiky():
    """RMSProp as tuned in the chapter: its loss passes 10 in the first epochs, then falls."""
    from animator.run import RunConfig, train

    return train(RunConfig(optimizer="rmsprop", hyperparameters={"lr": 0.02, "decay": 1e-5, "rho": 0.999},
                           epochs=300, frames=4, grid_resolution=24))


def test_a_training_loss_axis_keeps_to_the_run_and_marks_its_spike(spiky):
    from renderers.training import TrainingAnimation

    anim = TrainingAnimation(spiky, size=(960, 540))
    loss = anim.curve_axes[0]
    assert float(np.nanmax(spiky.loss)) > 5 and loss.get_ylim()[1] < 2
    assert [t.get_text() for t in loss.texts if t.get_text().startswith("↑")] == [
        f"↑ {float(np.nanmax(spiky.loss)):.3f}"]
    x, y, w, h = anim.curves[0]
    cols, rows = anim.cursor[0]
    assert np.all((rows >= y - 1) & (rows <= y + h))          # the cursor dot stays on the chart


@pytest.mark.parametrize("theme", ["default", "dark-projector"])
def test_training_frames_show_each_weights_step_size_under_its_update(spiky, theme):
    from renderers.step_sizes import LEVELS, effective_steps, levels, log_range
    from renderers.training import TrainingAnimation, layer_matrix

    anim = TrainingAnimation(spiky, size=(1280, 720), theme=theme, step_sizes=True)
    assert all(len(rects) == 3 for rects in anim.bars)
    steps = effective_steps(spiky, layer_matrix)
    low, high = log_range(steps)
    last = anim.frame(len(anim) - 1)
    x, y, w, h = anim.bars[0][2]
    row = anim.param_rows[-1]
    expected = anim.step_lut[levels(steps[0][row], low, high)]
    c = anim.cell
    assert np.array_equal(last[y + 1:y + h - 1:c, x + 1:x + w - 1:c], expected)
    assert len(anim.step_lut) == LEVELS and {tuple(v) for v in anim.step_lut} <= {tuple(v) for v in anim.colours()}
    # the cache makes step sizes differ from weight to weight: more than one colour
    assert len(np.unique(expected.reshape(-1, 3), axis=0)) > 3


def test_step_sizes_are_refused_for_sgd(spiky, cli, tmp_path):
    from animator.errors import UserError
    from animator.run import RunConfig, train
    from renderers.training import TrainingAnimation

    sgd = train(RunConfig(epochs=20, frames=2, grid_resolution=8))
    with pytest.raises(UserError, match="cache"):
        TrainingAnimation(sgd, size=(960, 540), step_sizes=True)
    result = cli("train", "--epochs", "20", "--show", "step-sizes", "-o", tmp_path / "x.gif")
    assert result.code == 2 and "--show step-sizes is for optimizers that keep a cache" in result.err
    assert not (tmp_path / "x.gif").exists()


def test_a_training_frame_carries_its_caption_and_the_book_passes_its_figure(spiky, cli, tmp_path):
    from renderers.training import TrainingAnimation

    plain = TrainingAnimation(spiky, size=(960, 540))
    captioned = TrainingAnimation(spiky, size=(960, 540), caption="Figure 21, tuned · RMSProp tuned.")
    assert plain.foot_h == 0 < captioned.foot_h and captioned.foot_lines == ["Figure 21, tuned · RMSProp tuned."]
    ink = np.array(captioned.theme.rgb("ink"))
    assert (captioned.frame(0)[-captioned.foot_h:] == ink).all(axis=2).any()
    out = tmp_path / "x.png"
    assert cli("train", "--optimizer", "adam", "--epochs", "20", "--frames", "2", "--grid", "8",
               "--caption", "Figure 0 · a test.", "--show", "step-sizes", "-q", "-o", out).code == 0
