"""Input validation shared by the public functions of :mod:`tensorkv_check`.

Every public entry point converts its array arguments through these helpers, so a
bad input is rejected at the boundary with a message that names the parameter and
the rule it broke, and the numerical code behind it only ever sees finite float64.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_float_array", "check_positive_scale", "check_positive_int", "same_width"]


def as_float_array(name: str, value: object, ndims: tuple[int, ...]) -> np.ndarray:
    """Return ``value`` as a finite float64 array whose ndim is one of ``ndims``.

    Raises
    ------
    TypeError
        If ``value`` is not a real numeric array (complex, object, strings).
    ValueError
        If its number of dimensions is not allowed, it is empty, or it holds NaN/inf.
    """
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.ndim not in ndims:
        allowed = " or ".join(f"{k}-D" for k in ndims)
        raise ValueError(f"{name} must be {allowed}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def same_width(d: int, **arrays: np.ndarray) -> None:
    """Raise ``ValueError`` unless every array's last axis has length ``d``."""
    for name, arr in arrays.items():
        if arr.shape[-1] != d:
            raise ValueError(
                f"{name} has width {arr.shape[-1]} but the head dimension d is {d}; "
                "all arguments must share d"
            )


def check_positive_scale(scale: object, d: int) -> float:
    """Return the softmax scale: ``1/d`` for ``None``, else a finite positive real."""
    if scale is None:
        return 1.0 / d
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number or None, got {type(scale).__name__}")
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be finite and > 0, got {scale}")
    return scale


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising unless it is an integer ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
