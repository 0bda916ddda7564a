"""Random streams: the book's global-seed stream, or an independent Generator.

Book mode draws every random number, data first and then the layers in
order, from one legacy ``RandomState(0)``; that is the stream
``nnfs.init()`` leaves in ``np.random`` after ``np.random.seed(0)``.  We hold
our own ``RandomState`` instead of seeding the global one, so that running a
book-mode training leaves numpy's global state (and everything else) alone.

``--seed N`` switches to ``numpy.random.Generator(PCG64(N))``: an independent,
modern stream whose draws differ from the book's.
"""

import numpy as np

BOOK_SEED = 0


def make_rng(seed=None):
    """Return the book's stream (``seed=None``) or a Generator seeded with ``seed``."""
    if seed is None:
        return np.random.RandomState(BOOK_SEED)
    return np.random.Generator(np.random.PCG64(seed))


def randn32(rng, *shape):
    """Standard normal draws in float64, then rounded to float32, as nnfs's randn does.

    ``rng=None`` draws from numpy's global legacy stream, exactly like the book's
    ``np.random.randn`` after ``nnfs.init()``.
    """
    source = np.random if rng is None else rng
    return np.asarray(source.standard_normal(shape), dtype=np.float64).astype(np.float32)


def uniform(rng, low, high, size):
    source = np.random if rng is None else rng
    return source.uniform(low, high, size)
