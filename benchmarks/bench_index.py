"""Benchmark of the Index reduction harness at the harness's target scales.

Targets (2 cores), each a whole :func:`run_index` call
(instance, Alice's ingest, serialisation, Bob's rebuild, the ε measurement and Bob's
batched queries):

* standard model, n = 65,536, d = 128, 1,000 queries: under 10 s;
* four-cache model, n = 4,096, d = 64, 100 queries: under 60 s (the real four-cache
  decode step, ~4n²d flops per query; the K2 = V2 = 1 collapse is never used);
* two-cache model, n = 256 (65,536 free rows), d = 64, 200 queries: under 30 s.

At these ``d`` the measured ε of the keys is ≥ 1/2 (below the threshold of
lem:near-orthogonal), so Bob's ``C`` comes from ``eps = 1/4`` in the reduction's formula;
the success rate is reported as measured. ``run(quick=True)`` runs smaller sizes
without targets. Times depend on the machine and on its load: the load average and the
BLAS thread count are recorded with the results.

Usage: ``python -m benchmarks.bench_index [--quick]`` prints the result as JSON.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from typing import Any

from tensorkv_check.index.reduction import run_index

__all__ = ["CASES", "QUICK_CASES", "run"]

#: (label, model, n, d, queries, target seconds).
CASES = (
    ("standard n=65536 d=128 q=1000", "standard", 65_536, 128, 1000, 10.0),
    ("four-cache n=4096 d=64 q=100", "four-cache", 4096, 64, 100, 60.0),
    ("two-cache n=256 (65536 rows) d=64 q=200", "two-cache", 256, 64, 200, 30.0),
)

QUICK_CASES = (
    ("standard n=4096 d=64 q=200", "standard", 4096, 64, 200, None),
    ("four-cache n=256 d=32 q=20", "four-cache", 256, 32, 20, None),
    ("two-cache n=32 (1024 rows) d=32 q=100", "two-cache", 32, 32, 100, None),
)


def _environment() -> dict[str, Any]:
    env: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    try:
        env["cpus"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        env["cpus"] = os.cpu_count()
    try:
        env["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        env["load_average"] = None
    try:
        from threadpoolctl import threadpool_info

        env["blas"] = [
            {"api": i.get("internal_api"), "threads": i.get("num_threads")} for i in threadpool_info()
        ]
    except Exception:  # pragma: no cover - threadpoolctl missing
        env["blas"] = None
    return env


def run(quick: bool = False) -> dict[str, Any]:
    """Run the benchmark cases and return a JSON-serialisable dict.

    Parameters
    ----------
    quick : bool
        Small sizes (seconds, no targets) instead of the target scales.

    Returns
    -------
    dict
        ``{"benchmark": "index", "quick", "environment_before", "environment_after",
        "cases": [{label, model, n, d, queries, seconds, target_seconds, met,
        phases, successes, rate, ci_low, N, message_bits, eps_measured, C}]}``.
    """
    env_before = _environment()
    cases = []
    for label, model, n, d, queries, target in QUICK_CASES if quick else CASES:
        t0 = time.perf_counter()
        r = run_index("exact", model, n, d, queries=queries, seed=0, eps=0.25)
        seconds = time.perf_counter() - t0
        cases.append(
            {
                "label": label,
                "model": model,
                "algorithm": r.algorithm,
                "n": n,
                "d": d,
                "queries": queries,
                "seconds": round(seconds, 3),
                "target_seconds": target,
                "met": None if target is None else seconds < target,
                "phases": {k: round(v, 3) for k, v in r.timings.items()},
                "successes": r.successes,
                "rate": r.rate,
                "ci_low": r.ci_low,
                "N": r.N,
                "message_bits": r.message_bits,
                "eps_measured": r.eps_measured,
                "eps_scope": r.eps_scope,
                "C": r.C,
                "C_source": r.C_source,
            }
        )
    return {
        "benchmark": "index",
        "quick": quick,
        "environment_before": env_before,
        "environment_after": _environment(),
        "cases": cases,
    }


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
