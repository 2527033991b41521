"""The compressors' shared base: modes, argument checks, queries and the byte format.

Package-internal (the public classes live in :mod:`~tensorkv_check.frontier.eviction`,
:mod:`~tensorkv_check.frontier.quantization`, :mod:`~tensorkv_check.frontier.sketch` and
:mod:`~tensorkv_check.frontier.lowrank`; :data:`MODES` and :data:`COMPRESSOR_KIND_CODES`
are re-exported by :mod:`~tensorkv_check.frontier.catalogue`). Every compressor implements
the cache-algorithm protocol of :mod:`tensorkv_check.engine.protocol` (``ingest`` /
``to_bytes`` / ``from_bytes`` / ``query``), so its memory is *measured* as
``8·len(to_bytes())`` bits and Bob only ever holds what the bytes carry.

Modes: every compressor takes ``mode``: ``"kv"`` (standard attention on
``(K, V)``), ``"rows"`` (the same on the free rows ``(K̃, Ṽ)`` of the two-cache model)
or ``"factors"`` (the four factor caches ``K1, K2, V1, V2`` compressed *separately* —
eviction keeps or drops a token's row in all four — and queried by exact tensor
attention :func:`tensorkv_check.engine.exact_attention.tensor_attention` on the reconstructed
factors, i.e. through the decode identity, never the ``n²`` product). The ``kv`` and
``rows`` queries go through :func:`tensorkv_check.engine.exact_attention.attention_batch`:
a query runs the engine's own attention code, so a bug planted in the engine (see
:mod:`tensorkv_check.claims.mutants`) shows in every compressor's answers too.

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
import struct
from typing import ClassVar

import numpy as np

from tensorkv_check._util.validation import (
    as_float_array,
    check_choice,
    check_int,
    check_positive_scale,
    same_width,
)
from tensorkv_check.engine import protocol as _protocol
from tensorkv_check.engine.exact_attention import attention_batch, tensor_attention

#: Kind codes (header byte 5) of the compressor classes, as listed in
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
MODE_CODE = {"kv": 0, "factors": 1, "rows": 2}
KEY_ARRAYS = {"kv": (0,), "factors": (0, 1), "rows": (0,)}

_MAGIC = b"TKVC"
_VERSION = 1
_HEADER = struct.Struct("<4sBBHIIdQ")
#: Budget (float64 entries) of one block of logits in queries and scoring.
BLOCK_ENTRIES = 1 << 22


class Compressor(_protocol.HeadDimScale):
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
        if d is not None:
            d = check_int("d", d, minimum=1)
        if scale is not None:
            scale = check_positive_scale(scale, 1)
        check_choice("mode", mode, MODES)
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
            raise TypeError(
                f"{owner} in mode {self.mode!r} ingests {len(names)} arrays {names}, got {len(blocks)}"
            )
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
        same_width(self._known_d(), q=q)
        single = q.ndim == 1
        Q = q.reshape(1, -1) if single else q
        arrs = self._reconstructed()
        if arrs[0].shape[0] == 0:
            raise ValueError(f"{owner}: every token was evicted; nothing to attend over")
        c = self.scale
        if self.mode == "factors":
            K1, K2, V1, V2 = arrs
            out = tensor_attention(Q, K1, K2, V1, V2, scale=c)
        else:
            out = attention_batch(Q, arrs[0], arrs[1], c)
        return out[0] if single else out

    # -- bytes ----------------------------------------------------------------------

    def _meta(self) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sections(self) -> list[bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The whole state in the compressors' byte format (:mod:`tensorkv_check.frontier._compressor`)."""
        meta = np.asarray(self._meta(), dtype="<f8")
        assert meta.size == self._META_LEN
        sections = [meta.tobytes()] + (self._sections() if self._d is not None else [])
        head = _HEADER.pack(
            _MAGIC,
            _VERSION,
            _protocol.KIND_CODES[self._KIND],
            MODE_CODE[self.mode],
            0 if self._d is None else self._d,
            len(sections),
            math.nan if self._scale_arg is None else self._scale_arg,
            self.n_tokens,
        )
        lengths = struct.pack(f"<{len(sections)}Q", *(len(s) for s in sections))
        return b"".join([head, lengths, *sections])

    @classmethod
    def from_bytes(cls, data: bytes) -> Compressor:
        """Rebuild from :meth:`to_bytes` output; ``ValueError`` naming the class if it cannot."""
        owner = cls.__name__
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"{owner}: data must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < _HEADER.size:
            raise ValueError(
                f"{owner}: data is {len(data)} bytes, shorter than the {_HEADER.size}-byte header"
            )
        magic, version, code, mode_code, d, count, scale, n = _HEADER.unpack_from(data, 0)
        if magic != _MAGIC:
            raise ValueError(f"{owner}: data does not start with the magic {_MAGIC!r} (got {magic!r})")
        if version != _VERSION:
            raise ValueError(f"{owner}: unsupported format version {version} (this build reads {_VERSION})")
        if code != _protocol.KIND_CODES[cls._KIND]:
            names = {v: k for k, v in _protocol.KIND_CODES.items()}
            raise ValueError(
                f"{owner}: data holds a {names.get(code, f'kind {code}')} state, not a {cls._KIND}"
            )
        modes = {v: k for k, v in MODE_CODE.items()}
        if mode_code not in modes:
            raise ValueError(f"{owner}: data has an unknown mode code {mode_code}")
        off = _HEADER.size
        if len(data) < off + 8 * count:
            raise ValueError(f"{owner}: data is truncated inside the section-length table")
        lengths = struct.unpack_from(f"<{count}Q", data, off)
        off += 8 * count
        if len(data) != off + sum(lengths):
            raise ValueError(
                f"{owner}: data is {len(data)} bytes but its header announces "
                f"{off + sum(lengths)}: truncated or corrupt"
            )
        sections = []
        for ln in lengths:
            sections.append(data[off : off + ln])
            off += ln
        if not sections or len(sections[0]) != 8 * cls._META_LEN:
            raise ValueError(f"{owner}: data is corrupt: parameter section has the wrong length")
        meta = np.frombuffer(sections[0], dtype="<f8")
        obj = cls._from_meta(
            meta, None if d == 0 else int(d), None if math.isnan(scale) else float(scale), modes[mode_code]
        )
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
    def _from_meta(cls, meta: np.ndarray, d: int | None, scale: float | None, mode: str) -> Compressor:
        raise NotImplementedError  # pragma: no cover - abstract

    def _restore(self, meta: np.ndarray, sections: list[bytes], n: int) -> None:  # pragma: no cover
        raise NotImplementedError


def meta_int(owner: str, name: str, x: float, lo: int, hi: int | None = None) -> int:
    if not (math.isfinite(x) and x == int(x)):
        raise ValueError(f"{owner}: data is corrupt: {name} = {x} is not an integer")
    try:
        return check_int(name, int(x), minimum=lo, maximum=hi)
    except ValueError as exc:
        raise ValueError(f"{owner}: data is corrupt: {exc}") from None
