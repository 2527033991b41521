"""The two samplers SubGen is built from (thm:subgen [ZHMK24], alg:subgen4cache).

* The **online clustering** of the keys with radius ``delta`` (δ), with ``t`` reservoir
  samples per cluster (Vitter's Algorithm R): the partition-function estimate ``τ̂``.
  A new key joins the cluster whose centre is nearest to it if that distance is ``<= δ``
  (ties: the cluster opened first), and otherwise opens a new cluster whose centre is
  the key itself; :func:`online_cluster_labels` replays it on a whole key set.
* **ℓ2 reservoirs**: ``R × C`` independent size-1 weighted reservoirs, each holding
  stream item ``j`` with probability proportional to its weight (squared value
  entries): the numerator estimate ``N̂``.

Both update per block with the exact sequential law; distances are computed as
``‖k‖² − 2⟨k, c⟩ + ‖c‖²`` in float64, so decisions within rounding (~1e-15 relative) of
a tie or of δ may differ between block partitions.
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.validation import check_real
from tensorkv_check.subgen._checks import _rows
from tensorkv_check.subgen.state import _Vec

__all__ = [
    "online_cluster_labels",
]


def _sqdist(X: np.ndarray, x2: np.ndarray, C: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Squared distances ``‖x‖² − 2⟨x, c⟩ + ‖c‖²`` (clipped at 0), shape (len(X), len(C))."""
    D = X @ C.T
    D *= -2.0
    D += x2[:, None]
    D += c2[None, :]
    np.maximum(D, 0.0, out=D)
    return D


def _assign(
    K: np.ndarray, k2: np.ndarray, C: np.ndarray, c2: np.ndarray, delta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sequential online-clustering labels of the block ``K`` given existing centres ``C``.

    Returns ``(labels, opened)``: ``labels[u]`` is the cluster index (existing clusters
    ``0..len(C)-1``, new ones numbered on from ``len(C)`` in opening order) and
    ``opened`` the block positions of the keys that open new clusters. Equivalent to
    processing the keys one at a time: key ``u`` joins the nearest centre among those
    existing at its arrival if within δ (ties to the earliest), else opens one.
    """
    B = K.shape[0]
    m0 = C.shape[0]
    d2max = delta * delta
    labels = np.full(B, -1, dtype=np.int64)
    best = np.full(B, np.inf)
    if m0:
        D = _sqdist(K, k2, C, c2)
        arg = D.argmin(axis=1)
        best = D[np.arange(B), arg]
        has = best <= d2max
        labels[has] = arg[has]
    else:
        has = np.zeros(B, dtype=bool)
    pending = np.flatnonzero(~has)
    opened: list[int] = []
    # Leader pass over keys without an existing centre within δ: the first pending key
    # opens a centre and every later pending key within δ of it is covered (it will
    # join some centre opened before it, never open one). O(#opened · B · d).
    while pending.size:
        p = int(pending[0])
        opened.append(p)
        rest = pending[1:]
        if rest.size == 0:
            break
        dd = _sqdist(K[rest], k2[rest], K[p : p + 1], k2[p : p + 1])[:, 0]
        pending = rest[dd > d2max]
    if opened:
        op = np.asarray(opened, dtype=np.int64)
        Dn = _sqdist(K, k2, K[op], k2[op])  # (B, m_new)
        # A key sees only the centres opened at or before its own position.
        Dn[np.arange(B)[:, None] < op[None, :]] = np.inf
        argn = Dn.argmin(axis=1)
        bestn = Dn[np.arange(B), argn]
        use_new = bestn < best  # strict: ties go to the earlier (existing) centre
        labels[use_new] = m0 + argn[use_new]
        labels[op] = m0 + np.arange(op.size)
    return labels, np.asarray(opened, dtype=np.int64)


def online_cluster_labels(K: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels and centres of SubGen's online clustering of the key stream ``K``.

    The clustering is deterministic (no randomness), so this replays exactly the
    clusters a :class:`SubGen` (or one factor of :class:`SubGen4Cache`) forms on the same
    stream; checks use it to measure cluster diameters, which the compressor itself
    does not store.

    Returns
    -------
    labels : ndarray of int, shape (n,)
    centres : ndarray, shape (m, d)

    Examples
    --------
    >>> online_cluster_labels([[0.0], [0.5], [3.0], [0.9]], 1.0)[0]
    array([0, 0, 1, 0])
    """
    K = _rows("K", K, None)
    delta = check_real("delta", delta, low=0.0)
    k2 = np.einsum("ij,ij->i", K, K)
    labels, opened = _assign(K, k2, np.zeros((0, K.shape[1])), np.zeros(0), delta)
    return labels, K[opened].copy()


class _OnlineClusters:
    """Online δ-clustering with per-cluster size and a size-``t`` Algorithm-R reservoir."""

    def __init__(self, d: int, delta: float, t: int) -> None:
        self.d, self.delta, self.t = d, delta, t
        self.centres = np.zeros((0, d))
        self.c2 = np.zeros(0)
        self.counts = np.zeros(0, dtype=np.int64)
        self.samples: list[np.ndarray] = []  # per cluster, (capacity <= t, d)
        self.filled = np.zeros(0, dtype=np.int64)
        self._stacked: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def m(self) -> int:
        return self.centres.shape[0]

    def ingest(self, K: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        B = K.shape[0]
        k2 = np.einsum("ij,ij->i", K, K)
        labels, opened = _assign(K, k2, self.centres, self.c2, self.delta)
        if opened.size:
            self.centres = np.concatenate([self.centres, K[opened]])
            self.c2 = np.concatenate([self.c2, k2[opened]])
            self.counts = np.concatenate([self.counts, np.zeros(opened.size, dtype=np.int64)])
            self.filled = np.concatenate([self.filled, np.zeros(opened.size, dtype=np.int64)])
            cap = min(self.t, 4)
            self.samples += [np.empty((cap, self.d)) for _ in range(opened.size)]
        # In-cluster index i (1-based) of every token, in token order.
        order = np.argsort(labels, kind="stable")
        sl = labels[order]
        starts = np.flatnonzero(np.r_[True, sl[1:] != sl[:-1]])
        group_first = np.repeat(starts, np.diff(np.r_[starts, B]))
        rank = np.empty(B, dtype=np.int64)
        rank[order] = np.arange(B) - group_first
        i = self.counts[labels] + rank + 1
        # Algorithm R, one uniform and one slot per token, drawn in token order.
        u = rng.random(B)
        rslot = rng.integers(0, self.t, size=B)
        accept = (i <= self.t) | (u * i < self.t)
        slot = np.where(i <= self.t, i - 1, rslot)
        acc = np.flatnonzero(accept)
        if acc.size:
            la = labels[acc]
            o = np.argsort(la, kind="stable")
            acc, la = acc[o], la[o]
            bounds = np.flatnonzero(np.r_[True, la[1:] != la[:-1], True])
            for g in range(bounds.size - 1):
                idx = acc[bounds[g] : bounds[g + 1]]
                c = int(la[bounds[g]])
                sl_c = slot[idx]
                # Last write wins per slot (sequential order).
                _, last = np.unique(sl_c[::-1], return_index=True)
                keep = idx[::-1][last]
                sl_k = sl_c[::-1][last]
                need = int(sl_k.max()) + 1
                arr = self.samples[c]
                if need > arr.shape[0]:
                    grown = np.empty((min(self.t, max(need, 2 * arr.shape[0])), self.d))
                    grown[: self.filled[c]] = arr[: self.filled[c]]
                    self.samples[c] = arr = grown
                arr[sl_k] = K[keep]
                self.filled[c] = max(int(self.filled[c]), need)
        np.add.at(self.counts, labels, 1)
        self._stacked = None
        return labels

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """All stored samples (M, d) and their weights ``|C| / (#samples of C)``."""
        if self._stacked is None:
            if self.m == 0:
                self._stacked = (np.zeros((0, self.d)), np.zeros(0))
            else:
                X = np.concatenate([s[:f] for s, f in zip(self.samples, self.filled)])
                w = np.repeat(self.counts / self.filled, self.filled)
                self._stacked = (X, w)
        return self._stacked

    def sample_rows(self) -> int:
        return int(self.filled.sum())

    def put(self, vec: _Vec) -> list[np.ndarray]:
        vec.put(self.m, self.counts, self.filled)
        X = self.stacked()[0] if self.m else np.zeros((0, self.d))
        return [self.centres, X]

    @classmethod
    def take(
        cls, vec: _Vec, d: int, delta: float, t: int, centres: np.ndarray, X: np.ndarray
    ) -> _OnlineClusters:
        self = cls(d, delta, t)
        m = vec.int()
        self.counts = vec.take(m).astype(np.int64)
        self.filled = vec.take(m).astype(np.int64)
        if centres.shape[0] != m or X.shape[0] != int(self.filled.sum()):
            raise ValueError("data is corrupt: cluster tables do not match the stored rows")
        if np.any(self.filled > self.counts) or np.any(self.filled > t) or np.any(self.filled < 1):
            raise ValueError("data is corrupt: impossible cluster sample counts")
        self.centres = centres
        self.c2 = np.einsum("ij,ij->i", centres, centres)
        off = np.r_[0, np.cumsum(self.filled)]
        self.samples = [X[off[c] : off[c + 1]].copy() for c in range(m)]
        return self


class _WeightedReservoirs:
    """``R × C`` independent size-1 weighted reservoirs over a stream of rows.

    Reservoir ``(i, c)`` weights stream item ``j`` by ``W[j, c] >= 0`` and, after any
    prefix of the stream, holds item ``j`` with probability ``W[j, c] / Σ_j' W[j', c]``,
    independently of every other reservoir. Sequentially a reservoir takes item ``j``
    with probability ``w_j / W_j`` (``W_j`` the running total), which telescopes:
    ``P(final = j) = (w_j/W_j) Π_{i>j} (W_{i−1}/W_i) = w_j / W_n``. Per block the same
    law is applied at once: keep the old item with probability ``W_old / W_new``,
    otherwise take block item ``j`` with probability ``w_j / W_new`` (one uniform per
    reservoir per block).

    The sampled rows (``keys``, ``values``) are stored once each in a pool, in stream
    order, and referenced by index (``refs[i, c]``, −1 while empty).
    """

    def __init__(self, d: int, R: int, C: int) -> None:
        self.d, self.R, self.C = d, R, C
        self.total = np.zeros(C)
        self.refs = np.full((R, C), -1, dtype=np.int64)
        self.keys = np.zeros((0, d))
        self.values = np.zeros((0, d))

    def ingest(self, W: np.ndarray, K: np.ndarray, V: np.ndarray, rng: np.random.Generator) -> None:
        cum = np.cumsum(W, axis=0)
        block = cum[-1]
        new_total = self.total + block
        u = rng.random((self.R, self.C)) * new_total[None, :]
        repl = (u >= self.total[None, :]) & (block > 0)[None, :]
        if repl.any():
            picks = np.full((self.R, self.C), -1, dtype=np.int64)
            for c in np.flatnonzero(repl.any(axis=0)):
                rows = np.flatnonzero(repl[:, c])
                j = np.searchsorted(cum[:, c], u[rows, c] - self.total[c], side="right")
                last_pos = int(np.flatnonzero(W[:, c] > 0)[-1])
                j = np.minimum(j, last_pos)
                # Rounding can land on a zero-weight item; move to the next positive one.
                bad = W[j, c] <= 0
                if bad.any():
                    pos = np.flatnonzero(W[:, c] > 0)
                    j[bad] = pos[np.minimum(np.searchsorted(pos, j[bad]), pos.size - 1)]
                picks[rows, c] = j
            used = np.unique(picks[picks >= 0])
            base = self.keys.shape[0]
            self.keys = np.concatenate([self.keys, K[used]])
            self.values = np.concatenate([self.values, V[used]])
            where = np.searchsorted(used, picks[repl])
            self.refs[repl] = base + where
            self._compact_if_needed()
        self.total = new_total

    def _compact_if_needed(self) -> None:
        if self.keys.shape[0] > 2 * self.R * self.C + 64:
            self.compact()

    def compact(self) -> None:
        """Drop pool rows no reservoir refers to (keeps stream order: canonical bytes)."""
        live = self.refs[self.refs >= 0]
        used = np.unique(live)
        if used.size == self.keys.shape[0]:
            return
        self.keys = self.keys[used]
        self.values = self.values[used]
        m = self.refs >= 0
        self.refs[m] = np.searchsorted(used, self.refs[m])

    def put(self, vec: _Vec) -> list[np.ndarray]:
        self.compact()
        vec.put(self.total, self.refs)
        return [self.keys, self.values]

    @classmethod
    def take(
        cls, vec: _Vec, d: int, R: int, C: int, keys: np.ndarray, values: np.ndarray
    ) -> _WeightedReservoirs:
        self = cls(d, R, C)
        self.total = vec.take(C).copy()
        self.refs = vec.take(R * C).astype(np.int64).reshape(R, C)
        if keys.shape[0] != values.shape[0] or np.any(self.refs >= keys.shape[0]) or np.any(self.refs < -1):
            raise ValueError("data is corrupt: reservoir references out of range")
        self.keys, self.values = keys, values
        return self


def _check_weights(name: str, W: np.ndarray, res: _WeightedReservoirs | None) -> None:
    """ℓ2 weights (squared value entries) and their running totals must be finite."""
    total = W.sum(0) + (0.0 if res is None else res.total)
    if not (np.isfinite(W).all() and np.isfinite(total).all()):
        raise ValueError(
            f"{name}: squared value entries overflow float64 (‖v‖² > 1.8e308); rescale the values"
        )
