"""Where the tests' files are: the repository, this folder and its data, wherever a test file sits below it."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
DATA = os.path.join(TESTS, "data")
