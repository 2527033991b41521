"""Empirical checks and explorers of SubGen and its tensor variants (thm:subgen, alg:subgen2cache,
alg:subgen4cache, thm:subgen4cache).

Zandieh, Han, Mirrokni, Karbasi, "SubGen" (arXiv 2402.06082) and the tensor variants of Chen et
al. 2025 (arXiv 2503.11108). The claims are declared in ``proofs/subgen.py``; this module (loaded
after it: "subgen" < "subgen_algorithms") attaches their error-bound and memory checks, run
through :mod:`tensorkv_check.subgen`, and the counterexample searches.
"""

from __future__ import annotations

import proofs.subgen  # noqa: F401  (registers the claims these checks attach to)
import tensorkv_check.subgen as sgc
from proofs._common import serial_blas
from proofs._explore_common import finite_floats, memo_last
from tensorkv_check.claims.registry import REGISTRY, CheckResult

sg2 = REGISTRY["alg:subgen2cache"]
sg4 = REGISTRY["alg:subgen4cache"]

# ------------------------------------------------- empirical checks through subgen_checks
#: Quick-profile trials: 0 violations in 200 give a 99% Clopper–Pearson upper bound of
#: 1 − 0.005^{1/200} ≈ 0.026, below the stated failure probability 0.1 (each check < 1.5 s).
QUICK_TRIALS = 200
SLOW_TRIALS = 1000
#: Smoke-profile trials (crash-hunting only, no meaningful verdict): enough to run every path.
SMOKE_TRIALS = 3


def _setting(name: str):
    return {x.name: x for x in sgc.default_settings()}[name]


def _error_bound_check(ctx, claim_id: str, setting_name: str, trials: int, *, with_unit: bool) -> CheckResult:
    """[ZHMK24]'s guarantee with the derived constants: violation-rate CP upper < stated p."""
    trials = ctx.size(trials, smoke=SMOKE_TRIALS)
    S = _setting(setting_name)
    seed = int(ctx.rng(claim_id, setting_name).integers(0, 2**31 - 1))
    res = sgc.error_bound_rate(S, trials=trials, seed=seed, confidence=0.99)
    details = {
        "setting": S.to_dict(),
        "seed": seed,
        "trials": trials,
        "holds": res.holds,
        "ratio_quantiles": res.ratio_quantiles,
        "worst": res.worst,
        "first_failure": res.first_failure,
        "compressor": res.parameters["compressor"],
        "note": res.parameters.get("note"),
        "reproduce": f"error_bound_rate({{s.name: s for s in default_settings()}}[{setting_name!r}], "
        f"trials={trials}, seed={seed})",
    }
    if with_unit:
        # Recorded, not judged: the spec's t, s are O(·); constants set to 1 carry no guarantee.
        U = _setting(setting_name.replace("-derived", "-unit"))
        useed = int(ctx.rng(claim_id, U.name).integers(0, 2**31 - 1))
        ures = sgc.error_bound_rate(U, trials=ctx.size(50, smoke=SMOKE_TRIALS), seed=useed, confidence=0.99)
        details["unit_constants_measured"] = {
            "setting": U.name,
            "seed": useed,
            "violations": str(ures.estimate),
            "compressor": ures.parameters["compressor"],
            "first_failure": ures.first_failure,
            "judged": False,
            "why": "the spec states t, s = O(·); unit constants are not the claim",
        }
    verdict = CheckResult.ok if res.holds else CheckResult.fail
    return verdict(
        f"bound ‖z − Attn‖ ≤ ε‖softmax‖‖V‖_op violated in {res.estimate}; CP upper "
        f"{res.estimate.ci_high:.4f} {'<' if res.holds else '≥'} stated failure {res.failure_probability}; "
        "error/bound quantiles " + ", ".join(f"{k} {v:.3f}" for k, v in res.ratio_quantiles.items()),
        scope=(
            f"setting {S.name}: n = {S.n}, d = {S.d}, m = {S.m}, δ = {S.delta}, centres at radius "
            f"{S.radius}, ‖q‖ = {S.r}, ε = {S.eps}, failure {S.failure_probability}, derived constants "
            f"{res.parameters['compressor']}; {trials} independent trials, 99% Clopper–Pearson"
        ),
        estimate=res.estimate,
        details=details,
    )


#: The memory checks' tolerances: a log–log slope of measured bytes against the prediction within
#: 0.1 of 1, and measured/predicted within [0.95, 1.25] (headers, cluster centres, counts and
#: the 2s value rows put it at 1.03–1.10 here), so a compressor storing twice what it should fails.
SLOPE_TOL = 0.1
RATIO_RANGE = (0.95, 1.25)

#: The exact decoder each compressor is compared with and its expected slope in n.
_EXACT = {
    "subgen": ("exact-standard", 1.0),
    "subgen2cache": ("exact-two-cache", 2.0),
    "subgen4cache": (
        "exact-four-cache",
        1.0,
    ),
}


def _memory_derived_check(model: str) -> CheckResult:
    """Measured bytes vs 8·d·(m·t(n) + s) with the derived t(n), s; the exact decoder's slope in n."""
    out = sgc.derived_memory_scaling(model)
    exact_model, exact_slope = _EXACT[model]
    ex = sgc.memory_scaling(exact_model, out["ns"], d=out["d"])
    lo, hi = RATIO_RANGE
    ok = (
        out["full"]
        and abs(out["slope_vs_predicted"] - 1.0) <= SLOPE_TOL
        and all(lo <= x <= hi for x in out["ratio"])
        and abs(ex["slope"] - exact_slope) <= 0.05
        and out["slope_in_n"] < ex["slope"] / 2
    )
    formula = "8·d·(m1·t1(n) + m2·t2(n) + 4d·s)" if model == "subgen4cache" else "8·d·(m·t(n) + s)"
    rows = "n² rows" if model == "subgen2cache" else "tokens"
    verdict = CheckResult.ok if ok else CheckResult.fail
    extra = (
        f"; against the spec's 8·d·(m1·t1 + m2·t2 + s) the slope is {out['slope_vs_spec']:.3f} (the pair "
        f"sampler holds up to s·d rows of K and V per factor: {out['pair_pool_rows']} pooled rows)"
        if model == "subgen4cache"
        else ""
    )
    return verdict(
        f"{model}: bytes {out['bytes']} vs predicted {formula} = {out['predicted_bytes']} for "
        f"n = {out['ns']} {rows} (t = {out['t']}, s = {out['s']}, clusters {out['clusters']}): log–log slope "
        f"{out['slope_vs_predicted']:.3f} (|· − 1| ≤ {SLOPE_TOL}), bytes/predicted "
        + ", ".join(f"{x:.3f}" for x in out["ratio"])
        + f" (in [{lo}, {hi}]); slope in n {out['slope_in_n']:.3f} vs {exact_model} {ex['slope']:.3f} "
        f"(expected {exact_slope:g}){extra}",
        scope=(
            f"derived t(n), s (ε = {out['eps']}, failure {out['failure_probability']}, stable rank 1: rank-1 "
            f"values), d = {out['d']}, m = {out['m']} groups (per factor) of diameter δ = {out['delta']}, "
            f"‖q‖ ≤ {out['r']}; every reservoir full (n/m ≫ t); measured by len(to_bytes())"
        ),
        details={**out, "exact": {k: ex[k] for k in ("model", "ns", "bytes", "slope")}},
    )


@REGISTRY["thm:subgen"].empirical(
    "error-bound-derived",
    description="SubGen with derived t, s: CP upper of the violation rate (200 trials) < 0.1",
)
@serial_blas
def check_subgen_error_bound_derived(ctx):
    return _error_bound_check(ctx, "thm:subgen", "subgen-derived", QUICK_TRIALS, with_unit=True)


@REGISTRY["thm:subgen"].empirical(
    "error-bound-derived-1000", slow=True, description="as error-bound-derived with 1,000 trials"
)
@serial_blas
def check_subgen_error_bound_derived_1000(ctx):
    return _error_bound_check(ctx, "thm:subgen", "subgen-derived", SLOW_TRIALS, with_unit=False)


@REGISTRY["thm:subgen"].empirical(
    "memory-derived-t",
    description="SubGen's message bytes vs 8·d·(m·t(n) + s) with the derived t(n), s: log–log slope ≈ 1; "
    "the exact decoder's slope in n ≈ 1",
)
@serial_blas
def check_subgen_memory_derived_t(ctx):
    return _memory_derived_check("subgen")


@sg2.empirical(
    "error-bound-derived",
    description="SubGen2Cache with derived t, s: CP upper of the violation rate (200 trials) < 0.1",
)
@serial_blas
def check_subgen2cache_error_bound_derived(ctx):
    return _error_bound_check(ctx, "alg:subgen2cache", "subgen2cache-derived", QUICK_TRIALS, with_unit=True)


@sg2.empirical("error-bound-derived-1000", slow=True, description="as error-bound-derived with 1,000 trials")
@serial_blas
def check_subgen2cache_error_bound_derived_1000(ctx):
    return _error_bound_check(ctx, "alg:subgen2cache", "subgen2cache-derived", SLOW_TRIALS, with_unit=False)


@sg2.empirical(
    "memory-derived-t",
    description="SubGen2Cache's message bytes vs 8·d·(m·t(n²) + s) on the n² rows, derived t, s: slope ≈ 1; "
    "the exact two-cache decoder's slope in n ≈ 2",
)
@serial_blas
def check_subgen2cache_memory_derived_t(ctx):
    return _memory_derived_check("subgen2cache")


@sg4.empirical(
    "error-bound-derived",
    description="SubGen4Cache with derived t1, t2, s: CP upper of the violation rate (200 trials) < 0.1",
)
@serial_blas
def check_subgen4cache_error_bound_derived(ctx):
    return _error_bound_check(ctx, "alg:subgen4cache", "subgen4cache-derived", QUICK_TRIALS, with_unit=True)


@sg4.empirical("error-bound-derived-1000", slow=True, description="as error-bound-derived with 1,000 trials")
@serial_blas
def check_subgen4cache_error_bound_derived_1000(ctx):
    return _error_bound_check(ctx, "alg:subgen4cache", "subgen4cache-derived", SLOW_TRIALS, with_unit=False)


@sg4.empirical(
    "memory-derived-t",
    description="SubGen4Cache's message bytes vs 8·d·(m1·t1(n) + m2·t2(n) + 4d·s), derived t1, t2, s: "
    "slope ≈ 1; the exact four-cache decoder's slope in n ≈ 1",
)
@serial_blas
def check_subgen4cache_memory_derived_t(ctx):
    return _memory_derived_check("subgen4cache")


def _space_subgen(st, model, n_lo, n_hi, violate):
    return st.fixed_dictionaries(
        {
            "model": st.just(model),
            "n": st.integers(n_lo, n_hi),
            "d": st.integers(2, 4),
            "m": st.integers(1, 4),
            "delta": finite_floats(st, 0.02, 0.2),
            "radius": finite_floats(st, 0.5, 2.0),
            "r": finite_floats(st, 0.5, 2.0),
            "query_kind": st.sampled_from(("towards", "uniform")),
            "eta": finite_floats(st, 0.01, 1.0) if violate else st.just(0.0),
            "seed": st.integers(0, 2**20),
        }
    )


@memo_last
def _subgen_rate(ex):
    """Violation rate over 30 seeded trials, data spread (1 + η)δ, compressor built for δ."""
    from tensorkv_check.subgen import BoundSetting, error_bound_rate
    from tensorkv_check.subgen import build_compressor as _build

    data = BoundSetting(
        "explore",
        ex["model"],
        ex["n"],
        ex["d"],
        ex["m"],
        ex["delta"] * (1 + ex["eta"]),
        ex["radius"],
        ex["r"],
        0.5,
        0.1,
        "derived",
        1.0,
        ex["query_kind"],
    )
    algo = BoundSetting(
        "explore",
        ex["model"],
        ex["n"],
        ex["d"],
        ex["m"],
        ex["delta"],
        ex["radius"],
        ex["r"],
        0.5,
        0.1,
        "derived",
        1.0,
        ex["query_kind"],
    )
    return error_bound_rate(data, trials=30, seed=ex["seed"], factory=lambda _s, ss: _build(algo, ss))


def explore_subgen_error_bound(ex):
    """The SubGen variant's violation rate over 30 trials is not refuted above the stated 0.1."""
    res = _subgen_rate(ex)
    if res.refuted:
        e = res.estimate
        return (
            f"{ex['model']}: the bound ‖z − Attn‖ ≤ ε‖softmax‖‖V‖_op failed in {e.successes}/{e.trials} "
            f"trials, 99% CI [{e.ci_low:.3f}, {e.ci_high:.3f}] above the stated 0.1 (worst ratio "
            f"{res.worst['ratio']:.3g})"
        )
    return None


def _subgen_score(ex):
    return float(_subgen_rate(ex).ratio_quantiles["q100"])


_SG_RANGES = (
    "d = 2..4, m ≤ 4 groups, δ ∈ [0.02, 0.2], centre radius and ‖q‖ in [0.5, 2], ε = 1/2, stated "
    "failure 0.1, derived t and s, 30 seeded trials per example (refuted only if the 99% CI lies above 0.1)"
)

for _model, _lo, _hi, _cid in (
    ("subgen", 128, 1024, "thm:subgen"),
    ("subgen2cache", 8, 24, "alg:subgen2cache"),
    ("subgen4cache", 8, 32, "alg:subgen4cache"),
):
    REGISTRY.explorer(
        _cid,
        "error-bound-clusterable",
        region="inside",
        weight=0.5,
        space=lambda st, m=_model, lo=_lo, hi=_hi: _space_subgen(st, m, lo, hi, False),
        ranges=f"n = {_lo}..{_hi} tokens, " + _SG_RANGES,
        score=_subgen_score,
        score_label="worst error / bound over the trials",
        description=f"{_model} inside (m, δ)-clusterability: the violation rate is not above 0.1",
    )(explore_subgen_error_bound)
    REGISTRY.explorer(
        _cid,
        "error-bound-just-unclusterable",
        region="outside",
        weight=0.5,
        space=lambda st, m=_model, lo=_lo, hi=_hi: _space_subgen(st, m, lo, hi, True),
        hypothesis="keys (m, δ)-clusterable (here groups of diameter (1 + η)δ, η ∈ [0.01, 1], "
        "while the compressor is built for δ)",
        ranges=f"n = {_lo}..{_hi} tokens, " + _SG_RANGES,
        score=_subgen_score,
        score_label="worst error / bound over the trials",
        description=f"{_model} with keys just violating (m, δ)-clusterability",
    )(explore_subgen_error_bound)


@REGISTRY.explorer(
    "thm:subgen4cache",
    "factor-memory-below-product",
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {
            "m1": st.integers(2, 10**4),
            "m2": st.integers(2, 10**4),
            "t": st.integers(0, 10**6),
            "s": st.integers(0, 10**6),
            "d": st.integers(1, 1024),
        }
    ),
    ranges="m1, m2 = 2..10⁴ clusters, t = 0..10⁶ samples per cluster, s = 0..10⁶ pair samples, d = 1..1024",
    snippet=lambda ex: "print(d * (m1 * t + m2 * t + s), d * (m1 * m2 * t + s))",
    description="SubGen4Cache's count d(m1·t + m2·t + s) never exceeds SubGen2Cache's d(m1·m2·t + s) "
    "(exact integers).",
)
def explore_factor_memory_below_product(ex):
    """SubGen4Cache's count d(m1·t + m2·t + s) never exceeds SubGen2Cache's d(m1·m2·t + s)
    (exact integers)."""
    m1, m2, t, s, d = ex["m1"], ex["m2"], ex["t"], ex["s"], ex["d"]
    four, two = d * (m1 * t + m2 * t + s), d * (m1 * m2 * t + s)
    return None if four <= two else f"four-cache count {four} > two-cache count {two}"


# ------------------------------------------- thm:subgen4cache with its partition sampler in use
@REGISTRY["thm:subgen4cache"].empirical(
    "error-bound-sampled-partition",
    description="SubGen4Cache with derived t1, t2, s where every factor cluster is larger than t: the "
    "sampler runs in every trial; CP upper of the bound's violation rate < p and of |τ̂ − Z| > (ε/3)Z < p/2",
)
@serial_blas
def check_subgen4cache_sampled_partition(ctx):
    return _sampled_partition_check(ctx, "mixture")


def _sampled_partition_check(ctx, pair_sampler: str) -> CheckResult:
    S = sgc.SAMPLED_SETTING
    trials = ctx.size(150, full=1000, smoke=SMOKE_TRIALS)
    seed = int(ctx.rng("thm:subgen4cache", S.name, pair_sampler).integers(0, 2**31 - 1))
    res = sgc.sampled_partition_rate(S, trials=trials, seed=seed, confidence=0.99, pair_sampler=pair_sampler)
    p = res.failure_probability
    verdict = CheckResult.ok if res.holds else CheckResult.fail
    return verdict(
        f"{pair_sampler} pair sampler; partition sampler used in {res.sampled_trials}/{trials} trials "
        "(some factor cluster with |C| > t); "
        f"bound ‖z − Att‖ ≤ ε‖softmax‖‖V1⊘V2‖_op violated in {res.estimate} (CP upper "
        f"{res.estimate.ci_high:.4f} vs p = {p}); |τ̂ − Z| > (ε/3)Z in {res.denominator} (CP upper "
        f"{res.denominator.ci_high:.4f} vs p/2 = {p / 2}); error/bound q50 {res.ratio_quantiles['q50']:.3f}, "
        f"max {res.ratio_quantiles['q100']:.3f}",
        scope=(
            f"n = {S.n} factor tokens, d = {S.d}, m = {S.m} groups per factor of diameter δ = {S.delta}, "
            f"‖q‖ = {S.r}, ε = {S.eps}, values with mean {S.value_mean}, derived t1 = "
            f"{res.parameters['compressor']['t1']}, t2 = {res.parameters['compressor']['t2']}, s = "
            f"{res.parameters['compressor']['s']}, largest factor cluster "
            f"{res.parameters['largest_factor_cluster']}; "
            f"{trials} independent trials, 99% Clopper–Pearson. A doubled numerator gives error/bound ≈ 2 "
            "here (tests/test_subgen.py plants it)"
        ),
        estimate=res.estimate,
        details={
            "seed": seed,
            "sampled_trials": res.sampled_trials,
            "denominator": str(res.denominator),
            "ratio_quantiles": res.ratio_quantiles,
            "denominator_over_eps3_quantiles": res.denominator_quantiles,
            "parameters": res.parameters,
        },
    )


@REGISTRY["thm:subgen4cache"].empirical(
    "error-bound-sampled-partition-coordinate",
    description="as error-bound-sampled-partition with the lower-memory coordinate pair sampler (s rows per "
    "factor instead of s·d)",
)
@serial_blas
def check_subgen4cache_sampled_partition_coordinate(ctx):
    return _sampled_partition_check(ctx, "coordinate")


@REGISTRY["thm:subgen4cache"].empirical(
    "memory-vs-exact-four-cache",
    description="n = 4096 factor tokens, d = 64 (the benchmark's point): SubGen4Cache's bytes with the "
    "mixture and the coordinate pair sampler against the exact four-cache's; the coordinate sampler's "
    "bytes below the exact four-cache and within its prediction 8·d·(Σ m_f(t+1) + 4s)",
)
@serial_blas
def check_subgen4cache_memory_vs_exact(ctx):
    out = sgc.pair_sampler_memory()
    b, pred = out["bytes"], out["predicted_bytes"]
    exact, mix, coord = b["exact-four-cache"], b["mixture"], b["coordinate"]
    ok = coord < exact and coord <= 1.05 * pred["coordinate"]
    verdict = CheckResult.ok if ok else CheckResult.fail
    mb = lambda x: f"{x / 1e6:.2f} MB"  # noqa: E731
    return verdict(
        f"exact four-cache {mb(exact)} ({exact} bytes); SubGen4Cache with the mixture pair sampler {mb(mix)} "
        f"({mix} bytes: its s·d reservoirs per factor hold {out['pool_rows']['mixture']} factor rows, all "
        f"n of each factor, plus s·d references); with the coordinate pair sampler {mb(coord)} ({coord} "
        f"bytes, {out['pool_rows']['coordinate']} pooled rows, prediction {mb(pred['coordinate'])}). At the "
        f"guarantee's derived s = {out['derived_s']} (ε = 1/2, p = 0.1, stable rank d) both samplers would "
        f"hold all n = {out['n']} rows of each factor: at this n no sampler of s rows beats the exact "
        "four-cache with that guarantee",
        scope=(
            f"n = {out['n']} factor tokens, d = {out['d']}, m = {out['m']} groups per factor "
            f"(δ = {out['delta']}), "
            f"t1 = t2 = {out['t']}, s = {out['s']} (benchmarks/bench_subgen.py's point), seed {out['seed']}; "
            "measured by len(to_bytes())"
        ),
        details=out,
    )
