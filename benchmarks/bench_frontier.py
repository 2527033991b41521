"""Benchmark of the compressibility frontier sweep .

* ``frontier_quick``: wall time of :func:`tensorkv_check.frontier.sweep.compute` on the quick
  profile (target: under 60 s on this machine's 2 cores; the whole report has 3
  minutes), and its ratio to a reference measured in the same run: the summed wall
  time of one ``run_index("exact", model, n, d, queries)`` per model at the profile's
  sizes (the exact decoders at the same ``n``, ``d`` and query counts).
* ``frontier_full`` (full runs only): the same for the full profile (n up to 16,384
  standard, 1,024 factor tokens four-cache); no target.

The sweep is one long call, so each is timed once (not interleaved); the CPU share
taken by other processes during each measurement is recorded beside it.

Run standalone: ``python -m benchmarks.bench_frontier [--full]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks._harness import BenchConfig, Check, CpuMonitor, stats
from tensorkv_check.frontier import sweep as fr
from tensorkv_check.index.reduction import run_index

__all__ = ["measure", "bench"]


def _reference(profile: str) -> dict[str, Any]:
    prof = fr.PROFILES[profile]
    per = {}
    t0 = time.perf_counter()
    for model, n in prof["models"].items():
        d = fr.model_dimension(model, n)
        q = prof.get("model_queries", {}).get(model, prof["queries"])
        t1 = time.perf_counter()
        run_index("exact", model, n, d, queries=q, seed=0, eps_scope="queried")
        per[model] = {"n": n, "d": d, "queries": q, "seconds": time.perf_counter() - t1}
    return {"seconds": time.perf_counter() - t0, "per_model": per}


def measure(profile: str, seed: int = 0) -> dict[str, Any]:
    """Time ``compute(profile, seed)`` and the exact-decoder reference, with contention."""
    mon = CpuMonitor()
    ref = _reference(profile)
    ref_cont = mon.stop()
    mon = CpuMonitor()
    t0 = time.perf_counter()
    data = fr.compute(profile, seed)
    wall = time.perf_counter() - t0
    cont = mon.stop()
    return {
        "profile": profile,
        "seconds": wall,
        "reference_seconds": ref["seconds"],
        "ratio": wall / ref["seconds"],
        "reference": ref,
        "contention": cont,
        "reference_contention": ref_cont,
        "points": len(data["points"]) + len(data["subgen"]) + len(data["benign"]),
        "checks": {c["name"]: c["passed"] for c in data["checks"]},
        "task_errors": len(data["task_errors"]),
    }


def bench(cfg: BenchConfig) -> tuple[list[Check], dict[str, Any]]:
    """Quick profile always; the full profile too unless ``cfg.quick``."""
    out: dict[str, Any] = {}
    checks: list[Check] = []
    for profile in ("quick",) if cfg.quick else ("quick", "full"):
        m = measure(profile, cfg.seed)
        out[profile] = m
        case = {"profile": profile, "points": m["points"]}
        checks.append(
            Check(
                f"frontier_{profile}",
                case,
                stats([m["seconds"]]),
                "seconds of frontier.compute (one run)",
                ("<=", 60.0) if profile == "quick" else None,
                extra={"contention": m["contention"]},
            )
        )
        checks.append(
            Check(
                f"frontier_{profile}",
                case,
                stats([m["ratio"]]),
                "frontier.compute time / exact run_index at the profile's sizes (same run)",
                extra={"reference": m["reference"]},
            )
        )
    return checks, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_frontier")
    ap.add_argument("--full", action="store_true", help="also the full profile (minutes)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    res = {p: measure(p, args.seed) for p in (("quick", "full") if args.full else ("quick",))}
    json.dump(res, sys.stdout, indent=2, sort_keys=True, default=str)
    print()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
