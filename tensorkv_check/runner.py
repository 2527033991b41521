"""The sweep runner: every sweep of the project is a list of pure, seeded tasks.

A :class:`Task` names a top-level function by ``"module:function"`` and carries
JSON-safe parameters; the function is called as ``fn(params, seed)`` and returns a
JSON-safe dict. Each task's seed is derived from the sweep seed and the task's key
(:func:`task_seed`), never from the order in which workers pick tasks up, so every
execution mode gives the same results.

This first version runs tasks serially in-process; the process-pool and Dask
back-ends, checkpointing and resume are added behind the same :func:`run_tasks`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Task", "TaskResult", "task_seed", "resolve", "run_tasks"]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class Task:
    """One unit of a sweep.

    Attributes
    ----------
    fn : str
        ``"package.module:function"``; the function is called ``fn(params, seed)``.
    params : dict
        JSON-safe parameters (they travel to worker processes and into checkpoints).
    key : str
        Unique within a sweep; defaults to the canonical JSON of ``fn`` and ``params``.
    """

    fn: str
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.fn, str) or ":" not in self.fn:
            raise ValueError(f"Task.fn must be 'module:function', got {self.fn!r}")
        if not isinstance(self.params, dict):
            raise TypeError(f"Task.params must be a dict, got {type(self.params).__name__}")
        if not self.key:
            object.__setattr__(self, "key", _canonical({"fn": self.fn, "params": self.params}))


@dataclass(frozen=True)
class TaskResult:
    """What one task produced: its value, or the error it raised (never both)."""

    task: Task
    seed: int
    value: dict[str, Any] | None = None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def task_seed(sweep_seed: int, key: str) -> int:
    """A task's seed: a keyed derivation of the sweep seed (independent of execution order)."""
    if not isinstance(sweep_seed, (int, np.integer)) or isinstance(sweep_seed, bool) or sweep_seed < 0:
        raise ValueError(f"sweep seed must be a non-negative int, got {sweep_seed!r}")
    words = np.frombuffer(hashlib.sha256(key.encode()).digest()[:16], dtype="<u4")
    ss = np.random.SeedSequence([int(sweep_seed), *map(int, words)])
    return int(ss.generate_state(2, dtype=np.uint32).view("<u8")[0] >> 1)


def resolve(fn: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    """Import ``"module:function"``."""
    mod, _, name = fn.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _run_one(task: Task, seed: int) -> TaskResult:
    try:
        value = resolve(task.fn)(dict(task.params), seed)
    except Exception as exc:  # a failing task is reported, the sweep goes on
        return TaskResult(task, seed, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    return TaskResult(task, seed, value=value)


def run_tasks(tasks: Iterable[Task], *, seed: int = 0, **_: Any) -> list[TaskResult]:
    """Run ``tasks`` and return their results in task order (serial for now)."""
    tasks = list(tasks)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique within a sweep")
    return [_run_one(t, task_seed(seed, t.key)) for t in tasks]


def values(results: Sequence[TaskResult]) -> list[dict[str, Any]]:
    """The values of ``results``; raises ``RuntimeError`` naming the first failed task."""
    for r in results:
        if not r.ok:
            raise RuntimeError(f"task {r.task.key} (seed {r.seed}) failed: {r.error}")
    return [r.value for r in results]  # type: ignore[misc]
