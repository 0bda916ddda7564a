"""Runs too big for the machine are refused before any work, with the estimate and the argument to change."""

import pytest

from animator import RunConfig, train
from animator.errors import ArgumentError
from animator.trainer import Trainer
from animator.run import check_memory, estimate_bytes, memory_limit


@pytest.mark.parametrize("config, argument", [
    (RunConfig(hidden=(4096, 4096)), "hidden"),
    (RunConfig(classes=100000), "classes"),
    (RunConfig(epochs=10**7, record="all"), "record"),
    (RunConfig(grid_resolution=2000, frames=2000), "grid_resolution"),
])
def test_runs_too_big_are_refused_up_front(config, argument, monkeypatch):
    def no_training(*_, **__):
        raise AssertionError("trained before the run's size was checked")

    monkeypatch.setattr(Trainer, "run", no_training)
    with pytest.raises(ArgumentError) as error:
        train(config)
    assert error.value.argument == argument
    message = str(error.value)
    assert "\n" not in message and "GiB of memory" in message and "--" not in message


def test_the_chapter_and_long_runs_fit():
    assert check_memory(RunConfig()) < 200e6
    assert check_memory(RunConfig(epochs=200000, frames=50)) < 200e6
    assert sum(estimate_bytes(RunConfig(epochs=200000, record="all")).values()) > 1e9


def test_memory_limit_is_half_of_memtotal():
    with open("/proc/meminfo") as handle:
        total = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("MemTotal:"))
    assert memory_limit() == total // 2


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": -1}, "epochs must be 0 or more (got -1)"),
    ({"hidden": (0,)}, "hidden sizes must be positive (got 0)"),
    ({"grid_resolution": 1}, "grid_resolution must be between 2 and 2000 (got 1)"),
    ({"grid_padding": -1}, "grid_padding must be between 0 and 10 (got -1)"),
    ({"frames": 0}, "frames must be at least 1 (got 0)"),
    ({"every": 0}, "every must be at least 1 (got 0)"),
    ({"frame_spacing": "cubic"}, "frame_spacing must be one of linear, log (got 'cubic')"),
    ({"record": "some"}, "record must be frames or all (got 'some')"),
    ({"samples": 0}, "samples must be at least 1 (got 0)"),
])
def test_bad_arguments_speak_of_arguments(kwargs, message):
    with pytest.raises(ArgumentError) as error:
        train(RunConfig(**kwargs))
    assert str(error.value) == message
    assert error.value.argument == next(iter(kwargs))
