"""The compressibility frontier: practical compressors as Alice, against Fano's bound.

Beyond the paper: Chen et al. 2025 (arXiv 2503.11108; thm:four-cache-lb,
thm:two-cache-lb) and Haris and Onak 2025 (thm:ho25-lb) prove by reduction from Index
(thm:index-lb) that a cache answering the reduction's queries with average success
``p ≥ 1/2`` must send ``M ≥ (1 − h(p))·N`` bits. This module runs every compressor of
:data:`tensorkv_check.frontier.catalogue.CATALOGUE` at several budgets as Alice in
:func:`tensorkv_check.index.reduction.run_index` on the standard, four-cache and two-cache (free
rows) models and records the measured ``M``, Bob's success with its Clopper–Pearson
interval and ``N``. In the plane ``(M/N, p)`` the region ``p > fano_success_ceiling(M, N)``
is infeasible for *every* protocol; it is drawn shaded. SubGen on adversarial inputs is
the SubGen curve: SubGen, SubGen2Cache and SubGen4Cache run on the same
lower-bound instances (near-orthogonal keys, i.e. ``n`` clusters) with budgets that move
``M`` across the bound.

Also measured: on *benign* inputs (clusterable keys, low-rank values,
:func:`tensorkv_check.subgen.data.clustered_stream`), the mean relative error
``‖z − Attn‖/‖Attn‖`` of every compressor against its measured ``M``.

Structure: every grid point is a runner task ``Task.of(frontier_point,
params)``; :func:`compute` builds the grid of a profile and runs it,
:func:`tensorkv_check.frontier.plots.figures` and :func:`~tensorkv_check.frontier.summary.findings`
turn the data into the report section (:data:`tensorkv_check.frontier.section.SECTION`), and
the checks of :mod:`tensorkv_check.frontier.checks` are the checker's checkers: each returns
a structured pass/fail that the tests assert and that can be broken on purpose. The
profiles and shared constants are in :mod:`tensorkv_check.frontier.profiles`.

Command line: ``python -m tensorkv_check.frontier.sweep --out DIR [--full] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check._util.validation import check_choice
from tensorkv_check.engine.exact_attention import attention
from tensorkv_check.frontier import catalogue as _cz

# The profiles (profiles.py), the checks (checks.py) and the gaps and findings
# (summary.py) live in their own modules; the names marked F401 stay importable from here.
from tensorkv_check.frontier.checks import (
    check_eviction,  # noqa: F401
    check_feasible,  # noqa: F401
    check_lossless,  # noqa: F401
    check_subgen_adversarial,  # noqa: F401
    run_checks,
)
from tensorkv_check.frontier.profiles import (
    CONFIDENCE,
    EVICTION,
    GAP_P,
    MODEL_MODE,
    PROFILES,
    model_dimension,
    model_rows,
)
from tensorkv_check.frontier.summary import findings, gaps
from tensorkv_check.index.bounds import fano_success_ceiling
from tensorkv_check.index.reduction import HarnessError, index_cost, run_index
from tensorkv_check.runner.sweep_runner import Task, TaskResult, run_tasks, task_seed
from tensorkv_check.subgen.data import clustered_stream
from tensorkv_check.subgen.data import queries as _queries

__all__ = [
    "frontier_point",
    "build_tasks",
    "index_task",
    "collect",
    "compute",
    "main",
]


def _factory(params: dict[str, Any], seed: int) -> Callable[[int], Any]:
    mode = MODEL_MODE.get(params.get("model", "standard"), "kv")
    scale = params.get("scale")
    if params["compressor"] == "subgen":
        return _cz.subgen_factory(
            mode,
            int(params["budget"]),
            seed,
            scale,
            delta=float(params.get("delta", 2.0)),
            t=int(params.get("t", 1)),
        )
    return _cz.make_factory(params["compressor"], mode, params["budget"], seed=seed, scale=scale)


def _index_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    model, n, d = params["model"], int(params["n"]), int(params["d"])
    made: list[Any] = []
    base = _factory(params, seed % (1 << 31))

    def factory(dd: int) -> Any:
        obj = base(dd)
        made.append(obj)  # the caller reads Alice's kept fraction afterwards (not Bob's channel)
        return obj

    out: dict[str, Any] = {k: params[k] for k in sorted(params)}
    out.update(
        {
            "family": "subgen"
            if params["compressor"] == "subgen"
            else _cz.catalogue_entry(params["compressor"]).family,
            "harness_error": None,
        }
    )
    try:
        # ε over Bob's queried rows against all keys: what his decoding depends on, and
        # O(queries·rows·d) instead of O(rows²·d).
        r = run_index(
            factory,
            model,
            n,
            d,
            queries=int(params["queries"]),
            seed=int(params["instance_seed"]),
            confidence=CONFIDENCE,
            eps_scope="queried",
        )
    except HarnessError as exc:
        out["harness_error"] = str(exc)
        return out
    alice = made[0] if made else None
    out.update(
        {
            "algorithm": r.algorithm,
            "N": r.N,
            "M": r.message_bits,
            "bits_per_bit": r.bits_per_bit,
            "successes": r.successes,
            "trials": r.queries,
            "rate": r.rate,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "confidence": CONFIDENCE,
            "fano_bits": r.fano_bits,
            "fano_ceiling": fano_success_ceiling(r.message_bits, r.N),
            "guaranteed": r.guaranteed,
            "eps_measured": r.eps_measured,
            "C": r.C,
            "kept_fraction": getattr(alice, "kept_fraction", None),
        }
    )
    return out


def _benign_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    n, d = int(params["n"]), int(params["d"])
    rng = np.random.default_rng(int(params["instance_seed"]))
    st = clustered_stream(
        n, d, m=int(params["m"]), delta=float(params["delta"]), value_rank=int(params["rank"]), rng=rng
    )
    Q = _queries(int(params["queries"]), d, float(params["r"]), rng=rng, towards=st.K)
    p = dict(params, model="standard", scale=1.0)
    if params["compressor"] == "subgen":
        p["delta"] = float(params["delta"])  # SubGen's radius = the data's cluster diameter
        p["t"] = 4
    alg = _factory(p, seed % (1 << 31))(d)
    for s in range(0, n, 4096):
        alg.ingest(st.K[s : s + 4096], st.V[s : s + 4096])
    data = alg.to_bytes()
    bob = type(alg).from_bytes(data)
    z = np.asarray(bob.query(Q))
    a = attention(Q, st.K, st.V, 1.0)
    rel = np.linalg.norm(z - a, axis=1) / np.linalg.norm(a, axis=1)
    out = {k: params[k] for k in sorted(params)}
    out.update(
        {
            "family": "subgen"
            if params["compressor"] == "subgen"
            else _cz.catalogue_entry(params["compressor"]).family,
            "M": 8 * len(data),
            "M_float64": 2 * n * d * 64,
            "rel_error_mean": float(rel.mean()),
            "rel_error_max": float(rel.max()),
            "rel_error_median": float(np.median(rel)),
        }
    )
    return out


def frontier_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """One grid point of the frontier (a runner task; pure and JSON-safe).

    Parameters
    ----------
    params : dict
        ``{"kind": "index", "model", "n", "d", "compressor", "budget", "queries",
        "instance_seed"[, "delta", "t", "sweep"]}`` or ``{"kind": "benign", "n", "d", "m",
        "delta", "rank", "r", "queries", "compressor", "budget", "instance_seed"}``.
    seed : int
        The task seed; it seeds the compressor's own randomness (the instance comes from
        ``instance_seed`` so that every compressor of a model sees the same instance).

    Returns
    -------
    dict
        For ``"index"``: the parameters plus ``N``, ``M`` (measured bits), ``rate``,
        ``ci_low``, ``ci_high``, ``fano_bits``, ``fano_ceiling``, ``kept_fraction``
        (eviction), ``harness_error`` (``None``, or the :class:`HarnessError` text when
        the measured point fell inside Fano's infeasible region). For ``"benign"``: ``M``
        and the relative attention-output errors.
    """
    kind = params.get("kind")
    if kind == "index":
        return _index_point(params, seed)
    if kind == "benign":
        return _benign_point(params, seed)
    raise ValueError(f"params['kind'] must be 'index' or 'benign', got {kind!r}")


# --------------------------------------------------------------------------- the grid


def build_tasks(profile: str, seed: int, plugins: dict[str, dict[str, Any]] | None = None) -> list[Task]:
    """Every grid point of ``profile`` (``"quick"`` or ``"full"``) as a runner task.

    ``plugins`` (:func:`tensorkv_check.frontier.plugins.plugin_frontier`) adds each installed
    compressor plugin at its budgets on the models whose input kind it ingests; the
    built-in points and their seeds do not depend on which plugins are installed.
    """
    check_choice("profile", profile, PROFILES)
    prof = PROFILES[profile]
    tasks: list[Task] = []

    def iseed(*key: Any) -> int:
        return task_seed(seed, "instance:" + ":".join(map(str, key))) % (1 << 31)

    for model, n in prof["models"].items():
        q = prof.get("model_queries", {}).get(model, prof["queries"])
        for comp, budgets in prof["budgets"].items():
            for b in budgets:
                tasks.append(index_task(model, n, comp, b, queries=q, instance_seed=iseed(model, n)))
    for name, plug in sorted((plugins or {}).items()):
        for model, n in prof["models"].items():
            if MODEL_MODE[model] in plug["inputs"]:
                q = prof.get("model_queries", {}).get(model, prof["queries"])
                tasks += [
                    index_task(model, n, name, b, queries=q, instance_seed=iseed(model, n))
                    for b in plug["budgets"]
                ]
    for model, n, delta, t, ss in prof["subgen"]:
        for s in ss:
            tasks.append(
                index_task(
                    model,
                    n,
                    "subgen",
                    s,
                    queries=prof["queries"],
                    instance_seed=iseed(model, n),
                    sweep="subgen-adversarial",
                    delta=delta,
                    t=t,
                )
            )
    bn = prof["benign"]
    for comp, budgets in bn["budgets"].items():
        for b in budgets:
            tasks.append(
                Task.of(
                    frontier_point,
                    {
                        "kind": "benign",
                        "compressor": comp,
                        "budget": b,
                        **{k: bn[k] for k in ("n", "d", "m", "delta", "rank", "r", "queries")},
                        "instance_seed": iseed("benign", bn["n"]),
                    },
                    cost=float((bn["queries"] + 1) * bn["n"] * bn["d"]),
                )
            )
    return tasks


def compute(profile: str, seed: int, run: Callable[..., list[TaskResult]] = run_tasks) -> dict[str, Any]:
    """Run the frontier sweep of ``profile`` and return the section's JSON-safe data.

    Parameters
    ----------
    profile : {"quick", "full"}
    seed : int
        Sweep seed (task seeds and instance seeds derive from it).
    run : callable
        The runner, called ``run(tasks, seed=seed, name="frontier")``.

    Returns
    -------
    dict
        ``{"profile", "seed", "models", "points", "subgen", "benign", "task_errors",
        "checks", "gaps"}``.
    """
    from tensorkv_check.frontier.plugins import load_plugins, plugin_frontier

    scan = load_plugins()
    plugins = plugin_frontier(scan)
    tasks = build_tasks(profile, seed, plugins)
    data = collect(run(tasks, seed=seed, name="frontier"))
    if scan.plugins or scan.broken:  # only then: the report of a plain install is unchanged
        data["plugins"] = {"loaded": sorted(plugins), "broken": dict(sorted(scan.broken.items()))}
    prof = PROFILES[profile]
    models = {
        m: {
            "n": n,
            "d": model_dimension(m, n),
            "rows": model_rows(m, n),
            "N": model_rows(m, n) * model_dimension(m, n),
        }
        for m, n in prof["models"].items()
    }
    data = {
        "profile": profile,
        "seed": seed,
        "models": models,
        **data,
        "gap_p": GAP_P,
        "confidence": CONFIDENCE,
    }
    data["checks"] = run_checks(data)
    data["gaps"] = gaps(data)
    return data


def collect(results: Sequence[TaskResult]) -> dict[str, Any]:
    """Sort task results into ``points`` (frontier), ``subgen`` (adversarial), ``benign``, ``task_errors``."""
    out: dict[str, list[dict[str, Any]]] = {"points": [], "subgen": [], "benign": [], "task_errors": []}
    for res in results:
        if not res.ok:
            out["task_errors"].append({"key": res.task.key, "seed": res.seed, "error": res.error})
            continue
        v = res.value
        assert v is not None  # an ok result always carries the task's dict
        if v["kind"] == "benign":
            out["benign"].append(v)
        elif v.get("sweep") == "subgen-adversarial":
            out["subgen"].append(v)
        else:
            out["points"].append(v)
    return out


def index_task(
    model: str,
    n: int,
    compressor: str,
    budget: float,
    *,
    queries: int,
    instance_seed: int,
    sweep: str = "frontier",
    delta: float | None = None,
    t: int = 1,
) -> Task:
    """The runner task of one Index grid point (``d`` from :func:`model_dimension`)."""
    params: dict[str, Any] = {
        "kind": "index",
        "sweep": sweep,
        "model": model,
        "n": n,
        "d": model_dimension(model, n),
        "compressor": compressor,
        "budget": budget,
        "queries": queries,
        "instance_seed": instance_seed,
    }
    if compressor == "subgen":
        params.update({"delta": 2.0 if delta is None else delta, "t": t})
    cost = index_cost(model, n, params["d"], queries)
    if compressor in EVICTION:
        # Bob then queries the kept fraction of the tokens (of each factor: its square
        # for the tensor model), which sets the task's length.
        cost *= float(budget) ** (2 if model == "four-cache" else 1)
    elif compressor == "subgen":
        cost *= min(1.0, float(budget) / model_rows(model, n))  # its s samples per query
    return Task.of(frontier_point, params, cost=cost)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tensorkv_check.frontier.sweep --out DIR [--full] [--seed S]``: frontier.json and SVGs."""
    ap = argparse.ArgumentParser(
        prog="python -m tensorkv_check.frontier.sweep", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--out", required=True, help="output directory (created if needed)")
    ap.add_argument("--full", action="store_true", help="the full profile (n up to 16,384; minutes)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.seed < 0:
        print("error: --seed must be >= 0", file=sys.stderr)
        return 2
    out = ensure_writable_dir(args.out)
    t0 = time.perf_counter()
    data = compute("full" if args.full else "quick", args.seed)
    from tensorkv_check.frontier.plots import figures

    figs = figures(data)
    data_out = dict(data, findings=findings(data))
    text = json.dumps(data_out, indent=2, sort_keys=True, allow_nan=False) + "\n"
    print(atomic_write(out / "frontier.json", text))
    for f in figs:
        print(atomic_write(out / f["file"], f["svg"]))
    for ck in data["checks"]:
        print(f"{'PASS' if ck['passed'] else 'FAIL'} {ck['name']}")
    print(f"wall time {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0 if all(ck["passed"] for ck in data["checks"]) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
