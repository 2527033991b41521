"""The Index reductions behind the paper's memory lower bounds, run end to end.

Chen et al. 2025 (arXiv 2503.11108) and Haris and Onak 2025 (arXiv 2502.15955) prove
their memory lower bounds by reduction from the Index problem (spec def:index): Alice
holds ``x ∈ {0,1}^N`` and sends one message, Bob holds an index ``t ∈ [N]`` and must
output ``x_t``; any protocol needs ``Ω(N)`` bits (thm:index-lb), explicitly
``M ≥ (1 − h(p))·N`` for average success ``p ≥ 1/2`` (Fano). This module makes each
reduction *run*:

1. :func:`make_instance` draws Alice's bits and the public keys from a seed (the keys
   are public randomness, shared through the seed);
2. Alice streams the instance into a cache algorithm (:mod:`tensorkv_check.engine.protocol`)
   and sends ``to_bytes()``; the message length ``M = 8·len(bytes)`` is measured;
3. Bob rebuilds the algorithm with ``from_bytes`` and, for each of his indices,
   queries ``C·k`` for the public key ``k`` of the bit's row (the algorithm's logit
   scale folded in), thresholds the bit's coordinate at 1/2 (:func:`bob_decode`);
4. :func:`run_index` counts Bob's successes, attaches a Clopper–Pearson interval and
   the Fano bound, and raises :class:`HarnessError` if the measured ``M`` is below the
   bound its own success rate implies (that can only be a harness bug or an algorithm
   that smuggles state outside its bytes).

Models (``model`` argument):

``"standard"`` (thm:ho25-lb, [HO25])
    ``n`` tokens ``(k_i, x_i)``: keys near-orthogonal, values the rows of
    ``x ∈ {0,1}^{n×d}``; ``N = n·d``; the softmax competes over ``n`` keys.
``"four-cache"`` (thm:four-cache-lb)
    tensor-attention tokens ``(k_i, 1_d, x_i, 1_d)``: with ``K2 = V2 = 1`` every
    score is ``⟨q, K1_j⟩`` for all ``k`` and each ``j`` appears ``n`` times, so tensor
    attention equals standard attention on ``(K1, V1)`` [inferred reduction, spec];
    ``N = n·d``; the softmax competes over ``n`` distinct keys (``n`` copies each,
    which cancel). The algorithm receives the real four-cache input and runs its real
    decode step; the collapse is never used as a shortcut.
``"two-cache"`` (thm:two-cache-lb, free rows)
    ``n²`` free rows ``(k̃_r, x_r)`` of the two-cache representation: ``n²``
    near-orthogonal keys, ``x ∈ {0,1}^{n²×d}``, ``N = n²·d``.
``"two-cache-structured"`` (thm:two-cache-lb's modelling caveat)
    rows forced to be Kronecker products, ``K̃ = K1⊘K2``, ``Ṽ = V1⊘V2``. Alice's only
    freedom is the factors, so this instance encodes what the factors can carry and no
    more [our construction]: ``x ∈ {0,1}^{2(n−1)×d}``, ``V1 = [1_d; x_{1..n−1}]``,
    ``V2 = [1_d; x_{n..2n−2}]``. Then ``Ṽ_(j,0) = V1_j`` and ``Ṽ_(0,k) = V2_k`` carry
    every bit once, the other ``(n−1)²`` rows ``V1_j ∘ V2_k`` are the ANDs of bits
    already sent, and ``N = 2(n−1)·d``. Keys: ``K1``, ``K2`` are family rows scaled by
    ``d^{1/4}`` (for Rademacher rows every product ``K1_j ∘ K2_k`` is then a unit
    ``±1/√d`` row); Bob reads bit-row ``x_j`` of V1 at key ``K1_j ∘ K2_0`` and of V2 at
    ``K1_0 ∘ K2_k``; the softmax competes over all ``n²`` product rows. With bit-valued
    factors the ``n²`` rows therefore hold at most ``2nd`` free bits. Real-valued
    factors do not help much [our argument]: what Bob reads from coordinate ``l`` is the
    pattern ``[V1_jl·V2_kl > 1/2]``, a staircase in each sign quadrant once ``j`` and
    ``k`` are sorted, i.e. ``O(n log n)`` bits per coordinate. Either way no
    ``Ω(n²d)`` Index bound can be run on this model, and the factor-keeping algorithm
    (:class:`~tensorkv_check.index.algorithms.FactorKeepingTwoCache`) decodes it
    exactly with ``4·n·d`` numbers.

Key families (public keys, ``key_family`` argument): ``"rademacher"`` (i.i.d. ``±1/√d``
entries, :func:`tensorkv_check.engine.jl.near_orthogonal_keys`), ``"gaussian"`` (normal rows
normalised to the sphere, same function), ``"jl"`` (the image ``S e_i`` of the
orthonormal basis of ``R^rows`` under a Gaussian JL matrix ``S ∈ R^{d×rows}``,
:func:`tensorkv_check.engine.jl.gaussian_jl`; lem:jl-projection keeps its inner products
within ``ε`` of ``δ_ij``, its norms are not exactly 1) and ``"jl-sign"`` (the same with
:func:`tensorkv_check.engine.jl.sign_jl`, whose columns are exactly unit ``±1/√d`` rows).

The decoding constant: with ``ε ≥ max(max_{i≠j} |⟨k_i, k_j⟩|, max_i |‖k_i‖² − 1|)``, the
logit of Bob's key exceeds every other by ``C(1 − 2ε)``, so with
``C ≥ ln(4(r − 1))/(1 − 2ε)`` (``r`` competing keys) the softmax mass off the key is at
most ``1/5`` and every output coordinate lies within ``1/5`` of its bit (spec
thm:ho25-lb). :func:`reduction_C` computes it; :func:`key_coherence` measures the
``ε`` a key set achieves (both terms are exposed).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_positive_int
from tensorkv_check.engine.caches import FourCacheDecoder, StandardDecoder, TwoCacheDecoder
from tensorkv_check.index.algorithms import FactorKeepingTwoCache
from tensorkv_check.engine.jl import gaussian_jl, max_abs_inner, near_orthogonal_keys, sign_jl
from tensorkv_check.engine.protocol import (
    CacheAlgorithm,
    check_algorithm,
    check_factory,
    message_bytes,
)
from tensorkv_check.engine.stats import BinomialEstimate, binary_entropy, clopper_pearson

__all__ = [
    "MODELS",
    "MODEL_INPUT",
    "KEY_FAMILIES",
    "ALGORITHMS",
    "HarnessError",
    "IndexInstance",
    "IndexResult",
    "make_instance",
    "key_rows",
    "key_coherence",
    "reduction_C",
    "fano_bound",
    "fano_success_ceiling",
    "bob_decode",
    "run_index",
]

#: The four reduction models, in the order reports show them.
MODELS = ("standard", "four-cache", "two-cache", "two-cache-structured")

#: Input kind (:data:`tensorkv_check.engine.protocol.INPUT_KINDS`) each model streams.
MODEL_INPUT = {
    "standard": "kv",
    "four-cache": "factors",
    "two-cache": "rows",
    "two-cache-structured": "factors",
}

#: Public key families.
KEY_FAMILIES = ("rademacher", "gaussian", "jl", "jl-sign")

#: Named algorithms: ``"exact"`` is the exact decoder of each model's representation;
#: ``"factor-keeping"`` the caveat's factor-keeping two-cache algorithm.
ALGORITHMS: dict[str, dict[str, Callable[[int], Any]]] = {
    "exact": {
        "standard": StandardDecoder,
        "four-cache": FourCacheDecoder,
        "two-cache": TwoCacheDecoder,
        "two-cache-structured": TwoCacheDecoder,
    },
    "factor-keeping": {
        "four-cache": FactorKeepingTwoCache,
        "two-cache-structured": FactorKeepingTwoCache,
    },
}

#: ``eps_scope="auto"`` measures all pairs while ``rows² · d`` is at most this.
_ALL_PAIRS_BUDGET = 1 << 34
#: Bob's queries go to the algorithm in chunks of at most this many logits.
_BOB_BLOCK_ENTRIES = 1 << 22
#: Alice streams at most this many tokens (rows) per ``ingest`` call.
_ALICE_CHUNK = 4096
#: A measured eps this close to 1/2 is treated as 1/2 (float64 rounding of the Gram).
_EPS_ROUNDING = 1e-9
#: Block budget (entries) of the queried-rows coherence measurement.
_GRAM_BLOCK_ENTRIES = 1 << 22


class HarnessError(RuntimeError):
    """An Index run contradicts Fano's inequality: a harness bug (or a side channel)."""


# ------------------------------------------------------------------ theory


def reduction_C(rows: int, eps: float) -> float:
    """The query scale ``C = ln(4(r − 1)) / (1 − 2ε)`` of thm:ho25-lb's reduction.

    With ``r`` competing keys whose norms and pairwise inner products are within ``ε``
    of 1 and 0, a query ``C·k_i`` puts softmax mass at most ``1/5`` off key ``i``.

    Parameters
    ----------
    rows : int
        Number of distinct competing keys, ``>= 2``.
    eps : float
        Near-orthogonality, ``0 <= eps < 1/2``.

    Examples
    --------
    >>> round(reduction_C(2, 0.25), 6)  # ln 4 / (1/2)
    2.772589

    References
    ----------
    Haris and Onak 2025; spec thm:ho25-lb.
    """
    rows = check_positive_int("rows", rows, 2)
    if not 0 <= eps < 0.5:
        raise ValueError(f"eps must be in [0, 1/2) for the reduction's C, got {eps}")
    return math.log(4.0 * (rows - 1)) / (1.0 - 2.0 * eps)


def fano_bound(p: float, N: int) -> float:
    """Fano's lower bound ``(1 − h(max(p, 1/2)))·N`` on the message bits (thm:index-lb).

    Fano's form of the Index bound holds for average success ``p ≥ 1/2`` (``h`` is
    decreasing there); a success below 1/2 implies nothing, so ``p`` is clipped at
    1/2 and the bound is then 0.

    Examples
    --------
    >>> fano_bound(1.0, 100), fano_bound(0.3, 100)
    (100.0, 0.0)
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    return (1.0 - binary_entropy(max(float(p), 0.5))) * N


def fano_success_ceiling(M: float, N: int) -> float:
    """Largest average success Fano allows an ``M``-bit message on ``N`` bits.

    The ``p ∈ [1/2, 1]`` with ``(1 − h(p))·N = M``, or 1 when ``M ≥ N``.

    Examples
    --------
    >>> round(fano_success_ceiling(50, 100), 4)  # h(p) = 1/2
    0.89
    """
    if M >= N:
        return 1.0
    if M <= 0:
        return 0.5
    target = 1.0 - M / N  # h(p) = target on [1/2, 1]
    lo, hi = 0.5, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if binary_entropy(mid) > target:
            lo = mid
        else:
            hi = mid
    return lo


# ------------------------------------------------------------------ instances


def key_rows(rows: int, d: int, family: str, rng: np.random.Generator) -> np.ndarray:
    """``rows`` public keys in ``R^d`` from ``family`` (see the module docstring).

    Examples
    --------
    >>> K = key_rows(3, 4, "rademacher", np.random.default_rng(0))
    >>> bool(np.all(np.abs(K) == 0.5))
    True
    """
    if family in ("rademacher", "gaussian"):
        return near_orthogonal_keys(rows, d, rng, kind=family)
    if family == "jl":
        # Columns of S are the images S e_i of the orthonormal basis of R^rows.
        return np.ascontiguousarray(gaussian_jl(d, rows, rng).T)
    if family == "jl-sign":
        # The same with a random-sign JL matrix: its columns are ±1/√d rows, i.e. the
        # Rademacher family drawn through lem:jl-projection's construction.
        return np.ascontiguousarray(sign_jl(d, rows, rng).T)
    raise ValueError(f"key_family must be one of {KEY_FAMILIES}, got {family!r}")


@dataclass(frozen=True, eq=False)
class IndexInstance:
    """One seeded Index instance encoded for a model.

    Attributes
    ----------
    model, n, d, key_family, seed
        What was asked for.
    bits : ndarray of uint8, shape (R, d)
        Alice's ``x``; ``N = R·d``.
    stream : tuple of ndarray
        What Alice ingests, in the order of the model's input kind
        (:data:`MODEL_INPUT`).
    keys : ndarray, shape (r, d)
        The distinct keys the softmax competes over (public).
    bob_rows : ndarray of int64, shape (R,)
        Row of ``keys`` Bob queries to read bit-row ``r`` (public).
    """

    model: str
    n: int
    d: int
    key_family: str
    seed: int
    bits: np.ndarray
    stream: tuple[np.ndarray, ...]
    keys: np.ndarray
    bob_rows: np.ndarray

    @property
    def N(self) -> int:
        """Alice's number of bits."""
        return int(self.bits.size)

    @property
    def input_kind(self) -> str:
        return MODEL_INPUT[self.model]

    @property
    def rows(self) -> int:
        """Number of distinct competing keys ``r`` (the ``r`` of :func:`reduction_C`)."""
        return int(self.keys.shape[0])


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    keys_ss, bits_ss, bob_ss = np.random.SeedSequence(seed).spawn(3)
    return (np.random.default_rng(keys_ss), np.random.default_rng(bits_ss), np.random.default_rng(bob_ss))


def make_instance(model: str, n: int, d: int, *, seed: int, key_family: str = "rademacher") -> IndexInstance:
    """Draw Alice's bits and the public keys for ``model`` (module docstring).

    Public keys, Alice's bits and Bob's indices come from three independent children of
    ``SeedSequence(seed)``, so the same seed gives the same instance, and the
    ``standard`` and ``four-cache`` instances of one seed share keys and bits.

    Raises
    ------
    TypeError, ValueError
        For an unknown model or family, ``n < 2``, ``d < 1`` or a bad seed.

    Examples
    --------
    >>> inst = make_instance("two-cache-structured", 3, 4, seed=0)
    >>> inst.N, inst.rows, [a.shape for a in inst.stream]
    (16, 9, [(3, 4), (3, 4), (3, 4), (3, 4)])
    """
    model, n, d, seed, key_family = _check_instance_args(model, n, d, seed, key_family)
    inst = _make_instance(model, n, d, seed, key_family)
    # Read-only: an algorithm that writes into its input cannot alter Bob's public keys
    # or the bits his guesses are scored against.
    for a in (inst.bits, inst.keys, inst.bob_rows, *inst.stream):
        a.flags.writeable = False
    return inst


def _make_instance(model: str, n: int, d: int, seed: int, key_family: str) -> IndexInstance:
    key_rng, bit_rng, _ = _streams(seed)
    if model in ("standard", "four-cache"):
        K = key_rows(n, d, key_family, key_rng)
        x = bit_rng.integers(0, 2, size=(n, d), dtype=np.uint8)
        V = x.astype(np.float64)
        if model == "standard":
            stream: tuple[np.ndarray, ...] = (K, V)
        else:
            ones = np.ones((n, d))
            stream = (K, ones, V, ones)
        return IndexInstance(model, n, d, key_family, seed, x, stream, K, np.arange(n, dtype=np.int64))
    if model == "two-cache":
        K = key_rows(n * n, d, key_family, key_rng)
        x = bit_rng.integers(0, 2, size=(n * n, d), dtype=np.uint8)
        stream = (K, x.astype(np.float64))
        return IndexInstance(model, n, d, key_family, seed, x, stream, K, np.arange(n * n, dtype=np.int64))
    # two-cache-structured
    root = d ** 0.25
    K1 = key_rows(n, d, key_family, key_rng) * root
    K2 = key_rows(n, d, key_family, key_rng) * root
    x = bit_rng.integers(0, 2, size=(2 * (n - 1), d), dtype=np.uint8)
    V1 = np.vstack([np.ones((1, d)), x[: n - 1]]).astype(np.float64)
    V2 = np.vstack([np.ones((1, d)), x[n - 1 :]]).astype(np.float64)
    Kt = (K1[:, None, :] * K2[None, :, :]).reshape(n * n, d)  # row (j, k) at j·n + k
    bob = np.concatenate([np.arange(1, n) * n, np.arange(1, n)]).astype(np.int64)
    return IndexInstance(model, n, d, key_family, seed, x, (K1, K2, V1, V2), Kt, bob)


def _max_inner_rows(K: np.ndarray, rows: np.ndarray) -> float:
    """``max_{i ∈ rows, j ≠ i} |⟨k_i, k_j⟩|`` in blocks of the (rows × all) Gram matrix.

    Private helper: :func:`tensorkv_check.engine.jl.max_abs_inner` measures all pairs of a set;
    the queried-rows scope needs the rows against everything.
    """
    r = K.shape[0]
    if r < 2 or rows.size == 0:
        return 0.0
    block = max(1, _GRAM_BLOCK_ENTRIES // r)
    best = 0.0
    for s in range(0, rows.size, block):
        idx = rows[s : s + block]
        G = K[idx] @ K.T
        G[np.arange(idx.size), idx] = 0.0  # the pair (i, i) is a norm, not a pair
        best = max(best, float(G.max()), -float(G.min()))
    return best


def key_coherence(keys: np.ndarray, rows: np.ndarray | None = None) -> tuple[float, float]:
    """Measured ``(max |⟨k_i, k_j⟩|, max |‖k_i‖² − 1|)`` of a key set.

    Parameters
    ----------
    keys : ndarray, shape (r, d)
    rows : ndarray of int, optional
        Restrict ``i`` to these rows (``j`` still ranges over all keys); all pairs if
        omitted (:func:`tensorkv_check.engine.jl.max_abs_inner`).

    Examples
    --------
    >>> key_coherence(np.array([[1.0, 0.0], [0.6, 0.8]]))
    (0.6, 0.0)
    """
    if rows is None:
        inner = max_abs_inner(keys)
        norms = np.einsum("ij,ij->i", keys, keys)
    else:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        inner = _max_inner_rows(keys, rows)
        sub = keys[rows]
        norms = np.einsum("ij,ij->i", sub, sub)
    dev = float(np.max(np.abs(norms - 1.0))) if norms.size else 0.0
    return float(inner), dev


# ------------------------------------------------------------------ Bob


def bob_decode(
    algorithm: CacheAlgorithm, keys: np.ndarray, bob_rows: np.ndarray, d: int, targets: np.ndarray, C: float
) -> np.ndarray:
    """Bob's guesses for bits ``targets`` (flat indices into the ``R × d`` bit matrix).

    Bob holds only the rebuilt ``algorithm`` and public data (the keys and which key
    reads which bit-row). For bit ``t`` (row ``t // d``, coordinate ``t % d``) he
    queries ``(C / scale)·k`` with ``k`` the row's key, so the logits are ``C⟨k, k_j⟩``
    whatever the algorithm's scale, and outputs 1 iff that coordinate exceeds 1/2.
    Queries go in batches of shape ``(m, d)``.

    Returns
    -------
    ndarray of uint8, shape (len(targets),)
    """
    targets = np.asarray(targets, dtype=np.int64)
    row, col = np.divmod(targets, d)
    factor = C / float(algorithm.scale)
    guesses = np.empty(targets.size, dtype=np.uint8)
    chunk = max(1, _BOB_BLOCK_ENTRIES // keys.shape[0])
    for s in range(0, targets.size, chunk):
        sl = slice(s, s + chunk)
        Q = factor * keys[bob_rows[row[sl]]]
        out = np.asarray(algorithm.query(Q))
        if out.shape != Q.shape:
            raise TypeError(
                f"algorithm: {type(algorithm).__qualname__}.query returned shape {out.shape} "
                f"for a batch of shape {Q.shape}; the protocol requires (m, d)"
            )
        guesses[sl] = out[np.arange(Q.shape[0]), col[sl]] > 0.5
    return guesses


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class IndexResult:
    """One run of an Index reduction (frozen; see :func:`run_index`).

    Attributes
    ----------
    model, algorithm, n, d, key_family, seed
        What ran: ``algorithm`` is the class name of Alice's algorithm.
    N : int
        Alice's bits.
    message_bits : int
        ``M = 8·len(to_bytes())``, measured.
    estimate : BinomialEstimate
        Bob's successes over his queries, with a Clopper–Pearson interval.
    fano_bits : float
        ``(1 − h(fano_p))·N``, the least ``M`` the observed success allows.
    fano_p : float
        ``max(estimate.ci_low, 1/2)``: Fano's form needs ``p ≥ 1/2`` and the true
        success is at least ``ci_low`` at the stated confidence.
    eps : float or None
        The ``ε`` in ``C``'s formula (given, or measured); ``None`` when ``C`` was given.
    eps_measured, max_inner, max_norm_dev : float
        Measured ``max(max_inner, max_norm_dev)`` and its two terms.
    eps_scope : str
        ``"all"`` (all pairs) or ``"queried"`` (Bob's rows against all keys).
    C : float
        Bob's logit constant (scale folded in).
    C_source : str
        ``"formula(measured eps)"``, ``"formula(given eps)"`` or ``"given"``.
    rows : int
        Distinct competing keys (``r`` of :func:`reduction_C`).
    timings : dict
        Seconds per phase (not deterministic; excluded from :meth:`deterministic`).

    Raises
    ------
    HarnessError
        On construction, if ``message_bits < fano_bits``.
    """

    model: str
    algorithm: str
    n: int
    d: int
    key_family: str
    seed: int
    N: int
    message_bits: int
    estimate: BinomialEstimate
    fano_bits: float
    fano_p: float
    eps: float | None
    eps_measured: float
    max_inner: float
    max_norm_dev: float
    eps_scope: str
    C: float
    C_source: str
    rows: int
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.message_bits < self.fano_bits:
            raise HarnessError(
                f"{self.algorithm} on {self.model} (n={self.n}, d={self.d}, seed={self.seed}) sent "
                f"M = {self.message_bits} bits but Bob's success {self.estimate} implies "
                f"M >= (1 - h({self.fano_p:.4f}))·N = {self.fano_bits:.1f} by Fano's inequality: "
                "the message is not the only thing Bob used (harness bug or side channel)"
            )

    @property
    def successes(self) -> int:
        return self.estimate.successes

    @property
    def queries(self) -> int:
        return self.estimate.trials

    @property
    def rate(self) -> float:
        return self.estimate.rate

    @property
    def ci_low(self) -> float:
        return self.estimate.ci_low

    @property
    def ci_high(self) -> float:
        return self.estimate.ci_high

    @property
    def guaranteed(self) -> bool:
        """Whether thm:ho25-lb's worst-case argument covers this run.

        True iff the measured ``ε < 1/2`` and ``C ≥ ln(4(r−1))/(1−2ε)`` for it: every
        output coordinate Bob reads is then within 1/5 of its bit, so every query
        must succeed (a failure would be a bug, not bad luck).
        """
        if self.eps_measured >= 0.5 - _EPS_ROUNDING:
            return False
        return self.C >= reduction_C(self.rows, self.eps_measured) * (1 - 1e-12)

    @property
    def bits_per_bit(self) -> float:
        """``M / N``: message bits per bit of Alice's input."""
        return self.message_bits / self.N

    def deterministic(self) -> dict[str, Any]:
        """:meth:`to_dict` without the timings (equal for equal seeds)."""
        out = self.to_dict()
        del out["timings"]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record of the run."""
        return {
            "model": self.model,
            "algorithm": self.algorithm,
            "n": self.n,
            "d": self.d,
            "key_family": self.key_family,
            "seed": self.seed,
            "N": self.N,
            "message_bits": self.message_bits,
            "bits_per_bit": self.bits_per_bit,
            "estimate": self.estimate.to_dict(),
            "fano_bits": self.fano_bits,
            "fano_p": self.fano_p,
            "eps": self.eps,
            "eps_measured": self.eps_measured,
            "max_inner": self.max_inner,
            "max_norm_dev": self.max_norm_dev,
            "eps_scope": self.eps_scope,
            "C": self.C,
            "C_source": self.C_source,
            "rows": self.rows,
            "guaranteed": self.guaranteed,
            "timings": dict(self.timings),
        }

    def __str__(self) -> str:
        return (
            f"Index[{self.model}] {self.algorithm} n={self.n} d={self.d}: {self.estimate}; "
            f"N={self.N} bits, M={self.message_bits} bits (Fano needs >= {self.fano_bits:.0f}); "
            f"eps={self.eps_measured:.3f} ({self.eps_scope}), C={self.C:.3f}"
        )


# ------------------------------------------------------------------ validation


def _check_instance_args(model: object, n: object, d: object, seed: object, key_family: object):
    if not isinstance(model, str) or model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    n = check_positive_int("n", n, 2)
    d = check_positive_int("d", d, 1)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if not isinstance(key_family, str) or key_family not in KEY_FAMILIES:
        raise ValueError(f"key_family must be one of {KEY_FAMILIES}, got {key_family!r}")
    return model, n, d, int(seed), key_family


def _check_real(name: str, value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def _resolve_factory(algorithm: object, model: str) -> Callable[[int], Any]:
    if isinstance(algorithm, str):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)} or a factory, got {algorithm!r}")
        by_model = ALGORITHMS[algorithm]
        if model not in by_model:
            raise ValueError(
                f"algorithm {algorithm!r} is defined for models {sorted(by_model)}, not {model!r}"
            )
        return by_model[model]
    check_factory("algorithm", algorithm)
    return algorithm  # type: ignore[return-value]


# ------------------------------------------------------------------ the harness


def run_index(
    algorithm: str | Callable[[int], Any],
    model: str,
    n: int,
    d: int,
    *,
    queries: int,
    seed: int,
    eps: float | None = None,
    C: float | None = None,
    confidence: float = 0.99,
    key_family: str = "rademacher",
    eps_scope: str = "auto",
) -> IndexResult:
    """Run one Index reduction end to end and measure it.

    Alice draws the instance (:func:`make_instance`), streams it into a fresh
    ``factory(d)`` in blocks and sends ``to_bytes()``; Alice's object is then dropped.
    Bob rebuilds ``type(alice).from_bytes(message)``, draws ``queries`` uniform indices
    in ``[N]`` (with replacement) and guesses each with :func:`bob_decode`.

    Parameters
    ----------
    algorithm : str or callable
        ``"exact"`` (the exact decoder of the model's representation),
        ``"factor-keeping"`` (four-cache and structured models), or a factory called
        as ``factory(d)`` that returns a :class:`~tensorkv_check.engine.protocol.CacheAlgorithm`
        (a class, or e.g. ``functools.partial(TruncatingRowCache, budget_rows=64)``).
    model : {"standard", "four-cache", "two-cache", "two-cache-structured"}
    n : int
        Tokens (``>= 2``); the two-cache models have ``n²`` rows.
    d : int
        Head dimension (``>= 1``).
    queries : int
        Bob's number of indices (``>= 1``), the trials of the estimate.
    seed : int
        Non-negative seed of keys, bits and Bob's indices.
    eps : float, optional
        ``ε ∈ (0, 1/2)`` to put in ``C``'s formula instead of the measured one.
    C : float, optional
        Bob's constant, used as given (no guarantee is then claimed). Pass at most one
        of ``eps`` and ``C``; with neither, ``C = reduction_C(rows, measured ε)``.
    confidence : float, default 0.99
        Confidence of the Clopper–Pearson interval.
    key_family : {"rademacher", "gaussian", "jl", "jl-sign"}
    eps_scope : {"auto", "all", "queried"}
        Pairs over which ``ε`` is measured: all pairs of keys, or Bob's queried keys
        against all keys (which is what his decoding depends on; cost ``O(m·r·d)``
        instead of ``O(r²d)``). ``"auto"`` is ``"all"`` while ``r²·d ≤ 2^34``.

    Returns
    -------
    IndexResult

    Raises
    ------
    TypeError
        A parameter of the wrong type; an algorithm that does not implement the
        protocol or does not ingest the model's input kind; ``to_bytes`` not ``bytes``;
        ``query`` returning the wrong shape.
    ValueError
        ``n < 2``, ``d < 1``, ``queries < 1``, ``eps ∉ (0, 1/2)``, ``C <= 0``, both
        ``eps`` and ``C``, an unknown model/family/scope, a measured ``ε ≥ 1/2`` with
        neither ``eps`` nor ``C`` given (the formula is then undefined).
    HarnessError
        If the measured ``M`` is below the Fano bound of the observed success.

    Examples
    --------
    >>> r = run_index("exact", "standard", 16, 64, queries=200, seed=1)
    >>> r.successes, r.N, r.message_bits == 8 * (32 + 2 * 8 + 2 * 16 * 64 * 8)
    (200, 1024, True)

    References
    ----------
    Haris and Onak 2025 (thm:ho25-lb's reduction); Chen et al. 2025 (thm:four-cache-lb,
    thm:two-cache-lb); spec def:index, thm:index-lb.
    """
    t_start = time.perf_counter()
    model, n, d, seed, key_family = _check_instance_args(model, n, d, seed, key_family)
    queries = check_positive_int("queries", queries, 1)
    if eps is not None and C is not None:
        raise ValueError("pass at most one of eps and C: C is computed from eps")
    if eps is not None:
        eps = _check_real("eps", eps)
        if not 0.0 < eps < 0.5:
            raise ValueError(f"eps must be in the open interval (0, 1/2), got {eps}")
    if C is not None:
        C = _check_real("C", C)
        if not math.isfinite(C) or C <= 0:
            raise ValueError(f"C must be finite and > 0, got {C}")
    confidence = _check_real("confidence", confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in the open interval (0, 1), got {confidence}")
    if eps_scope not in ("auto", "all", "queried"):
        raise ValueError(f"eps_scope must be 'auto', 'all' or 'queried', got {eps_scope!r}")
    factory = _resolve_factory(algorithm, model)
    timings: dict[str, float] = {}

    # Alice ------------------------------------------------------------------
    t0 = time.perf_counter()
    inst = make_instance(model, n, d, seed=seed, key_family=key_family)
    timings["instance"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    alice = factory(d)
    check_algorithm("algorithm", alice, inst.input_kind)
    total = inst.stream[0].shape[0]
    for s in range(0, total, _ALICE_CHUNK):
        alice.ingest(*(a[s : s + _ALICE_CHUNK] for a in inst.stream))
    timings["alice"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    message = message_bytes("algorithm", alice)
    cls = type(alice)
    algorithm_name = cls.__qualname__
    del alice
    timings["serialize"] = time.perf_counter() - t0

    # Bob --------------------------------------------------------------------
    t0 = time.perf_counter()
    bob = cls.from_bytes(bytes(message))
    check_algorithm("algorithm", bob)
    timings["rebuild"] = time.perf_counter() - t0
    _, _, bob_rng = _streams(seed)
    targets = bob_rng.integers(0, inst.N, size=queries, dtype=np.int64)

    t0 = time.perf_counter()
    scope = eps_scope
    if scope == "auto":
        scope = "all" if inst.rows * inst.rows * d <= _ALL_PAIRS_BUDGET else "queried"
    measured_rows = None if scope == "all" else inst.bob_rows[targets // d]
    max_inner, max_norm_dev = key_coherence(inst.keys, measured_rows)
    eps_measured = max(max_inner, max_norm_dev)
    timings["eps"] = time.perf_counter() - t0
    if C is not None:
        C_used, eps_used, C_source = C, None, "given"
    elif eps is not None:
        C_used, eps_used, C_source = reduction_C(inst.rows, eps), eps, "formula(given eps)"
    else:
        # Within rounding of 1/2 counts as 1/2: Rademacher inner products are exact
        # multiples of 2/d and can land on 1/2 exactly, which float64 may show as 0.4999….
        if eps_measured >= 0.5 - _EPS_ROUNDING:
            raise ValueError(
                f"the measured eps = {eps_measured:.4f} (max |<k_i,k_j>| = {max_inner:.4f}, "
                f"max |‖k_i‖²-1| = {max_norm_dev:.4f}, scope {scope!r}) is >= 1/2 for {inst.rows} keys "
                f"in d = {d}: C = ln(4(r-1))/(1-2 eps) is undefined. Raise d "
                "(lem:near-orthogonal, tensorkv_check.near_orthogonal_dimension) or pass eps or C."
            )
        C_used, eps_used, C_source = reduction_C(inst.rows, eps_measured), eps_measured, "formula(measured eps)"

    t0 = time.perf_counter()
    guesses = bob_decode(bob, inst.keys, inst.bob_rows, d, targets, C_used)
    timings["bob"] = time.perf_counter() - t0
    successes = int(np.count_nonzero(guesses == inst.bits.reshape(-1)[targets]))

    M = 8 * len(message)
    estimate = clopper_pearson(
        successes,
        queries,
        confidence,
        parameters={"model": model, "algorithm": algorithm_name, "n": n, "d": d,
                    "key_family": key_family, "N": inst.N, "M": M, "C": C_used},
        seed=seed,
    )
    fano_p = max(estimate.ci_low, 0.5)
    timings["total"] = time.perf_counter() - t_start
    return IndexResult(
        model=model,
        algorithm=algorithm_name,
        n=n,
        d=d,
        key_family=key_family,
        seed=seed,
        N=inst.N,
        message_bits=M,
        estimate=estimate,
        fano_bits=fano_bound(fano_p, inst.N),
        fano_p=fano_p,
        eps=eps_used,
        eps_measured=eps_measured,
        max_inner=max_inner,
        max_norm_dev=max_norm_dev,
        eps_scope=scope,
        C=C_used,
        C_source=C_source,
        rows=inst.rows,
        timings=timings,
    )
