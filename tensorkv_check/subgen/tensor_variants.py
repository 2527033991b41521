"""SubGen for tensor attention: over the two-cache rows and on the four caches.

Implements spec items alg:subgen2cache and alg:subgen4cache of Chen et al. 2025
(arXiv 2503.11108); the details are [inferred] from the paper's description.

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

    ``pair_sampler="coordinate"`` [ours] keeps ``s`` rows per factor instead: the
    coordinates are fixed in advance, ``⌈s/d⌉`` samples per coordinate (``s' = d·⌈s/d⌉``
    in all), sample ``(r, l)`` drawing ``j`` with probability ``V1_jl²/a_l`` and ``k`` with
    ``V2_kl²/b_l`` (one size-1 reservoir per sample and factor), and each pair is
    importance-weighted by the mixture it was drawn from,
    ``P_π(j, k) = (1/d) Σ_l V1_jl² V2_kl² / (a_l b_l)`` (computable from the two sampled
    rows and the totals ``a``, ``b``), so ``N̂ = (1/s') Σ e_{jk} (V1_j ∘ V2_k) / P_π(j, k)``
    is unbiased. Since ``‖V1_j ∘ V2_k‖² / P_π(j, k) ≤ d·max_l a_l b_l ≤ d‖V1⊘V2‖_op²``
    (``a_l b_l`` is the squared norm of column ``l`` of ``V1⊘V2``),
    ``E‖N̂ − N‖² ≤ ‖e‖² d ‖V1⊘V2‖_op² / s'``: Chebyshev gives the mixture sampler's
    guarantee with ``sr = d``, i.e. the same ``s = ⌈18d/(ε²p)⌉`` as its default, with
    ``d`` times fewer stored rows.

Everything else (logit scale, blocks, state and bytes) is as for
:class:`~tensorkv_check.subgen.standard.SubGen`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tensorkv_check._util.rng import RngLike
from tensorkv_check._util.validation import check_choice, check_int, check_real
from tensorkv_check.subgen._checks import _rows
from tensorkv_check.subgen.parameters import subgen4_parameters
from tensorkv_check.subgen.sampler import (
    _check_weights,
    _OnlineClusters,
    _WeightedReservoirs,
)
from tensorkv_check.subgen.standard import SubGen, _Base
from tensorkv_check.subgen.state import (
    _FORMAT,
    _pack,
    _put_rng,
    _take_rng,
    _unpack,
    _Vec,
)

__all__ = [
    "PAIR_SAMPLERS",
    "SubGen2Cache",
    "SubGen4Cache",
]

#: SubGen4Cache's value samplers (see the module docstring).
PAIR_SAMPLERS = ("mixture", "coordinate")


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
        ℓ2-sampled pairs (``"coordinate"`` rounds it up to a multiple of ``d``).
    rng : keyword-only
        As :class:`SubGen`.
    pair_sampler : {"mixture", "coordinate"}, keyword-only
        The value sampler (module docstring): ``"mixture"`` (exact ℓ2 law of the pairs,
        ``s × d`` reservoirs per factor) or ``"coordinate"`` (``s`` reservoirs per factor,
        importance-weighted; the guarantee of stable rank ``d``).

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

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        delta1: float,
        delta2: float | None = None,
        t1: int,
        t2: int | None = None,
        s: int,
        rng: RngLike,
        pair_sampler: str = "mixture",
    ) -> None:
        super().__init__(d, scale, rng)
        self.pair_sampler = check_choice("pair_sampler", pair_sampler, PAIR_SAMPLERS)
        self.delta1 = check_real("delta1", delta1, low=0.0)
        self.delta2 = self.delta1 if delta2 is None else check_real("delta2", delta2, low=0.0)
        self.t1 = check_int("t1", t1, minimum=1)
        self.t2 = self.t1 if t2 is None else check_int("t2", t2, minimum=1)
        self.s = check_int("s", s, minimum=1)
        # Coordinate choice of each pair sample: inverse CDF of a∘b/μ at u_i (mixture only).
        self._u = self._rng.random(self.s) if self.pair_sampler == "mixture" else np.zeros(0)
        self.n_tokens = 0
        self._cl: list[_OnlineClusters] | None = None
        self._res: list[_WeightedReservoirs] | None = None
        self._cache: tuple | None = None
        #: Queries answered while some factor cluster held more tokens than its reservoir
        #: (``|C| > t``): their partition estimate came from a proper subsample, so the
        #: sampling step was really used. Counted per query row; not part of the state.
        self.sampled_partition_queries = 0
        if self._d is not None:
            self._init_state(self._d)

    @classmethod
    def for_guarantee(
        cls,
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
        rng: RngLike,
        pair_sampler: str = "mixture",
    ) -> SubGen4Cache:
        """A SubGen4Cache with ``t1``, ``t2``, ``s`` from :func:`subgen4_parameters`.

        The coordinate sampler's guarantee is that of stable rank ``d``: ``stable_rank``
        must then be ``None``.
        """
        if pair_sampler == "coordinate" and stable_rank is not None:
            raise ValueError("stable_rank must be None with pair_sampler='coordinate' (its guarantee uses d)")
        p = subgen4_parameters(
            eps,
            delta1,
            delta2,
            R1,
            R2,
            r,
            n,
            d,
            scale=scale,
            failure_probability=failure_probability,
            stable_rank=stable_rank,
            constants=constants,
        )
        return cls(
            d,
            scale,
            delta1=delta1,
            delta2=delta2,
            t1=p.t1,
            t2=p.t2,
            s=p.s,
            rng=rng,
            pair_sampler=pair_sampler,
        )

    def _reservoir_shape(self, d: int) -> tuple[int, int]:
        """``(R, C)`` of each factor's reservoirs: ``s × d`` (mixture) or ``⌈s/d⌉ × d`` (coordinate)."""
        return (self.s, d) if self.pair_sampler == "mixture" else (-(-self.s // d), d)

    def _init_state(self, d: int) -> None:
        self._d = d
        self._cl = [_OnlineClusters(d, self.delta1, self.t1), _OnlineClusters(d, self.delta2, self.t2)]
        R, C = self._reservoir_shape(d)
        self._res = [_WeightedReservoirs(d, R, C), _WeightedReservoirs(d, R, C)]

    def _state(self) -> tuple[int, list[_OnlineClusters], list[_WeightedReservoirs]]:
        """``(d, [clusters of factor 1, 2], [reservoirs of factor 1, 2])`` once ``d`` is known."""
        if self._d is None or self._cl is None or self._res is None:
            raise ValueError("the compressor is empty: ingest at least one token first")
        return self._d, self._cl, self._res

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
            raise ValueError(
                "v1, v2: the ℓ2 mass Σ_l a_l b_l of V1 ⊘ V2 would overflow float64; rescale the values"
            )
        if self._cl is None:
            self._init_state(d)
        _, cls_, res_ = self._state()
        for f, (K, W, V) in enumerate(((K1, W1, V1), (K2, W2, V2))):
            cls_[f].ingest(K, self._rng)
            res_[f].ingest(W, K, V, self._rng)
        self.n_tokens += K1.shape[0]
        self._cache = None

    append = ingest

    def _pair_refs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Coordinates ``l_i`` and pool rows ``(j_i, k_i)`` of the ``s`` pair samples, and μ."""
        res = self._state()[2]
        a, b = res[0].total, res[1].total
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
        return ls, res[0].refs[idx, ls], res[1].refs[idx, ls], mu

    def _coordinate_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sampled pairs of the coordinate sampler: ``(K pairs, V pairs, 1/(s'·P_π))``."""
        d, _, res = self._state()
        a, b = res[0].total, res[1].total
        j, k = res[0].refs.ravel(), res[1].refs.ravel()
        n_samples = j.size  # s' = d·⌈s/d⌉, the divisor of the unbiased mean
        ok = (j >= 0) & (k >= 0)  # a coordinate with a_l·b_l = 0 has no pairs: its samples add 0
        j, k = j[ok], k[ok]
        V1, V2 = res[0].values[j], res[1].values[k]
        ab = a * b
        live = ab > 0
        x = (V1[:, live] ** 2) * (V2[:, live] ** 2) / ab[live]
        p_pi = x.sum(axis=1) / d
        Kp = res[0].keys[j] * res[1].keys[k]
        Vp = V1 * V2
        return Kp, Vp, 1.0 / (n_samples * p_pi)

    def _prepared(self) -> tuple:
        if self._cache is None:
            d, cl, res = self._state()
            X1, w1 = cl[0].stacked()
            X2, w2 = cl[1].stacked()
            if self.pair_sampler == "coordinate":
                Kp, Vp, coef = self._coordinate_pairs()
                self._cache = (X1, w1, X2, w2, Kp, Vp, coef)
                return self._cache
            _, j, k, mu = self._pair_refs()
            if mu > 0:
                Kp = res[0].keys[j] * res[1].keys[k]
                Vp = res[0].values[j] * res[1].values[k]
                coef = mu / (self.s * np.einsum("ij,ij->i", Vp, Vp))
            else:
                Kp = Vp = np.zeros((0, d))
                coef = np.zeros(0)
            self._cache = (X1, w1, X2, w2, Kp, Vp, coef)
        return self._cache

    @property
    def subsampled_clusters(self) -> tuple[int, int]:
        """Per factor, the clusters holding more tokens than their reservoir (``|C| > t``)."""
        if self._cl is None:
            return (0, 0)
        a, b = (int(np.count_nonzero(c.counts > c.filled)) for c in self._cl)
        return (a, b)

    def query(self, q: np.ndarray) -> np.ndarray:
        """Estimate of tensor attention (Definition 3.6) for ``q`` ``(d,)`` or ``(m, d)``."""
        Q, one = self._query_rows(q)
        X1, w1, X2, w2, Kp, Vp, coef = self._prepared()
        if any(self.subsampled_clusters):
            self.sampled_partition_queries += Q.shape[0]
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
                outs.append(np.zeros(Q.shape[1]))
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
        _, cls_, res_ = self._state()
        for cl, res in zip(cls_, res_):
            res.compact()
            rows += cl.m + cl.sample_rows() + 2 * res.keys.shape[0]
        return rows

    def sampled_pair_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(coordinates l_i, factor-1 pool rows, factor-2 pool rows)`` of the pairs, for tests."""
        if self.pair_sampler == "coordinate":
            res = self._state()[2]
            R, C = res[0].refs.shape
            return np.tile(np.arange(C), R), res[0].refs.ravel(), res[1].refs.ravel()
        ls, j, k, _ = self._pair_refs()
        return ls, j, k

    def pools(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The sampled factor rows ``((K1 rows, V1 rows), (K2 rows, V2 rows))``, for tests."""
        res = self._state()[2]
        return ((res[0].keys, res[0].values), (res[1].keys, res[1].values))

    # -- bytes -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        vec = _Vec()
        kind = PAIR_SAMPLERS.index(self.pair_sampler)
        vec.put(_FORMAT, self.n_tokens, self.t1, self.t2, self.s, self.delta1, self.delta2, kind)
        _put_rng(vec, self._rng)
        vec.put(self._u)
        if self._cl is None:
            vec.put(0)
            return _pack(self._kind, self._d, self._scale_arg, [vec.array(1)])
        vec.put(1)
        d, cl, res = self._state()
        arrays: list[np.ndarray] = []
        for f in range(2):
            arrays += cl[f].put(vec)
            arrays += res[f].put(vec)
        return _pack(self._kind, d, self._scale_arg, [vec.array(d)] + arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> SubGen4Cache:
        d, scale, arrays = _unpack(cls._kind, data)
        vec = _Vec(arrays[0].ravel())
        if vec.int() != _FORMAT:
            raise ValueError("unsupported SubGen4Cache state layout")
        n_tokens, t1, t2, s = vec.int(), vec.int(), vec.int(), vec.int()
        delta1, delta2 = vec.float(), vec.float()
        kind = vec.int()
        if not 0 <= kind < len(PAIR_SAMPLERS):
            raise ValueError("data is corrupt: unknown pair sampler")
        sampler = PAIR_SAMPLERS[kind]
        rng = _take_rng(vec)
        u = vec.take(s if sampler == "mixture" else 0).copy()
        # Build with a throwaway generator (the constructor draws u), then restore both.
        obj = cls(d, scale, delta1=delta1, delta2=delta2, t1=t1, t2=t2, s=s, rng=0, pair_sampler=sampler)
        obj._u = u
        obj._rng = rng
        obj.n_tokens = n_tokens
        if vec.int() == 1:
            if d is None or len(arrays) != 9:
                raise ValueError("data is corrupt: wrong number of arrays")
            # The fields are read in to_bytes' order: clusters 1, reservoirs 1, clusters 2, ...
            R, C = obj._reservoir_shape(d)
            cl1 = _OnlineClusters.take(vec, d, delta1, t1, arrays[1], arrays[2])
            res1 = _WeightedReservoirs.take(vec, d, R, C, arrays[3], arrays[4])
            cl2 = _OnlineClusters.take(vec, d, delta2, t2, arrays[5], arrays[6])
            res2 = _WeightedReservoirs.take(vec, d, R, C, arrays[7], arrays[8])
            obj._cl = [cl1, cl2]
            obj._res = [res1, res2]
        return obj
