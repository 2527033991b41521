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

For large steps (n1 * n2 >= 2^18) the row blocks are dealt round-robin to one thread
per core, each with its own streaming-softmax state, and the states are merged in a
fixed order at the end; the exp of the n1 * n2 scores then runs on all cores, through
the compiled, vectorised exp of :mod:`tensorkv_check.engine._fastexp` (numpy's float64 exp is
scalar on CPUs without AVX-512 and would otherwise dominate the step). One query of
standard attention over many rows (the two-cache step) is streamed the same way over
row blocks, so that both matrix-vector products use the memory bandwidth of all cores.
The block budget is shared by the threads, so the memory bound is unchanged. BLAS is
held to one thread per worker (and for mid-sized serial steps), because multi-threaded
OpenBLAS calls stall for a scheduler time slice whenever another process holds one of the cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from tensorkv_check._util.validation import as_float_array, check_int, check_positive_scale, same_width
from tensorkv_check.engine._fastexp import add_weighted_rows, exp_shifted_inplace, row_dots_into

__all__ = [
    "kron",
    "softmax",
    "attention",
    "attention_batch",
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
    with np.errstate(over="ignore"):
        out = _kron(A, B)
    if not np.isfinite(out).all():
        raise ValueError("kron overflows float64: products A_j ∘ B_k exceed ~1.8e308; rescale A or B")
    return out


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
    # The one softmax kernel of the engine (single queries, batches, the decoders): the
    # exponential in place on the shifted copy, so a (m, n) block is allocated once.
    e = z - z.max(axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def attention(q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float | None = None) -> np.ndarray:
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


#: Logits (float64 entries) held at once by :func:`attention_batch`: 32 MiB.
BATCH_BLOCK_ENTRIES = 1 << 22


def attention_batch(Q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Standard attention of a batch of queries, ``softmax(Q K^T * scale) V`` row by row.

    Definition 3.2 (softmax) applied to each query's logits, as in the standard
    attention of Haris and Onak 2025: row ``i`` of the result is
    ``softmax(K q_i * scale)^T V``, exactly what :func:`attention` returns for ``q_i``.
    The queries are taken in blocks of at most :data:`BATCH_BLOCK_ENTRIES` // ``n``
    so that the ``(m, n)`` logit matrix is never held whole: the working memory is
    ``O(n d + BATCH_BLOCK_ENTRIES)`` for any batch size ``m``. Every block goes through
    the same unchecked kernel as :func:`attention` (max-shifted softmax), so both give
    the same bits for the same query.

    Parameters
    ----------
    Q : array_like, shape (m, d)
        The batch of queries (``m >= 1``).
    K, V : array_like, shape (n, d)
        Keys and values, ``n >= 1``.
    scale : float, optional
        Logit scale; ``None`` means ``1/d``.

    Returns
    -------
    ndarray, shape (m, d)

    Raises
    ------
    TypeError, ValueError
        For bad dtypes, shapes, non-finite entries, ``n`` mismatch or ``scale <= 0``;
        ``ValueError`` when the logits or the output overflow float64.

    Examples
    --------
    >>> attention_batch([[0.0, 0.0], [50.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]],
    ...                 [[2.0, 0.0], [0.0, 2.0]], scale=1.0).round(6).tolist()
    [[1.0, 1.0], [2.0, 0.0]]
    """
    Q = as_float_array("Q", Q, (2,))
    K = as_float_array("K", K, (2,))
    V = as_float_array("V", V, (2,))
    d = K.shape[1]
    same_width(d, Q=Q, V=V)
    if V.shape[0] != K.shape[0]:
        raise ValueError(f"K and V must have the same number of rows, got {K.shape[0]} and {V.shape[0]}")
    c = check_positive_scale(scale, d)
    out = np.empty((Q.shape[0], V.shape[1]))
    step = max(1, BATCH_BLOCK_ENTRIES // max(1, K.shape[0]))
    for s in range(0, Q.shape[0], step):
        out[s : s + step] = _attention(Q[s : s + step], K, V, c)
    return out


#: Work ``n * d`` from which one query of standard attention is streamed over row
#: blocks on all cores (the two-cache step: two matrix-vector products over ``n²``
#: rows, bound by memory bandwidth, which one core alone cannot saturate).
_PARALLEL_MIN_ROW_WORK = 1 << 21

#: Rows of ``K`` per block of the streamed path: its scores (128 KiB) stay in cache.
_ROW_BLOCK = 1 << 14


def _attention(q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float) -> np.ndarray:
    """Unchecked standard attention; ``q`` is (d,) or (m, d)."""
    n, d = K.shape
    if q.ndim == 1 and n * d >= _PARALLEL_MIN_ROW_WORK and n > _ROW_BLOCK:
        with np.errstate(over="ignore", invalid="ignore"):  # reported as ValueErrors
            out = _run_lanes(_attention_blocks, (q * scale, K, V), range(0, n, _ROW_BLOCK), _ROW_BLOCK)
        return _check_output_finite(out)
    with np.errstate(over="ignore", invalid="ignore"):  # reported as a ValueError
        logits = (q * scale) @ K.T  # (n,) or (m, n)
    _check_logits_finite(logits)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below as a ValueError
        out = _softmax(logits, axis=-1) @ V
    return _check_output_finite(out)


def _check_output_finite(out: np.ndarray) -> np.ndarray:
    # The output is a convex combination of value rows; it can only be non-finite when
    # those rows (for tensor attention, products V1_j ∘ V2_k) overflow float64.
    if not np.isfinite(out).all():
        raise ValueError(
            "attention output overflows float64: the value entries (or the products "
            "V1_j ∘ V2_k) exceed ~1.8e308; rescale the values"
        )
    return out


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
    block_bytes = check_int("block_bytes", block_bytes, minimum=1)
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
    with np.errstate(over="ignore", invalid="ignore"):  # reported below as a ValueError
        if Q.ndim == 1:
            out = _tensor_attention_one(Q, K1, K2, V1, V2, scale, block_bytes)
        else:
            out = np.stack([_tensor_attention_one(q, K1, K2, V1, V2, scale, block_bytes) for q in Q])
    return _check_output_finite(out)


#: Score-matrix size ``n1 * n2`` from which one query is split over several threads.
#: Below it the thread hand-off (~0.1-0.5 ms on a virtual machine) and the threads'
#: competition for the shared cache cost about what they save, and the step is serial.
_PARALLEL_MIN_PAIRS = 1 << 18

#: Work ``n1 * n2 * d`` from which a serial step runs its products with BLAS held to
#: one thread. OpenBLAS would run them on all cores, which gains little at these sizes
#: and, when other processes keep a core busy, makes a step 2-25x slower while its
#: threads wait for each other. Below it, setting and restoring the BLAS thread count
#: (~0.1 ms) would cost more than the step's products, and the step runs as is.
_ONE_BLAS_THREAD_MIN_WORK = 1 << 20


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
    qs = q * scale
    A = K1 * qs  # row j is scale * (K1_j ∘ q), so A @ K2^T is the score matrix
    if not np.isfinite(A).all():
        # K1 ∘ q can overflow while every logit is finite (K2 tiny): move the query's
        # magnitude onto K2 instead. If the logits really overflow, the check on each
        # block of scores reports it.
        c = float(np.max(np.abs(qs)))
        A = K1 * (qs / c)
        K2 = K2 * c
    K2T = np.ascontiguousarray(K2.T)
    # A trailing ones column makes the same product return the row sums of P.
    V2e = np.empty((n2, d + 1))
    V2e[:, :d] = V2
    V2e[:, d] = 1.0
    if n1 * n2 < _PARALLEL_MIN_PAIRS:
        block = max(1, min(n1, block_bytes // (8 * n2)))
        starts = range(0, n1, block)
        if n1 * n2 * d < _ONE_BLAS_THREAD_MIN_WORK:
            _, num, den = _tensor_attention_blocks(A, K2T, V2e, V1, starts, block)
            return num / den
        return _merge_states(_parallel.run([(_tensor_attention_blocks, (A, K2T, V2e, V1, starts, block))]))
    # The block budget is shared by the lanes, so the step's working memory stays
    # O(n d + block_bytes) however many threads run; and every lane gets a block.
    block = max(1, min(-(-n1 // _LANES), (block_bytes // _LANES) // (8 * n2)))
    return _run_lanes(_tensor_attention_blocks, (A, K2T, V2e, V1), range(0, n1, block), block)


#: Lanes of a large step: its row blocks are dealt round-robin to this many streaming-
#: softmax states, merged in a fixed order. The partition never depends on how many
#: threads run it (a lane per thread, or all lanes on one), so neither does the result:
#: a step gives the same bits in a one-thread worker process and on a whole machine.
_LANES = 2


def _run_lanes(fn, head: tuple, starts: range, block: int) -> np.ndarray:
    """Run ``fn(*head, lane_starts, block)`` per lane, on threads when cores allow; merge."""
    tasks = [(fn, (*head, starts[w::_LANES], block)) for w in range(_LANES) if len(starts[w::_LANES])]
    if _parallel.workers() > 1 and len(tasks) > 1:
        parts = _parallel.run(tasks)
    else:
        parts = [f(*args) for f, args in tasks]
    return _merge_states(parts)


def _merge_states(parts: list[tuple[float, np.ndarray, float]]) -> np.ndarray:
    """Combine the workers' streaming-softmax states ``(max, num, den)`` into the output.

    In list order, so that the result does not depend on thread timing.
    """
    top = max(m for m, _, _ in parts)
    num = np.zeros_like(parts[0][1])
    den = 0.0
    for m, part_num, part_den in parts:
        factor = np.exp(m - top)
        num += part_num * factor
        den += part_den * factor
    return num / den


def _tensor_attention_blocks(
    A: np.ndarray,
    K2T: np.ndarray,
    V2e: np.ndarray,
    V1: np.ndarray,
    starts: range,
    block: int,
) -> tuple[float, np.ndarray, float]:
    """Streaming softmax over the row blocks of ``P`` that begin at ``starts``.

    Returns ``(m, num, den)`` with ``num = sum exp(S - m) (V1 ∘ V2)`` and
    ``den = sum exp(S - m)`` over the blocks' pairs, ``m`` their largest logit.
    """
    n1, d = V1.shape
    n2 = K2T.shape[1]
    S = np.empty((min(block, n1), n2))
    W = np.empty((min(block, n1), d + 1))
    run_max = -np.inf
    num = np.zeros(d)
    den = 0.0
    for j0 in starts:
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
        exp_shifted_inplace(Sb, run_max)
        np.matmul(Sb, V2e, out=Wb)
        num += np.einsum("bl,bl->l", Wb[:, :d], V1[j0:j1])
        den += Wb[:, d].sum()
    return run_max, num, den


def _attention_blocks(
    qs: np.ndarray, K: np.ndarray, V: np.ndarray, starts: range, block: int
) -> tuple[float, np.ndarray, float]:
    """Streaming softmax of one query over the row blocks of ``K``, ``V`` at ``starts``.

    Returns ``(m, num, den)`` as :func:`_tensor_attention_blocks` does.
    """
    n, d = K.shape
    s = np.empty((1, min(block, n)))
    run_max = -np.inf
    num = np.zeros(d)
    den = 0.0
    for j0 in starts:
        j1 = min(n, j0 + block)
        sb = s[:, : j1 - j0]
        row_dots_into(K[j0:j1], qs, sb[0])
        bmax = sb.max()
        if not np.isfinite(bmax) or not np.isfinite(sb.min()):
            _check_logits_finite(sb)
        if bmax > run_max:
            factor = np.exp(run_max - bmax)
            num *= factor
            den *= factor
            run_max = bmax
        exp_shifted_inplace(sb, run_max)
        add_weighted_rows(sb[0], V[j0:j1], num)
        den += sb.sum()
    return run_max, num, den


class _ParallelBlocks:
    """Runs the row-block workers of one decode step on threads.

    numpy's ufuncs (the ``exp`` of the scores, the bottleneck) and BLAS release the
    GIL, so plain threads use all cores. While they run, BLAS is limited to one thread
    each (threadpoolctl; the limit is process-wide and restored afterwards), so the
    matrix products do not oversubscribe the cores. The worker count is the BLAS
    thread count in force (at most the CPUs this process may use): a caller who
    limited BLAS to one thread gets the serial path. One step at a time uses the pool
    (calls from several threads take turns), so every threaded step runs the same
    partition under the same BLAS setting and its result does not depend on timing.
    """

    def __init__(self) -> None:
        self._blas = None  # threadpoolctl selection of the BLAS libraries, made lazily
        self._reset()

    def _reset(self) -> None:
        # Also run in a fork()ed child: the parent's pool threads and lock state do not
        # carry over (a lock held by another thread at fork time would stay held).
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0
        self._blas_threads_before: int | None = None  # set while our limit is in force

    def _blas_controller(self):
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController().select(user_api="blas")
        return self._blas

    def workers(self) -> int:
        """Threads to use for one step now: 1 means run serially."""
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not Linux
            cpus = os.cpu_count() or 1
        if cpus < 2:
            return 1
        blas = self._blas_controller()
        if not blas.lib_controllers:
            return 1  # BLAS not found: its threads could not be limited
        # While a step holds the pool, BLAS reports our temporary limit of 1; a call
        # from another thread must still split its blocks the same way.
        threads = self._blas_threads_before
        if threads is None:
            threads = min(lib.num_threads for lib in blas.lib_controllers)
        return max(1, min(cpus, threads))

    def run(self, tasks: list[tuple]) -> list:
        """Run ``[(f, args), ...]`` with BLAS held to one thread; one task runs inline."""
        blas = self._blas_controller()
        if not blas.lib_controllers:  # no BLAS to limit (then workers() was 1)
            return [f(*args) for f, args in tasks]
        with self._lock:
            pool = self._executor(len(tasks) - 1) if len(tasks) > 1 else None
            # numpy's floating-point error state is per thread: give the workers the
            # caller's, so that np.errstate around a call means the same as serially.
            errstate = np.geterr()
            self._blas_threads_before = min(lib.num_threads for lib in blas.lib_controllers)
            try:
                with blas.limit(limits=1):
                    futures = (
                        []
                        if pool is None
                        else [pool.submit(_with_errstate, errstate, f, args) for f, args in tasks[1:]]
                    )
                    try:
                        first = tasks[0][0](*tasks[0][1])
                    finally:
                        # Never leave a worker running past this step, even on an error.
                        wait(futures)
                    return [first] + [fut.result() for fut in futures]
            finally:
                self._blas_threads_before = None

    def _executor(self, n: int) -> ThreadPoolExecutor:
        if self._pool is None or self._pool_size < n:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="tensorkv-attn")
            self._pool_size = n
        return self._pool


def _with_errstate(errstate: Mapping[str, Any], f: Callable[..., Any], args: tuple) -> Any:
    with np.errstate(**errstate):
        return f(*args)


_parallel = _ParallelBlocks()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_parallel._reset)


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
        raise ValueError(
            f"K1/V1 and K2/V2 must have matching row counts, got K1 {K1.shape[0]} vs V1 "
            f"{V1.shape[0]} and K2 {K2.shape[0]} vs V2 {V2.shape[0]}"
        )
    c = check_positive_scale(scale, d)
    return _attention(Q, _kron(K1, K2), _kron(V1, V2), c)
