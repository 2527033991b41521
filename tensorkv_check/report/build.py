"""Assemble the verification report's data: claim results, sweeps, findings, environment.

The report is one JSON-serialisable dict. Everything in it is a deterministic
function of the seed, the profile and the code, except the ``timings`` section,
which holds wall-clock measurements and is kept apart so that two runs with the same
seed give byte-identical JSON outside it.

The claim registry is passed in (the command line loads :mod:`proofs`), so this
package never imports the proof suite: data flows from ``proofs`` to the report.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from tensorkv_check.tradeoff import measure_tradeoff

__all__ = ["PROFILES", "SCHEMA", "build_report"]

SCHEMA = "tensorkv-check-report/1"

#: Sweep sizes per profile. The quick profile is the README's default job.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"tradeoff_ns": [16, 32, 64, 128, 256], "tradeoff_d": 32, "tradeoff_repeats": 5},
    "full": {"tradeoff_ns": [64, 128, 256, 512, 1024], "tradeoff_d": 64, "tradeoff_repeats": 7},
}

PAPER = {
    "title": "Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer Decoding",
    "authors": "Yifang Chen, Xiaoyu Li, Yingyu Liang, Zhenmei Shi, Zhao Song, Yu Tian",
    "arxiv": "2503.11108",
    "year": 2025,
}

_PACKAGES = ("numpy", "scipy", "sympy", "networkx", "hypothesis", "matplotlib", "tensorkv-check")


def run_sweeps(**kwargs: Any) -> dict[str, Any]:
    """The Index sweeps of :mod:`tensorkv_check.index_sweeps` (imported late: that module
    draws its figures with :mod:`tensorkv_check.report.figures`, so a top-level import
    here would be circular)."""
    from tensorkv_check.index_sweeps import run_sweeps as _run_sweeps

    return _run_sweeps(**kwargs)


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str | None:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def environment() -> dict[str, Any]:
    """Package versions, Python, platform, CPU count and git commit (reproducibility block)."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": _versions(),
        "git_commit": _git_commit(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def _findings(claims: list[dict], tradeoff: list[dict]) -> list[dict[str, str]]:
    """Deterministic findings written from the results (no timings)."""
    found: list[dict[str, str]] = []
    for c in claims:
        if c["status"] == "refuted":
            repro = [ck.get("reproduce") for ck in c["checks"].values() if ck.get("reproduce")]
            found.append({"claim": c["id"], "kind": "refuted",
                          "text": f"{c['id']} is refuted: {c['reason']}."
                          + (f" Reproduce: {repro[0]}" if repro else "")})
        elif c["status"] == "failing":
            found.append({"claim": c["id"], "kind": "failing",
                          "text": f"{c['id']} is failing (a bug to fix): {c['reason']}."})
        for cav in c["caveats"]:
            found.append({"claim": c["id"], "kind": "caveat", "text": f"{c['id']}: {cav}"})
    inferred = [c["id"] for c in claims if "inferred" in c["sources"]]
    if inferred:
        found.append({"claim": "", "kind": "inferred",
                      "text": "Claims resting on our reconstruction [inferred] of details the "
                      "paper's full text decides: " + ", ".join(inferred) + "."})
    if tradeoff:
        last = tradeoff[-1]
        f4, f2, fn = (last["flops"][k] for k in ("four-cache", "two-cache", "naive four-cache"))
        m4, m2 = last["memory_bytes"]["four-cache"], last["memory_bytes"]["two-cache"]
        found.append({
            "claim": "rem:tradeoff", "kind": "measurement",
            "text": (f"At n={last['n']}, d={last['d']}: the four-cache step through the decode "
                     f"identity performs {f4:,} flops and the two-cache step {f2:,} "
                     f"(ratio {f4 / f2:.3f}); both are ~4·n²·d, so the two-cache scheme saves no "
                     f"arithmetic against it, only against the materialising step ({fn:,} flops, "
                     f"ratio {fn / f2:.3f}). Memory: two-cache holds {m2 / m4:.1f}× the four-cache "
                     f"bytes (n/2 = {last['n'] / 2:g}). Step times are in the timings section."),
        })
    return found


def build_report(
    registry: Any,
    ctx: Any,
    *,
    claim_ids: Iterable[str] | None = None,
    on_check: Callable[[Any], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the claim checks and sweeps of ``profile`` and return the report dict.

    Parameters
    ----------
    registry : proofs.registry.Registry
        The loaded claim registry.
    ctx : proofs.registry.CheckContext
        Seed and profile ("quick" or "full"); the seed also drives the sweeps.
    claim_ids : iterable of str, optional
        Restrict to these claims and their dependencies.
    on_check, on_stage : callable, optional
        Progress callbacks (a check is about to run; a sweep stage starts).
    """
    profile, seed = ctx.profile, ctx.seed
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    conf = PROFILES[profile]
    t0 = time.perf_counter()
    results = registry.run(claim_ids, ctx=ctx,
                           include_slow=profile == "full", on_check=on_check)
    t_claims = time.perf_counter() - t0
    claims = [r.to_dict() for r in results.values()]

    if on_stage:
        on_stage("tradeoff sweep")
    t1 = time.perf_counter()
    points = measure_tradeoff(conf["tradeoff_ns"], conf["tradeoff_d"], seed=seed,
                              repeats=conf["tradeoff_repeats"])
    t_sweep = time.perf_counter() - t1
    tradeoff = [p.deterministic() for p in points]

    if on_stage:
        on_stage("index sweeps")
    t2 = time.perf_counter()
    index = run_sweeps(full=profile == "full", seed=seed, progress=False)
    t_index = time.perf_counter() - t2

    summary = {s: sum(1 for c in claims if c["status"] == s)
               for s in ("proved", "confirmed", "refuted", "cited", "failing")}
    errored = sorted(f"{c['id']}::{name}" for c in claims for name, ck in c["checks"].items()
                     if ck["outcome"] == "error")
    timing_findings = []
    if points:
        last = points[-1]
        s = last.seconds
        faster = "two-cache" if s["two-cache"] < s["four-cache"] else "four-cache"
        timing_findings.append(
            f"At n={last.n}, d={last.d} the measured step times were four-cache "
            f"{s['four-cache'] * 1e3:.3f} ms, two-cache {s['two-cache'] * 1e3:.3f} ms, naive "
            f"four-cache {s['naive four-cache'] * 1e3:.3f} ms: the {faster} step was faster "
            f"(ratio four/two = {s['four-cache'] / s['two-cache']:.2f})."
        )
    return _json_safe({
        "schema": SCHEMA,
        "paper": PAPER,
        "profile": profile,
        "seed": seed,
        "selected_claims": None if claim_ids is None else sorted(claim_ids),
        "summary": summary,
        "errored_checks": errored,
        "claims": claims,
        "sweeps": {"tradeoff": tradeoff, "index": index},
        "findings": _findings(claims, tradeoff),
        "environment": environment(),
        "timings": {
            "wall_seconds": {"claims": t_claims, "tradeoff_sweep": t_sweep, "index_sweeps": t_index,
                             "total": time.perf_counter() - t0},
            "checks": {c.claim.id: c.seconds for c in results.values()},
            "tradeoff_seconds": [{"n": p.n, "d": p.d, **p.seconds} for p in points],
            "findings": timing_findings,
        },
    })


def _json_safe(x: Any) -> Any:
    """Replace non-finite floats by their names ("nan", "inf", "-inf").

    Strict JSON has no NaN or infinity; a check that reports one in its details
    must not stop the report from being written.
    """
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x
