"""Uniform samples of the sphere ``r S^{d-1}`` and the ball ``r B^d`` (thm:covering).

Every random quantity comes from a :class:`numpy.random.Generator` passed in.
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import check_int, check_real

__all__ = [
    "sample_sphere",
    "sample_ball",
]


def sample_sphere(n: int, d: int, rng: RngLike, r: float = 1.0) -> np.ndarray:
    """``n`` points uniform on the sphere of radius ``r`` in R^d (normalised Gaussians).

    Examples
    --------
    >>> X = sample_sphere(5, 3, np.random.default_rng(0))
    >>> np.allclose(np.linalg.norm(X, axis=1), 1.0)
    True
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    rng = as_generator(rng)
    r = check_real("r", r, low=0.0)
    X = rng.standard_normal((n, d))
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    while (norms == 0).any():  # probability zero, but never divide by zero
        bad = norms[:, 0] == 0
        X[bad] = rng.standard_normal((int(bad.sum()), d))
        norms = np.linalg.norm(X, axis=1, keepdims=True)
    return r * X / norms


def sample_ball(n: int, d: int, rng: RngLike, r: float = 1.0) -> np.ndarray:
    """``n`` points uniform in the closed ball of radius ``r`` in R^d.

    A uniform direction times radius ``r U^{1/d}``, ``U`` uniform on [0, 1].

    Examples
    --------
    >>> X = sample_ball(100, 4, np.random.default_rng(0), r=2.0)
    >>> bool((np.linalg.norm(X, axis=1) <= 2.0).all())
    True
    """
    rng = as_generator(rng)  # once: the directions and the radii share one stream
    S = sample_sphere(n, d, rng)
    r = check_real("r", r, low=0.0)
    return S * (r * rng.random(n) ** (1.0 / d))[:, None]
