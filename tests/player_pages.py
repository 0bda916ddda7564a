"""The run and the player page the player's tests share (tests/renderers/test_player*.py): module fixtures."""

import pytest

from animator import RunConfig, train
from renderers.render import render
from renderers.training import TrainingAnimation

CONFIG = RunConfig(epochs=300, frames=12, grid_resolution=40)
SIZE = (640, 360)


@pytest.fixture(scope="module")
def recording():
    return train(CONFIG)


@pytest.fixture(scope="module")
def layout(recording):
    return TrainingAnimation(recording, size=SIZE)


@pytest.fixture(scope="module")
def page(recording, tmp_path_factory):
    path = tmp_path_factory.mktemp("player") / "run.html"
    render(recording, path, size=SIZE, fps=10, hold=1.5, workers=1)
    return path
