"""Bit packing and per-token uniform quantization: the codes the quantizing compressors store.

:func:`quantize_rows` turns each row of an array into ``b``-bit integer codes with a
float32 offset and step (KIVI-style per-token quantization); :func:`pack_codes` packs
the codes into ``⌈size·b/8⌉`` bytes, so a compressor's bytes really shrink with ``b``.
``read_f64``/``read_f32`` read a raw little-endian float section back, checking its
length. :class:`RowCodes` is the growable per-token store that
:class:`~tensorkv_check.frontier.quantization.UniformQuantizer` and
:class:`~tensorkv_check.frontier.sketch.SignSketch` keep their quantized rows in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["quantize_rows", "dequantize_rows", "pack_codes", "unpack_codes"]


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


def packed_len(count: int, bits: int) -> int:
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


def read_f64(section: bytes, rows: int, cols: int, what: str) -> np.ndarray:
    if len(section) != 8 * rows * cols:
        raise ValueError(f"{what} section is {len(section)} bytes, expected {8 * rows * cols}")
    return np.frombuffer(section, dtype="<f8").reshape(rows, cols).copy()


def read_f32(section: bytes, count: int, what: str) -> np.ndarray:
    if len(section) != 4 * count:
        raise ValueError(f"{what} section is {len(section)} bytes, expected {4 * count}")
    return np.frombuffer(section, dtype="<f4").copy()


class RowCodes:
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
    def restore(cls, secs: Sequence[bytes], n: int, d: int, bits: int, what: str) -> RowCodes:
        if len(secs[0]) != packed_len(n * d, bits):
            raise ValueError(
                f"{what} code section is {len(secs[0])} bytes, expected {packed_len(n * d, bits)}"
            )
        obj = cls()
        obj.codes = [unpack_codes(secs[0], bits, (n, d))]
        obj.lo = [read_f32(secs[1], n, what + " offset")]
        obj.step = [read_f32(secs[2], n, what + " scale")]
        return obj
