"""Testing aids: check a hand-written optimizer against the book's, and compare runs number by number.

The names below are imported when first used (see :mod:`animator.lazy`): the
command line's parser reads ``DEFAULT_RTOL`` for ``check --rtol``'s help.
"""

from animator.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    ".difference": ("Difference", "first_difference"),
    ".snapshot": ("Mismatch", "RecordingSnapshot", "SnapshotError", "compare"),
    ".check": ("DEFAULT_RTOL", "check_optimizer"),
    ".mistakes": ("MISTAKES", "Mistake"),
    ".reader": ("ReaderError", "lacks", "look_alikes"),
    ".result": ("CheckResult",),
})
