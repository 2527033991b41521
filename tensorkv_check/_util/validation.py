"""Input validation shared by the public functions of :mod:`tensorkv_check`.

One function per rule, one exception type per rule, one wording per rule. Every public
entry point checks its arguments through these helpers, so the same bad input gets the
same error whichever function receives it, and the numerical code behind the boundary
only ever sees finite float64 and Python ints.

Rules
-----
* wrong type -> ``TypeError``: ``"d must be an integer, got float"``. ``bool`` is never
  accepted as a number (``True`` is an ``int`` in Python, never a meaningful ``d``), and a
  float is never accepted as an integer, even ``2.0``.
* a value outside its range -> ``ValueError``: ``"n must be >= 1, got 0"``,
  ``"eps must be in (0, 1), got 1.5"``, ``"delta must be finite and > 0, got nan"``.
  NaN is outside every range.
* a value not among fixed choices -> ``ValueError``:
  ``"mode must be one of ['factors', 'kv', 'rows'], got 'x'"``.

Seeds and random generators are checked by :func:`tensorkv_check._util.rng.as_generator`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "as_float_array",
    "check_choice",
    "check_int",
    "check_positive_int",
    "check_positive_scale",
    "check_probability",
    "check_real",
    "same_width",
]


def _type_name(value: object) -> str:
    return type(value).__name__


def check_int(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking it is an integer in ``[minimum, maximum]``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (``bool`` and floats such as ``2.0`` included).
    ValueError
        If it lies below ``minimum`` or above ``maximum``.

    Examples
    --------
    >>> check_int("d", np.int64(3), minimum=1)
    3
    >>> check_int("d", 2.5, minimum=1)
    Traceback (most recent call last):
    ...
    TypeError: d must be an integer, got float
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_type_name(value)}")
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        if maximum is None:
            rule = f">= {minimum}"
        elif minimum is None:
            rule = f"<= {maximum}"
        else:
            rule = f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be {rule}, got {v}")
    return v


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    """``check_int(name, value, minimum=minimum)``; kept for callers outside the areas."""
    return check_int(name, value, minimum=minimum)


def _bound(x: float) -> str:
    return f"{x:g}"


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = True,
    high_open: bool = True,
    finite: bool = True,
) -> float:
    """Return ``value`` as a float, checking it is a real number in the given interval.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        The argument.
    low, high : float, optional
        Interval ends; ``None`` means unbounded on that side.
    low_open, high_open : bool
        Whether each end is excluded (default: both excluded).
    finite : bool
        Also refuse ±inf when a side is unbounded (NaN is always refused).

    Raises
    ------
    TypeError
        If ``value`` is not a real number (``bool``, complex and strings included).
    ValueError
        If it is NaN, infinite (with ``finite``) or outside the interval.

    Examples
    --------
    >>> check_real("eps", 0.5, low=0, high=1)
    0.5
    >>> check_real("eps", 1.5, low=0, high=1)
    Traceback (most recent call last):
    ...
    ValueError: eps must be in (0, 1), got 1.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_type_name(value)}")
    v = float(value)
    ok = not math.isnan(v) and (not finite or math.isfinite(v) or (low is not None and high is not None))
    if low is not None:
        ok = ok and (v > low if low_open else v >= low)
    if high is not None:
        ok = ok and (v < high if high_open else v <= high)
    if not ok:
        if low is not None and high is not None:
            rule = f"in {'(' if low_open else '['}{_bound(low)}, {_bound(high)}{')' if high_open else ']'}"
        else:
            parts = ["finite"] if finite else []
            if low is not None:
                parts.append(f"{'>' if low_open else '>='} {_bound(low)}")
            if high is not None:
                parts.append(f"{'<' if high_open else '<='} {_bound(high)}")
            rule = " and ".join(parts) if parts else "a number (not NaN)"
        raise ValueError(f"{name} must be {rule}, got {v}")
    return v


def check_probability(name: str, value: object) -> float:
    """A probability strictly between 0 and 1 (a failure probability, an ``eps``).

    Same as ``check_real(name, value, low=0, high=1)``.
    """
    return check_real(name, value, low=0.0, high=1.0)


def check_choice(name: str, value: object, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``.

    Examples
    --------
    >>> check_choice("kind", "x", ("gaussian", "sign"))
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of ['gaussian', 'sign'], got 'x'
    """
    allowed = list(choices)
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value against a set-like container
        ok = False
    if not ok:
        shown = sorted(allowed, key=repr) if not all(isinstance(c, str) for c in allowed) else sorted(allowed)
        raise ValueError(f"{name} must be one of {shown}, got {value!r}")
    return value


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
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
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
    """Return the softmax scale: ``1/d`` for ``None``, else a finite real ``> 0``."""
    if scale is None:
        return 1.0 / d
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number or None, got {_type_name(scale)}")
    return check_real("scale", scale, low=0.0)
