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
