"""Eviction compressors: keep whole tokens, drop the rest (one budget: keep-fraction ``f``).

:class:`RandomEviction` (budget: keep-fraction ``f``)
    Token ``i`` is kept iff ``u_i < f`` with ``u_i = splitmix64(seed + i)/2^64``, a
    counter-based uniform: the kept set depends on the seed and the token index only, not
    on the block partition, and the seed travels in the bytes. Memory ``≈ f·n`` tokens
    (no cap: the kept count is Binomial(n, f)).
:class:`KeyNormEviction` (``f``; KnormPress)
    Keeps the ``k(n) = min(⌈f·n⌉, max_tokens)`` tokens of lowest key norm among those seen
    (greedy per block: an evicted token never returns; ties keep the earlier token). In
    the factor mode the norm is ``‖K1_i‖·‖K2_i‖``, the norm of the diagonal product row.
    On the Index instances every key has norm 1 (Rademacher rows), so it keeps the
    first ``⌈f·n⌉`` tokens.
:class:`WindowEviction` (``f``; StreamingLLM)
    The first ``sinks`` tokens plus the ``min(⌈f·n⌉, max_tokens)`` most recent others.
:class:`AttentionScoreEviction` (``f``; H2O / TOVA spirit)
    Exact rule: every arriving token ``i`` acts as a proxy query ``k_i`` (the keys seen
    so far stand in for the unknown future queries) and attends causally, with the
    compressor's logit scale ``c``, over the kept tokens and the tokens of its block up to
    itself; each token's *score* is its accumulated attention mass (H2O's heavy-hitter
    statistic). After each block the ``k(n)`` highest-scoring tokens are kept (ties: the
    earlier token), scores travel in the bytes. Eviction is per block, not per token,
    so the result depends on the block partition (documented approximation). Factor
    mode: the score is the sum of the scores computed on K1 and on K2 separately (the
    product-row attention would cost ``n²`` per proxy query).

Every class takes ``d``, ``scale`` (logit scale, ``None`` for ``1/d``) and ``mode``
(``"kv"``, ``"factors"`` or ``"rows"``) and shares the query path and the byte format of
:mod:`tensorkv_check.frontier._compressor`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_int, check_real
from tensorkv_check.frontier._compressor import (
    BLOCK_ENTRIES,
    KEY_ARRAYS,
    MODES,
    Compressor,
    meta_int,
)
from tensorkv_check.frontier.bitpack import read_f64

__all__ = ["RandomEviction", "KeyNormEviction", "WindowEviction", "AttentionScoreEviction"]


def _splitmix_uniform(seed: int, start: int, count: int) -> np.ndarray:
    """Uniforms ``u_i = splitmix64(seed·φ + i)/2^64`` for ``i = start … start+count−1``."""
    with np.errstate(over="ignore"):
        z = np.arange(start, start + count, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class _Eviction(Compressor):
    """Keeps whole tokens (a row of every array) in float64; subclasses choose which."""

    _META_LEN = 6  # fraction, max_tokens (0 = none), kept, sinks, seed, reserved

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        fraction: float,
        max_tokens: int | None = None,
        mode: str = "kv",
    ) -> None:
        super().__init__(d, scale, mode=mode)
        self.fraction = check_real("fraction", fraction, low=0.0, high=1.0, high_open=False)
        self.max_tokens = None if max_tokens is None else check_int("max_tokens", max_tokens, minimum=1)
        self._kept: list[np.ndarray] | None = None  # one (kept, d) array per mode array
        self._extra: np.ndarray = np.zeros(0)  # per-kept-token statistic (scores)

    @property
    def kept_tokens(self) -> int:
        """Tokens currently stored."""
        return 0 if self._kept is None else int(self._kept[0].shape[0])

    @property
    def kept_fraction(self) -> float:
        """``kept_tokens / n_tokens`` (0 before any token)."""
        return self.kept_tokens / self.n_tokens if self.n_tokens else 0.0

    def _target(self, n: int) -> int:
        k = math.ceil(self.fraction * n - 1e-12)
        return k if self.max_tokens is None else min(k, self.max_tokens)

    def _kept_arrays(self) -> list[np.ndarray]:
        """The kept rows per array; empty arrays before the first token."""
        if self._kept is None:
            return [np.zeros((0, self._known_d()))] * len(MODES[self.mode])
        return list(self._kept)

    def _reconstruct(self) -> list[np.ndarray]:
        return self._kept_arrays()

    def _sections(self) -> list[bytes]:
        arrs = self._kept_arrays()
        return [np.ascontiguousarray(a, dtype="<f8").tobytes() for a in arrs] + [
            np.ascontiguousarray(self._extra, dtype="<f8").tobytes()
        ]

    def _meta(self) -> list[float]:
        return [
            self.fraction,
            float(self.max_tokens or 0),
            float(self.kept_tokens),
            float(getattr(self, "sinks", 0)),
            float(getattr(self, "seed", 0)),
            0.0,
        ]

    @classmethod
    def _kwargs_from_meta(cls, meta: np.ndarray) -> dict[str, Any]:
        mt = meta_int(cls.__name__, "max_tokens", meta[1], 0)
        return {"fraction": float(meta[0]), "max_tokens": mt or None}

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        return cls(d, scale, mode=mode, **cls._kwargs_from_meta(meta))

    def _restore(self, meta: np.ndarray, sections: list[bytes], n: int) -> None:
        names = MODES[self.mode]
        kept = meta_int(type(self).__name__, "kept", meta[2], 0, n)
        if len(sections) != len(names) + 1:
            raise ValueError(f"expected {len(names) + 1} data sections, got {len(sections)}")
        self._kept = [read_f64(s, kept, self._known_d(), nm) for s, nm in zip(sections, names)]
        extra = sections[-1]
        if len(extra) not in (0, 8 * kept):
            raise ValueError(f"score section is {len(extra)} bytes, expected 0 or {8 * kept}")
        self._extra = np.frombuffer(extra, dtype="<f8").copy()

    def _merge(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        if self._kept is None:
            return [a.copy() for a in arrays]
        return [np.concatenate([k, a]) for k, a in zip(self._kept, arrays)]


class RandomEviction(_Eviction):
    """Keep each token independently with probability ``fraction`` (seeded; see module docstring).

    Parameters
    ----------
    d : int, optional
    scale : float, optional
        Logit scale, ``None`` for ``1/d``.
    fraction : float in (0, 1], keyword-only
        Keep probability ``f``.
    seed : int >= 0, keyword-only
        Seed of the counter-based uniforms (travels in the bytes).
    mode : {"kv", "factors", "rows"}

    Examples
    --------
    >>> c = RandomEviction(2, fraction=0.5, seed=1)
    >>> c.ingest(np.eye(2).repeat(50, 0), np.ones((100, 2)))
    >>> 30 < c.kept_tokens < 70, type(c).from_bytes(c.to_bytes()).kept_tokens == c.kept_tokens
    (True, True)
    """

    _KIND = "RandomEviction"

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        fraction: float,
        seed: int = 0,
        mode: str = "kv",
    ) -> None:
        super().__init__(d, scale, fraction=fraction, mode=mode)
        self.seed = check_int("seed", seed, minimum=0, maximum=(1 << 53) - 1)

    def _add(self, arrays: list[np.ndarray]) -> None:
        u = _splitmix_uniform(self.seed, self.n_tokens, arrays[0].shape[0])
        keep = u < self.fraction
        self._kept = self._merge([a[keep] for a in arrays])

    @classmethod
    def _kwargs_from_meta(cls, meta):
        return {"fraction": float(meta[0]), "seed": meta_int(cls.__name__, "seed", meta[4], 0)}


class KeyNormEviction(_Eviction):
    """Keep the ``min(⌈f·n⌉, max_tokens)`` tokens of lowest key norm (KnormPress; module docstring).

    Examples
    --------
    >>> c = KeyNormEviction(1, fraction=0.5)
    >>> c.ingest([[3.0], [1.0], [2.0], [0.5]], [[0.0], [1.0], [2.0], [3.0]])
    >>> c.reconstruct()[1].ravel().tolist()  # values of the keys 1.0 and 0.5, in arrival order
    [1.0, 3.0]
    """

    _KIND = "KeyNormEviction"

    def _add(self, arrays: list[np.ndarray]) -> None:
        merged = self._merge(arrays)
        norm = np.ones(merged[0].shape[0])
        for i in KEY_ARRAYS[self.mode]:
            norm = norm * np.linalg.norm(merged[i], axis=1)
        k = self._target(self.n_tokens + arrays[0].shape[0])
        keep = np.sort(np.argsort(norm, kind="stable")[:k])
        self._kept = [a[keep] for a in merged]


class WindowEviction(_Eviction):
    """The first ``sinks`` tokens plus the ``min(⌈f·n⌉, max_tokens)`` most recent (StreamingLLM).

    Examples
    --------
    >>> c = WindowEviction(1, fraction=0.25, sinks=1)
    >>> c.ingest(np.arange(8.0)[:, None], np.arange(8.0)[:, None])
    >>> c.reconstruct()[0].ravel().tolist()  # token 0 (sink) and the last ⌈8/4⌉ = 2
    [0.0, 6.0, 7.0]
    """

    _KIND = "WindowEviction"

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        fraction: float,
        sinks: int = 4,
        max_tokens: int | None = None,
        mode: str = "kv",
    ) -> None:
        super().__init__(d, scale, fraction=fraction, max_tokens=max_tokens, mode=mode)
        self.sinks = check_int("sinks", sinks, minimum=0)

    @classmethod
    def _kwargs_from_meta(cls, meta):
        kw = super()._kwargs_from_meta(meta)
        kw["sinks"] = meta_int(cls.__name__, "sinks", meta[3], 0)
        return kw

    def _add(self, arrays: list[np.ndarray]) -> None:
        merged = self._merge(arrays)
        n = self.n_tokens + arrays[0].shape[0]
        s = min(self.sinks, n)
        w = min(self._target(n), n - s)
        total = merged[0].shape[0]
        # merged holds the s sinks first (kept since arrival), then candidates in arrival order.
        keep = np.concatenate([np.arange(s), np.arange(max(s, total - w), total)])
        self._kept = [a[keep] for a in merged]


class AttentionScoreEviction(_Eviction):
    """Heavy-hitter eviction with the keys as proxy queries (H2O/TOVA spirit; module docstring).

    Examples
    --------
    >>> c = AttentionScoreEviction(2, 1.0, fraction=0.5)
    >>> c.ingest([[5.0, 0.0], [0.0, 1.0], [5.0, 0.0], [0.0, 1.0]], np.eye(2)[[0, 1, 0, 1]])
    >>> c.kept_tokens, c.reconstruct()[0].tolist()  # scores 1.90, 1.10, 0.63, 0.37
    (2, [[5.0, 0.0], [0.0, 1.0]])

    Accumulated attention favours early tokens (they face more proxy queries), as in H2O.
    """

    _KIND = "AttentionScoreEviction"

    def _scores(self, merged: list[np.ndarray], p: int) -> np.ndarray:
        """Accumulated causal attention of the block's proxy queries (rows p…) over ``merged``."""
        total = merged[0].shape[0]
        add = np.zeros(total)
        c = self.scale
        step = max(1, BLOCK_ENTRIES // max(1, total))
        for i in KEY_ARRAYS[self.mode]:
            K = merged[i]
            for s in range(p, total, step):
                e = min(total, s + step)
                L = (K[s:e] * c) @ K.T  # proxy queries s..e-1 against every candidate
                # Causal: query at position r sees candidates 0..r.
                L[np.arange(e - s)[:, None] < (np.arange(total)[None, :] - s)] = -np.inf
                if not np.isfinite(L.max(axis=1)).all():
                    raise ValueError("AttentionScoreEviction: proxy-query logits overflow float64")
                L -= L.max(axis=1, keepdims=True)
                E = np.exp(L)
                add += (E / E.sum(axis=1, keepdims=True)).sum(axis=0)
        return add

    def _add(self, arrays: list[np.ndarray]) -> None:
        merged = self._merge(arrays)
        p = self.kept_tokens
        scores = np.concatenate([self._extra, np.zeros(arrays[0].shape[0])]) + self._scores(merged, p)
        k = self._target(self.n_tokens + arrays[0].shape[0])
        # Highest score first; a stable sort of −score keeps the earlier token on ties.
        keep = np.sort(np.argsort(-scores, kind="stable")[:k])
        self._kept = [a[keep] for a in merged]
        self._extra = scores[keep]
