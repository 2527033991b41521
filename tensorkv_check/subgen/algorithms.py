"""SubGen (Zandieh, Han, Mirrokni, Karbasi 2024) and its tensor-attention versions.

Implements spec items thm:subgen [ZHMK24], alg:subgen2cache and alg:subgen4cache of
Chen et al. 2025 (arXiv 2503.11108); the tensor versions' details are [inferred].

:class:`SubGen` (standard attention, input kind ``"kv"``)
    One pass over the stream ``(k_j, v_j)``. It keeps

    * an **online clustering** of the keys with radius ``delta`` (δ): a new key joins
      the cluster whose *centre* is nearest to it if that distance is ``<= δ`` (ties:
      the cluster opened first), and otherwise opens a new cluster whose centre is the
      key itself. Centres never move. Every cluster therefore lies in a ball of radius
      δ around its centre (diameter ≤ 2δ), and if the keys are (m, δ)-clusterable
      (m groups of diameter ≤ δ) the algorithm opens at most m clusters: the first key
      of a group opens at most one centre, which every later key of the group is within
      δ of;
    * per cluster its size ``|C|`` and ``t`` keys drawn uniformly **without**
      replacement by reservoir sampling (Vitter's Algorithm R: the first ``t`` members
      are kept, member ``i > t`` replaces a uniform slot with probability ``t/i``), so a
      cluster with at most ``t`` members is kept whole;
    * ``s`` independent size-1 **ℓ2 reservoirs** of ``(k_j, v_j)``: each holds token
      ``j`` with probability ``‖v_j‖² / ‖V‖_F²`` (see :class:`_WeightedReservoirs`), and the
      total mass ``μ = ‖V‖_F²``.

    A query ``q`` (logit scale ``c``) returns ``z = N̂ / τ̂`` with

    * ``τ̂ = Σ_C |C| · mean_{x ∈ samples(C)} exp(c⟨q, x⟩)``, the partition function
      estimate (exact when every cluster has at most ``t`` members);
    * ``N̂ = (μ/s) Σ_{i=1..s} exp(c⟨q, k_{j_i}⟩) v_{j_i} / ‖v_{j_i}‖²``, the ℓ2-sampling
      estimate of ``Σ_j exp(c⟨q, k_j⟩) v_j`` (importance weights ``‖V‖_F² / (s‖v_j‖²)``),
      unbiased because ``E[N̂] = Σ_j (‖v_j‖²/μ)(μ/‖v_j‖²) e_j v_j``.

    Query cost ``O(d·(m·t + s))``; memory ``O(d·(m·t + s))`` numbers, flat in ``n``
    once the clusters are full.

:class:`SubGen2Cache` (input kind ``"rows"``)
    SubGen over the rows of the two-cache representation ``(K̃, Ṽ)`` fed row by row
    (spec def:two-cache, alg:subgen2cache). Its clusters are clusters of product rows.

:class:`SubGen4Cache` (input kind ``"factors"``)
    Clusters K1 and K2 separately (radii δ1, δ2) with ``t1``/``t2`` reservoir samples
    each; a product cluster is a pair of factor clusters with size ``|A|·|B|``. The
    partition function ``Σ_{j,k} exp(c⟨q, K1_j ∘ K2_k⟩)`` is estimated by
    ``Σ_{A,B} |A||B| · mean over all pairs (x, y) of samples(A) × samples(B) of
    exp(c⟨q, x ∘ y⟩)``, computed as one ``M1 × M2`` matrix product (``M_i`` the
    stored factor samples). The numerator uses ``s`` pairs ``(j, k)`` drawn with
    probability ``‖V1_j ∘ V2_k‖² / μ``, ``μ = Σ_l a_l b_l``, ``a_l = Σ_j V1_jl²``,
    ``b_l = Σ_k V2_kl²``, **without enumerating pairs**, as a mixture over coordinates:

        P(j, k) = Σ_l (a_l b_l / μ) · (V1_jl² / a_l) · (V2_kl² / b_l)
                = Σ_l V1_jl² V2_kl² / μ = ‖V1_j ∘ V2_k‖² / μ.

    Streaming, each factor keeps ``s × d`` independent size-1 weighted reservoirs,
    reservoir ``(i, l)`` weighting token ``j`` by ``V_jl²``; sample ``i`` draws its
    coordinate ``l_i`` by inverse CDF of ``a ∘ b / μ`` from a uniform ``u_i`` fixed at
    construction and takes ``j`` from factor-1 reservoir ``(i, l_i)`` and ``k`` from
    factor-2 reservoir ``(i, l_i)``: the ``s`` pairs are independent with exactly the law
    above. The cost is memory: up to ``s·d`` distinct sampled rows per factor (stored
    once each, referenced by index), against ``s`` rows for SubGen2Cache's sampler.

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

Logit scale
    [ZHMK24] write ``exp(⟨q, k⟩)`` (scale 1). Like the rest of the engine the scale is a
    parameter whose default ``None`` means ``1/d`` (:func:`tensorkv_check.engine.exact_attention`'s
    default), so that ``SubGen(...).query(q)`` approximates ``attention(q, K, V)`` with
    the same arguments; pass ``scale=1.0`` for [ZHMK24]'s convention. The parameter
    formulas use the effective query norm ``c·r``.

Streaming and blocks
    :meth:`SubGen.ingest` takes blocks of tokens. The clustering of a block is exactly
    the sequential rule above (centres opened earlier in the same block compete, by
    opening order); the reservoirs are updated per block with the exact sequential
    *law* (a size-1 weighted reservoir keeps its item with probability ``W_old/W_new``
    and otherwise takes block token ``j`` with probability ``w_j/W_new``; Algorithm R's
    accept/slot draws are made per token in token order). The same seed and the same
    block partition give the same bytes; a different partition gives the same
    distribution, not the same draws. Distances are computed as
    ``‖k‖² − 2⟨k, c⟩ + ‖c‖²`` in float64, so decisions within rounding (~1e-15
    relative) of a tie or of δ may differ between partitions.

State and bytes
    ``to_bytes()`` is the whole state in the project's byte format
    (:mod:`tensorkv_check.engine.protocol`), including the random generator's state so that
    ``from_bytes`` resumes the stream exactly; the message length is measured as
    ``len(to_bytes())``. Only PCG64 generators (``np.random.default_rng``) are accepted.

References
----------
A. Zandieh, I. Han, V. Mirrokni, A. Karbasi, "SubGen: Token Generation in Sublinear
Time and Memory", arXiv 2402.06082 (2024), Theorem 1 and Algorithms 1–3.
W. Hoeffding, "Probability inequalities for sums of bounded random variables", JASA
58 (1963), Theorem 4. J. S. Vitter, "Random sampling with a reservoir", ACM TOMS 11
(1985). P. Drineas, R. Kannan, M. Mahoney, "Fast Monte Carlo algorithms for matrices
I" (2006), for ℓ2 (norm²) sampling in approximate matrix products.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from tensorkv_check.engine import protocol as _protocol
from tensorkv_check._util.validation import (
    as_float_array,
    check_positive_int,
    check_positive_scale,
    same_width,
)

__all__ = [
    "SubGen",
    "SubGen2Cache",
    "SubGen4Cache",
    "SubGenParameters",
    "SubGen4Parameters",
    "subgen_parameters",
    "subgen4_parameters",
    "bernstein_sample_size",
    "online_cluster_labels",
    "SUBGEN_KIND_CODES",
]

#: Kind codes of the byte format (header byte 5). Registered into
#: :data:`tensorkv_check.engine.protocol.KIND_CODES` at import unless already present.
SUBGEN_KIND_CODES = {"SubGen": 16, "SubGen2Cache": 17, "SubGen4Cache": 18}

for _name, _code in SUBGEN_KIND_CODES.items():
    _owner = {v: k for k, v in _protocol.KIND_CODES.items()}.get(_code)
    if _name not in _protocol.KIND_CODES:
        if _owner is not None:  # pragma: no cover - a registry collision is a build error
            raise ImportError(f"protocol kind code {_code} of {_name} is already used by {_owner}")
        _protocol.KIND_CODES[_name] = _code

_FORMAT = 1  # layout version of the subgen state vector (first entry of array 0)


# --------------------------------------------------------------------------- validation


def _check_real(name: str, value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_delta(name: str, value: object) -> float:
    value = _check_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} (the clustering radius δ) must be > 0, got {value}")
    return value


def _check_eps(value: object) -> float:
    value = _check_real("eps", value)
    if not 0 < value < 1:
        raise ValueError(f"eps (the error parameter ε) must be in (0, 1), got {value}")
    return value


def _check_prob(name: str, value: object) -> float:
    value = _check_real(name, value)
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")
    return value


def _check_nonneg(name: str, value: object) -> float:
    value = _check_real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _check_d(d: object) -> int | None:
    if d is None:
        return None
    return check_positive_int("d", d)


def _as_rng(rng: object) -> np.random.Generator:
    """An ``int`` seed, a ``SeedSequence`` or a PCG64 ``Generator`` -> a Generator."""
    if isinstance(rng, np.random.Generator):
        if not isinstance(rng.bit_generator, np.random.PCG64):
            raise TypeError(
                "rng must use the PCG64 bit generator (np.random.default_rng) so that its "
                f"state can be serialised, got {type(rng.bit_generator).__name__}"
            )
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(rng))
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"rng must be an integer seed, a SeedSequence or a numpy Generator, got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def _rows(name: str, value: object, d: int | None) -> np.ndarray:
    arr = as_float_array(name, value, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if d is not None:
        same_width(d, **{name: arr})
    return arr


# --------------------------------------------------------------------------- parameters


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
    ratio = _check_real("ratio", ratio)
    if ratio < 1:
        raise ValueError(f"ratio must be >= 1, got {ratio}")
    a = _check_prob("rel_error", rel_error)
    p = _check_prob("failure", failure)
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
    eps = _check_eps(eps)
    delta = _check_delta("delta", delta)
    r = _check_nonneg("r", r)
    n = check_positive_int("n", n)
    d = check_positive_int("d", d)
    c = check_positive_scale(scale, d)
    p = _check_prob("failure_probability", failure_probability)
    sr = float(d) if stable_rank is None else _check_real("stable_rank", stable_rank)
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
    eps = _check_eps(eps)
    delta1 = _check_delta("delta1", delta1)
    delta2 = _check_delta("delta2", delta2)
    R1 = _check_nonneg("R1", R1)
    R2 = _check_nonneg("R2", R2)
    r = _check_nonneg("r", r)
    n = check_positive_int("n", n)
    d = check_positive_int("d", d)
    c = check_positive_scale(scale, d)
    p = _check_prob("failure_probability", failure_probability)
    sr = float(d) if stable_rank is None else _check_real("stable_rank", stable_rank)
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
    return SubGen4Parameters(t1, t2, s, eps, delta1, delta2, R1, R2, r, n, d, c, p, sr,
                             constants, span1, span2)


# --------------------------------------------------------------------------- state vector


class _Vec:
    """Builds / reads the flat float64 state vector (integers < 2^53 are exact)."""

    def __init__(self, data: np.ndarray | None = None) -> None:
        self.parts: list[np.ndarray] = []
        self.data = data
        self.pos = 0

    def put(self, *values: Any) -> None:
        for v in values:
            self.parts.append(np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel())

    def array(self, d: int) -> np.ndarray:
        flat = np.concatenate(self.parts) if self.parts else np.zeros(0)
        rows = max(1, -(-flat.size // d))
        out = np.zeros(rows * d)
        out[: flat.size] = flat
        return out.reshape(rows, d)

    def take(self, k: int) -> np.ndarray:
        if self.pos + k > self.data.size:
            raise ValueError("data is corrupt: the state vector is shorter than its fields")
        out = self.data[self.pos : self.pos + k]
        self.pos += k
        return out

    def int(self) -> int:
        v = float(self.take(1)[0])
        if v != int(v) or v < 0:
            raise ValueError("data is corrupt: a count field is not a non-negative integer")
        return int(v)

    def float(self) -> float:
        return float(self.take(1)[0])


def _put_rng(vec: _Vec, rng: np.random.Generator) -> None:
    st = rng.bit_generator.state
    chunks = []
    for key in ("state", "inc"):
        x = int(st["state"][key])
        chunks += [(x >> (16 * i)) & 0xFFFF for i in range(8)]
    vec.put(chunks, int(st["has_uint32"]), int(st["uinteger"]))


def _take_rng(vec: _Vec) -> np.random.Generator:
    vals = [vec.int() for _ in range(18)]
    state = sum(v << (16 * i) for i, v in enumerate(vals[:8]))
    inc = sum(v << (16 * i) for i, v in enumerate(vals[8:16]))
    bg = np.random.PCG64()
    bg.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": vals[16],
        "uinteger": vals[17],
    }
    return np.random.Generator(bg)


# --------------------------------------------------------------------------- online clustering


def _sqdist(X: np.ndarray, x2: np.ndarray, C: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Squared distances ``‖x‖² − 2⟨x, c⟩ + ‖c‖²`` (clipped at 0), shape (len(X), len(C))."""
    D = X @ C.T
    D *= -2.0
    D += x2[:, None]
    D += c2[None, :]
    np.maximum(D, 0.0, out=D)
    return D


def _assign(K: np.ndarray, k2: np.ndarray, C: np.ndarray, c2: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Sequential online-clustering labels of the block ``K`` given existing centres ``C``.

    Returns ``(labels, opened)``: ``labels[u]`` is the cluster index (existing clusters
    ``0..len(C)-1``, new ones numbered on from ``len(C)`` in opening order) and
    ``opened`` the block positions of the keys that open new clusters. Equivalent to
    processing the keys one at a time: key ``u`` joins the nearest centre among those
    existing at its arrival if within δ (ties to the earliest), else opens one.
    """
    B = K.shape[0]
    m0 = C.shape[0]
    d2max = delta * delta
    labels = np.full(B, -1, dtype=np.int64)
    best = np.full(B, np.inf)
    if m0:
        D = _sqdist(K, k2, C, c2)
        arg = D.argmin(axis=1)
        best = D[np.arange(B), arg]
        has = best <= d2max
        labels[has] = arg[has]
    else:
        has = np.zeros(B, dtype=bool)
    pending = np.flatnonzero(~has)
    opened: list[int] = []
    # Leader pass over keys without an existing centre within δ: the first pending key
    # opens a centre and every later pending key within δ of it is covered (it will
    # join some centre opened before it, never open one). O(#opened · B · d).
    while pending.size:
        p = int(pending[0])
        opened.append(p)
        rest = pending[1:]
        if rest.size == 0:
            break
        dd = _sqdist(K[rest], k2[rest], K[p : p + 1], k2[p : p + 1])[:, 0]
        pending = rest[dd > d2max]
    if opened:
        op = np.asarray(opened, dtype=np.int64)
        Dn = _sqdist(K, k2, K[op], k2[op])  # (B, m_new)
        # A key sees only the centres opened at or before its own position.
        Dn[np.arange(B)[:, None] < op[None, :]] = np.inf
        argn = Dn.argmin(axis=1)
        bestn = Dn[np.arange(B), argn]
        use_new = bestn < best  # strict: ties go to the earlier (existing) centre
        labels[use_new] = m0 + argn[use_new]
        labels[op] = m0 + np.arange(op.size)
    return labels, np.asarray(opened, dtype=np.int64)


def online_cluster_labels(K: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels and centres of SubGen's online clustering of the key stream ``K``.

    The clustering is deterministic (no randomness), so this replays exactly the
    clusters a :class:`SubGen` (or one factor of :class:`SubGen4Cache`) forms on the same
    stream; checks use it to measure cluster diameters, which the compressor itself
    does not store.

    Returns
    -------
    labels : ndarray of int, shape (n,)
    centres : ndarray, shape (m, d)

    Examples
    --------
    >>> online_cluster_labels([[0.0], [0.5], [3.0], [0.9]], 1.0)[0]
    array([0, 0, 1, 0])
    """
    K = _rows("K", K, None)
    delta = _check_delta("delta", delta)
    k2 = np.einsum("ij,ij->i", K, K)
    labels, opened = _assign(K, k2, np.zeros((0, K.shape[1])), np.zeros(0), delta)
    return labels, K[opened].copy()


class _OnlineClusters:
    """Online δ-clustering with per-cluster size and a size-``t`` Algorithm-R reservoir."""

    def __init__(self, d: int, delta: float, t: int) -> None:
        self.d, self.delta, self.t = d, delta, t
        self.centres = np.zeros((0, d))
        self.c2 = np.zeros(0)
        self.counts = np.zeros(0, dtype=np.int64)
        self.samples: list[np.ndarray] = []  # per cluster, (capacity <= t, d)
        self.filled = np.zeros(0, dtype=np.int64)
        self._stacked: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def m(self) -> int:
        return self.centres.shape[0]

    def ingest(self, K: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        B = K.shape[0]
        k2 = np.einsum("ij,ij->i", K, K)
        m0 = self.m
        labels, opened = _assign(K, k2, self.centres, self.c2, self.delta)
        if opened.size:
            self.centres = np.concatenate([self.centres, K[opened]])
            self.c2 = np.concatenate([self.c2, k2[opened]])
            self.counts = np.concatenate([self.counts, np.zeros(opened.size, dtype=np.int64)])
            self.filled = np.concatenate([self.filled, np.zeros(opened.size, dtype=np.int64)])
            cap = min(self.t, 4)
            self.samples += [np.empty((cap, self.d)) for _ in range(opened.size)]
        # In-cluster index i (1-based) of every token, in token order.
        order = np.argsort(labels, kind="stable")
        sl = labels[order]
        starts = np.flatnonzero(np.r_[True, sl[1:] != sl[:-1]])
        group_first = np.repeat(starts, np.diff(np.r_[starts, B]))
        rank = np.empty(B, dtype=np.int64)
        rank[order] = np.arange(B) - group_first
        i = self.counts[labels] + rank + 1
        # Algorithm R, one uniform and one slot per token, drawn in token order.
        u = rng.random(B)
        rslot = rng.integers(0, self.t, size=B)
        accept = (i <= self.t) | (u * i < self.t)
        slot = np.where(i <= self.t, i - 1, rslot)
        acc = np.flatnonzero(accept)
        if acc.size:
            la = labels[acc]
            o = np.argsort(la, kind="stable")
            acc, la = acc[o], la[o]
            bounds = np.flatnonzero(np.r_[True, la[1:] != la[:-1], True])
            for g in range(bounds.size - 1):
                idx = acc[bounds[g] : bounds[g + 1]]
                c = int(la[bounds[g]])
                sl_c = slot[idx]
                # Last write wins per slot (sequential order).
                _, last = np.unique(sl_c[::-1], return_index=True)
                keep = idx[::-1][last]
                sl_k = sl_c[::-1][last]
                need = int(sl_k.max()) + 1
                arr = self.samples[c]
                if need > arr.shape[0]:
                    grown = np.empty((min(self.t, max(need, 2 * arr.shape[0])), self.d))
                    grown[: self.filled[c]] = arr[: self.filled[c]]
                    self.samples[c] = arr = grown
                arr[sl_k] = K[keep]
                self.filled[c] = max(int(self.filled[c]), need)
        np.add.at(self.counts, labels, 1)
        self._stacked = None
        return labels

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """All stored samples (M, d) and their weights ``|C| / (#samples of C)``."""
        if self._stacked is None:
            if self.m == 0:
                self._stacked = (np.zeros((0, self.d)), np.zeros(0))
            else:
                X = np.concatenate([s[:f] for s, f in zip(self.samples, self.filled)])
                w = np.repeat(self.counts / self.filled, self.filled)
                self._stacked = (X, w)
        return self._stacked

    def sample_rows(self) -> int:
        return int(self.filled.sum())

    def put(self, vec: _Vec) -> list[np.ndarray]:
        vec.put(self.m, self.counts, self.filled)
        X = self.stacked()[0] if self.m else np.zeros((0, self.d))
        return [self.centres, X]

    @classmethod
    def take(cls, vec: _Vec, d: int, delta: float, t: int, centres: np.ndarray, X: np.ndarray) -> _OnlineClusters:
        self = cls(d, delta, t)
        m = vec.int()
        self.counts = vec.take(m).astype(np.int64)
        self.filled = vec.take(m).astype(np.int64)
        if centres.shape[0] != m or X.shape[0] != int(self.filled.sum()):
            raise ValueError("data is corrupt: cluster tables do not match the stored rows")
        if np.any(self.filled > self.counts) or np.any(self.filled > t) or np.any(self.filled < 1):
            raise ValueError("data is corrupt: impossible cluster sample counts")
        self.centres = centres
        self.c2 = np.einsum("ij,ij->i", centres, centres)
        off = np.r_[0, np.cumsum(self.filled)]
        self.samples = [X[off[c] : off[c + 1]].copy() for c in range(m)]
        return self


# --------------------------------------------------------------------------- ℓ2 reservoirs


class _WeightedReservoirs:
    """``R × C`` independent size-1 weighted reservoirs over a stream of rows.

    Reservoir ``(i, c)`` weights stream item ``j`` by ``W[j, c] >= 0`` and, after any
    prefix of the stream, holds item ``j`` with probability ``W[j, c] / Σ_j' W[j', c]``,
    independently of every other reservoir. Sequentially a reservoir takes item ``j``
    with probability ``w_j / W_j`` (``W_j`` the running total), which telescopes:
    ``P(final = j) = (w_j/W_j) Π_{i>j} (W_{i−1}/W_i) = w_j / W_n``. Per block the same
    law is applied at once: keep the old item with probability ``W_old / W_new``,
    otherwise take block item ``j`` with probability ``w_j / W_new`` (one uniform per
    reservoir per block).

    The sampled rows (``keys``, ``values``) are stored once each in a pool, in stream
    order, and referenced by index (``refs[i, c]``, −1 while empty).
    """

    def __init__(self, d: int, R: int, C: int) -> None:
        self.d, self.R, self.C = d, R, C
        self.total = np.zeros(C)
        self.refs = np.full((R, C), -1, dtype=np.int64)
        self.keys = np.zeros((0, d))
        self.values = np.zeros((0, d))

    def ingest(self, W: np.ndarray, K: np.ndarray, V: np.ndarray, rng: np.random.Generator) -> None:
        B = W.shape[0]
        cum = np.cumsum(W, axis=0)
        block = cum[-1]
        new_total = self.total + block
        u = rng.random((self.R, self.C)) * new_total[None, :]
        repl = (u >= self.total[None, :]) & (block > 0)[None, :]
        if repl.any():
            picks = np.full((self.R, self.C), -1, dtype=np.int64)
            for c in np.flatnonzero(repl.any(axis=0)):
                rows = np.flatnonzero(repl[:, c])
                j = np.searchsorted(cum[:, c], u[rows, c] - self.total[c], side="right")
                last_pos = int(np.flatnonzero(W[:, c] > 0)[-1])
                j = np.minimum(j, last_pos)
                # Rounding can land on a zero-weight item; move to the next positive one.
                bad = W[j, c] <= 0
                if bad.any():
                    pos = np.flatnonzero(W[:, c] > 0)
                    j[bad] = pos[np.minimum(np.searchsorted(pos, j[bad]), pos.size - 1)]
                picks[rows, c] = j
            used = np.unique(picks[picks >= 0])
            base = self.keys.shape[0]
            self.keys = np.concatenate([self.keys, K[used]])
            self.values = np.concatenate([self.values, V[used]])
            where = np.searchsorted(used, picks[repl])
            self.refs[repl] = base + where
            self._compact_if_needed()
        self.total = new_total

    def _compact_if_needed(self) -> None:
        if self.keys.shape[0] > 2 * self.R * self.C + 64:
            self.compact()

    def compact(self) -> None:
        """Drop pool rows no reservoir refers to (keeps stream order: canonical bytes)."""
        live = self.refs[self.refs >= 0]
        used = np.unique(live)
        if used.size == self.keys.shape[0]:
            return
        self.keys = self.keys[used]
        self.values = self.values[used]
        m = self.refs >= 0
        self.refs[m] = np.searchsorted(used, self.refs[m])

    def put(self, vec: _Vec) -> list[np.ndarray]:
        self.compact()
        vec.put(self.total, self.refs)
        return [self.keys, self.values]

    @classmethod
    def take(cls, vec: _Vec, d: int, R: int, C: int, keys: np.ndarray, values: np.ndarray) -> _WeightedReservoirs:
        self = cls(d, R, C)
        self.total = vec.take(C).copy()
        self.refs = vec.take(R * C).astype(np.int64).reshape(R, C)
        if keys.shape[0] != values.shape[0] or np.any(self.refs >= keys.shape[0]) or np.any(self.refs < -1):
            raise ValueError("data is corrupt: reservoir references out of range")
        self.keys, self.values = keys, values
        return self


def _check_weights(name: str, W: np.ndarray, res: _WeightedReservoirs | None) -> None:
    """ℓ2 weights (squared value entries) and their running totals must be finite."""
    total = W.sum(0) + (0.0 if res is None else res.total)
    if not (np.isfinite(W).all() and np.isfinite(total).all()):
        raise ValueError(f"{name}: squared value entries overflow float64 (‖v‖² > 1.8e308); rescale the values")


# --------------------------------------------------------------------------- byte packing


#: Header flag: ``d`` was not fixed yet; the state vector is written with width 1.
_FLAG_D_UNKNOWN = 1


def _pack(kind: str, d: int | None, scale_arg: float | None, arrays: list[np.ndarray]) -> bytes:
    if d is None:
        return _protocol.pack_state(kind, 1, scale_arg, arrays, flags=_FLAG_D_UNKNOWN)
    return _protocol.pack_state(kind, d, scale_arg, arrays)


def _unpack(kind: str, data: object) -> tuple[int | None, float | None, list[np.ndarray]]:
    d, scale, flags, arrays = _protocol.unpack_state(kind, data)
    if flags & ~_FLAG_D_UNKNOWN:
        raise ValueError(f"data is corrupt: unknown header flags {flags}")
    if flags & _FLAG_D_UNKNOWN:
        if d != 1 or len(arrays) != 1:
            raise ValueError("data is corrupt: a state without d must hold only its state vector")
        d = None
    if not arrays:
        raise ValueError("data is corrupt: no state vector")
    return d, scale, arrays


# --------------------------------------------------------------------------- SubGen


class _Base(_protocol.HeadDimScale):
    """Shared plumbing: ``d``, ``scale`` (``None`` -> 1/d) and the generator."""

    _kind: ClassVar[str]

    def __init__(self, d: int | None, scale: float | None, rng: object) -> None:
        self._d = _check_d(d)
        if scale is not None:
            check_positive_scale(scale, 1)
            scale = float(scale)
        self._scale_arg = scale
        self._rng = _as_rng(rng)


    @property
    def memory_bytes(self) -> int:
        """``len(self.to_bytes())``: the message length the Index harness measures."""
        return len(self.to_bytes())

    def _query_rows(self, q: object) -> tuple[np.ndarray, bool]:
        if self.n_tokens == 0:
            raise ValueError("cannot query an empty compressor: ingest at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._d, q=q)
        return (q.reshape(1, -1), True) if q.ndim == 1 else (q, False)


def _finish(logits_tau: np.ndarray, w_tau: np.ndarray, logits_num: np.ndarray,
            coef: np.ndarray, Vs: np.ndarray) -> np.ndarray:
    """``N̂/τ̂`` for one query from its logits, with a common max shift."""
    if not (np.isfinite(logits_tau).all() and np.isfinite(logits_num).all()):
        raise ValueError("attention logits overflow float64; rescale the inputs")
    top = logits_tau.max()
    tau = np.exp(logits_tau - top) @ w_tau
    if coef.size == 0:
        return np.zeros(Vs.shape[1])
    shifted = logits_num - top
    if shifted.max() > 700:
        raise ValueError(
            "a sampled value logit exceeds every partition-function sample logit by > 700; "
            "exp would overflow float64"
        )
    num = (np.exp(shifted) * coef) @ Vs
    return num / tau


class SubGen(_Base):
    """SubGen [ZHMK24] for standard attention: clustered keys + ℓ2-sampled values.

    Implements the cache-algorithm protocol (:mod:`tensorkv_check.engine.protocol`) for input
    kind ``"kv"``. See the module docstring for the algorithm and its guarantee.

    Parameters
    ----------
    d : int, optional
        Head dimension; fixed by the first token otherwise.
    scale : float, optional
        Logit scale; ``None`` means ``1/d`` (engine default; [ZHMK24] use 1).
    delta : float > 0, keyword-only
        Online clustering radius δ.
    t : int >= 1, keyword-only
        Reservoir samples per cluster.
    s : int >= 1, keyword-only
        ℓ2 value samples.
    rng : int, SeedSequence or numpy Generator (PCG64), keyword-only
        All randomness comes from it.

    Raises
    ------
    ValueError, TypeError
        For δ <= 0, t or s < 1, a bad ``d``, ``scale`` or ``rng``.

    Examples
    --------
    A cluster of identical keys with identical values is estimated exactly:

    >>> sg = SubGen(2, 1.0, delta=0.1, t=2, s=3, rng=0)
    >>> sg.ingest(np.ones((5, 2)), np.tile([1.0, -2.0], (5, 1)))
    >>> sg.query([0.3, 0.7])
    array([ 1., -2.])
    >>> type(sg).from_bytes(sg.to_bytes()).query([0.3, 0.7])
    array([ 1., -2.])

    References
    ----------
    Zandieh, Han, Mirrokni, Karbasi 2024 (arXiv 2402.06082), Algorithms 1–3, Theorem 1.
    """

    inputs: ClassVar[frozenset[str]] = frozenset({"kv"})
    _kind: ClassVar[str] = "SubGen"
    _block_names: ClassVar[tuple[str, str]] = ("k", "v")

    def __init__(self, d: int | None = None, scale: float | None = None, *,
                 delta: float, t: int, s: int, rng: object) -> None:
        super().__init__(d, scale, rng)
        self.delta = _check_delta("delta", delta)
        self.t = check_positive_int("t", t)
        self.s = check_positive_int("s", s)
        self.n_tokens = 0
        self._clusters: _OnlineClusters | None = None
        self._res: _WeightedReservoirs | None = None
        self._cache: tuple | None = None
        if self._d is not None:
            self._init_state(self._d)

    @classmethod
    def for_guarantee(cls, eps: float, delta: float, r: float, n: int, d: int, *,
                      scale: float | None = None, failure_probability: float = 0.05,
                      stable_rank: float | None = None, constants: str = "derived",
                      rng: object) -> SubGen:
        """A SubGen with ``t``, ``s`` from :func:`subgen_parameters`."""
        p = subgen_parameters(eps, delta, r, n, d, scale=scale, failure_probability=failure_probability,
                              stable_rank=stable_rank, constants=constants)
        return cls(d, scale, delta=delta, t=p.t, s=p.s, rng=rng)

    def _init_state(self, d: int) -> None:
        self._d = d
        self._clusters = _OnlineClusters(d, self.delta, self.t)
        self._res = _WeightedReservoirs(d, self.s, 1)

    # -- streaming -------------------------------------------------------------------

    def ingest(self, k: np.ndarray, v: np.ndarray) -> None:
        """Append a block of tokens: ``k``, ``v`` of shape ``(d,)`` or ``(b, d)``."""
        nk, nv = self._block_names
        K = _rows(nk, k, self._d)
        V = _rows(nv, v, K.shape[1])
        if K.shape[0] != V.shape[0]:
            raise ValueError(f"{nk} has {K.shape[0]} rows but {nv} has {V.shape[0]}")
        with np.errstate(over="ignore"):  # overflow is reported by _check_weights
            w = np.einsum("ij,ij->i", V, V)[:, None]
        _check_weights(nv, w, self._res)
        if self._clusters is None:
            self._init_state(K.shape[1])
        self._clusters.ingest(K, self._rng)
        self._res.ingest(w, K, V, self._rng)
        self.n_tokens += K.shape[0]
        self._cache = None

    append = ingest

    # -- queries ---------------------------------------------------------------------

    def _prepared(self) -> tuple:
        if self._cache is None:
            X, w = self._clusters.stacked()
            res = self._res
            ref = res.refs[:, 0]
            if res.total[0] > 0:
                Ks, Vs = res.keys[ref], res.values[ref]
                coef = res.total[0] / (self.s * np.einsum("ij,ij->i", Vs, Vs))
            else:  # every value so far is zero: the numerator is exactly 0
                Ks, Vs, coef = np.zeros((0, self._d)), np.zeros((0, self._d)), np.zeros(0)
            self._cache = (X, w, Ks, Vs, coef)
        return self._cache

    def query(self, q: np.ndarray) -> np.ndarray:
        """Estimate of ``softmax(c·K q)^T V`` for ``q`` of shape ``(d,)`` or ``(m, d)``."""
        Q, one = self._query_rows(q)
        X, w, Ks, Vs, coef = self._prepared()
        c = self.scale
        LT = (Q * c) @ X.T
        LN = (Q * c) @ Ks.T
        out = np.stack([_finish(LT[i], w, LN[i], coef, Vs) for i in range(Q.shape[0])])
        return out[0] if one else out

    def partition_estimate(self, q: np.ndarray) -> float:
        """``τ̂(q) = Σ_C |C| · mean_{x∈samples(C)} exp(c⟨q,x⟩)`` (no max shift: may overflow)."""
        Q, _ = self._query_rows(q)
        X, w = self._clusters.stacked()
        return float(np.exp((Q[0] * self.scale) @ X.T) @ w)

    # -- introspection ---------------------------------------------------------------

    @property
    def n_clusters(self) -> int:
        return 0 if self._clusters is None else self._clusters.m

    @property
    def cluster_sizes(self) -> np.ndarray:
        return np.zeros(0, dtype=np.int64) if self._clusters is None else self._clusters.counts.copy()

    @property
    def centres(self) -> np.ndarray:
        return np.zeros((0, self._d or 0)) if self._clusters is None else self._clusters.centres.copy()

    def stored_rows(self) -> int:
        """Rows of ``d`` numbers held: centres, cluster samples, distinct sampled (k, v) rows."""
        if self._clusters is None:
            return 0
        self._res.compact()
        return self._clusters.m + self._clusters.sample_rows() + 2 * self._res.keys.shape[0]

    def sampled_values(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``s`` ℓ2-sampled ``(keys, values)`` (rows may repeat), for tests."""
        _, _, Ks, Vs, _ = self._prepared()
        return Ks.copy(), Vs.copy()

    # -- bytes -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The whole state (see the module docstring), deterministic for a given history."""
        vec = _Vec()
        vec.put(_FORMAT, self.n_tokens, self.t, self.s, self.delta)
        _put_rng(vec, self._rng)
        if self._clusters is None:
            vec.put(0)
            return _pack(self._kind, self._d, self._scale_arg, [vec.array(1)])
        vec.put(1)
        arrays = self._clusters.put(vec) + self._res.put(vec)
        return _pack(self._kind, self._d, self._scale_arg, [vec.array(self._d)] + arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> SubGen:
        """Rebuild from :meth:`to_bytes` output; raises ``ValueError`` on corrupt data."""
        d, scale, arrays = _unpack(cls._kind, data)
        vec = _Vec(arrays[0].ravel())
        if vec.int() != _FORMAT:
            raise ValueError("unsupported SubGen state layout")
        n_tokens, t, s = vec.int(), vec.int(), vec.int()
        delta = vec.float()
        rng = _take_rng(vec)
        obj = cls(d, scale, delta=delta, t=t, s=s, rng=rng)
        obj.n_tokens = n_tokens
        if vec.int() == 1:
            if d is None or len(arrays) != 5:
                raise ValueError("data is corrupt: wrong number of arrays")
            obj._clusters = _OnlineClusters.take(vec, d, delta, t, arrays[1], arrays[2])
            obj._res = _WeightedReservoirs.take(vec, d, s, 1, arrays[3], arrays[4])
        return obj


class SubGen2Cache(SubGen):
    """SubGen over the rows of the two-cache representation ``(K̃, Ṽ)`` (alg:subgen2cache).

    Input kind ``"rows"``: :meth:`ingest` takes blocks of product rows ``kt``, ``vt``
    (e.g. the ``2i+1`` new rows of token ``i``, in :class:`~tensorkv_check.engine.caches.TwoCacheDecoder`'s
    append order; :func:`tensorkv_check.subgen.data.product_rows` produces them). The
    compressor keeps no factors: it compresses the two-cache representation itself, and
    its clusters are clusters of product rows (at most ``m1·m2`` of them when the
    factors are (m1, δ1)- and (m2, δ2)-clusterable and ``delta >= δ1·R2 + R1·δ2``,
    lem:kron-clusterable). Everything else is :class:`SubGen` [inferred].
    """

    inputs: ClassVar[frozenset[str]] = frozenset({"rows"})
    _kind: ClassVar[str] = "SubGen2Cache"
    _block_names: ClassVar[tuple[str, str]] = ("kt", "vt")

    def ingest(self, kt: np.ndarray, vt: np.ndarray) -> None:
        """Append product rows ``kt``, ``vt`` of shape ``(d,)`` or ``(b, d)``."""
        super().ingest(kt, vt)

    append_rows = ingest

    @property
    def n_rows(self) -> int:
        return self.n_tokens


# --------------------------------------------------------------------------- SubGen4Cache


class SubGen4Cache(_Base):
    """SubGen on the four caches: factor clusters, product clusters as pairs (alg:subgen4cache).

    Input kind ``"factors"``: :meth:`ingest` takes blocks ``(k1, k2, v1, v2)``. See the
    module docstring for the estimator and the pair sampler; details are [inferred]
    from the paper's description.

    Parameters
    ----------
    d, scale
        As :class:`SubGen`.
    delta1, delta2 : float > 0, keyword-only
        Clustering radii of K1 and K2 (``delta2`` defaults to ``delta1``).
    t1, t2 : int >= 1, keyword-only
        Reservoir samples per factor cluster (``t2`` defaults to ``t1``).
    s : int >= 1, keyword-only
        ℓ2-sampled pairs.
    rng : keyword-only
        As :class:`SubGen`.

    Examples
    --------
    >>> sg = SubGen4Cache(2, 1.0, delta1=0.5, t1=4, s=3, rng=0)
    >>> K = np.ones((3, 2)); V = np.tile([1.0, 2.0], (3, 1))
    >>> sg.ingest(K, K, V, V)
    >>> sg.query([0.1, 0.2])
    array([1., 4.])
    """

    inputs: ClassVar[frozenset[str]] = frozenset({"factors"})
    _kind: ClassVar[str] = "SubGen4Cache"

    def __init__(self, d: int | None = None, scale: float | None = None, *,
                 delta1: float, delta2: float | None = None, t1: int, t2: int | None = None,
                 s: int, rng: object) -> None:
        super().__init__(d, scale, rng)
        self.delta1 = _check_delta("delta1", delta1)
        self.delta2 = self.delta1 if delta2 is None else _check_delta("delta2", delta2)
        self.t1 = check_positive_int("t1", t1)
        self.t2 = self.t1 if t2 is None else check_positive_int("t2", t2)
        self.s = check_positive_int("s", s)
        # Coordinate choice of each pair sample: inverse CDF of a∘b/μ at u_i.
        self._u = self._rng.random(self.s)
        self.n_tokens = 0
        self._cl: list[_OnlineClusters] | None = None
        self._res: list[_WeightedReservoirs] | None = None
        self._cache: tuple | None = None
        if self._d is not None:
            self._init_state(self._d)

    @classmethod
    def for_guarantee(cls, eps: float, delta1: float, delta2: float, R1: float, R2: float,
                      r: float, n: int, d: int, *, scale: float | None = None,
                      failure_probability: float = 0.05, stable_rank: float | None = None,
                      constants: str = "derived", rng: object) -> SubGen4Cache:
        """A SubGen4Cache with ``t1``, ``t2``, ``s`` from :func:`subgen4_parameters`."""
        p = subgen4_parameters(eps, delta1, delta2, R1, R2, r, n, d, scale=scale,
                               failure_probability=failure_probability, stable_rank=stable_rank,
                               constants=constants)
        return cls(d, scale, delta1=delta1, delta2=delta2, t1=p.t1, t2=p.t2, s=p.s, rng=rng)

    def _init_state(self, d: int) -> None:
        self._d = d
        self._cl = [_OnlineClusters(d, self.delta1, self.t1), _OnlineClusters(d, self.delta2, self.t2)]
        self._res = [_WeightedReservoirs(d, self.s, d), _WeightedReservoirs(d, self.s, d)]

    def ingest(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append a block of tokens, each argument ``(d,)`` or ``(b, d)``."""
        K1 = _rows("k1", k1, self._d)
        d = K1.shape[1]
        K2, V1, V2 = (_rows(nm, x, d) for nm, x in (("k2", k2), ("v1", v1), ("v2", v2)))
        for nm, arr in (("k2", K2), ("v1", V1), ("v2", V2)):
            if arr.shape[0] != K1.shape[0]:
                raise ValueError(f"{nm} has {arr.shape[0]} rows but k1 has {K1.shape[0]}")
        with np.errstate(over="ignore"):  # overflow is reported by _check_weights
            W1, W2 = V1 * V1, V2 * V2
        _check_weights("v1", W1, None if self._res is None else self._res[0])
        _check_weights("v2", W2, None if self._res is None else self._res[1])
        # μ = Σ_l a_l b_l and the pair weights ‖V1_j ∘ V2_k‖² must stay finite too.
        a = W1.sum(0) + (0 if self._res is None else self._res[0].total)
        b = W2.sum(0) + (0 if self._res is None else self._res[1].total)
        with np.errstate(over="ignore"):
            ab = a * b
        if not np.isfinite(ab).all() or not np.isfinite(ab.sum()):
            raise ValueError("v1, v2: the ℓ2 mass Σ_l a_l b_l of V1 ⊘ V2 would overflow float64; rescale the values")
        if self._cl is None:
            self._init_state(d)
        for f, (K, W, V) in enumerate(((K1, W1, V1), (K2, W2, V2))):
            self._cl[f].ingest(K, self._rng)
            self._res[f].ingest(W, K, V, self._rng)
        self.n_tokens += K1.shape[0]
        self._cache = None

    append = ingest

    def _pair_refs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Coordinates ``l_i`` and pool rows ``(j_i, k_i)`` of the ``s`` pair samples, and μ."""
        a, b = self._res[0].total, self._res[1].total
        ab = a * b
        mu = float(ab.sum())
        if mu <= 0:
            e = np.zeros(0, dtype=np.int64)
            return e, e, e, 0.0
        cdf = np.cumsum(ab)
        ls = np.searchsorted(cdf, self._u * cdf[-1], side="right")
        pos = np.flatnonzero(ab > 0)
        ls = np.minimum(ls, pos[-1])
        bad = ab[ls] <= 0
        if bad.any():
            ls[bad] = pos[np.minimum(np.searchsorted(pos, ls[bad]), pos.size - 1)]
        idx = np.arange(self.s)
        return ls, self._res[0].refs[idx, ls], self._res[1].refs[idx, ls], mu

    def _prepared(self) -> tuple:
        if self._cache is None:
            X1, w1 = self._cl[0].stacked()
            X2, w2 = self._cl[1].stacked()
            _, j, k, mu = self._pair_refs()
            if mu > 0:
                Kp = self._res[0].keys[j] * self._res[1].keys[k]
                Vp = self._res[0].values[j] * self._res[1].values[k]
                coef = mu / (self.s * np.einsum("ij,ij->i", Vp, Vp))
            else:
                Kp = Vp = np.zeros((0, self._d))
                coef = np.zeros(0)
            self._cache = (X1, w1, X2, w2, Kp, Vp, coef)
        return self._cache

    def query(self, q: np.ndarray) -> np.ndarray:
        """Estimate of tensor attention (Definition 3.6) for ``q`` ``(d,)`` or ``(m, d)``."""
        Q, one = self._query_rows(q)
        X1, w1, X2, w2, Kp, Vp, coef = self._prepared()
        c = self.scale
        X2T = np.ascontiguousarray(X2.T)
        outs = []
        for qi in Q * c:
            S = (X1 * qi) @ X2T  # logits of all pairs of stored factor samples
            if not np.isfinite(S).all():
                raise ValueError("attention logits overflow float64; rescale the inputs")
            top = S.max()
            np.subtract(S, top, out=S)
            np.exp(S, out=S)
            tau = w1 @ S @ w2
            if coef.size == 0:
                outs.append(np.zeros(self._d))
                continue
            LN = Kp @ qi - top
            if not np.isfinite(LN).all() or LN.max() > 700:
                raise ValueError("a sampled pair logit would overflow exp in float64")
            outs.append(((np.exp(LN) * coef) @ Vp) / tau)
        out = np.stack(outs)
        return out[0] if one else out

    def partition_estimate(self, q: np.ndarray) -> float:
        """``τ̂(q) = Σ_{A,B} |A||B| · mean over sample pairs of exp(c⟨q, x∘y⟩)`` (no max shift)."""
        Q, _ = self._query_rows(q)
        X1, w1, X2, w2, *_ = self._prepared()
        return float(w1 @ np.exp((X1 * (Q[0] * self.scale)) @ X2.T) @ w2)

    # -- introspection ---------------------------------------------------------------

    @property
    def n_clusters(self) -> tuple[int, int]:
        return (0, 0) if self._cl is None else (self._cl[0].m, self._cl[1].m)

    def centres(self, factor: int) -> np.ndarray:
        """Centres of factor ``factor`` (1 or 2)."""
        if factor not in (1, 2):
            raise ValueError(f"factor must be 1 or 2, got {factor!r}")
        return np.zeros((0, self._d or 0)) if self._cl is None else self._cl[factor - 1].centres.copy()

    def cluster_sizes(self, factor: int) -> np.ndarray:
        if factor not in (1, 2):
            raise ValueError(f"factor must be 1 or 2, got {factor!r}")
        return np.zeros(0, dtype=np.int64) if self._cl is None else self._cl[factor - 1].counts.copy()

    def stored_rows(self) -> int:
        if self._cl is None:
            return 0
        rows = 0
        for cl, res in zip(self._cl, self._res):
            res.compact()
            rows += cl.m + cl.sample_rows() + 2 * res.keys.shape[0]
        return rows

    def sampled_pair_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(coordinates l_i, factor-1 pool rows, factor-2 pool rows)`` of the ``s`` pairs, for tests."""
        ls, j, k, _ = self._pair_refs()
        return ls, j, k

    def pools(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The sampled factor rows ``((K1 rows, V1 rows), (K2 rows, V2 rows))``, for tests."""
        return ((self._res[0].keys, self._res[0].values), (self._res[1].keys, self._res[1].values))

    # -- bytes -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        vec = _Vec()
        vec.put(_FORMAT, self.n_tokens, self.t1, self.t2, self.s, self.delta1, self.delta2)
        _put_rng(vec, self._rng)
        vec.put(self._u)
        if self._cl is None:
            vec.put(0)
            return _pack(self._kind, self._d, self._scale_arg, [vec.array(1)])
        vec.put(1)
        arrays: list[np.ndarray] = []
        for f in range(2):
            arrays += self._cl[f].put(vec)
            arrays += self._res[f].put(vec)
        return _pack(self._kind, self._d, self._scale_arg, [vec.array(self._d)] + arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> SubGen4Cache:
        d, scale, arrays = _unpack(cls._kind, data)
        vec = _Vec(arrays[0].ravel())
        if vec.int() != _FORMAT:
            raise ValueError("unsupported SubGen4Cache state layout")
        n_tokens, t1, t2, s = vec.int(), vec.int(), vec.int(), vec.int()
        delta1, delta2 = vec.float(), vec.float()
        rng = _take_rng(vec)
        u = vec.take(s).copy()
        # Build with a throwaway generator (the constructor draws u), then restore both.
        obj = cls(d, scale, delta1=delta1, delta2=delta2, t1=t1, t2=t2, s=s, rng=0)
        obj._u = u
        obj._rng = rng
        obj.n_tokens = n_tokens
        if vec.int() == 1:
            if d is None or len(arrays) != 9:
                raise ValueError("data is corrupt: wrong number of arrays")
            obj._cl = [
                _OnlineClusters.take(vec, d, delta1, t1, arrays[1], arrays[2]),
                None,
            ]
            res1 = _WeightedReservoirs.take(vec, d, s, d, arrays[3], arrays[4])
            obj._cl[1] = _OnlineClusters.take(vec, d, delta2, t2, arrays[5], arrays[6])
            res2 = _WeightedReservoirs.take(vec, d, s, d, arrays[7], arrays[8])
            obj._res = [res1, res2]
        return obj
