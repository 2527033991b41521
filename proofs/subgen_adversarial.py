"""SubGen and practical compressors as Alice in the Index reductions.

Adversarial inputs for SubGen: SubGen [ZHMK24] (thm:subgen), SubGen2Cache
(alg:subgen2cache) and SubGen4Cache (alg:subgen4cache) of Chen et al. 2025 (arXiv
2503.11108) run as Alice's algorithm on the lower-bound instances of the standard,
two-cache (free rows) and four-cache models: near-orthogonal keys, i.e. ``n`` clusters,
and bit-valued values. Their clusterability hypothesis fails there, and Fano's
inequality (thm:index-lb) caps their success by their measured message: each check
runs SubGen at budgets that move ``M`` across ``fano_bound(0.75, N)`` (one cluster with
``s`` = 1, 2, 4 value samples below it; ``n`` clusters with many samples above it) and
requires, with 99% Clopper–Pearson intervals (:func:`tensorkv_check.frontier.sweep.check_subgen_adversarial`):

(a) every point respects Fano's ceiling; (b) every point with ``M < fano_bound(0.75, N)``
has CP upper ``< 0.75`` (success has dropped toward chance) and, on the standard and
two-cache models, such points exist; (c) the CP lower at the largest ``M/N`` exceeds the
CP upper at the smallest ``M/N``. On the four-cache model SubGen4Cache's pair sampler
stores up to ``s·d`` factor rows whatever ``s``, so no budget puts it below the bound
at affordable ``n`` (recorded in the check's details); (b) is then not required.

Checks of the checker itself (does the frontier harness measure what Fano allows?) are
attached to thm:index-lb: on a small standard
frontier grid, no measured point lies in Fano's infeasible region, lossless compressors
reach ``p ≈ 1`` and eviction at kept fraction ``f`` succeeds at ``f + (1 − f)/2`` (exact
binomial test, α = 0.001).

This module's name sorts after ``index_lb`` and ``subgen``, so the claims it attaches
checks to are registered when :func:`tensorkv_check.claims.registry.load_all` imports it.
"""

from __future__ import annotations

from typing import Any

import proofs.index_lb  # noqa: F401  (registers thm:index-lb, extended below)
import proofs.subgen  # noqa: F401  (registers thm:subgen, alg:subgen2cache, alg:subgen4cache)
from proofs._common import rate, serial_blas
from tensorkv_check.claims.registry import REGISTRY, CheckResult
from tensorkv_check.frontier import sweep as fr
from tensorkv_check.index.bounds import fano_bound
from tensorkv_check.runner.sweep_runner import run_tasks

#: (model, n, delta, t, s values) per claim for the default (quick) run. One cluster
#: (δ = 2 > the key distances ≈ √2) with few samples lands below the bound; n clusters
#: (δ = 0.5) with s ≈ 2n samples lands far above it.
QUICK_GRID: dict[str, list[tuple[str, int, float, int, list[int]]]] = {
    "thm:subgen": [("standard", 4096, 2.0, 1, [1, 4, 256]), ("standard", 256, 0.5, 1, [16, 512])],
    "alg:subgen2cache": [("two-cache", 64, 2.0, 1, [1, 4, 256]), ("two-cache", 16, 0.5, 1, [16, 512])],
    "alg:subgen4cache": [("four-cache", 256, 2.0, 1, [1]), ("four-cache", 64, 0.5, 1, [256])],
}
_MODEL = {"thm:subgen": "standard", "alg:subgen2cache": "two-cache", "alg:subgen4cache": "four-cache"}
QUERIES = 1000
#: Bob queries per point under the smoke profile (crash-hunting only; see CheckContext).
SMOKE_QUERIES = 50


def _seed(ctx, *keys: str) -> int:
    return int(ctx.rng(*keys).integers(0, 2**31 - 1))


def adversarial(ctx, claim_id: str, grid: list[tuple[str, int, float, int, list[int]]]) -> CheckResult:
    """Run SubGen on the grid's Index instances and judge :func:`fr.check_subgen_adversarial`."""
    model = _MODEL[claim_id]
    tasks = [
        fr.index_task(
            m,
            n,
            "subgen",
            s,
            queries=ctx.size(QUERIES, smoke=SMOKE_QUERIES),
            instance_seed=_seed(ctx, claim_id, m, str(n)),
            sweep="subgen-adversarial",
            delta=delta,
            t=t,
        )
        for m, n, delta, t, ss in grid
        for s in ss
    ]
    seed = _seed(ctx, claim_id, "sweep")
    data = fr.collect(run_tasks(tasks, seed=seed))
    ck = fr.check_subgen_adversarial(data, model, require_below=model != "four-cache")
    pts = [p for p in data["subgen"] if not p.get("harness_error")]
    below = [p for p in pts if p["M"] < fano_bound(0.75, p["N"])]
    pool = below or pts
    est = (
        rate(
            sum(p["successes"] for p in pool),
            sum(p["trials"] for p in pool),
            {
                "model": model,
                "pooled": "points below fano_bound(0.75, N)" if below else "all points",
                "grid": [list(map(str, g)) for g in grid],
            },
            seed,
        )
        if pool
        else None
    )
    rows = ck["details"]["points"]
    summary = f"SubGen ({model}) as Alice: " + "; ".join(
        f"n={r['n']} δ={r['delta']} s={r['s']}: M/N={r['bits_per_bit']:.3g}, {r['rate']:.3f} "
        f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]{' (below bound)' if r['below_bound'] else ''}"
        for r in rows
    )
    if data["task_errors"]:
        summary += f"; task errors: {data['task_errors']}"
    details: dict[str, Any] = {
        "check": ck,
        "seed": seed,
        "task_errors": data["task_errors"],
        "reproduce": f"tensorkv_check.frontier.check_subgen_adversarial on grid {grid}",
    }
    verdict = CheckResult.ok if ck["passed"] and not data["task_errors"] else CheckResult.fail
    return verdict(
        summary,
        scope=f"{ck['criterion']}; {QUERIES} Bob queries per point, 99% Clopper–Pearson; "
        f"d = near_orthogonal_dimension(rows, 0.4, 0.01)",
        details=details,
        estimate=est,
    )


@REGISTRY["thm:subgen"].empirical(
    "index-adversarial",
    description="SubGen as Alice on Index instances: chance below the Fano bound, rising above",
    role="limits",
)
@serial_blas
def check_subgen_index_adversarial(ctx):
    return adversarial(ctx, "thm:subgen", QUICK_GRID["thm:subgen"])


@REGISTRY["alg:subgen2cache"].empirical(
    "index-adversarial",
    description="SubGen2Cache as Alice on free-row Index instances: chance below the Fano bound",
    role="limits",
)
@serial_blas
def check_subgen2cache_index_adversarial(ctx):
    return adversarial(ctx, "alg:subgen2cache", QUICK_GRID["alg:subgen2cache"])


@REGISTRY["alg:subgen4cache"].empirical(
    "index-adversarial",
    description="SubGen4Cache as Alice on four-cache Index instances: Fano ceiling respected, "
    "success rises with M",
    role="limits",
)
@serial_blas
def check_subgen4cache_index_adversarial(ctx):
    return adversarial(ctx, "alg:subgen4cache", QUICK_GRID["alg:subgen4cache"])


#: The small standard-model grid of the checker's checks (compressor, budgets).
CHECKER_GRID = {
    "exact": [0],
    "lowrank": [1.0],
    "random": [0.25, 0.5],
    "knorm": [0.5],
    "window": [0.5],
    "h2o": [0.5],
    "quant": [1, 2],
}


@REGISTRY["thm:index-lb"].empirical(
    "frontier-checks",
    description="practical compressors as Alice: no point in the infeasible region, lossless "
    "reach p≈1, eviction at f succeeds at f+(1−f)/2",
    role="engine",
)
@serial_blas
def check_frontier_checks(ctx):
    n = 512
    iseed = _seed(ctx, "thm:index-lb", "frontier")
    tasks = [
        fr.index_task(
            "standard", n, c, b, queries=ctx.size(QUERIES, smoke=SMOKE_QUERIES), instance_seed=iseed
        )
        for c, bs in CHECKER_GRID.items()
        for b in bs
    ]
    seed = _seed(ctx, "thm:index-lb", "frontier-sweep")
    data = fr.collect(run_tasks(tasks, seed=seed))
    checks = [
        fr.check_feasible(data),
        fr.check_lossless(data, (("exact", 0), ("lowrank", 1.0))),
        fr.check_eviction(data),
    ]
    ok = all(c["passed"] for c in checks)
    summary = "; ".join(f"{c['name']}: {'pass' if c['passed'] else 'FAIL'}" for c in checks)
    ev = checks[2]["details"]["points"]
    summary += "; eviction " + ", ".join(
        f"{r['point'].split(' ', 2)[2]} {r['rate']:.3f} vs {r['expected']:.3f} (p={r['p_value']:.3g})"
        for r in ev
    )
    verdict = CheckResult.ok if ok else CheckResult.fail
    return verdict(
        summary,
        scope=(
            f"standard model, n = {n}, d = {fr.model_dimension('standard', n)}, {QUERIES} "
            f"queries per point; compressors {CHECKER_GRID}; criteria: "
            + " | ".join(c["criterion"] for c in checks)
        ),
        details={"checks": checks, "seed": seed, "instance_seed": iseed},
    )
