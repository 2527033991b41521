"""The frontier section's checks, the checker's checkers: each returns a structured
pass/fail (``name``, ``passed``, ``criterion``, ``details``) that the tests assert and
that can be broken on purpose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scipy import stats as _st

from tensorkv_check.frontier.profiles import CONFIDENCE, EVICTION, EVICTION_ALPHA
from tensorkv_check.index.bounds import fano_bound

__all__ = ["check_feasible", "check_lossless", "check_eviction", "check_subgen_adversarial", "run_checks"]


def _check(name: str, passed: bool, criterion: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "criterion": criterion, "details": details}


def index_points(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Index point of the section's data: the catalogue's points, then SubGen's."""
    return list(data.get("points", [])) + list(data.get("subgen", []))


def _label(p: dict[str, Any]) -> str:
    extra = f", δ={p['delta']}" if p.get("compressor") == "subgen" else ""
    return f"{p['model']} n={p['n']} {p['compressor']}@{p['budget']}{extra}"


def check_feasible(data: dict[str, Any]) -> dict[str, Any]:
    """No measured point inside Fano's infeasible region, and every task ran.

    Criterion: no :class:`HarnessError`, and for every point ``M ≥ (1 − h(max(ci_low,
    1/2)))·N`` recomputed here from the point's own numbers (so a harness that stopped
    raising would still be caught); no task failed.
    """
    bad, n = [], 0
    for p in index_points(data):
        n += 1
        if p.get("harness_error"):
            bad.append({"point": _label(p), "why": p["harness_error"]})
            continue
        need = fano_bound(max(p["ci_low"], 0.5), p["N"])
        if p["M"] < need:
            bad.append({"point": _label(p), "why": f"M = {p['M']} < {need:.1f}"})
    errs = list(data.get("task_errors", []))
    return _check(
        "no-point-in-infeasible-region",
        not bad and not errs and n > 0,
        "every index point: no HarnessError and M ≥ (1 − h(max(CP low, 1/2)))·N; every task ran",
        {"points": n, "violations": bad, "task_errors": errs},
    )


def check_lossless(
    data: dict[str, Any], entries: Sequence[tuple[str, float]] = (("exact", 0), ("lowrank", 1.0))
) -> dict[str, Any]:
    """A lossless compressor reaches ``p ≈ 1``: CP lower ≥ 0.95 on every model.

    Lossless entries: the exact float64 decoder and the full-rank SVD (exact up to
    rounding). Fails if one is missing from a model or below the bar.
    """
    rows, bad = [], []
    models = sorted({p["model"] for p in data.get("points", [])})
    for model in models:
        for comp, b in entries:
            pts = [
                p
                for p in data["points"]
                if p["model"] == model
                and p["compressor"] == comp
                and float(p["budget"]) == float(b)
                and not p.get("harness_error")
            ]
            if not pts:
                bad.append({"model": model, "compressor": comp, "budget": b, "why": "missing"})
                continue
            p = pts[0]
            row = {"model": model, "compressor": comp, "budget": b, "rate": p["rate"], "ci_low": p["ci_low"]}
            rows.append(row)
            if p["ci_low"] < 0.95:
                bad.append(dict(row, why="CP lower < 0.95"))
    return _check(
        "lossless-reaches-one",
        bool(rows) and not bad,
        f"exact decoder and full-rank SVD: {int(CONFIDENCE * 100)}% CP lower ≥ 0.95 on every model",
        {"points": rows, "failures": bad},
    )


def check_eviction(data: dict[str, Any], alpha: float = EVICTION_ALPHA) -> dict[str, Any]:
    """Each eviction point's success is consistent with ``f + (1 − f)/2``.

    ``f`` is the *realised* kept fraction of Alice's cache (a kept bit decodes, since
    the run is ``guaranteed``; an evicted bit is independent of everything Bob holds,
    so his guess is a coin flip). Test: two-sided exact binomial test
    (``scipy.stats.binomtest``) of ``successes`` out of ``trials`` against
    ``p0 = f + (1 − f)/2``. ``alpha`` (0.001) is family-wise: with ``K`` points, a point
    fails if its p-value is below ``alpha / K`` (Bonferroni), so a correct harness fails
    the whole check with probability at most ``alpha`` on any seed. A point also fails if
    its run is not guaranteed (then the expectation does not apply).
    """
    rows = []
    for p in data.get("points", []):
        if p["compressor"] not in EVICTION or p.get("harness_error"):
            continue
        f = p["kept_fraction"]
        p0 = f + (1.0 - f) / 2.0
        pv = float(_st.binomtest(p["successes"], p["trials"], min(1.0, p0)).pvalue)
        rows.append(
            {
                "point": _label(p),
                "kept_fraction": f,
                "expected": p0,
                "rate": p["rate"],
                "successes": p["successes"],
                "trials": p["trials"],
                "p_value": pv,
                "guaranteed": p["guaranteed"],
            }
        )
    per_point = alpha / max(1, len(rows))
    bad = [r for r in rows if r["p_value"] < per_point or not r["guaranteed"]]
    return _check(
        "eviction-matches-coin-flip-model",
        bool(rows) and not bad,
        f"two-sided exact binomial test of successes vs f + (1 − f)/2 (f = realised kept fraction) "
        f"does not reject at family-wise α = {alpha} (Bonferroni over {len(rows)} points: "
        f"{per_point:.2g} each), and the run is guaranteed",
        {"points": rows, "failures": bad, "alpha": alpha, "alpha_per_point": per_point},
    )


def check_subgen_adversarial(
    data: dict[str, Any], model: str, *, level: float = 0.75, require_below: bool = True
) -> dict[str, Any]:
    """SubGen as Alice on the lower-bound instances of ``model`` (adversarial inputs for SubGen).

    Criteria, on the SubGen points of ``model``:

    (a) every point respects Fano: CP lower ≤ ``fano_success_ceiling(M, N)`` and no
        HarnessError;
    (b) every point with ``M < fano_bound(level, N)`` has CP upper ``< level`` (success
        has dropped toward chance below the bound); with ``require_below`` at least one
        such point must exist (else the criterion would be vacuous);
    (c) success rises with the message: the CP lower of the point with the largest
        ``M/N`` exceeds the CP upper of the point with the smallest ``M/N``.
    """
    pts = [p for p in data.get("subgen", []) if p["model"] == model]
    errs = [_label(p) for p in pts if p.get("harness_error")]
    # Ordered by M/N: points of different n share the axis on which Fano's bound is drawn.
    ok_pts = sorted((p for p in pts if not p.get("harness_error")), key=lambda p: (p["bits_per_bit"], p["M"]))
    rows = [
        {
            "n": p["n"],
            "delta": p["delta"],
            "s": p["budget"],
            "M": p["M"],
            "N": p["N"],
            "bits_per_bit": p["bits_per_bit"],
            "rate": p["rate"],
            "ci_low": p["ci_low"],
            "ci_high": p["ci_high"],
            "fano_ceiling": p["fano_ceiling"],
            "below_bound": p["M"] < fano_bound(level, p["N"]),
        }
        for p in ok_pts
    ]
    a_bad = [r for r in rows if r["ci_low"] > r["fano_ceiling"]] + [{"harness_error": e} for e in errs]
    below = [r for r in rows if r["below_bound"]]
    b_bad = [r for r in below if r["ci_high"] >= level]
    c_ok = len(rows) >= 2 and rows[-1]["ci_low"] > rows[0]["ci_high"]
    passed = bool(rows) and not a_bad and not b_bad and c_ok and (bool(below) or not require_below)
    return _check(
        f"subgen-adversarial-{model}",
        passed,
        f"(a) CP lower ≤ Fano ceiling at every point; (b) every point with M < fano_bound({level}, N) has "
        f"{int(CONFIDENCE * 100)}% CP upper < {level}"
        + (" and at least one such point exists" if require_below else "")
        + "; (c) CP lower at the largest M/N > CP upper at the smallest M/N",
        {
            "model": model,
            "points": rows,
            "ceiling_violations": a_bad,
            "below_bound_violations": b_bad,
            "points_below_bound": len(below),
            "rises_with_M": c_ok,
            "level": level,
        },
    )


def run_checks(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every check of the section (see the ``check_*`` functions)."""
    out = [check_feasible(data), check_lossless(data), check_eviction(data)]
    for model in sorted({p["model"] for p in data.get("subgen", [])}):
        # SubGen4Cache's pair sampler stores up to s·d factor rows: no budget puts it
        # below the bound on the four-cache instances we can afford (recorded as a finding).
        out.append(check_subgen_adversarial(data, model, require_below=model != "four-cache"))
    return out
