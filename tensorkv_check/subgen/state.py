"""The SubGen compressors' state: the flat float64 state vector and the byte format.

``to_bytes()`` of :class:`~tensorkv_check.subgen.standard.SubGen`,
:class:`~tensorkv_check.subgen.tensor_variants.SubGen2Cache` and
:class:`~tensorkv_check.subgen.tensor_variants.SubGen4Cache` is the whole state in the
project's byte format (:mod:`tensorkv_check.engine.protocol`), including the random
generator's state so that ``from_bytes`` resumes the stream exactly; the message length
is measured as ``len(to_bytes())``. Only PCG64 generators (``np.random.default_rng``)
are accepted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorkv_check.engine import protocol as _protocol

__all__ = [
    "SUBGEN_KIND_CODES",
]

#: Kind codes of the byte format (header byte 5). Registered into
#: :data:`tensorkv_check.engine.protocol.KIND_CODES` at import unless already present.
SUBGEN_KIND_CODES = {"SubGen": 16, "SubGen2Cache": 17, "SubGen4Cache": 18}

for _name, _code in SUBGEN_KIND_CODES.items():
    _owner = {v: k for k, v in _protocol.KIND_CODES.items()}.get(_code)
    if _name not in _protocol.KIND_CODES:
        if _owner is not None:  # pragma: no cover - a registry collision is a build error
            raise ImportError(f"protocol kind code {_code} of {_name} is already used by {_owner}")
        _protocol.KIND_CODES[_name] = _code

_FORMAT = 1  # layout version of the subgen state vector (first entry of array 0)


class _Vec:
    """Builds / reads the flat float64 state vector (integers < 2^53 are exact)."""

    def __init__(self, data: np.ndarray | None = None) -> None:
        self.parts: list[np.ndarray] = []
        # A writer has no data to read: an empty vector makes take() fail as on short data.
        self.data: np.ndarray = np.zeros(0) if data is None else data
        self.pos = 0

    def put(self, *values: Any) -> None:
        for v in values:
            self.parts.append(np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel())

    def array(self, d: int) -> np.ndarray:
        flat = np.concatenate(self.parts) if self.parts else np.zeros(0)
        rows = max(1, -(-flat.size // d))
        out = np.zeros(rows * d)
        out[: flat.size] = flat
        return out.reshape(rows, d)

    def take(self, k: int) -> np.ndarray:
        if self.pos + k > self.data.size:
            raise ValueError("data is corrupt: the state vector is shorter than its fields")
        out = self.data[self.pos : self.pos + k]
        self.pos += k
        return out

    def int(self) -> int:
        v = float(self.take(1)[0])
        if v != int(v) or v < 0:
            raise ValueError("data is corrupt: a count field is not a non-negative integer")
        return int(v)

    def float(self) -> float:
        return float(self.take(1)[0])


def _put_rng(vec: _Vec, rng: np.random.Generator) -> None:
    st = rng.bit_generator.state
    chunks = []
    for key in ("state", "inc"):
        x = int(st["state"][key])
        chunks += [(x >> (16 * i)) & 0xFFFF for i in range(8)]
    vec.put(chunks, int(st["has_uint32"]), int(st["uinteger"]))


def _take_rng(vec: _Vec) -> np.random.Generator:
    vals = [vec.int() for _ in range(18)]
    state = sum(v << (16 * i) for i, v in enumerate(vals[:8]))
    inc = sum(v << (16 * i) for i, v in enumerate(vals[8:16]))
    bg = np.random.PCG64()
    bg.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": vals[16],
        "uinteger": vals[17],
    }
    return np.random.Generator(bg)


#: Header flag: ``d`` was not fixed yet; the state vector is written with width 1.
_FLAG_D_UNKNOWN = 1


def _pack(kind: str, d: int | None, scale_arg: float | None, arrays: list[np.ndarray]) -> bytes:
    if d is None:
        return _protocol.pack_state(kind, 1, scale_arg, arrays, flags=_FLAG_D_UNKNOWN)
    return _protocol.pack_state(kind, d, scale_arg, arrays)


def _unpack(kind: str, data: object) -> tuple[int | None, float | None, list[np.ndarray]]:
    d, scale, flags, arrays = _protocol.unpack_state(kind, data)
    if flags & ~_FLAG_D_UNKNOWN:
        raise ValueError(f"data is corrupt: unknown header flags {flags}")
    if flags & _FLAG_D_UNKNOWN:
        if d != 1 or len(arrays) != 1:
            raise ValueError("data is corrupt: a state without d must hold only its state vector")
        d = None
    if not arrays:
        raise ValueError("data is corrupt: no state vector")
    return d, scale, arrays
