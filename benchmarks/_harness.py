"""Timing, reporting and result-file plumbing shared by the benchmarks.

Every benchmark measures its own reference in the same run and reports a *ratio*
(subject against reference), never a bare time, because the machines this project
runs on are shared virtual CPUs whose speed drifts by up to 2x from minute to minute.
To keep a drift from landing on one side of a ratio only, subject and reference are
measured *interleaved*, one call of each per repetition, and the ratio is formed per
repetition; the report gives the median with the min and max over the repetitions.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Stats",
    "CpuMonitor",
    "load_snapshot",
    "wait_for_quiet",
    "Check",
    "BenchConfig",
    "time_call",
    "interleaved",
    "stats",
    "machine_info",
    "write_json_atomic",
]


@dataclass
class Stats:
    """Summary of repeated measurements of one quantity."""

    median: float
    min: float
    max: float
    values: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.min, "max": self.max, "values": self.values}

    def spread(self, fmt: str = ".3g") -> str:
        return f"[{self.min:{fmt}} .. {self.max:{fmt}}]"


def stats(values: Sequence[float]) -> Stats:
    vals = [float(v) for v in values]
    return Stats(float(np.median(vals)), min(vals), max(vals), vals)


@dataclass
class Check:
    """One reported quantity of a benchmark (a ratio, or a peak memory in MiB).

    A target makes it PASS or MISS, judged on the median; without one it is INFO.
    """

    name: str
    case: dict[str, Any]
    value: Stats
    meaning: str
    target: tuple[str, float] | None = None  # (">=" or "<=", value)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.target is None:
            return "INFO"
        op, value = self.target
        ok = self.value.median >= value if op == ">=" else self.value.median <= value
        return "PASS" if ok else "MISS"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "case": self.case,
            "meaning": self.meaning,
            "value": self.value.as_dict(),
            "target": None if self.target is None else {"op": self.target[0], "value": self.target[1]},
            "status": self.status,
            **self.extra,
        }

    def line(self) -> str:
        case = " ".join(f"{k}={v}" for k, v in self.case.items())
        target = "" if self.target is None else f"{self.target[0]} {self.target[1]:g}"
        return (
            f"{self.name:<26}{case:<22}{self.meaning:<40}"
            f"{self.value.median:>9.3g} {self.value.spread():<20}{target:<9}{self.status}"
        )


@dataclass
class BenchConfig:
    quick: bool
    reps: int
    warmup: int
    seed: int
    settle: float = 0.2  # seconds of pause before each timed call (see SETTLE_SECONDS)

    def rng(self, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, salt])


def time_call(fn: Callable[[], Any]) -> float:
    """Wall time of one call of ``fn`` in seconds, with the garbage collector paused."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


#: Pause (seconds) before each timed call. OpenBLAS keeps its worker threads spinning
#: for ~0.1 s after a multi-threaded call; without a pause the call timed next (say a
#: decode step right after the reference GEMM) shares the cores with those spinners.
SETTLE_SECONDS = 0.2


def interleaved(
    fns: dict[str, Callable[[], Any]], reps: int, warmup: int, settle: float | None = None
) -> dict[str, list[float]]:
    """Time each function ``reps`` times, round-robin, after ``warmup`` untimed rounds.

    Returns the list of times (seconds) per function, repetition ``i`` of every function
    having run back to back, so per-repetition ratios compare like with like. Each
    timed call is preceded by an untimed pause of ``settle`` seconds (default
    :data:`SETTLE_SECONDS`).
    """
    settle = SETTLE_SECONDS if settle is None else settle
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            if settle > 0:
                time.sleep(settle)
            times[name].append(time_call(fn))
    return times


class CpuMonitor:
    """CPU time used by *other* processes (and stolen by the hypervisor) over a window.

    Reads the machine-wide busy and steal jiffies of ``/proc/stat`` and subtracts this
    process's own CPU time (``os.times``), so ``other_share`` is the fraction of all CPUs
    that other processes (not this one or its descendants, such as the runner's worker
    pool) kept busy while a benchmark ran: a ratio measured while it is
    well above zero was measured on a shared, contended machine. Linux only; elsewhere
    the shares are ``None``.
    """

    def __init__(self) -> None:
        # Descendants (worker pools, a report run in a subprocess and its workers) are the
        # benchmark's own work. Some exit before the end and are reaped by a process that
        # is not this one, so their CPU times are polled while they live; a pid's last
        # reading counts.
        self._seen: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds
        self._base = dict(self._descendants())
        self._done = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="cpu-monitor", daemon=True)
        self._poller.start()
        self._start = self._sample()

    def _poll(self) -> None:
        while not self._done.wait(0.25):
            self._seen.update(self._descendants())

    @staticmethod
    def _descendants() -> dict[tuple[int, int], float]:
        """CPU seconds of this process's live descendants, by ``(pid, start time)``. Linux
        only; empty elsewhere."""
        try:
            hz = os.sysconf("SC_CLK_TCK")
            stats = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                            rest = fh.read().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    # ppid, utime + stime, start time
                    stats[int(entry)] = (int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19]))
        except (OSError, ValueError, AttributeError, IndexError):
            return {}
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        out, todo = {}, list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            out[(pid, stats[pid][2])] = stats[pid][1] / hz
            todo += children.get(pid, [])
        return out

    def _descendants_seconds(self) -> float:
        self._seen.update(self._descendants())
        return sum(v - self._base.get(k, 0.0) for k, v in self._seen.items())

    def _sample(self) -> tuple[float, tuple[int, int, int] | None, float]:
        own = os.times()
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(x) for x in fh.readline().split()[1:]]
            user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
            jiffies = (user + nice + system + irq + softirq, idle + iowait, steal)
        except (OSError, ValueError):
            jiffies = None
        return time.monotonic(), jiffies, own.user + own.system + self._descendants_seconds()

    def stop(self) -> dict[str, float | None]:
        self._done.set()
        t1, j1, own1 = self._sample()
        t0, j0, own0 = self._start
        wall = t1 - t0
        if j0 is None or j1 is None or wall <= 0:
            return {"seconds": wall, "other_share": None, "steal_share": None}
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        cpus = os.cpu_count() or 1
        busy = (j1[0] - j0[0]) / hz
        steal = (j1[2] - j0[2]) / hz
        other = max(0.0, busy - (own1 - own0)) / (wall * cpus)
        return {
            "seconds": wall,
            "other_share": round(other, 4),
            "steal_share": round(steal / (wall * cpus), 4),
        }


def wait_for_quiet(max_seconds: float, threshold: float = 0.05, window: float = 2.0) -> dict[str, Any]:
    """Wait until other processes use under ``threshold`` of the CPUs for ``window`` s.

    Gives up after ``max_seconds``. Returns what was waited and the last window's shares.
    """
    t0 = time.monotonic()
    while True:
        monitor = CpuMonitor()
        time.sleep(window)
        last = monitor.stop()
        quiet = last["other_share"] is None or last["other_share"] < threshold
        waited = time.monotonic() - t0
        if quiet or waited >= max_seconds:
            return {"quiet": quiet, "waited_seconds": round(waited, 1), "last_window": last}


def load_snapshot() -> dict[str, Any]:
    """``/proc/loadavg`` and CPU pressure (PSI) at this moment, where available."""
    snap: dict[str, Any] = {}
    for key, path in (("loadavg", "/proc/loadavg"), ("cpu_pressure", "/proc/pressure/cpu")):
        try:
            with open(path, encoding="ascii") as fh:
                snap[key] = fh.read().strip()
        except OSError:
            snap[key] = None
    return snap


def _blas_info() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info

        return [
            {k: v for k, v in info.items() if isinstance(v, (str, int, float, type(None)))}
            for info in threadpool_info()
        ]
    except Exception as exc:  # pragma: no cover - informational only
        return [{"error": repr(exc)}]


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _git_state() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return {"commit": head or None, "dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def machine_info() -> dict[str, Any]:
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        affinity = None
    env_keys = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "blas": _blas_info(),
        "env": {k: os.environ.get(k) for k in env_keys},
        "git": _git_state(),
    }


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
