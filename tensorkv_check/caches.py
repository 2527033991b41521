"""Streaming tensor-attention decoders with memory and time accounting.

Implements the two caching schemes of Chen et al. 2025 (arXiv 2503.11108):

* :class:`FourCacheDecoder`, Definition 3.7: stores K1, K2, V1, V2 (4·i·d numbers) and
  answers a query with the decode identity of Definition 3.6 (two matrix products,
  about 4·i²·d flops, no n²×d matrix).
* :class:`TwoCacheDecoder`, Definition 3.8: stores the products K̃ = K1⊘K2 and
  Ṽ = V1⊘V2 (2·i²·d numbers); a step is standard attention over the i² rows.
* :class:`NaiveFourCacheDecoder`: the four caches, rebuilding K1⊘K2 and V1⊘V2 at every
  step as Figure 1 of the paper describes; the baseline of Remark 3.9.

Memory is measured from the arrays: ``memory_bytes`` is the ``nbytes`` of the live
cache contents (what the paper counts), ``allocated_bytes`` the capacity of the
growable buffers behind them (at most twice as large, the documented constant-factor
overhead of amortised O(1) appends). Time is accounted by an exact flop count of the
method each decoder uses (see :func:`four_cache_flops` and friends).
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._validation import as_float_array, check_positive_scale, same_width
from tensorkv_check.attention import (
    DEFAULT_BLOCK_BYTES,
    _attention,
    _kron,
    _tensor_attention,
)

__all__ = [
    "RowBuffer",
    "FourCacheDecoder",
    "TwoCacheDecoder",
    "NaiveFourCacheDecoder",
    "four_cache_flops",
    "two_cache_flops",
    "naive_four_cache_flops",
]


def four_cache_flops(n: int, d: int) -> int:
    """Flops of one four-cache query over ``n`` tokens through the decode identity.

    Counts each multiply, add, compare, exp and divide as one flop:
    ``A = K1 ∘ (c q)``: n·d + d; ``S = A K2^T``: 2n²d; max, shift, exp: 3n²;
    ``[P V2 | P 1]``: 2n²(d+1); ``1^T((P V2) ∘ V1)``: 2n·d; the final division: d.
    The leading term is the paper's 4·n²·d (Figure 1: O(i²d) per step).
    """
    return 4 * n * n * d + 5 * n * n + 3 * n * d + 2 * d


def two_cache_flops(n: int, d: int) -> int:
    """Flops of one two-cache query over ``n`` tokens (``n²`` stored rows).

    ``K̃ (c q)``: 2n²d + d; max, shift, exp, sum: 4n²; ``P^T Ṽ``: 2n²d; division: d.
    """
    return 4 * n * n * d + 4 * n * n + 2 * d


def naive_four_cache_flops(n: int, d: int) -> int:
    """Flops of one query that first rebuilds ``K1⊘K2`` and ``V1⊘V2`` (2n²d products)."""
    return 2 * n * n * d + two_cache_flops(n, d)


class RowBuffer:
    """A growable float64 matrix of fixed width with amortised O(1) row appends.

    The capacity doubles when full, so appending ``t`` rows one by one copies O(t)
    rows in total (never ``np.vstack`` per token).
    """

    def __init__(self, width: int, capacity: int = 16) -> None:
        self._data = np.empty((max(1, capacity), width))
        self._size = 0

    def append(self, rows: np.ndarray) -> None:
        """Append a (t, width) block of rows."""
        t = rows.shape[0]
        if self._size + t > self._data.shape[0]:
            new_cap = max(2 * self._data.shape[0], self._size + t)
            grown = np.empty((new_cap, self._data.shape[1]))
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : self._size + t] = rows
        self._size += t

    @property
    def view(self) -> np.ndarray:
        """The live rows, a view (no copy) of shape (size, width)."""
        return self._data[: self._size]

    def __len__(self) -> int:
        return self._size

    @property
    def allocated_bytes(self) -> int:
        return self._data.nbytes


def _token_rows(name: str, value: object, d: int | None) -> np.ndarray:
    """One token (d,) or a block of tokens (t, d) as a finite float64 (t, d) array."""
    arr = as_float_array(name, value, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if d is not None:
        same_width(d, **{name: arr})
    return arr


class _Decoder:
    """Shared plumbing: head dimension, scale, query validation and flop accounting."""

    def __init__(self, d: int | None = None, scale: float | None = None) -> None:
        if d is not None:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
                raise ValueError(f"d must be a positive integer, got {d!r}")
            d = int(d)
        self._d = d
        self._scale_arg = scale
        if scale is not None:
            check_positive_scale(scale, 1)
        self.total_flops = 0
        self.last_step_flops = 0

    @property
    def d(self) -> int | None:
        """Head dimension, fixed by the constructor or the first appended token."""
        return self._d

    @property
    def scale(self) -> float:
        if self._d is None:
            raise ValueError("scale is undefined until d is known; append a token first")
        return check_positive_scale(self._scale_arg, self._d)

    def _fix_d(self, d: int) -> None:
        if self._d is None:
            self._d = d

    def _check_query(self, q: object) -> np.ndarray:
        if self.n_tokens == 0:
            raise ValueError("cannot query an empty cache: append at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._d, q=q)
        return q

    def _account(self, q: np.ndarray, per_query: int) -> None:
        m = 1 if q.ndim == 1 else q.shape[0]
        self.last_step_flops = per_query * m
        self.total_flops += self.last_step_flops

    @property
    def n_tokens(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError


class FourCacheDecoder(_Decoder):
    """Four-cache tensor-attention decoder (Definition 3.7).

    Holds K1, K2, V1, V2 for the tokens seen so far (``4·i·d`` float64 numbers) and
    answers a query exactly through the decode identity ``1^T((P V2) ∘ V1)``.

    Parameters
    ----------
    d : int, optional
        Head dimension; if omitted it is fixed by the first appended token.
    scale : float, optional
        Logit scale, ``None`` for ``1/d``.
    block_bytes : int, optional
        Row-block budget of the streaming softmax (see :func:`tensor_attention`).

    Examples
    --------
    >>> dec = FourCacheDecoder(d=2)
    >>> dec.append([1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 1.0])
    >>> dec.query([0.5, 0.5])
    array([1., 2.])
    >>> dec.memory_bytes == 4 * 1 * 2 * 8
    True
    """

    def __init__(
        self, d: int | None = None, scale: float | None = None, *, block_bytes: int = DEFAULT_BLOCK_BYTES
    ) -> None:
        super().__init__(d, scale)
        self._block_bytes = block_bytes
        self._bufs: dict[str, RowBuffer] | None = None

    def append(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append one token (each argument of shape (d,)) or a block of t tokens ((t, d))."""
        rows = {"k1": _token_rows("k1", k1, self._d)}
        d = rows["k1"].shape[1]
        for name, value in (("k2", k2), ("v1", v1), ("v2", v2)):
            rows[name] = _token_rows(name, value, d)
            if rows[name].shape[0] != rows["k1"].shape[0]:
                raise ValueError(f"{name} has {rows[name].shape[0]} tokens but k1 has {rows['k1'].shape[0]}")
        self._fix_d(d)
        if self._bufs is None:
            self._bufs = {name: RowBuffer(d) for name in rows}
        for name, block in rows.items():
            self._bufs[name].append(block)

    @property
    def n_tokens(self) -> int:
        return 0 if self._bufs is None else len(self._bufs["k1"])

    def caches(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Views of (K1, K2, V1, V2), each of shape (i, d)."""
        if self._bufs is None:
            raise ValueError("the cache is empty")
        b = self._bufs
        return b["k1"].view, b["k2"].view, b["v1"].view, b["v2"].view

    @property
    def memory_bytes(self) -> int:
        """Bytes of the live caches: exactly ``4·i·d·8``."""
        return 0 if self._bufs is None else sum(b.view.nbytes for b in self._bufs.values())

    @property
    def allocated_bytes(self) -> int:
        """Bytes allocated by the growable buffers (≤ 2·memory_bytes once i ≥ 16)."""
        return 0 if self._bufs is None else sum(b.allocated_bytes for b in self._bufs.values())

    def query(self, q: np.ndarray) -> np.ndarray:
        """Tensor attention of ``q`` ((d,) or (m, d)) over all tokens so far."""
        q = self._check_query(q)
        K1, K2, V1, V2 = self.caches()
        out = _tensor_attention(q, K1, K2, V1, V2, self.scale, self._block_bytes)
        self._account(q, four_cache_flops(self.n_tokens, self._d))
        return out


class NaiveFourCacheDecoder(FourCacheDecoder):
    """Four caches, but every query rebuilds ``K1⊘K2`` and ``V1⊘V2`` (Figure 1).

    The persistent memory is the same ``4·i·d·8`` bytes as :class:`FourCacheDecoder`;
    each step transiently allocates ``2·i²·d·8`` bytes for the products. Used as the
    baseline of Remark 3.9 and as an independent second implementation in tests.
    """

    def query(self, q: np.ndarray) -> np.ndarray:
        q = self._check_query(q)
        K1, K2, V1, V2 = self.caches()
        out = _attention(q, _kron(K1, K2), _kron(V1, V2), self.scale)
        self._account(q, naive_four_cache_flops(self.n_tokens, self._d))
        return out


class TwoCacheDecoder(_Decoder):
    """Two-cache tensor-attention decoder (Definition 3.8).

    Stores the Kronecker rows ``K̃ = K1⊘K2`` and ``Ṽ = V1⊘V2``: ``2·i²·d`` numbers after
    ``i`` tokens. A query is standard attention over the ``i²`` stored rows.

    :meth:`append` takes factor rows and appends the ``2i+1`` new product rows of token
    ``i+1``: pairs ``(i+1, k)`` for ``k = 1..i+1``, then ``(j, i+1)`` for ``j = 1..i``.
    This append order differs from :func:`kron`'s row order; the output does not depend
    on it because keys and values share it. To form the new rows the decoder must also
    keep the factor rows seen so far [inferred: Definition 3.8 counts only the
    products]; they are held separately and reported as ``factor_bytes``, so that
    ``memory_bytes`` is exactly the paper's ``2·i²·d·8``.

    :meth:`append_rows` appends arbitrary rows of ``K̃`` and ``Ṽ`` (the "free rows" model
    of thm:two-cache-lb's reduction); a decoder fed that way keeps no factors.

    Examples
    --------
    >>> dec = TwoCacheDecoder(d=2)
    >>> dec.append([1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 1.0])
    >>> dec.append([0.0, 1.0], [1.0, 1.0], [3.0, 4.0], [1.0, 1.0])
    >>> dec.n_rows, dec.memory_bytes == 2 * 2**2 * 2 * 8
    (4, True)
    """

    def __init__(self, d: int | None = None, scale: float | None = None) -> None:
        super().__init__(d, scale)
        self._kt: RowBuffer | None = None
        self._vt: RowBuffer | None = None
        self._factors: dict[str, RowBuffer] | None = None
        self._mode: str | None = None  # "factors" or "rows": the two feeds do not mix

    def _ensure(self, d: int, mode: str) -> None:
        if self._mode is not None and self._mode != mode:
            raise ValueError(
                "this TwoCacheDecoder was fed with "
                f"{'append' if self._mode == 'factors' else 'append_rows'}; "
                "append and append_rows cannot be mixed on one decoder"
            )
        self._mode = mode
        self._fix_d(d)
        if self._kt is None:
            self._kt, self._vt = RowBuffer(d), RowBuffer(d)

    def append(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append one token given by its factor rows, each of shape (d,)."""
        k1 = _token_rows("k1", k1, self._d)
        d = k1.shape[1]
        k2, v1, v2 = (_token_rows(n, x, d) for n, x in (("k2", k2), ("v1", v1), ("v2", v2)))
        for name, arr in (("k1", k1), ("k2", k2), ("v1", v1), ("v2", v2)):
            if arr.shape[0] != 1:
                raise ValueError(f"{name} must be a single token of shape (d,), got {arr.shape}")
        self._ensure(d, "factors")
        if self._factors is None:
            self._factors = {name: RowBuffer(d) for name in ("k1", "k2", "v1", "v2")}
        f = self._factors
        for name, arr in (("k1", k1), ("k2", k2), ("v1", v1), ("v2", v2)):
            f[name].append(arr)
        K1, K2, V1, V2 = f["k1"].view, f["k2"].view, f["v1"].view, f["v2"].view
        # New pairs: (new, k) for all k including new, then (j, new) for older j.
        self._kt.append(np.concatenate([k1 * K2, K1[:-1] * k2]))
        self._vt.append(np.concatenate([v1 * V2, V1[:-1] * v2]))

    def append_rows(self, kt_rows: np.ndarray, vt_rows: np.ndarray) -> None:
        """Append free rows of ``K̃`` and ``Ṽ`` (shape (d,) or (t, d) each)."""
        kt = _token_rows("kt_rows", kt_rows, self._d)
        vt = _token_rows("vt_rows", vt_rows, kt.shape[1])
        if kt.shape[0] != vt.shape[0]:
            raise ValueError(f"kt_rows has {kt.shape[0]} rows but vt_rows has {vt.shape[0]}")
        self._ensure(kt.shape[1], "rows")
        self._kt.append(kt)
        self._vt.append(vt)

    @property
    def n_tokens(self) -> int:
        """Tokens appended through :meth:`append` (0 when fed by :meth:`append_rows`)."""
        return 0 if self._factors is None else len(self._factors["k1"])

    @property
    def n_rows(self) -> int:
        """Stored product rows (``i²`` when fed token by token)."""
        return 0 if self._kt is None else len(self._kt)

    def products(self) -> tuple[np.ndarray, np.ndarray]:
        """Views of (K̃, Ṽ), each of shape (n_rows, d), in append order."""
        if self._kt is None:
            raise ValueError("the cache is empty")
        return self._kt.view, self._vt.view

    @property
    def memory_bytes(self) -> int:
        """Bytes of the live product caches: exactly ``2·i²·d·8`` (``2·rows·d·8``)."""
        return 0 if self._kt is None else self._kt.view.nbytes + self._vt.view.nbytes

    @property
    def factor_bytes(self) -> int:
        """Bytes of the factor rows kept to extend the products (``4·i·d·8``)."""
        return 0 if self._factors is None else sum(b.view.nbytes for b in self._factors.values())

    @property
    def allocated_bytes(self) -> int:
        """All bytes allocated by the growable buffers, products and factors."""
        bufs = [] if self._kt is None else [self._kt, self._vt]
        bufs += [] if self._factors is None else list(self._factors.values())
        return sum(b.allocated_bytes for b in bufs)

    def _check_query(self, q: object) -> np.ndarray:
        if self.n_rows == 0:
            raise ValueError("cannot query an empty cache: append at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._d, q=q)
        return q

    def query(self, q: np.ndarray) -> np.ndarray:
        """Standard attention of ``q`` ((d,) or (m, d)) over the stored product rows."""
        q = self._check_query(q)
        Kt, Vt = self.products()
        out = _attention(q, Kt, Vt, self.scale)
        rows, d = Kt.shape
        # two_cache_flops is written for n tokens (n² rows): 4·rows·d + 4·rows + 2d.
        self._account(q, 4 * rows * d + 4 * rows + 2 * d)
        return out
