"""A Recording's RunSpec: one typed value, one way to and from JSON, nothing unchecked on the way in."""

import copy
import dataclasses
import json
import pickle

import pytest

from animator import RunConfig, train
from animator.chapter import REFERENCE_CONFIGS
from animator.optimizers import OPTIMIZERS
from animator.run_spec import RunSpec, SpecError

TINY = dict(epochs=4, frames=2, grid_resolution=4)


def _config(reference):
    settings = dict(reference)
    structure = {key: settings.pop(key) for key in ("optimizer", "dataset", "hidden") if key in settings}
    if "hidden" in structure:
        structure["hidden"] = tuple(structure["hidden"])
    return RunConfig(**structure, hyperparameters=settings, **TINY)


CONFIGS = [_config(reference) for reference in REFERENCE_CONFIGS] + [
    RunConfig(optimizer=name, seed=1, record="all", **TINY) for name in OPTIMIZERS]


@pytest.fixture(scope="module")
def specs():
    return [train(config).spec for config in CONFIGS]


def test_every_reference_config_and_optimizer_round_trips(specs):
    for config, spec in zip(CONFIGS, specs):
        again = RunSpec.from_json(spec.to_json())
        assert again == spec and again.to_json() == spec.to_json(), config
        assert RunSpec.from_text(spec.text()).text() == spec.text()
        assert pickle.loads(pickle.dumps(spec)) == spec
        assert again.config == dataclasses.replace(config, hyperparameters=dict(config.hyperparameters))
        assert again.optimizer == spec.optimizer and again.optimizer.name == config.optimizer
        assert (again.epochs, again.frames.count, again.grid.resolution) == (4, 2, 4)


def test_a_race_entrant_keeps_its_place(specs):
    spec = specs[0]
    entrants = [specs[i].optimizer.as_dict() for i in range(3)]
    raced = RunSpec.from_json({**spec.to_json(), "race": {"entrants": entrants, "position": 2}})
    assert raced.race.position == 2 and raced.race.entrants[1] == specs[1].optimizer
    assert RunSpec.from_json(raced.to_json()) == raced


def test_it_is_a_value(specs):
    spec = specs[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.status = None
    with pytest.raises(TypeError):
        spec["status"]                  # no reading by key: attributes, or to_json() where JSON is wanted
    with pytest.raises(TypeError):
        json.dumps(spec)
    stopped = dataclasses.replace(spec, status=dataclasses.replace(spec.status, interrupted=True))
    assert stopped.to_json()["status"]["interrupted"] is True and spec.status.interrupted is False


def _changed(spec, path, value):
    data = copy.deepcopy(spec.to_json())
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    target[last] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    ("epochs", "10", "no valid epochs"),
    ("epochs", True, "no valid epochs"),
    ("status.interrupted", 0, "no valid status.interrupted"),
    ("architecture.hidden", [64.0], "no valid architecture.hidden"),
    ("config.grid_padding", "0.1", "no valid config.grid_padding"),
    ("config.seed", -1, "no valid config.seed"),
    ("optimizer.hyperparameters", {"lr": "fast"}, "no valid optimizer.hyperparameters"),
    ("optimizer.hyperparameters", {"momentum": 0.9, "rho": 0.9}, "an optimizer this animator cannot make"),
    ("surprise", 1, "unexpected key 'surprise'"),
    ("status.surprise", 1, "unexpected key 'surprise' in status"),
    ("config.learning_rate", 1.0, "unexpected key 'learning_rate' in config"),
    ("epochs", 5, "epochs disagrees with its config"),
    ("frames.every", 2, "frames disagrees with its config"),
    ("versions", {"numpy": ["2"]}, "no valid versions"),
    ("race", {"entrants": [{"name": "sgd", "hyperparameters": {}}], "position": 1}, "no valid race.position"),
])
def test_a_wrong_spec_is_refused_in_one_line(specs, path, value, message):
    with pytest.raises(SpecError, match=message) as error:
        RunSpec.from_json(_changed(specs[0], path, value))
    assert "\n" not in str(error.value)


def test_deep_or_oversized_specs_are_refused_before_they_are_walked(specs):
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(SpecError, match="nested more than"):
        RunSpec.from_json(_changed(specs[0], "versions", {"numpy": deep}))
    with pytest.raises(SpecError, match="nested more than"):
        RunSpec.from_text(json.dumps(_changed(specs[0], "versions", {"numpy": deep})))
    with pytest.raises(SpecError, match="larger than"):
        RunSpec.from_text(" " * (2 << 20))


def test_a_changed_spec_is_checked_like_a_file(specs):
    spec = specs[0]
    stopped = dataclasses.replace(spec, status=dataclasses.replace(spec.status, interrupted=True))
    assert RunSpec.from_json(stopped.to_json()) == stopped
    with pytest.raises(SpecError, match="status.interrupted"):
        RunSpec.from_json({**spec.to_json(), "status": {**spec.to_json()["status"], "interrupted": "yes"}})
