"""Atomic file output for reports and benchmark results, and the one JSON conversion.

A report run must never leave a half-written file: every file is written to a
temporary sibling and moved into place with :func:`os.replace`, which is atomic on
POSIX and Windows, so an interrupted run leaves the previous report intact.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = ["atomic_write", "ensure_writable_dir", "json_default", "json_safe"]

#: How :func:`json_safe` writes a NaN or an infinity.
NonFinite = Literal["null", "name", "keep"]


def ensure_writable_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` if needed and prove it is writable, before any work starts.

    Raises
    ------
    ValueError
        If ``path`` exists and is not a directory, or a file cannot be created in it.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"--out {p} exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=p)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"--out {p} is not writable: {exc.strerror or exc}") from None
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + rename)."""
    p = Path(path)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")  # text as UTF-8, "\n" kept
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p


def json_default(obj: Any) -> Any:
    """``default=`` hook for :func:`json.dumps`: numpy scalars and arrays to Python.

    A numpy scalar becomes its Python value (``np.float64(1.5)`` -> ``1.5``,
    ``np.bool_(True)`` -> ``True``), an array its nested list; anything else is a
    ``TypeError`` naming its type, as :func:`json.dumps` itself would raise. Non-finite
    floats pass through unchanged (written as ``NaN``/``Infinity`` unless
    ``allow_nan=False``); use :func:`json_safe` to replace them.
    """
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"value of type {type(obj).__name__} is not JSON-serialisable")


def json_safe(obj: Any, nonfinite: NonFinite = "null") -> Any:
    """A copy of ``obj`` made of plain JSON types (dict, list, str, int, float, bool, None).

    * dict keys become ``str``; tuples and lists become lists;
    * numpy booleans, integers and floats become ``bool``, ``int`` and ``float``; numpy
      arrays become nested lists; an object with a ``to_dict()`` method becomes that dict;
    * a NaN or infinite float becomes ``None`` (``nonfinite="null"``, strict JSON that
      reads back as "missing"), the strings ``"nan"``, ``"inf"``, ``"-inf"``
      (``"name"``, strict JSON that keeps which one it was), or stays a float
      (``"keep"``, for Python's JSON extension);
    * anything else (str, None, ...) is returned unchanged.

    Examples
    --------
    >>> json_safe({1: (np.float64(2.0), np.inf), "a": np.array([True])})
    {'1': [2.0, None], 'a': [True]}
    >>> json_safe([float("nan"), -np.inf], nonfinite="name")
    ['nan', '-inf']
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v, nonfinite) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, nonfinite) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist(), nonfinite)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if math.isfinite(v) or nonfinite == "keep":
            return v
        if nonfinite == "null":
            return None
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if hasattr(obj, "to_dict"):
        return json_safe(obj.to_dict(), nonfinite)
    return obj
