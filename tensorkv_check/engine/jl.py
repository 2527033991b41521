"""Johnson–Lindenstrauss transforms and near-orthogonal key sets.

Implements the random objects behind Definition 3.3 (JL transform), Lemma 3.4 (Gaussian
JL), Lemma 3.5 (random projections preserve inner products) of Chen, Li, Liang, Shi,
Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer
Decoding" (arXiv 2503.11108, 2025), and the near-orthogonal keys that the lower-bound
reduction of Haris and Onak 2025 (arXiv 2502.15955) needs (spec id lem:near-orthogonal).

The dimensions are the explicit versions of the paper's Ω(·) statements [std]:

* :func:`jl_dimension`: ``k = ceil(2 ln(2f/δ) / (ε²/2 − ε³/3))``, from the χ² tail
  ``Pr[|‖Sx‖² − ‖x‖²| > ε‖x‖²] ≤ 2 exp(−k(ε²/2 − ε³/3)/2)`` and a union bound over f.
* :func:`near_orthogonal_dimension`: ``d = ceil(2 ln(n²/δ) / ε²)``, from Hoeffding
  (``Pr[|⟨u_i, u_j⟩| > ε] ≤ 2 exp(−dε²/2)`` for ±1/√d rows) and a union bound over the
  fewer than n²/2 pairs.

Both are computed in float64 and rounded up, so they can only err on the safe side
by one.
"""

from __future__ import annotations

import math

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import as_float_array, check_choice, check_int, check_probability

__all__ = [
    "gaussian_jl",
    "sign_jl",
    "jl_dimension",
    "near_orthogonal_keys",
    "near_orthogonal_dimension",
    "max_abs_inner",
]

#: Row-block budget of :func:`max_abs_inner` (bytes of one Gram block): keeps the
#: working memory O(block * n) instead of O(n²) for large key sets.
_GRAM_BLOCK_BYTES = 8 * 1024 * 1024


def gaussian_jl(k: int, d: int, rng: RngLike) -> np.ndarray:
    """A Gaussian JL matrix ``S ∈ R^{k×d}`` with i.i.d. ``N(0, 1/k)`` entries.

    ``E‖Sx‖² = ‖x‖²`` because each of the ``k`` coordinates of ``Sx`` has variance
    ``‖x‖²/k``; in fact ``k‖Sx‖²/‖x‖²`` is exactly χ² with ``k`` degrees of freedom.

    Parameters
    ----------
    k : int
        Target dimension, ``>= 1``.
    d : int
        Source dimension, ``>= 1``.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (an int is used as a seed).

    Returns
    -------
    ndarray, shape (k, d)

    Raises
    ------
    TypeError
        If ``k`` or ``d`` is not an integer or ``rng`` is not an int seed, a SeedSequence or a Generator.
    ValueError
        If ``k < 1`` or ``d < 1``.

    Examples
    --------
    >>> S = gaussian_jl(4, 3, np.random.default_rng(0))
    >>> S.shape
    (4, 3)

    References
    ----------
    Chen et al. 2025, Lemma 3.4; Woodruff, "Sketching as a Tool for Numerical Linear
    Algebra", Theorem 4.
    """
    k = check_int("k", k, minimum=1)
    d = check_int("d", d, minimum=1)
    rng = as_generator(rng)
    # The 1/sqrt(k) standard deviation is what makes E‖Sx‖² = ‖x‖²; the proof suite's
    # JL checks fail if it is changed (e.g. to 1/sqrt(d)).
    std = 1.0 / math.sqrt(k)
    return rng.standard_normal((k, d)) * std


def sign_jl(k: int, d: int, rng: RngLike) -> np.ndarray:
    """A random-sign JL matrix with i.i.d. entries ``±1/√k`` (Achlioptas 2003).

    Parameters and errors as :func:`gaussian_jl`.

    Examples
    --------
    >>> S = sign_jl(4, 3, np.random.default_rng(0))
    >>> bool(np.all(np.abs(S) == 0.5))
    True

    References
    ----------
    Chen et al. 2025, Lemma 3.5 (random projections); Achlioptas, "Database-friendly
    random projections", JCSS 2003.
    """
    k = check_int("k", k, minimum=1)
    d = check_int("d", d, minimum=1)
    rng = as_generator(rng)
    signs = rng.integers(0, 2, size=(k, d), dtype=np.int8) * 2 - 1
    return signs * (1.0 / math.sqrt(k))


def jl_dimension(eps: float, delta: float, f: int) -> int:
    """Explicit JL target dimension ``k = ceil(2 ln(2f/δ) / (ε²/2 − ε³/3))``.

    With this ``k`` a Gaussian JL matrix keeps ``|‖Sx‖² − ‖x‖²| ≤ ε‖x‖²`` for all ``f``
    vectors of a fixed set with probability ``≥ 1 − δ`` (union bound over the tail
    ``2 exp(−k(ε²/2 − ε³/3)/2)`` of each vector). For ``ε ≤ 1/2``,
    ``ε²/2 − ε³/3 ≥ ε²/3``, so ``k ≤ 6 ln(2f/δ)/ε² + 1 = O(ε⁻² log(f/δ))``.

    Parameters
    ----------
    eps : float
        Distortion, ``0 < eps < 1``.
    delta : float
        Failure probability, ``0 < delta < 1``.
    f : int
        Number of vectors, ``>= 1``.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For non-numeric or out-of-range arguments (the message names the parameter).

    Examples
    --------
    >>> jl_dimension(0.5, 0.1, 20)  # 24 ln 400 = 143.79...
    144

    References
    ----------
    Chen et al. 2025, Lemma 3.4 (k = Ω(ε⁻² log(f/δ))); Dasgupta and Gupta 2003.
    """
    eps = check_probability("eps", eps)
    delta = check_probability("delta", delta)
    f = check_int("f", f, minimum=1)
    return math.ceil(2.0 * math.log(2.0 * f / delta) / (eps**2 / 2.0 - eps**3 / 3.0))


def near_orthogonal_dimension(n: int, eps: float, delta: float) -> int:
    """Dimension ``d = ceil(2 ln(n²/δ)/ε²)`` for ``n`` near-orthogonal ±1/√d keys.

    At this ``d``, ``n`` random rows of :func:`near_orthogonal_keys` satisfy
    ``|⟨u_i, u_j⟩| ≤ ε`` for all ``i ≠ j`` with probability ``≥ 1 − δ``
    (Hoeffding: ``2 exp(−dε²/2)`` per pair, union over ``< n²/2`` pairs).

    Parameters
    ----------
    n : int
        Number of keys, ``>= 1``.
    eps : float
        Inner-product bound, ``0 < eps < 1``.
    delta : float
        Failure probability, ``0 < delta < 1``.

    Examples
    --------
    >>> near_orthogonal_dimension(64, 0.5, 0.1)  # 8 ln 40960 = 84.9...
    85

    References
    ----------
    Haris and Onak 2025 (the reduction's key set); Hoeffding 1963.
    """
    n = check_int("n", n, minimum=1)
    eps = check_probability("eps", eps)
    delta = check_probability("delta", delta)
    return math.ceil(2.0 * math.log(n * n / delta) / eps**2)


def near_orthogonal_keys(n: int, d: int, rng: RngLike, kind: str = "rademacher") -> np.ndarray:
    """``n`` random unit keys in ``R^d`` with small pairwise inner products.

    Parameters
    ----------
    n, d : int
        Number of keys and their dimension, each ``>= 1``.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
    kind : {"rademacher", "gaussian"}
        ``"rademacher"``: i.i.d. entries ``±1/√d`` (exactly unit norm);
        ``"gaussian"``: i.i.d. normal rows normalised to the unit sphere.

    Returns
    -------
    ndarray, shape (n, d)
        Unit rows; see :func:`near_orthogonal_dimension` for the ``d`` that makes
        them ``ε``-near-orthogonal with probability ``≥ 1 − δ``.

    Examples
    --------
    >>> K = near_orthogonal_keys(5, 16, np.random.default_rng(1))
    >>> np.allclose((K**2).sum(axis=1), 1.0)
    True
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    rng = as_generator(rng)
    check_choice("kind", kind, ("rademacher", "gaussian"))
    if kind == "rademacher":
        signs = rng.integers(0, 2, size=(n, d), dtype=np.int8) * 2 - 1
        return signs * (1.0 / math.sqrt(d))
    G = rng.standard_normal((n, d))
    # A standard normal row is zero with probability 0; norms are > 0 in practice.
    return G / np.linalg.norm(G, axis=1, keepdims=True)


def max_abs_inner(K: np.ndarray) -> float:
    """Largest off-diagonal ``|⟨k_i, k_j⟩|`` over the rows of ``K``.

    Computed from row blocks of the Gram matrix ``K Kᵀ`` (no loop over pairs), with
    working memory ``O(block · n)``. A single row has no pairs: the result is ``0.0``.

    Parameters
    ----------
    K : array_like, shape (n, d)

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        For non-numeric, non-2-D, empty or non-finite ``K``.

    Examples
    --------
    >>> max_abs_inner([[1.0, 0.0], [0.6, 0.8], [0.0, -1.0]])
    0.8
    """
    K = as_float_array("K", K, (2,))
    n = K.shape[0]
    block = max(1, min(n, _GRAM_BLOCK_BYTES // (8 * n)))
    best = 0.0
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        G = K[i0:i1] @ K.T
        # Blank the diagonal entries (i, i) of this block: they are norms, not pairs.
        rows = np.arange(i1 - i0)
        G[rows, rows + i0] = 0.0
        # max |x| = max(max x, -min x) exactly: two reads, instead of writing |G| first.
        best = max(best, float(G.max()), -float(G.min()))
    return best
