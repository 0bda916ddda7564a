"""The loop's last epoch read from its ``for ... in range(...)`` line, and nothing else run to read it."""

import linecache
import sys

import numpy as np
import pytest

from animator.frames import decision_grid, grid_extent, grid_points
from animator.loop_range import planned_last_epoch
from animator.record_grids import book_grid


def _run(code, argv=("script.py",), name="<loop-test>"):
    """Run ``code`` with a hook ``probe()`` that reads the plan from inside the loop; the plans it read."""
    seen = []
    lines = code.splitlines(keepends=True)
    linecache.cache[name] = (len(code), None, lines, name)
    namespace = {"probe": lambda: seen.append(planned_last_epoch(sys._getframe(1))), "__name__": "__main__"}
    saved = sys.argv
    sys.argv = list(argv)
    try:
        exec(compile(code, name, "exec"), namespace)
    finally:
        sys.argv = saved
        linecache.cache.pop(name, None)
    return seen


@pytest.mark.parametrize("head, argv, planned", [
    ("for epoch in range(10001):", (), 10000),
    ("for epoch in range(EPOCHS + 1):", (), 300),
    ("for epoch in range(int(sys.argv[1]) + 1 if len(sys.argv) > 1 else 10001):", ("5000",), 5000),
    ("for epoch in range(int(sys.argv[1]) + 1 if len(sys.argv) > 1 else 10001):", (), 10000),
    ("for epoch in range(1, 101):", (), 99),
    ("for epoch in range(0, 100, 2):", (), 49),
])
def test_the_loops_range_gives_the_last_epoch(head, argv, planned):
    code = f"import sys\nEPOCHS = 300\n{head}\n    if epoch == 0 or epoch == 1 and {planned} == 99:\n        probe()\n"
    assert _run(code, ("script.py", *argv))[0] == planned


@pytest.mark.parametrize("code", [
    "n = 3\nwhile n:\n    n -= 1\n    probe()\n",                                     # no for loop
    "for epoch in [0, 1, 2]:\n    probe()\n    break\n",                             # not a range
    "def steps():\n    return 10\nfor epoch in range(steps()):\n    probe()\n    break\n",   # calls the script
    "import random\nfor epoch in range(random.randint(1, 9)):\n    probe()\n    break\n",
    "for epoch in range(10):\n    if epoch == 3:\n        probe()\n",              # not its first pass
    "range = lambda n: [0]\nfor epoch in range(10):\n    probe()\n",                 # not the builtin range
    "for epoch in range(0):\n    pass\nprobe()\n",                                   # outside the loop
])
def test_anything_else_is_unknown_and_runs_nothing(code):
    assert set(_run(code)) <= {None}


def test_nested_loops_are_not_guessed_at():
    code = "for epoch in range(50):\n    for batch in range(4):\n        if epoch == 0 and batch == 0:\n            probe()\n"
    assert _run(code) == [None]


@pytest.mark.parametrize("hidden", [(64,), (16, 8)])
def test_book_grid_is_decision_grids_bits(hidden):
    rng = np.random.default_rng(3)
    sizes = [2, *hidden, 3]
    X = rng.normal(0, 1, (300, 2)).astype(np.float32)
    extent = grid_extent(X, 0.1)
    for scale in (0.01, 1.0, 30.0):
        weights = [rng.normal(0, scale, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [rng.normal(0, scale, (1, b)) for b in sizes[1:]]
        for resolution in (7, 160):
            ours = book_grid(grid_points(extent, resolution), weights, biases, resolution)
            assert np.array_equal(ours, decision_grid([weights], [biases], extent, resolution)[0])
