"""Sweeps of the Index reductions, with figures.

Each sweep runs :func:`tensorkv_check.index.reduction.run_index` over a seeded grid and returns a
JSON-serialisable dict; :func:`run_sweeps` runs all four, draws one SVG figure per
sweep and writes ``index_sweeps.json`` plus the figures atomically (nothing is written
unless every sweep completed).

* :func:`sweep_dimension`: decoding success versus ``d / ln n`` (standard model,
  thm:ho25-lb) or versus ``d`` (four-cache and two-cache models), with ``C`` from the
  reduction's formula at a target ``ε`` and the dimension threshold of
  lem:near-orthogonal, ``d ≥ 2 ln(r²/δ)/ε²`` for ``r`` keys, drawn per ``n``. That
  threshold is a sufficient (worst-case, union-bound) condition; decoding typically
  succeeds well below it.
* :func:`sweep_C`: success versus Bob's constant ``C`` at fixed ``n``, ``d``, with the
  formula's ``C = ln(4(r−1))/(1−2ε)`` for the measured ``ε`` marked.
* :func:`sweep_memory`: ``M / N`` of the exact algorithms (measured message bits per
  input bit) versus ``n``, for every model, and of the factor-keeping algorithm on the
  structured two-cache model (thm:two-cache-lb's caveat).
* :func:`sweep_caveat`: the caveat made concrete: the factor-keeping algorithm on
  structured inputs (exact, ``M = Θ(nd)``) against a memory-matched truncating
  algorithm on free rows (success falls to chance), with Fano's ceiling
  :func:`~tensorkv_check.index.reduction.fano_success_ceiling` for the truncating ``M/N``.

Every grid point is one task of the sweep runner (:mod:`tensorkv_check.runner.sweep_runner`):
:func:`index_point` (one :func:`~tensorkv_check.index.reduction.run_index` call) or
:func:`caveat_part` (half of the three paired runs of one ``n``, on the seed of its
:func:`caveat_point`). Each task's instance is drawn
from its own seed, ``task_seed(sweep_seed, key)``; the C sweep alone holds the instance
fixed across factors (its points take the base task's seed), so that its curve shows
the effect of ``C`` and nothing else. Each sweep function takes ``run=`` (a
:class:`~tensorkv_check.runner.sweep_runner.SweepRunner` or any ``run(tasks, seed=..., name=...)``);
without it the tasks run serially here.

Progress bars (tqdm) go to stderr and are disabled when stderr is not a terminal.
Run as ``python -m tensorkv_check.index.sweeps --out DIR [--full] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from tqdm import tqdm

from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check._util.svg import svg_of
from tensorkv_check._util.validation import check_int
from tensorkv_check.engine.jl import near_orthogonal_dimension
from tensorkv_check.index.algorithms import TruncatingRowCache
from tensorkv_check.index.bounds import fano_success_ceiling
from tensorkv_check.index.reduction import IndexResult, index_cost, run_index
from tensorkv_check.runner.stages import run_stages
from tensorkv_check.runner.sweep_runner import Task, TaskResult, run_tasks, task_seed, values

RunFn = Callable[..., list[TaskResult]]

__all__ = [
    "QUICK",
    "FULL",
    "sweep_dimension",
    "dimension_tasks",
    "sweep_C",
    "sweep_memory",
    "sweep_caveat",
    "index_point",
    "caveat_point",
    "caveat_part",
    "run_sweeps",
    "figure_dimension",
    "figure_C",
    "figure_memory",
    "figure_caveat",
    "main",
]

#: Grids of the quick profile (tests, CI): small n, seconds in total.
QUICK: dict[str, Any] = {
    "dimension": {
        "standard": {"ns": (16, 64, 256), "ratios": (0.25, 0.5, 1, 2, 4, 8)},
        "four-cache": {"ns": (16, 32), "ds": (1, 2, 4, 8, 16, 32, 64)},
        "two-cache": {"ns": (4, 8), "ds": (1, 2, 4, 8, 16, 32, 64)},
    },
    "C": {
        "model": "standard",
        "n": 256,
        "d": 128,
        "factors": (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5),
    },
    "memory": {"ns": (4, 8, 16, 32), "d": 64},
    "caveat": {"ns": (4, 8, 16, 32), "d": 32},
    "queries": 600,
}

#: Grids of the full profile (``--full``): n up to 2^16 for the standard model.
FULL: dict[str, Any] = {
    "dimension": {
        "standard": {"ns": tuple(2**k for k in range(8, 17)), "ratios": (0.25, 0.5, 1, 2, 4, 8, 16)},
        "four-cache": {"ns": (64, 256, 1024), "ds": (1, 2, 4, 8, 16, 32, 64, 128)},
        "two-cache": {"ns": (8, 32, 128), "ds": (1, 2, 4, 8, 16, 32, 64, 128)},
    },
    "C": {
        "model": "standard",
        "n": 4096,
        "d": 256,
        "factors": (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0),
    },
    "memory": {"ns": (4, 8, 16, 32, 64, 128, 256), "d": 64},
    # d = 64 keeps the n² free rows decodable by the exact algorithms up to n = 1024
    # (10⁶ rows): the comparison is then between algorithms, not between key sets.
    "caveat": {"ns": (8, 32, 128, 512, 1024), "d": 64},
    "queries": 1000,
}

#: Target ε and failure probability δ of the dimension sweep's C and threshold.
EPS_TARGET = 0.4
DELTA = 0.01


def _point(r: IndexResult, **extra: Any) -> dict[str, Any]:
    out = r.deterministic()
    out.update(extra)
    return out


def _algorithm(params: dict[str, Any]) -> Any:
    if params["algorithm"] == "truncating":
        return partial(TruncatingRowCache, budget_rows=params["budget_rows"])
    return params["algorithm"]


def index_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: one :func:`~tensorkv_check.index.reduction.run_index` call, as a deterministic record.

    ``params``: ``algorithm`` (a name of :func:`run_index`, or ``"truncating"`` with
    ``budget_rows``), ``model``, ``n``, ``d``, ``queries``, optional ``eps`` or ``C``,
    optional ``instance_seed`` (else the task seed draws the instance) and ``extra``
    (merged into the record).
    """
    kw = {k: params[k] for k in ("eps", "C") if params.get(k) is not None}
    r = run_index(
        _algorithm(params),
        params["model"],
        params["n"],
        params["d"],
        queries=params["queries"],
        seed=params.get("instance_seed", seed),
        **kw,
    )
    return _point(r, **params.get("extra", {}))


def caveat_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`sweep_caveat`'s three runs at one ``n``, all on the task seed."""
    n, d, q = params["n"], params["d"], params["queries"]
    return {"n": n, **_caveat_structured(n, d, q, seed), **_caveat_free(n, d, q, seed)}


def caveat_part(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: one half of :func:`caveat_point` on the instance seed ``params["instance_seed"]``.

    ``params["part"]`` is ``"structured"`` (the factor-keeping run) or ``"free"`` (the
    exact and the truncating runs, which share their instance and its measured
    coherence). The two halves of one ``n`` run side by side; their records merge into
    :func:`caveat_point`'s.
    """
    n, d, q, s = params["n"], params["d"], params["queries"], params["instance_seed"]
    return _caveat_structured(n, d, q, s) if params["part"] == "structured" else _caveat_free(n, d, q, s)


def _caveat_structured(n: int, d: int, q: int, seed: int) -> dict[str, Any]:
    fk = run_index("factor-keeping", "two-cache-structured", n, d, queries=q, seed=seed, eps=0.25)
    return {"factor_keeping_structured": _point(fk)}


def _caveat_free(n: int, d: int, q: int, seed: int) -> dict[str, Any]:
    ex = run_index("exact", "two-cache", n, d, queries=q, seed=seed, eps=0.25)
    tr = run_index(
        partial(TruncatingRowCache, budget_rows=2 * n), "two-cache", n, d, queries=q, seed=seed, eps=0.25
    )
    return {
        "exact_free": _point(ex),
        "truncating_free": _point(
            tr, budget_rows=2 * n, fano_ceiling=fano_success_ceiling(tr.message_bits, tr.N)
        ),
    }


def _bar_progress(progress: bool | None):
    """A runner progress callback drawing a tqdm bar on stderr (off when not a terminal)."""
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    if not enabled:
        return None
    bars: dict[str, tqdm] = {}

    def cb(name: str, done: int, total: int, result: TaskResult | None) -> None:
        if result is None:
            bars[name] = tqdm(total=total, desc=f"Index {name}", file=sys.stderr, leave=False)
            return
        bars[name].update()
        if done == total:
            bars.pop(name).close()

    return cb


def _run(tasks: list[Task], seed: int, name: str, run: RunFn | None, progress: bool | None) -> list[dict]:
    if run is None:
        return values(run_tasks(tasks, seed=seed, progress=_bar_progress(progress), desc=name))
    return values(run(tasks, seed=seed, name=name))


def dimension_tasks(
    model: str,
    ns: Sequence[int],
    *,
    ratios: Sequence[float] | None = None,
    ds: Sequence[int] | None = None,
    queries: int = 600,
    eps_target: float = EPS_TARGET,
    delta: float = DELTA,
    algorithm: str = "exact",
) -> tuple[list[Task], dict[int, int]]:
    """The runner tasks of :func:`sweep_dimension` (with their cost hints) and the
    thresholds ``{n: d*}``; the arguments are :func:`sweep_dimension`'s."""
    queries = check_int("queries", queries, minimum=1)
    if (ratios is None) == (ds is None):
        raise ValueError("pass exactly one of ratios and ds")
    rows_of = (lambda n: n) if model in ("standard", "four-cache") else (lambda n: n * n)
    grid: list[tuple[int, int]] = []
    thresholds: dict[int, int] = {}
    for n in ns:
        n = check_int("n", n, minimum=2)
        d_star = near_orthogonal_dimension(rows_of(n), eps_target, delta)
        thresholds[n] = d_star
        if ratios is not None:
            dd = {max(1, round(r * math.log(n))) for r in ratios}
        else:
            dd = {check_int("d", d, minimum=1) for d in ds}  # type: ignore[union-attr]
        dd.add(d_star)
        grid += [(n, d) for d in sorted(dd)]
    base = {"algorithm": algorithm, "model": model, "queries": queries, "eps": eps_target}
    tasks = [
        Task.of(
            index_point,
            {
                **base,
                "n": n,
                "d": d,
                "extra": {"d_over_ln_n": d / math.log(n), "at_threshold": d == thresholds[n]},
            },
            cost=index_cost(model, n, d, queries),
        )
        for n, d in grid
    ]
    return tasks, thresholds


def sweep_dimension(
    model: str = "standard",
    ns: Sequence[int] = (16, 64, 256),
    *,
    ratios: Sequence[float] | None = None,
    ds: Sequence[int] | None = None,
    queries: int = 600,
    seed: int = 0,
    eps_target: float = EPS_TARGET,
    delta: float = DELTA,
    algorithm: str = "exact",
    progress: bool | None = None,
    run: RunFn | None = None,
) -> dict[str, Any]:
    """Success versus dimension for one model.

    For each ``n`` the grid is ``d = max(1, round(ratio · ln n))`` for each ratio
    (standard model) or the given ``ds``, plus the threshold
    ``d* = near_orthogonal_dimension(r, eps_target, delta)`` of lem:near-orthogonal for
    the model's ``r`` competing keys. Bob's constant is the formula's
    ``C = ln(4(r−1))/(1−2·eps_target)``; at ``d ≥ d*`` the measured ``ε`` is below
    ``eps_target`` with probability ``≥ 1 − δ`` and decoding is then guaranteed.

    Returns
    -------
    dict
        ``{"model", "eps_target", "delta", "seed", "queries", "points": [...],
        "thresholds": {n: d*}}``; each point is a run's deterministic record plus
        ``d_over_ln_n``. ``seed`` is the sweep seed; each point's ``seed`` is its
        task's (``run=``: see the module docstring).
    """
    queries = check_int("queries", queries, minimum=1)
    tasks, thresholds = dimension_tasks(
        model,
        ns,
        ratios=ratios,
        ds=ds,
        queries=queries,
        eps_target=eps_target,
        delta=delta,
        algorithm=algorithm,
    )
    points = _run(tasks, seed, f"index-dimension-{model}", run, progress)
    return {
        "model": model,
        "algorithm": algorithm,
        "eps_target": eps_target,
        "delta": delta,
        "seed": seed,
        "queries": queries,
        "thresholds": {str(n): t for n, t in thresholds.items()},
        "points": points,
    }


def sweep_C(
    model: str = "standard",
    n: int = 256,
    d: int = 128,
    *,
    factors: Sequence[float] = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5),
    queries: int = 600,
    seed: int = 0,
    algorithm: str = "exact",
    progress: bool | None = None,
    run: RunFn | None = None,
) -> dict[str, Any]:
    """Success versus Bob's constant ``C = factor · C*``.

    ``C*`` is the formula's constant for the measured ``ε`` of the instance (a first
    run with neither ``eps`` nor ``C``, so ``d`` must make the measured ``ε < 1/2``).
    Every factor runs on the base run's instance (its seed), so only ``C`` varies.
    """
    common = {"algorithm": algorithm, "model": model, "n": n, "d": d, "queries": queries}
    (base,) = _run([Task.of(index_point, common)], seed, "index-C-base", run, progress)
    tasks = [
        Task.of(
            index_point, {**common, "C": f * base["C"], "instance_seed": base["seed"], "extra": {"factor": f}}
        )
        for f in factors
        if f != 1.0
    ]
    others = iter(_run(tasks, seed, "index-C", run, progress))
    points = [{**base, "factor": f} if f == 1.0 else next(others) for f in factors]
    return {
        "model": model,
        "algorithm": algorithm,
        "n": n,
        "d": d,
        "seed": seed,
        "queries": queries,
        "C_formula": base["C"],
        "eps_measured": base["eps_measured"],
        "points": points,
    }


#: The algorithms of the memory sweep: (label, algorithm, model).
MEMORY_SERIES = (
    ("standard / StandardDecoder", "exact", "standard"),
    ("four-cache / FourCacheDecoder", "exact", "four-cache"),
    ("two-cache (free rows) / TwoCacheDecoder", "exact", "two-cache"),
    ("two-cache structured / TwoCacheDecoder", "exact", "two-cache-structured"),
    ("two-cache structured / FactorKeepingTwoCache", "factor-keeping", "two-cache-structured"),
)


def sweep_memory(
    ns: Sequence[int] = (4, 8, 16, 32),
    d: int = 64,
    *,
    queries: int = 200,
    seed: int = 0,
    progress: bool | None = None,
    run: RunFn | None = None,
) -> dict[str, Any]:
    """Measured ``M / N`` of the exact algorithms (and the factor-keeping one) versus ``n``.

    ``C`` comes from ``eps = 1/4`` (the message does not depend on ``C``); each point
    still records Bob's success so that an ``M`` is only reported for a working
    algorithm.
    """
    tasks = [
        Task.of(
            index_point,
            {"algorithm": alg, "model": model, "n": n, "d": d, "queries": queries, "eps": 0.25},
            cost=index_cost(model, n, d, queries),
        )
        for label, alg, model in MEMORY_SERIES
        for n in ns
    ]
    pts = iter(_run(tasks, seed, "index-memory", run, progress))
    series = {label: [next(pts) for _ in ns] for label, _, _ in MEMORY_SERIES}
    return {"d": d, "seed": seed, "queries": queries, "series": series}


def sweep_caveat(
    ns: Sequence[int] = (4, 8, 16, 32),
    d: int = 32,
    *,
    queries: int = 600,
    seed: int = 0,
    progress: bool | None = None,
    run: RunFn | None = None,
) -> dict[str, Any]:
    """thm:two-cache-lb's caveat: factor-keeping on structured rows vs truncation on free rows.

    For each ``n``: the factor-keeping algorithm on ``two-cache-structured``
    (``N = 2(n−1)d``), the exact two-cache decoder on free rows (``N = n²d``) and a
    :class:`~tensorkv_check.index.algorithms.TruncatingRowCache` keeping ``2n`` rows
    (the factor-keeping cache's ``4nd`` numbers) on the same free rows, with Fano's
    success ceiling for its measured ``M/N``. ``C`` from ``eps = 1/4``. The three
    runs of one ``n`` share one seed (that of its :func:`caveat_point` task, run as two
    :func:`caveat_part` tasks): a paired comparison.
    """
    # Each n's runs share the seed of its caveat_point task, split in two tasks that run
    # side by side (the n = 1024 point alone is minutes of work).
    tasks = []
    for n in ns:
        s = task_seed(seed, Task.of(caveat_point, {"n": n, "d": d, "queries": queries}).key)
        for part, model, runs in (("structured", "two-cache-structured", 1), ("free", "two-cache", 2)):
            tasks.append(
                Task.of(
                    caveat_part,
                    {"n": n, "d": d, "queries": queries, "part": part, "instance_seed": s},
                    cost=runs * index_cost(model, n, d, queries),
                )
            )
    halves = iter(_run(tasks, seed, "index-caveat", run, progress))
    rows = [{"n": n, **next(halves), **next(halves)} for n in ns]
    return {"d": d, "seed": seed, "queries": queries, "points": rows}


# ------------------------------------------------------------------ figures

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")


def _fig(width: float = 6.0, height: float = 3.8) -> Figure:
    return Figure(figsize=(width, height))


def _errbars(ax, xs, pts, **kw) -> None:
    ys = [p["estimate"]["rate"] for p in pts]
    lo = [p["estimate"]["rate"] - p["estimate"]["ci_low"] for p in pts]
    hi = [p["estimate"]["ci_high"] - p["estimate"]["rate"] for p in pts]
    ax.errorbar(xs, ys, yerr=[lo, hi], capsize=2, **kw)


def figure_dimension(sweeps: dict[str, dict[str, Any]]) -> str:
    """One panel per model: success (with CI) versus ``d/ln n`` or ``d``, thresholds dashed."""
    models = list(sweeps)
    with matplotlib.rc_context({"font.size": 8}):
        fig = _fig(4.2 * len(models), 3.6)
        for i, model in enumerate(models):
            sw = sweeps[model]
            ax = fig.add_subplot(1, len(models), i + 1)
            ns = sorted({p["n"] for p in sw["points"]})
            colours = matplotlib.colormaps["viridis"]
            for j, n in enumerate(ns):
                pts = [p for p in sw["points"] if p["n"] == n]
                col = colours(j / max(1, len(ns) - 1))
                xkey = "d_over_ln_n" if model == "standard" else "d"
                xs = [p[xkey] for p in pts]
                _errbars(
                    ax,
                    xs,
                    pts,
                    marker=_MARKERS[j % len(_MARKERS)],
                    color=col,
                    label=f"n = {n}",
                    markersize=3,
                    linewidth=1,
                )
                t = sw["thresholds"][str(n)]
                ax.axvline(
                    t / math.log(n) if model == "standard" else t, color=col, linestyle="--", linewidth=0.8
                )
            ax.set_xscale("log", base=2)
            ax.set_ylim(0.4, 1.02)
            ax.axhline(0.99, color="#999999", linewidth=0.6, linestyle=":")
            ax.set_xlabel("d / ln n" if model == "standard" else "d")
            ax.set_ylabel("Bob's success (99% CI)")
            ax.set_title(model)
            ax.grid(True, alpha=0.3)
            ax.legend(frameon=False, fontsize=6)
        first = sweeps[models[0]]
        fig.suptitle(
            f"Index decoding: C = ln(4(r-1))/(1-2ε) at ε = {first['eps_target']}; dashed: threshold d* "
            f"of lem:near-orthogonal (δ = {first['delta']}); dotted: 0.99"
        )
        return svg_of(fig)


def figure_C(sw: dict[str, Any]) -> str:
    """Success versus ``C`` with the formula's ``C`` marked."""
    with matplotlib.rc_context({"font.size": 8}):
        fig = _fig(5.0, 3.4)
        ax = fig.add_subplot()
        pts = sw["points"]
        _errbars(ax, [p["C"] for p in pts], pts, marker="o", markersize=3)
        ax.axvline(
            sw["C_formula"],
            color="#D55E00",
            linestyle="--",
            label=f"ln(4(n-1))/(1-2ε), ε = {sw['eps_measured']:.3f}",
        )
        ax.set_xscale("log")
        ax.set_xlabel("Bob's constant C")
        ax.set_ylabel("Bob's success (99% CI)")
        ax.set_title(f"{sw['model']}: n = {sw['n']}, d = {sw['d']}")
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False)
        return svg_of(fig)


def figure_memory(sw: dict[str, Any]) -> str:
    """``M/N`` versus ``n`` per algorithm and model (log–log)."""
    with matplotlib.rc_context({"font.size": 8}):
        fig = _fig(6.0, 3.8)
        ax = fig.add_subplot()
        for i, (label, pts) in enumerate(sw["series"].items()):
            ax.plot(
                [p["n"] for p in pts],
                [p["bits_per_bit"] for p in pts],
                marker=_MARKERS[i % len(_MARKERS)],
                label=label,
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("tokens n")
        ax.set_ylabel("message bits per input bit, M / N")
        ax.set_title(f"Measured M/N of exact algorithms (d = {sw['d']})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6)
        return svg_of(fig)


def figure_caveat(sw: dict[str, Any]) -> str:
    """Success versus ``n``: factor-keeping (structured), exact and truncating (free rows)."""
    with matplotlib.rc_context({"font.size": 8}):
        fig = _fig(6.0, 3.8)
        ax = fig.add_subplot()
        ns = [p["n"] for p in sw["points"]]
        for key, label, m in (
            ("factor_keeping_structured", "factor-keeping, structured rows", "o"),
            ("exact_free", "exact two-cache, free rows", "s"),
            ("truncating_free", "truncating (2n rows), free rows", "^"),
        ):
            _errbars(ax, ns, [p[key] for p in sw["points"]], marker=m, markersize=3, label=label)
        ax.plot(
            ns,
            [p["truncating_free"]["fano_ceiling"] for p in sw["points"]],
            linestyle="--",
            color="#777777",
            label="Fano ceiling for the truncating M/N",
        )
        # Kept rows decode, dropped rows are coin flips: 1/2 + kept/(2 n²).
        ax.plot(
            ns,
            [0.5 + min(1.0, 2 * n / n**2) / 2 for n in ns],
            linestyle=":",
            color="#009E73",
            label="truncation's expectation 1/2 + 2n/(2n²)",
        )
        ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=":")
        ax.set_xscale("log", base=2)
        ax.set_ylim(0.4, 1.05)
        ax.set_xlabel("tokens n")
        ax.set_ylabel("Bob's success (99% CI)")
        ax.set_title(f"thm:two-cache-lb caveat (d = {sw['d']})")
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False, fontsize=6)
        return svg_of(fig)


# ------------------------------------------------------------------ driver


def run_sweeps(
    out_dir: str | Path | None = None,
    *,
    full: bool = False,
    seed: int = 0,
    progress: bool | None = None,
    run: RunFn | None = None,
) -> dict[str, Any]:
    """Run every sweep of the profile (:data:`QUICK` or :data:`FULL`) and write the outputs.

    With ``out_dir``, writes ``index_sweeps.json`` and ``index_dimension.svg``,
    ``index_C.svg``, ``index_memory.svg``, ``index_caveat.svg`` there, each atomically
    and only after every sweep has completed. The directory is checked for
    writability before any work starts. ``run``: the sweep runner (default serial).

    Returns
    -------
    dict
        ``{"profile", "seed", "dimension": {model: sweep}, "C", "memory", "caveat",
        "files"}``.
    """
    out = ensure_writable_dir(out_dir) if out_dir is not None else None
    prof = FULL if full else QUICK
    q = prof["queries"]
    common: dict[str, Any] = {"seed": seed, "progress": progress, "run": run}
    # Independent sweeps: with a parallel runner they run at the same time (run_stages).
    stages: dict[str, Callable[[], dict[str, Any]]] = {}
    for model, grid in prof["dimension"].items():
        kw = {"ratios": grid["ratios"]} if "ratios" in grid else {"ds": grid["ds"]}
        stages[model] = partial(sweep_dimension, model, grid["ns"], queries=q, **common, **kw)
    c = prof["C"]
    stages["C"] = partial(sweep_C, c["model"], c["n"], c["d"], factors=c["factors"], queries=q, **common)
    stages["memory"] = partial(sweep_memory, prof["memory"]["ns"], prof["memory"]["d"], **common)
    stages["caveat"] = partial(sweep_caveat, prof["caveat"]["ns"], prof["caveat"]["d"], queries=q, **common)
    done = run_stages(stages, run)
    dim = {model: done[model] for model in prof["dimension"]}
    sw_c, sw_m, sw_v = done["C"], done["memory"], done["caveat"]
    result: dict[str, Any] = {
        "profile": "full" if full else "quick",
        "seed": seed,
        "dimension": dim,
        "C": sw_c,
        "memory": sw_m,
        "caveat": sw_v,
    }
    figures = {
        "index_dimension.svg": figure_dimension(dim),
        "index_C.svg": figure_C(sw_c),
        "index_memory.svg": figure_memory(sw_m),
        "index_caveat.svg": figure_caveat(sw_v),
    }
    files = []
    if out is not None:
        text = json.dumps(result, indent=2, sort_keys=True, allow_nan=False) + "\n"
        files.append(str(atomic_write(out / "index_sweeps.json", text)))
        for name, svg in figures.items():
            files.append(str(atomic_write(out / name, svg)))
    result["files"] = files
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tensorkv_check.index.sweeps --out DIR [--full] [--seed S]``."""
    p = argparse.ArgumentParser(
        prog="python -m tensorkv_check.index.sweeps", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", required=True, help="output directory (created if needed)")
    p.add_argument("--full", action="store_true", help="the full grid (n up to 2^16; minutes)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        res = run_sweeps(args.out, full=args.full, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for f in res["files"]:
        print(f)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
