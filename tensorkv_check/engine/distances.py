"""Euclidean distances by direct differences: the float64 predicate "within distance t".

Shared by the geometry of key sets (nets, clusterability, product clusters of
lem:kron-clusterable) and SubGen's checks of the product-cluster diameters, so that
both decide "``x`` is within ``t`` of ``c``" by the same float64 expression
``((x - c) * (x - c)).sum() <= t * t`` (no Gram-matrix cancellation).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["sq_distances", "diameter"]


def sq_distances(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    """All squared distances ``||a - c||^2`` by differences (no cancellation).

    This is the package's distance predicate: ``x`` is within ``t`` of ``c`` iff
    ``((x - c) * (x - c)).sum() <= t * t`` in float64. Faster forms (the expanded
    ``||x||^2 + ||c||^2 - 2 x·c``, k-d trees) only decide pairs whose answer they
    certify; every other pair is decided by this function.

    Parameters
    ----------
    A : ndarray, shape (n, d)
    C : ndarray, shape (m, d)

    Returns
    -------
    ndarray, shape (n, m)
        ``out[i, j] = ((A[i] - C[j]) ** 2).sum()``.

    Examples
    --------
    >>> sq_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[25.0, 1.0]]
    """
    diff = A[:, None, :] - C[None, :, :]
    return (diff * diff).sum(axis=-1)


def diameter(P: np.ndarray) -> float:
    """Largest pairwise Euclidean distance of the rows of ``P`` (0 for fewer than two rows).

    Computed by :func:`sq_distances` in row chunks (working memory about 32 MiB), so the
    value does not depend on the chunking. Used for the cluster diameters ``δ`` of
    thm:subgen and the product-cluster bound ``δ1·R2 + R1·δ2`` of lem:kron-clusterable.

    Parameters
    ----------
    P : ndarray, shape (s, d)

    Examples
    --------
    >>> diameter(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
    5.0
    """
    s = P.shape[0]
    if s < 2:
        return 0.0
    chunk = max(1, (1 << 22) // (s * P.shape[1]))
    best = 0.0
    for start in range(0, s, chunk):
        best = max(best, float(sq_distances(P[start : start + chunk], P).max()))
    return math.sqrt(best)
