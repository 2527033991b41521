"""(m, δ)-clusterability of a key set: greedy brackets and, for small sets, the exact minimum.

A finite set ``K`` is *(m, δ)-clusterable* if it splits into ``m`` clusters of diameter
``<= δ`` (the hypothesis of spec item **thm:subgen**; Zandieh et al. 2024, arXiv
2402.06082). The smallest such ``m`` is the minimum clique cover number of the graph
"distance ``<= δ``" on ``K``: :func:`cluster_bracket` brackets it between a δ-separated
subset and the leader clustering, and for ``n <= EXACT_CLUSTER_LIMIT`` computes it
exactly (DSATUR branch and bound on the complement graph).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from tensorkv_check._util.validation import as_float_array, check_real
from tensorkv_check.engine.distances import sq_distances
from tensorkv_check.geometry._checks import _readonly
from tensorkv_check.geometry.nets import greedy_net

__all__ = [
    "EXACT_CLUSTER_LIMIT",
    "ClusterBracket",
    "cluster_bracket",
]

#: Largest key set for which :func:`cluster_bracket` computes the exact minimum.
EXACT_CLUSTER_LIMIT = 60


def _pairwise_sq(X: np.ndarray) -> np.ndarray:
    return sq_distances(X, X)


def _dsatur_exact(
    adj: list[list[int]], n: int, lower: int, best: int, best_colour: list[int], clique: list[int]
) -> tuple[int, list[int], int]:
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
    best_k, best_col, nodes = best, list(best_colour), 0

    def search(k: int) -> bool:
        nonlocal best_k, best_col, nodes
        nodes += 1
        if not uncoloured:
            best_k = k
            best_col = list(colour)
            return k <= lower
        v = max(uncoloured, key=key.__getitem__)
        cv = count[v]
        options = [c for c in range(k) if cv[c] == 0]
        if k + 1 < best_k:
            options.append(k)
        for c in options:
            if max(k, c + 1) >= best_k:
                break
            paint(v, c)
            done = search(max(k, c + 1))
            unpaint(v, c)
            if done:
                return True
        return False

    if best_k > lower:
        search(len(clique))
    return best_k, best_col, nodes


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
    detail = f"lower max(omega(H)={omega_h}, ceil(n/omega(W))={-(-n // omega_w)}); DSatur greedy {best}"
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
        return {
            "lower": self.lower,
            "upper": self.upper,
            "exact": self.exact,
            "method": self.method,
            "delta": self.delta,
            "n": self.n,
        }


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
    delta = check_real("delta", delta, low=0.0)
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
    method = (
        f"lower: greedy delta-separated subset ({sep.size}); upper: online leader "
        f"clustering, centre radius delta/2 ({leader.size})"
    )
    exact_value = None
    exact_labels = None
    if exact or (exact is None and n <= EXACT_CLUSTER_LIMIT):
        exact_value, exact_labels, detail = _exact_min_clusters(X, delta)
        exact_labels = _readonly(exact_labels)
        method += f"; exact: clique cover of the within-delta graph ({detail})"
    return ClusterBracket(
        lower=int(sep.size),
        upper=leader.size,
        exact=exact_value,
        method=method,
        delta=delta,
        n=n,
        labels=leader.assignment,
        exact_labels=exact_labels,
        separated=sep,
    )
