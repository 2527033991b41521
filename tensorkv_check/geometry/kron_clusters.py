"""Product clusters of ``K1 ⊘ K2`` from clusterings of the factors (lem:kron-clusterable).

Spec item **lem:kron-clusterable** of Chen et al. 2025 (arXiv 2503.11108): if ``K1`` is
``(m1, δ1)``- and ``K2`` is ``(m2, δ2)``-clusterable with row norms ``R1``, ``R2``, their
row-wise Kronecker product is ``(m1·m2, δ1·R2 + R1·δ2)``-clusterable.
:func:`kron_cluster_bracket` builds the product clusters and measures their diameters;
:func:`kron_tightness_search` searches for factor sets that make the bound tight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensorkv_check._util.validation import as_float_array, check_int, check_probability, check_real
from tensorkv_check.engine.distances import diameter
from tensorkv_check.geometry._checks import _readonly
from tensorkv_check.geometry.clustering import (
    EXACT_CLUSTER_LIMIT,
    ClusterBracket,
    cluster_bracket,
)

__all__ = [
    "KronClusterBracket",
    "kron_cluster_bracket",
    "KronSearchResult",
    "kron_tightness_search",
]


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
            "m1": self.m1,
            "m2": self.m2,
            "product_clusters": self.m1 * self.m2,
            "R1": self.R1,
            "R2": self.R2,
            "delta1": self.delta1,
            "delta2": self.delta2,
            "delta_bound": self.delta_bound,
            "max_diameter": self.max_diameter,
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
    delta1 = check_real("delta1", delta1, low=0.0)
    delta2 = check_real("delta2", delta2, low=0.0)
    max_cluster_rows = check_int("max_cluster_rows", max_cluster_rows, minimum=1)
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
    diam1 = [diameter(A[g]) for g in groups1]
    diam2 = [diameter(B[g]) for g in groups2]
    sup1 = [float(np.abs(A[g]).max()) for g in groups1]
    sup2 = [float(np.abs(B[g]).max()) for g in groups2]
    diameters = np.zeros((m1, m2))
    bounds = np.zeros((m1, m2))
    for i, g1 in enumerate(groups1):
        for j, g2 in enumerate(groups2):
            rows = np.einsum("jl,kl->jkl", A[g1], B[g2]).reshape(-1, A.shape[1])
            diameters[i, j] = diameter(rows)
            bounds[i, j] = diam1[i] * sup2[j] + sup1[i] * diam2[j]
    pos = bounds > 0
    worst = float((diameters[pos] / bounds[pos]).max()) if pos.any() else 0.0
    product = None
    if product_bracket:
        P = np.einsum("jl,kl->jkl", A, B).reshape(-1, A.shape[1])
        product = cluster_bracket(P, bound) if bound > 0 else None
    return KronClusterBracket(
        factor1=f1,
        factor2=f2,
        m1=m1,
        m2=m2,
        R1=R1,
        R2=R2,
        delta1=delta1,
        delta2=delta2,
        delta_bound=bound,
        diameters=_readonly(diameters),
        cluster_bounds=_readonly(bounds),
        max_diameter=float(diameters.max()),
        worst_ratio=worst,
        product=product,
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
    alpha = check_probability("alpha", alpha)
    max_examples = check_int("max_examples", max_examples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    n_max = check_int("n_max", n_max, minimum=1)
    d_max = check_int("d_max", d_max, minimum=1)
    if n_max * n_max > EXACT_CLUSTER_LIMIT:
        raise ValueError(
            f"n_max = {n_max} gives n_max^2 > EXACT_CLUSTER_LIMIT = {EXACT_CLUSTER_LIMIT}; use n_max <= 7"
        )
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
            entries = (
                st.sampled_from([-1.0, 0.0, 1.0])
                if kind == "lattice"
                else st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)
            )
            K1 = np.array(draw(st.lists(entries, min_size=n1 * d, max_size=n1 * d)))
            K2 = np.array(draw(st.lists(entries, min_size=n2 * d, max_size=n2 * d)))
        fraction = st.one_of(st.just(1.0), st.floats(0.05, 1.0))  # 1.0: a single cluster
        t1 = draw(fraction)
        t2 = draw(fraction)
        return K1.reshape(n1, d), K2.reshape(n2, d), t1, t2

    found: dict[str, Any] = {"ratio": -1.0, "examples": 0, "worst": 0.0}

    @hyp_seed(seed)
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.target),
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(instances())
    def run(inst):
        K1, K2, t1, t2 = inst
        delta1 = max(t1 * diameter(K1), 1e-6)
        delta2 = max(t2 * diameter(K2), 1e-6)
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
            found.update(
                ratio=ratio,
                needed=needed,
                m1=kb.m1,
                m2=kb.m2,
                K1=K1,
                K2=K2,
                delta1=delta1,
                delta2=delta2,
                delta_bound=kb.delta_bound,
            )

    run()
    if found["ratio"] < 0:  # every instance had delta_bound == 0 (all-zero factors)
        z = np.zeros((1, 1))
        found.update(ratio=1.0, needed=1, m1=1, m2=1, K1=z, K2=z, delta1=0.0, delta2=0.0, delta_bound=0.0)
    return KronSearchResult(
        ratio=float(found["ratio"]),
        needed=int(found["needed"]),
        m1=int(found["m1"]),
        m2=int(found["m2"]),
        K1=found["K1"],
        K2=found["K2"],
        delta1=float(found["delta1"]),
        delta2=float(found["delta2"]),
        delta_bound=float(found["delta_bound"]),
        alpha=alpha,
        examples=int(found["examples"]),
        seed=seed,
        max_worst_ratio=float(found["worst"]),
    )
