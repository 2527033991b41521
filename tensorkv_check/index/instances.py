"""Seeded Index instances of the four reduction models, and the coherence of their keys.

:func:`make_instance` draws Alice's bits and the public keys of one model from a seed
(the keys are public randomness, shared through the seed) and encodes them as the
stream Alice ingests (:class:`IndexInstance`); :func:`key_coherence` measures how far a
key set is from orthonormal (the ``ε`` of :func:`tensorkv_check.index.bounds.reduction_C`).
:func:`tensorkv_check.index.reduction.run_index` runs the reduction on them.

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tensorkv_check._util.validation import check_choice, check_int, check_real
from tensorkv_check.engine import _gram
from tensorkv_check.engine.jl import gaussian_jl, max_abs_inner, near_orthogonal_keys, sign_jl

__all__ = [
    "MODELS",
    "MODEL_INPUT",
    "KEY_FAMILIES",
    "IndexInstance",
    "make_instance",
    "key_rows",
    "key_coherence",
    "tight_keys",
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

#: Block budget (entries) of the queried-rows coherence measurement.
_GRAM_BLOCK_ENTRIES = 1 << 22


def key_rows(rows: int, d: int, family: str, rng: np.random.Generator) -> np.ndarray:
    """``rows`` public keys in ``R^d`` from ``family`` (module docstring).

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


def instance_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
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
    model, n, d, seed, key_family = check_instance_args(model, n, d, seed, key_family)
    inst = build_instance(model, n, d, seed, key_family)
    # Read-only: an algorithm that writes into its input cannot alter Bob's public keys
    # or the bits his guesses are scored against.
    for a in (inst.bits, inst.keys, inst.bob_rows, *inst.stream):
        a.flags.writeable = False
    return inst


def build_instance(model: str, n: int, d: int, seed: int, key_family: str) -> IndexInstance:
    key_rng, bit_rng, _ = instance_streams(seed)
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
    root = d**0.25
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
    the queried-rows scope needs the rows against everything. The value is that of row
    blocks of ``_GRAM_BLOCK_ENTRIES // r`` rows against all keys, computed fast and to the
    bit by :func:`tensorkv_check.engine._gram.abs_max`.
    """
    r = K.shape[0]
    if r < 2 or rows.size == 0:
        return 0.0
    block = max(1, _GRAM_BLOCK_ENTRIES // r)

    def reference(s0: int, s1: int) -> float:
        idx = rows[s0:s1]
        G = K[idx] @ K.T
        G[np.arange(idx.size), idx] = 0.0  # the pair (i, i) is a norm, not a pair
        return max(float(G.max()), -float(G.min()))

    return _gram.abs_max(K, rows, block, reference)


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


def tight_keys(n: int, eps: float) -> np.ndarray:
    """``n`` keys at the extreme of thm:ho25-lb's hypotheses: ``‖k_i‖² = 1 − ε``, ``⟨k_i, k_j⟩ = ε``.

    ``k_i = √(1 − 2ε)·e_i + √ε·e_{n+1}`` in ``R^{n+1}``: the Gram matrix is
    ``(1 − 2ε)I + εJ`` (positive definite for ``0 <= ε < 1/2``), so every score gap of
    the query ``C·k_i`` is exactly ``C(‖k_i‖² − ⟨k_i, k_j⟩) = C(1 − 2ε)``, the least the
    hypotheses ``|⟨k_i, k_j⟩| <= ε``, ``‖k_i‖² >= 1 − ε`` allow, and the softmax mass off
    token ``i`` equals the bound ``(n−1)e^{−C(1−2ε)}/(1 + (n−1)e^{−C(1−2ε)})``. (Unit
    norms with ``⟨k_i, k_j⟩ = ε`` give the larger gap ``C(1 − ε)``, not the bound.)

    Parameters
    ----------
    n : int, ``>= 2``
    eps : float in ``[0, 1/2)``

    Examples
    --------
    >>> K = tight_keys(3, 0.25)
    >>> np.round(K @ K.T, 12).tolist()
    [[0.75, 0.25, 0.25], [0.25, 0.75, 0.25], [0.25, 0.25, 0.75]]

    References
    ----------
    Haris and Onak 2025 (the reduction's margin); spec thm:ho25-lb.
    """
    n = check_int("n", n, minimum=2)
    eps = check_real("eps", eps, low=0.0, high=0.5, low_open=False)
    K = np.zeros((n, n + 1))
    K[np.arange(n), np.arange(n)] = np.sqrt(1.0 - 2.0 * eps)
    K[:, n] = np.sqrt(eps)
    return K


def check_instance_args(model: object, n: object, d: object, seed: object, key_family: object):
    check_choice("model", model, MODELS)
    n = check_int("n", n, minimum=2)
    d = check_int("d", d, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    check_choice("key_family", key_family, KEY_FAMILIES)
    return model, n, d, seed, key_family
