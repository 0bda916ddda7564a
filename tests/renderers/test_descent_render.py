"""The ball on a curve and the 2-D races: what frames show, checked by construction."""

import doctest

import numpy as np
import pytest
from PIL import Image

from animator.chapter import DESCENTS as PRESETS
from animator.descent import descend, run_preset, run_race
from animator.functions import CURVE, FUNCTIONS_2D
from animator.optimizers import make_optimizer
import renderers.contour_race
import renderers.descent
from renderers.contour_race import ContourRace
from renderers.descent import DescentAnimation
from renderers.layout import frame_steps
from renderers.raster import disc
from renderers.trails import StepLayer, polyline_events
from renderers.render import iter_frames, pick_frame, write_animation
from renderers.theme import hex_rgb

pytestmark = pytest.mark.filterwarnings("error")

SMALL = (640, 360)


def curve_animation(name, **options):
    preset = PRESETS[name]
    return DescentAnimation(run_preset(name), CURVE, title=f"Figure {preset.figure}", caption=preset.caption,
                            **options)


@pytest.fixture(scope="module")
def good():
    return curve_animation("good")


@pytest.fixture(scope="module")
def race():
    """Saddle race, shortened, plus a run that overflows in a few steps and one that ends early."""
    saddle = FUNCTIONS_2D["saddle"]
    runs = run_race("saddle", steps=120)
    runs["SGD, lr too big"] = descend(saddle, make_optimizer("sgd", lr=1.5), None, 120)
    runs["Adam, 40 steps"] = descend(saddle, make_optimizer("adam", lr=0.05), None, 40)
    assert runs["SGD, lr too big"].diverged_at is not None
    return ContourRace(runs, saddle, size=SMALL, max_frames=60)


def pixel(image, where):
    return tuple(int(c) for c in image[where])


def uncovered_steps(anim, step):
    """Steps at or before ``step`` whose dot no later dot (nor the ball) overlaps: their centre shows their colour."""
    points = anim.points[:step + 1]
    clear = []
    for k in range(step):
        later = np.r_[points[k + 1:], anim.ball_points[step][None, :]]
        reach = np.r_[np.full(len(points) - k - 1, 2 * anim.dot_r + 2), anim.ball_r + anim.dot_r + 2]
        if np.all(np.hypot(*(later - points[k]).T) > reach):
            clear.append(k)
    return clear


# -- the ball on a curve ----------------------------------------------------------------

def test_one_frame_per_step_and_the_ball_ends_where_the_run_ends(good):
    t = good.trajectory
    assert len(good) == t.steps + 1 and list(good.epochs) == list(range(t.steps + 1))
    last = good.frame(len(good) - 1)
    assert last.shape == (540, 960, 3) and last.dtype == np.uint8
    x, f = t.positions[-1, 0], t.values[-1]
    where = good.data_to_pixel(x, f)
    assert good.ball_pixel(t.steps) == where
    assert pixel(last, where) == good.step_colour(t.steps)
    r, g, b = good.step_colour(t.steps)
    assert r > 150 and g < 60            # the last step is a dark red


def test_dots_run_from_green_to_red_and_keep_their_colour():
    anim = curve_animation("far-too-large")
    total = anim.total
    r, g, _ = anim.step_colour(0)
    assert g > r + 30                    # the first a light green
    last = anim.frame(len(anim) - 1)
    clear = uncovered_steps(anim, total)
    early = [k for k in clear if k < total * 0.2]
    late = [k for k in clear if k > total * 0.8]
    assert early and late
    for k in early:                                  # light, greenish
        assert sum(pixel(last, anim.step_pixel(k))) > 480, k
    for k in late:                                   # dark, red
        r, g, b = pixel(last, anim.step_pixel(k))
        assert r > g + 60 and r + g + b < 400, k
    # an early step has the same colour in an early frame as in the last one
    middle = len(anim) // 2
    frame = anim.frame(middle)
    for k in set(uncovered_steps(anim, int(anim.epochs[middle]))) & set(early):
        assert pixel(frame, anim.step_pixel(k)) == pixel(last, anim.step_pixel(k)) == anim.step_colour(k)


def test_the_global_minimum_is_marked_under_the_lowest_point_of_the_curve(good):
    image = good.frame(0)
    ink = hex_rgb(good.theme.ink)
    (row, col), = good.minimum_markers
    assert pixel(image, (row, col)) == ink
    # the curve's lowest drawn pixel is right above the marker
    rows, cols = good.curve.index
    solid = good.curve.alpha[:, 0] == 255
    lowest = rows[solid].max()
    bottom_cols = cols[solid][rows[solid] == lowest]
    assert abs(np.median(bottom_cols) - col) <= 2
    assert 0 < row - lowest < 6 * good.font_px
    assert good.data_to_pixel(CURVE.minima[0], CURVE.minimum_value)[1] == col


def test_the_status_line_changes_and_nothing_else_outside_the_plot(good):
    first, second = good.frame(0), good.frame(1)
    px, py, pw, ph = good.plot
    changed = np.argwhere((first != second).any(axis=2))
    outside = changed[(changed[:, 0] < py) | (changed[:, 0] >= py + ph) | (changed[:, 1] < px) |
                      (changed[:, 1] >= px + pw)]
    assert len(outside) and outside[:, 0].max() < good.header_h   # only the status line


def test_an_exploding_run_ends_on_a_banner_without_warnings():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        anim = curve_animation("explosion")
        frames = [anim.frame(i) for i in range(len(anim))]
    t = anim.trajectory
    assert t.diverged_at is not None and len(anim) == t.steps + 1
    warning = np.array(hex_rgb(anim.theme.warning))
    reds = [int((f == warning).all(axis=2).sum()) for f in frames]
    assert reds[-1] > 2000 and max(reds[:-1]) == 0
    # every step is drawn inside the plot, however far it flew
    px, py, pw, ph = anim.plot
    for k in range(t.steps + 1):
        r, c = anim.ball_pixel(k)
        assert px <= c < px + pw and py <= r < py + ph
    assert anim.left_view[-1] and not anim.left_view[0]


def test_trail_off_draws_only_the_ball():
    anim = curve_animation("stuck-first-minimum", trail=False, size=SMALL)
    with_trail = curve_animation("stuck-first-minimum", size=SMALL)
    last = len(anim) - 1
    bare, full = anim.frame(last), with_trail.frame(last)
    assert pixel(bare, anim.ball_pixel(anim.total)) == pixel(full, with_trail.ball_pixel(anim.total))
    k = uncovered_steps(with_trail, anim.total)[0]
    dot = anim.step_pixel(k)
    assert pixel(full, dot) == with_trail.step_colour(k) and pixel(bare, dot) != anim.step_colour(k)


def test_long_runs_are_subsampled_keeping_the_last_step():
    anim = curve_animation("momentum-slow", size=SMALL)
    assert anim.total == 400 and len(anim) == 200
    assert anim.epochs[0] == 0 and anim.epochs[-1] == 400 and np.all(np.diff(anim.epochs) > 0)
    assert pick_frame(anim, "400") == len(anim) - 1 and pick_frame(anim, "first") == 0
    logged = frame_steps(8000, 200, "log")
    assert logged[0] == 0 and logged[-1] == 8000 and len(logged) == 200 and logged[10] == 10
    assert np.all(np.diff(logged) > 0) and logged[100] < 400      # dense early, where a race changes fastest


def test_gif_and_png_read_back(tmp_path):
    anim = curve_animation("efficient", size=(480, 270))
    gif = write_animation(anim, tmp_path / "ball.gif", fps=20, hold=0.5, workers=1)
    with Image.open(tmp_path / "ball.gif") as image:
        assert image.n_frames == len(anim) == gif.frames == 41
        assert image.size == (480, 270)
        image.seek(image.n_frames - 1)
        last = np.asarray(image.convert("RGB"))
    # the palette is seeded with the step colours: the ball's colour survives exactly
    assert pixel(last, anim.ball_pixel(anim.total)) == anim.step_colour(anim.total)
    write_animation(anim, tmp_path / "ball.png", kind="png", frame="last")
    with Image.open(tmp_path / "ball.png") as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), anim.frame(len(anim) - 1))


# -- layers that grow with the step -------------------------------------------------------

def test_a_layer_at_step_s_is_the_layer_built_from_the_first_s_steps():
    rng = np.random.default_rng(3)
    points = np.cumsum(rng.normal(0, 9, size=(60, 2)), axis=0) + [150, 100]
    shape, box = (200, 300), (5, 5, 290, 190)
    full = StepLayer.coverage(*polyline_events(points, width=2.5, shape=shape, box=box), (200, 40, 10))
    sprites = [(k, disc(3 + k % 3, (k * 4, 100, 255 - k * 4))[0], int(p[1]) - 5, int(p[0]) - 5)
               for k, p in enumerate(points)]
    dots = StepLayer.sprites(shape, sprites)
    for s in (0, 1, 7, 30, 59):
        a, b = np.full(shape + (3,), 255, np.uint8), np.full(shape + (3,), 255, np.uint8)
        full.apply(a, s)
        dots.apply(a, s)
        StepLayer.coverage(*polyline_events(points[:s + 1], width=2.5, shape=shape, box=box),
                           (200, 40, 10)).apply(b, s)
        StepLayer.sprites(shape, sprites[:s + 1]).apply(b, s)
        assert np.array_equal(a, b), s


def test_a_line_is_solid_along_its_middle_and_stays_in_its_box():
    shape, box = (50, 80), (10, 10, 60, 30)
    pix, steps, alpha = polyline_events([(0.0, 25.5), (200.0, 25.5)], width=3.0, shape=shape, box=box)
    rows, cols = np.divmod(pix, shape[1])
    assert rows.min() >= 10 and rows.max() < 40 and cols.min() >= 10 and cols.max() < 70
    middle = alpha[rows == 25]
    assert len(middle) == 60 and np.all(middle == 1.0)


# -- races ------------------------------------------------------------------------------------

def near(image, where, colour, radius):
    r, c = where
    patch = image[max(r - radius, 0):r + radius + 1, max(c - radius, 0):c + radius + 1]
    return bool((patch == np.array(colour)).all(axis=2).any())


def test_each_racer_shows_in_its_colour_where_it_ends_and_not_before_it_moves(race):
    first, last = race.frame(0), race.frame(len(race) - 1)
    px, py, pw, ph = race.plot
    start = race.data_to_pixel(*race.trajectories[0].positions[0])
    rows, cols = np.mgrid[0:race.size[1], 0:race.size[0]]
    in_plot = (cols >= px) & (cols < px + pw) & (rows >= py) & (rows < py + ph)
    away_from_start = np.hypot(rows - start[0], cols - start[1]) > race.ball_r + 3
    ends = np.array([race.ball_pixel(k, race.total) for k in range(len(race.labels))])
    checked = 0
    for k, colour in enumerate(race.colours_rgb):
        # balls are drawn in race order, so a later ball may hide this one
        if np.all(np.hypot(*(ends[k + 1:] - ends[k]).T) > 2 * race.ball_r + 2):
            # in its colour (a twin of an earlier entrant draws its marker hollow: the colour is its rim)
            assert near(last, tuple(ends[k]), colour, round(race.ball_r)), race.labels[k]
            checked += 1
        painted = (first == np.array(colour)).all(axis=2)
        assert not (painted & in_plot & away_from_start).any(), race.labels[k]
    assert checked >= 4
    assert near(first, start, race.colours_rgb[-1], round(race.ball_r))     # every ball at the start, the last on top


def test_runs_of_different_lengths_stop_and_stay(race):
    lengths = {label: t.steps for label, t in zip(race.labels, race.trajectories)}
    assert race.total == 120 and lengths["Adam, 40 steps"] == 40 and lengths["SGD, lr too big"] < 10
    k = race.labels.index("Adam, 40 steps")
    later = [i for i, s in enumerate(race.epochs) if s >= 40]
    assert len({race.ball_pixel(k, race.epochs[i]) for i in later}) == 1
    d = race.labels.index("SGD, lr too big")
    last = race.frame(len(race) - 1)
    r, c = race.ball_pixel(d, race.total)
    assert pixel(last, (r, c)) == race.colours_rgb[d]            # the centre of its x
    assert pixel(last, (r - round(race.ball_r), c)) != race.colours_rgb[d]   # an x, not a ball
    px, py, pw, ph = race.plot
    assert px <= c < px + pw and py <= r < py + ph


def test_contour_levels_are_log_spaced_where_the_range_is_wide():
    f = FUNCTIONS_2D
    one_step = {name: {"run": descend(f[name], make_optimizer("sgd", lr=1e-3), None, 1)} for name in f}
    logs = {name: ContourRace(one_step[name], f[name], size=SMALL, view="domain").log_levels for name in f}
    assert logs == {"parabola": False, "rosenbrock": True, "beale": True, "saddle": False}


# -- frames are pure functions of their index --------------------------------------------------

def test_frames_are_the_same_in_worker_processes_and_across_builds(race):
    anim = curve_animation("too-large", size=SMALL)
    for source, again in ((anim, curve_animation("too-large", size=SMALL)),
                          (race, ContourRace(race_runs(race), race.function, size=SMALL, max_frames=60))):
        indices = list(range(0, len(source), 3))
        serial = [source.frame(i) for i in indices]
        forked = list(iter_frames(source, indices, workers=2))
        assert len(forked) == len(serial) >= 8
        assert all(np.array_equal(a, b) for a, b in zip(serial, forked))
        assert all(again.frame(i).tobytes() == s.tobytes() for i, s in zip(indices[::4], serial[::4]))
        # drawing frames out of order changes nothing
        assert np.array_equal(source.frame(indices[1]), serial[1])


def race_runs(race):
    return dict(zip(race.labels, race.trajectories))


def test_docstring_examples():
    for module in (renderers.descent, renderers.contour_race):
        assert doctest.testmod(module).failed == 0
