"""Compiled kernels of the decode steps: a vectorised float64 ``exp(S - shift)``, and
the two matrix-vector products of one standard-attention query.

The tensor-attention decode step (def:tensor-attention; the four-cache step of
Definition 3.7) spends most of its time outside the two matrix products on the
``exp`` of the ``n²`` scores. numpy's float64 ``exp`` is vectorised only on AVX-512
CPUs; elsewhere it calls the scalar libm routine, about 5-10 ns an element, which
caps the step near a third of the GEMM rate. This module compiles (numba) an
``exp`` that the compiler can vectorise with AVX2/FMA:

* reduction ``x = k·ln2 + r`` with ``k`` the integer nearest ``x·log2(e)``, ``|r| <= ln2/2``,
  and ``ln2`` split in a high and a low part (Cody–Waite) so ``r`` is exact to
  rounding;
* ``e^r`` by its Taylor polynomial of degree 13 in Horner form (truncation error
  ``(ln2/2)^14/14! < 3e-18``, far below float64's ``1.1e-16``);
* ``2^k`` built from its IEEE-754 bits in an integer scratch row, then one product.

Its error is within 2 ulp of the correctly rounded value for ``x >= -708`` (the
tests check this against numpy over the whole range); on the engine's logit range
``[-708, 0]`` (scores shifted by their maximum) the largest relative difference from
numpy's ``exp`` measured is ``2.22e-16`` (a test holds it below ``2.5e-16``). Arguments below ``-708``
(``e^x < 3.3e-308``, the smallest normal numbers) give exactly 0: in a softmax
shifted by its running maximum the denominator is ``>= 1``, so these terms are
307 orders of magnitude below its resolution. NaN arguments give 0 as well; the
callers check the scores for non-finite values before calling.

The two-cache step (Definition 3.8) is one query of standard attention over ``n²``
rows: ``K̃ q`` and ``pᵀ Ṽ``, both bound by memory bandwidth. OpenBLAS's ``dgemv`` on
these tall, narrow (``d`` = 64) matrices reads about 9 GB/s a core, and its
``pᵀ Ṽ`` form about 6 GB/s; the loops of :func:`row_dots_into` and
:func:`add_weighted_rows` (one row at a time, vectorised along ``d``) read what the
memory delivers (measured 12 GB/s on one core, 17 GB/s on two, against 9 and 14.5).
Their sums are in a different order than BLAS's, which changes the last bits only.

Without numba (not installed, or ``TENSORKV_NO_JIT=1`` in the environment) the
same functions fall back to numpy; :func:`jit_available` tells which is in use. numba is
imported, and the kernels compiled (or loaded from numba's cache), on the first call with an
array of at least :data:`MIN_JIT_SIZE` elements.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np

__all__ = ["MIN_JIT_SIZE", "add_weighted_rows", "exp_shifted_inplace", "jit_available", "row_dots_into"]

_LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 32 significant bits
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_LOG2E = 1.4426950408889634
_MIN_ARG = -708.0
_ROUND = 6755399441055744.0  # 1.5 * 2^52: adding it rounds a float64 below 2^51 to an integer


def _exp_shifted_numpy(S: np.ndarray, shift: float | np.ndarray) -> None:
    np.subtract(S, shift, out=S)
    np.exp(S, out=S)


def _compile():
    import numba

    # Contraction (FMA) and approximate-function flags only: no reassociation, which
    # would let the compiler re-order the Cody–Waite reduction and lose its accuracy.
    flags = {"contract", "nsz", "arcp", "afn"}

    @numba.njit(fastmath=flags, boundscheck=False, error_model="numpy", nogil=True, cache=True)
    def _row(s, shift, bits):
        n = s.shape[0]
        for j in range(n):
            x = s[j] - shift
            keep = x >= _MIN_ARG
            x = x if keep else _MIN_ARG
            # Round to nearest by the 1.5·2^52 trick: math.floor does not vectorise.
            k = (x * _LOG2E + _ROUND) - _ROUND
            r = (x - k * _LN2_HI) - k * _LN2_LO
            p = 1.0 / 6227020800.0
            p = p * r + 1.0 / 479001600.0
            p = p * r + 1.0 / 39916800.0
            p = p * r + 1.0 / 3628800.0
            p = p * r + 1.0 / 362880.0
            p = p * r + 1.0 / 40320.0
            p = p * r + 1.0 / 5040.0
            p = p * r + 1.0 / 720.0
            p = p * r + 1.0 / 120.0
            p = p * r + 1.0 / 24.0
            p = p * r + 1.0 / 6.0
            p = p * r + 0.5
            p = p * r + 1.0
            p = p * r + 1.0
            s[j] = p if keep else 0.0
            # int32 first: a float -> int64 conversion does not vectorise on AVX2.
            bits[j] = np.int64(np.int32(k) + np.int32(1023)) << 52
        scale = bits.view(np.float64)
        for j in range(n):
            s[j] = s[j] * scale[j]

    @numba.njit(boundscheck=False, nogil=True, cache=True)
    def _rows(S, shifts, bits):
        for i in range(S.shape[0]):
            _row(S[i], shifts[i], bits)

    # Reassociation lets the compiler vectorise the length-d reduction of each dot.
    @numba.njit(fastmath={"contract", "reassoc", "nsz"}, boundscheck=False, nogil=True, cache=True)
    def _row_dots(K, q, out):
        n, d = K.shape
        for j in range(n):
            acc = 0.0
            for l in range(d):
                acc += K[j, l] * q[l]
            out[j] = acc

    @numba.njit(fastmath={"contract", "nsz"}, boundscheck=False, nogil=True, cache=True)
    def _add_weighted_rows(p, V, num):
        n, d = V.shape
        for j in range(n):
            pj = p[j]
            for l in range(d):
                num[l] += pj * V[j, l]

    return SimpleNamespace(exp_rows=_rows, row_dots=_row_dots, add_weighted_rows=_add_weighted_rows)


def _load():
    if os.environ.get("TENSORKV_NO_JIT", "") not in ("", "0"):
        return None
    try:
        return _compile()
    except ImportError:
        return None


_UNLOADED = object()
_KERNEL: object = _UNLOADED

#: Arrays smaller than this use ``np.exp``: below it the call overhead is what counts,
#: and small steps then never pay numba's import and compilation (~1-2 s, once).
MIN_JIT_SIZE = 1 << 14


def jit_available() -> bool:
    """Whether the compiled kernel is in use (compiling it on first call)."""
    global _KERNEL
    if _KERNEL is _UNLOADED:
        _KERNEL = _load()
    return _KERNEL is not None


def exp_shifted_inplace(S: np.ndarray, shift: float | np.ndarray) -> None:
    """Replace ``S`` by ``exp(S - shift)`` in place (see the module docstring).

    Parameters
    ----------
    S : ndarray of float64, 2-D, C-contiguous
        Finite scores; after the call, their shifted exponentials.
    shift : float or ndarray of shape (S.shape[0],) or (S.shape[0], 1)
        One shift for all rows, or one per row: usually the maximum of the scores so
        far (then every result is in ``[0, 1]``).
    """
    per_row = np.ndim(shift) > 0
    if (
        S.size < MIN_JIT_SIZE
        or S.dtype != np.float64
        or S.ndim != 2
        or not S.flags.c_contiguous
        or not jit_available()
    ):
        _exp_shifted_numpy(S, np.reshape(shift, (-1, 1)) if per_row else shift)
        return
    shifts = (
        np.ascontiguousarray(np.reshape(shift, -1), dtype=np.float64)
        if per_row
        else np.full(S.shape[0], float(shift))
    )
    if shifts.shape[0] != S.shape[0]:
        raise ValueError(
            f"shift must be a scalar or hold one value per row of S ({S.shape[0]}), got {shifts.shape[0]}"
        )
    _KERNEL.exp_rows(S, shifts, np.empty(S.shape[1], dtype=np.int64))  # type: ignore[attr-defined]


def _use_jit(a: np.ndarray) -> bool:
    return a.size >= MIN_JIT_SIZE and a.dtype == np.float64 and jit_available()


def row_dots_into(K: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = K @ q`` for float64 ``K`` (n, d), ``q`` (d,), ``out`` (n,).

    Raises
    ------
    ValueError
        If the shapes do not match (the compiled loop does not check them itself).
    """
    if K.ndim != 2 or q.shape != (K.shape[1],) or out.shape != (K.shape[0],):
        raise ValueError(
            f"row_dots_into needs K (n, d), q (d,), out (n,); got {K.shape}, {q.shape}, {out.shape}"
        )
    if _use_jit(K) and q.dtype == out.dtype == np.float64:
        _KERNEL.row_dots(K, q, out)  # type: ignore[attr-defined]
    else:
        np.matmul(K, q, out=out)


def add_weighted_rows(p: np.ndarray, V: np.ndarray, num: np.ndarray) -> None:
    """``num += p @ V`` for float64 ``p`` (n,), ``V`` (n, d), ``num`` (d,), in place."""
    if V.ndim != 2 or p.shape != (V.shape[0],) or num.shape != (V.shape[1],):
        raise ValueError(
            f"add_weighted_rows needs p (n,), V (n, d), num (d,); got {p.shape}, {V.shape}, {num.shape}"
        )
    if _use_jit(V) and p.dtype == num.dtype == np.float64:
        _KERNEL.add_weighted_rows(p, V, num)  # type: ignore[attr-defined]
    else:
        num += p @ V
