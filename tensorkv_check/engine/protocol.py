"""The cache-algorithm protocol of the Index reductions, and its byte format.

The lower bounds of Chen et al. 2025 (arXiv 2503.11108; thm:four-cache-lb,
thm:two-cache-lb) and of Haris and Onak 2025 (arXiv 2502.15955; thm:ho25-lb) are
reductions from the Index problem (spec def:index): Alice streams tokens into a KV-cache
algorithm and sends its memory; Bob resumes the algorithm from that memory and queries
it. To make the message length a *measurement*, every algorithm the harness runs
implements this protocol:

``inputs``
    the input kinds the algorithm ingests, a subset of :data:`INPUT_KINDS`:
    ``"kv"`` (standard attention tokens ``(k, v)``), ``"factors"`` (tensor-attention
    tokens ``(k1, k2, v1, v2)``) or ``"rows"`` (free rows ``(k̃, ṽ)`` of the two-cache
    representation);
``d``, ``scale``
    head dimension and logit scale (Bob folds the scale into his query);
``ingest(*blocks)``
    append a block of ``t`` tokens, each block array of shape ``(t, d)``, in the order
    :data:`INPUT_KINDS` gives; may be called repeatedly (streaming);
``to_bytes()``
    the algorithm's whole memory as ``bytes``;
``from_bytes(data)``
    a classmethod that rebuilds an equivalent algorithm from those bytes only;
``query(q)``
    the algorithm's answer to one query ``(d,)`` or a batch ``(m, d)``.

Bob only ever holds ``type(alice).from_bytes(alice.to_bytes())``, so the message
length is ``M = 8 * len(bytes)`` bits.

Optional: ``batch_for(m)``, the most queries one ``query`` call may take in place of
calls of ``m`` queries, when the algorithm computes each query's answer alone (no state
shared between the queries of a batch, no randomness drawn per call) so that a larger
batch changes its outputs by floating-point rounding at most. Bob's decoding then asks
larger batches and re-asks, in calls of ``m``, the outputs near his threshold
(:func:`tensorkv_check.index.reduction.bob_decode`): his guesses are those of calls of
``m``. Without it, Bob asks calls of ``m``.

Byte format of this project's algorithms (:func:`pack_state` / :func:`unpack_state`),
all little-endian:

======  =====  ==============================================================
offset  bytes  field
======  =====  ==============================================================
0       4      magic ``b"TKVC"``
4       1      format version (1)
5       1      kind code of the class (:data:`KIND_CODES`)
6       2      flags (class-specific; the two-cache decoder's feed mode)
8       4      head dimension ``d`` (0 while unknown)
12      4      number of arrays ``a``
16      8      logit scale (float64; NaN while ``d`` is unknown and the scale default)
24      8      class-specific integer parameter (uint64; the truncating cache's budget)
32      8·a    row count of each array (uint64)
32+8a   …      the arrays, float64 row-major, each ``rows × d``
======  =====  ==============================================================

So an algorithm holding ``a`` arrays of ``r_1, …, r_a`` rows sends exactly
``32 + 8a + 8d·Σ r_i`` bytes (:func:`state_size`).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "INPUT_KINDS",
    "KIND_CODES",
    "HEADER_BYTES",
    "CacheAlgorithm",
    "HeadDimScale",
    "check_algorithm",
    "check_factory",
    "message_bytes",
    "pack_state",
    "unpack_state",
    "unpack_param",
    "state_size",
]

#: Input kinds and the block arrays :meth:`CacheAlgorithm.ingest` takes for each.
INPUT_KINDS: dict[str, tuple[str, ...]] = {
    "kv": ("k", "v"),
    "factors": ("k1", "k2", "v1", "v2"),
    "rows": ("kt", "vt"),
}

#: Kind codes written in byte 5 of the header, one per concrete class.
KIND_CODES: dict[str, int] = {
    "StandardDecoder": 1,
    "FourCacheDecoder": 2,
    "NaiveFourCacheDecoder": 3,
    "TwoCacheDecoder": 4,
    "FactorKeepingTwoCache": 5,
    "TruncatingRowCache": 6,
    # the frontier compressors (their byte payload is sectioned; see tensorkv_check.frontier._compressor).
    "RandomEviction": 24,
    "KeyNormEviction": 25,
    "WindowEviction": 26,
    "AttentionScoreEviction": 27,
    "UniformQuantizer": 28,
    "SignSketch": 29,
    "LowRankSVD": 30,
}

_MAGIC = b"TKVC"
_VERSION = 1
_HEADER = struct.Struct("<4sBBHIIdQ")
#: Fixed part of the header; each array adds 8 bytes for its row count.
HEADER_BYTES = _HEADER.size  # 32

_MEMBERS = ("inputs", "d", "scale", "ingest", "to_bytes", "from_bytes", "query")


class HeadDimScale:
    """The protocol's ``d`` and ``scale`` members, shared by this project's algorithms.

    Subclasses set ``self._d`` (``None`` until the first token fixes it) and
    ``self._scale_arg`` (``None`` for the default ``1/d``).
    """

    _d: int | None
    _scale_arg: float | None

    @property
    def d(self) -> int | None:
        """Head dimension, fixed by the constructor or the first token."""
        return self._d

    @property
    def scale(self) -> float:
        """Logit scale; ``1/d`` unless given."""
        from tensorkv_check._util.validation import check_positive_scale

        if self._d is None:
            raise ValueError(
                f"{type(self).__name__}: scale is undefined until d is known; give a token first"
            )
        return check_positive_scale(self._scale_arg, self._d)

    def _known_d(self) -> int:
        """``d`` once known (constructor or first token); ``ValueError`` before that."""
        if self._d is None:
            raise ValueError(
                f"{type(self).__name__}: d is undefined until the first token; give a token first"
            )
        return self._d


@runtime_checkable
class CacheAlgorithm(Protocol):
    """A KV-cache algorithm the Index harness can run (see the module docstring).

    ``isinstance(obj, CacheAlgorithm)`` only checks that the members exist; use
    :func:`check_algorithm` for a check that names what is missing.
    """

    inputs: ClassVar[frozenset[str]]

    @property
    def d(self) -> int | None: ...

    @property
    def scale(self) -> float: ...

    def ingest(self, *blocks: np.ndarray) -> None: ...

    def to_bytes(self) -> bytes: ...

    @classmethod
    def from_bytes(cls, data: bytes) -> CacheAlgorithm: ...

    def query(self, q: np.ndarray) -> np.ndarray: ...


def _missing_members(obj: Any, members: tuple[str, ...] = _MEMBERS) -> list[str]:
    missing = []
    for name in members:
        try:
            value = getattr(obj, name)
        except AttributeError:
            missing.append(name)
            continue
        except Exception:  # a property that cannot be evaluated yet still exists
            continue
        if name in ("ingest", "to_bytes", "from_bytes", "query") and not callable(value):
            missing.append(f"{name} (not callable)")
    return missing


def check_factory(name: str, factory: Any) -> None:
    """Raise ``TypeError`` unless ``factory`` is a callable whose products can be protocol objects.

    A class is checked for the protocol's members; other callables (``functools.partial``,
    functions) are checked on the object they return, by :func:`check_algorithm`.
    """
    if not callable(factory):
        raise TypeError(
            f"{name} must be an algorithm name or a factory (class or callable taking d), "
            f"got {type(factory).__name__} instance; pass the class, not an instance"
        )
    if isinstance(factory, type):
        # d and scale may be set per instance; the class must carry the rest.
        missing = _missing_members(factory, tuple(m for m in _MEMBERS if m not in ("d", "scale")))
        if missing:
            raise TypeError(
                f"{name}: {factory.__qualname__} does not implement the cache-algorithm "
                f"protocol (tensorkv_check.engine.protocol.CacheAlgorithm); missing: {', '.join(missing)}"
            )


def check_algorithm(name: str, obj: Any, input_kind: str | None = None) -> None:
    """Raise ``TypeError`` naming ``name`` unless ``obj`` implements :class:`CacheAlgorithm`.

    With ``input_kind``, also require ``input_kind in obj.inputs``.
    """
    missing = _missing_members(obj)
    if missing:
        raise TypeError(
            f"{name}: {type(obj).__qualname__} does not implement the cache-algorithm "
            f"protocol (tensorkv_check.engine.protocol.CacheAlgorithm); missing: {', '.join(missing)}"
        )
    inputs = obj.inputs
    if not isinstance(inputs, (set, frozenset, tuple, list)) or not set(inputs) <= set(INPUT_KINDS):
        raise TypeError(
            f"{name}: {type(obj).__qualname__}.inputs must be a set of input kinds from "
            f"{sorted(INPUT_KINDS)}, got {inputs!r}"
        )
    if input_kind is not None and input_kind not in inputs:
        raise TypeError(
            f"{name}: {type(obj).__qualname__} ingests {sorted(inputs)} but this model streams "
            f"{input_kind!r} tokens {INPUT_KINDS[input_kind]}"
        )


def message_bytes(name: str, obj: Any) -> bytes:
    """``obj.to_bytes()``, raising ``TypeError`` naming ``name`` unless it is ``bytes``."""
    data = obj.to_bytes()
    if not isinstance(data, bytes):
        raise TypeError(
            f"{name}: {type(obj).__qualname__}.to_bytes() must return bytes, got {type(data).__name__}"
        )
    return data


def state_size(d: int, rows: Sequence[int]) -> int:
    """Bytes of a packed state with arrays of ``rows`` rows each: ``32 + 8a + 8d·Σ rows``.

    Examples
    --------
    >>> state_size(4, [3, 3])  # header 32, two row counts, 2·3·4 float64
    240
    """
    return HEADER_BYTES + 8 * len(rows) + 8 * d * int(sum(rows))


def pack_state(
    kind: str,
    d: int | None,
    scale: float | None,
    arrays: Sequence[np.ndarray],
    flags: int = 0,
    param: int = 0,
) -> bytes:
    """Serialise a state: header (see the module docstring), row counts, float64 arrays.

    ``scale=None`` (scale not yet fixed) is written as NaN. Every array must have
    ``d`` columns.
    """
    code = KIND_CODES[kind]
    dd = 0 if d is None else int(d)
    parts: list[bytes | memoryview] = [
        _HEADER.pack(
            _MAGIC,
            _VERSION,
            code,
            int(flags),
            dd,
            len(arrays),
            math.nan if scale is None else float(scale),
            int(param),
        )
    ]
    parts.append(struct.pack(f"<{len(arrays)}Q", *(int(a.shape[0]) for a in arrays)))
    for a in arrays:
        if a.ndim != 2 or a.shape[1] != dd:
            raise ValueError(f"array of shape {a.shape} does not have d = {dd} columns")
        # A byte view of the contiguous array: join copies each array exactly once.
        parts.append(np.ascontiguousarray(a, dtype="<f8").reshape(-1).data.cast("B"))
    return b"".join(parts)


def unpack_state(kind: str, data: object) -> tuple[int | None, float | None, int, list[np.ndarray]]:
    """Inverse of :func:`pack_state`: ``(d, scale, flags, arrays)``.

    The arrays are read-only float64 views into ``data``. The class parameter is read
    by :func:`unpack_param`.

    Raises
    ------
    TypeError
        If ``data`` is not ``bytes``.
    ValueError
        If the magic, version or kind code is wrong, or the length does not match the
        header exactly (truncated or padded data).
    """
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    if len(data) < HEADER_BYTES:
        raise ValueError(f"data is {len(data)} bytes, shorter than the {HEADER_BYTES}-byte header")
    magic, version, code, flags, d, count, scale, _ = _HEADER.unpack_from(data, 0)
    if magic != _MAGIC:
        raise ValueError(f"data does not start with the magic {_MAGIC!r} (got {magic!r})")
    if version != _VERSION:
        raise ValueError(f"unsupported format version {version} (this build reads {_VERSION})")
    if code != KIND_CODES[kind]:
        names = {v: k for k, v in KIND_CODES.items()}
        raise ValueError(f"data holds a {names.get(code, f'kind {code}')} state, not a {kind}")
    off = HEADER_BYTES
    if len(data) < off + 8 * count:
        raise ValueError("data is truncated inside the row-count table")
    rows = struct.unpack_from(f"<{count}Q", data, off)
    off += 8 * count
    expected = off + 8 * d * sum(rows)
    if len(data) != expected:
        raise ValueError(
            f"data is {len(data)} bytes but its header announces {expected} "
            f"(d = {d}, rows = {list(rows)}): truncated or corrupt"
        )
    arrays = []
    for r in rows:
        n = r * d
        # Read-only float64 views into ``data`` (no copy); callers copy what they keep.
        arrays.append(np.frombuffer(data, dtype="<f8", count=n, offset=off).reshape(r, d))
        off += 8 * n
    return (None if d == 0 else d), (None if math.isnan(scale) else scale), flags, arrays


def unpack_param(data: bytes) -> int:
    """The class-specific integer parameter of a packed state (header bytes 24–31)."""
    return int(_HEADER.unpack_from(data, 0)[7])
