"""Sign sketch of the keys with stored norms (QJL spirit; budget: sketch rows ``m``).

:class:`SignSketch` (budget: sketch dimension ``m``; QJL spirit)
    Keys are stored as ``m`` sign bits ``sign(S k)`` (``S`` an ``m×d`` standard Gaussian
    matrix regenerated from the seed in the bytes) plus the float32 norm ``‖k‖``. A query
    is answered with the reconstruction ``k̂ = ‖k‖·√(π/2)/m · S^T sign(S k)``, whose inner
    product ``⟨q, k̂⟩`` is exactly QJL's unbiased estimator of ``⟨q, k⟩``
    (``E[⟨s, q⟩ sign⟨s, k⟩] = √(2/π)·⟨q, k⟩/‖k‖`` for Gaussian ``s``); values are
    per-token ``value_bits``-bit quantized as above.

Every class takes ``d``, ``scale`` (logit scale, ``None`` for ``1/d``) and ``mode``
(``"kv"``, ``"factors"`` or ``"rows"``) and shares the query path and the byte format of
:mod:`tensorkv_check.frontier._compressor`.
"""

from __future__ import annotations

import math

import numpy as np

from tensorkv_check._util.validation import check_int
from tensorkv_check.frontier._compressor import KEY_ARRAYS, MODES, Compressor, meta_int
from tensorkv_check.frontier.bitpack import RowCodes, packed_len, read_f32

__all__ = ["SignSketch"]


class SignSketch(Compressor):
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

    def __init__(
        self,
        d: int | None = None,
        scale: float | None = None,
        *,
        sketch_dim: int,
        value_bits: int = 8,
        seed: int = 0,
        mode: str = "kv",
    ) -> None:
        super().__init__(d, scale, mode=mode)
        self.sketch_dim = check_int("sketch_dim", sketch_dim, minimum=1, maximum=1 << 20)
        self.value_bits = check_int("value_bits", value_bits, minimum=1, maximum=16)
        self.seed = check_int("seed", seed, minimum=0, maximum=(1 << 53) - 1)
        self._signs: dict[int, list[np.ndarray]] = {i: [] for i in KEY_ARRAYS[mode]}
        self._norms: dict[int, list[np.ndarray]] = {i: [] for i in KEY_ARRAYS[mode]}
        self._vals = {i: RowCodes() for i in range(len(MODES[mode])) if i not in KEY_ARRAYS[mode]}
        self._S: np.ndarray | None = None

    def _matrix(self) -> np.ndarray:
        if self._S is None:
            self._S = np.random.default_rng(self.seed).standard_normal((self.sketch_dim, self._known_d()))
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
            self._signs[i] = [
                np.concatenate(self._signs[i]) if self._signs[i] else np.zeros((0, self.sketch_dim), bool)
            ]
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
                out.append(self._vals[i].decode(self._known_d()))
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
                out += self._vals[i].sections(self._known_d(), self.value_bits)
        return out

    @classmethod
    def _from_meta(cls, meta, d, scale, mode):
        o = cls.__name__
        return cls(
            d,
            scale,
            sketch_dim=meta_int(o, "sketch_dim", meta[0], 1, 1 << 20),
            value_bits=meta_int(o, "value_bits", meta[1], 1, 16),
            seed=meta_int(o, "seed", meta[2], 0),
            mode=mode,
        )

    def _restore(self, meta, sections, n):
        names = MODES[self.mode]
        want = sum(2 if i in self._signs else 3 for i in range(len(names)))
        if len(sections) != want:
            raise ValueError(f"expected {want} data sections, got {len(sections)}")
        pos, m = 0, self.sketch_dim
        for i, nm in enumerate(names):
            if i in self._signs:
                if len(sections[pos]) != packed_len(n * m, 1):
                    raise ValueError(
                        f"{nm} sign section is {len(sections[pos])} bytes, expected {packed_len(n * m, 1)}"
                    )
                bits = np.unpackbits(np.frombuffer(sections[pos], np.uint8), count=n * m, bitorder="little")
                self._signs[i] = [bits.reshape(n, m).astype(bool)]
                self._norms[i] = [read_f32(sections[pos + 1], n, nm + " norm")]
                pos += 2
            else:
                self._vals[i] = RowCodes.restore(sections[pos : pos + 3], n, self._d, self.value_bits, nm)
                pos += 3
