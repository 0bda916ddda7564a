"""Optimizer races: specs, fairness (same data, same start, same frames), and the race animation."""

import warnings
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from animator import RunConfig, UserError, build, train
from animator.optimizers import OptimizerSpec
from animator.race import PRESETS, parse_spec, preset_specs, race
from renderers.layout import describe
from renderers.race import RaceAnimation
from renderers.render import iter_frames, write_animation
from renderers.theme import hex_rgb
from renderers.training import describe_optimizer
from renderers.writers import NullWriter

CHAPTER = RunConfig(epochs=300, frames=8, grid_resolution=40)
SEEDED = RunConfig(epochs=300, frames=8, grid_resolution=40, seed=7)
SIZE = (960, 540)


@pytest.fixture(scope="module")
def calls():
    return []


@pytest.fixture(scope="module")
def chapter_race(calls):
    return race(PRESETS["chapter"], CHAPTER, on_epoch=lambda *args: calls.append(args[:2]))


@pytest.fixture(scope="module")
def seeded_race():
    return race(["sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05,decay=5e-7"], SEEDED)


@pytest.fixture(scope="module")
def chapter_animation(chapter_race):
    return RaceAnimation(chapter_race, size=SIZE)


# -- specs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("sgd:lr=1,decay=1e-3,momentum=0.9", ("sgd", {"lr": 1.0, "decay": 1e-3, "momentum": 0.9})),
    ("adagrad:decay=1e-4", ("adagrad", {"decay": 1e-4})),
    ("adam", ("adam", {})),
    ("rmsprop:lr=0.02,decay=1e-5,rho=0.999", ("rmsprop", {"lr": 0.02, "decay": 1e-5, "rho": 0.999})),
    (" Adam : beta1 = 0.8 ", ("adam", {"beta1": 0.8})),
])
def test_specs_parse(text, expected):
    spec = parse_spec(text)
    assert (spec.name, dict(spec.hyperparameters)) == expected


@pytest.mark.parametrize("text, message", [
    ("adam:lr=-1", "optimizer spec 'adam:lr=-1': Invalid learning rate: -1.0"),
    ("sgd:foo=1", "optimizer spec 'sgd:foo=1': sgd has no hyper-parameter 'foo' (it takes lr, decay, momentum)"),
    ("lbfgs", "optimizer spec 'lbfgs': unknown optimizer 'lbfgs' (choose from sgd, adagrad, rmsprop, adam)"),
    ("sgd:lr", "optimizer spec 'sgd:lr': expected KEY=VALUE after sgd:, got 'lr'"),
    ("sgd:lr=abc", "optimizer spec 'sgd:lr=abc': lr must be a number, got 'abc'"),
    ("sgd:lr=1,lr=2", "optimizer spec 'sgd:lr=1,lr=2': lr is given twice"),
    ("sgd:", "optimizer spec 'sgd:': expected KEY=VALUE after sgd:, got ''"),
    ("sgd:momentum=1", "optimizer spec 'sgd:momentum=1': Invalid momentum value: 1.0"),
    ("", "empty optimizer spec; expected NAME or NAME:KEY=VALUE,... like sgd:lr=1,decay=1e-3"),
])
def test_bad_specs_say_what_is_wrong_in_one_line(text, message):
    with pytest.raises(UserError) as caught:
        parse_spec(text)
    assert str(caught.value) == message


def test_presets():
    assert preset_specs("chapter") == [parse_spec(text) for text in (
        "sgd:lr=1,decay=1e-3,momentum=0.9", "adagrad:decay=1e-4", "rmsprop:lr=0.02,decay=1e-5,rho=0.999",
        "adam:lr=0.05,decay=5e-7")]
    with pytest.raises(UserError, match=r"^preset 'fast' is unknown \(choose from chapter\)$"):
        preset_specs("fast")


def test_a_race_refuses_twins_and_crowds():
    with pytest.raises(UserError, match=r"specs name sgd with the same settings twice \(\{'lr': 1.0\}\)"):
        race(["sgd", "sgd:lr=1"], replace(CHAPTER, epochs=1))
    with pytest.raises(UserError, match=r"specs must name 1 to 4 optimizers \(got 5\)"):
        race(["sgd", "adam", "adagrad", "rmsprop", "sgd:lr=0.5"], replace(CHAPTER, epochs=1))


# -- fairness ------------------------------------------------------------------------------

def test_every_entrant_starts_from_the_same_weights(chapter_race):
    _, _, network, _ = build(CHAPTER)
    for recording in chapter_race.recordings:
        for i, dense in enumerate(network.dense, start=1):
            assert np.array_equal(recording.layer(i)["weights"][0], dense.weights)
            assert np.array_equal(recording.layer(i)["biases"][0], dense.biases)
        assert np.array_equal(recording.X, chapter_race.recordings[0].X)


@pytest.mark.parametrize("which", ["chapter_race", "seeded_race"])
def test_each_entrant_is_its_solo_run(which, request):
    result = request.getfixturevalue(which)
    for spec, recording in zip(result.specs, result.recordings):
        name = spec.name
        solo = train(replace(result.config, optimizer=name, hyperparameters=dict(spec.hyperparameters)))
        for key in ("loss", "accuracy", "learning_rate", "dense2.weights", "frame_epochs", "grid_probs"):
            assert np.array_equal(recording[key], solo[key]), (name, key)
        assert recording.spec.optimizer == solo.spec.optimizer
        assert recording.spec.mode == ("book" if result.config.seed is None else "seeded")


def test_labels_and_progress(chapter_race, calls):
    assert [describe(s) for s in chapter_race.specs] == [describe_optimizer(r.spec) for r in chapter_race.recordings]
    assert describe(chapter_race.specs[0]) == "SGD · lr=1.0 · decay=0.001 · momentum=0.9"
    assert describe(OptimizerSpec("adam")) == "Adam · lr=0.001"
    assert chapter_race.specs[0] == OptimizerSpec("sgd", {"lr": 1, "decay": 1e-3, "momentum": 0.9})
    assert calls == [(k, e) for k in range(4) for e in range(301)]


def test_entrants_move_in_lock_step(chapter_race, chapter_animation):
    assert chapter_race.frame_epochs.tolist() == [0, 43, 86, 129, 171, 214, 257, 300]
    for recording in chapter_race.recordings:
        assert np.array_equal(recording.frame_epochs, chapter_race.frame_epochs)
        assert len(recording.grid_probs) == len(chapter_race.frame_epochs)
    assert np.array_equal(chapter_animation.epochs, chapter_race.frame_epochs)


# -- the animation ---------------------------------------------------------------------------

def test_frame_count_from_a_null_writer(chapter_animation):
    writer = NullWriter()
    with writer:
        for frame in iter_frames(chapter_animation, range(len(chapter_animation)), workers=1):
            writer.write(frame)
    assert writer.frames == len(chapter_animation) == 8
    assert writer.shape == (540, 960, 3)


def test_frames_are_the_same_in_worker_processes(chapter_animation):
    serial = list(iter_frames(chapter_animation, range(len(chapter_animation)), workers=1))
    parallel = list(iter_frames(chapter_animation, range(len(chapter_animation)), workers=3))
    assert all(np.array_equal(a, b) for a, b in zip(serial, parallel, strict=True))


def test_deep_inside_a_region_each_panel_has_that_class_colour(chapter_race, chapter_animation):
    animation = chapter_animation
    last = len(animation) - 1
    frame = animation.frame(last)
    for k, recording in enumerate(chapter_race.recordings):
        x0, y0, inner = animation.panel_inside(k)
        # the panel's frame is the entrant's colour
        assert tuple(frame[y0 - 1, x0 + inner // 2]) == tuple(animation.entrant_colours[k])
        covered = np.zeros((inner, inner), dtype=bool)
        covered[animation.points.index] = True
        probs = recording.grid_probs[last].astype(int)
        res = probs.shape[0]
        checked = 0
        for c in range(probs.shape[-1]):
            # cells whose 3x3 neighbourhood gives class c at least 60%: interpolation keeps c the argmax
            sure = probs[..., c] >= 0.6 * 255
            core = np.ones((res - 2, res - 2), dtype=bool)
            for dr in (0, 1, 2):
                for dc in (0, 1, 2):
                    core &= sure[dr:dr + res - 2, dc:dc + res - 2]
            for r, col in np.argwhere(core)[::7] + 1:
                py, px = int((r + 0.5) / res * inner), int((col + 0.5) / res * inner)
                if covered[max(py - 4, 0):py + 5, max(px - 4, 0):px + 5].any():
                    continue
                assert tuple(frame[y0 + py, x0 + px]) == tuple(animation.region_colours[c]), (k, c)
                checked += 1
        assert checked >= 5, f"no clear territory found in panel {k}"


def test_a_diverging_entrant_stops_and_the_others_race_on(tmp_path):
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        result = race(["sgd:lr=1e30", "adam:lr=0.05,decay=5e-7"], replace(CHAPTER, epochs=200))
        animation = RaceAnimation(result, size=(640, 360))
        frames = [animation.frame(i) for i in range(len(animation))]
        write_animation(animation, tmp_path / "race.gif", hold=0, workers=1)
    diverged, adam = result.recordings
    assert diverged.diverged_at == 1 and len(diverged.epochs) == 1
    assert diverged.frame_epochs.tolist() == [0] * 8             # its last finite state, in every frame
    assert np.array_equal(diverged.grid_probs, np.repeat(diverged.grid_probs[:1], 8, axis=0))
    assert adam.diverged_at is None and len(adam.epochs) == 201
    assert np.array_equal(adam.frame_epochs, result.frame_epochs)
    assert len(frames) == 8
    warning = np.array(hex_rgb(animation.theme.warning), dtype=np.uint8)
    x0, y0, inner = animation.panel_inside(0)
    banner = lambda frame: (frame[y0:y0 + inner // 3, x0:x0 + inner] == warning).all(axis=-1).sum()
    assert banner(frames[0]) == 0 and banner(frames[-1]) > 100
    with Image.open(tmp_path / "race.gif") as gif:
        assert gif.n_frames == 8 and gif.size == (640, 360)


def test_entrants_trained_in_parallel_are_the_same_as_one_after_another():
    specs = ["sgd:lr=1,momentum=0.9", "adam:lr=0.05", "rmsprop:lr=0.02"]
    config = RunConfig(epochs=120, frames=4, grid_resolution=16)
    seen = []
    serial = race(specs, config)
    parallel = race(specs, config, workers=2, on_progress=lambda done, total: seen.append((done, total)))
    assert parallel.specs == serial.specs
    for a, b in zip(serial.recordings, parallel.recordings):
        assert set(a.arrays) == set(b.arrays)
        assert all(np.array_equal(a.arrays[name], b.arrays[name]) for name in a.arrays)
    assert seen and all(total == 3 * 121 for _, total in seen)
