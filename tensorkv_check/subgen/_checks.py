"""Row-block conversion shared by the SubGen compressors (argument rules live in _util)."""

from __future__ import annotations

import numpy as np

from tensorkv_check._util.validation import as_float_array, same_width


def _rows(name: str, value: object, d: int | None) -> np.ndarray:
    arr = as_float_array(name, value, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if d is not None:
        same_width(d, **{name: arr})
    return arr
