"""Practical KV-cache compressors run as Alice's algorithm in the Index reductions.

Issue 9 ("the compressibility frontier"): Chen et al. 2025 (arXiv 2503.11108;
thm:four-cache-lb, thm:two-cache-lb) and Haris and Onak 2025 (thm:ho25-lb) prove that no
compressor beats ``Ω(N)`` message bits on worst-case inputs; this module provides the
compressors practitioners use (the NVIDIA kvpress catalogue is the map) so that
:mod:`tensorkv_check.frontier.sweep` can place them against Fano's bound
``M ≥ (1 − h(p))·N`` (thm:index-lb). Every compressor implements the cache-algorithm
protocol of :mod:`tensorkv_check.engine.protocol` (``ingest`` / ``to_bytes`` / ``from_bytes`` /
``query``), so its memory is *measured* as ``8·len(to_bytes())`` bits and Bob only ever
holds what the bytes carry.

Compressors (each with one budget parameter):

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
:class:`UniformQuantizer` (budget: bits ``b ∈ 1…16``; KIVI-style per-token)
    Each token row ``x`` of every array is stored as ``b``-bit codes
    ``round((x − lo)/step)`` with ``lo = min x``, ``step = (max x − min x)/(2^b − 1)``
    kept as float32 (codes computed against the float32-rounded values); codes are
    bit-packed (``np.packbits``), so the bytes really shrink. Keys may use a separate
    ``key_bits``.
:class:`SignSketch` (budget: sketch dimension ``m``; QJL spirit)
    Keys are stored as ``m`` sign bits ``sign(S k)`` (``S`` an ``m×d`` standard Gaussian
    matrix regenerated from the seed in the bytes) plus the float32 norm ``‖k‖``. A query
    is answered with the reconstruction ``k̂ = ‖k‖·√(π/2)/m · S^T sign(S k)``, whose inner
    product ``⟨q, k̂⟩`` is exactly QJL's unbiased estimator of ``⟨q, k⟩``
    (``E[⟨s, q⟩ sign⟨s, k⟩] = √(2/π)·⟨q, k⟩/‖k‖`` for Gaussian ``s``); values are
    per-token ``value_bits``-bit quantized as above.
:class:`LowRankSVD` (budget: rank ``r ∈ 1…d``)
    Each array ``X`` is kept as factors ``A`` (n×r) and ``B`` (r×d, orthonormal rows)
    with ``X ≈ A B``, updated per block: the new basis is the top-``r`` eigenvectors
    ``W`` of ``B^T A^T A B + X_new^T X_new`` (the Gram of the current reconstruction
    stacked with the block), then ``A ← [A B W; X_new W]``, ``B ← W^T``. With ``r = d``
    it is lossless up to rounding.
SubGen, SubGen2Cache, SubGen4Cache (:mod:`tensorkv_check.subgen.algorithms`)
    Registered in :data:`CATALOGUE` as they are.

Tensor versions: every compressor above takes ``mode``: ``"kv"`` (standard attention on
``(K, V)``), ``"rows"`` (the same on the free rows ``(K̃, Ṽ)`` of the two-cache model)
or ``"factors"`` (the four factor caches ``K1, K2, V1, V2`` compressed *separately* —
eviction keeps or drops a token's row in all four — and queried by exact tensor
attention :func:`tensorkv_check.engine.exact_attention.tensor_attention` on the reconstructed
factors, i.e. through the decode identity, never the ``n²`` product).

Byte format (little-endian; the 32-byte header is laid out as
:mod:`tensorkv_check.engine.protocol`'s, but the payload is a list of raw byte *sections*
because the codes are not float64 rows):

======  =====  ==============================================================
offset  bytes  field
======  =====  ==============================================================
0       4      magic ``b"TKVC"``
4       1      format version (1)
5       1      kind code of the class (:data:`tensorkv_check.engine.protocol.KIND_CODES`)
6       2      mode (0 ``kv``, 1 ``factors``, 2 ``rows``)
8       4      head dimension ``d`` (0 while unknown)
12      4      number of sections ``a``
16      8      logit scale argument (float64; NaN means the default ``1/d``)
24      8      tokens ingested ``n`` (uint64)
32      8·a    byte length of each section (uint64)
32+8a   …      the sections
======  =====  ==============================================================

Section 0 is a float64 vector of the class's parameters and counters (fixed length per
class); the others are arrays (float64, float32 or packed bits) whose sizes follow from
it. ``from_bytes`` checks magic, version, kind code, mode, every length and every
parameter, and raises ``ValueError`` naming the compressor.
"""

from __future__ import annotations

import math
import numbers
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tensorkv_check.engine import protocol as _protocol
from tensorkv_check._util.validation import as_float_array, check_positive_scale, same_width
from tensorkv_check.engine.exact_attention import _attention, tensor_attention

__all__ = [
    "COMPRESSOR_KIND_CODES",
    "MODES",
    "RandomEviction",
    "KeyNormEviction",
    "WindowEviction",
    "AttentionScoreEviction",
    "UniformQuantizer",
    "SignSketch",
    "LowRankSVD",
    "CatalogueEntry",
    "CATALOGUE",
    "make_factory",
    "subgen_factory",
    "quantize_rows",
    "dequantize_rows",
    "pack_codes",
    "unpack_codes",
]

#: Kind codes (header byte 5) of this module's classes, as listed in
#: :data:`tensorkv_check.engine.protocol.KIND_CODES`.
COMPRESSOR_KIND_CODES = {
    "RandomEviction": 24,
    "KeyNormEviction": 25,
    "WindowEviction": 26,
    "AttentionScoreEviction": 27,
    "UniformQuantizer": 28,
    "SignSketch": 29,
    "LowRankSVD": 30,
}
for _name, _code in COMPRESSOR_KIND_CODES.items():
    if _protocol.KIND_CODES.get(_name) != _code:  # pragma: no cover - a build error
        raise ImportError(f"protocol.KIND_CODES must map {_name} to {_code}")

#: Input modes and the arrays a block carries in each (keys first, as INPUT_KINDS).
MODES: dict[str, tuple[str, ...]] = {
    "kv": ("k", "v"),
    "factors": ("k1", "k2", "v1", "v2"),
    "rows": ("kt", "vt"),
}
_MODE_CODE = {"kv": 0, "factors": 1, "rows": 2}
_KEY_ARRAYS = {"kv": (0,), "factors": (0, 1), "rows": (0,)}

_MAGIC = b"TKVC"
_VERSION = 1
_HEADER = struct.Struct("<4sBBHIIdQ")
#: Budget (float64 entries) of one block of logits in queries and scoring.
_BLOCK_ENTRIES = 1 << 22


# --------------------------------------------------------------------------- helpers


def _check_int(owner: str, name: str, value: object, lo: int, hi: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an integer, got {type(value).__name__}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f"in {lo}…{hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{owner}: {name} must be {rng}, got {v}")
    return v


def _check_fraction(owner: str, value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: fraction must be a real number, got {type(value).__name__}")
    f = float(value)
    if not (math.isfinite(f) and 0.0 < f <= 1.0):
        raise ValueError(f"{owner}: fraction must be in (0, 1], got {value!r}")
    return f


def _splitmix_uniform(seed: int, start: int, count: int) -> np.ndarray:
    """Uniforms ``u_i = splitmix64(seed·φ + i)/2^64`` for ``i = start … start+count−1``."""
    with np.errstate(over="ignore"):
        z = (np.arange(start, start + count, dtype=np.uint64)
             + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15))
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def pack_codes(codes: np.ndarray, bits: int) -> bytes:
    """Pack unsigned ``bits``-bit integer codes (any shape) into ``⌈size·bits/8⌉`` bytes.

    Examples
    --------
    >>> c = np.array([[0, 3], [2, 1]]); len(pack_codes(c, 2))
    1
    >>> unpack_codes(pack_codes(c, 2), 2, c.shape).tolist()
    [[0, 3], [2, 1]]
    """
    flat = np.asarray(codes, dtype=np.uint32).reshape(-1)
    planes = ((flat[:, None] >> np.arange(bits, dtype=np.uint32)) & 1).astype(np.uint8)
    return np.packbits(planes.reshape(-1), bitorder="little").tobytes()


def unpack_codes(data: bytes, bits: int, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`pack_codes` (uint32 codes of ``shape``)."""
    size = int(np.prod(shape))
    raw = np.unpackbits(np.frombuffer(data, dtype=np.uint8), count=size * bits, bitorder="little")
    planes = raw.reshape(size, bits).astype(np.uint32)
    return (planes << np.arange(bits, dtype=np.uint32)).sum(axis=1, dtype=np.uint32).reshape(shape)


def _packed_len(count: int, bits: int) -> int:
    return (count * bits + 7) // 8


def quantize_rows(X: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row uniform ``bits``-bit quantization: ``(codes, lo, step)`` with float32 ``lo``, ``step``.

    ``x̂ = lo + code·step`` (:func:`dequantize_rows`) is within ``step/2`` (plus float32
    rounding of ``lo`` and ``step``) of ``x``; a constant row has ``step = 0``.
    """
    X = np.asarray(X, dtype=np.float64)
    levels = (1 << bits) - 1
    lo = X.min(axis=1).astype(np.float32)
    step = ((X.max(axis=1) - lo.astype(np.float64)) / levels).astype(np.float32)
    st = step.astype(np.float64)
    safe = np.where(st > 0, st, 1.0)
    codes = np.rint((X - lo.astype(np.float64)[:, None]) / safe[:, None])
    codes = np.clip(codes, 0, levels).astype(np.uint32)
    codes[st == 0] = 0
    return codes, lo, step


def dequantize_rows(codes: np.ndarray, lo: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``lo + codes·step`` in float64 (see :func:`quantize_rows`)."""
    return lo.astype(np.float64)[:, None] + codes.astype(np.float64) * step.astype(np.float64)[:, None]


def _attend(Q: np.ndarray, K: np.ndarray, V: np.ndarray, c: float) -> np.ndarray:
    """Standard attention of a batch ``Q`` (m, d) in blocks of queries (log-sum-exp)."""
    out = np.empty((Q.shape[0], V.shape[1]))
    step = max(1, _BLOCK_ENTRIES // max(1, K.shape[0]))
    for s in range(0, Q.shape[0], step):
        out[s : s + step] = _attention(Q[s : s + step], K, V, c)
    return out


def _tensor_attend(Q: np.ndarray, K1: np.ndarray, K2: np.ndarray, V1: np.ndarray, V2: np.ndarray,
                   c: float) -> np.ndarray:
    """Exact tensor attention of a batch through the decode identity, batched over queries.

    Scores ``S[q, j, k] = Σ_l Q_ql K1_jl K2_kl`` come from one GEMM ``(Q ∘ K1_j) K2^T``;
    the output is ``Σ_j V1_j ∘ (P[q, j, :] V2)`` with ``P`` the softmax over all pairs.
    ``K1 ⊘ K2`` (``n1·n2 × d``) is never formed; each block holds ``m_b·n1·n2`` scores.
    For ``n1·n2`` beyond the block budget it defers to
    :func:`tensorkv_check.engine.exact_attention.tensor_attention` (row-blocked per query).
    """
    n1, n2 = K1.shape[0], K2.shape[0]
    if n1 * n2 > _BLOCK_ENTRIES // 4:
        return tensor_attention(Q, K1, K2, V1, V2, scale=c)
    out = np.empty((Q.shape[0], V1.shape[1]))
    step = max(1, _BLOCK_ENTRIES // (n1 * max(n2, V1.shape[1])))
    for s in range(0, Q.shape[0], step):
        Qb = Q[s : s + step] * c
        m = Qb.shape[0]
        S = ((Qb[:, None, :] * K1[None, :, :]).reshape(m * n1, -1) @ K2.T).reshape(m, n1 * n2)
        if not np.isfinite(S).all():
            raise ValueError("attention logits overflow float64; rescale the inputs")
        S -= S.max(axis=1, keepdims=True)
        P = np.exp(S)
        P /= P.sum(axis=1, keepdims=True)
        PV2 = (P.reshape(m * n1, n2) @ V2).reshape(m, n1, -1)
        out[s : s + step] = np.einsum("mjl,jl->ml", PV2, V1)
    if not np.isfinite(out).all():
        raise ValueError("tensor attention output is not finite: value products overflow float64")
    return out


# --------------------------------------------------------------------------- base


class _Compressor(_protocol.HeadDimScale):
    """Shared plumbing: mode, ``d``, scale, block validation, queries and the byte format.

    Subclasses implement ``_add(arrays)`` (ingest a validated block), ``_reconstruct()``
    (the arrays a query attends over, in mode order), ``_meta()`` / ``_sections()``
    (state) and ``_restore(meta, sections)``.
    """

    _KIND: ClassVar[str] = ""
    #: Class-level: any mode is accepted; each instance narrows ``inputs`` to its mode.
    inputs: ClassVar[frozenset[str]] = frozenset(MODES)
    _META_LEN: ClassVar[int] = 0

    def __init__(self, d: int | None = None, scale: float | None = None, *, mode: str = "kv") -> None:
        name = type(self).__name__
        if d is not None:
            d = _check_int(name, "d", d, 1)
        if scale is not None:
            if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
                raise TypeError(f"{name}: scale must be a real number, got {type(scale).__name__}")
            check_positive_scale(float(scale), 1)
            scale = float(scale)
        if mode not in MODES:
            raise ValueError(f"{name}: mode must be one of {sorted(MODES)}, got {mode!r}")
        self._d = d
        self._scale_arg = scale
        self.mode = mode
        self.inputs = frozenset({mode})  # type: ignore[misc]
        self.n_tokens = 0
        self._recon: list[np.ndarray] | None = None


    @property
    def memory_bytes(self) -> int:
        """``len(self.to_bytes())``: what the Index harness measures."""
        return len(self.to_bytes())

    # -- streaming ----------------------------------------------------------------

    def ingest(self, *blocks: np.ndarray) -> None:
        """Append a block of tokens: one ``(t, d)`` (or ``(d,)``) array per name of the mode."""
        names = MODES[self.mode]
        owner = type(self).__name__
        if len(blocks) != len(names):
            raise TypeError(f"{owner} in mode {self.mode!r} ingests {len(names)} arrays {names}, got {len(blocks)}")
        arrays = []
        for nm, b in zip(names, blocks):
            a = as_float_array(nm, b, (1, 2))
            a = a.reshape(1, -1) if a.ndim == 1 else a
            arrays.append(a)
        d = arrays[0].shape[1] if self._d is None else self._d
        same_width(d, **dict(zip(names, arrays)))
        t = arrays[0].shape[0]
        for nm, a in zip(names, arrays):
            if a.shape[0] != t:
                raise ValueError(f"{owner}: {nm} has {a.shape[0]} rows but {names[0]} has {t}")
        if self._d is None:
            self._d = d
        if t == 0:
            return
        self._add(arrays)
        self.n_tokens += t
        self._recon = None

    def _add(self, arrays: list[np.ndarray]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _reconstruct(self) -> list[np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reconstruct(self) -> list[np.ndarray]:
        """The arrays a query attends over (copies), in the mode's order."""
        return [a.copy() for a in self._reconstructed()]

    def _reconstructed(self) -> list[np.ndarray]:
        if self._recon is None:
            self._recon = self._reconstruct()
        return self._recon

    # -- queries ----------------------------------------------------------------

    def query(self, q: np.ndarray) -> np.ndarray:
        """Attention of ``q`` ((d,) or (m, d)) over the reconstructed cache.

        ``kv``/``rows``: ``softmax(K̂ q · c)^T V̂``; ``factors``: exact tensor attention
        on ``(K̂1, K̂2, V̂1, V̂2)`` through the decode identity.
        """
        owner = type(self).__name__
        if self.n_tokens == 0:
            raise ValueError(f"{owner}: cannot query an empty compressor; ingest at least one token first")
        q = as_float_array("q", q, (1, 2))
        same_width(self._d, q=q)
        single = q.ndim == 1
        Q = q.reshape(1, -1) if single else q
        arrs = self._reconstructed()
        if arrs[0].shape[0] == 0:
            raise ValueError(f"{owner}: every token was evicted; nothing to attend over")
        c = self.scale
        if self.mode == "factors":
            out = _tensor_attend(Q, *arrs, c)
        else:
            out = _attend(Q, arrs[0], arrs[1], c)
        return out[0] if single else out

    # -- bytes ----------------------------------------------------------------------

    def _meta(self) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sections(self) -> list[bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The whole state in the module's byte format (see the module docstring)."""
        meta = np.asarray(self._meta(), dtype="<f8")
        assert meta.size == self._META_LEN
        sections = [meta.tobytes()] + (self._sections() if self._d is not None else [])
        head = _HEADER.pack(_MAGIC, _VERSION, _protocol.KIND_CODES[self._KIND], _MODE_CODE[self.mode],
                            0 if self._d is None else self._d, len(sections),
                            math.nan if self._scale_arg is None else self._scale_arg, self.n_tokens)
        lengths = struct.pack(f"<{len(sections)}Q", *(len(s) for s in sections))
        return b"".join([head, lengths, *sections])

    @classmethod
    def from_bytes(cls, data: bytes) -> _Compressor:
        """Rebuild from :meth:`to_bytes` output; ``ValueError`` naming the class if it cannot."""
        owner = cls.__name__
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"{owner}: data must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < _HEADER.size:
            raise ValueError(f"{owner}: data is {len(data)} bytes, shorter than the {_HEADER.size}-byte header")
        magic, version, code, mode_code, d, count, scale, n = _HEADER.unpack_from(data, 0)
        if magic != _MAGIC:
            raise ValueError(f"{owner}: data does not start with the magic {_MAGIC!r} (got {magic!r})")
        if version != _VERSION:
            raise ValueError(f"{owner}: unsupported format version {version} (this build reads {_VERSION})")
        if code != _protocol.KIND_CODES[cls._KIND]:
            names = {v: k for k, v in _protocol.KIND_CODES.items()}
            raise ValueError(f"{owner}: data holds a {names.get(code, f'kind {code}')} state, not a {cls._KIND}")
        modes = {v: k for k, v in _MODE_CODE.items()}
        if mode_code not in modes:
            raise ValueError(f"{owner}: data has an unknown mode code {mode_code}")
        off = _HEADER.size
        if len(data) < off + 8 * count:
            raise ValueError(f"{owner}: data is truncated inside the section-length table")
        lengths = struct.unpack_from(f"<{count}Q", data, off)
        off += 8 * count
        if len(data) != off + sum(lengths):
            raise ValueError(f"{owner}: data is {len(data)} bytes but its header announces "
                             f"{off + sum(lengths)}: truncated or corrupt")
        sections = []
        for ln in lengths:
            sections.append(data[off : off + ln])
            off += ln
        if not sections or len(sections[0]) != 8 * cls._META_LEN:
            raise ValueError(f"{owner}: data is corrupt: parameter section has the wrong length")
        meta = np.frombuffer(sections[0], dtype="<f8")
        obj = cls._from_meta(meta, None if d == 0 else int(d), None if math.isnan(scale) else float(scale),
                             modes[mode_code])
        if d == 0:
            if count != 1 or n != 0:
                raise ValueError(f"{owner}: data is corrupt: a state without d must hold no tokens")
            return obj
        try:
            obj._restore(meta, sections[1:], int(n))
        except (ValueError, IndexError) as exc:
            raise ValueError(f"{owner}: data is corrupt: {exc}") from None
        obj.n_tokens = int(n)
        return obj

    @classmethod
    def _from_meta(cls, meta: np.ndarray, d: int | None, scale: float | None, mode: str) -> _Compressor:
        raise NotImplementedError  # pragma: no cover - abstract

    def _restore(self, meta: np.ndarray, sections: list[bytes], n: int) -> None:  # pragma: no cover
        raise NotImplementedError


def _f64(section: bytes, rows: int, cols: int, what: str) -> np.ndarray:
    if len(section) != 8 * rows * cols:
        raise ValueError(f"{what} section is {len(section)} bytes, expected {8 * rows * cols}")
    return np.frombuffer(section, dtype="<f8").reshape(rows, cols).copy()


def _f32(section: bytes, count: int, what: str) -> np.ndarray:
    if len(section) != 4 * count:
        raise ValueError(f"{what} section is {len(section)} bytes, expected {4 * count}")
    return np.frombuffer(section, dtype="<f4").copy()


def _meta_int(owner: str, name: str, x: float, lo: int, hi: int | None = None) -> int:
    if not (math.isfinite(x) and x == int(x)):
        raise ValueError(f"{owner}: data is corrupt: {name} = {x} is not an integer")
    return _check_int(owner, name, int(x), lo, hi)


# --------------------------------------------------------------------------- eviction


class _Eviction(_Compressor):
    """Keeps whole tokens (a row of every array) in float64; subclasses choose which."""

    _META_LEN = 6  # fraction, max_tokens (0 = none), kept, sinks, seed, reserved

    def __init__(self, d: int | None = None, scale: float | None = None, *, fraction: float,
                 max_tokens: int | None = None, mode: str = "kv") -> None:
        super().__init__(d, scale, mode=mode)
        name = type(self).__name__
        self.fraction = _check_fraction(name, fraction)
        self.max_tokens = None if max_tokens is None else _check_int(name, "max_tokens", max_tokens, 1)
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

    def _reconstruct(self) -> list[np.ndarray]:
        return list(self._kept)

    def _sections(self) -> list[bytes]:
        arrs = self._kept if self._kept is not None else [np.zeros((0, self._d))] * len(MODES[self.mode])
        return [np.ascontiguousarray(a, dtype="<f8").tobytes() for a in arrs] + [
            np.ascontiguousarray(self._extra, dtype="<f8").tobytes()]

    def _meta(self) -> list[float]:
        return [self.fraction, float(self.max_tokens or 0), float(self.kept_tokens),
                float(getattr(self, "sinks", 0)), float(getattr(self, "seed", 0)), 0.0]

    @classmethod
    def _kwargs_from_meta(cls, meta: np.ndarray) -> dict[str, Any]:
        mt = _meta_int(cls.__name__, "max_tokens", meta[1], 0)
        return {"fraction": float(meta[0]), "max_tokens": mt or None}

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        return cls(d, scale, mode=mode, **cls._kwargs_from_meta(meta))

    def _restore(self, meta: np.ndarray, sections: list[bytes], n: int) -> None:
        names = MODES[self.mode]
        kept = _meta_int(type(self).__name__, "kept", meta[2], 0, n)
        if len(sections) != len(names) + 1:
            raise ValueError(f"expected {len(names) + 1} data sections, got {len(sections)}")
        self._kept = [_f64(s, kept, self._d, nm) for s, nm in zip(sections, names)]
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

    def __init__(self, d: int | None = None, scale: float | None = None, *, fraction: float,
                 seed: int = 0, mode: str = "kv") -> None:
        super().__init__(d, scale, fraction=fraction, mode=mode)
        self.seed = _check_int("RandomEviction", "seed", seed, 0, (1 << 53) - 1)

    def _add(self, arrays: list[np.ndarray]) -> None:
        u = _splitmix_uniform(self.seed, self.n_tokens, arrays[0].shape[0])
        keep = u < self.fraction
        self._kept = self._merge([a[keep] for a in arrays])

    @classmethod
    def _kwargs_from_meta(cls, meta):
        return {"fraction": float(meta[0]), "seed": _meta_int(cls.__name__, "seed", meta[4], 0)}


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
        for i in _KEY_ARRAYS[self.mode]:
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

    def __init__(self, d: int | None = None, scale: float | None = None, *, fraction: float,
                 sinks: int = 4, max_tokens: int | None = None, mode: str = "kv") -> None:
        super().__init__(d, scale, fraction=fraction, max_tokens=max_tokens, mode=mode)
        self.sinks = _check_int("WindowEviction", "sinks", sinks, 0)

    @classmethod
    def _kwargs_from_meta(cls, meta):
        kw = super()._kwargs_from_meta(meta)
        kw["sinks"] = _meta_int(cls.__name__, "sinks", meta[3], 0)
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
        step = max(1, _BLOCK_ENTRIES // max(1, total))
        for i in _KEY_ARRAYS[self.mode]:
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


# --------------------------------------------------------------------------- quantization


class _RowCodes:
    """Growable per-token quantized rows of one array: codes (n, d) and float32 lo/step."""

    def __init__(self) -> None:
        self.codes: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.step: list[np.ndarray] = []

    def add(self, X: np.ndarray, bits: int) -> None:
        c, lo, st = quantize_rows(X, bits)
        self.codes.append(c)
        self.lo.append(lo)
        self.step.append(st)

    def arrays(self, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.codes:
            return np.zeros((0, d), np.uint32), np.zeros(0, np.float32), np.zeros(0, np.float32)
        if len(self.codes) > 1:
            self.codes = [np.concatenate(self.codes)]
            self.lo = [np.concatenate(self.lo)]
            self.step = [np.concatenate(self.step)]
        return self.codes[0], self.lo[0], self.step[0]

    def decode(self, d: int) -> np.ndarray:
        return dequantize_rows(*self.arrays(d))

    def sections(self, d: int, bits: int) -> list[bytes]:
        c, lo, st = self.arrays(d)
        return [pack_codes(c, bits), lo.astype("<f4").tobytes(), st.astype("<f4").tobytes()]

    @classmethod
    def restore(cls, secs: Sequence[bytes], n: int, d: int, bits: int, what: str) -> _RowCodes:
        if len(secs[0]) != _packed_len(n * d, bits):
            raise ValueError(f"{what} code section is {len(secs[0])} bytes, expected {_packed_len(n * d, bits)}")
        obj = cls()
        obj.codes = [unpack_codes(secs[0], bits, (n, d))]
        obj.lo = [_f32(secs[1], n, what + " offset")]
        obj.step = [_f32(secs[2], n, what + " scale")]
        return obj


class UniformQuantizer(_Compressor):
    """Per-token uniform ``bits``-bit keys and values with float32 scale and offset (module docstring).

    Parameters
    ----------
    d, scale, mode
        As every compressor of this module.
    bits : int in 1…16, keyword-only
        Bits per value entry (and per key entry unless ``key_bits`` is given).
    key_bits : int in 1…16, optional

    Memory: ``⌈n·d·b/8⌉`` bytes of codes plus 8 bytes of scale/offset per token, per array.

    Examples
    --------
    >>> qz = UniformQuantizer(4, bits=1)
    >>> qz.ingest([[0.5, -0.5, 0.5, 0.5]], [[0.0, 1.0, 1.0, 0.0]])
    >>> qz.reconstruct()[1].tolist()  # {0, 1} rows are exact at one bit
    [[0.0, 1.0, 1.0, 0.0]]
    """

    _KIND = "UniformQuantizer"
    _META_LEN = 2

    def __init__(self, d: int | None = None, scale: float | None = None, *, bits: int,
                 key_bits: int | None = None, mode: str = "kv") -> None:
        super().__init__(d, scale, mode=mode)
        self.bits = _check_int("UniformQuantizer", "bits", bits, 1, 16)
        self.key_bits = self.bits if key_bits is None else _check_int("UniformQuantizer", "key_bits", key_bits, 1, 16)
        self._rows = [_RowCodes() for _ in MODES[mode]]

    def _bits_of(self, i: int) -> int:
        return self.key_bits if i in _KEY_ARRAYS[self.mode] else self.bits

    def _add(self, arrays: list[np.ndarray]) -> None:
        for i, a in enumerate(arrays):
            self._rows[i].add(a, self._bits_of(i))

    def _reconstruct(self) -> list[np.ndarray]:
        return [r.decode(self._d) for r in self._rows]

    def _meta(self) -> list[float]:
        return [float(self.bits), float(self.key_bits)]

    def _sections(self) -> list[bytes]:
        out: list[bytes] = []
        for i, r in enumerate(self._rows):
            out += r.sections(self._d, self._bits_of(i))
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        o = cls.__name__
        return cls(d, scale, bits=_meta_int(o, "bits", meta[0], 1, 16),
                   key_bits=_meta_int(o, "key_bits", meta[1], 1, 16), mode=mode)

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        if len(sections) != 3 * len(names):
            raise ValueError(f"expected {3 * len(names)} data sections, got {len(sections)}")
        self._rows = [_RowCodes.restore(sections[3 * i : 3 * i + 3], n, self._d, self._bits_of(i), nm)
                      for i, nm in enumerate(names)]


class SignSketch(_Compressor):
    """1-bit sign sketch of keys with stored norm (QJL spirit) and quantized values (module docstring).

    Parameters
    ----------
    d, scale, mode
    sketch_dim : int >= 1, keyword-only
        Rows ``m`` of the Gaussian sketch ``S`` (bits per key).
    value_bits : int in 1…16, keyword-only, default 8
    seed : int >= 0, keyword-only
        Seed of ``S`` (travels in the bytes).

    Examples
    --------
    >>> sk = SignSketch(8, sketch_dim=4096, value_bits=8, seed=0)
    >>> k = np.array([[1.0, 2, 0, 0, 0, 0, 0, -1]]); sk.ingest(k, np.ones((1, 8)))
    >>> float(np.round(sk.reconstruct()[0] @ k[0], 0)[0])  # ≈ ‖k‖² = 6
    6.0
    """

    _KIND = "SignSketch"
    _META_LEN = 3

    def __init__(self, d: int | None = None, scale: float | None = None, *, sketch_dim: int,
                 value_bits: int = 8, seed: int = 0, mode: str = "kv") -> None:
        super().__init__(d, scale, mode=mode)
        o = "SignSketch"
        self.sketch_dim = _check_int(o, "sketch_dim", sketch_dim, 1, 1 << 20)
        self.value_bits = _check_int(o, "value_bits", value_bits, 1, 16)
        self.seed = _check_int(o, "seed", seed, 0, (1 << 53) - 1)
        self._signs: dict[int, list[np.ndarray]] = {i: [] for i in _KEY_ARRAYS[mode]}
        self._norms: dict[int, list[np.ndarray]] = {i: [] for i in _KEY_ARRAYS[mode]}
        self._vals = {i: _RowCodes() for i in range(len(MODES[mode])) if i not in _KEY_ARRAYS[mode]}
        self._S: np.ndarray | None = None

    def _matrix(self) -> np.ndarray:
        if self._S is None:
            self._S = np.random.default_rng(self.seed).standard_normal((self.sketch_dim, self._d))
        return self._S

    def _add(self, arrays: list[np.ndarray]) -> None:
        S = self._matrix()
        for i, a in enumerate(arrays):
            if i in self._signs:
                self._signs[i].append((a @ S.T) >= 0)
                self._norms[i].append(np.linalg.norm(a, axis=1).astype(np.float32))
            else:
                self._vals[i].add(a, self.value_bits)

    def _key_state(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._signs[i]) != 1:
            self._signs[i] = [np.concatenate(self._signs[i]) if self._signs[i]
                              else np.zeros((0, self.sketch_dim), bool)]
            self._norms[i] = [np.concatenate(self._norms[i]) if self._norms[i] else np.zeros(0, np.float32)]
        return self._signs[i][0], self._norms[i][0]

    def _reconstruct(self) -> list[np.ndarray]:
        S = self._matrix()
        m = self.sketch_dim
        out = []
        for i in range(len(MODES[self.mode])):
            if i in self._signs:
                sg, nr = self._key_state(i)
                signs = np.where(sg, 1.0, -1.0)
                out.append((nr.astype(np.float64) * math.sqrt(math.pi / 2) / m)[:, None] * (signs @ S))
            else:
                out.append(self._vals[i].decode(self._d))
        return out

    def _meta(self) -> list[float]:
        return [float(self.sketch_dim), float(self.value_bits), float(self.seed)]

    def _sections(self) -> list[bytes]:
        out: list[bytes] = []
        for i in range(len(MODES[self.mode])):
            if i in self._signs:
                sg, nr = self._key_state(i)
                out += [np.packbits(sg.reshape(-1), bitorder="little").tobytes(), nr.astype("<f4").tobytes()]
            else:
                out += self._vals[i].sections(self._d, self.value_bits)
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        o = cls.__name__
        return cls(d, scale, sketch_dim=_meta_int(o, "sketch_dim", meta[0], 1, 1 << 20),
                   value_bits=_meta_int(o, "value_bits", meta[1], 1, 16),
                   seed=_meta_int(o, "seed", meta[2], 0), mode=mode)

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        want = sum(2 if i in self._signs else 3 for i in range(len(names)))
        if len(sections) != want:
            raise ValueError(f"expected {want} data sections, got {len(sections)}")
        pos, m = 0, self.sketch_dim
        for i, nm in enumerate(names):
            if i in self._signs:
                if len(sections[pos]) != _packed_len(n * m, 1):
                    raise ValueError(f"{nm} sign section is {len(sections[pos])} bytes, expected {_packed_len(n * m, 1)}")
                bits = np.unpackbits(np.frombuffer(sections[pos], np.uint8), count=n * m, bitorder="little")
                self._signs[i] = [bits.reshape(n, m).astype(bool)]
                self._norms[i] = [_f32(sections[pos + 1], n, nm + " norm")]
                pos += 2
            else:
                self._vals[i] = _RowCodes.restore(sections[pos : pos + 3], n, self._d, self.value_bits, nm)
                pos += 3


# --------------------------------------------------------------------------- low rank


class LowRankSVD(_Compressor):
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

    def __init__(self, d: int | None = None, scale: float | None = None, *, rank: int,
                 mode: str = "kv") -> None:
        super().__init__(d, scale, mode=mode)
        self.rank = _check_int("LowRankSVD", "rank", rank, 1)
        if self._d is not None and self.rank > self._d:
            raise ValueError(f"LowRankSVD: rank must be in 1…d = {self._d}, got {self.rank}")
        self._A: list[np.ndarray] | None = None
        self._B: list[np.ndarray] | None = None

    def _add(self, arrays: list[np.ndarray]) -> None:
        if self.rank > self._d:
            raise ValueError(f"LowRankSVD: rank must be in 1…d = {self._d}, got {self.rank}")
        if self._A is None:
            self._A = [np.zeros((0, 0)) for _ in arrays]
            self._B = [np.zeros((0, self._d)) for _ in arrays]
        for i, X in enumerate(arrays):
            A, B = self._A[i], self._B[i]
            G = (A @ B).T @ (A @ B) if A.size else np.zeros((self._d, self._d))
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
        return 0 if self._B is None else int(self._B[0].shape[0])

    def _reconstruct(self) -> list[np.ndarray]:
        return [A @ B for A, B in zip(self._A, self._B)]

    def _meta(self) -> list[float]:
        return [float(self.rank), float(self.stored_rank)]

    def _sections(self) -> list[bytes]:
        if self._A is None:
            return []
        out: list[bytes] = []
        for A, B in zip(self._A, self._B):
            out += [np.ascontiguousarray(A, "<f8").tobytes(), np.ascontiguousarray(B, "<f8").tobytes()]
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        return cls(d, scale, rank=_meta_int(cls.__name__, "rank", meta[0], 1, d), mode=mode)

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        if n == 0 and not sections and meta[1] == 0:
            return
        r = _meta_int(type(self).__name__, "stored_rank", meta[1], 1, self.rank)
        if len(sections) != 2 * len(names):
            raise ValueError(f"expected {2 * len(names)} data sections, got {len(sections)}")
        self._A = [_f64(sections[2 * i], n, r, nm + " factor A") for i, nm in enumerate(names)]
        self._B = [_f64(sections[2 * i + 1], r, self._d, nm + " factor B") for i, nm in enumerate(names)]


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class CatalogueEntry:
    """One compressor of the frontier: how a budget value becomes a factory.

    Attributes
    ----------
    name : str
        Catalogue key (figure label).
    family : str
        ``"exact"``, ``"eviction"``, ``"quantization"``, ``"sketch"``, ``"low-rank"``
        or ``"subgen"``.
    budget : str
        What the budget number means.
    build : callable
        ``build(mode, budget, seed, scale) -> factory(d)``.
    """

    name: str
    family: str
    budget: str
    build: Callable[[str, float, int, float | None], Callable[[int], Any]]


def _exact(mode: str, budget: float, seed: int, scale: float | None) -> Callable[[int], Any]:
    from tensorkv_check.engine.caches import FourCacheDecoder, StandardDecoder, TwoCacheDecoder

    cls = {"kv": StandardDecoder, "factors": FourCacheDecoder, "rows": TwoCacheDecoder}[mode]
    return lambda d: cls(d, scale) if scale is not None else cls(d)


def subgen_factory(mode: str, s: int, seed: int, scale: float | None = None, *, delta: float = 2.0,
                   t: int = 4) -> Callable[[int], Any]:
    """``factory(d)`` of SubGen (``kv``), SubGen2Cache (``rows``) or SubGen4Cache (``factors``).

    ``s`` value samples, clustering radius ``delta`` (both factors in the factor mode),
    ``t`` samples per cluster, generator seeded by ``seed`` (:mod:`tensorkv_check.subgen.algorithms`).
    """
    from tensorkv_check.subgen import SubGen, SubGen2Cache, SubGen4Cache

    if mode not in MODES:
        raise ValueError(f"subgen: mode must be one of {sorted(MODES)}, got {mode!r}")
    s = _check_int("subgen", "s", s, 1)
    if mode == "factors":
        return lambda d: SubGen4Cache(d, scale, delta1=delta, t1=t, s=s, rng=seed)
    cls = SubGen if mode == "kv" else SubGen2Cache
    return lambda d: cls(d, scale, delta=delta, t=t, s=s, rng=seed)


def _rank_of(budget: float, d: int) -> int:
    return max(1, min(d, int(round(budget * d))))


CATALOGUE: dict[str, CatalogueEntry] = {
    "exact": CatalogueEntry("exact", "exact", "none (float64 decoder of the model)", _exact),
    "random": CatalogueEntry("random", "eviction", "keep-fraction f",
                             lambda m, b, s, c: lambda d: RandomEviction(d, c, fraction=b, seed=s, mode=m)),
    "knorm": CatalogueEntry("knorm", "eviction", "keep-fraction f",
                            lambda m, b, s, c: lambda d: KeyNormEviction(d, c, fraction=b, mode=m)),
    "window": CatalogueEntry("window", "eviction", "keep-fraction f (plus 4 sinks)",
                             lambda m, b, s, c: lambda d: WindowEviction(d, c, fraction=b, sinks=4, mode=m)),
    "h2o": CatalogueEntry("h2o", "eviction", "keep-fraction f",
                          lambda m, b, s, c: lambda d: AttentionScoreEviction(d, c, fraction=b, mode=m)),
    "quant": CatalogueEntry("quant", "quantization", "bits b per entry",
                            lambda m, b, s, c: lambda d: UniformQuantizer(d, c, bits=int(b), mode=m)),
    "qjl": CatalogueEntry("qjl", "sketch", "sketch rows per head dimension m/d (values 4-bit)",
                          lambda m, b, s, c: lambda d: SignSketch(d, c, sketch_dim=max(1, int(round(b * d))),
                                                                  value_bits=4, seed=s, mode=m)),
    "lowrank": CatalogueEntry("lowrank", "low-rank", "rank fraction r/d",
                              lambda m, b, s, c: lambda d: LowRankSVD(d, c, rank=_rank_of(b, d), mode=m)),
    "subgen": CatalogueEntry("subgen", "subgen", "value samples s (δ = 2, t = 4)",
                             lambda m, b, s, c: subgen_factory(m, int(b), s, c)),
}


def make_factory(name: str, mode: str, budget: float, *, seed: int = 0,
                 scale: float | None = None) -> Callable[[int], Any]:
    """``factory(d)`` for catalogue entry ``name`` at ``budget`` in ``mode``.

    Raises
    ------
    ValueError
        Unknown name or mode; the budget is validated when the factory is called
        (the compressor's constructor names the parameter).
    """
    if name not in CATALOGUE:
        raise ValueError(f"compressor must be one of {sorted(CATALOGUE)}, got {name!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
    return CATALOGUE[name].build(mode, budget, seed, scale)
