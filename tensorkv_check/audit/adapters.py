"""Thin adapters that turn an outside KV-cache compressor into the cache-algorithm protocol.

The contract an audited compressor meets is the cache-algorithm protocol of
:mod:`tensorkv_check.engine.protocol`, the same one the Index reductions of Chen et al.
2025 (arXiv 2503.11108; thm:four-cache-lb, thm:two-cache-lb) and Haris and Onak 2025
(thm:ho25-lb) run:

``inputs``
    the token kinds it ingests: ``"kv"`` ``(k, v)``, ``"factors"``
    ``(k1, k2, v1, v2)`` or ``"rows"`` (free rows of the two-cache model);
``d``, ``scale``
    head dimension and logit scale (default ``1/d``);
``ingest(*blocks)``
    append a block of ``t`` tokens, one ``(t, d)`` array per name of the kind;
``to_bytes()``
    the *whole* memory as ``bytes`` (Alice's message);
``from_bytes(data)``
    a classmethod rebuilding an equivalent object from those bytes *only*;
``query(q)``
    attention output for one query ``(d,)`` or a batch ``(m, d)``.

Memory is ``M = 8·len(to_bytes())`` bits and nothing else: whatever Bob uses must be
in those bytes (code and public randomness excepted: the Index bound holds with public
coins).

Most compressors fit one of three shapes; each adapter below wraps it in a few lines:

:func:`eviction`
    a scorer ``score(keys, values) -> (t,)`` (the shape of kvpress's scorer presses) and
    a keep budget: after every block the ``⌈keep·n⌉`` highest-scoring tokens seen so far
    are kept in float64 and attended over exactly;
:func:`codec`
    ``encode(K, V, **params) -> bytes`` and ``decode(bytes) -> (K_hat, V_hat)``
    (quantizers, sketches, low rank); queries attend exactly over the decoded arrays;
:func:`tensor_codec`
    the same for the four factor caches ``(K1, K2, V1, V2)`` of tensor attention
    (Definition 3.6), queried by exact tensor attention
    (:func:`tensorkv_check.engine.exact_attention.tensor_attention`) on the decoded
    factors; audited on the four-cache and structured two-cache models.

Each adapter returns a *class* ``Cls(d, scale=None, **params)``; its byte format is a
32-byte header (magic ``b"TKVX"``, version, adapter kind, ``d``, scale, tokens ingested)
followed by the payload, and the header counts in ``M`` like everything else.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from tensorkv_check._util.validation import check_int, check_positive_scale, check_real
from tensorkv_check.engine.exact_attention import attention, tensor_attention
from tensorkv_check.engine.protocol import HeadDimScale

__all__ = ["AdapterBase", "eviction", "codec", "tensor_codec"]

_MAGIC = b"TKVX"
_VERSION = 1
# magic, version, adapter kind, reserved, d, reserved, scale (NaN = default), tokens.
_HEADER = struct.Struct("<4sBBHIIdQ")
_KINDS = {"eviction": 1, "codec": 2, "tensor": 3}


class AdapterBase(HeadDimScale):
    """Shared plumbing of the adapters: ``d``, ``scale``, block checks and the header.

    Subclasses set :attr:`inputs`, ``_KIND`` and implement ``_add(blocks)``,
    ``_payload()``, ``_restore(payload)`` and ``_answer(Q)``.
    """

    inputs: ClassVar[frozenset[str]] = frozenset()
    _d: int  # required by the constructor, never None
    _KIND: ClassVar[str] = ""
    _ARRAYS: ClassVar[int] = 2

    def __init__(self, d: int, scale: float | None = None) -> None:
        self._d = check_int("d", d, minimum=1)
        self._scale_arg = None if scale is None else check_positive_scale(scale, 1)
        self.n_tokens = 0

    # -- protocol ---------------------------------------------------------------

    def ingest(self, *blocks: np.ndarray) -> None:
        """Append one block: ``self._ARRAYS`` arrays of shape ``(t, d)`` (or ``(d,)``)."""
        owner = type(self).__name__
        if len(blocks) != self._ARRAYS:
            raise TypeError(f"{owner}.ingest takes {self._ARRAYS} arrays, got {len(blocks)}")
        arrays = []
        for i, b in enumerate(blocks):
            a = np.array(b, dtype=np.float64, copy=True)  # never keep a view of the caller's data
            if a.ndim == 1:
                a = a[None, :]
            if a.ndim != 2 or a.shape[1] != self._d:
                raise ValueError(
                    f"{owner}.ingest: block array {i} has shape {np.shape(b)}, need (t, {self._d})"
                )
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{owner}.ingest: block array {i} has non-finite entries")
            arrays.append(a)
        if len({a.shape[0] for a in arrays}) != 1:
            raise ValueError(f"{owner}.ingest: block arrays differ in length {[a.shape[0] for a in arrays]}")
        self.n_tokens += arrays[0].shape[0]
        self._add(arrays)

    def to_bytes(self) -> bytes:
        """Header (32 bytes) and the adapter's payload: the whole message."""
        scale = math.nan if self._scale_arg is None else self._scale_arg
        head = _HEADER.pack(_MAGIC, _VERSION, _KINDS[self._KIND], 0, self._d, 0, scale, self.n_tokens)
        return head + self._payload()

    @classmethod
    def from_bytes(cls, data: bytes) -> AdapterBase:
        """Rebuild from the bytes of :meth:`to_bytes` (nothing else is read)."""
        owner = cls.__name__
        if not isinstance(data, bytes):
            raise TypeError(f"{owner}.from_bytes: data must be bytes, got {type(data).__name__}")
        if len(data) < _HEADER.size:
            raise ValueError(
                f"{owner}.from_bytes: {len(data)} bytes is shorter than the {_HEADER.size}-byte header"
            )
        magic, version, kind, _, d, _, scale, n = _HEADER.unpack_from(data, 0)
        if magic != _MAGIC or version != _VERSION or kind != _KINDS[cls._KIND]:
            raise ValueError(
                f"{owner}.from_bytes: not a {cls._KIND} adapter message "
                f"(magic {magic!r}, version {version}, kind {kind})"
            )
        obj = cls.__new__(cls)
        obj._d = int(d)
        obj._scale_arg = None if math.isnan(scale) else float(scale)
        obj.n_tokens = int(n)
        obj._restore(data[_HEADER.size :])
        return obj

    def query(self, q: np.ndarray) -> np.ndarray:
        """Attention output for ``q`` of shape ``(d,)`` or ``(m, d)``."""
        Q = np.asarray(q, dtype=np.float64)
        if Q.ndim not in (1, 2) or Q.shape[-1] != self._d:
            raise ValueError(
                f"{type(self).__name__}.query: q has shape {Q.shape}, need (d,) or (m, d) with d = {self._d}"
            )
        one = Q.ndim == 1
        out = self._answer(np.atleast_2d(Q))
        return out[0] if one else out

    # -- hooks ------------------------------------------------------------------

    def _add(self, arrays: list[np.ndarray]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _payload(self) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def _restore(self, payload: bytes) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _answer(self, Q: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


# ------------------------------------------------------------------------- eviction


class _Eviction(AdapterBase):
    inputs: ClassVar[frozenset[str]] = frozenset({"kv", "rows"})
    _KIND = "eviction"
    _score: ClassVar[Callable[..., Any]]

    def __init__(self, d: int, scale: float | None = None, *, keep: float = 0.5) -> None:
        super().__init__(d, scale)
        self.keep = check_real("keep", keep, low=0.0, high=1.0, high_open=False)
        self._K = np.zeros((0, self._d))
        self._V = np.zeros((0, self._d))

    @property
    def kept_fraction(self) -> float:
        """Tokens kept over tokens seen."""
        return self._K.shape[0] / max(1, self.n_tokens)

    def _add(self, arrays: list[np.ndarray]) -> None:
        K = np.vstack([self._K, arrays[0]])
        V = np.vstack([self._V, arrays[1]])
        budget = max(1, math.ceil(self.keep * self.n_tokens))
        if K.shape[0] > budget:
            s = np.asarray(type(self)._score(K, V), dtype=np.float64).reshape(-1)
            if s.shape != (K.shape[0],) or not np.all(np.isfinite(s)):
                raise ValueError(
                    f"{type(self).__name__}: score(keys, values) must return {K.shape[0]} finite "
                    f"scores, got shape {s.shape}"
                )
            # Highest scores kept; a stable sort keeps the earlier token on ties, and the
            # kept tokens stay in arrival order.
            idx = np.sort(np.argsort(-s, kind="stable")[:budget])
            K, V = K[idx], V[idx]
        self._K, self._V = K, V

    def _payload(self) -> bytes:
        r = self._K.shape[0]
        return struct.pack("<Q", r) + self._K.astype("<f8").tobytes() + self._V.astype("<f8").tobytes()

    def _restore(self, payload: bytes) -> None:
        owner = type(self).__name__
        if len(payload) < 8:
            raise ValueError(f"{owner}.from_bytes: payload truncated")
        (r,) = struct.unpack_from("<Q", payload, 0)
        need = 8 + 2 * 8 * r * self._d
        if len(payload) != need:
            raise ValueError(f"{owner}.from_bytes: payload is {len(payload)} bytes, header announces {need}")
        arr = np.frombuffer(payload, dtype="<f8", offset=8).reshape(2, r, self._d)
        self._K, self._V = arr[0].copy(), arr[1].copy()
        self.keep = self._K.shape[0] / max(1, self.n_tokens)

    def _answer(self, Q: np.ndarray) -> np.ndarray:
        if self._K.shape[0] == 0:
            return np.zeros((Q.shape[0], self._d))
        return attention(Q, self._K, self._V, self.scale)


def eviction(score: Callable[[np.ndarray, np.ndarray], np.ndarray], *, name: str | None = None) -> type:
    """A protocol class from a token scorer and a keep budget (kvpress scorer presses).

    Parameters
    ----------
    score : callable
        ``score(keys, values) -> scores``: ``keys``, ``values`` of shape ``(t, d)`` (the
        tokens currently held), one float per token; higher is kept.
    name : str, optional
        Class name (default ``"Eviction_<score name>"``).

    Returns
    -------
    type
        ``Cls(d, scale=None, *, keep=0.5)``: after each block keeps the
        ``max(1, ⌈keep·n⌉)`` highest-scoring tokens of the ``n`` seen (ties: earlier),
        sends them in float64 and answers by exact attention over them. Ingests
        ``"kv"`` and ``"rows"``, so it is audited on the standard and two-cache models.

    Examples
    --------
    >>> Norm = eviction(lambda K, V: -np.linalg.norm(K, axis=1), name="KeepSmallKeys")
    >>> c = Norm(4, keep=0.5); c.ingest(np.eye(4), np.eye(4))
    >>> type(c).from_bytes(c.to_bytes()).kept_fraction
    0.5
    """
    if not callable(score):
        raise TypeError(f"score must be callable, got {type(score).__name__}")
    cls_name = name or f"Eviction_{getattr(score, '__name__', 'score')}".replace("<lambda>", "lambda")
    return type(
        cls_name,
        (_Eviction,),
        {"_score": staticmethod(score), "__module__": getattr(score, "__module__", __name__)},
    )


# ------------------------------------------------------------------------- codecs


class _Codec(AdapterBase):
    inputs: ClassVar[frozenset[str]] = frozenset({"kv", "rows"})
    _KIND = "codec"
    _encode: ClassVar[Callable[..., bytes]]
    _decode: ClassVar[Callable[[bytes], Any]]

    def __init__(self, d: int, scale: float | None = None, **params: Any) -> None:
        super().__init__(d, scale)
        self.params = dict(params)
        self._blocks: list[list[np.ndarray]] = [[] for _ in range(self._ARRAYS)]
        self._decoded: tuple[np.ndarray, ...] | None = None
        # Fail at construction on a parameter the encoder does not take.
        self._message(None)

    def _add(self, arrays: list[np.ndarray]) -> None:
        for store, a in zip(self._blocks, arrays):
            store.append(a)
        self._decoded = None

    def _arrays(self) -> list[np.ndarray]:
        return [np.vstack(b) if b else np.zeros((0, self._d)) for b in self._blocks]

    def _message(self, arrays: list[np.ndarray] | None) -> bytes:
        owner = type(self).__name__
        if arrays is None:
            arrays = [np.zeros((1, self._d)) for _ in range(self._ARRAYS)]
        try:
            data = type(self)._encode(*arrays, **self.params)
        except TypeError as exc:
            raise TypeError(f"{owner}: encode(*arrays, **{sorted(self.params)}) failed: {exc}") from None
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"{owner}: encode must return bytes, got {type(data).__name__}")
        return bytes(data)

    def _payload(self) -> bytes:
        return self._message(self._arrays())

    def _restore(self, payload: bytes) -> None:
        self.params = {}
        self._blocks = [[] for _ in range(self._ARRAYS)]
        self._decoded = self._decode_checked(payload)

    def _decode_checked(self, payload: bytes) -> tuple[np.ndarray, ...]:
        owner = type(self).__name__
        out = type(self)._decode(payload)
        if not isinstance(out, (tuple, list)) or len(out) != self._ARRAYS:
            raise TypeError(f"{owner}: decode must return {self._ARRAYS} arrays, got {type(out).__name__}")
        arrays = tuple(np.asarray(a, dtype=np.float64) for a in out)
        rows = {a.shape[0] if a.ndim == 2 else -1 for a in arrays}
        if any(a.ndim != 2 or a.shape[1] != self._d for a in arrays):
            raise ValueError(
                f"{owner}: decode must return (r, {self._d}) arrays, got {[a.shape for a in arrays]}"
            )
        if self._KIND == "codec" and len(rows) != 1:
            raise ValueError(f"{owner}: decoded K and V differ in rows {[a.shape[0] for a in arrays]}")
        return arrays

    def _current(self) -> tuple[np.ndarray, ...]:
        # Alice answers from what her message decodes to, so Alice and Bob agree.
        if self._decoded is None:
            self._decoded = self._decode_checked(self._payload())
        return self._decoded

    def _answer(self, Q: np.ndarray) -> np.ndarray:
        K, V = self._current()
        if K.shape[0] == 0:
            return np.zeros((Q.shape[0], self._d))
        return attention(Q, K, V, self.scale)


def _codec_class(
    base: type, encode: Callable[..., bytes], decode: Callable[[bytes], Any], name: str | None, default: str
) -> type:
    for label, fn in (("encode", encode), ("decode", decode)):
        if not callable(fn):
            raise TypeError(f"{label} must be callable, got {type(fn).__name__}")
    cls_name = name or default
    return type(
        cls_name,
        (base,),
        {
            "_encode": staticmethod(encode),
            "_decode": staticmethod(decode),
            "__module__": getattr(encode, "__module__", __name__),
        },
    )


def codec(encode: Callable[..., bytes], decode: Callable[[bytes], Any], *, name: str | None = None) -> type:
    """A protocol class from ``encode(K, V, **params) -> bytes`` and ``decode(bytes) -> (K, V)``.

    Parameters
    ----------
    encode : callable
        ``encode(K, V, **params)`` with ``K``, ``V`` of shape ``(n, d)`` (every token
        ingested so far), returning ``bytes``. The budget parameters (``bits``, ``rank``…)
        are keyword arguments; ``decode`` must read what it needs from the bytes.
    decode : callable
        ``decode(data) -> (K_hat, V_hat)``, two ``(r, d)`` arrays (``r`` may differ from
        ``n``: a sketch or a token merge).
    name : str, optional
        Class name (default ``"Codec_<encode name>"``).

    Returns
    -------
    type
        ``Cls(d, scale=None, **params)``; the message is the header plus
        ``encode(K, V, **params)``; queries attend exactly over the decoded arrays, on
        Alice's side too (so Alice's and Bob's answers agree). Ingests ``"kv"`` and
        ``"rows"``.

    Examples
    --------
    >>> F32 = codec(lambda K, V: np.stack([K, V]).astype("<f4").tobytes(),
    ...             lambda b: tuple(np.frombuffer(b, "<f4").reshape(2, -1, 4)), name="Float32")
    >>> c = F32(4); c.ingest(np.eye(4), np.eye(4)); len(c.to_bytes())  # header + 2·4·4 float32
    160
    """
    return _codec_class(_Codec, encode, decode, name, f"Codec_{getattr(encode, '__name__', 'encode')}")


class _TensorCodec(_Codec):
    inputs: ClassVar[frozenset[str]] = frozenset({"factors"})
    _KIND = "tensor"
    _ARRAYS = 4

    def _answer(self, Q: np.ndarray) -> np.ndarray:
        K1, K2, V1, V2 = self._current()
        if K1.shape[0] == 0 or K2.shape[0] == 0:
            return np.zeros((Q.shape[0], self._d))
        return tensor_attention(Q, K1, K2, V1, V2, self.scale)


def tensor_codec(
    encode: Callable[..., bytes], decode: Callable[[bytes], Any], *, name: str | None = None
) -> type:
    """A protocol class for tensor attention from a codec of the four factor caches.

    ``encode(K1, K2, V1, V2, **params) -> bytes`` and ``decode(bytes) -> (K1, K2, V1, V2)``
    (each ``(r, d)``; ``K1``/``V1`` and ``K2``/``V2`` may be cut to different lengths).
    Queries run exact tensor attention (Definition 3.6,
    :func:`tensorkv_check.engine.exact_attention.tensor_attention`) on the decoded
    factors. Ingests ``"factors"``: audited on the four-cache and structured two-cache
    models (thm:four-cache-lb, thm:two-cache-lb).
    """
    return _codec_class(
        _TensorCodec, encode, decode, name, f"TensorCodec_{getattr(encode, '__name__', 'encode')}"
    )
