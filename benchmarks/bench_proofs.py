"""Benchmark of the machine-checked proofs: every obligation of every claim, checked cold.

* ``proof_obligations``: seconds to check every proof's obligations (sympy identities,
  z3 implications with their vacuity checks, cited axiom instances, the glue to each
  statement), through a fresh :func:`tensorkv_check.claims.obligations.check_proofs` of
  the proofs attached by the loaded claim packages (no registry cache, sympy's cache
  cleared before each repetition; the first repetition also pays the one-time costs of
  a fresh process, such as z3's start-up). Target: < 30 s on 2 cores (the proof
  suite's "Done when"); median, min and max over the repetitions.
* its ratio to a reference measured in the same run, interleaved, one call each per
  repetition: a fixed sympy and z3 workload of the same kinds (:func:`reference`), so a
  drift of the shared machine's speed cancels in the ratio.
* the number of obligations and the five slowest (median seconds over the repetitions).

Run standalone: ``python -m benchmarks.bench_proofs [--reps N]`` prints the dict as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import sympy as sp
import z3
from sympy.core.cache import clear_cache

from benchmarks._harness import BenchConfig, Check, CpuMonitor, stats

__all__ = ["reference", "attached_proofs", "measure", "bench"]

#: The target of the proof suite: every obligation checked in under 30 s on 2 cores.
TARGET_SECONDS = 30.0


def reference() -> None:
    """A fixed sympy and z3 workload, the ruler of the ratio.

    Twelve sympy identity decisions of the kind the ``identity`` backend makes (a
    polynomial and an exp/log rewrite, simplified to zero) and twelve z3 implications
    over the reals of the kind the ``smt`` backend proves (a nonlinear bound with an
    uninterpreted monotone function; negation ``unsat``). Deterministic; about a second.
    """
    clear_cache()
    x, y, e = sp.symbols("x y epsilon", positive=True)
    for k in range(2, 14):
        poly = sp.expand((x + y) ** k) - (x + y) ** k
        rewrite = sp.exp(k * sp.log(x) + sp.log(y)) - x**k * y
        if sp.simplify(poly) != 0 or sp.simplify(rewrite) != 0:
            raise AssertionError("the reference identities must decide to zero")
    a, b, c = z3.Reals("a b c")
    f = z3.Function("f", z3.RealSort(), z3.RealSort())
    for k in range(2, 14):
        s = z3.Solver()
        mono = z3.ForAll([a, b], z3.Implies(a <= b, f(a) <= f(b)))
        hyp = z3.And(a >= 1, b >= 1, c >= k, a * b <= c, f(c) <= 1)
        s.add(mono, hyp, z3.Not(f(a * b) <= 1))
        if s.check() != z3.unsat:
            raise AssertionError("the reference implications must be unsat")


def attached_proofs() -> dict[str, Any]:
    """The proofs the loaded claim packages attach to their claims, keyed by claim id."""
    from tensorkv_check.claims.registry import load_all

    return {c.id: c.proof for c in load_all() if c.proof is not None}


def _check_all(proofs: dict[str, Any]) -> dict[str, Any]:
    from tensorkv_check.claims.obligations import check_proofs

    clear_cache()  # cold: nothing decided in an earlier repetition is remembered
    return check_proofs(proofs.values())


def measure(reps: int = 3) -> dict[str, Any]:
    """Check every proof ``reps`` times, interleaved with :func:`reference`."""
    proofs = attached_proofs()
    subject: list[float] = []
    ref: list[float] = []
    steps: dict[str, list[float]] = {}
    statuses: dict[str, str] = {}
    mon = CpuMonitor()
    for _ in range(reps):
        t0 = time.perf_counter()
        reference()
        ref.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        results = _check_all(proofs)
        subject.append(time.perf_counter() - t0)
        for cid, res in results.items():
            statuses[cid] = res.status
            for s in res.steps:
                steps.setdefault(f"{cid}::{s.id} ({s.backend})", []).append(s.seconds)
    slowest = sorted(((stats(v).median, k) for k, v in steps.items()), reverse=True)[:5]
    return {
        "proofs": len(proofs),
        "proved": sum(st == "proved" for st in statuses.values()),
        "obligations": len(steps),
        "seconds": subject,
        "reference_seconds": ref,
        "ratio": [s / r for s, r in zip(subject, ref)],
        "slowest": [{"obligation": k, "median_seconds": m} for m, k in slowest],
        "target_seconds": TARGET_SECONDS,
        "contention": mon.stop(),
    }


def bench(cfg: BenchConfig) -> tuple[list[Check], dict[str, Any]]:
    """Proof checking time against the 30 s target, and its ratio to the same-run reference."""
    out = measure(reps=1 if cfg.quick else min(cfg.reps, 3))
    case = {"obligations": out["obligations"]}  # of out["proofs"] proofs (in the JSON)
    slow = "; ".join(f"{s['obligation']} {s['median_seconds']:.2f}s" for s in out["slowest"])
    return [
        Check(
            "proof_obligations",
            case,
            stats(out["seconds"]),
            "seconds to check every proof (cold)",
            ("<=", TARGET_SECONDS),
            extra={"slowest": out["slowest"], "contention": out["contention"], "slowest_text": slow},
        ),
        Check(
            "proof_obligations",
            case,
            stats(out["ratio"]),
            "proof time / sympy+z3 reference (same run)",
        ),
    ], out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_proofs")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    args = ap.parse_args(argv)
    json.dump(measure(args.reps), sys.stdout, indent=2, sort_keys=True, default=str)
    print()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
