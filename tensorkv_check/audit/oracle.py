"""The lower bounds as a test oracle: audit a KV-cache compressor on the Index instances.

Chen et al. 2025 (arXiv 2503.11108; thm:four-cache-lb, thm:two-cache-lb) and Haris and
Onak 2025 (thm:ho25-lb) reduce Index (spec def:index) to KV-cache compression: a cache
whose answers let Bob decode Alice's ``N`` bits with average success ``p ≥ 1/2`` must
hold ``M ≥ (1 − h(p))·N`` bits (Fano; thm:index-lb), public randomness included. So a
compressor *measured* below that bound cannot exist: its memory accounting is wrong
(state kept outside its bytes, a side channel between Alice and Bob, data read from
elsewhere). This module runs a compressor as Alice on the adversarial Index instances
of every model it ingests (:func:`tensorkv_check.index.make_instance`), over its
budget grid, and decides.

Decision (fixed seeds, so the same audit always gives the same verdict): at each of the
``K`` Index points of an audit, Bob's ``q`` queries give a one-sided Clopper–Pearson
lower bound ``p_low`` on his success at confidence ``1 − α/K``; the point *beats Fano*
iff ``M < (1 − h(max(p_low, 1/2)))·N``. If the compressor's true success at the point
is ``p`` and ``M ≥ (1 − h(p))·N`` (what the bound guarantees when Bob's bits come only
from the message), ``p_low > p`` has probability at most ``α/K``, so an honest
compressor is flagged with probability at most ``α`` = :data:`ALPHA` (family-wise, by
Bonferroni) over Bob's query draw. (As in :func:`tensorkv_check.index.run_index`, the
success is measured on one seeded instance per model: Fano bounds the average over
Alice's uniform bits, whose per-instance fluctuation is not part of ``α``.)

Besides the bound, each point is checked for three protocol breaks, each a sign of
state outside the bytes: ``from_bytes(to_bytes())`` does not reproduce Alice's
``query``; ``to_bytes()`` changes after Bob has used the message; a Bob rebuilt from
message A answers differently after a second Alice has run on another instance
(state leaking between instances).

Bob runs in Alice's process by default, so a leak shows up as an impossible result;
with ``isolate=True`` Bob also runs in a fresh Python process that receives only the
message and public data, and the audit records whether he still decodes there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# The measurements at one point (points.py), the verdict (decision.py) and the isolated
# Bob (_isolation.py) live in their own modules; the names marked F401 stay importable
# from here.
from tensorkv_check.audit._isolation import isolated_bob
from tensorkv_check.audit.decision import GAP_P, m_over_n_at, verdict  # noqa: F401
from tensorkv_check.audit.points import BENIGN_KINDS, benign_point, index_point, protocol_point  # noqa: F401
from tensorkv_check.audit.target import (
    AuditUsageError,
    Target,
    check_protocol,
    load_target,
    param_grid,
    target_from_factory,
)
from tensorkv_check.engine.jl import near_orthogonal_dimension
from tensorkv_check.engine.protocol import INPUT_KINDS
from tensorkv_check.index import MODEL_INPUT, MODELS

__all__ = [
    "ALPHA",
    "PROFILES",
    "REFERENCE",
    "SCHEMA",
    "model_size",
    "instance_seed",
    "run_audit",
    "replay_command",
]

SCHEMA = "tensorkv-check-audit/1"
#: Family-wise probability that an honest compressor is flagged (over Bob's queries).
ALPHA = 1e-3


#: Built-in families drawn beside the audited compressor, with their budgets.
REFERENCE: dict[str, tuple[float, ...]] = {
    "quant": (1, 2, 4, 8),
    "random": (0.25, 0.5, 0.9),
    "lowrank": (0.125, 0.5, 1.0),
}


PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "models": {"standard": 512, "four-cache": 64, "two-cache": 16, "two-cache-structured": 32},
        "queries": 1000,
        "protocol": {"n": 24, "d": 16},
        "benign": {"n": 1024, "d": 64, "factor_n": 48, "factor_d": 32, "queries": 32},
    },
    "full": {
        "models": {"standard": 4096, "four-cache": 256, "two-cache": 48, "two-cache-structured": 128},
        "queries": 4000,
        "protocol": {"n": 64, "d": 32},
        "benign": {"n": 8192, "d": 64, "factor_n": 128, "factor_d": 64, "queries": 128},
    },
}


def _rows(model: str, n: int) -> int:
    return n * n if model in ("two-cache", "two-cache-structured") else n


def model_size(model: str, profile: str) -> tuple[int, int]:
    """``(n, d)`` of ``model``'s instance in ``profile``; ``d = near_orthogonal_dimension(rows, 0.4, 0.01)``.

    lem:near-orthogonal: ``d`` random sign keys of the ``rows`` competing keys are
    0.4-near-orthogonal with probability ≥ 0.99, so Bob's decoding constant is defined.
    """
    n = PROFILES[profile]["models"][model]
    return n, near_orthogonal_dimension(_rows(model, n), 0.4, 0.01)


def instance_seed(seed: int, model: str) -> int:
    """Seed of ``model``'s Index instance in an audit of seed ``seed`` (one instance per model)."""
    return int(np.random.SeedSequence([seed, MODELS.index(model)]).generate_state(1)[0] % (1 << 31))


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def replay_command(spec: str, model: str, params: dict[str, Any], seed: int, profile: str) -> str:
    """The command that reruns one point of an audit."""
    ps = " ".join(f"--param {k}={_fmt(v)}" for k, v in sorted(params.items()))
    return (f"tensorkv-check audit {spec} --models {model} {ps} --profile {profile} --seed {seed}").replace(
        "  ", " "
    )


# --------------------------------------------------------------------------- the audit


def _reference_targets(
    models: Sequence[str], plugins: bool
) -> tuple[list[tuple[Target, dict[str, Any]]], dict[str, str]]:
    out: list[tuple[Target, dict[str, Any]]] = []
    for name, budgets in REFERENCE.items():
        t = load_target(name)
        out += [(t, {"budget": b}) for b in budgets]
    broken: dict[str, str] = {}
    if plugins:
        from tensorkv_check.frontier.plugins import load_plugins

        scan = load_plugins()
        broken.update(scan.broken)
        for name, p in sorted(scan.plugins.items()):
            try:
                t = target_from_factory(p.factory, name, kind="plugin", label=name)
            except AuditUsageError as exc:
                broken[name] = str(exc)
                continue
            if not set(t.models) & set(models):
                continue
            out += [(t, params) for params in param_grid(t.default_params)]
    return out, broken


def run_audit(
    target: Target | str,
    params: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None = None,
    *,
    models: Sequence[str] | None = None,
    profile: str = "quick",
    seed: int = 0,
    isolate: bool = False,
    reference: bool = True,
    plugins: bool = True,
    benign: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Audit a compressor: Index points, protocol checks, benign errors, verdict.

    Parameters
    ----------
    target : Target or str
        The compressor (a spec string is resolved by :func:`load_target`).
    params : dict or list of dict, optional
        Budget grid ``{name: values}`` (every combination is run) or an explicit list
        of parameter dicts; default ``target.default_params``.
    models : sequence of str, optional
        Models to audit (default: every model the compressor ingests).
    profile : {"quick", "full"}
    seed : int
        Seed of the instances and of Bob's queries.
    isolate : bool
        Also run Bob in a fresh process (``--isolate``).
    reference, plugins : bool
        Run the built-in reference families (:data:`REFERENCE`) and the installed
        plugins on the same instances, for the frontier figure.
    benign : bool
        Measure the attention error on benign inputs.
    progress : callable, optional
        Called with one line of text per step.

    Returns
    -------
    dict
        JSON-safe audit data; ``"verdict"`` holds the decision, ``"timings"`` the only
        non-deterministic values.

    Raises
    ------
    AuditUsageError
        Unknown target, bad parameter, unsupported model, or the protocol not implemented.
    """
    t_start = time.perf_counter()
    if isinstance(target, str):
        target = load_target(target)
    if profile not in PROFILES:
        raise AuditUsageError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AuditUsageError(f"seed must be a non-negative integer, got {seed!r}")
    prof = PROFILES[profile]
    grid_spec: dict[str, Any]
    if params is None or isinstance(params, Mapping):
        grid_spec = dict(target.default_params if params is None else params)
        grid = param_grid(grid_spec)
    else:  # explicit points instead of a grid
        grid = [dict(p) for p in params] or [{}]
        grid_spec = {k: sorted({repr(p[k]) for p in grid}) for k in sorted({k for p in grid for k in p})}
    if models is None:
        models = target.models
    models = list(models)
    bad = [m for m in models if m not in MODELS]
    if bad:
        raise AuditUsageError(f"unknown model(s) {bad}; valid: {', '.join(MODELS)}")
    unsupported = [m for m in models if m not in target.models]
    if unsupported:
        raise AuditUsageError(
            f"{target.spec} ingests {sorted({MODEL_INPUT[m] for m in target.models}) or 'nothing'}, "
            f"so it cannot run model(s) {unsupported} (input kinds: "
            + ", ".join(f"{m}: {MODEL_INPUT[m]!r} {INPUT_KINDS[MODEL_INPUT[m]]}" for m in unsupported)
            + ")"
        )
    if not models:
        raise AuditUsageError(f"{target.spec} supports no Index model")
    if isolate and target.kind == "object" and ":" not in target.spec:
        raise AuditUsageError(
            f"isolate needs a target a fresh process can load (MODULE:OBJECT, a plugin or a "
            f"built-in name), got {target.spec!r}"
        )
    say = progress or (lambda _line: None)
    for model in models:
        for p in grid:
            check_protocol(target, p, model)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    K = len(models) * len(grid)
    confidence = 1.0 - ALPHA / K
    sizes = {m: model_size(m, profile) for m in models}
    points: list[dict[str, Any]] = []
    for model in models:
        n, d = sizes[model]
        q = prof["queries"]
        for p in grid:
            pt = index_point(
                target,
                model,
                p,
                n=n,
                d=d,
                queries=q,
                seed=instance_seed(seed, model),
                confidence=confidence,
                keep_message=isolate,
            )
            pt["replay"] = replay_command(target.spec, model, p, seed, profile)
            points.append(pt)
            say(_point_line(target.label, pt))
    timings["index"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pc = prof["protocol"]
    protocol = []
    for model in models:
        n_small = (
            pc["n"]
            if model not in ("two-cache", "two-cache-structured")
            else max(3, int(math.isqrt(pc["n"] * 4)))
        )
        for p in grid:
            protocol.append(
                protocol_point(target, model, p, n=n_small, d=pc["d"], seed=instance_seed(seed, model))
            )
    timings["protocol"] = time.perf_counter() - t0

    isolation = None
    if isolate:
        t0 = time.perf_counter()
        isolation = isolated_bob(target, points)
        timings["isolate"] = time.perf_counter() - t0
    for pt in points:
        pt.pop("_message", None)
        pt.pop("_bob", None)

    t0 = time.perf_counter()
    ref_points: list[dict[str, Any]] = []
    broken: dict[str, str] = {}
    if reference:
        refs, broken = _reference_targets(models, plugins)
        for rt, rp in refs:
            for model in models:
                if model not in rt.models:
                    continue
                n, d = sizes[model]
                try:
                    pt = index_point(
                        rt,
                        model,
                        rp,
                        n=n,
                        d=d,
                        queries=prof["queries"],
                        seed=instance_seed(seed, model),
                        confidence=confidence,
                    )
                except AuditUsageError as exc:
                    broken[rt.spec] = str(exc)
                    continue
                pt["family"] = rt.spec
                ref_points.append(pt)
        say(f"reference families: {len(ref_points)} points")
    timings["reference"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    benign_pts: list[dict[str, Any]] = []
    if benign:
        bn = prof["benign"]
        bench_models: list[tuple[str, str]] = []  # (model, input kind)
        for m in models:  # one model per input kind: kv-like inputs share their benign data
            kind = "factors" if MODEL_INPUT[m] == "factors" else "kv"
            if kind not in [k for _, k in bench_models]:
                bench_models.append((m, kind))
        for model, kind in bench_models:
            n, d = (bn["factor_n"], bn["factor_d"]) if kind == "factors" else (bn["n"], bn["d"])
            entries = [(target, p, target.spec) for p in grid]
            if reference:
                entries += [
                    (rt, rp, rt.spec)
                    for rt, rp in _reference_targets([model], False)[0]
                    if model in rt.models
                ]
            for t, p, fam in entries:
                for bk in BENIGN_KINDS:
                    bp = benign_point(t, model, p, bk, n=n, d=d, queries=bn["queries"], seed=seed)
                    bp["family"] = fam
                    bp["audited"] = t is target
                    benign_pts.append(bp)
        say(f"benign inputs: {len(benign_pts)} points")
    timings["benign"] = time.perf_counter() - t0

    v = verdict(points, protocol, isolation)
    timings["total"] = time.perf_counter() - t_start
    return {
        "schema": SCHEMA,
        "target": {
            "spec": target.spec,
            "label": target.label,
            "kind": target.kind,
            "models": list(target.models),
        },
        "profile": profile,
        "seed": seed,
        "alpha": ALPHA,
        "points_tested": K,
        "confidence_per_point": confidence,
        "grid": grid_spec and {k: list(v) for k, v in sorted(grid_spec.items())},
        "models": {
            m: {
                "n": sizes[m][0],
                "d": sizes[m][1],
                "N": _n_bits(m, *sizes[m]),
                "instance_seed": instance_seed(seed, m),
            }
            for m in models
        },
        "points": points,
        "protocol": protocol,
        "isolation": isolation,
        "reference": ref_points,
        "benign": benign_pts,
        "m_over_n": m_over_n_at(points),
        "reference_m_over_n": {
            fam: m_over_n_at([p for p in ref_points if p["family"] == fam])
            for fam in sorted({p["family"] for p in ref_points})
        },
        "plugins_broken": broken,
        "verdict": v,
        "decision": (
            f"A point beats Fano iff M < (1 − h(max(p_low, 1/2)))·N, p_low the one-sided "
            f"Clopper–Pearson lower bound at confidence 1 − α/K = {confidence:.6g} (K = {K} points, "
            f"family-wise α = {ALPHA:g}); an honest compressor is flagged with probability ≤ {ALPHA:g}."
        ),
        "timings": timings,
    }


def _n_bits(model: str, n: int, d: int) -> int:
    return 2 * (n - 1) * d if model == "two-cache-structured" else _rows(model, n) * d


def _point_line(label: str, p: dict[str, Any]) -> str:
    if p.get("error"):
        return f"{label} {p['model']} {p['params']}: ERROR {p['error']}"
    flag = "  BEATS FANO" if p["beats_fano"] else ""
    return (
        f"{label} {p['model']} {p['params']}: M/N = {p['bits_per_bit']:.4g}, success "
        f"{p['successes']}/{p['trials']} (p_low {p['ci_low']:.4f}), Fano needs M >= {p['fano_bits']:.0f} "
        f"bits, M = {p['M']}{flag}"
    )
