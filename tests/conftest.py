import os
import subprocess
import sys

import pytest

from animator_app.cli import main

TESTS = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(TESTS, "data")
REFERENCE_LOG = os.path.join(DATA, "ch10_sgd_decay1e-2.log")


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return f"Result(code={self.code}, out={self.out[-300:]!r}, err={self.err[-300:]!r})"


@pytest.fixture
def cli(capsys):
    """Run ``animator ARGS`` in this process; returns code, stdout and stderr."""

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_book_loop(config, epochs, every):
    """Lines printed by tests/book_loop.py (the book's own code under nnfs.init())."""
    import json

    completed = subprocess.run([sys.executable, os.path.join(TESTS, "book_loop.py"), json.dumps(config),
                                str(epochs), str(every)], capture_output=True, text=True, check=True)
    return completed.stdout.splitlines()
