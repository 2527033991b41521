"""SubGen (Zandieh, Han, Mirrokni, Karbasi 2024) for standard attention.

Implements spec item thm:subgen [ZHMK24] of Chen et al. 2025 (arXiv 2503.11108); the
tensor-attention versions built on it are in :mod:`tensorkv_check.subgen.tensor_variants`,
the samplers in :mod:`tensorkv_check.subgen.sampler`, and why ``t`` and ``s`` guarantee the
error bound in :mod:`tensorkv_check.subgen.parameters`.

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

from typing import ClassVar

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import (
    as_float_array,
    check_int,
    check_positive_scale,
    check_real,
    same_width,
)
from tensorkv_check.engine import protocol as _protocol
from tensorkv_check.subgen._checks import _rows
from tensorkv_check.subgen.parameters import subgen_parameters
from tensorkv_check.subgen.sampler import (
    _check_weights,
    _OnlineClusters,
    _WeightedReservoirs,
)
from tensorkv_check.subgen.state import (
    _FORMAT,
    _pack,
    _put_rng,
    _take_rng,
    _unpack,
    _Vec,
)

__all__ = [
    "SubGen",
]


class _Base(_protocol.HeadDimScale):
    """Shared plumbing: ``d``, ``scale`` (``None`` -> 1/d) and the generator."""

    _kind: ClassVar[str]
    n_tokens: int

    def __init__(self, d: int | None, scale: float | None, rng: RngLike) -> None:
        self._d = None if d is None else check_int("d", d, minimum=1)
        if scale is not None:
            check_positive_scale(scale, 1)
            scale = float(scale)
        self._scale_arg = scale
        self._rng = as_generator(rng)
        if not isinstance(self._rng.bit_generator, np.random.PCG64):
            # The state is serialised as PCG64's (see to_bytes); another bit generator
            # would not round-trip.
            raise TypeError(
                "rng must use the PCG64 bit generator (np.random.default_rng) so that its "
                f"state can be serialised, got {type(self._rng.bit_generator).__name__}"
            )

    def to_bytes(self) -> bytes:  # pragma: no cover - every concrete compressor overrides it
        raise NotImplementedError

    @property
    def memory_bytes(self) -> int:
        """``len(self.to_bytes())``: the message length the Index harness measures."""
        return len(self.to_bytes())

    def _query_rows(self, q: object) -> tuple[np.ndarray, bool]:
        if self.n_tokens == 0 or self._d is None:
            raise ValueError("cannot query an empty compressor: ingest at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._d, q=q)
        return (q.reshape(1, -1), True) if q.ndim == 1 else (q, False)


def _finish(
    logits_tau: np.ndarray, w_tau: np.ndarray, logits_num: np.ndarray, coef: np.ndarray, Vs: np.ndarray
) -> np.ndarray:
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
    kind ``"kv"``. See the module docstring for the algorithm and
    :mod:`tensorkv_check.subgen.parameters` for its guarantee.

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

    def __init__(
        self, d: int | None = None, scale: float | None = None, *, delta: float, t: int, s: int, rng: RngLike
    ) -> None:
        super().__init__(d, scale, rng)
        self.delta = check_real("delta", delta, low=0.0)
        self.t = check_int("t", t, minimum=1)
        self.s = check_int("s", s, minimum=1)
        self.n_tokens = 0
        self._clusters: _OnlineClusters | None = None
        self._res: _WeightedReservoirs | None = None
        self._cache: tuple | None = None
        if self._d is not None:
            self._init_state(self._d)

    @classmethod
    def for_guarantee(
        cls,
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
        rng: RngLike,
    ) -> SubGen:
        """A SubGen with ``t``, ``s`` from :func:`subgen_parameters`."""
        p = subgen_parameters(
            eps,
            delta,
            r,
            n,
            d,
            scale=scale,
            failure_probability=failure_probability,
            stable_rank=stable_rank,
            constants=constants,
        )
        return cls(d, scale, delta=delta, t=p.t, s=p.s, rng=rng)

    def _init_state(self, d: int) -> None:
        self._d = d
        self._clusters = _OnlineClusters(d, self.delta, self.t)
        self._res = _WeightedReservoirs(d, self.s, 1)

    def _state(self) -> tuple[int, _OnlineClusters, _WeightedReservoirs]:
        """``(d, clusters, reservoirs)``, which exist once ``d`` is known."""
        if self._d is None or self._clusters is None or self._res is None:
            raise ValueError("the compressor is empty: ingest at least one token first")
        return self._d, self._clusters, self._res

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
        _, clusters, res = self._state()
        clusters.ingest(K, self._rng)
        res.ingest(w, K, V, self._rng)
        self.n_tokens += K.shape[0]
        self._cache = None

    append = ingest

    # -- queries ---------------------------------------------------------------------

    def _prepared(self) -> tuple:
        if self._cache is None:
            d, clusters, res = self._state()
            X, w = clusters.stacked()
            ref = res.refs[:, 0]
            if res.total[0] > 0:
                Ks, Vs = res.keys[ref], res.values[ref]
                coef = res.total[0] / (self.s * np.einsum("ij,ij->i", Vs, Vs))
            else:  # every value so far is zero: the numerator is exactly 0
                Ks, Vs, coef = np.zeros((0, d)), np.zeros((0, d)), np.zeros(0)
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
        X, w = self._state()[1].stacked()
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
        _, clusters, res = self._state()
        res.compact()
        return clusters.m + clusters.sample_rows() + 2 * res.keys.shape[0]

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
        d, clusters, res = self._state()
        arrays = clusters.put(vec) + res.put(vec)
        return _pack(self._kind, d, self._scale_arg, [vec.array(d)] + arrays)

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
