"""Testing aids: check a hand-written optimizer against the book's, and compare runs number by number."""

from .difference import Difference, first_difference
from .snapshot import Mismatch, RecordingSnapshot, SnapshotError, compare
from .check import DEFAULT_RTOL, check_optimizer
from .mistakes import MISTAKES, Mistake
from .reader import ReaderError, lacks, look_alikes
from .result import CheckResult
