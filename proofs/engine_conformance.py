"""Engine conformance: the implementation against independent references, as claim checks.

The claim modules test the paper's statements; the checks here (role ``engine``, the
implementation agrees with the mathematics) test the engine functions those statements'
evidence is computed with, each against a reference computed inside the check:

* thm:ho25-lb: the reduction's query scale :func:`tensorkv_check.index.bounds.reduction_C`
  against ``ln(4(r − 1))/(1 − 2ε)`` and its defining tail identity
  ``(r − 1)·e^{−C(1−2ε)} = 1/4``; the exact Clopper–Pearson interval
  :func:`tensorkv_check.engine.stats.clopper_pearson` (every reduction's verdict is one)
  against ``scipy.stats.beta`` quantiles.
* lem:near-orthogonal: the key generator of the reductions,
  :func:`tensorkv_check.engine.jl.near_orthogonal_keys`, gives entries exactly ``±1/√d``
  (unit rows) for the Rademacher family and unit rows for the Gaussian one.
* thm:subgen: SubGen's estimate is ``N̂/τ̂`` recomputed from its own stored samples with
  the importance weights ``‖V‖²_F/(s·‖v_i‖²)``; on identical tokens it is exact.
* thm:index-lb: Fano's bound :func:`tensorkv_check.index.bounds.fano_bound` against
  ``(1 − h₂(p))·N`` in bits and :func:`~tensorkv_check.index.bounds.fano_success_ceiling`
  as its inverse; the frontier's compressors that play Alice: the uniform quantizer
  (``2^b − 1`` steps: integer grids are exact, the error is at most half a step) and the
  sign sketch (QJL's reconstruction ``‖k‖·√(π/2)/m · Sᵀ sign(S k)`` recomputed from the
  seed).

Every check is deterministic (fixed inputs or a seeded generator, exact comparisons
or float64 rounding tolerances): these are identities, not rates. The module attaches
its checks to claims the claim modules declare, so it imports them first
(:func:`proofs.import_claim_modules`), in the order the registry loads them.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
from scipy.stats import beta

from proofs import import_claim_modules
from proofs._common import serial_blas
from tensorkv_check.claims.registry import REGISTRY, CheckResult

import_claim_modules()

bounds = importlib.import_module("tensorkv_check.index.bounds")
stats = importlib.import_module("tensorkv_check.engine.stats")
jl = importlib.import_module("tensorkv_check.engine.jl")

#: Relative tolerance of float64 formulas recomputed in another order.
RTOL = 1e-12


def _verdict(ok: bool):
    return CheckResult.ok if ok else CheckResult.fail


def _h2(p: float) -> float:
    """Binary entropy in bits, written out here (the engine's is not the reference)."""
    return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


# ---------------------------------------------------------------------------- thm:ho25-lb
@REGISTRY["thm:ho25-lb"].empirical(
    "engine-reduction-C",
    description="reduction_C(r, ε) = ln(4(r−1))/(1−2ε), and (r−1)·e^{−C(1−2ε)} = 1/4",
    role="engine",
)
def check_engine_reduction_C(ctx):
    rows = (2, 3, 17, 1024, 10**6)
    epss = (0.0, 0.1, 0.25, 0.4, 0.49)
    bad = []
    for r in rows:
        for e in epss:
            C = bounds.reduction_C(r, e)
            want = math.log(4 * (r - 1)) / (1 - 2 * e)
            tail = (r - 1) * math.exp(-C * (1 - 2 * e))  # the off-key mass bound it must make 1/4
            if not (abs(C - want) <= RTOL * want and abs(tail - 0.25) <= 1e-9):
                bad.append({"rows": r, "eps": e, "C": C, "want": want, "tail_bound": tail})
    return _verdict(not bad)(
        f"reduction_C matches ln(4(r−1))/(1−2ε) and puts the tail bound at 1/4 on "
        f"{len(rows) * len(epss) - len(bad)}/{len(rows) * len(epss)} points",
        scope=f"r ∈ {list(rows)}, ε ∈ {list(epss)}; exact formula, relative tolerance {RTOL:g}",
        details={"mismatches": bad[:5]},
    )


@REGISTRY["thm:ho25-lb"].empirical(
    "engine-clopper-pearson",
    description="clopper_pearson(k, n, c) = scipy.stats.beta quantiles at (1 ± c)/2",
    role="engine",
)
def check_engine_clopper_pearson(ctx):
    cases = [(k, n) for n in (1, 10, 100, 1000) for k in sorted({0, 1, n // 2, n - 1, n})]
    confs = (0.5, 0.9, 0.99, 0.999)
    bad = []
    for k, n in cases:
        for c in confs:
            a = (1 - c) / 2
            low = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
            high = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
            est = stats.clopper_pearson(k, n, c)
            ok = (
                abs(est.ci_low - low) <= 1e-9
                and abs(est.ci_high - high) <= 1e-9
                and est.confidence == c
                and (est.successes, est.trials) == (k, n)
            )
            if not ok:
                bad.append(
                    {"k": k, "n": n, "confidence": c, "got": [est.ci_low, est.ci_high], "want": [low, high]}
                )
    total = len(cases) * len(confs)
    return _verdict(not bad)(
        f"Clopper–Pearson intervals equal the beta quantiles on {total - len(bad)}/{total} cases",
        scope=f"(k, n) ∈ {cases}, confidence ∈ {list(confs)}; absolute tolerance 1e-9",
        details={"mismatches": bad[:5]},
    )


# ---------------------------------------------------------------------- lem:near-orthogonal
@REGISTRY["lem:near-orthogonal"].empirical(
    "engine-key-family",
    description="near_orthogonal_keys: Rademacher entries exactly ±1/√d, every row of unit norm",
    role="engine",
)
def check_engine_key_family(ctx):
    rng = ctx.rng("lem:near-orthogonal", "engine-keys")
    rows = []
    for n, d in ((1, 1), (7, 16), (64, 400), (300, 37)):
        R = jl.near_orthogonal_keys(n, d, rng, kind="rademacher")
        G = jl.near_orthogonal_keys(n, d, rng, kind="gaussian")
        rows.append(
            {
                "n": n,
                "d": d,
                "rademacher_entries_exact": bool(R.shape == (n, d) and np.all(np.abs(R) == 1 / math.sqrt(d))),
                "rademacher_norm_err": float(np.abs((R**2).sum(axis=1) - 1).max()),
                "gaussian_norm_err": float(np.abs((G**2).sum(axis=1) - 1).max()),
            }
        )
    ok = all(
        r["rademacher_entries_exact"]
        and r["rademacher_norm_err"] <= 1e-12
        and r["gaussian_norm_err"] <= 1e-12
        for r in rows
    )
    return _verdict(ok)(
        "Rademacher keys have entries ±1/√d exactly and unit rows; Gaussian keys unit rows"
        + ("" if ok else f": FAILED {[r for r in rows if not r['rademacher_entries_exact']][:1] or rows}"),
        scope="(n, d) ∈ {(1,1), (7,16), (64,400), (300,37)}; norms within 1e-12",
        details={"cases": rows},
    )


# ------------------------------------------------------------------------------ thm:subgen
@REGISTRY["thm:subgen"].empirical(
    "engine-estimator-formula",
    description="SubGen = N̂/τ̂ from its samples (weights ‖V‖²_F/(s‖v‖²)); exact on identical tokens",
    role="engine",
)
@serial_blas
def check_engine_estimator_formula(ctx):
    from tensorkv_check.subgen.standard import SubGen

    rng = ctx.rng("thm:subgen", "engine-formula")
    n, d, s = 200, 6, 32
    K = rng.standard_normal((n, d)) / math.sqrt(d)
    V = rng.standard_normal((n, d))
    Q = rng.standard_normal((5, d))
    sg = SubGen(d, delta=0.5, t=4, s=s, rng=np.random.default_rng(int(rng.integers(2**31))))
    sg.ingest(K, V)
    Ks, Vs = sg.sampled_values()
    c = sg.scale
    worst = 0.0
    for q in Q:
        # The ℓ2 sample of row j has probability ‖v_j‖²/‖V‖²_F: importance weight its inverse over s.
        num = ((np.sum(V * V) / (s * np.sum(Vs * Vs, axis=1))) * np.exp(c * (Ks @ q))) @ Vs
        want = num / sg.partition_estimate(q)
        got = sg.query(q)
        worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
    # Identical tokens: every sample is the same row, so τ̂ and N̂ are exact and the answer is v.
    v = rng.standard_normal(d)
    same = SubGen(d, delta=0.5, t=4, s=s, rng=np.random.default_rng(1))
    same.ingest(np.tile(K[0], (50, 1)), np.tile(v, (50, 1)))
    exact_err = float(np.abs(same.query(Q) - v).max() / np.abs(v).max())
    ok = worst <= 1e-10 and exact_err <= 1e-12
    return _verdict(ok)(
        f"SubGen.query = N̂/τ̂ from its own samples (worst relative gap {worst:.1e}); identical tokens "
        f"give v (relative error {exact_err:.1e})",
        scope=f"n = {n}, d = {d}, s = {s}, δ = 0.5, t = 4, 5 queries; identical-token case n = 50",
        details={"worst_formula_gap": worst, "identical_tokens_error": exact_err},
    )


# ---------------------------------------------------------------------------- thm:index-lb
@REGISTRY["thm:index-lb"].empirical(
    "engine-fano",
    description="fano_bound(p, N) = (1 − h₂(max(p, 1/2)))·N in bits; fano_success_ceiling inverts it",
    role="engine",
)
def check_engine_fano(ctx):
    bad = []
    for N in (1, 100, 10**6):
        for p in (0.0, 0.3, 0.5, 0.6, 0.75, 0.9, 0.99, 1.0):
            want = (1 - _h2(max(p, 0.5))) * N
            got = bounds.fano_bound(p, N)
            if abs(got - want) > RTOL * N:
                bad.append({"p": p, "N": N, "got": got, "want": want})
        for frac in (0.01, 0.25, 0.5, 0.9):
            p = bounds.fano_success_ceiling(frac * N, N)
            if not (0.5 <= p <= 1 and abs((1 - _h2(p)) * N - frac * N) <= 1e-9 * N):
                bad.append({"M": frac * N, "N": N, "ceiling": p})
    return _verdict(not bad)(
        "Fano's bound in bits and its inverse agree with (1 − h₂(p))·N"
        + ("" if not bad else f": {len(bad)} mismatches, first {bad[0]}"),
        scope="N ∈ {1, 100, 10⁶}, p ∈ {0, .3, .5, .6, .75, .9, .99, 1}, M/N ∈ {.01, .25, .5, .9}",
        details={"mismatches": bad[:5]},
    )


@REGISTRY["thm:index-lb"].empirical(
    "engine-quantizer",
    description="UniformQuantizer: 2^b − 1 steps per row; integer grids exact, error ≤ step/2",
    role="engine",
)
def check_engine_quantizer(ctx):
    from tensorkv_check.frontier import UniformQuantizer

    rng = ctx.rng("thm:index-lb", "engine-quantizer")
    rows = []
    for b in (1, 2, 3, 5, 8):
        levels = 2**b - 1
        d = levels + 1
        # Every code once, on the integers 0..2^b − 1 (float32-exact: lo = 0, step = 1).
        grid = rng.permutation(np.arange(d, dtype=np.float64))[None, :]
        X = rng.standard_normal((20, d)) * 3.0
        qz = UniformQuantizer(d, bits=b)
        qz.ingest(np.vstack([grid, X]), np.vstack([grid, X]))
        Kh = qz.reconstruct()[0]
        step = (X.max(axis=1) - X.min(axis=1)) / levels
        # Half a step, plus float32 rounding of the stored offset and step (2^-23 relative).
        slack = 0.5 * step * (1 + 1e-6) + 1e-6 * np.abs(X).max(axis=1)
        err = np.abs(Kh[1:] - X).max(axis=1)
        rows.append(
            {
                "bits": b,
                "grid_exact": bool(np.array_equal(Kh[0], grid[0])),
                "worst_error_over_half_step": float((err / (0.5 * step)).max()),
                "within_half_step": bool(np.all(err <= slack)),
            }
        )
    ok = all(r["grid_exact"] and r["within_half_step"] for r in rows)
    return _verdict(ok)(
        "b-bit rows: the 2^b-point integer grid is reconstructed exactly and random rows within half a "
        f"step (range/(2^b − 1)) for b ∈ {[r['bits'] for r in rows]}"
        + ("" if ok else f"; FAILED {[r for r in rows if not (r['grid_exact'] and r['within_half_step'])]}"),
        scope="b ∈ {1, 2, 3, 5, 8}, d = 2^b, 20 Gaussian rows each; float32 slack 1e-6 relative",
        details={"cases": rows},
    )


@REGISTRY["thm:index-lb"].empirical(
    "engine-sign-sketch",
    description="SignSketch keys = ‖k‖·√(π/2)/m · Sᵀ sign(S k) with S from the seed (QJL's estimator)",
    role="engine",
)
@serial_blas
def check_engine_sign_sketch(ctx):
    from tensorkv_check.frontier.sketch import SignSketch

    rng = ctx.rng("thm:index-lb", "engine-sketch")
    worst = 0.0
    for d, m, seed in ((4, 64, 5), (16, 256, 11), (33, 1000, 0)):
        K = rng.standard_normal((12, d))
        sk = SignSketch(d, sketch_dim=m, seed=seed)
        sk.ingest(K, rng.standard_normal((12, d)))
        S = np.random.default_rng(seed).standard_normal((m, d))
        norms = np.linalg.norm(K, axis=1).astype(np.float32).astype(np.float64)
        want = (norms * math.sqrt(math.pi / 2) / m)[:, None] * (np.where(K @ S.T >= 0, 1.0, -1.0) @ S)
        got = sk.reconstruct()[0]
        worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
    ok = worst <= 1e-12
    return _verdict(ok)(
        f"SignSketch's keys equal QJL's reconstruction (worst relative gap {worst:.1e})",
        scope="(d, m, seed) ∈ {(4, 64, 5), (16, 256, 11), (33, 1000, 0)}, 12 keys each",
        details={"worst_relative_gap": worst},
    )
