"""Scaling of the sweep runner on the full report's task mix: three back-ends, one run.

The sweep is a fixed sample of the full profile's own tasks, each with its real cost
hint: every 8th point of the frontier sweep (:func:`tensorkv_check.frontier.sweep.build_tasks`,
``"full"``: standard, four-cache and two-cache compressors, SubGen, benign data) and every
4th point of the Index dimension sweep of the standard model (n up to 2^16): 37 tasks,
about 40 s of work on one idle core, in tasks of 0.01-6 s, as in the report. Repetition ``r`` uses
sweep seed ``r`` for every back-end. Every repetition runs it once

* serially in this process (``jobs=1``, the reference),
* on a local pool of 2 worker processes (``SweepRunner(jobs=2)``), and
* on a Dask ``LocalCluster`` of 2 single-threaded worker processes,

interleaved, so that drifting machine speed lands on all three alike. Pools and the
cluster are started (and warmed up with one untimed sweep) before the timed
repetitions: the ratios are those of the sweep, not of process start-up, which is
reported separately (a report run pays it once: the runner keeps its pool, or its Dask
client, across all its sweeps); then one untimed round of the whole sweep warms every
worker. Each repetition draws new instances (its own frontier seed), so no back-end
finds them in its per-process reuse cache. Reported per repetition: speed-up ``t_serial / t_mode``
and parallel efficiency ``speed-up / workers``; the results of the three back-ends are
also compared (they must be identical). ``--quick``: every 48th frontier point and every
24th Index point.

Usage: ``python -m benchmarks.bench_runner [--quick]`` prints the result as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from tensorkv_check.runner.sweep_runner import SweepRunner, Task

__all__ = ["sweep", "run"]

WORKERS = 2


def sweep(frontier_every: int = 8, index_every: int = 4, seed: int = 0) -> list[Task]:
    """The fixed sample of the full profile's tasks (cost hints included).

    ``seed`` is the frontier's sweep seed, which draws its instances: a repetition with
    its own seed finds none of them in a worker's reuse cache from an earlier one.
    """
    from tensorkv_check.frontier.sweep import build_tasks
    from tensorkv_check.index import sweeps as isw

    grid = isw.FULL["dimension"]["standard"]
    index, _ = isw.dimension_tasks("standard", grid["ns"], ratios=grid["ratios"], queries=isw.FULL["queries"])
    return build_tasks("full", seed)[::frontier_every] + index[::index_every]


def _timed(runner: SweepRunner, tasks: list[Task], seed: int) -> tuple[float, list]:
    t0 = time.perf_counter()
    res = runner.run(tasks, seed=seed, name="bench")
    return time.perf_counter() - t0, [r.value for r in res]


def run(quick: bool = False, reps: int = 3) -> dict[str, Any]:
    """Time the sweep serially, on 2 processes and on a 2-worker LocalCluster, interleaved.

    Returns
    -------
    dict
        ``{"benchmark": "runner", "tasks", "reps", "seconds": {mode: [...]}, "speedup":
        {mode: [...]}, "efficiency": {mode: [...]}, "startup_seconds": {...},
        "identical_results": bool, "dask": available or reason}``.
    """
    every = (48, 24) if quick else (8, 4)
    tasks = sweep(*every)
    runners: dict[str, SweepRunner] = {"serial": SweepRunner(jobs=1)}
    startup: dict[str, float] = {}
    cluster = client = None
    dask_note = "used"
    try:
        t0 = time.perf_counter()
        runners["processes"] = SweepRunner(jobs=WORKERS)
        runners["processes"].run(tasks[:WORKERS], seed=0, name="warmup")
        startup["processes"] = time.perf_counter() - t0
        try:
            import distributed

            t0 = time.perf_counter()
            cluster = distributed.LocalCluster(
                n_workers=WORKERS,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,
            )
            client = distributed.Client(cluster, set_as_default=False)
            runners["dask"] = SweepRunner(scheduler=client)
            runners["dask"].run(tasks[:WORKERS], seed=0, name="warmup")
            startup["dask"] = time.perf_counter() - t0
        except ImportError as exc:
            dask_note = f"not measured: {exc}"
        # One untimed round of the whole sweep on every back-end: every worker has then
        # imported what the tasks need and loaded the compiled kernels, as in a report.
        for r in runners.values():
            r.run(tasks, seed=0, name="warmup")
        seconds: dict[str, list[float]] = {k: [] for k in runners}
        identical = True
        for rep in range(reps):
            outputs: dict[str, str] = {}
            rep_tasks = sweep(*every, seed=rep + 1)
            for mode, r in runners.items():
                t, out = _timed(r, rep_tasks, rep + 1)
                seconds[mode].append(t)
                outputs[mode] = json.dumps(out)
            identical &= len(set(outputs.values())) == 1
    finally:
        for r in runners.values():
            r.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    ref = seconds["serial"]
    speedup = {m: [a / b for a, b in zip(ref, s)] for m, s in seconds.items() if m != "serial"}
    return {
        "benchmark": "runner",
        "quick": quick,
        "tasks": len(tasks),
        "task": tasks[0].params,
        "workers": WORKERS,
        "reps": reps,
        "seconds": seconds,
        "speedup": speedup,
        "efficiency": {m: [x / WORKERS for x in v] for m, v in speedup.items()},
        "startup_seconds": startup,
        "identical_results": identical,
        "dask": dask_note,
    }


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
