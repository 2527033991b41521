"""Argument checks shared by the SubGen compressors and their parameter formulas."""

from __future__ import annotations

import math
import numbers

import numpy as np

from tensorkv_check._util.validation import (
    as_float_array,
    check_positive_int,
    same_width,
)


def _check_real(name: str, value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_delta(name: str, value: object) -> float:
    value = _check_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} (the clustering radius δ) must be > 0, got {value}")
    return value


def _check_eps(value: object) -> float:
    value = _check_real("eps", value)
    if not 0 < value < 1:
        raise ValueError(f"eps (the error parameter ε) must be in (0, 1), got {value}")
    return value


def _check_prob(name: str, value: object) -> float:
    value = _check_real(name, value)
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")
    return value


def _check_nonneg(name: str, value: object) -> float:
    value = _check_real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _check_d(d: object) -> int | None:
    if d is None:
        return None
    return check_positive_int("d", d)


def _as_rng(rng: object) -> np.random.Generator:
    """An ``int`` seed, a ``SeedSequence`` or a PCG64 ``Generator`` -> a Generator."""
    if isinstance(rng, np.random.Generator):
        if not isinstance(rng.bit_generator, np.random.PCG64):
            raise TypeError(
                "rng must use the PCG64 bit generator (np.random.default_rng) so that its "
                f"state can be serialised, got {type(rng.bit_generator).__name__}"
            )
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(rng))
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"rng must be an integer seed, a SeedSequence or a numpy Generator, got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def _rows(name: str, value: object, d: int | None) -> np.ndarray:
    arr = as_float_array(name, value, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if d is not None:
        same_width(d, **{name: arr})
    return arr
