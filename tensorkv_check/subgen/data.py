"""Key/value streams that are (m, δ)-clusterable by construction, and queries.

Test data for thm:subgen [ZHMK24], alg:subgen2cache and alg:subgen4cache of Chen et al.
2025 (arXiv 2503.11108). Keys are drawn around ``m`` centres placed uniformly on the
sphere of radius ``radius``, each key uniform in the ball of radius ``δ/2`` around its
centre, so every group has diameter ``<= δ`` and the keys are (m, δ)-clusterable
(spec thm:subgen). The number of groups can grow with ``n`` as a chosen function
(:func:`cluster_count`). Values are Gaussian, optionally of low rank, rescaled so that
``‖V‖_op`` is exactly the requested value.

All randomness comes from a numpy Generator passed in (or built from an int seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import check_int, check_real

__all__ = [
    "GROWTHS",
    "cluster_count",
    "ClusteredStream",
    "ClusteredTensorStream",
    "clustered_stream",
    "clustered_tensor_stream",
    "product_rows",
    "queries",
    "stable_rank",
    "kron_op_norm",
]

#: How the number of clusters grows with ``n`` (:func:`cluster_count`).
GROWTHS = ("constant", "log", "sqrt", "linear")


def cluster_count(n: int, growth: str = "constant", c: float = 8.0) -> int:
    """Number of clusters for ``n`` tokens: ``c``, ``c·ln n``, ``c·√n`` or ``n`` (rounded up, in [1, n]).

    Examples
    --------
    >>> [cluster_count(10_000, g, 2.0) for g in GROWTHS]
    [2, 19, 200, 10000]
    """
    n = check_int("n", n, minimum=1)
    c = check_real("c", c, low=0.0)
    if growth == "constant":
        m = c
    elif growth == "log":
        m = c * math.log(max(n, 2))
    elif growth == "sqrt":
        m = c * math.sqrt(n)
    elif growth == "linear":
        m = n
    else:
        raise ValueError(f"growth must be one of {GROWTHS}, got {growth!r}")
    return int(min(n, max(1, math.ceil(m - 1e-9))))


def _sphere(rng: np.random.Generator, m: int, d: int) -> np.ndarray:
    x = rng.standard_normal((m, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _ball(rng: np.random.Generator, n: int, d: int, radius: float) -> np.ndarray:
    """Uniform points in the ball of radius ``radius`` in R^d."""
    return _sphere(rng, n, d) * (radius * rng.random(n) ** (1.0 / d))[:, None]


def _values(rng: np.random.Generator, n: int, d: int, op_norm: float, rank: int | None) -> np.ndarray:
    if rank is None:
        G = rng.standard_normal((n, d))
    else:
        rank = check_int("value_rank", rank, minimum=1)
        G = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, d))
    top = np.linalg.norm(G, 2)
    if top == 0:  # pragma: no cover - probability zero
        return G
    return G * (op_norm / top)


def stable_rank(V: np.ndarray) -> float:
    """``‖V‖_F² / ‖V‖_op²`` (``<= min(n, d)``); 0 for ``V = 0``."""
    V = np.asarray(V, dtype=np.float64)
    op = np.linalg.norm(V, 2)
    return 0.0 if op == 0 else float((V * V).sum() / op**2)


def kron_op_norm(V1: np.ndarray, V2: np.ndarray) -> float:
    """``‖V1 ⊘ V2‖_op`` without building the product: ``(V1⊘V2)^T(V1⊘V2) = (V1^T V1) ∘ (V2^T V2)``."""
    G = (V1.T @ V1) * (V2.T @ V2)
    return float(math.sqrt(max(0.0, np.linalg.eigvalsh(G)[-1])))


@dataclass(frozen=True)
class ClusteredStream:
    """A standard-attention stream with (m, δ)-clusterable keys.

    Attributes
    ----------
    K, V : ndarray, shape (n, d)
    labels : ndarray of int, shape (n,)
        Generating group of each key (groups have diameter ``<= delta``).
    centres : ndarray, shape (m, d)
    m : int
    delta, radius : float
        Group diameter bound and centre radius.
    key_bound : float
        ``max_j ‖K_j‖ <= radius + delta/2``.
    value_op_norm : float
        ``‖V‖_op`` (exact up to rounding).
    """

    K: np.ndarray
    V: np.ndarray
    labels: np.ndarray
    centres: np.ndarray
    m: int
    delta: float
    radius: float
    key_bound: float
    value_op_norm: float


def clustered_stream(
    n: int,
    d: int,
    *,
    m: int | None = None,
    growth: str = "constant",
    growth_c: float = 8.0,
    delta: float,
    radius: float = 1.0,
    value_op_norm: float = 1.0,
    value_rank: int | None = None,
    value_mean: float = 0.0,
    rng: RngLike,
) -> ClusteredStream:
    """``n`` tokens whose keys are (m, δ)-clusterable by construction.

    Parameters
    ----------
    n, d : int
    m : int, optional
        Number of groups; default :func:`cluster_count` ``(n, growth, growth_c)``.
    growth : {"constant", "log", "sqrt", "linear"}
    delta : float > 0
        Group diameter bound δ (keys lie within δ/2 of their centre).
    radius : float > 0
        Centres lie on the sphere of this radius.
    value_op_norm : float > 0
        ``‖V‖_op`` of the values.
    value_rank : int, optional
        Rank of the Gaussian values (``None``: full rank, stable rank close to ``d``).
    value_mean : float, optional
        Added to every value entry after the Gaussian values are scaled to
        ``value_op_norm`` (a common component ``value_mean·1_n 1_d^T``; 0 by default).
        With a dominant common component ``‖Attn‖`` is close to ``‖softmax‖‖V‖_op`` for a
        flat softmax, so a bound of the form ``ε‖softmax‖‖V‖_op`` is tight enough for a
        doubled output to violate it. ``value_op_norm`` of the result is then measured.
    rng : int, SeedSequence or Generator

    Each token's group is uniform among the ``m`` groups.

    Examples
    --------
    >>> st = clustered_stream(100, 3, m=4, delta=0.2, rng=0)
    >>> st.K.shape, st.m, bool(np.all(np.linalg.norm(st.K - st.centres[st.labels], axis=1) <= 0.1))
    ((100, 3), 4, True)
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    delta = check_real("delta", delta, low=0.0)
    radius = check_real("radius", radius, low=0.0)
    value_op_norm = check_real("value_op_norm", value_op_norm, low=0.0)
    m = cluster_count(n, growth, growth_c) if m is None else check_int("m", m, minimum=1)
    g = as_generator(rng)
    centres = radius * _sphere(g, m, d)
    labels = g.integers(0, m, size=n)
    K = centres[labels] + _ball(g, n, d, delta / 2.0)
    V = _values(g, n, d, value_op_norm, value_rank)
    value_mean = check_real("value_mean", value_mean)
    if value_mean:
        V = V + value_mean
    return ClusteredStream(
        K,
        V,
        labels,
        centres,
        m,
        delta,
        radius,
        float(np.linalg.norm(K, axis=1).max()),
        float(np.linalg.norm(V, 2)),
    )


@dataclass(frozen=True)
class ClusteredTensorStream:
    """A tensor-attention stream whose factor keys are (m_i, δ_i)-clusterable.

    ``sup1``, ``sup2`` are the largest sup-norms ``max_j ‖K1_j‖_∞`` and ``‖K2_k‖_∞``
    (the ``R1``, ``R2`` of lem:kron-clusterable); ``value_op_norm`` is ``‖V1 ⊘ V2‖_op``.
    """

    K1: np.ndarray
    K2: np.ndarray
    V1: np.ndarray
    V2: np.ndarray
    labels1: np.ndarray
    labels2: np.ndarray
    m1: int
    m2: int
    delta1: float
    delta2: float
    sup1: float
    sup2: float
    value_op_norm: float


def clustered_tensor_stream(
    n: int,
    d: int,
    *,
    m1: int,
    m2: int | None = None,
    delta1: float,
    delta2: float | None = None,
    radius1: float = 1.0,
    radius2: float | None = None,
    value_rank: int | None = None,
    value_mean: float = 0.0,
    rng: RngLike,
) -> ClusteredTensorStream:
    """``n`` four-cache tokens ``(K1, K2, V1, V2)`` with clusterable factor keys.

    Each factor is an independent :func:`clustered_stream`; ``V1`` and ``V2`` get
    ``‖V_i‖_op = 1`` (before ``value_mean`` is added, see :func:`clustered_stream`) and the
    product's ``‖V1 ⊘ V2‖_op`` is reported.
    """
    g = as_generator(rng)
    m2 = m1 if m2 is None else m2
    delta2 = delta1 if delta2 is None else delta2
    radius2 = radius1 if radius2 is None else radius2
    vr, vm = value_rank, value_mean
    a = clustered_stream(n, d, m=m1, delta=delta1, radius=radius1, value_rank=vr, value_mean=vm, rng=g)
    b = clustered_stream(n, d, m=m2, delta=delta2, radius=radius2, value_rank=vr, value_mean=vm, rng=g)
    return ClusteredTensorStream(
        a.K,
        b.K,
        a.V,
        b.V,
        a.labels,
        b.labels,
        a.m,
        b.m,
        a.delta,
        b.delta,
        float(np.abs(a.K).max()),
        float(np.abs(b.K).max()),
        kron_op_norm(a.V, b.V),
    )


def product_rows(
    K1: np.ndarray, K2: np.ndarray, V1: np.ndarray, V2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All ``i²`` rows of ``(K̃, Ṽ)`` in the two-cache append order.

    Token ``i`` (1-based) contributes ``(i, k)`` for ``k = 1..i`` then ``(j, i)`` for
    ``j < i``, exactly as :meth:`tensorkv_check.engine.caches.TwoCacheDecoder.append` (spec
    def:two-cache): feeding these rows to SubGen2Cache is the two-cache model's stream.
    """
    n, d = K1.shape
    idx_j, idx_k = [], []
    for i in range(n):
        idx_j += [i] * (i + 1) + list(range(i))
        idx_k += list(range(i + 1)) + [i] * i
    j = np.asarray(idx_j, dtype=np.int64)
    k = np.asarray(idx_k, dtype=np.int64)
    return K1[j] * K2[k], V1[j] * V2[k]


def queries(n: int, d: int, r: float, *, rng: RngLike, towards: np.ndarray | None = None) -> np.ndarray:
    """``n`` queries of norm exactly ``r``.

    Uniform directions, or (with ``towards``, rows of target vectors) the direction of
    a random target plus isotropic noise of the same norm, so the softmax is peaked.
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    r = float(r)
    g = as_generator(rng)
    x = g.standard_normal((n, d))
    if towards is not None:
        T = np.asarray(towards, dtype=np.float64)
        t = T[g.integers(0, T.shape[0], size=n)]
        t = t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-300)
        x = x / np.linalg.norm(x, axis=1, keepdims=True) + 2.0 * t
    return r * x / np.linalg.norm(x, axis=1, keepdims=True)
