"""Covering numbers, packings and clusterability of key sets.

Engine part of the spec items **thm:covering**, **lem:near-orthogonal**,
**lem:kron-clusterable** and the clusterability hypothesis of **thm:subgen**
(Chen et al. 2025, arXiv 2503.11108; Haris and Onak 2025, arXiv 2502.15955;
Zandieh et al. 2024, arXiv 2402.06082; spec /work/shared/spec/paper-math.md).

Vocabulary (Euclidean distance throughout, ``S`` a subset of R^d):

* a *δ-net* (internal δ-cover) of ``S`` is a set ``C ⊂ S`` with every point of ``S``
  within distance ``<= δ`` of ``C``; the *covering number* ``N(S, δ)`` is the size of
  a smallest one. All covering numbers in this module are internal (centres in
  ``S``); an external cover (centres anywhere) has ``N_ext(δ) <= N(δ) <= N_ext(δ/2)``.
* a *δ-separated set* (δ-packing) has pairwise distances ``> δ``; the *packing
  number* ``M(S, δ)`` is the size of a largest one. A maximal δ-separated subset of
  ``S`` is a δ-net of ``S``, and a closed δ-ball holds at most one point of a
  2δ-separated set, so ``M(S, 2δ) <= N(S, δ) <= M(S, δ)``.
* a finite set ``K`` is *(m, δ)-clusterable* if it splits into ``m`` clusters of
  diameter ``<= δ`` (thm:subgen). The smallest such ``m`` is the minimum clique cover
  number of the graph "distance ``<= δ``" on ``K``.

Public functions
----------------
:func:`greedy_net`, :func:`separated_set`
    The sequential greedy δ-net ("leader" clustering) of a point set, vectorised in
    blocks; 10^5 points in d = 8 take a few seconds on 2 cores.
:func:`covering_bounds`, :func:`covering_number_estimate`
    Volumetric bounds for the sphere and the ball, and a sampled estimate that says on
    which side of each bound it lands.
:func:`near_orthogonal_packing`, :func:`packing_growth`
    Large sets of unit vectors with pairwise ``|<u, v>| <= ε`` (or ``<u, v> <= ε``),
    greedy over random candidates; sizes against ``e^{c d}``.
:func:`cluster_bracket`, :func:`kron_cluster_bracket`, :func:`kron_tightness_search`
    Brackets (and for ``n <= 60`` the exact value) of the smallest ``m`` for which a
    key set is (m, δ)-clusterable, and the product clusters of lem:kron-clusterable.
:func:`cluster_plateau`
    The number of online clusters of ``n`` keys in a ball of radius ``r`` as ``n``
    grows (the low-dimensional regime of thm:covering).

Every random quantity comes from a :class:`numpy.random.Generator` passed in; no
function touches a global random state. "Within distance t" always means the float64
predicate ``((x - c) * (x - c)).sum() <= t * t``; the fast paths (matrix products,
k-d trees) only decide pairs whose answer they certify and hand the rest to it, so
results are exactly those of the one-point-at-a-time definitions (tested against
them, ties included).
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy import special as _special
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from tensorkv_check._util.validation import as_float_array, check_positive_int
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson

__all__ = [
    "EXACT_CLUSTER_LIMIT",
    "KISSING_NUMBERS",
    "Net",
    "greedy_net",
    "separated_set",
    "sample_sphere",
    "sample_ball",
    "CoveringBounds",
    "covering_bounds",
    "CoveringEstimate",
    "covering_number_estimate",
    "Packing",
    "near_orthogonal_packing",
    "PackingGrowth",
    "packing_growth",
    "ClusterBracket",
    "cluster_bracket",
    "KronClusterBracket",
    "kron_cluster_bracket",
    "KronSearchResult",
    "kron_tightness_search",
    "Plateau",
    "cluster_plateau",
]

#: Largest key set for which :func:`cluster_bracket` computes the exact minimum.
EXACT_CLUSTER_LIMIT = 60

#: Known kissing numbers tau_d: the largest number of unit vectors with pairwise
#: ``<u, v> <= 1/2`` (angles >= 60 degrees). d = 1, 2 trivial; d = 3 Schütte and
#: van der Waerden 1953; d = 4 Musin 2008; d = 8, 24 Levenshtein 1979 and
#: Odlyzko–Sloane 1979.
KISSING_NUMBERS = {1: 2, 2: 6, 3: 12, 4: 24, 8: 240, 24: 196560}

_EPS = np.finfo(np.float64).eps

#: Threads for the k-d tree queries and the BLAS matrix products of the greedy net.
#: The products have inner dimension d + 2 (about 10) and are memory-bound; on the
#: 2-core test machine one thread of each was 1.5-3x faster than two (thread start-up
#: and contention cost more than they gain), see benchmarks/bench_geometry.py.
_TREE_WORKERS = 1
_BLAS_THREADS = 1
#: Nets of at least this many points run under ``threadpool_limits(_BLAS_THREADS)``.
_LIMIT_THREADS_FROM = 4096


# --------------------------------------------------------------------------- checks
def _check_positive_real(name: str, value: object) -> float:
    """``value`` as a finite float ``> 0``; TypeError for non-reals, ValueError else."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return value


def _check_eps(value: object, name: str = "eps") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {value}")
    return value


def _check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _pow(base: float, exponent: float) -> float:
    """``base ** exponent`` for positive ``base``, ``inf`` instead of OverflowError."""
    try:
        return float(base) ** exponent
    except OverflowError:
        return math.inf


def _side(value: float, bound: float) -> str:
    """Where ``value`` lies relative to ``bound``: "above", "below" or "equal"."""
    if value > bound:
        return "above"
    if value < bound:
        return "below"
    return "equal"


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


# ------------------------------------------------------------------- greedy nets
def _sq_dist_direct(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    """All squared distances ``||a - c||^2`` by differences (no cancellation).

    This is the module's distance predicate: ``x`` is within ``t`` of ``c`` iff
    ``((x - c) * (x - c)).sum() <= t * t`` in float64. Faster forms (the expanded
    ``||x||^2 + ||c||^2 - 2 x·c``, k-d trees) only decide pairs whose answer they
    certify; every other pair is decided by this function.
    """
    diff = A[:, None, :] - C[None, :, :]
    return (diff * diff).sum(axis=-1)


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


def _sq_dist_expanded(X: np.ndarray, sq: np.ndarray, left: np.ndarray, right: np.ndarray,
                      rows: np.ndarray, cols: np.ndarray, r2: float) -> np.ndarray:
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

    def __init__(self, X: np.ndarray, sq: np.ndarray, left: np.ndarray, right: np.ndarray,
                 r2: float) -> None:
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

    def _brute(self, rows: np.ndarray, lo: int, hi: int, best: np.ndarray,
               arg: np.ndarray) -> None:
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
                Dd = _sq_dist_direct(self.X[rows[amb]], self.X[cid])
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
                    dd = _sq_dist_direct(P[hit[t]][None, :], self.X[self.ids[near + lo]])[0]
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
            if (predicted > self._PROBE_SECONDS and self.m >= self.probe_at
                    and self.m > self._PENDING):
                # probe: index all current centres in one tree and time a query
                self.trees = [(cKDTree(self.X[self.ids[: self.m]]), 0)]
                self.n_tree = self.m
                self._tree_query(rows, best, arg)
                if self.tree_cost * b < predicted:
                    self.tree_mode = True
                else:
                    self._leave_tree_mode()
                return best, arg
            self._brute(rows, 0, self.m, best, arg)
            return best, arg
        self._brute(rows, self.n_tree, self.m, best, arg)
        self._tree_query(rows, best, arg)
        # leave tree mode only if brute force is predicted to be clearly cheaper
        if self.pair_cost is not None and 2.0 * self.pair_cost * self.n_tree < self.tree_cost:
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
    delta = _check_positive_real("delta", delta)
    block = check_positive_int("block", block)
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


# -------------------------------------------------------------------------- sampling
def sample_sphere(n: int, d: int, rng: np.random.Generator, r: float = 1.0) -> np.ndarray:
    """``n`` points uniform on the sphere of radius ``r`` in R^d (normalised Gaussians).

    Examples
    --------
    >>> X = sample_sphere(5, 3, np.random.default_rng(0))
    >>> np.allclose(np.linalg.norm(X, axis=1), 1.0)
    True
    """
    n = check_positive_int("n", n)
    d = check_positive_int("d", d)
    rng = _check_rng(rng)
    r = _check_positive_real("r", r)
    X = rng.standard_normal((n, d))
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    while (norms == 0).any():  # probability zero, but never divide by zero
        bad = norms[:, 0] == 0
        X[bad] = rng.standard_normal((int(bad.sum()), d))
        norms = np.linalg.norm(X, axis=1, keepdims=True)
    return r * X / norms


def sample_ball(n: int, d: int, rng: np.random.Generator, r: float = 1.0) -> np.ndarray:
    """``n`` points uniform in the closed ball of radius ``r`` in R^d.

    A uniform direction times radius ``r U^{1/d}``, ``U`` uniform on [0, 1].

    Examples
    --------
    >>> X = sample_ball(100, 4, np.random.default_rng(0), r=2.0)
    >>> bool((np.linalg.norm(X, axis=1) <= 2.0).all())
    True
    """
    S = sample_sphere(n, d, rng)
    r = _check_positive_real("r", r)
    return S * (r * rng.random(n) ** (1.0 / d))[:, None]


# ------------------------------------------------------------------ covering numbers
def _cap_fraction(d: int, theta: float) -> float:
    """Normalised surface measure of a cap of angular radius ``theta`` on S^{d-1}.

    ``sigma(theta) = 1/2 I_{sin^2 theta}((d-1)/2, 1/2)`` for ``theta <= pi/2`` and
    ``1 - 1/2 I_{sin^2 theta}((d-1)/2, 1/2)`` beyond (I the regularised incomplete
    beta function), valid for ``d >= 2``.
    """
    if theta >= math.pi:
        return 1.0
    x = math.sin(theta) ** 2
    half = 0.5 * float(_special.betainc((d - 1) / 2.0, 0.5, x))
    return half if theta <= math.pi / 2 else 1.0 - half


def _log_sphere_over_disc(d: int) -> float:
    """``log(|S^{d-1}| / |B^{d-1}|) = log(2 sqrt(pi) Gamma((d+1)/2) / Gamma(d/2))``."""
    return math.log(2.0 * math.sqrt(math.pi)) + math.lgamma((d + 1) / 2.0) - math.lgamma(d / 2.0)


@dataclass(frozen=True)
class CoveringBounds:
    """Volumetric bounds on the internal covering number ``N(S, δ)``.

    ``S`` is the sphere ``r S^{d-1}`` (``sphere=True``) or the closed ball ``r B^d``.

    Attributes
    ----------
    lower : float
        A rigorous lower bound on ``N(S, δ)`` (see :func:`covering_bounds` for the
        derivation). For the ball it equals ``volumetric_lower``.
    lower_rule : str
        The formula behind ``lower``.
    volumetric_lower : float
        ``(r/δ)^d``. A theorem for the ball; for the sphere it is *not* a lower bound
        in general (the sphere is (d−1)-dimensional: for d = 2, ``N(S^1, δ) ≈ π/δ``,
        below ``1/δ^2`` once δ < 1/π). ``volumetric_lower_is_theorem`` says which.
    volumetric_lower_is_theorem : bool
    upper : float
        ``(1 + 2r/δ)^d``, a rigorous upper bound on the packing number ``M(S, δ)``
        and hence on ``N(S, δ)`` and on the size of any δ-separated subset of ``S``.
    upper_shell : float
        For the sphere and ``δ <= 2r``: ``(1 + 2r/δ)^d − (2r/δ − 1)^d``, the sharper
        bound from the shell (it grows like ``(2r/δ)^{d-1}``); else equal to
        ``upper``.
    """

    d: int
    delta: float
    r: float
    sphere: bool
    lower: float
    lower_rule: str
    volumetric_lower: float
    volumetric_lower_is_theorem: bool
    upper: float
    upper_shell: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def covering_bounds(d: int, delta: float, r: float = 1.0, sphere: bool = True) -> CoveringBounds:
    """Volumetric bounds on the covering number of the sphere or ball (thm:covering).

    Let ``S = r S^{d-1}`` (sphere) or ``S = r B^d`` (ball), ``N(δ)`` its internal
    covering number and ``M(δ)`` its packing number (pairwise distances ``> δ``).

    **Upper bound (both sets).** ``N(δ) <= M(δ) <= (1 + 2r/δ)^d``. A maximal
    δ-separated subset of ``S`` is a δ-net, and the open balls of radius ``δ/2``
    around a δ-separated subset of ``S`` are disjoint and lie in ``(r + δ/2) B^d``,
    so ``M (δ/2)^d <= (r + δ/2)^d``. For the sphere and ``δ <= 2r`` the balls lie in
    the shell ``r − δ/2 <= ||x|| <= r + δ/2``, which gives ``upper_shell =
    (1 + 2r/δ)^d − (2r/δ − 1)^d``, of order ``d (2r/δ)^{d-1}``.

    **Lower bound, ball.** ``N(δ) >= (r/δ)^d``: N balls of radius δ cover a set of
    volume ``r^d |B^d|``, so ``N δ^d >= r^d``. (This also holds for external covers.)

    **Lower bound, sphere.** A closed ball of radius δ centred at a point of ``S``
    meets ``S`` in a cap of angular radius ``θ = 2 arcsin(min(δ/2r, 1))``; a cover
    needs ``N σ(θ) >= 1``, with σ the normalised cap measure
    ``σ(θ) = ½ I_{sin²θ}((d−1)/2, ½)`` (θ <= π/2). So ``N(δ) >= 1/σ(θ)``. Since
    ``σ(θ) <= (|B^{d-1}|/|S^{d-1}|) θ^{d-1}`` and ``θ <= πδ/(2r)``, this is at least
    ``c_d (2r/(πδ))^{d-1}`` with ``c_d = 2√π Γ((d+1)/2)/Γ(d/2)`` (c_2 = π, c_3 = 4):
    the exponent for the sphere is ``d − 1``, not ``d``. (r/δ)^d is reported as
    ``volumetric_lower`` but is not a theorem for the sphere. For ``d = 1`` the
    "sphere" is two points and ``N = 2`` for ``δ < 2r``.

    Parameters
    ----------
    d : int, ``>= 1``
    delta : float, ``> 0``
    r : float, default 1.0
        Radius of the sphere or ball.
    sphere : bool, default True

    Returns
    -------
    CoveringBounds

    Examples
    --------
    On the circle the cap bound is the arc count ``π/θ``:

    >>> b = covering_bounds(2, 0.1)
    >>> round(b.lower, 3), round(math.pi / (2 * math.asin(0.05)), 3)
    (31.403, 31.403)
    >>> b.volumetric_lower, b.volumetric_lower_is_theorem, round(b.upper, 1)
    (100.0, False, 441.0)
    >>> covering_bounds(3, 0.5, sphere=False).lower
    8.0

    References
    ----------
    Vershynin (2018), Proposition 4.2.12 and Corollary 4.2.13; spec thm:covering.
    """
    d = check_positive_int("d", d)
    delta = _check_positive_real("delta", delta)
    r = _check_positive_real("r", r)
    if not isinstance(sphere, (bool, np.bool_)):
        raise TypeError(f"sphere must be a bool, got {type(sphere).__name__}")
    sphere = bool(sphere)
    t = delta / r
    upper = _pow(1.0 + 2.0 / t, d)
    volumetric = _pow(1.0 / t, d)
    if not sphere:
        return CoveringBounds(d, delta, r, False, volumetric, "(r/delta)^d (volume)",
                              volumetric, True, upper, upper)
    if d == 1:
        lower = 2.0 if t < 2.0 else 1.0
        rule = "exact: S^0 is two points at distance 2r"
    else:
        theta = 2.0 * math.asin(min(t / 2.0, 1.0))
        sigma = _cap_fraction(d, theta)
        if sigma > 0.0:
            lower = 1.0 / sigma
            rule = "1/sigma(theta), theta = 2 asin(delta/2r) (cap measure)"
        else:  # underflow: use sigma <= |B^{d-1}| theta^{d-1} / |S^{d-1}|
            log_lower = _log_sphere_over_disc(d) - (d - 1) * math.log(theta)
            lower = math.inf if log_lower > 700 else math.exp(log_lower)
            rule = "|S^{d-1}| / (|B^{d-1}| theta^{d-1}) (cap measure, closed form)"
    shell = upper
    if t <= 2.0:
        shell = upper - _pow(2.0 / t - 1.0, d) if t < 2.0 else upper
        if not math.isfinite(shell):
            shell = upper
    return CoveringBounds(d, delta, r, True, lower, rule, volumetric, False, upper, shell)


@dataclass(frozen=True)
class CoveringEstimate:
    """A sampled covering number of the sphere or ball, with the bounds around it.

    Attributes
    ----------
    d, delta, r, sphere, n_samples
        The set and the sample size.
    estimate : int
        Size of the greedy δ-net of ``n_samples`` uniform points of ``S``.
    certified_lower : int
        Size of the greedy 2δ-net of the same sample: a 2δ-separated subset of ``S``,
        hence a rigorous lower bound on ``N(S, δ)``.
    bounds : CoveringBounds
    vs_lower, vs_volumetric_lower, vs_upper, vs_upper_shell : str
        Where ``estimate`` lands relative to each bound ("above", "below", "equal").
        Landing above ``upper`` would be a bug (the net is δ-separated).
    holdout : BinomialEstimate
        Fresh uniform points of ``S`` within δ of the net (successes), with a
        Clopper–Pearson interval: an estimate of the measure the net covers.
    holdout_max_distance : float
        Largest distance from a fresh point to the net: an under-estimate of the
        net's covering radius on ``S``.
    """

    d: int
    delta: float
    r: float
    sphere: bool
    n_samples: int
    estimate: int
    certified_lower: int
    bounds: CoveringBounds
    vs_lower: str
    vs_volumetric_lower: str
    vs_upper: str
    vs_upper_shell: str
    holdout: BinomialEstimate
    holdout_max_distance: float

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("bounds", "holdout")}
        out["bounds"] = self.bounds.to_dict()
        out["holdout"] = self.holdout.to_dict()
        return out


def covering_number_estimate(
    d: int,
    delta: float,
    r: float = 1.0,
    sphere: bool = True,
    *,
    n_samples: int = 20_000,
    n_holdout: int = 2_000,
    rng: np.random.Generator,
) -> CoveringEstimate:
    """Estimate ``N(S, δ)`` for the sphere ``r S^{d-1}`` or ball ``r B^d`` (thm:covering).

    Draws ``n_samples`` uniform points of ``S`` and runs :func:`greedy_net` on them.
    What the numbers do and do not show:

    * ``estimate`` = |greedy δ-net of the sample|. The net is a δ-separated subset of
      ``S``, so ``estimate <= M(S, δ) <= (1 + 2r/δ)^d`` is a theorem (the upper bound
      can never be exceeded). It is *not* a bound on ``N(S, δ)`` in either direction:
      it is a δ-cover of the *sample* only. If the sample is an η-net of ``S`` the net
      is a (δ+η)-cover of ``S`` and ``N(S, δ+η) <= estimate``; ``holdout`` measures
      how much of ``S`` the net covers within δ, which says how far that is from
      true. When the sample is sparse (the net keeps most of the sample) the estimate
      is capped near ``n_samples`` and says little.
    * ``certified_lower`` = |greedy 2δ-net of the sample| <= ``M(S, 2δ) <= N(S, δ)``
      (a closed δ-ball holds at most one point of a 2δ-separated set): a rigorous
      lower bound on the covering number, whatever the sample.
    * the volumetric bounds of :func:`covering_bounds`; for the sphere the right
      lower bound has exponent ``d − 1`` and ``(r/δ)^d`` may sit above the truth.

    Parameters
    ----------
    d : int, ``>= 1``
    delta : float, ``> 0``
    r : float, default 1.0
    sphere : bool, default True
        Sphere ``r S^{d-1}`` or closed ball ``r B^d``.
    n_samples : int, keyword-only, default 20000
    n_holdout : int, keyword-only, default 2000
        Fresh points for ``holdout``.
    rng : numpy.random.Generator, keyword-only

    Returns
    -------
    CoveringEstimate

    Raises
    ------
    TypeError, ValueError
        For ``d < 1``, ``delta <= 0``, ``r <= 0``, non-positive sample sizes or an
        ``rng`` that is not a Generator.

    Examples
    --------
    >>> est = covering_number_estimate(2, 0.5, n_samples=4000, rng=np.random.default_rng(0))
    >>> est.certified_lower <= 7 <= est.estimate <= est.bounds.upper   # N(S^1, 0.5) = 7
    True
    >>> est.vs_upper, est.vs_lower
    ('below', 'above')

    References
    ----------
    Vershynin (2018), Section 4.2; spec thm:covering.
    """
    bounds = covering_bounds(d, delta, r, sphere)
    n_samples = check_positive_int("n_samples", n_samples)
    n_holdout = check_positive_int("n_holdout", n_holdout)
    rng = _check_rng(rng)
    draw = sample_sphere if bounds.sphere else sample_ball
    X = draw(n_samples, bounds.d, rng, bounds.r)
    net = greedy_net(X, bounds.delta)
    certified = greedy_net(X, 2.0 * bounds.delta).size
    Y = draw(n_holdout, bounds.d, rng, bounds.r)
    dist, _ = cKDTree(X[net.indices]).query(Y, k=1)
    covered = int(np.count_nonzero(dist <= bounds.delta))
    holdout = clopper_pearson(
        covered, n_holdout, 0.99,
        parameters={"d": bounds.d, "delta": bounds.delta, "r": bounds.r,
                    "sphere": bounds.sphere, "net_size": net.size},
    )
    est = net.size
    return CoveringEstimate(
        d=bounds.d, delta=bounds.delta, r=bounds.r, sphere=bounds.sphere,
        n_samples=n_samples, estimate=est, certified_lower=certified, bounds=bounds,
        vs_lower=_side(est, bounds.lower),
        vs_volumetric_lower=_side(est, bounds.volumetric_lower),
        vs_upper=_side(est, bounds.upper),
        vs_upper_shell=_side(est, bounds.upper_shell),
        holdout=holdout, holdout_max_distance=float(dist.max()),
    )


# -------------------------------------------------------------------------- packings
@dataclass(frozen=True, eq=False)
class Packing:
    """Unit vectors with pairwise ``|<u, v>| <= eps`` (or ``<u, v> <= eps``).

    Attributes
    ----------
    vectors : ndarray, shape (size, d)
        Unit rows; the best restart's set.
    d : int
    eps : float
    two_sided : bool
        True: the constraint is ``|<u, v>| <= eps`` (a set of lines: ``u`` and ``-u``
        never both appear). False: ``<u, v> <= eps`` (a spherical code with minimum
        angle ``arccos eps``).
    max_inner : float
        The largest ``|<u, v>|`` (two-sided) or ``<u, v>`` (one-sided) over pairs, as
        computed in float64 (``-inf`` for a single vector).
    restart_sizes : tuple of int
        Size reached by each restart.
    candidates_per_restart : int
    """

    vectors: np.ndarray
    d: int
    eps: float
    two_sided: bool
    max_inner: float
    restart_sizes: tuple[int, ...]
    candidates_per_restart: int

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])


def _greedy_code(d: int, eps: float, two_sided: bool, rng: np.random.Generator,
                 n_candidates: int, batch: int, max_size: int | None) -> np.ndarray:
    A = np.empty((0, d))
    drawn = 0
    while drawn < n_candidates and (max_size is None or A.shape[0] < max_size):
        b = min(batch, n_candidates - drawn)
        C = rng.standard_normal((b, d))
        C /= np.linalg.norm(C, axis=1, keepdims=True)
        drawn += b
        if A.shape[0]:
            G = C @ A.T
            ok = (np.abs(G) if two_sided else G).max(axis=1) <= eps
            C = C[ok]
        if C.shape[0] == 0:
            continue
        G = C @ C.T
        conflict = (np.abs(G) if two_sided else G) > eps
        pi, pj = np.nonzero(np.triu(conflict, 1))
        keep = _lex_first_independent(pi, pj, C.shape[0])
        A = np.vstack([A, C[keep]])
    if max_size is not None:
        A = A[:max_size]
    return A


def near_orthogonal_packing(
    d: int,
    eps: float,
    rng: np.random.Generator,
    *,
    two_sided: bool = True,
    n_candidates: int = 20_000,
    restarts: int = 3,
    batch: int = 1024,
    max_size: int | None = None,
) -> Packing:
    """A large set of unit vectors with pairwise ``|<u, v>| <= eps`` (lem:near-orthogonal).

    Greedy over a stream of uniform random unit vectors: a candidate is kept iff it
    satisfies the constraint with every vector kept before it (exact sequential
    greedy, vectorised per batch of candidates). ``restarts`` independent streams are
    run and the largest set is returned.

    What is counted: with ``two_sided=True`` the constraint ``|<u, v>| <= eps`` forbids
    ``u`` together with ``-u``, so the size counts *lines*. A set of ``L`` such lines
    gives ``2L`` unit vectors with pairwise ``<u, v> <= eps``, so for ``eps = 1/2``
    ``L <= tau_d / 2`` (``tau_d`` the kissing number: 3, 6, 12 for d = 2, 3, 4).
    With ``two_sided=False`` the constraint is one-sided and the set is a spherical
    code with minimum angle ``arccos eps``; for ``eps = 1/2`` its size is at most
    ``tau_d`` (:data:`KISSING_NUMBERS`).

    lem:near-orthogonal guarantees size ``n`` for random vectors when
    ``d >= 2 ln(n^2/δ)/eps^2``, i.e. ``n = sqrt(δ) e^{eps^2 d / 4}``; the greedy set
    is typically much larger (see :func:`packing_growth`).

    Parameters
    ----------
    d : int, ``>= 1``
    eps : float in (0, 1)
    rng : numpy.random.Generator
    two_sided : bool, keyword-only, default True
    n_candidates : int, keyword-only, default 20000
        Candidates drawn per restart.
    restarts : int, keyword-only, default 3
    batch : int, keyword-only, default 1024
    max_size : int, optional, keyword-only
        Stop a restart once it reaches this size.

    Returns
    -------
    Packing

    Raises
    ------
    TypeError, ValueError
        For ``d < 1``, ``eps`` outside (0, 1), non-positive counts, or a bad ``rng``.

    Examples
    --------
    In the plane at most 3 lines are pairwise at least 60 degrees apart:

    >>> p = near_orthogonal_packing(2, 0.5, np.random.default_rng(0))
    >>> p.size <= 3, p.max_inner <= 0.5
    (True, True)

    References
    ----------
    Haris and Onak 2025 (near-orthogonal keys); Conway, Hardin and Sloane 1996,
    "Packing lines, planes, etc."; spec lem:near-orthogonal, thm:covering.
    """
    d = check_positive_int("d", d)
    eps = _check_eps(eps)
    rng = _check_rng(rng)
    if not isinstance(two_sided, (bool, np.bool_)):
        raise TypeError(f"two_sided must be a bool, got {type(two_sided).__name__}")
    n_candidates = check_positive_int("n_candidates", n_candidates)
    restarts = check_positive_int("restarts", restarts)
    batch = check_positive_int("batch", batch)
    if max_size is not None:
        max_size = check_positive_int("max_size", max_size)
    best = None
    sizes = []
    for _ in range(restarts):
        A = _greedy_code(d, eps, bool(two_sided), rng, n_candidates, batch, max_size)
        sizes.append(int(A.shape[0]))
        if best is None or A.shape[0] > best.shape[0]:
            best = A
    if best.shape[0] >= 2:
        G = best @ best.T
        G = np.abs(G) if two_sided else G
        max_inner = float(G[np.triu_indices(best.shape[0], 1)].max())
    else:
        max_inner = -math.inf
    return Packing(vectors=_readonly(best), d=d, eps=eps, two_sided=bool(two_sided),
                   max_inner=max_inner, restart_sizes=tuple(sizes),
                   candidates_per_restart=n_candidates)


@dataclass(frozen=True)
class PackingGrowth:
    """Greedy packing sizes against the dimension, with a fitted ``e^{a + c d}``.

    Attributes
    ----------
    ds, sizes : tuple of int
    eps : float
    two_sided : bool
    c, a : float
        Least-squares fit of ``log(size) = a + c d``.
    lemma_sizes : tuple of float
        ``e^{eps^2 d / 4}``: the size lem:near-orthogonal guarantees for random
        vectors at failure probability ``δ = 1`` (multiply by ``sqrt(δ)``).
    """

    ds: tuple[int, ...]
    sizes: tuple[int, ...]
    eps: float
    two_sided: bool
    c: float
    a: float
    lemma_sizes: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def packing_growth(ds, eps: float, rng: np.random.Generator, **kwargs: Any) -> PackingGrowth:
    """Run :func:`near_orthogonal_packing` for each ``d`` in ``ds`` and fit ``e^{a + c d}``.

    thm:covering: packings of size ``e^{Θ(d)}`` with pairwise ``|<u,v>| <= eps`` exist.

    Parameters
    ----------
    ds : sequence of int
        At least two distinct dimensions.
    eps : float in (0, 1)
    rng : numpy.random.Generator
    **kwargs
        Passed to :func:`near_orthogonal_packing`.

    Examples
    --------
    >>> g = packing_growth([2, 3, 4], 0.5, np.random.default_rng(1), n_candidates=2000)
    >>> g.sizes[0] <= 3 and g.c > 0
    True
    """
    ds = tuple(check_positive_int("ds", x) for x in ds)
    if len(set(ds)) < 2:
        raise ValueError(f"ds must hold at least two distinct dimensions, got {ds}")
    eps = _check_eps(eps)
    rng = _check_rng(rng)
    sizes = tuple(near_orthogonal_packing(x, eps, rng, **kwargs).size for x in ds)
    c, a = np.polyfit(np.asarray(ds, float), np.log(np.asarray(sizes, float)), 1)
    return PackingGrowth(ds=ds, sizes=sizes, eps=eps,
                         two_sided=bool(kwargs.get("two_sided", True)), c=float(c),
                         a=float(a), lemma_sizes=tuple(math.exp(eps * eps * x / 4) for x in ds))


# ------------------------------------------------------------------ clusterability
def _pairwise_sq(X: np.ndarray) -> np.ndarray:
    return _sq_dist_direct(X, X)


def _dsatur_exact(adj: list[list[int]], n: int, lower: int, best: int, best_colour: list[int],
                  clique: list[int]) -> tuple[int, list[int], int]:
    """Exact chromatic number by DSatur branch and bound.

    ``adj[v]`` lists the neighbours of ``v``; ``lower`` is a proven lower bound,
    ``best``/``best_colour`` a known colouring; ``clique`` a clique, coloured
    ``0..len(clique)-1`` first (no loss of generality: colours can be permuted).
    Branches on the uncoloured vertex of largest saturation (number of distinct
    colours among its neighbours), ties by degree among uncoloured vertices, over
    every feasible used colour and one new colour; prunes when a colouring cannot
    beat the incumbent, and stops once the incumbent meets ``lower``.
    Returns (chromatic number, an optimal colouring, search nodes).
    """
    colour = [-1] * n
    # per vertex: how many of its neighbours hold each colour, the saturation, and
    # the key 64 * saturation + uncoloured degree that selects the branching vertex
    count = [[0] * n for _ in range(n)]
    key = [len(adj[v]) for v in range(n)]
    uncoloured = set(range(n))

    def paint(v: int, c: int) -> None:
        colour[v] = c
        uncoloured.discard(v)
        for u in adj[v]:
            if colour[u] < 0:
                key[u] -= 1
                if count[u][c] == 0:
                    key[u] += 64
            count[u][c] += 1

    def unpaint(v: int, c: int) -> None:
        for u in adj[v]:
            count[u][c] -= 1
            if colour[u] < 0:
                key[u] += 1
                if count[u][c] == 0:
                    key[u] -= 64
        colour[v] = -1
        uncoloured.add(v)

    for c, v in enumerate(clique):
        paint(v, c)
    state = {"best": best, "colour": list(best_colour), "nodes": 0}

    def search(k: int) -> bool:
        state["nodes"] += 1
        if not uncoloured:
            state["best"] = k
            state["colour"] = list(colour)
            return k <= lower
        v = max(uncoloured, key=key.__getitem__)
        cv = count[v]
        options = [c for c in range(k) if cv[c] == 0]
        if k + 1 < state["best"]:
            options.append(k)
        for c in options:
            if max(k, c + 1) >= state["best"]:
                break
            paint(v, c)
            done = search(max(k, c + 1))
            unpaint(v, c)
            if done:
                return True
        return False

    if state["best"] > lower:
        search(len(clique))
    return state["best"], state["colour"], state["nodes"]


def _exact_min_clusters(X: np.ndarray, delta: float) -> tuple[int, np.ndarray, str]:
    """Minimum number of clusters of diameter <= delta, exactly (small n).

    Minimum clique cover of the graph W ("distance <= delta") = chromatic number of
    its complement H ("distance > delta"). Lower bound max(omega(H), ceil(n/omega(W)))
    (cliques by ``nx.max_weight_clique``), upper bound networkx's DSatur greedy
    colouring of H; if they differ, DSatur branch and bound closes the gap.
    """
    n = X.shape[0]
    far = _pairwise_sq(X) > delta * delta
    np.fill_diagonal(far, False)
    H = nx.Graph()
    H.add_nodes_from(range(n))
    H.add_edges_from(zip(*np.nonzero(np.triu(far, 1))))
    W = nx.complement(H)
    clique_h, omega_h = nx.max_weight_clique(H, weight=None)
    _, omega_w = nx.max_weight_clique(W, weight=None)
    lower = max(omega_h, -(-n // omega_w))
    greedy = nx.coloring.greedy_color(H, strategy="DSATUR")
    colour = [greedy[v] for v in range(n)]
    best = max(colour) + 1
    detail = (f"lower max(omega(H)={omega_h}, ceil(n/omega(W))={-(-n // omega_w)}); "
              f"DSatur greedy {best}")
    if best > lower:
        adj = [np.flatnonzero(far[v]).tolist() for v in range(n)]
        best, colour, nodes = _dsatur_exact(adj, n, lower, best, colour, sorted(clique_h))
        detail += f"; DSatur branch and bound, {nodes} nodes"
    return best, np.asarray(colour, dtype=np.intp), detail


@dataclass(frozen=True, eq=False)
class ClusterBracket:
    """Bounds on the smallest ``m`` for which a key set is (m, δ)-clusterable.

    Attributes
    ----------
    lower : int
        Size of a greedy δ-separated subset: its points lie in distinct clusters.
    upper : int
        Clusters of the online leader clustering with centre radius δ/2 (every
        cluster lies in a closed δ/2-ball around its centre, so its diameter is
        ``<= δ``).
    exact : int or None
        The minimum, when computed (``n <= EXACT_CLUSTER_LIMIT``), else None.
    method : str
        How each number was obtained.
    delta : float
    n : int
    labels : ndarray of int
        The leader clustering (``upper`` clusters).
    exact_labels : ndarray of int or None
        An optimal clustering (``exact`` clusters), when computed.
    separated : ndarray of int
        Row indices of the δ-separated subset behind ``lower``.
    """

    lower: int
    upper: int
    exact: int | None
    method: str
    delta: float
    n: int
    labels: np.ndarray = field(repr=False)
    exact_labels: np.ndarray | None = field(repr=False)
    separated: np.ndarray = field(repr=False)

    @property
    def best_labels(self) -> np.ndarray:
        """The clustering with the fewest clusters available (exact if computed)."""
        return self.labels if self.exact_labels is None else self.exact_labels

    @property
    def best(self) -> int:
        return self.upper if self.exact is None else self.exact

    def to_dict(self) -> dict[str, Any]:
        return {"lower": self.lower, "upper": self.upper, "exact": self.exact,
                "method": self.method, "delta": self.delta, "n": self.n}


def cluster_bracket(K: np.ndarray, delta: float, *, exact: bool | None = None) -> ClusterBracket:
    """Bracket the smallest ``m`` for which ``K`` is (m, δ)-clusterable (thm:subgen).

    A clustering is a partition of the rows into clusters of diameter ``<= delta``.

    * ``upper``: SubGen's online clustering, made precise: rows in order; a row joins
      the nearest existing centre within ``delta/2``, else opens a new cluster with
      itself as centre (:func:`greedy_net` at radius ``delta/2``). Two members of a
      cluster are within ``delta/2`` of its centre, so the diameter is ``<= delta``.
    * ``lower``: a greedy δ-separated subset (:func:`separated_set`); its rows are
      pairwise ``> delta`` apart and so lie in distinct clusters.
    * ``exact`` (for ``n <= EXACT_CLUSTER_LIMIT``): the minimum clique cover of the
      graph "distance ``<= delta``", i.e. the chromatic number of its complement,
      computed exactly: clique lower bounds from :func:`networkx.max_weight_clique`,
      networkx's DSatur colouring as an upper bound, and a DSatur branch and bound
      when they differ. ``lower`` and ``upper`` are computed independently of it.

    Parameters
    ----------
    K : array_like, shape (n, d)
        Keys.
    delta : float, ``> 0``
        Largest allowed cluster diameter.
    exact : bool or None, keyword-only
        None (default): compute the exact minimum iff ``n <= EXACT_CLUSTER_LIMIT``.
        True: compute it, raising ValueError above the limit. False: skip it.

    Returns
    -------
    ClusterBracket

    Raises
    ------
    TypeError, ValueError
        For bad ``K`` or ``delta``, or ``exact=True`` with ``n > EXACT_CLUSTER_LIMIT``.

    Examples
    --------
    Four points on a line, unit spacing, clusters of diameter <= 1.5:

    >>> b = cluster_bracket([[0.0], [1.0], [2.0], [3.0]], 1.5)
    >>> b.lower, b.exact, b.upper
    (2, 2, 4)
    >>> b.best_labels.tolist()
    [0, 0, 1, 1]

    (The online clustering opens a cluster for every row here: consecutive rows are
    1 apart, more than the centre radius 0.75.)

    References
    ----------
    Zandieh et al. 2024 (SubGen), Definition of (m, δ)-clusterability; Brélaz 1979
    (DSatur); spec thm:subgen.
    """
    X = as_float_array("K", K, (2,))
    delta = _check_positive_real("delta", delta)
    if exact is not None and not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be a bool or None, got {type(exact).__name__}")
    n = X.shape[0]
    if exact and n > EXACT_CLUSTER_LIMIT:
        raise ValueError(
            f"K has n = {n} rows; the exact minimum is computed only for "
            f"n <= EXACT_CLUSTER_LIMIT = {EXACT_CLUSTER_LIMIT}"
        )
    leader = greedy_net(X, delta / 2.0)
    sep = greedy_net(X, delta).indices
    method = (f"lower: greedy delta-separated subset ({sep.size}); upper: online leader "
              f"clustering, centre radius delta/2 ({leader.size})")
    exact_value = None
    exact_labels = None
    if exact or (exact is None and n <= EXACT_CLUSTER_LIMIT):
        exact_value, exact_labels, detail = _exact_min_clusters(X, delta)
        exact_labels = _readonly(exact_labels)
        method += f"; exact: clique cover of the within-delta graph ({detail})"
    return ClusterBracket(lower=int(sep.size), upper=leader.size, exact=exact_value,
                          method=method, delta=delta, n=n, labels=leader.assignment,
                          exact_labels=exact_labels, separated=sep)


# ------------------------------------------------------------ tensor structure
def _diameter(P: np.ndarray) -> float:
    """Largest pairwise distance, in row chunks (working memory ~32 MiB)."""
    s = P.shape[0]
    if s < 2:
        return 0.0
    chunk = max(1, (1 << 22) // (s * P.shape[1]))
    best = 0.0
    for start in range(0, s, chunk):
        best = max(best, float(_sq_dist_direct(P[start : start + chunk], P).max()))
    return math.sqrt(best)


@dataclass(frozen=True, eq=False)
class KronClusterBracket:
    """Product clusters of ``K1 ⊘ K2`` from clusters of the factors (lem:kron-clusterable).

    Attributes
    ----------
    factor1, factor2 : ClusterBracket
        The factors' brackets; their ``best_labels`` define the product clusters.
    m1, m2 : int
        Clusters used per factor; ``m1 * m2`` product clusters (pairs).
    R1, R2 : float
        Largest row sup-norm ``max_j ||K_j||_inf`` of each factor.
    delta_bound : float
        ``delta1 * R2 + R1 * delta2``, the lemma's diameter bound.
    diameters : ndarray, shape (m1, m2)
        Measured diameter of each product cluster in ``K1 ⊘ K2``.
    cluster_bounds : ndarray, shape (m1, m2)
        Per-pair bound ``diam(C1) ||C2||_inf + ||C1||_inf diam(C2)`` (measured factor
        diameters and sup-norms), never above ``delta_bound``.
    max_diameter : float
    worst_ratio : float
        ``max diameters / cluster_bounds`` over pairs with a positive bound (<= 1 if
        the lemma's inequality holds; 0 if every bound is 0).
    product : ClusterBracket or None
        Bracket of ``K1 ⊘ K2`` itself at ``delta_bound`` (its ``lower`` can never
        exceed ``m1 * m2``), when requested.
    """

    factor1: ClusterBracket
    factor2: ClusterBracket
    m1: int
    m2: int
    R1: float
    R2: float
    delta1: float
    delta2: float
    delta_bound: float
    diameters: np.ndarray = field(repr=False)
    cluster_bounds: np.ndarray = field(repr=False)
    max_diameter: float
    worst_ratio: float
    product: ClusterBracket | None = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "m1": self.m1, "m2": self.m2, "product_clusters": self.m1 * self.m2,
            "R1": self.R1, "R2": self.R2, "delta1": self.delta1, "delta2": self.delta2,
            "delta_bound": self.delta_bound, "max_diameter": self.max_diameter,
            "worst_ratio": self.worst_ratio,
            "product": None if self.product is None else self.product.to_dict(),
        }


def kron_cluster_bracket(
    K1: np.ndarray,
    K2: np.ndarray,
    delta1: float,
    delta2: float,
    *,
    exact: bool | None = None,
    product_bracket: bool = True,
    max_cluster_rows: int = 5000,
) -> KronClusterBracket:
    """Cluster ``K1`` and ``K2``, form product clusters, and measure them (lem:kron-clusterable).

    With clusters ``C1`` of ``K1`` (diameter <= δ1) and ``C2`` of ``K2`` (diameter
    <= δ2), the product cluster ``{a ∘ b : a ∈ C1, b ∈ C2}`` of ``K1 ⊘ K2`` (Def 3.1)
    has diameter ``<= δ1 R2 + R1 δ2`` with ``R = max row ||·||_inf``, because
    ``a∘b − a'∘b' = (a − a')∘b + a'∘(b − b')`` and ``||u∘w|| <= ||u|| ||w||_inf``.
    This function measures every product cluster's diameter exactly (all pairs of
    its ``|C1||C2|`` rows, cost ``O(sum (|C1||C2|)^2 d)``) and reports it against
    both the lemma's global bound and the per-pair bound from the measured factor
    diameters and sup-norms.

    Parameters
    ----------
    K1 : array_like, shape (n1, d)
    K2 : array_like, shape (n2, d)
    delta1, delta2 : float, ``> 0``
        Cluster diameters for the factors.
    exact : bool or None, keyword-only
        Passed to :func:`cluster_bracket` for each factor (the product clusters use
        an optimal clustering when it is computed, else the leader clustering).
    product_bracket : bool, keyword-only, default True
        Also bracket ``K1 ⊘ K2`` directly at ``delta_bound`` (exactly if
        ``n1 n2 <= EXACT_CLUSTER_LIMIT``).
    max_cluster_rows : int, keyword-only, default 5000
        Largest product cluster ``|C1| |C2|`` whose diameter is measured (all pairs);
        a larger one raises ValueError instead of running for minutes.

    Returns
    -------
    KronClusterBracket

    Examples
    --------
    >>> K1 = np.array([[1.0, 0.0], [1.1, 0.0], [0.0, 1.0]])
    >>> K2 = np.array([[1.0, 1.0], [1.0, 1.2]])
    >>> kb = kron_cluster_bracket(K1, K2, 0.2, 0.3)
    >>> kb.m1, kb.m2, round(kb.delta_bound, 4)
    (2, 1, 0.57)
    >>> bool(kb.max_diameter <= kb.delta_bound), kb.product.lower <= kb.m1 * kb.m2
    (True, True)

    References
    ----------
    Chen et al. 2025 (clusterability of the tensor keys) [inferred]; Alman and Song
    2024 (column-wise Kronecker product); spec lem:kron-clusterable.
    """
    A = as_float_array("K1", K1, (2,))
    B = as_float_array("K2", K2, (2,))
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"K1 and K2 must have the same width d, got {A.shape[1]} and {B.shape[1]}")
    delta1 = _check_positive_real("delta1", delta1)
    delta2 = _check_positive_real("delta2", delta2)
    max_cluster_rows = check_positive_int("max_cluster_rows", max_cluster_rows)
    f1 = cluster_bracket(A, delta1, exact=exact)
    f2 = cluster_bracket(B, delta2, exact=exact)
    lab1, lab2 = f1.best_labels, f2.best_labels
    m1, m2 = int(lab1.max()) + 1, int(lab2.max()) + 1
    largest = int(np.bincount(lab1).max()) * int(np.bincount(lab2).max())
    if largest > max_cluster_rows:
        raise ValueError(
            f"a product cluster has {largest} rows, more than max_cluster_rows = "
            f"{max_cluster_rows}; its diameter costs O(rows^2 d): raise max_cluster_rows "
            "or use smaller delta1/delta2"
        )
    R1 = float(np.abs(A).max())
    R2 = float(np.abs(B).max())
    bound = delta1 * R2 + R1 * delta2
    groups1 = [np.flatnonzero(lab1 == c) for c in range(m1)]
    groups2 = [np.flatnonzero(lab2 == c) for c in range(m2)]
    diam1 = [_diameter(A[g]) for g in groups1]
    diam2 = [_diameter(B[g]) for g in groups2]
    sup1 = [float(np.abs(A[g]).max()) for g in groups1]
    sup2 = [float(np.abs(B[g]).max()) for g in groups2]
    diameters = np.zeros((m1, m2))
    bounds = np.zeros((m1, m2))
    for i, g1 in enumerate(groups1):
        for j, g2 in enumerate(groups2):
            rows = np.einsum("jl,kl->jkl", A[g1], B[g2]).reshape(-1, A.shape[1])
            diameters[i, j] = _diameter(rows)
            bounds[i, j] = diam1[i] * sup2[j] + sup1[i] * diam2[j]
    pos = bounds > 0
    worst = float((diameters[pos] / bounds[pos]).max()) if pos.any() else 0.0
    product = None
    if product_bracket:
        P = np.einsum("jl,kl->jkl", A, B).reshape(-1, A.shape[1])
        product = cluster_bracket(P, bound) if bound > 0 else None
    return KronClusterBracket(
        factor1=f1, factor2=f2, m1=m1, m2=m2, R1=R1, R2=R2, delta1=delta1,
        delta2=delta2, delta_bound=bound, diameters=_readonly(diameters),
        cluster_bounds=_readonly(bounds), max_diameter=float(diameters.max()),
        worst_ratio=worst, product=product,
    )


@dataclass(frozen=True, eq=False)
class KronSearchResult:
    """Best instance found by :func:`kron_tightness_search`.

    Attributes
    ----------
    ratio : float
        ``needed / (m1 * m2)`` for the best instance.
    needed : int
        Exact minimum number of clusters of ``K1 ⊘ K2`` at ``alpha * delta_bound``.
    m1, m2 : int
        Exact minimum cluster counts of the factors at ``delta1``, ``delta2``.
    K1, K2 : ndarray
    delta1, delta2, delta_bound, alpha : float
    examples : int
        Instances evaluated.
    seed : int
    max_worst_ratio : float
        Largest measured ``diameter / per-pair bound`` over all instances (the lemma
        says <= 1).
    """

    ratio: float
    needed: int
    m1: int
    m2: int
    K1: np.ndarray = field(repr=False)
    K2: np.ndarray = field(repr=False)
    delta1: float
    delta2: float
    delta_bound: float
    alpha: float
    examples: int
    seed: int
    max_worst_ratio: float

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("K1", "K2")}
        out["K1"] = self.K1.tolist()
        out["K2"] = self.K2.tolist()
        return out


def kron_tightness_search(
    *,
    alpha: float = 0.5,
    max_examples: int = 100,
    seed: int = 0,
    n_max: int = 6,
    d_max: int = 4,
) -> KronSearchResult:
    """Hypothesis search for products needing many more than ``m1 m2`` clusters at a smaller δ.

    lem:kron-clusterable gives ``m1 m2`` clusters of diameter ``<= δ* = δ1 R2 + R1 δ2``.
    At the smaller diameter ``alpha · δ*`` the product may need more. This searches
    (hypothesis, targeted generation, bounded and seeded, no example database) over
    factors with ``n1, n2 <= n_max`` rows in dimension ``<= d_max`` (entries in
    [-1, 1]) and factor diameters ``δ_i`` chosen as fractions of each factor's
    diameter, maximising ``needed(alpha δ*) / (m1 m2)`` with every count exact
    (``n1 n2 <= EXACT_CLUSTER_LIMIT``). It also records the largest ratio of a
    measured product-cluster diameter to its per-pair bound (<= 1 by the lemma).

    Parameters
    ----------
    alpha : float in (0, 1), keyword-only
    max_examples : int, keyword-only
    seed : int, keyword-only
    n_max : int, keyword-only, at most 7 (so that ``n_max^2 <= 60``)
    d_max : int, keyword-only

    Returns
    -------
    KronSearchResult

    Examples
    --------
    >>> res = kron_tightness_search(max_examples=5, seed=1, n_max=3, d_max=2)
    >>> res.ratio >= 1.0 / (res.m1 * res.m2) and res.max_worst_ratio <= 1 + 1e-12
    True
    """
    alpha = _check_eps(alpha, "alpha")
    max_examples = check_positive_int("max_examples", max_examples)
    seed = check_positive_int("seed", seed, minimum=0)
    n_max = check_positive_int("n_max", n_max)
    d_max = check_positive_int("d_max", d_max)
    if n_max * n_max > EXACT_CLUSTER_LIMIT:
        raise ValueError(f"n_max = {n_max} gives n_max^2 > EXACT_CLUSTER_LIMIT = "
                         f"{EXACT_CLUSTER_LIMIT}; use n_max <= 7")
    from hypothesis import HealthCheck, Phase, given, settings, target
    from hypothesis import seed as hyp_seed
    from hypothesis import strategies as st

    @st.composite
    def instances(draw):
        d = draw(st.integers(1, d_max))
        n1 = draw(st.integers(1, n_max))
        n2 = draw(st.integers(1, n_max))
        kind = draw(st.sampled_from(["floats", "lattice", "uniform"]))
        if kind == "uniform":  # generic instances: uniform entries from a drawn seed
            g = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
            K1, K2 = g.uniform(-1.0, 1.0, n1 * d), g.uniform(-1.0, 1.0, n2 * d)
        else:  # entries chosen one by one (shrinkable, targetable); the lattice
            # {-1, 0, 1} holds the extreme cases of the sup-norm bound
            entries = (st.sampled_from([-1.0, 0.0, 1.0]) if kind == "lattice" else
                       st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False))
            K1 = np.array(draw(st.lists(entries, min_size=n1 * d, max_size=n1 * d)))
            K2 = np.array(draw(st.lists(entries, min_size=n2 * d, max_size=n2 * d)))
        fraction = st.one_of(st.just(1.0), st.floats(0.05, 1.0))  # 1.0: a single cluster
        t1 = draw(fraction)
        t2 = draw(fraction)
        return K1.reshape(n1, d), K2.reshape(n2, d), t1, t2

    found: dict[str, Any] = {"ratio": -1.0, "examples": 0, "worst": 0.0}

    @hyp_seed(seed)
    @settings(max_examples=max_examples, database=None, deadline=None,
              phases=(Phase.generate, Phase.target), suppress_health_check=list(HealthCheck),
              derandomize=False)
    @given(instances())
    def run(inst):
        K1, K2, t1, t2 = inst
        delta1 = max(t1 * _diameter(K1), 1e-6)
        delta2 = max(t2 * _diameter(K2), 1e-6)
        kb = kron_cluster_bracket(K1, K2, delta1, delta2, exact=True, product_bracket=False)
        found["examples"] += 1
        found["worst"] = max(found["worst"], kb.worst_ratio)
        if kb.delta_bound <= 0:
            return
        P = np.einsum("jl,kl->jkl", K1, K2).reshape(-1, K1.shape[1])
        needed = cluster_bracket(P, alpha * kb.delta_bound, exact=True).exact
        ratio = needed / (kb.m1 * kb.m2)
        target(ratio, label="clusters needed / (m1 m2)")
        if ratio > found["ratio"]:
            found.update(ratio=ratio, needed=needed, m1=kb.m1, m2=kb.m2, K1=K1, K2=K2,
                         delta1=delta1, delta2=delta2, delta_bound=kb.delta_bound)

    run()
    if found["ratio"] < 0:  # every instance had delta_bound == 0 (all-zero factors)
        z = np.zeros((1, 1))
        found.update(ratio=1.0, needed=1, m1=1, m2=1, K1=z, K2=z, delta1=0.0, delta2=0.0,
                     delta_bound=0.0)
    return KronSearchResult(
        ratio=float(found["ratio"]), needed=int(found["needed"]), m1=int(found["m1"]),
        m2=int(found["m2"]), K1=found["K1"], K2=found["K2"], delta1=float(found["delta1"]),
        delta2=float(found["delta2"]), delta_bound=float(found["delta_bound"]), alpha=alpha,
        examples=int(found["examples"]), seed=seed, max_worst_ratio=float(found["worst"]),
    )


# ------------------------------------------------------- low-dimensional regime
@dataclass(frozen=True)
class Plateau:
    """Online cluster counts of keys in a ball as the number of keys grows.

    Attributes
    ----------
    d, delta, r
        Dimension, cluster diameter, ball radius.
    ns, counts : tuple of int
        ``counts[i]`` clusters after the first ``ns[i]`` keys of one stream.
    plateau : float
        Fitted limit ``P`` of ``count(n) = P − A n^{-1/d}`` on the second half of
        ``ns`` (the approach to jamming of random sequential adsorption, Feder's law;
        an extrapolation, not a bound).
    slope : float
        The fitted ``A``.
    cover_lower, cover_upper : float
        ``(2r/δ)^d`` and ``(1 + 4r/δ)^d``: volumetric bounds on ``N(δ/2r)`` of the unit
        ball (``= N(rB^d, δ/2)``). The cluster centres are δ/2-separated points of
        the ball, so every count is ``<= cover_upper`` (theorem); once they δ/2-cover
        the ball, the count is ``>= N(δ/2r) >= cover_lower``.
    plateau_vs_lower, plateau_vs_upper : str
        Where ``plateau`` lands relative to the two bounds.
    """

    d: int
    delta: float
    r: float
    ns: tuple[int, ...]
    counts: tuple[int, ...]
    plateau: float
    slope: float
    cover_lower: float
    cover_upper: float
    plateau_vs_lower: str
    plateau_vs_upper: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def cluster_plateau(d: int, ns, delta: float, r: float = 1.0, *,
                    rng: np.random.Generator) -> Plateau:
    """Online cluster counts of ``n`` uniform keys in ``r B^d`` for each ``n`` in ``ns``.

    thm:covering (low-dimensional regime): keys of norm ``<= r`` are
    ``(N(δ/2r), δ)``-clusterable whatever ``n`` is, so SubGen's cluster count stops
    growing. One stream of ``max(ns)`` keys is clustered online with centre radius
    ``δ/2`` (diameter ``<= δ``, as in :func:`cluster_bracket`) and the count is read
    after each prefix; a plateau is fitted (see :class:`Plateau`).

    Parameters
    ----------
    d : int, ``>= 1``
    ns : sequence of int
        Increasing prefix lengths (at least two).
    delta : float, ``> 0``
        Cluster diameter.
    r : float, default 1.0
    rng : numpy.random.Generator, keyword-only

    Returns
    -------
    Plateau

    Examples
    --------
    >>> p = cluster_plateau(2, [100, 1000, 10000], 0.5, rng=np.random.default_rng(0))
    >>> p.counts[0] <= p.counts[1] <= p.counts[2] <= p.cover_upper
    True
    """
    d = check_positive_int("d", d)
    ns = tuple(check_positive_int("ns", x) for x in ns)
    if len(ns) < 2 or any(b <= a for a, b in zip(ns, ns[1:])):
        raise ValueError(f"ns must be at least two strictly increasing lengths, got {ns}")
    delta = _check_positive_real("delta", delta)
    r = _check_positive_real("r", r)
    rng = _check_rng(rng)
    X = sample_ball(ns[-1], d, rng, r)
    centres = greedy_net(X, delta / 2.0).indices
    counts = tuple(int(np.searchsorted(centres, n)) for n in ns)
    return _plateau_from_counts(d, delta, r, ns, counts)


def _plateau_from_counts(d: int, delta: float, r: float, ns: tuple[int, ...],
                         counts: tuple[int, ...]) -> Plateau:
    """Fit :class:`Plateau` to online cluster counts (shared with :mod:`tensorkv_check.geometry.lowdim`)."""
    half = max(2, len(ns) // 2)
    tail = np.arange(len(ns) - half, len(ns))
    x = np.asarray(ns, float)[tail] ** (-1.0 / d)
    y = np.asarray(counts, float)[tail]
    slope, intercept = np.polyfit(x, y, 1)  # y = intercept + slope * x
    plateau = float(intercept)
    lower = _pow(2.0 * r / delta, d)
    upper = _pow(1.0 + 4.0 * r / delta, d)
    return Plateau(d=d, delta=delta, r=r, ns=ns, counts=counts, plateau=plateau,
                   slope=float(-slope), cover_lower=lower, cover_upper=upper,
                   plateau_vs_lower=_side(plateau, lower), plateau_vs_upper=_side(plateau, upper))
