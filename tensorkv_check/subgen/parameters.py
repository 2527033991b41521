"""Sample sizes of SubGen and SubGen4Cache from ε, δ, r, n and the failure probability.

Why these parameters (explicit constants; see :func:`subgen_parameters`)
    Write ``Z = Σ_j e_j`` (``e_j = exp(c⟨q,k_j⟩)``), ``N = Σ_j e_j v_j``. If
    ``|τ̂ − Z| ≤ ε₁Z`` and ``‖N̂ − N‖ ≤ ε₂‖e‖‖V‖_op`` then, because ``‖N‖/Z = ‖Attn‖ ≤
    ‖softmax‖‖V‖_op`` and ``‖e‖/Z = ‖softmax‖``,

        ‖N̂/τ̂ − N/Z‖ ≤ (ε₂ + ε₁)/(1 − ε₁) · ‖softmax(cKq)‖ ‖V‖_op ≤ ε ‖softmax‖ ‖V‖_op

    for ``ε₁ = ε₂ = ε/3`` and any ``ε ∈ (0, 1)``.

    * Denominator: within one cluster (diameter ≤ 2δ) the logits span at most
      ``2·c·r·δ`` when ``‖q‖ ≤ r``, so samples of ``e`` lie in ``[a, a·R]``,
      ``R = e^{2crδ}``. Each term ``(|C|/t)·e_x`` then has variance ``≤ μ_C²(R−1)`` and
      range ``≤ μ_C(R−1)``; summing, Bernstein's inequality gives ``Pr[|τ̂ − Z| > ε₁Z] ≤
      2 exp(−ε₁² t / (2(R−1)(1 + ε₁/3)))``. Sampling without replacement obeys the same
      bound (Hoeffding 1963, Theorem 4: its moment generating function is dominated by
      sampling with replacement). Hence :func:`bernstein_sample_size`.
    * Numerator: ``E‖N̂ − N‖² = (‖e‖²μ − ‖N‖²)/s ≤ ‖e‖² ‖V‖_F² / s`` and
      ``‖V‖_F² = sr(V)·‖V‖_op²`` with stable rank ``sr(V) ≤ d``; Chebyshev gives failure
      ``≤ sr(V)/(ε₂² s)``.

    The spec's formulas ``t = O(ε⁻² e^{2δr} log n)`` and ``s = O(ε⁻² d)`` follow with the
    denominator's failure probability set to ``min(p/2, 1/n)`` (w.h.p., the ``log n``)
    and the numerator's to ``p/2``: ``t = ⌈2(R−1)(1 + ε/9)·9·ln(2/p_τ)/ε²⌉``,
    ``s = ⌈18·sr/(ε² p)⌉``, total failure ``≤ p``. ``constants="unit"`` instead sets every
    hidden constant to 1 (``t = ⌈e^{2crδ} ln n / ε²⌉``, ``s = ⌈d/ε²⌉``), the literal
    reading of the O(·), to see whether it suffices (it need not).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from tensorkv_check._util.validation import check_int, check_positive_scale, check_probability, check_real

__all__ = [
    "SubGenParameters",
    "SubGen4Parameters",
    "subgen_parameters",
    "subgen4_parameters",
    "bernstein_sample_size",
]


def bernstein_sample_size(ratio: float, rel_error: float, failure: float) -> int:
    """Samples so that a mean of values in ``[a, a·ratio]`` is within ``rel_error`` w.p. ``1 − failure``.

    ``t = ⌈2(ratio − 1)(1 + rel_error/3) ln(2/failure) / rel_error²⌉`` (at least 1), from
    Bernstein's inequality with variance ``≤ μ²(ratio − 1)`` and range ``≤ μ(ratio − 1)``
    per sample (see the module docstring). ``ratio = 1`` (identical values) gives 1.

    Examples
    --------
    >>> bernstein_sample_size(1.0, 0.1, 0.01)
    1
    >>> bernstein_sample_size(math.e, 0.5, 0.05)  # 2(e-1)(7/6)ln(40)/0.25 = 59.2
    60
    """
    ratio = check_real("ratio", ratio)
    if ratio < 1:
        raise ValueError(f"ratio must be >= 1, got {ratio}")
    a = check_probability("rel_error", rel_error)
    p = check_probability("failure", failure)
    t = 2.0 * (ratio - 1.0) * (1.0 + a / 3.0) * math.log(2.0 / p) / (a * a)
    return max(1, math.ceil(t - 1e-9))


@dataclass(frozen=True)
class SubGenParameters:
    """Sample sizes of :class:`SubGen` and the guarantee they buy (thm:subgen).

    Attributes
    ----------
    t, s : int
        Reservoir samples per cluster, ℓ2 value samples.
    eps, delta, r, n, d, scale, failure_probability, stable_rank : float or int
        The inputs (``r`` bounds ‖q‖; ``scale`` the logit scale actually used).
    constants : str
        ``"derived"`` (this module's explicit constants) or ``"unit"`` (every O(·)
        constant 1; no guarantee is claimed for it).
    logit_range : float
        ``2·scale·r·delta``, the largest logit span within one cluster.
    """

    t: int
    s: int
    eps: float
    delta: float
    r: float
    n: int
    d: int
    scale: float
    failure_probability: float
    stable_rank: float
    constants: str
    logit_range: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_constants(constants: object) -> str:
    if constants not in ("derived", "unit"):
        raise ValueError(f"constants must be 'derived' or 'unit', got {constants!r}")
    return str(constants)


def subgen_parameters(
    eps: float,
    delta: float,
    r: float,
    n: int,
    d: int,
    *,
    scale: float | None = None,
    failure_probability: float = 0.05,
    stable_rank: float | None = None,
    constants: str = "derived",
) -> SubGenParameters:
    """``t`` and ``s`` for SubGen's guarantee (thm:subgen, [ZHMK24] Theorem 1).

    With ``constants="derived"`` (explicit constants proved in the module docstring):
    ``t = bernstein_sample_size(e^{2·c·r·δ}, ε/3, min(p/2, 1/n))`` and
    ``s = ⌈18·sr/(ε²·p)⌉`` (``sr = stable_rank``, default ``d``); then for keys whose
    online clusters have radius δ and any query with ``‖q‖ ≤ r``,
    ``‖z − Attn(q, K, V)‖ ≤ ε ‖softmax(cKq)‖ ‖V‖_op`` with probability ``≥ 1 − p``.
    With ``constants="unit"``: ``t = ⌈e^{2crδ} ln n / ε²⌉``, ``s = ⌈d/ε²⌉``.

    Parameters
    ----------
    eps : float in (0, 1)
    delta : float > 0
        Clustering radius δ of the online clustering.
    r : float >= 0
        Bound on the query norm ``‖q‖``.
    n : int >= 1
        Stream length (rows, for SubGen2Cache: ``i²``).
    d : int >= 1
    scale : float, optional
        Logit scale ``c``; ``None`` means ``1/d`` (the engine's default).
    failure_probability : float in (0, 1)
    stable_rank : float, optional
        A bound on ``‖V‖_F²/‖V‖_op²`` (``<= d`` always); ``None`` means ``d``.
    constants : {"derived", "unit"}

    Raises
    ------
    ValueError, TypeError
        Naming the offending parameter.

    Examples
    --------
    >>> p = subgen_parameters(0.5, 0.05, 2.0, 8192, 4, scale=1.0, failure_probability=0.1)
    >>> p.t, p.s  # t = ⌈2(e^0.2 - 1)(1 + 1/18)·36·ln(16384)⌉, s = 18·4/(0.25·0.1)
    (164, 2880)
    >>> subgen_parameters(0.5, 0.05, 2.0, 8192, 4, scale=1.0, constants="unit").s
    16
    """
    eps = check_probability("eps", eps)
    delta = check_real("delta", delta, low=0.0)
    r = check_real("r", r, low=0.0, low_open=False)
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    c = check_positive_scale(scale, d)
    p = check_probability("failure_probability", failure_probability)
    sr = float(d) if stable_rank is None else check_real("stable_rank", stable_rank)
    if not 0 < sr <= d:
        raise ValueError(f"stable_rank must be in (0, d={d}], got {sr}")
    constants = _check_constants(constants)
    span = 2.0 * c * r * delta
    if constants == "derived":
        t = bernstein_sample_size(math.exp(span), eps / 3.0, min(p / 2.0, 1.0 / n))
        s = max(1, math.ceil(18.0 * sr / (eps * eps * p) - 1e-9))
    else:
        t = max(1, math.ceil(math.exp(span) * math.log(max(n, 2)) / eps**2 - 1e-9))
        s = max(1, math.ceil(d / eps**2 - 1e-9))
    return SubGenParameters(t, s, eps, delta, r, n, d, c, p, sr, constants, span)


@dataclass(frozen=True)
class SubGen4Parameters:
    """Sample sizes of :class:`SubGen4Cache` (alg:subgen4cache, [inferred] constants).

    ``t1``, ``t2`` per factor cluster, ``s`` value pairs; ``logit_range1`` =
    ``2·c·r·δ1·R2`` (span of a factor-1 cluster's logits against any factor-2 row, by
    lem:kron-clusterable's step), ``logit_range2 = 2·c·r·δ2·R1``.
    """

    t1: int
    t2: int
    s: int
    eps: float
    delta1: float
    delta2: float
    R1: float
    R2: float
    r: float
    n: int
    d: int
    scale: float
    failure_probability: float
    stable_rank: float
    constants: str
    logit_range1: float
    logit_range2: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def subgen4_parameters(
    eps: float,
    delta1: float,
    delta2: float,
    R1: float,
    R2: float,
    r: float,
    n: int,
    d: int,
    *,
    scale: float | None = None,
    failure_probability: float = 0.05,
    stable_rank: float | None = None,
    constants: str = "derived",
) -> SubGen4Parameters:
    """``t1``, ``t2``, ``s`` for SubGen4Cache with ``n`` factor tokens (``n²`` pairs).

    ``R1``, ``R2`` bound the sup-norms ``‖K1_j‖_∞``, ``‖K2_k‖_∞``. Derived constants: the
    partition function estimate is a two-stage average (given the factor-2 samples it
    is a sum over factor-1 clusters of sample means of a function whose values within
    a cluster lie in ``[a, a·e^{2crδ1R2}]``, and its conditional mean is such a sum over
    factor-2 clusters with ratio ``e^{2crδ2R1}``). With ``ρ = √(1 + ε/3) − 1`` per stage
    and stage failure ``min(p/4, 1/n²)``, ``t_i = bernstein_sample_size(e^{span_i}, ρ,
    ·)`` gives ``|τ̂ − Z| ≤ (ε/3)Z`` w.p. ``≥ 1 − p/2``; ``s = ⌈18·sr/(ε² p)⌉`` as for
    SubGen (``sr`` of ``V1⊘V2``, at most ``d``). Unit constants:
    ``t1 = t2 = ⌈e^{2cr(δ1R2 + R1δ2)} ln(n²)/ε²⌉``, ``s = ⌈d/ε²⌉``.
    """
    eps = check_probability("eps", eps)
    delta1 = check_real("delta1", delta1, low=0.0)
    delta2 = check_real("delta2", delta2, low=0.0)
    R1 = check_real("R1", R1, low=0.0, low_open=False)
    R2 = check_real("R2", R2, low=0.0, low_open=False)
    r = check_real("r", r, low=0.0, low_open=False)
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    c = check_positive_scale(scale, d)
    p = check_probability("failure_probability", failure_probability)
    sr = float(d) if stable_rank is None else check_real("stable_rank", stable_rank)
    if not 0 < sr <= d:
        raise ValueError(f"stable_rank must be in (0, d={d}], got {sr}")
    constants = _check_constants(constants)
    span1 = 2.0 * c * r * delta1 * R2
    span2 = 2.0 * c * r * delta2 * R1
    N = n * n
    if constants == "derived":
        rho = math.sqrt(1.0 + eps / 3.0) - 1.0
        fail = min(p / 4.0, 1.0 / N)
        t1 = bernstein_sample_size(math.exp(span1), rho, fail)
        t2 = bernstein_sample_size(math.exp(span2), rho, fail)
        s = max(1, math.ceil(18.0 * sr / (eps * eps * p) - 1e-9))
    else:
        t1 = t2 = max(1, math.ceil(math.exp(span1 + span2) * math.log(max(N, 2)) / eps**2 - 1e-9))
        s = max(1, math.ceil(d / eps**2 - 1e-9))
    return SubGen4Parameters(
        t1, t2, s, eps, delta1, delta2, R1, R2, r, n, d, c, p, sr, constants, span1, span2
    )
