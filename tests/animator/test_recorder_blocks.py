"""The Recorder checks parameters a block of epochs at a time: what it makes is what checking each epoch makes."""

from concurrent.futures import Future

import numpy as np
import pytest

import animator.recorder_ring as recorder_module
from animator.errors import ArgumentError
from animator.recorder import Recorder

EPOCHS = 150


def _data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(40, 2)).astype(np.float32), rng.integers(0, 3, 40)


def _record(block, *, bad_at=None, bad="nan", planned=True, give_updates=False, predict=False, after=()):
    """A random-walk run of EPOCHS epochs through a Recorder with ``BLOCK = block``; ``bad_at``: the epoch whose
    ``bad`` ("nan", "inf", "loss") ends it; ``after``: what is handed over after that epoch (ignored, as a rule)."""
    X, y = _data()
    asked = []

    def ask(points):
        asked.append(len(points))
        return np.full((len(points), 3), 1 / 3)

    old = recorder_module.BLOCK
    recorder_module.BLOCK = block
    try:
        recorder = Recorder(X, y, ask if predict else None, epochs=EPOCHS if planned else None, frames=6,
                            grid_resolution=6)
        rng = np.random.default_rng(5)
        params = [(rng.normal(size=(2, 5)), rng.normal(size=(1, 5))), (rng.normal(size=(5, 3)), rng.normal(size=(1, 3)))]
        for epoch in range(EPOCHS + 1):
            loss = 1.0 / (epoch + 1)
            handed = [(w.copy(), b.copy()) for w, b in params]
            if epoch == bad_at:
                if bad == "loss":
                    loss = float("nan")
                else:
                    handed[1][0][2, 1] = np.nan if bad == "nan" else -np.inf
            steps = [(rng.normal(scale=0.1, size=w.shape), rng.normal(scale=0.1, size=b.shape)) for w, b in params]
            if bad_at is not None and epoch > bad_at:
                for call in after:
                    call(recorder, handed)
            recorder.epoch(loss, 0.5, 0.01 * (epoch + 1), handed, updates=steps if give_updates else None)
            params = [(w + dw, b + db) for (w, b), (dw, db) in zip(params, steps)]
        recording = recorder.finish(layers=params)
    finally:
        recorder_module.BLOCK = old
    return recording, asked


def _same(one, other):
    first, second = one[0], other[0]
    assert first.spec.to_json() == second.spec.to_json()
    assert sorted(first.arrays) == sorted(second.arrays)
    for name in first.arrays:
        assert np.array_equal(first.arrays[name], second.arrays[name], equal_nan=True), name
    assert one[1] == other[1]             # predict asked as often


@pytest.mark.parametrize("bad_at, bad", [(None, None)] + [(epoch, bad) for bad in ("nan", "inf", "loss")
                                                             for epoch in (0, 1, 3, 24, 31, 63, 64, 65, 100, 127, 128, 150)])
def test_a_run_checked_in_blocks_equals_one_checked_each_epoch(bad_at, bad):
    each = _record(1, bad_at=bad_at, bad=bad)
    for block in (5, 64):
        _same(_record(block, bad_at=bad_at, bad=bad), each)
    recording = each[0]
    for name, values in recording.arrays.items():
        if values.dtype.kind == "f" and name not in ("loss",):
            assert np.isfinite(values).all(), name      # nothing of the epoch that diverged, nor derived from it
    if bad_at is None:
        assert recording.diverged_at is None and len(recording.epochs) == EPOCHS + 1
    else:
        assert recording.diverged_at == bad_at and len(recording.epochs) == bad_at
        assert (("loss is nan" if bad == "loss" else f"Dense 2 weights are {bad}")
                in recording.status.divergence_cause)


@pytest.mark.parametrize("bad_at", [2, 50, 64, 119])
@pytest.mark.parametrize("planned, give_updates, predict", [
    (False, False, False), (True, True, False), (True, False, True), (False, True, True)])
def test_blocks_keep_the_same_frames_updates_and_regions(bad_at, planned, give_updates, predict):
    options = dict(bad_at=bad_at, planned=planned, give_updates=give_updates, predict=predict)
    each = _record(1, **options)
    _same(_record(64, **options), each)
    _same(_record(7, **options), each)


def test_what_comes_after_a_divergence_is_ignored_even_before_it_is_found():
    def wrong_accuracy(recorder, handed):
        recorder.epoch(0.5, float("nan"), 0.1, handed)

    def wrong_shapes(recorder, handed):
        recorder.epoch(0.5, 0.5, 0.1, handed[:1])

    def wrong_updates(recorder, handed):
        recorder.epoch(0.5, 0.5, 0.1, handed, updates=handed[:1])

    def unreadable(recorder, handed):
        class Broken:
            def __iter__(self):
                raise RuntimeError("not now")
        recorder.epoch(0.5, 0.5, 0.1, Broken())
        recorder.epoch(0.5, 0.5, 0.1, handed, updates=Broken())

    for block in (1, 64):
        recording, _ = _record(block, bad_at=70, after=(wrong_accuracy,))
        assert recording.diverged_at == 70
    _same(_record(64, bad_at=70, after=(wrong_shapes,)), _record(1, bad_at=70, after=(wrong_shapes,)))
    _same(_record(64, bad_at=70, after=(wrong_updates,)), _record(1, bad_at=70, after=(wrong_updates,)))
    _same(_record(64, bad_at=70, after=(unreadable,)), _record(1, bad_at=70, after=(unreadable,)))


def test_a_bad_epoch_in_a_healthy_run_is_still_refused_at_once():
    X, y = _data()
    recorder = Recorder(X, y, epochs=10, frames=3, grid_resolution=4)
    params = [(np.ones((2, 4)), np.zeros((1, 4))), (np.ones((4, 3)), np.zeros((1, 3)))]
    recorder.epoch(1.0, 0.5, 0.1, params)
    with pytest.raises(ArgumentError, match="accuracy must be between 0 and 1"):
        recorder.epoch(1.0, 1.5, 0.1, params)
    with pytest.raises(ArgumentError, match="updates must have the shapes"):
        recorder.epoch(1.0, 0.5, 0.1, params, updates=params[:1])
    recorder.epoch(1.0, 0.5, 0.1, params)
    assert recorder.epochs_recorded == 2 and not recorder.diverged


def test_the_divergence_is_seen_as_soon_as_it_is_asked_for():
    X, y = _data()
    recorder = Recorder(X, y, epochs=100, frames=3, grid_resolution=4)
    params = [(np.ones((2, 4)), np.zeros((1, 4))), (np.ones((4, 3)), np.zeros((1, 3)))]
    for epoch in range(10):
        recorder.epoch(1.0, 0.5, 0.1, params if epoch != 6 else [(np.full((2, 4), np.inf), params[0][1]), params[1]])
    assert recorder.diverged_at == 6 and recorder.diverged and recorder.epochs_recorded == 6
    assert recorder.divergence_cause == "Dense 1 weights are inf"


def _interrupted_at_a_kept_epoch(taken):
    """A 200-epoch run whose fourth kept epoch's grid hand-off is interrupted (Ctrl-C), then finished."""
    X, y = _data()
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(201, 27))
    recorder = Recorder(X, y, epochs=200, frames=20, grid_resolution=4)
    handed = []

    def later(params):
        handed.append(1)
        if len(handed) == 4:
            raise KeyboardInterrupt
        ready = Future()
        ready.set_result(np.zeros((4, 4, 3), np.uint8))
        return ready

    recorder._grid_later = later
    updates = {e: [(w * 0, b * 0 + e) for w, b in recorder_pairs(rows[e])] for e in range(201)}
    try:
        recorder.epoch(1.0, 0.5, 0.1, recorder_pairs(rows[0]), updates=updates[0])
        if taken:
            for start in range(1, 201, 64):
                stop = min(201, start + 64)
                given = {e - start: (updates[e], None) for e in range(start, stop) if recorder.keeps(e)}
                recorder._take(np.ones(stop - start), np.full(stop - start, 0.5), [0.1] * (stop - start),
                               rows[start:stop].copy(), given)
        else:
            for e in range(1, 201):
                recorder.epoch(1.0, 0.5, 0.1, recorder_pairs(rows[e]), updates=updates[e] if recorder.keeps(e) else None)
    except KeyboardInterrupt:
        pass
    return recorder.finish(interrupted=True), []


def recorder_pairs(row):
    shapes, views, at = [(2, 4), (1, 4), (4, 3), (1, 3)], [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(row[at:at + size].reshape(shape).copy())
        at += size
    return list(zip(views[::2], views[1::2]))


def test_ctrl_c_while_a_block_is_taken_leaves_what_epoch_by_epoch_leaves():
    each, taken = _interrupted_at_a_kept_epoch(False), _interrupted_at_a_kept_epoch(True)
    _same(taken, each)
    recording = each[0]
    assert recording.status.interrupted and recording.frame_epochs.tolist() == [0, 11, 21, 32]
    assert len(recording.epochs) == 33          # up to the fourth kept epoch, whose hand-off was interrupted
