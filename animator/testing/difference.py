"""Where two arrays first disagree, as a value both the optimizer check and the snapshots report.

>>> first_difference("dense1.weights", np.array([1.0, 2.0]), np.array([1.0, 2.5]), rtol=1e-6).describe()
'dense1.weights[1]: 2 where 2.5 was expected (difference 0.5; 1 of 2 values differ)'
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Difference:
    """The largest disagreement between ``actual`` and ``expected`` for the array ``name``.

    ``index`` locates the largest absolute difference, with both values there;
    ``count`` is how many of the ``size`` elements are outside the tolerance.
    A shape mismatch has ``index=None`` and says so in :meth:`describe`.
    """

    name: str
    index: tuple
    actual: float
    expected: float
    largest: float
    count: int
    size: int
    shapes: tuple = None

    def describe(self):
        """One line: ``dense1.weights[0, 3]: 0.0123 where 0.0125 was expected (3 of 128 values differ)``."""
        if self.shapes is not None:
            return f"{self.name}: shape {self.shapes[0]} where {self.shapes[1]} was expected"
        where = f"[{', '.join(str(i) for i in self.index)}]" if self.index else ""
        return (f"{self.name}{where}: {self.actual:.9g} where {self.expected:.9g} was expected "
                f"(difference {self.largest:.3g}; {self.count} of {self.size} values differ)")


def first_difference(name, actual, expected, *, rtol=0.0, atol=0.0, tolerance=None):
    """A :class:`Difference` if ``actual`` and ``expected`` differ beyond ``atol + rtol * |expected|``, else None.

    ``tolerance``, an array shaped like ``expected``, replaces that bound with a
    per-element one (the optimizer check scales it by each update's size).
    NaN matches NaN and infinities match themselves, so a run that diverged
    the same way compares equal.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return Difference(name, None, float("nan"), float("nan"), float("inf"), actual.size, expected.size,
                          shapes=(actual.shape, expected.shape))
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(a - e)
        bound = atol + rtol * np.abs(e) if tolerance is None else tolerance
        same = (gap <= bound) | (np.isnan(a) & np.isnan(e)) | (a == e)
    if same.all():
        return None
    gap = np.where(same, -1.0, np.nan_to_num(gap, nan=np.inf))
    flat = int(np.argmax(gap))
    index = tuple(int(i) for i in np.unravel_index(flat, e.shape)) if e.ndim else ()
    return Difference(name, index, float(a.flat[flat]), float(e.flat[flat]), float(gap.flat[flat]),
                      int((~same).sum()), int(e.size))
