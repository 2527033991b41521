"""The largest ``|⟨k_i, k_j⟩|`` (``i`` among given rows, ``j ≠ i``), fast and to the bit.

The key coherence of an Index run (lem:near-orthogonal's ``ε``) is measured on the Gram
matrix and reported, so its value must be the same bits however the computation is
organised. Its reference computation multiplies blocks of a few rows by all keys
(``K[block] @ K.T``): little memory, but every key is read from memory once per block,
which makes it memory-bound (minutes for a million keys). A product over larger tiles
is compute-bound, but BLAS may order an entry's sum differently for another shape, so its
maximum can differ from the reference in the last bits.

:func:`abs_max` therefore takes both roads: the tiled pass finds, for each row, its
largest entry up to rounding; every row whose entry comes within twice the rounding
bound of the largest is a candidate; the reference blocks
holding a candidate are then computed exactly as the reference does, and their maximum
is returned. Two evaluations of a ``d``-term dot product in any order differ by at most
``2·γ_d·‖a‖‖b‖`` with ``γ_d = d·u/(1 − d·u)`` (Higham, *Accuracy and Stability of Numerical
Algorithms*, §3.1; ``u = 2^-53``; fused multiply-adds only tighten it), so the pair that
attains the reference maximum is always among the candidates, and the result is the
reference's value, bit for bit. The tests compare the two on many shapes.

When every key entry is ``±c`` with ``c²`` a power of two (Rademacher keys in a
dimension ``d = 4^k``, such as the two-cache caveat's ``d = 64``), every product and every
partial sum is exact, so every order gives the same value and the fast pass's maximum is
the reference's: the reference is then not run at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

__all__ = ["abs_max"]

#: Rows per tile of the fast pass (at least 2: a one-row product is another BLAS routine).
TILE_ROWS = 256
#: Entries per tile of the fast pass (a 256 × 16384 tile: 32 MiB).
TILE_ENTRIES = 1 << 22


def abs_max(
    K: np.ndarray,
    rows: np.ndarray,
    block: int,
    reference: Callable[[int, int], float],
) -> float:
    """The reference's maximum, computing only the reference blocks that can attain it.

    Parameters
    ----------
    K : ndarray, shape (r, d)
        Finite keys.
    rows : ndarray of int
        The rows ``i`` of the pairs ``(i, j)``, ``j ≠ i`` over all keys (sorted, unique).
    block : int
        The reference's block size: its blocks are ``rows[s : s + block]`` for
        ``s = 0, block, 2·block, ...``.
    reference : callable
        ``reference(s0, s1)``: the reference's maximum of ``|⟨k_i, k_j⟩|`` over the rows
        ``rows[s0:s1]`` and all ``j ≠ i``, computed exactly as the reference does.
    """
    r, d = K.shape
    if r < 2 or rows.size == 0:
        return 0.0
    found = np.zeros(rows.size)  # per row: its largest |entry| in the fast pass
    cols = max(1, TILE_ENTRIES // TILE_ROWS)
    starts = list(range(0, rows.size, TILE_ROWS))
    if len(starts) > 1 and rows.size - starts[-1] == 1:
        starts.pop()  # a last tile of one row joins the one before
    for k, s0 in enumerate(starts):
        s1 = starts[k + 1] if k + 1 < len(starts) else rows.size
        idx = rows[s0:s1]
        A = K[idx]
        for c0 in range(0, r, cols):
            c1 = min(r, c0 + cols)
            G = A @ K[c0:c1].T
            own = np.nonzero((idx >= c0) & (idx < c1))[0]
            G[own, idx[own] - c0] = 0.0  # the pairs (i, i) are norms, not pairs
            # max |x| = max(max x, -min x): two reads instead of writing |G| first.
            top = np.maximum(G.max(axis=1), -G.min(axis=1))
            np.maximum(found[s0:s1], top, out=found[s0:s1])
    if _exact_products(K):
        return float(found.max())  # every order of every sum gives the same, exact, value
    u = 2.0**-53
    gamma = d * u / (1.0 - d * u)
    # Two evaluations of one entry differ by at most 2·γ_d·max‖k‖²; twice that as slack.
    slack = 4.0 * gamma * float(np.einsum("ij,ij->i", K, K).max())
    hot = np.nonzero(found >= found.max() - slack)[0]  # positions among the rows
    return max(
        reference(int(b) * block, min(rows.size, (int(b) + 1) * block)) for b in np.unique(hot // block)
    )


def _exact_products(K: np.ndarray) -> bool:
    """Whether all entries are ``±c`` with ``c²`` (computed exactly) a power of two: then
    each Gram entry is ``k·c²`` for an integer ``|k| <= d``, and every partial sum of it is
    exact in float64 (for ``d < 2^52``)."""
    c = float(abs(K.flat[0]))
    if c == 0.0 or not math.isfinite(c) or K.shape[1] >= 1 << 52:
        return False
    sq = c * c
    if Fraction(c) ** 2 != Fraction(sq) or math.frexp(sq)[0] != 0.5:
        return False
    return bool(np.all(np.abs(K) == c))
