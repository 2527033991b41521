"""Benchmark of ``tensorkv-check audit`` on the worked example (quick profile).

* ``audit_example_quick``: wall time of the whole command, in a fresh process
  (imports, protocol checks, the Index points of the example's default grid on the
  standard and two-cache models, the built-in reference families, the benign inputs,
  the report in three formats): target under 60 s on this machine's 2 cores. Its ratio
  to a reference measured in the same run: one ``run_index("exact", model, n, d)`` per
  audited model at the audit's sizes and query count.
* ``audit_example_isolate``: the same with ``--isolate`` (Bob in a fresh process); no target.

Each is one long call, timed once. The CPU share of other processes is recorded beside
it; the command runs in a child process, whose own CPU time counts in that share.

Run standalone: ``python -m benchmarks.bench_audit``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import BenchConfig, Check, CpuMonitor, stats
from tensorkv_check.audit import PROFILES, model_size
from tensorkv_check.index import run_index

__all__ = ["measure", "bench"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/int8_cache.py:TokenQuantizer"
MODELS = ("standard", "two-cache")


def _reference(profile: str) -> float:
    t0 = time.perf_counter()
    for model in MODELS:
        n, d = model_size(model, profile)
        run_index("exact", model, n, d, queries=PROFILES[profile]["queries"], seed=0, eps_scope="queried")
    return time.perf_counter() - t0


def measure(profile: str = "quick", seed: int = 0, isolate: bool = False) -> dict[str, Any]:
    """Time the audit command on the example in a fresh process, and the exact reference."""
    mon = CpuMonitor()
    ref = _reference(profile)
    ref_cont = mon.stop()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as out:
        cmd = [
            sys.executable,
            "-m",
            "tensorkv_check.audit.command",
            EXAMPLE,
            "--profile",
            profile,
            "--seed",
            str(seed),
            "--out",
            out,
            "--quiet",
        ] + (["--isolate"] if isolate else [])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        mon = CpuMonitor()
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=900)
        wall = time.perf_counter() - t0
        cont = mon.stop()
        if res.returncode != 0:
            raise RuntimeError(f"audit exited {res.returncode}: {res.stderr[-2000:]}")
        audit = json.loads((Path(out) / "audit.json").read_text())
        timings = json.loads((Path(out) / "timings.json").read_text())
    return {
        "profile": profile,
        "isolate": isolate,
        "seconds": wall,
        "reference_seconds": ref,
        "ratio": wall / ref,
        "contention": cont,
        "reference_contention": ref_cont,
        "verdict": audit["verdict"]["status"],
        "points": len(audit["points"]),
        "reference_points": len(audit["reference"]),
        "benign_points": len(audit["benign"]),
        "phases": timings,
    }


def bench(cfg: BenchConfig) -> tuple[list[Check], dict[str, Any]]:
    """The example's quick audit (target < 60 s); with ``--isolate`` too unless ``cfg.quick``."""
    out: dict[str, Any] = {}
    checks: list[Check] = []
    for isolate in (False,) if cfg.quick else (False, True):
        m = measure("quick", cfg.seed, isolate)
        name = "audit_example_isolate" if isolate else "audit_example_quick"
        out[name] = m
        case = {"profile": "quick", "target": EXAMPLE, "points": m["points"], "verdict": m["verdict"]}
        checks.append(
            Check(
                name,
                case,
                stats([m["seconds"]]),
                "seconds of the audit command (fresh process, one run)",
                None if isolate else ("<=", 60.0),
                extra={"contention": m["contention"], "phases": m["phases"]},
            )
        )
        checks.append(
            Check(
                name,
                case,
                stats([m["ratio"]]),
                "audit time / exact run_index at the audit's sizes (same run)",
            )
        )
    return checks, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_audit")
    ap.add_argument("--isolate", action="store_true", help="also time the audit with --isolate")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    res = {"quick": measure("quick", args.seed)}
    if args.isolate:
        res["isolate"] = measure("quick", args.seed, True)
    json.dump(res, sys.stdout, indent=2, sort_keys=True, default=str)
    print()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
