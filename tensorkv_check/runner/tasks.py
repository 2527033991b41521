"""Tasks: what one unit of a sweep is, the seed it gets and what it produced.

A :class:`Task` names a top-level function by ``"module:function"`` and carries
JSON-safe parameters; the function is called as ``fn(params, seed)`` and returns a
JSON-safe dict. Each task's seed is derived from the sweep seed and the task's key
(:func:`task_seed`), never from the order in which workers pick tasks up, and every
value is normalised through JSON (:func:`normalise_value`), so every execution mode
gives the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensorkv_check._util.io import json_default
from tensorkv_check._util.validation import check_int

__all__ = ["Task", "TaskResult", "task_seed", "resolve", "values"]


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def normalise_value(value: Any) -> dict[str, Any]:
    """The value as it reads back from JSON (tuples become lists, keys strings).

    Every back-end and the checkpoint go through this, so a resumed value and a fresh
    one are the same object. NaN and infinities survive (Python's JSON extension).
    """
    if not isinstance(value, dict):
        raise TypeError(f"a task must return a dict, got {type(value).__name__}")
    return json.loads(json.dumps(value, default=json_default))


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
        Unique within a sweep; defaults to the canonical JSON of the function's *name*
        (not its module, so moving code never changes a task's seed) and ``params``.
    cost : float
        A relative estimate of the task's run time (any unit, the same within a sweep).
        Parallel back-ends start the costliest tasks first, so that no long task is left
        running alone at the end of a sweep (longest-processing-time order). It never
        changes a result: results come back in task order, and the seed is the key's.
    """

    fn: str
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    cost: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.fn, str) or ":" not in self.fn:
            raise ValueError(f"Task.fn must be 'module:function', got {self.fn!r}")
        if not isinstance(self.params, dict):
            raise TypeError(f"Task.params must be a dict, got {type(self.params).__name__}")
        if not self.key:
            object.__setattr__(self, "key", self._default_key())

    def _default_key(self) -> str:
        return canonical_json({"fn": self.fn.rpartition(":")[2], "params": self.params})

    @classmethod
    def of(
        cls,
        fn: Callable[[dict[str, Any], int], dict[str, Any]],
        params: dict[str, Any] | None = None,
        *,
        key: str = "",
        cost: float = 0.0,
    ) -> Task:
        """A task calling the top-level function ``fn`` (named by its module and qualified name,
        so that worker processes can import it), checked here rather than at run time.

        Raises
        ------
        TypeError
            If ``fn`` is not a plain function defined at the top level of a module.
        """
        qualname = getattr(fn, "__qualname__", "")
        module = getattr(fn, "__module__", None)
        if not callable(fn) or not module or not qualname or "." in qualname or "<" in qualname:
            raise TypeError(f"fn must be a top-level function of a module, got {fn!r}")
        return cls(f"{module}:{qualname}", dict(params or {}), key=key, cost=float(cost))

    @property
    def label(self) -> str:
        """A short human name: the key if one was given, else the scalar parameters."""
        if self.key != self._default_key():
            return self.key
        scalars = " ".join(
            f"{k}={v}"
            for k, v in self.params.items()
            if isinstance(v, (str, int, float)) and not isinstance(v, bool)
        )
        return f"{self.fn.rpartition(':')[2]} {scalars}".strip()


@dataclass(frozen=True)
class TaskResult:
    """What one task produced: its value, or the error it raised (never both).

    ``resumed`` is true when the value was read from a checkpoint instead of computed.
    """

    task: Task
    seed: int
    value: dict[str, Any] | None = None
    error: str | None = None
    traceback: str | None = None
    resumed: bool = False
    #: Wall seconds the task ran (``None`` when resumed or never run) and the seconds of the
    #: phases it marked (:mod:`tensorkv_check._util.timing`): profile data, never results.
    seconds: float | None = None
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """The task's key, parameters and seed (for error messages)."""
        return (
            f"task {self.task.label!r} (fn {self.task.fn}, params {canonical_json(self.task.params)}, seed "
            f"{self.seed})"
        )


def task_seed(sweep_seed: int, key: str) -> int:
    """A task's seed: a keyed derivation of the sweep seed (independent of execution order).

    ``SeedSequence([sweep_seed, *sha256(key)[:16]])`` reduced to a non-negative 63-bit int.
    """
    sweep_seed = check_int("seed", sweep_seed, minimum=0)
    words = np.frombuffer(hashlib.sha256(key.encode()).digest()[:16], dtype="<u4")
    ss = np.random.SeedSequence([int(sweep_seed), *map(int, words)])
    return int(ss.generate_state(2, dtype=np.uint32).view("<u8")[0] >> 1)


def resolve(fn: str) -> Callable[..., Any]:
    """Import ``"module:function"`` (the function part may be dotted: ``"mod:Class.method"``)."""
    mod, _, name = fn.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def values(results: Sequence[TaskResult]) -> list[dict[str, Any]]:
    """The values of ``results``; raises ``RuntimeError`` naming the first failed task."""
    for r in results:
        if not r.ok:
            raise RuntimeError(f"{r.describe()} failed: {r.error}")
    return [r.value for r in results]  # type: ignore[misc]
