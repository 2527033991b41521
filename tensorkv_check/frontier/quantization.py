"""Uniform per-token quantization of keys and values (KIVI-style; budget: bits ``b``).

:class:`UniformQuantizer` (budget: bits ``b ∈ 1…16``; KIVI-style per-token)
    Each token row ``x`` of every array is stored as ``b``-bit codes
    ``round((x − lo)/step)`` with ``lo = min x``, ``step = (max x − min x)/(2^b − 1)``
    kept as float32 (codes computed against the float32-rounded values); codes are
    bit-packed (``np.packbits``), so the bytes really shrink. Keys may use a separate
    ``key_bits``.

Every class takes ``d``, ``scale`` (logit scale, ``None`` for ``1/d``) and ``mode``
(``"kv"``, ``"factors"`` or ``"rows"``) and shares the query path and the byte format of
:mod:`tensorkv_check.frontier._compressor`.
"""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.validation import check_int
from tensorkv_check.frontier._compressor import KEY_ARRAYS, MODES, Compressor, meta_int
from tensorkv_check.frontier.bitpack import RowCodes

__all__ = ["UniformQuantizer"]


class UniformQuantizer(Compressor):
    """Per-token uniform ``bits``-bit keys and values with float32 scale and offset (module docstring).

    Parameters
    ----------
    d, scale, mode
        As every compressor (module docstring).
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

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        bits: int,
        key_bits: int | None = None,
        mode: str = "kv",
    ) -> None:
        super().__init__(d, scale, mode=mode)
        self.bits = check_int("bits", bits, minimum=1, maximum=16)
        self.key_bits = (
            self.bits if key_bits is None else check_int("key_bits", key_bits, minimum=1, maximum=16)
        )
        self._rows = [RowCodes() for _ in MODES[mode]]

    def _bits_of(self, i: int) -> int:
        return self.key_bits if i in KEY_ARRAYS[self.mode] else self.bits

    def _add(self, arrays: list[np.ndarray]) -> None:
        for i, a in enumerate(arrays):
            self._rows[i].add(a, self._bits_of(i))

    def _reconstruct(self) -> list[np.ndarray]:
        return [r.decode(self._known_d()) for r in self._rows]

    def _meta(self) -> list[float]:
        return [float(self.bits), float(self.key_bits)]

    def _sections(self) -> list[bytes]:
        out: list[bytes] = []
        for i, r in enumerate(self._rows):
            out += r.sections(self._known_d(), self._bits_of(i))
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        o = cls.__name__
        return cls(
            d,
            scale,
            bits=meta_int(o, "bits", meta[0], 1, 16),
            key_bits=meta_int(o, "key_bits", meta[1], 1, 16),
            mode=mode,
        )

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        if len(sections) != 3 * len(names):
            raise ValueError(f"expected {3 * len(names)} data sections, got {len(sections)}")
        self._rows = [
            RowCodes.restore(sections[3 * i : 3 * i + 3], n, self._d, self._bits_of(i), nm)
            for i, nm in enumerate(names)
        ]
