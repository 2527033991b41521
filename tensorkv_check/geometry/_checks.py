"""Argument checks and small result helpers shared by the geometry modules."""

from __future__ import annotations

import math
import numbers

import numpy as np


def _check_positive_real(name: str, value: object) -> float:
    """``value`` as a finite float ``> 0``; TypeError for non-reals, ValueError else."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return value


def _check_eps(value: object, name: str = "eps") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {value}")
    return value


def _check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _pow(base: float, exponent: float) -> float:
    """``base ** exponent`` for positive ``base``, ``inf`` instead of OverflowError."""
    try:
        return float(base) ** exponent
    except OverflowError:
        return math.inf


def _side(value: float, bound: float) -> str:
    """Where ``value`` lies relative to ``bound``: "above", "below" or "equal"."""
    if value > bound:
        return "above"
    if value < bound:
        return "below"
    return "equal"


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr

