"""argparse value types shared by the ``tensorkv-check`` command and the benchmark runner.

Each turns a bad value into an ``argparse.ArgumentTypeError`` that names the rule, so
usage errors exit with status 2 and a clear message.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

__all__ = [
    "int_at_least",
    "positive_int",
    "non_negative_int",
    "seed",
    "byte_size",
    "format_bytes",
    "claim_ids",
]


def int_at_least(minimum: int, rule: str) -> Callable[[str], int]:
    """An argparse type accepting integers ``>= minimum``; ``rule`` opens its error message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{rule}, got {value}")
        return value

    return parse


positive_int = int_at_least(1, "expected a positive integer")
non_negative_int = int_at_least(0, "expected a non-negative integer")
seed = int_at_least(0, "seed must be a non-negative integer")


_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([A-Za-z]*)\s*$")


def byte_size(text: str) -> int:
    """An argparse type for a positive number of bytes: ``2GiB``, ``512MiB``, ``1.5GB``, ``1000000``.

    Examples
    --------
    >>> byte_size("2GiB"), byte_size("1.5 GB"), byte_size("4096")
    (2147483648, 1500000000, 4096)
    """
    m = _SIZE.match(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 2GiB, 512MiB, 1.5GB or a number of bytes, got {text!r}"
        )
    value = int(float(m.group(1)) * _UNITS[unit])
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive size, got {text!r}")
    return value


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units, e.g. ``'2.0 GiB'``.

    Examples
    --------
    >>> format_bytes(2**31), format_bytes(1536), format_bytes(12)
    ('2.0 GiB', '1.5 KiB', '12 B')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def claim_ids(text: str) -> list[str]:
    """An argparse type for ``--claims``: comma-separated claim ids, at least one.

    An empty value is a usage error (it would otherwise silently mean "every claim").

    Examples
    --------
    >>> claim_ids(" def:softmax, thm:covering ")
    ['def:softmax', 'thm:covering']
    """
    ids = [p.strip() for p in text.split(",")]
    if not any(ids) or not all(ids):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated claim ids such as def:softmax,thm:covering, got {text!r}"
        )
    return list(dict.fromkeys(ids))
