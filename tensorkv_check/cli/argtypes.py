"""argparse value types shared by the ``tensorkv-check`` command and the benchmark runner.

Each turns a bad value into an ``argparse.ArgumentTypeError`` that names the rule, so
usage errors exit with status 2 and a clear message.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["int_at_least", "positive_int", "non_negative_int", "seed"]


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
