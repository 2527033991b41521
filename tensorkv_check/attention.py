"""Exact standard and tensor attention.

Implements Definitions 3.1 (column-wise Kronecker product), 3.2 (softmax) and 3.6
(tensor attention) of Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of
KV-Cache Compression in Tensor Transformer Decoding" (arXiv 2503.11108, 2025), after
Alman and Song 2024 (arXiv 2310.04064), and standard attention as used by Haris and
Onak 2025 (arXiv 2502.15955).

The tensor-attention decode step never builds the n^2 x d matrix K1 ⊘ K2. For one
query q with scale c the score of the pair (j, k) is

    c * <q, K1_j ∘ K2_k> = c * (K1 diag(q) K2^T)_{jk},

and with P the softmax over all n^2 pairs the output is

    sum_{j,k} P_{jk} (V1_j ∘ V2_k) = 1^T ((P V2) ∘ V1)

(spec, def:tensor-attention). The step therefore costs two matrix products, about
4 n^2 d flops, and is computed in row blocks of P with a running maximum (streaming
softmax), so its working memory is O(n d + block * n).
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._validation import as_float_array, check_positive_scale, same_width

__all__ = [
    "kron",
    "softmax",
    "attention",
    "tensor_attention",
    "naive_tensor_attention",
    "DEFAULT_BLOCK_BYTES",
]

#: Working-set budget of one row block of P in :func:`tensor_attention` (bytes).
#: 4 MiB keeps a block in the last-level cache of common CPUs while leaving the
#: two matrix products large enough to run near the GEMM rate.
DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024


def kron(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Column-wise Kronecker product ``A ⊘ B`` (Definition 3.1).

    Parameters
    ----------
    A : array_like, shape (n1, d)
    B : array_like, shape (n2, d)

    Returns
    -------
    ndarray, shape (n1 * n2, d)
        Row ``(j - 1) * n2 + k`` (1-based) is ``A_j ∘ B_k``. The row order is this
        project's choice [inferred]; attention outputs do not depend on it as long as
        keys and values use the same order.

    Raises
    ------
    TypeError, ValueError
        For non-numeric, non-2-D, empty or non-finite input, or mismatched widths.

    Examples
    --------
    >>> kron([[1.0, 2.0], [3.0, 4.0]], [[10.0, 100.0]])
    array([[ 10., 200.],
           [ 30., 400.]])
    """
    A = as_float_array("A", A, (2,))
    B = as_float_array("B", B, (2,))
    same_width(A.shape[1], B=B)
    return _kron(A, B)


def _kron(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.einsum("jl,kl->jkl", A, B).reshape(-1, A.shape[1])


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax (Definition 3.2), in float64.

    Computed as ``exp(z - max z) / sum exp(z - max z)`` along ``axis``, so logits of
    any finite size give finite probabilities that sum to one.

    Parameters
    ----------
    z : array_like
        Finite real logits, at least 1-D.
    axis : int, default -1
        Axis along which the probabilities sum to one.

    Examples
    --------
    >>> softmax([1e4, 1e4 - np.log(3.0)]).round(12)
    array([0.75, 0.25])
    """
    z = as_float_array("z", z, tuple(range(1, 33)))
    return _softmax(z, axis)


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def attention(
    q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float | None = None
) -> np.ndarray:
    """Standard softmax attention ``softmax(K q * scale)^T V``.

    Parameters
    ----------
    q : array_like, shape (d,) or (m, d)
        One query or a batch of ``m`` queries.
    K, V : array_like, shape (n, d)
        Keys and values.
    scale : float, optional
        Logit scale; ``None`` means ``1/d``.

    Returns
    -------
    ndarray, shape (d,) or (m, d)

    Raises
    ------
    TypeError, ValueError
        For bad dtypes, shapes, non-finite entries, ``n`` mismatch or ``scale <= 0``.

    Examples
    --------
    >>> attention([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 2.0]])
    array([1., 1.])
    """
    q = as_float_array("q", q, (1, 2))
    K = as_float_array("K", K, (2,))
    V = as_float_array("V", V, (2,))
    d = K.shape[1]
    same_width(d, q=q, V=V)
    if V.shape[0] != K.shape[0]:
        raise ValueError(f"K and V must have the same number of rows, got {K.shape[0]} and {V.shape[0]}")
    c = check_positive_scale(scale, d)
    return _attention(q, K, V, c)


def _attention(q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float) -> np.ndarray:
    """Unchecked standard attention; ``q`` is (d,) or (m, d)."""
    logits = (q * scale) @ K.T  # (n,) or (m, n)
    _check_logits_finite(logits)
    return _softmax(logits, axis=-1) @ V


def _check_logits_finite(logits: np.ndarray) -> None:
    # Finite inputs can still overflow in the product (entries near 1e200); report it
    # instead of letting inf/NaN leak into the output.
    if not np.isfinite(logits).all():
        raise ValueError(
            "attention logits overflow float64: the product of the query and key "
            "entries exceeds ~1.8e308; rescale the inputs"
        )


def tensor_attention(
    Q: np.ndarray,
    K1: np.ndarray,
    K2: np.ndarray,
    V1: np.ndarray,
    V2: np.ndarray,
    scale: float | None = None,
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> np.ndarray:
    """Exact tensor attention (Definition 3.6) without materialising ``K1 ⊘ K2``.

    ``Att = D^{-1} exp(Q (K1⊘K2)^T * scale) (V1⊘V2)``, computed per query as
    ``1^T ((P V2) ∘ V1)`` with ``P = softmax(K1 diag(q) K2^T * scale)`` over all
    ``n1 * n2`` pairs, in row blocks of ``P`` with a running maximum.

    Parameters
    ----------
    Q : array_like, shape (d,) or (m, d)
        One query or a batch of queries.
    K1, V1 : array_like, shape (n1, d)
    K2, V2 : array_like, shape (n2, d)
        The factor caches; the four-cache model of the paper has ``n1 = n2 = n``.
    scale : float, optional
        Logit scale; ``None`` means ``1/d`` (Alman and Song's choice) [inferred].
    block_bytes : int, keyword-only
        Budget for one row block of ``P``; the working memory of a step is
        ``O(n d + block_bytes)``.

    Returns
    -------
    ndarray, shape (d,) or (m, d)

    Raises
    ------
    TypeError, ValueError
        For bad dtypes, shapes, non-finite entries, mismatched ``d`` or row counts,
        ``scale <= 0``, or logits that overflow float64.

    Examples
    --------
    With ``K2 = V2 = 1`` tensor attention collapses to standard attention:

    >>> K1 = np.array([[1.0, 0.0], [0.0, 1.0]]); V1 = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ones = np.ones((3, 2))
    >>> np.allclose(tensor_attention([2.0, 0.0], K1, ones, V1, ones),
    ...             attention([2.0, 0.0], K1, V1))
    True

    References
    ----------
    Chen et al. 2025, Definition 3.6; Alman and Song 2024, Definition 1.1.
    """
    Q = as_float_array("Q", Q, (1, 2))
    K1 = as_float_array("K1", K1, (2,))
    K2 = as_float_array("K2", K2, (2,))
    V1 = as_float_array("V1", V1, (2,))
    V2 = as_float_array("V2", V2, (2,))
    d = K1.shape[1]
    same_width(d, Q=Q, K2=K2, V1=V1, V2=V2)
    if V1.shape[0] != K1.shape[0]:
        raise ValueError(f"K1 and V1 must have the same number of rows, got {K1.shape[0]} and {V1.shape[0]}")
    if V2.shape[0] != K2.shape[0]:
        raise ValueError(f"K2 and V2 must have the same number of rows, got {K2.shape[0]} and {V2.shape[0]}")
    c = check_positive_scale(scale, d)
    if not isinstance(block_bytes, (int, np.integer)) or block_bytes < 1:
        raise ValueError(f"block_bytes must be a positive integer, got {block_bytes!r}")
    return _tensor_attention(Q, K1, K2, V1, V2, c, int(block_bytes))


def _tensor_attention(
    Q: np.ndarray,
    K1: np.ndarray,
    K2: np.ndarray,
    V1: np.ndarray,
    V2: np.ndarray,
    scale: float,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> np.ndarray:
    """Unchecked tensor attention for finite float64 inputs of matching shapes."""
    if Q.ndim == 1:
        return _tensor_attention_one(Q, K1, K2, V1, V2, scale, block_bytes)
    return np.stack([_tensor_attention_one(q, K1, K2, V1, V2, scale, block_bytes) for q in Q])


def _tensor_attention_one(
    q: np.ndarray,
    K1: np.ndarray,
    K2: np.ndarray,
    V1: np.ndarray,
    V2: np.ndarray,
    scale: float,
    block_bytes: int,
) -> np.ndarray:
    n1, d = K1.shape
    n2 = K2.shape[0]
    A = K1 * (q * scale)  # row j is scale * (K1_j ∘ q), so A @ K2^T is the score matrix
    K2T = np.ascontiguousarray(K2.T)
    # A trailing ones column makes the same product return the row sums of P.
    V2e = np.empty((n2, d + 1))
    V2e[:, :d] = V2
    V2e[:, d] = 1.0
    block = max(1, min(n1, block_bytes // (8 * n2)))
    S = np.empty((block, n2))
    W = np.empty((block, d + 1))
    run_max = -np.inf
    num = np.zeros(d)
    den = 0.0
    for j0 in range(0, n1, block):
        j1 = min(n1, j0 + block)
        Sb, Wb = S[: j1 - j0], W[: j1 - j0]
        np.matmul(A[j0:j1], K2T, out=Sb)
        bmax = Sb.max()
        if not np.isfinite(bmax):
            _check_logits_finite(Sb)
        if bmax > run_max:
            # Rescale what has been accumulated so far to the new maximum.
            factor = np.exp(run_max - bmax)
            num *= factor
            den *= factor
            run_max = bmax
        np.subtract(Sb, run_max, out=Sb)
        np.exp(Sb, out=Sb)
        np.matmul(Sb, V2e, out=Wb)
        num += np.einsum("bl,bl->l", Wb[:, :d], V1[j0:j1])
        den += Wb[:, d].sum()
    return num / den


def naive_tensor_attention(
    Q: np.ndarray,
    K1: np.ndarray,
    K2: np.ndarray,
    V1: np.ndarray,
    V2: np.ndarray,
    scale: float | None = None,
) -> np.ndarray:
    """Reference tensor attention that materialises ``K1 ⊘ K2`` and ``V1 ⊘ V2``.

    For tests and benchmarks only: it uses ``O(n1 n2 d)`` memory, exactly as the
    definition is written (Definition 3.6), and serves as the independent second
    implementation that :func:`tensor_attention` is checked against.
    """
    Q = as_float_array("Q", Q, (1, 2))
    K1 = as_float_array("K1", K1, (2,))
    K2 = as_float_array("K2", K2, (2,))
    V1 = as_float_array("V1", V1, (2,))
    V2 = as_float_array("V2", V2, (2,))
    d = K1.shape[1]
    same_width(d, Q=Q, K2=K2, V1=V1, V2=V2)
    if V1.shape[0] != K1.shape[0] or V2.shape[0] != K2.shape[0]:
        raise ValueError("each key factor must have as many rows as its value factor")
    c = check_positive_scale(scale, d)
    return _attention(Q, _kron(K1, K2), _kron(V1, V2), c)
