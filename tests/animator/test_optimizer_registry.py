"""Contract tests over every registered optimizer, and the rule that only its own module names it.

A new optimizer is one module in ``animator/optimizers/``; these tests run over
it without being edited, so a fact it forgets to declare fails here rather than
in a user's hands.
"""

import inspect
import os

import numpy as np
import pytest

from animator import Dense
from animator.optimizers import OPTIMIZERS, OptimizerSpec, book_arguments, hyperparameter_names, state_slot_names
from animator.recording import Recording
from animator.run import RunConfig, train
from animator.testing import check_optimizer
from paths import ROOT
from source_rules import spelled

NAMES = list(OPTIMIZERS)


def _every_setting_away_from_its_default(cls):
    """Settings with decay on and every other hyper-parameter moved off its default, inside its range."""
    moved = {}
    for h in cls.HYPERPARAMETERS:
        if h.name == "decay":
            moved[h.name] = 1e-2
        elif 0 < h.default < 1:
            moved[h.name] = h.default * 0.9     # rates and epsilon stay in range
        elif h.default == 0:
            moved[h.name] = 0.5                 # momentum on
        else:
            moved[h.name] = h.default * 0.5
    return moved


@pytest.fixture(params=NAMES)
def member(request):
    return OPTIMIZERS[request.param]


def test_every_member_declares_what_every_layer_asks(member):
    assert member.name and member.title and member.HYPERPARAMETERS
    names = [h.name for h in member.HYPERPARAMETERS]
    assert names[:2] == ["lr", "decay"] and len(set(names)) == len(names)
    for h in member.HYPERPARAMETERS:
        assert h.help and h.argument.isidentifier() and h.check(h.default) == h.default
        with pytest.raises(ValueError):
            h.check(float("nan"))
    assert set(member.state_slots) <= set(state_slot_names())
    # the book's signature: every argument by its book name, in the book's order, with its default
    assert [(p.name, p.default) for p in inspect.signature(member).parameters.values()] == \
        [(h.argument, h.default) for h in member.HYPERPARAMETERS]


@pytest.mark.parametrize("moved", [False, True])
def test_book_protocol_pure_update_and_switchable_formula_agree_to_the_bit(member, moved):
    settings = _every_setting_away_from_its_default(member) if moved else {}
    rng = np.random.default_rng(11)
    layer = Dense(3, 4, rng=np.random.RandomState(1))
    weights = layer.weights.copy()
    book, pure, switched = (OptimizerSpec(member.name, settings).build() for _ in range(3))
    state = pure.init(weights)
    slots = {name: np.zeros_like(weights) for name in switched.slots}
    for t in range(7):
        layer.dweights = rng.standard_normal(weights.shape).astype(np.float32)
        layer.dbiases = rng.standard_normal((1, 4)).astype(np.float32)
        grad = layer.dweights.copy()
        book.pre_update_params()
        book_update, _ = book.update_params(layer)
        book.post_update_params()
        pure_update, state = pure.update(grad, state)
        switched_update, slots = switched.mistaken(grad, slots, switched.learning_rate_at(t), t)
        assert book_update.tobytes() == pure_update.tobytes() == switched_update.tobytes()
        for name in book.slots:
            assert getattr(layer, f"weight_{name}").tobytes() == state.slots[name].tobytes() == slots[name].tobytes()


def test_positional_and_book_keyword_construction_agree(member):
    settings = _every_setting_away_from_its_default(member)
    by_keyword = member(**{book_arguments()[k]: v for k, v in settings.items()})
    by_position = member(*(settings[h.name] for h in member.HYPERPARAMETERS))
    assert by_keyword.hyperparameters() == by_position.hyperparameters() == settings
    with pytest.raises(TypeError):
        member(**{"no_such_argument": 1})


def test_its_spec_round_trips(member):
    spec = OptimizerSpec(member.name, _every_setting_away_from_its_default(member))
    again = OptimizerSpec.of(spec.as_dict())
    assert again == spec and again.build().hyperparameters() == spec.complete()
    assert spec.title == member.title and repr(spec.build()).startswith(member.__name__ + "(")


def test_a_recording_with_its_state_saves_and_loads(member, tmp_path):
    settings = _every_setting_away_from_its_default(member)
    recording = train(RunConfig(optimizer=member.name, hyperparameters=settings, epochs=4, frames=2, samples=10,
                                hidden=(5,), grid_resolution=8))
    recording.save(tmp_path / "run.npz")
    again = Recording.load(tmp_path / "run.npz")
    kept = [key for key in again.arrays if any(key.endswith(f"_{slot}") for slot in member.state_slots)]
    assert len(kept) == 2 * 2 * len(member.state_slots)        # weights and biases of both layers
    for key in kept:
        assert np.array_equal(again.arrays[key], recording.arrays[key])


def test_check_optimizer_passes_it_against_itself(member):
    settings = _every_setting_away_from_its_default(member)
    assert check_optimizer(member, OptimizerSpec(member.name, settings), epochs=30).passed


def test_the_command_line_takes_every_hyper_parameter():
    from animator_app.cli import build_parser

    parser = build_parser()
    for name in NAMES:
        for h in OPTIMIZERS[name].HYPERPARAMETERS:
            options = parser.parse_args(["train", "--optimizer", name, f"--{h.name}", str(h.default)])
            assert getattr(options, h.name) == h.default
    assert set(hyperparameter_names()) == set(book_arguments())


# -- the rule: a member's name and state slots are written in its own module only ------------------

ALLOWED = {os.path.join("animator", "chapter.py")}     # the chapter's table names the optimizers it uses


def test_no_module_but_the_members_own_spells_a_member_name():
    member_files = {os.path.relpath(inspect.getsourcefile(cls), ROOT) for cls in OPTIMIZERS.values()}
    found = spelled(set(NAMES) | set(state_slot_names()), allowed=member_files | ALLOWED)
    assert not found, "literal optimizer names outside their modules:\n" + "\n".join(found)
