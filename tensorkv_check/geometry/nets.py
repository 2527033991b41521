"""Greedy δ-nets (internal δ-covers) and δ-separated subsets of a point set.

Engine of the covering numbers of spec item **thm:covering** (Chen et al. 2025, arXiv
2503.11108) and of the clusterability brackets of **thm:subgen**: the sequential greedy
δ-net ("leader" clustering) of a point set, vectorised in blocks; 10^5 points in d = 8
take a few seconds on 2 cores.

"Within distance t" always means the float64 predicate ``((x - c) * (x - c)).sum() <= t * t``
(:func:`tensorkv_check.engine.distances.sq_distances`); the fast paths (matrix products
of augmented rows, k-d trees) only decide pairs whose answer they certify and hand the
rest to it, so results are exactly those of the one-point-at-a-time definitions (tested
against them, ties included).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from tensorkv_check._util.validation import as_float_array, check_int, check_real
from tensorkv_check.engine.distances import sq_distances
from tensorkv_check.geometry._checks import _readonly

__all__ = [
    "Net",
    "greedy_net",
    "separated_set",
]

_EPS = np.finfo(np.float64).eps

#: Threads for the k-d tree queries and the BLAS matrix products of the greedy net.
#: The products have inner dimension d + 2 (about 10) and are memory-bound; on the
#: 2-core test machine one thread of each was 1.5-3x faster than two (thread start-up
#: and contention cost more than they gain), see benchmarks/bench_geometry.py.
_TREE_WORKERS = 1
_BLAS_THREADS = 1
#: Nets of at least this many points run under ``threadpool_limits(_BLAS_THREADS)``.
_LIMIT_THREADS_FROM = 4096


def _augment(X: np.ndarray, sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``[x, ||x||^2, 1]`` and ``[-2x, 1, ||x||^2]``: their products are distances²."""
    n = X.shape[0]
    left = np.empty((n, X.shape[1] + 2))
    left[:, :-2] = X
    left[:, -2] = sq
    left[:, -1] = 1.0
    right = np.empty_like(left)
    right[:, :-2] = -2.0 * X
    right[:, -2] = 1.0
    right[:, -1] = sq
    return left, right


def _band(d: int, xsq: np.ndarray, csq_max: float) -> np.ndarray:
    """Half-width of the band around a threshold where the expanded form may disagree.

    With ``γ_k = k u`` (u the unit roundoff), the expanded form
    ``[x, ||x||², 1]·[-2c, 1, ||c||²]`` differs from the exact ``||x - c||²`` by at most
    ``(2γ_{d+2} + γ_d)(||x||² + ||c||²)`` and the direct sum of squared differences by
    at most ``(γ_d + 3u)·2(||x||² + ||c||²)``, together under ``5 (d + 2) u (…)``. The
    band ``8 (d + 2) eps (||x||² + max ||c||²) = 16 (d + 2) u (…)`` therefore contains,
    with a factor 3 to spare, every case where the two forms could decide differently.
    """
    return 8.0 * (d + 2) * _EPS * (xsq + csq_max)


def _sq_dist_expanded(
    X: np.ndarray,
    sq: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    r2: float,
) -> np.ndarray:
    """Squared distances rows x cols by one matrix product of augmented rows.

    Entries within the rounding-error band around ``r2`` (a rigorous bound for the
    expanded form) are recomputed by differences, so every comparison with ``r2``
    agrees with the direct float64 distance.
    """
    D = left[rows] @ right[cols].T
    tol = _band(X.shape[1], sq[rows], sq[cols].max())
    amb = np.abs(D - r2) <= tol[:, None]
    if amb.any():
        ai, aj = np.nonzero(amb)
        diff = X[rows[ai]] - X[cols[aj]]
        D[ai, aj] = (diff * diff).sum(axis=-1)
    return D


def _lex_first_independent(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """Sequential greedy over ``0..n-1`` with conflict pairs ``(i, j)``, ``i < j``.

    Vertex ``v`` is accepted iff no earlier accepted vertex conflicts with it (the
    lexicographically first maximal independent set), computed in rounds: every
    undecided vertex without an undecided earlier neighbour is accepted, then its
    later neighbours are rejected. Each round decides at least the first undecided
    vertex, and each round is vectorised over the remaining pairs.
    """
    state = np.zeros(n, dtype=np.int8)  # 0 undecided, 1 accepted, 2 rejected
    while True:
        undecided = state == 0
        if not undecided.any():
            break
        blocked = np.zeros(n, dtype=bool)
        blocked[j] = True  # every remaining pair has both ends undecided
        accept = undecided & ~blocked
        state[accept] = 1
        state[j[accept[i]]] = 2
        keep = (state[i] == 0) & (state[j] == 0)
        i, j = i[keep], j[keep]
    return state == 1


class _CentreIndex:
    """The centres found so far; answers "nearest centre within r" for a block.

    Recent centres are searched by brute force (one matrix product). Older ones are
    searched either by brute force or through k-d trees (a log-structured list of
    :class:`scipy.spatial.cKDTree`), whichever measured cheaper: brute force costs
    O(block · centres), a tree query O(block · local density), and the crossover
    depends on δ, d and the data. The choice affects only the running time, never
    the result.
    """

    _PENDING = 2048  # centres kept out of the trees (always brute force)
    _PROBE_SECONDS = 0.004  # predicted brute-force cost per block that triggers a probe
    _MIN_TIMED_PAIRS = 1 << 18  # brute-force calls at least this large update pair_cost

    def __init__(self, X: np.ndarray, sq: np.ndarray, left: np.ndarray, right: np.ndarray, r2: float) -> None:
        self.X, self.sq, self.left, self.right, self.r2 = X, sq, left, right, r2
        self.r = math.sqrt(r2)
        self.ids = np.empty(X.shape[0], dtype=np.intp)
        self.m = 0
        self.trees: list[tuple[cKDTree, int]] = []  # (tree, first centre position)
        self.n_tree = 0  # centres [0, n_tree) are in trees (tree mode only)
        self.tree_mode = False
        self.pair_cost: float | None = None  # seconds per (point, centre) pair
        self.tree_cost: float | None = None  # seconds per query point
        self.probe_at = 0  # do not probe trees again before m reaches this

    def add(self, idx: np.ndarray) -> np.ndarray:
        pos = np.arange(self.m, self.m + idx.size)
        self.ids[self.m : self.m + idx.size] = idx
        self.m += idx.size
        if self.tree_mode and self.m - self.n_tree >= self._PENDING:
            self._push_tree()
        return pos

    def _push_tree(self) -> None:
        lo, hi = self.n_tree, self.m
        self.trees.append((cKDTree(self.X[self.ids[lo:hi]]), lo))
        self.n_tree = hi
        while len(self.trees) >= 2 and self.trees[-2][0].n <= 2 * self.trees[-1][0].n:
            (_, lo1), (t2, lo2) = self.trees[-2], self.trees[-1]
            self.trees[-2:] = [(cKDTree(self.X[self.ids[lo1 : lo2 + t2.n]]), lo1)]

    def _brute(self, rows: np.ndarray, lo: int, hi: int, best: np.ndarray, arg: np.ndarray) -> None:
        """Update ``best``/``arg`` with centres ``[lo, hi)`` by matrix products."""
        if hi <= lo:
            return
        t0 = time.perf_counter()
        L = self.left[rows]
        xsq = self.sq[rows]
        b = rows.size
        tile = max(256, (1 << 20) // max(b, 1))
        d = self.X.shape[1]
        for s in range(lo, hi, tile):
            e = min(hi, s + tile)
            cid = self.ids[s:e]
            D = L @ self.right[cid].T
            a = D.argmin(axis=1)
            v = D[np.arange(b), a]
            tol = _band(d, xsq, self.sq[cid].max())
            amb = np.flatnonzero(np.abs(v - self.r2) <= tol)
            if amb.size:
                Dd = sq_distances(self.X[rows[amb]], self.X[cid])
                a[amb] = Dd.argmin(axis=1)
                v[amb] = Dd[np.arange(amb.size), a[amb]]
            upd = v < best
            best[upd] = v[upd]
            arg[upd] = a[upd] + s
        pairs = b * (hi - lo)
        if pairs >= self._MIN_TIMED_PAIRS:  # small calls are dominated by overhead
            cost = (time.perf_counter() - t0) / pairs
            self.pair_cost = cost if self.pair_cost is None else 0.7 * self.pair_cost + 0.3 * cost

    def _tree_query(self, rows: np.ndarray, best: np.ndarray, arg: np.ndarray) -> None:
        t0 = time.perf_counter()
        P = self.X[rows]
        ub = self.r * (1.0 + 1e-9) + 1e-300
        for tree, lo in self.trees:
            _, j = tree.query(P, k=1, distance_upper_bound=ub, workers=_TREE_WORKERS)
            hit = np.flatnonzero(j < tree.n)
            if hit.size:
                c = self.ids[j[hit] + lo]
                diff = P[hit] - self.X[c]
                v = (diff * diff).sum(axis=-1)
                # a tie at distance ~r: the tree's nearest may fail the direct test
                # while another centre passes it; decide those rows by direct distances
                for t in np.flatnonzero(v > self.r2):
                    near = np.asarray(tree.query_ball_point(P[hit[t]], ub), dtype=np.intp)
                    dd = sq_distances(P[hit[t]][None, :], self.X[self.ids[near + lo]])[0]
                    k = int(dd.argmin())
                    v[t], j[hit[t]] = dd[k], near[k]
                upd = v < best[hit]
                best[hit[upd]] = v[upd]
                arg[hit[upd]] = j[hit[upd]] + lo
        cost = (time.perf_counter() - t0) / max(rows.size, 1)
        self.tree_cost = cost if self.tree_cost is None else 0.7 * self.tree_cost + 0.3 * cost

    def _leave_tree_mode(self) -> None:
        self.tree_mode, self.trees, self.n_tree, self.tree_cost = False, [], 0, None
        self.probe_at = int(1.5 * self.m) + 1

    def nearest(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Squared distance to, and position of, the nearest centre (inf, -1 if none)."""
        b = rows.size
        best = np.full(b, np.inf)
        arg = np.full(b, -1, dtype=np.intp)
        if self.m == 0:
            return best, arg
        if not self.tree_mode:
            predicted = (self.pair_cost or 0.0) * b * self.m
            if predicted > self._PROBE_SECONDS and self.m >= self.probe_at and self.m > self._PENDING:
                # probe: index all current centres in one tree and time a query
                self.trees = [(cKDTree(self.X[self.ids[: self.m]]), 0)]
                self.n_tree = self.m
                self._tree_query(rows, best, arg)
                # _tree_query has just timed the tree, so tree_cost is set.
                if self.tree_cost is not None and self.tree_cost * b < predicted:
                    self.tree_mode = True
                else:
                    self._leave_tree_mode()
                return best, arg
            self._brute(rows, 0, self.m, best, arg)
            return best, arg
        self._brute(rows, self.n_tree, self.m, best, arg)
        self._tree_query(rows, best, arg)
        # leave tree mode only if brute force is predicted to be clearly cheaper
        if (
            self.pair_cost is not None
            and self.tree_cost is not None
            and 2.0 * self.pair_cost * self.n_tree < self.tree_cost
        ):
            self._leave_tree_mode()
        return best, arg


def _leader(X: np.ndarray, radius: float, block: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Sequential greedy (online "leader") clustering with centre radius ``radius``.

    Points are taken in order; a point within ``radius`` of an existing centre joins
    the nearest such centre (among centres that existed when it arrived), otherwise
    it becomes a new centre. Returns (centre row indices in increasing order, and for
    every point the position of its centre in that list).
    """
    n = X.shape[0]
    r2 = radius * radius
    sq = np.einsum("ij,ij->i", X, X)
    left, right = _augment(X, sq)
    index = _CentreIndex(X, sq, left, right, r2)
    assignment = np.empty(n, dtype=np.intp)
    for s in range(0, n, block):
        rows = np.arange(s, min(n, s + block))
        best, arg = index.nearest(rows)
        covered = best <= r2
        assignment[rows[covered]] = arg[covered]
        U = rows[~covered]
        if U.size == 0:
            continue
        # within-block conflicts among the uncovered points, resolved in order
        D = _sq_dist_expanded(X, sq, left, right, U, U, r2)
        pi, pj = np.nonzero(np.triu(D <= r2, 1))
        accepted = _lex_first_independent(pi, pj, U.size)
        new = U[accepted]
        pos = index.add(new)
        assignment[new] = pos
        # every other row of the block joins its nearest earlier centre, which may be
        # one of the centres just opened in this block (earlier rows only)
        others = np.setdiff1d(rows, new, assume_unique=True)
        if others.size:
            Dn = _sq_dist_expanded(X, sq, left, right, others, new, r2)
            Dn[others[:, None] < new[None, :]] = np.inf
            a = Dn.argmin(axis=1)
            v = Dn[np.arange(others.size), a]
            upd = (v < best[others - s]) & (v <= r2)
            assignment[others[upd]] = pos[a[upd]]
    return index.ids[: index.m].copy(), assignment


@dataclass(frozen=True, eq=False)
class Net:
    """A greedy δ-net of a point set (see :func:`greedy_net`).

    Attributes
    ----------
    indices : ndarray of int, shape (m,)
        Rows of the input chosen as centres, increasing.
    assignment : ndarray of int, shape (n,)
        ``assignment[i]`` is the position in ``indices`` of the centre that covers
        point ``i``: the nearest of the centres chosen before ``i`` was processed
        (``indices[assignment[i]] == i`` for a centre).
    delta : float
        The radius: every point is within ``delta`` of its centre, and centres are
        pairwise more than ``delta`` apart.
    """

    indices: np.ndarray
    assignment: np.ndarray
    delta: float

    @property
    def size(self) -> int:
        return int(self.indices.size)


def greedy_net(points: np.ndarray, delta: float, *, block: int = 512) -> Net:
    """Sequential greedy δ-net of a finite point set, vectorised in blocks.

    Points are scanned in input order; a point becomes a centre iff no earlier centre
    lies within ``delta`` of it. Hence every point is within ``delta`` of a centre and
    the centres are pairwise ``> delta`` apart: the centres are simultaneously a
    δ-net (internal δ-cover) of the points and a maximal δ-separated subset of them
    (so their number is between ``N(points, δ)`` and ``M(points, δ)``). This is the
    "leader" online clustering with centre radius ``delta``, as in SubGen's
    streaming clustering (Zandieh et al. 2024).

    The scan is exact sequential greedy, computed block by block: distances from a
    block to the current centres come from one matrix product of augmented rows
    (``||x||^2 + ||c||^2 - 2 x·c``, with entries whose rounding could change the
    decision recomputed by differences), or from k-d trees of the older centres when
    that is measured to be cheaper; conflicts among the block's uncovered points are
    resolved in order by a vectorised lexicographically-first independent set. Python
    loops run over blocks, over the rounds of that in-block resolution and over the
    rare rows whose k-d tree answer is a tie at distance δ, never over points or
    pairs. A point is within δ of a centre iff ``((x - c) * (x - c)).sum() <= δ * δ``
    in float64; the faster forms only decide pairs whose answer they certify.

    Parameters
    ----------
    points : array_like, shape (n, d)
        Finite real points.
    delta : float
        Net radius, ``> 0``.
    block : int, keyword-only, default 512
        Points processed per block.

    Returns
    -------
    Net

    Raises
    ------
    TypeError, ValueError
        For non-numeric, non-2-D, empty or non-finite ``points``, ``delta <= 0`` or a
        non-positive ``block``.

    Examples
    --------
    >>> net = greedy_net([[0.0], [0.4], [1.0], [1.3], [3.0]], 0.5)
    >>> net.indices.tolist(), net.assignment.tolist()
    ([0, 2, 4], [0, 0, 1, 1, 2])

    References
    ----------
    Vershynin, *High-Dimensional Probability* (2018), Lemma 4.2.8 (maximal separated
    sets are nets); spec thm:covering.
    """
    X = as_float_array("points", points, (2,))
    delta = check_real("delta", delta, low=0.0)
    block = check_int("block", block, minimum=1)
    if X.shape[0] >= _LIMIT_THREADS_FROM:
        with threadpool_limits(_BLAS_THREADS):
            idx, assignment = _leader(X, delta, block)
    else:
        idx, assignment = _leader(X, delta, block)
    return Net(indices=_readonly(idx), assignment=_readonly(assignment), delta=delta)


def separated_set(points: np.ndarray, delta: float) -> np.ndarray:
    """Indices of a maximal δ-separated subset (pairwise distances ``> delta``).

    The subset is the greedy δ-net of :func:`greedy_net` (input order): it is
    δ-separated, and maximal (every other point is within ``delta`` of it). Its size
    is a lower bound on the packing number ``M(points, δ)`` and, because points more
    than ``delta`` apart cannot share a cluster of diameter ``<= delta``, on the
    number of clusters in any (m, δ)-clustering of the points.

    Parameters
    ----------
    points : array_like, shape (n, d)
    delta : float, ``> 0``

    Returns
    -------
    ndarray of int
        Increasing row indices.

    Examples
    --------
    >>> separated_set([[0.0, 0.0], [0.0, 0.5], [2.0, 0.0]], 1.0).tolist()
    [0, 2]
    """
    return greedy_net(points, delta).indices
