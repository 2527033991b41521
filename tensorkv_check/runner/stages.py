"""Stages that run at the same time on one sweep runner.

A stage is a function that submits its sweeps to a runner and assembles their results
(a report section, the Index sweeps of one kind). When the runner's tasks run in other
processes (:attr:`~tensorkv_check.runner.sweep_runner.SweepRunner.parallel`), running the
stages in threads lets one stage's last, long tasks share the workers with the next
stage's first ones instead of leaving a worker idle; the results do not change, as every
task's value depends only on its function, parameters and seed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["run_concurrently", "run_stages"]


def run_concurrently(stages: dict[str, Callable[[], Any]], runner: Any) -> dict[str, Any]:
    """Run each stage in its own thread; return their results by name.

    The stages submit their tasks to the same ``runner``, which must allow that
    (:attr:`SweepRunner.parallel`). The first stage to raise (or Ctrl-C here) stops the
    runner, so the others end at once, and its exception propagates. Threads are daemons:
    an interrupted run never waits for them.
    """
    results: dict[str, Any] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(name: str, fn: Callable[[], Any]) -> None:
        try:
            value = fn()
        except BaseException as exc:  # handed to the main thread
            with lock:
                first = not errors
                errors.append(exc)
            if first:
                getattr(runner, "stop", lambda: None)()
            return
        with lock:
            results[name] = value

    threads = [
        threading.Thread(target=target, args=(n, f), name=f"stage-{n}", daemon=True)
        for n, f in stages.items()
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
                if errors:
                    break
            if errors:
                break
    except BaseException:
        getattr(runner, "stop", lambda: None)()
        raise
    if errors:
        # A stage stopped by the runner's stop raises RuntimeError: report the cause.
        raise errors[0]
    return results


def run_stages(stages: dict[str, Callable[[], Any]], runner: Any) -> dict[str, Any]:
    """:func:`run_concurrently` when ``runner`` is parallel, else one stage after another
    in order (a serial runner runs tasks in this process, where BLAS's thread limit is
    process-wide, so they must not overlap)."""
    if getattr(runner, "parallel", False):
        return run_concurrently(stages, runner)
    return {name: fn() for name, fn in stages.items()}
