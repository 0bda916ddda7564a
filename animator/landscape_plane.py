"""The plane a landscape is drawn on: its origin and two orthonormal directions in parameter space.

:func:`pca_plane` takes the two principal directions of every entrant's path
together; :func:`random_plane` two filter-normalized Gaussian directions (Li et
al., 2018); :func:`centre_of` reads where the plane passes (``start``,
``mean``, ``end``, ``end NAME``).  See :mod:`animator.landscape`.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .errors import ArgumentError


@dataclass(frozen=True, eq=False)
class Plane:
    """A plane in parameter space: ``origin`` (P,) and two orthonormal ``directions`` (2, P), float64.

    ``explained``: the share of the trajectories' variance along each direction
    (PCA), or None (random directions); ``unit``: for random directions, each
    filter-normalized direction's length (what Li et al. call 1 along it).
    """

    kind: str
    origin: np.ndarray
    directions: np.ndarray
    centre: str
    explained: Optional[tuple] = None
    seed: Optional[int] = None
    unit: Optional[tuple] = None

    def coordinates(self, thetas):
        """Where each row of ``thetas`` (n, P) projects onto the plane, as (n, 2) coordinates."""
        return (np.atleast_2d(thetas) - self.origin) @ self.directions.T

    def point(self, coordinates):
        """The parameters (n, P) at plane coordinates (n, 2)."""
        return self.origin + np.atleast_2d(coordinates) @ self.directions

    def distance(self, thetas):
        """How far each row of ``thetas`` is from the plane (the part of it the projection drops)."""
        thetas = np.atleast_2d(thetas)
        return np.linalg.norm(thetas - self.point(self.coordinates(thetas)), axis=1)

    @property
    def explained_share(self):
        return None if self.explained is None else float(sum(self.explained))


def centre_of(centre, thetas, specs, *, default="start"):
    """``(label, origin)`` for a centre: ``"start"``, ``"mean"``, ``"end"`` or ``"end NAME"``.

    NAME is an entrant's optimizer (``adam``), its title or identity (``SGD with
    momentum``) or its place (``2``); one that names several entrants is refused.
    """
    text = " ".join(str(centre if centre is not None else default).split())
    word, _, name = text.partition(" ")
    word = word.lower()
    if word == "start" and not name:
        return "the initial weights", thetas[0][0]
    if word == "mean" and not name:
        return "the paths' mean", np.concatenate(thetas).mean(axis=0)
    if word != "end":
        raise ArgumentError("centre", f"must be start, mean, end or end NAME (got {text!r})")
    k = _entrant_named(name, specs) if name else 0
    return f"{specs[k].identity.name}'s final weights" if len(specs) > 1 else "the final weights", thetas[k][-1]


def _entrant_named(name, specs):
    wanted = name.strip().lower()
    if wanted.isdigit() and 1 <= int(wanted) <= len(specs):
        return int(wanted) - 1
    found = [k for k, s in enumerate(specs) if wanted in (s.name.lower(), s.title.lower(), s.identity.name.lower())]
    if len(found) != 1:
        names = ", ".join(f"{k + 1} ({s.identity.name})" for k, s in enumerate(specs))
        problem = "names no entrant" if not found else "names several entrants"
        raise ArgumentError("centre", f"end {name!r} {problem}; give an entrant's name or place: {names}")
    return found[0]


def pca_plane(thetas, centre, specs):
    """The plane of the two principal directions of every path point together, through ``centre``.

    Each direction's sign makes the first entrant's path end on its positive side.
    """
    points = np.concatenate(thetas)
    deviations = points - points.mean(axis=0)
    _, singular, vt = np.linalg.svd(deviations, full_matrices=False)
    variance = singular ** 2
    if len(variance) < 2 or variance[1] <= variance[0] * 1e-24:
        raise ArgumentError("epochs", "are too few: the paths span fewer than two directions (train longer)")
    directions = vt[:2].copy()
    travel = thetas[0][-1] - thetas[0][0]
    for d in directions:
        if d @ travel < 0:
            d *= -1
    label, origin = centre_of(centre, thetas, specs)
    total = float(variance.sum())
    return Plane("pca", origin, directions, label, explained=(float(variance[0] / total), float(variance[1] / total)))


def random_plane(thetas, centre, specs, seed, shapes):
    """Two filter-normalized Gaussian directions (Li et al.) around ``centre`` (default: the first run's end).

    Each direction gives every neuron's incoming weights the norm of that
    neuron's weights at the centre, and the biases none; the plane they span is
    then described by an orthonormal pair (Gram-Schmidt), and ``unit`` keeps each
    filter-normalized direction's length.
    """
    label, origin = centre_of(centre, thetas, specs, default="end")
    rng = np.random.Generator(np.random.PCG64(seed))
    raw = []
    for _ in range(2):
        parts, at = [], 0
        for n_in, n_out in shapes:
            own = origin[at:at + n_in * n_out].reshape(n_in, n_out)
            d = rng.standard_normal((n_in, n_out))
            d *= np.linalg.norm(own, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-300)
            parts += [d.ravel(), np.zeros(n_out)]
            at += n_in * n_out + n_out
        raw.append(np.concatenate(parts))
    units = tuple(float(np.linalg.norm(d)) for d in raw)
    if min(units) == 0:
        raise ArgumentError("centre", "has all-zero weights: filter-normalized directions need weights to scale by")
    first = raw[0] / units[0]
    second = raw[1] - (raw[1] @ first) * first
    if np.linalg.norm(second) <= 1e-12 * units[1]:
        raise ArgumentError("seed", f"{seed} drew two parallel directions; choose another")
    second /= np.linalg.norm(second)
    return Plane("random", origin, np.stack([first, second]), label, seed=int(seed), unit=units)
