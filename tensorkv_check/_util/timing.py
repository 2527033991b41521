"""Wall-clock seconds of named phases inside a task, for the report's profile.

A sweep task (a pure function of its parameters and seed) may mark where its time goes
with :func:`phase`; the sweep runner collects the seconds of every task it runs
(:func:`collect`) and reports them per sweep, outside the report's deterministic data.
Nothing here changes what a task computes: the accumulator is process-local and only
read by the runner, so a task run outside the runner just adds to a dict nobody reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["add_phase", "collect", "phase"]

_PHASES: dict[str, float] = {}


def add_phase(name: str, seconds: float) -> None:
    """Add ``seconds`` to phase ``name`` of the task running in this process."""
    _PHASES[name] = _PHASES.get(name, 0.0) + float(seconds)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the ``with`` body as phase ``name`` (see :func:`add_phase`)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        add_phase(name, time.perf_counter() - t0)


def collect() -> dict[str, float]:
    """The phases recorded since the last call, and reset them."""
    out = dict(_PHASES)
    _PHASES.clear()
    return out
