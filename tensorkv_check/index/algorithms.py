"""Two cache algorithms that make the modelling caveat of thm:two-cache-lb concrete.

Chen et al. 2025 (arXiv 2503.11108) prove an Ω(n²d)-bit lower bound for the two-cache
scheme (Definition 3.8; spec thm:two-cache-lb). The reduction lets the ``n²`` rows of
``K̃`` and ``Ṽ`` be *free*. If they are forced to be Kronecker products
(``K̃ = K1⊘K2``, ``Ṽ = V1⊘V2``, Definition 3.1) the whole state is determined by
``4nd`` numbers, so the bound is about the two-cache *representation*, not about the
information a decoder must keep. The two algorithms here exhibit both sides:

* :class:`FactorKeepingTwoCache` keeps the factors K1, K2, V1, V2 (``4·n·d`` float64,
  ``M = 8·(32 + 4·8) + 4·n·d·64`` bits) and answers *two-cache queries*
  ``softmax(K̃ q · scale)^T Ṽ`` exactly on structured inputs. It regenerates the product
  rows block by block from the factors (it never stores ``n²`` rows), so it is also an
  implementation of Definition 3.8's query that shares no code with the decode identity
  of :func:`tensorkv_check.engine.exact_attention.tensor_attention`.
* :class:`TruncatingRowCache` ingests free rows and keeps only the first ``budget_rows``
  of them: with a budget of ``2n`` rows it holds the same ``4·n·d`` numbers as the
  factor-keeping cache, and on free rows Bob's success falls to chance for every row
  it dropped, as Fano's inequality (thm:index-lb) says it must once ``M < N``.

Both implement the protocol of :mod:`tensorkv_check.engine.protocol`.
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.validation import as_float_array, check_int, check_positive_scale, same_width
from tensorkv_check.engine.caches import FACTOR_NAMES, BufferGroup, token_blocks
from tensorkv_check.engine.protocol import HeadDimScale, pack_state, unpack_param, unpack_state

__all__ = ["FactorKeepingTwoCache", "TruncatingRowCache"]

#: Budget (float64 entries) of one block of logits in the batched queries below.
_BLOCK_ENTRIES = 1 << 22


class _RowAlgorithm(HeadDimScale):
    """Shared plumbing: ``d``, ``scale``, query validation."""

    def __init__(self, d: int | None, scale: float | None) -> None:
        self._d = None if d is None else check_int("d", d, minimum=1)
        if scale is not None:
            check_positive_scale(scale, 1)
        self._scale_arg = scale

    def _bytes_scale(self) -> float | None:
        return self.scale if self._d is not None else self._scale_arg

    def _queries(self, q: object) -> np.ndarray:
        q = as_float_array("q", q, (1, 2))
        same_width(self._known_d(), q=q)
        return q


class FactorKeepingTwoCache(_RowAlgorithm):
    """Two-cache queries answered from the four factors (thm:two-cache-lb's caveat).

    Ingests tensor-attention tokens ``(k1, k2, v1, v2)``, stores K1, K2, V1, V2, and
    answers ``softmax(K̃ q · scale)^T Ṽ`` with ``K̃ = K1⊘K2``, ``Ṽ = V1⊘V2``
    (Definitions 3.1 and 3.8) by regenerating blocks of product rows
    ``K1_j ∘ K2_k`` and ``V1_j ∘ V2_k`` and running a streaming softmax over them. On
    structured inputs it returns what :class:`~tensorkv_check.engine.caches.TwoCacheDecoder`
    returns, while sending ``32 + 4·8 + 4·n·d·8`` bytes instead of ``Θ(n²d)``.

    Parameters
    ----------
    d : int, optional
        Head dimension (fixed by the first token if omitted).
    scale : float, optional
        Logit scale, ``None`` for ``1/d``.

    Examples
    --------
    >>> alg = FactorKeepingTwoCache(2)
    >>> alg.ingest([[1.0, 0.0]], [[1.0, 1.0]], [[1.0, 2.0]], [[1.0, 1.0]])
    >>> alg.query([0.5, 0.5])
    array([1., 2.])
    >>> len(alg.to_bytes()) == 32 + 4 * 8 + 4 * 1 * 2 * 8
    True

    References
    ----------
    Chen et al. 2025, Definition 3.8 and the two-cache lower bound; spec thm:two-cache-lb
    (modelling caveat).
    """

    inputs = frozenset({"factors"})
    _KIND = "FactorKeepingTwoCache"

    def __init__(self, d: int | None = None, scale: float | None = None) -> None:
        super().__init__(d, scale)
        self._bufs = BufferGroup(FACTOR_NAMES)

    def ingest(self, k1: np.ndarray, k2: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> None:
        """Append a block of ``t`` tokens, each argument of shape (t, d) (or (d,))."""
        blocks = token_blocks(FACTOR_NAMES, (k1, k2, v1, v2), self._d)
        if self._d is None:
            self._d = blocks["k1"].shape[1]
        self._bufs.append(blocks)

    @property
    def n_tokens(self) -> int:
        return len(self._bufs)

    def factors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Views of (K1, K2, V1, V2)."""
        return self._bufs.views()  # type: ignore[return-value]

    @property
    def memory_bytes(self) -> int:
        """Bytes of the stored factors: ``4·n·d·8``."""
        return self._bufs.memory_bytes

    def query(self, q: np.ndarray) -> np.ndarray:
        """``softmax(K̃ q · scale)^T Ṽ`` for ``q`` of shape (d,) or (m, d)."""
        if self.n_tokens == 0:
            raise ValueError("cannot query an empty cache: ingest at least one token first")
        q = self._queries(q)
        single = q.ndim == 1
        Q = (q.reshape(1, -1) if single else q) * self.scale
        K1, K2, V1, V2 = self.factors()
        n1, d = K1.shape
        n2 = K2.shape[0]
        m = Q.shape[0]
        # Row block of j's: the (m, b·n2) logits and the (b·n2, d) product rows of a
        # block both stay within _BLOCK_ENTRIES.
        b = max(1, min(n1, _BLOCK_ENTRIES // (n2 * max(m, d))))
        run_max = np.full(m, -np.inf)
        num = np.zeros((m, d))
        den = np.zeros(m)
        for j0 in range(0, n1, b):
            j1 = min(n1, j0 + b)
            Kt = (K1[j0:j1, None, :] * K2[None, :, :]).reshape(-1, d)  # rows (j, k) of K1⊘K2
            Vt = (V1[j0:j1, None, :] * V2[None, :, :]).reshape(-1, d)
            S = Q @ Kt.T
            if not np.isfinite(S).all():
                raise ValueError("attention logits overflow float64; rescale the inputs")
            bmax = S.max(axis=1)
            new_max = np.maximum(run_max, bmax)
            factor = np.exp(run_max - new_max)
            num *= factor[:, None]
            den *= factor
            run_max = new_max
            E = np.exp(S - run_max[:, None])
            num += (Vt.T @ E.T).T if m < d else E @ Vt
            den += E.sum(axis=1)
        out = num / den[:, None]
        return out[0] if single else out

    def batch_for(self, m: int) -> int:
        """The most queries one :meth:`query` call may take and still do, query by query,
        the arithmetic of calls of ``m`` queries (Bob's decoding then rebuilds the product
        rows once per batch instead of once per ``m`` queries).

        The row blocks depend on ``max(m, d)`` and the orientation of the value product on
        ``m < d``; with ``m >= 2`` every other step treats each query row alone. So batches
        of ``m' `` queries with ``m <= m' < d`` do the same operations per query; BLAS may
        still sum a product in another order for another number of rows, which moves an
        output by rounding only (Bob re-asks the outputs near his threshold in plain chunks,
        :func:`tensorkv_check.index.reduction._decide`).
        """
        d = self._d or 0
        return max(m, d - 1) if 2 <= m < d else m

    def to_bytes(self) -> bytes:
        """K1, K2, V1, V2 in :mod:`tensorkv_check.engine.protocol`'s format.

        Exactly ``32 + 4·8 + 4·n·d·8`` bytes after ``n`` tokens: ``M = 4nd·64 + 512`` bits.
        """
        arrays = [] if self._bufs.empty else list(self.factors())
        return pack_state(self._KIND, self._d, self._bytes_scale(), arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> FactorKeepingTwoCache:
        """Rebuild from :meth:`to_bytes` output."""
        d, scale, _, arrays = unpack_state(cls._KIND, data)
        alg = cls(d, scale)
        if arrays:
            if len(arrays) != 4:
                raise ValueError(f"a {cls._KIND} state holds 4 arrays, got {len(arrays)}")
            if arrays[0].shape[0]:
                alg.ingest(*arrays)
        return alg


class TruncatingRowCache(_RowAlgorithm):
    """A free-row two-cache that keeps only its first ``budget_rows`` rows.

    The stand-in for "any algorithm storing O(nd) numbers" on the free-row model of
    thm:two-cache-lb: rows beyond the budget are dropped, a query is standard attention
    over the kept rows. Its message is ``32 + 2·8 + 2·kept·d·8`` bytes.

    Parameters
    ----------
    d : int, optional
        Head dimension.
    budget_rows : int
        Number of rows kept (``>= 1``); ``2n`` matches the factor-keeping cache's
        ``4·n·d`` numbers.
    scale : float, optional
        Logit scale, ``None`` for ``1/d``.

    Examples
    --------
    >>> alg = TruncatingRowCache(2, budget_rows=1)
    >>> alg.ingest([[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 0.0]])
    >>> alg.n_rows, alg.dropped_rows
    (1, 1)
    """

    inputs = frozenset({"rows"})
    _KIND = "TruncatingRowCache"

    def __init__(self, d: int | None = None, budget_rows: int = 1, scale: float | None = None) -> None:
        super().__init__(d, scale)
        self.budget_rows = check_int("budget_rows", budget_rows, minimum=1)
        self._rows = BufferGroup(("kt", "vt"))
        self.dropped_rows = 0

    def ingest(self, kt: np.ndarray, vt: np.ndarray) -> None:
        """Append free rows (shape (t, d) each); rows past the budget are dropped."""
        blocks = token_blocks(("kt", "vt"), (kt, vt), self._d)
        t = blocks["kt"].shape[0]
        if self._d is None:
            self._d = blocks["kt"].shape[1]
        keep = min(max(0, self.budget_rows - len(self._rows)), t)
        if keep:
            self._rows.append({name: b[:keep] for name, b in blocks.items()})
        self.dropped_rows += t - keep

    @property
    def n_rows(self) -> int:
        return len(self._rows)

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Views of the kept rows (K̃, Ṽ), each of shape (n_rows, d)."""
        return self._rows.views()  # type: ignore[return-value]

    def query(self, q: np.ndarray) -> np.ndarray:
        """Standard attention of ``q`` ((d,) or (m, d)) over the kept rows."""
        if self.n_rows == 0:
            raise ValueError("cannot query an empty cache: ingest at least one row first")
        q = self._queries(q)
        K, V = self._rows.views()
        S = (q * self.scale) @ K.T
        S = S - S.max(axis=-1, keepdims=True)
        E = np.exp(S)
        return (E @ V) / E.sum(axis=-1, keepdims=True)

    def to_bytes(self) -> bytes:
        """Kept rows; the budget travels in the header's parameter field."""
        arrays = [] if self._rows.empty else list(self._rows.views())
        return pack_state(self._KIND, self._d, self._bytes_scale(), arrays, param=self.budget_rows)

    @classmethod
    def from_bytes(cls, data: bytes) -> TruncatingRowCache:
        """Rebuild from :meth:`to_bytes` output (dropped rows are gone for good)."""
        d, scale, _, arrays = unpack_state(cls._KIND, data)
        alg = cls(d, budget_rows=max(1, unpack_param(data)), scale=scale)
        if arrays:
            if len(arrays) != 2:
                raise ValueError(f"a {cls._KIND} state holds 2 arrays, got {len(arrays)}")
            if arrays[0].shape[0]:
                alg.ingest(*arrays)
        return alg
