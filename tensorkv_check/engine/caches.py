"""Streaming tensor-attention decoders with memory and time accounting.

Implements the two caching schemes of Chen et al. 2025 (arXiv 2503.11108):

* :class:`FourCacheDecoder`, Definition 3.7: stores K1, K2, V1, V2 (4·i·d numbers) and
  answers a query with the decode identity of Definition 3.6 (two matrix products,
  about 4·i²·d flops, no n²×d matrix).
* :class:`TwoCacheDecoder`, Definition 3.8: stores the products K̃ = K1⊘K2 and
  Ṽ = V1⊘V2 (2·i²·d numbers); a step is standard attention over the i² rows.
* :class:`NaiveFourCacheDecoder`: the four caches, rebuilding K1⊘K2 and V1⊘V2 at every
  step as Figure 1 of the paper describes; the baseline of Remark 3.9.
* :class:`StandardDecoder`: the standard-attention KV cache of Haris and Onak 2025
  (keys and values, 2·i·d numbers), the algorithm of thm:ho25-lb's reduction.

Every decoder implements the cache-algorithm protocol of :mod:`tensorkv_check.engine.protocol`
(``inputs``, ``ingest``, ``to_bytes``, ``from_bytes``, batched ``query``) used by the
Index reductions of :mod:`tensorkv_check.index.reduction`.

Memory is measured from the arrays: ``memory_bytes`` is the ``nbytes`` of the live
cache contents (what the paper counts), ``allocated_bytes`` the capacity of the
growable buffers behind them (at most twice as large, the documented constant-factor
overhead of amortised O(1) appends). Time is accounted by an exact flop count of the
method each decoder uses (see :func:`four_cache_flops` and friends).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tensorkv_check._util.validation import as_float_array, check_int, check_positive_scale, same_width
from tensorkv_check.engine.exact_attention import (
    DEFAULT_BLOCK_BYTES,
    _attention,
    _kron,
    _tensor_attention,
)
from tensorkv_check.engine.protocol import HeadDimScale, pack_state, unpack_state

__all__ = [
    "RowBuffer",
    "BufferGroup",
    "FACTOR_NAMES",
    "token_blocks",
    "StandardDecoder",
    "standard_flops",
    "FourCacheDecoder",
    "TwoCacheDecoder",
    "NaiveFourCacheDecoder",
    "four_cache_flops",
    "two_cache_flops",
    "naive_four_cache_flops",
]


#: Names of the four factor caches of a tensor-attention token, in argument order.
FACTOR_NAMES = ("k1", "k2", "v1", "v2")


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


def standard_flops(n: int, d: int) -> int:
    """Flops of one standard-attention query over ``n`` tokens.

    ``K (c q)``: 2nd + d; max, shift, exp, sum: 4n; ``P^T V``: 2nd; division: d.
    """
    return 4 * n * d + 4 * n + 2 * d


class RowBuffer:
    """A growable float64 matrix of fixed width with amortised O(1) row appends.

    The capacity doubles when full, so appending ``t`` rows one by one copies O(t)
    rows in total (never ``np.vstack`` per token).
    """

    def __init__(self, width: int, capacity: int = 16) -> None:
        self._data = np.empty((max(1, capacity), width))
        self._size = 0

    def append(self, rows: np.ndarray) -> None:
        """Append a (t, width) block of rows.

        Raises
        ------
        ValueError
            If ``rows`` is not 2-D with this buffer's width (a 1-D row would otherwise
            be broadcast into ``width`` rows).
        """
        rows = np.asarray(rows)
        if rows.ndim != 2 or rows.shape[1] != self._data.shape[1]:
            raise ValueError(f"rows must have shape (t, {self._data.shape[1]}), got {rows.shape}")
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


class BufferGroup:
    """Named :class:`RowBuffer` s of one width that grow together (the caches of a decoder).

    Created empty; the first :meth:`append` fixes the width. ``len`` is the common row
    count; :meth:`views` returns the live rows of each buffer in the order of ``names``.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = tuple(names)
        self._bufs: dict[str, RowBuffer] | None = None

    @classmethod
    def of(cls, names: tuple[str, ...], arrays: list[np.ndarray]) -> BufferGroup:
        """A group holding ``arrays`` (rows of the same width), sized exactly."""
        g = cls(names)
        g._bufs = {n: RowBuffer(a.shape[1], len(a)) for n, a in zip(names, arrays)}
        g.append(dict(zip(names, arrays)))
        return g

    def append(self, blocks: dict[str, np.ndarray]) -> None:
        """Append one (t, width) block to each buffer (validated by the caller)."""
        if self._bufs is None:
            width = next(iter(blocks.values())).shape[1]
            self._bufs = {n: RowBuffer(width) for n in self.names}
        for n in self.names:
            self._bufs[n].append(blocks[n])

    @property
    def empty(self) -> bool:
        return self._bufs is None

    def __len__(self) -> int:
        return 0 if self._bufs is None else len(self._bufs[self.names[0]])

    def views(self) -> tuple[np.ndarray, ...]:
        """The live rows of each buffer; raises ``ValueError`` while empty."""
        if self._bufs is None:
            raise ValueError("the cache is empty")
        return tuple(self._bufs[n].view for n in self.names)

    @property
    def memory_bytes(self) -> int:
        """Bytes of the live rows."""
        return 0 if self._bufs is None else sum(b.view.nbytes for b in self._bufs.values())

    @property
    def allocated_bytes(self) -> int:
        """Bytes allocated by the growable buffers."""
        return 0 if self._bufs is None else sum(b.allocated_bytes for b in self._bufs.values())


def token_blocks(names: tuple[str, ...], values: tuple, d: int | None) -> dict[str, np.ndarray]:
    """Validate one token or a block of tokens per name: finite float64 (t, d), same t."""
    first = _token_rows(names[0], values[0], d)
    out = {names[0]: first}
    for name, value in zip(names[1:], values[1:]):
        out[name] = _token_rows(name, value, first.shape[1])
        if out[name].shape[0] != first.shape[0]:
            raise ValueError(f"{name} has {out[name].shape[0]} tokens but {names[0]} has {first.shape[0]}")
    return out


def _token_rows(name: str, value: object, d: int | None) -> np.ndarray:
    """One token (d,) or a block of tokens (t, d) as a finite float64 (t, d) array."""
    arr = as_float_array(name, value, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if d is not None:
        same_width(d, **{name: arr})
    return arr


class _Decoder(HeadDimScale):
    """Shared plumbing: head dimension, scale, query validation and flop accounting."""

    def __init__(self, d: int | None = None, scale: float | None = None) -> None:
        self._d = None if d is None else check_int("d", d, minimum=1)
        self._scale_arg = scale
        if scale is not None:
            check_positive_scale(scale, 1)
        self.total_flops = 0
        self.last_step_flops = 0

    @property
    def _width(self) -> int:
        """The head dimension, known from the constructor or the first token."""
        if self._d is None:
            raise ValueError("the head dimension d is not known yet: append a token first")
        return self._d

    def _fix_d(self, d: int) -> None:
        if self._d is None:
            self._d = d

    def _check_query(self, q: object) -> np.ndarray:
        if self.n_tokens == 0:
            raise ValueError("cannot query an empty cache: append at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._width, q=q)
        return q

    def _account(self, q: np.ndarray, per_query: int) -> None:
        m = 1 if q.ndim == 1 else q.shape[0]
        self.last_step_flops = per_query * m
        self.total_flops += self.last_step_flops

    @property
    def n_tokens(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _bytes_scale(self) -> float | None:
        """The scale written by ``to_bytes``: the effective one once ``d`` is known."""
        return self.scale if self._d is not None else self._scale_arg


class _CacheDecoder(_Decoder):
    """A decoder whose whole state is a :class:`BufferGroup` of caches named ``_NAMES``.

    Shared by the standard and four-cache decoders: validated appends, the cache views,
    memory accounting and the protocol's byte round trip.
    """

    _NAMES: ClassVar[tuple[str, ...]] = ()
    _KIND: ClassVar[str] = ""

    def __init__(
        self, d: int | None = None, scale: float | None = None, *, block_bytes: int = DEFAULT_BLOCK_BYTES
    ) -> None:
        super().__init__(d, scale)
        block_bytes = check_int("block_bytes", block_bytes, minimum=1)
        self._block_bytes = int(block_bytes)
        self._bufs = BufferGroup(self._NAMES)

    def _append(self, values: tuple) -> None:
        rows = token_blocks(self._NAMES, values, self._d)
        self._fix_d(rows[self._NAMES[0]].shape[1])
        self._bufs.append(rows)

    @property
    def n_tokens(self) -> int:
        return len(self._bufs)

    def caches(self) -> tuple[np.ndarray, ...]:
        """Views of the caches (in ``_NAMES`` order), each of shape (i, d)."""
        return self._bufs.views()

    @property
    def memory_bytes(self) -> int:
        """Bytes of the live caches: exactly ``len(_NAMES)·i·d·8``."""
        return self._bufs.memory_bytes

    @property
    def allocated_bytes(self) -> int:
        """Bytes allocated by the growable buffers (≤ 2·memory_bytes once i ≥ 16)."""
        return self._bufs.allocated_bytes

    def to_bytes(self) -> bytes:
        """The caches in :mod:`tensorkv_check.engine.protocol`'s format: exactly
        ``32 + a·8 + a·i·d·8`` bytes for ``a`` caches after ``i`` tokens. ``block_bytes``
        is a tuning knob, not state, and is not sent."""
        arrays = [] if self._bufs.empty else list(self.caches())
        return pack_state(self._KIND, self._d, self._bytes_scale(), arrays)

    @classmethod
    def from_bytes(cls, data: bytes):
        """Rebuild a decoder from :meth:`to_bytes` output (and nothing else)."""
        d, scale, _, arrays = unpack_state(cls._KIND, data)
        dec = cls(d, scale)
        if arrays:
            if len(arrays) != len(cls._NAMES):
                raise ValueError(f"a {cls._KIND} state holds {len(cls._NAMES)} arrays, got {len(arrays)}")
            if arrays[0].shape[0] > 0:
                dec._append(tuple(arrays))
        return dec


class FourCacheDecoder(_CacheDecoder):
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
        super().__init__(d, scale, block_bytes=block_bytes)

    def append(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append one token (each argument of shape (d,)) or a block of t tokens ((t, d))."""
        self._append((k1, k2, v1, v2))

    def query(self, q: np.ndarray) -> np.ndarray:
        """Tensor attention of ``q`` ((d,) or (m, d)) over all tokens so far."""
        q = self._check_query(q)
        K1, K2, V1, V2 = self.caches()
        out = _tensor_attention(q, K1, K2, V1, V2, self.scale, self._block_bytes)
        self._account(q, four_cache_flops(self.n_tokens, self._width))
        return out

    # -- cache-algorithm protocol (tensorkv_check.engine.protocol) ---------------------------

    #: Input kinds of the protocol: tensor-attention tokens (k1, k2, v1, v2).
    inputs = frozenset({"factors"})
    _KIND = "FourCacheDecoder"
    _NAMES = FACTOR_NAMES

    def ingest(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Protocol ingest: a block of ``t`` tokens, each argument of shape (t, d) (or (d,))."""
        self.append(k1, k2, v1, v2)


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
        self._account(q, naive_four_cache_flops(self.n_tokens, self._width))
        return out

    _KIND = "NaiveFourCacheDecoder"


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
        self._factors = BufferGroup(FACTOR_NAMES)
        self._mode: str | None = None  # "factors" or "rows": the two feeds do not mix

    def _ensure(self, d: int, mode: str) -> tuple[RowBuffer, RowBuffer]:
        if self._mode is not None and self._mode != mode:
            raise ValueError(
                "this TwoCacheDecoder was fed with "
                f"{'append' if self._mode == 'factors' else 'append_rows'}; "
                "append and append_rows cannot be mixed on one decoder"
            )
        self._mode = mode
        self._fix_d(d)
        if self._kt is None or self._vt is None:
            self._kt, self._vt = RowBuffer(d), RowBuffer(d)
        return self._kt, self._vt

    def append(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append one token given by its factor rows, each of shape (d,)."""
        tok: dict[str, np.ndarray] = {}
        width = self._d
        for name, value in zip(FACTOR_NAMES, (k1, k2, v1, v2)):
            tok[name] = arr = _token_rows(name, value, width)
            if arr.shape[0] != 1:
                raise ValueError(f"{name} must be a single token of shape (d,), got {arr.shape}")
            width = arr.shape[1]
        k1, k2, v1, v2 = tok.values()
        d = k1.shape[1]
        kt_buf, vt_buf = self._ensure(d, "factors")
        empty = np.empty((0, d))
        K1, K2, V1, V2 = (empty,) * 4 if self._factors.empty else self._factors.views()
        # New pairs: (new, k) for all k including new, then (j, new) for older j.
        # Everything is computed and checked before any buffer changes, so a rejected
        # token leaves the decoder as it was.
        with np.errstate(over="ignore"):
            kt = np.concatenate([k1 * np.concatenate([K2, k2]), K1 * k2])
            vt = np.concatenate([v1 * np.concatenate([V2, v2]), V1 * v2])
        for name, rows in (("key", kt), ("value", vt)):
            if not np.isfinite(rows).all():
                raise ValueError(
                    f"the new {name} product rows overflow float64 (entries of the two "
                    f"factors multiply past ~1.8e308); rescale the inputs"
                )
        self._factors.append(tok)
        kt_buf.append(kt)
        vt_buf.append(vt)

    def append_rows(self, kt_rows: np.ndarray, vt_rows: np.ndarray) -> None:
        """Append free rows of ``K̃`` and ``Ṽ`` (shape (d,) or (t, d) each)."""
        kt = _token_rows("kt_rows", kt_rows, self._d)
        vt = _token_rows("vt_rows", vt_rows, kt.shape[1])
        if kt.shape[0] != vt.shape[0]:
            raise ValueError(f"kt_rows has {kt.shape[0]} rows but vt_rows has {vt.shape[0]}")
        kt_buf, vt_buf = self._ensure(kt.shape[1], "rows")
        kt_buf.append(kt)
        vt_buf.append(vt)

    @property
    def n_tokens(self) -> int:
        """Tokens appended through :meth:`append` (0 when fed by :meth:`append_rows`)."""
        return len(self._factors)

    @property
    def n_rows(self) -> int:
        """Stored product rows (``i²`` when fed token by token)."""
        return 0 if self._kt is None else len(self._kt)

    def products(self) -> tuple[np.ndarray, np.ndarray]:
        """Views of (K̃, Ṽ), each of shape (n_rows, d), in append order."""
        if self._kt is None or self._vt is None:
            raise ValueError("the cache is empty")
        return self._kt.view, self._vt.view

    @property
    def memory_bytes(self) -> int:
        """Bytes of the live product caches: exactly ``2·i²·d·8`` (``2·rows·d·8``)."""
        if self._kt is None or self._vt is None:
            return 0
        return self._kt.view.nbytes + self._vt.view.nbytes

    @property
    def factor_bytes(self) -> int:
        """Bytes of the factor rows kept to extend the products (``4·i·d·8``)."""
        return self._factors.memory_bytes

    @property
    def allocated_bytes(self) -> int:
        """All bytes allocated by the growable buffers, products and factors."""
        products = 0
        if self._kt is not None and self._vt is not None:
            products = self._kt.allocated_bytes + self._vt.allocated_bytes
        return products + self._factors.allocated_bytes

    def _check_query(self, q: object) -> np.ndarray:
        if self.n_rows == 0:
            raise ValueError("cannot query an empty cache: append at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._width, q=q)
        return q

    #: Logits of one :meth:`query` call that :meth:`batch_for` allows (128 MiB).
    BATCH_ENTRIES = 1 << 24

    def batch_for(self, m: int) -> int:
        """The most queries one :meth:`query` call may take in place of calls of ``m``
        (protocol's optional ``batch_for``): as many as keep its ``(batch, rows)`` logits
        within :data:`BATCH_ENTRIES`. Every query goes through the same max-shifted softmax
        over all rows whatever the batch; BLAS may order a product's sums differently for
        another number of queries, which moves an output by rounding only."""
        return max(m, self.BATCH_ENTRIES // max(1, self.n_rows))

    def query(self, q: np.ndarray) -> np.ndarray:
        """Standard attention of ``q`` ((d,) or (m, d)) over the stored product rows."""
        q = self._check_query(q)
        Kt, Vt = self.products()
        out = _attention(q, Kt, Vt, self.scale)
        rows, d = Kt.shape
        # two_cache_flops is written for n tokens (n² rows): 4·rows·d + 4·rows + 2d.
        self._account(q, 4 * rows * d + 4 * rows + 2 * d)
        return out

    # -- cache-algorithm protocol (tensorkv_check.engine.protocol) ---------------------------

    #: Input kinds of the protocol: factor tokens (k1, k2, v1, v2) through
    #: :meth:`append`, or free rows (k̃, ṽ) through :meth:`append_rows`.
    inputs = frozenset({"factors", "rows"})
    _KIND = "TwoCacheDecoder"
    _MODE_FLAGS = {None: 0, "factors": 1, "rows": 2}

    def ingest(self, *blocks: np.ndarray) -> None:
        """Protocol ingest: ``ingest(k1, k2, v1, v2)`` with (t, d) blocks of factor tokens
        (appended one token at a time, :meth:`append`), or ``ingest(kt, vt)`` with
        (t, d) blocks of free rows (:meth:`append_rows`)."""
        if len(blocks) == 4:
            k1, k2, v1, v2 = (_token_rows(n, b, self._d) for n, b in zip(("k1", "k2", "v1", "v2"), blocks))
            t = k1.shape[0]
            for name, arr in (("k2", k2), ("v1", v1), ("v2", v2)):
                if arr.shape[0] != t:
                    raise ValueError(f"{name} has {arr.shape[0]} tokens but k1 has {t}")
            for i in range(t):
                self.append(k1[i], k2[i], v1[i], v2[i])
        elif len(blocks) == 2:
            self.append_rows(*blocks)
        else:
            raise TypeError(f"ingest takes 4 blocks (k1, k2, v1, v2) or 2 blocks (kt, vt), got {len(blocks)}")

    def to_bytes(self) -> bytes:
        """The product caches (and, when fed by :meth:`append`, the factor rows).

        Layout (:mod:`tensorkv_check.engine.protocol`): flags = feed mode (0 empty,
        1 factors, 2 rows); arrays K̃, Ṽ, then K1, K2, V1, V2 in factor mode. So the
        message is ``32 + 2·8 + 2·rows·d·8`` bytes for free rows and
        ``32 + 6·8 + (2·i²·d + 4·i·d)·8`` bytes after ``i`` factor tokens: the factors
        are what the decoder needs to extend the products, so they are part of its
        memory and are sent (``factor_bytes``, reported apart from ``memory_bytes``).
        """
        arrays: list[np.ndarray] = []
        if self._kt is not None:
            arrays += list(self.products())
        if not self._factors.empty:
            arrays += list(self._factors.views())
        return pack_state(self._KIND, self._d, self._bytes_scale(), arrays, self._MODE_FLAGS[self._mode])

    @classmethod
    def from_bytes(cls, data: bytes) -> TwoCacheDecoder:
        """Rebuild a decoder (products, factors, feed mode) from :meth:`to_bytes` output."""
        d, scale, flags, arrays = unpack_state(cls._KIND, data)
        modes = {v: k for k, v in cls._MODE_FLAGS.items()}
        if flags not in modes:
            raise ValueError(f"unknown TwoCacheDecoder feed mode flag {flags}")
        mode = modes[flags]
        expected = {None: 0, "rows": 2, "factors": 6}[mode]
        if len(arrays) != expected:
            raise ValueError(
                f"a TwoCacheDecoder state in mode {mode!r} holds {expected} arrays, got {len(arrays)}"
            )
        dec = cls(d, scale)
        if mode is None:
            return dec
        dec._mode = mode
        width = arrays[0].shape[1]
        dec._kt, dec._vt = RowBuffer(width, len(arrays[0])), RowBuffer(width, len(arrays[1]))
        dec._kt.append(arrays[0])
        dec._vt.append(arrays[1])
        if mode == "factors":
            dec._factors = BufferGroup.of(FACTOR_NAMES, arrays[2:])
        return dec


class StandardDecoder(_CacheDecoder):
    """Standard-attention KV cache: keys and values, ``2·i·d`` numbers after ``i`` tokens.

    The algorithm of the reduction of thm:ho25-lb (Haris and Onak 2025): a query is
    ``softmax(K q · scale)^T V`` over every token so far, computed exactly. A batch of
    ``m`` queries is answered in chunks whose ``(chunk, i)`` logit block stays within
    ``block_bytes``.

    Parameters
    ----------
    d : int, optional
        Head dimension; if omitted it is fixed by the first appended token.
    scale : float, optional
        Logit scale, ``None`` for ``1/d`` (the engine's default).
    block_bytes : int, optional
        Budget of one chunk of logits.

    Examples
    --------
    >>> dec = StandardDecoder(d=2, scale=1.0)
    >>> dec.append([[50.0, 0.0], [0.0, 50.0]], [[1.0, 0.0], [0.0, 1.0]])
    >>> dec.query([[1.0, 0.0], [0.0, 1.0]]).round(6)
    array([[1., 0.],
           [0., 1.]])
    >>> StandardDecoder.from_bytes(dec.to_bytes()).caches()[1].tolist()
    [[1.0, 0.0], [0.0, 1.0]]

    References
    ----------
    Haris and Onak 2025 (arXiv 2502.15955); spec thm:ho25-lb.
    """

    inputs = frozenset({"kv"})
    _KIND = "StandardDecoder"
    _NAMES = ("k", "v")
    #: Default budget of one chunk of query logits (32 MiB).
    QUERY_BLOCK_BYTES = 32 * 1024 * 1024

    def __init__(
        self, d: int | None = None, scale: float | None = None, *, block_bytes: int = QUERY_BLOCK_BYTES
    ) -> None:
        super().__init__(d, scale, block_bytes=block_bytes)

    def append(self, k: np.ndarray, v: np.ndarray) -> None:
        """Append one token (``k``, ``v`` of shape (d,)) or a block of t tokens ((t, d))."""
        self._append((k, v))

    def ingest(self, k: np.ndarray, v: np.ndarray) -> None:
        """Protocol ingest: a block of tokens, same as :meth:`append`."""
        self.append(k, v)

    def query(self, q: np.ndarray) -> np.ndarray:
        """Standard attention of ``q`` ((d,) or (m, d)) over all tokens so far."""
        q = self._check_query(q)
        K, V = self.caches()
        if q.ndim == 1:
            out = _attention(q, K, V, self.scale)
        else:
            # Chunks of queries through the engine's one batched kernel (the max-shifted
            # softmax of Definition 3.2 in exact_attention), so that the decoder and
            # :func:`~tensorkv_check.engine.exact_attention.attention_batch` give the same
            # bits and a fault in that kernel reaches every caller.
            chunk = max(1, self._block_bytes // (8 * K.shape[0]))
            out = np.empty((q.shape[0], V.shape[1]))
            for s in range(0, q.shape[0], chunk):
                out[s : s + chunk] = _attention(q[s : s + chunk], K, V, self.scale)
        self._account(q, standard_flops(self.n_tokens, self._width))
        return out
