"""Low-rank factors of every array, updated per block (budget: rank ``r``).

:class:`LowRankSVD` (budget: rank ``r ∈ 1…d``)
    Each array ``X`` is kept as factors ``A`` (n×r) and ``B`` (r×d, orthonormal rows)
    with ``X ≈ A B``, updated per block: the new basis is the top-``r`` eigenvectors
    ``W`` of ``B^T A^T A B + X_new^T X_new`` (the Gram of the current reconstruction
    stacked with the block), then ``A ← [A B W; X_new W]``, ``B ← W^T``. With ``r = d``

Every class takes ``d``, ``scale`` (logit scale, ``None`` for ``1/d``) and ``mode``
(``"kv"``, ``"factors"`` or ``"rows"``) and shares the query path and the byte format of
:mod:`tensorkv_check.frontier._compressor`.
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.validation import check_int
from tensorkv_check.frontier._compressor import MODES, Compressor, meta_int
from tensorkv_check.frontier.bitpack import read_f64

__all__ = ["LowRankSVD"]


class LowRankSVD(Compressor):
    """Rank-``r`` truncated SVD of every array, kept as factors and updated per block (module docstring).

    Parameters
    ----------
    d, scale, mode
    rank : int in 1…d, keyword-only

    Memory: ``(n·r' + r'·d)`` float64 per array, ``r' = min(r, rows seen)``.

    Examples
    --------
    >>> lr = LowRankSVD(3, rank=1)
    >>> X = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])  # rank one
    >>> lr.ingest(X, X); bool(np.allclose(lr.reconstruct()[0], X))
    True
    """

    _KIND = "LowRankSVD"
    _META_LEN = 2

    def __init__(
        self, d: int | None = None, scale: float | None = None, *, rank: int, mode: str = "kv"
    ) -> None:
        super().__init__(d, scale, mode=mode)
        self.rank = check_int("rank", rank, minimum=1, maximum=self._d)
        # Per array: the factors A (tokens × r) and B (r × d) of the rank-r reconstruction;
        # empty lists until the first block fixes how many arrays the mode has.
        self._A: list[np.ndarray] = []
        self._B: list[np.ndarray] = []

    def _add(self, arrays: list[np.ndarray]) -> None:
        # d was unknown at construction: the rank's upper end is checked on first data.
        d = self._known_d()
        check_int("rank", self.rank, minimum=1, maximum=d)
        if not self._A:
            self._A = [np.zeros((0, 0)) for _ in arrays]
            self._B = [np.zeros((0, d)) for _ in arrays]
        for i, X in enumerate(arrays):
            A, B = self._A[i], self._B[i]
            G = (A @ B).T @ (A @ B) if A.size else np.zeros((d, d))
            G = G + X.T @ X
            w, U = np.linalg.eigh(G)
            r = min(self.rank, A.shape[0] + X.shape[0])
            W = U[:, ::-1][:, :r]  # top-r eigenvectors, descending
            # A fixed sign per basis vector (largest |entry| positive) makes bytes reproducible.
            sgn = np.sign(W[np.abs(W).argmax(axis=0), np.arange(r)])
            W = W * np.where(sgn == 0, 1.0, sgn)
            old = A @ (B @ W) if A.size else np.zeros((0, r))
            self._A[i] = np.concatenate([old, X @ W])
            self._B[i] = np.ascontiguousarray(W.T)

    @property
    def stored_rank(self) -> int:
        return int(self._B[0].shape[0]) if self._B else 0

    def _reconstruct(self) -> list[np.ndarray]:
        return [A @ B for A, B in zip(self._A, self._B)]

    def _meta(self) -> list[float]:
        return [float(self.rank), float(self.stored_rank)]

    def _sections(self) -> list[bytes]:
        out: list[bytes] = []
        for A, B in zip(self._A, self._B):
            out += [np.ascontiguousarray(A, "<f8").tobytes(), np.ascontiguousarray(B, "<f8").tobytes()]
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        return cls(d, scale, rank=meta_int(cls.__name__, "rank", meta[0], 1, d), mode=mode)

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        if n == 0 and not sections and meta[1] == 0:
            return
        r = meta_int(type(self).__name__, "stored_rank", meta[1], 1, self.rank)
        if len(sections) != 2 * len(names):
            raise ValueError(f"expected {2 * len(names)} data sections, got {len(sections)}")
        self._A = [read_f64(sections[2 * i], n, r, nm + " factor A") for i, nm in enumerate(names)]
        self._B = [read_f64(sections[2 * i + 1], r, self._d, nm + " factor B") for i, nm in enumerate(names)]
