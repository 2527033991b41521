"""Small result helpers shared by the geometry modules (argument checks live in _util)."""

from __future__ import annotations

import math

import numpy as np


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
