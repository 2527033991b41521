"""Claims for the Johnson–Lindenstrauss lemmas and near-orthogonal keys.

Chen et al. 2025 (arXiv 2503.11108), Lemma 3.4 (Gaussian JL, spec lem:jl-gaussian) and
Lemma 3.5 (random projections preserve inner products, lem:jl-projection), and the
near-orthogonal key sets of the Haris–Onak reduction (lem:near-orthogonal, [HO25][std]).

Each Ω/O(·) is replaced by an explicit constant and the algebra from the tail bound to
the dimension is checked in sympy. The tail bounds themselves are [std]; their final
inequalities are checked symbolically (the χ² Chernoff chain) and against exact
distributions from scipy (χ² for Gaussian JL, binomial for ±1/√d keys, Beta for
normalised Gaussian keys) on grids. The engine (:mod:`tensorkv_check.engine.jl`) is then run at
the explicit dimensions over seeded trials, with Clopper–Pearson intervals at 99%.

Engine functions are looked up on the module at call time (``jl.gaussian_jl``), so a
planted mutant (e.g. N(0, 1/d) entries instead of N(0, 1/k)) is what the checks run.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import sympy as sp
from scipy import stats

from proofs._common import rate, serial_blas
from proofs._explore_common import U, adversarial_matrix, finite_floats, seeds
from tensorkv_check.claims.registry import REGISTRY, CheckResult

jl = importlib.import_module("tensorkv_check.engine.jl")

_eps = sp.Symbol("epsilon", positive=True)
_delta = sp.Symbol("delta", positive=True)
_k = sp.Symbol("k", positive=True)
_f = sp.Symbol("f", positive=True)
_s = sp.Symbol("s", positive=True)  # reparametrisations: ε = 1/(1+s) ∈ (0, 1), etc.
_n = sp.Symbol("n", positive=True)
_d = sp.Symbol("d", positive=True)

#: a(ε) = ε²/2 − ε³/3, the exponent rate of the χ² tail.
_a = _eps**2 / 2 - _eps**3 / 3
#: The explicit JL dimension before rounding up.
_K_JL = 2 * sp.log(2 * _f / _delta) / _a
#: The explicit near-orthogonal dimension before rounding up.
_D_NO = 2 * sp.log(_n**2 / _delta) / _eps**2


def _fixed_set(rng, f: int, d: int) -> np.ndarray:
    """A fixed set of f vectors: e_1, the all-ones direction, a sparse vector, random rest."""
    X = rng.standard_normal((f, d))
    X[0] = 0.0
    X[0, 0] = 1.0
    X[1] = 1.0 / np.sqrt(d)
    X[2] = 0.0
    X[2, : min(3, d)] = 5.0
    return X


# ---------------------------------------------------------------------- lem:jl-gaussian
gauss = REGISTRY.claim(
    "lem:jl-gaussian",
    paper_ref="Lemma 3.4",
    sources=("paper", "std"),
    statement=(
        "S with i.i.d. N(0, 1/k) entries is a JLT(ε, δ, f) when k = Ω(ε⁻² log(f/δ)). Explicit [std]: "
        "for one x, Pr[|‖Sx‖² − ‖x‖²| > ε‖x‖²] ≤ 2 exp(−k(ε²/2 − ε³/3)/2), so "
        "k ≥ 2 ln(2f/δ)/(ε²/2 − ε³/3) suffices by a union bound over the f vectors."
    ),
    sympy_statement=sp.Le(2 * _f * sp.exp(-_k * _a / 2), _delta),
    hypotheses=("0 < ε < 1, 0 < δ < 1, f ≥ 1", "k ≥ 2 ln(2f/δ)/(ε²/2 − ε³/3) (tensorkv_check.jl_dimension)"),
    explicit_constants={
        "k = Ω(ε⁻² log(f/δ))": "k = ⌈2 ln(2f/δ)/(ε²/2 − ε³/3)⌉ ≤ 6 ln(2f/δ)/ε² + 1 ≤ 12 ln(f/δ)/ε² + 1 "
        "for ε ≤ 1/2 and f/δ ≥ 2",
        "per-vector tail": "2 exp(−k(ε²/2 − ε³/3)/2)",
    },
    depends_on=("def:jlt",),
)


@gauss.empirical(
    "chi2-exact-tail", description="exact χ²_k two-sided tail (scipy) ≤ 2exp(−k(ε²/2−ε³/3)/2) on a grid"
)
@serial_blas
def check_chi2_exact_tail(ctx):
    ks = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
    if ctx.profile == "full":
        ks += [7, 30, 70, 300, 700, 10000, 20000]
    epss = np.linspace(0.01, 0.99, 99 if ctx.profile == "full" else 50)
    K, E = np.meshgrid(np.array(ks, dtype=float), epss, indexing="ij")
    # k‖Sx‖²/‖x‖² ~ χ²_k exactly for Gaussian S (rotation invariance) [std]. Compared in
    # log space: for large k both sides underflow float64.
    log_exact = np.logaddexp(stats.chi2.logsf((1 + E) * K, K), stats.chi2.logcdf((1 - E) * K, K))
    log_bound = np.log(2.0) - K * (E**2 / 2 - E**3 / 3) / 2
    holds = log_exact <= log_bound
    est = rate(
        int(holds.sum()), holds.size, {"k": ks, "eps": f"{len(epss)} points in [0.01, 0.99]"}, ctx.seed
    )
    worst = float(np.exp((log_exact - log_bound).max()))
    res = CheckResult.ok if holds.all() else CheckResult.fail
    return res(
        f"exact χ² tail ≤ bound at {est}; largest tail/bound ratio {worst:.3f}",
        scope="grid k ≤ 5000 (20000 in full), 0.01 ≤ ε ≤ 0.99 (deterministic grid)",
        estimate=est,
        details={"worst_ratio": worst},
    )


def _jl_trials(ctx, key, make, eps, delta, f, d, inner):
    """Fraction of trials in which S keeps every norm (and, if ``inner``, every inner product)."""
    rng = ctx.rng(key)
    k = jl.jl_dimension(eps, delta, f * f if inner else f)
    X = _fixed_set(rng, f, d)
    G = X @ X.T
    nrm = np.sqrt(np.diag(G))
    trials = ctx.size(300, full=2000, smoke=3)
    ok, worst = 0, 0.0
    for _t in range(trials):
        SX = X @ make(k, d, rng).T
        GS = SX @ SX.T
        # Relative distortion of each norm (diagonal) and each inner product (off-diagonal).
        dev = np.abs(GS - G) / np.outer(nrm, nrm)
        if not inner:
            dev = np.diag(dev)
        worst = max(worst, float(dev.max()))
        ok += bool(dev.max() <= eps)
    est = rate(
        ok,
        trials,
        {"eps": eps, "delta": delta, "f": f, "k": k, "d": d, "target": f"ci_low ≥ 1 − δ = {1 - delta}"},
        ctx.seed,
    )
    return est, worst, k


@gauss.empirical(
    "jl-trials",
    description="engine gaussian_jl at k = jl_dimension keeps all f norms: CP lower bound ≥ 1 − δ",
)
@serial_blas
def check_jl_trials(ctx):
    eps, delta, f, d = 0.5, 0.1, 20, 400
    est, worst, k = _jl_trials(
        ctx, "lem:jl-gaussian", lambda k, d, r: jl.gaussian_jl(k, d, r), eps, delta, f, d, False
    )
    # The engine's k must be the proved formula, rounded up (exact sympy ceiling).
    formula = int(sp.ceiling(_K_JL.subs({_eps: sp.Rational(1, 2), _delta: sp.Rational(1, 10), _f: f})))
    res = CheckResult.ok if est.ci_low >= 1 - delta and formula == k else CheckResult.fail
    return res(
        f"all {f} norms within ε = {eps} at k = {k} (formula: {formula}): {est} (target ci_low ≥ "
        f"{1 - delta}); worst distortion {worst:.3f}",
        scope=f"ε = {eps}, δ = {delta}, f = {f}, d = {d}, fixed X",
        estimate=est,
        details={"worst_distortion": worst, "k": k, "k_formula": formula},
    )


# -------------------------------------------------------------------- lem:jl-projection
proj = REGISTRY.claim(
    "lem:jl-projection",
    paper_ref="Lemma 3.5",
    sources=("paper",),
    statement=(
        "A random projection preserves all pairwise inner products of f vectors to ±ε‖x‖‖y‖ with "
        "probability ≥ 1 − δ when k = O(ε⁻² log(f/δ)). Explicitly: apply lem:jl-gaussian to the f "
        "vectors and the f(f−1) normalised sums and differences x̂ ± ŷ (f² vectors) and use the "
        "polarization step of def:jlt."
    ),
    sympy_statement=sp.Le(2 * sp.log(2 * _f**2 / _delta) / _a, 2 * (2 * sp.log(2 * _f / _delta) / _a)),
    hypotheses=("0 < ε < 1, 0 < δ < 1, f ≥ 1", "k ≥ 2 ln(2f²/δ)/(ε²/2 − ε³/3) = jl_dimension(ε, δ, f²)"),
    explicit_constants={
        "k = O(ε⁻² log(f/δ))": "k = ⌈2 ln(2f²/δ)/(ε²/2 − ε³/3)⌉ ≤ 2·(2 ln(2f/δ)/(ε²/2 − ε³/3)) + 1 "
        "≤ 24 ln(f/δ)/ε² + 1 for ε ≤ 1/2, f/δ ≥ 2"
    },
    depends_on=("lem:jl-gaussian", "def:jlt"),
)


@proj.empirical(
    "inner-products-gaussian",
    description="gaussian_jl at k = jl_dimension(ε, δ, f²) keeps all f² inner products",
)
@serial_blas
def check_inner_products_gaussian(ctx):
    eps, delta, f, d = 0.5, 0.1, 10, 500
    est, worst, k = _jl_trials(
        ctx, "lem:jl-projection:gaussian", lambda k, d, r: jl.gaussian_jl(k, d, r), eps, delta, f, d, True
    )
    res = CheckResult.ok if est.ci_low >= 1 - delta else CheckResult.fail
    return res(
        f"all inner products within ε‖x‖‖y‖ at k = {k}: {est}; worst {worst:.3f}",
        scope=f"ε = {eps}, δ = {delta}, f = {f}, d = {d}, fixed X",
        estimate=est,
        details={"worst_relative_error": worst, "k": k},
    )


@proj.empirical(
    "inner-products-sign", description="sign_jl (±1/√k, Achlioptas) at the same k keeps all inner products"
)
@serial_blas
def check_inner_products_sign(ctx):
    eps, delta, f, d = 0.5, 0.1, 10, 500
    est, worst, k = _jl_trials(
        ctx, "lem:jl-projection:sign", lambda k, d, r: jl.sign_jl(k, d, r), eps, delta, f, d, True
    )
    res = CheckResult.ok if est.ci_low >= 1 - delta else CheckResult.fail
    return res(
        f"all inner products within ε‖x‖‖y‖ at k = {k}: {est}; worst {worst:.3f}",
        scope=f"ε = {eps}, δ = {delta}, f = {f}, d = {d}, fixed X (incl. e_1, 1/√d, sparse)",
        estimate=est,
        details={"worst_relative_error": worst, "k": k},
    )


# ------------------------------------------------------------------ lem:near-orthogonal
near = REGISTRY.claim(
    "lem:near-orthogonal",
    paper_ref="used by the reduction (HO25)",
    sources=("HO25", "std"),
    statement=(
        "n random vectors u_i ∈ {±1/√d}^d satisfy |⟨u_i, u_j⟩| ≤ ε for all i ≠ j with probability "
        "≥ 1 − δ when d ≥ 2 ln(n²/δ)/ε² (Hoeffding 2exp(−dε²/2) per pair, union over n(n−1)/2 < n²/2 "
        "pairs). Gaussian rows normalised to the sphere satisfy the same per-pair bound "
        "(spherical cap), hence the same d."
    ),
    sympy_statement=sp.Le(_n**2 * sp.exp(-_d * _eps**2 / 2), _delta),
    hypotheses=(
        "n ≥ 1, 0 < ε < 1, 0 < δ < 1",
        "d ≥ 2 ln(n²/δ)/ε² (tensorkv_check.near_orthogonal_dimension)",
    ),
    explicit_constants={
        "d = Ω(log n)": "d = ⌈2 ln(n²/δ)/ε²⌉ = ⌈(4 ln n + 2 ln(1/δ))/ε²⌉",
        "per-pair tail": "2 exp(−dε²/2) (Hoeffding with ranges [−1, 1])",
    },
    depends_on=(),
)


@near.empirical(
    "exact-pair-tails",
    description="exact per-pair tails (binomial for ±1/√d, Beta for the sphere) ≤ 2exp(−dε²/2)",
)
@serial_blas
def check_exact_pair_tails(ctx):
    dmax = ctx.size(400, full=1000, smoke=50)
    D, E = np.meshgrid(np.arange(2, dmax, dtype=float), np.linspace(0.01, 0.99, 50), indexing="ij")
    log_bound = np.log(2.0) - D * E**2 / 2  # compared in log space (tails underflow for large d)
    # ±1/√d rows: Σ s_l = 2B − d with B ~ Bin(d, 1/2); the event |Σ| ≥ εd, counted inclusively.
    hi = np.ceil((D + E * D) / 2 - 1e-9)
    lo = np.floor((D - E * D) / 2 + 1e-9)
    rad = np.logaddexp(stats.binom.logsf(hi - 1, D, 0.5), stats.binom.logcdf(lo, D, 0.5))
    # Uniform unit vectors: (1 + ⟨u, v⟩)/2 ~ Beta((d−1)/2, (d−1)/2) [std].
    a = (D - 1) / 2
    sph = np.log(2.0) + stats.beta.logsf((1 + E) / 2, a, a)
    holds = np.concatenate([(rad <= log_bound).ravel(), (sph <= log_bound).ravel()])
    est = rate(
        int(holds.sum()),
        holds.size,
        {"d": f"2..{dmax - 1}", "eps": "50 points in [0.01, 0.99]", "kinds": ["rademacher", "sphere"]},
        ctx.seed,
    )
    worst = {
        "rademacher": float(np.exp((rad - log_bound).max())),
        "sphere": float(np.exp((sph - log_bound).max())),
    }
    res = CheckResult.ok if holds.all() else CheckResult.fail
    return res(
        f"exact pair tails ≤ 2exp(−dε²/2) at {est}; worst ratios {worst}",
        scope=f"deterministic grid d < {dmax}, 0.01 ≤ ε ≤ 0.99",
        estimate=est,
        details={"worst_ratio": worst},
    )


def _near_rate(ctx, kind):
    n, eps, delta = 128, 0.5, 0.1
    d = jl.near_orthogonal_dimension(n, eps, delta)
    rng = ctx.rng("lem:near-orthogonal", kind)
    trials = ctx.size(400, full=2000, smoke=3)
    worst = np.array(
        [jl.max_abs_inner(jl.near_orthogonal_keys(n, d, rng, kind=kind)) for _t in range(trials)]
    )
    ok = int((worst <= eps).sum())
    est = rate(
        ok,
        trials,
        {"n": n, "eps": eps, "delta": delta, "d": d, "kind": kind, "target": f"ci_low ≥ 1 − δ = {1 - delta}"},
        ctx.seed,
    )
    formula = int(sp.ceiling(_D_NO.subs({_n: n, _eps: sp.Rational(1, 2), _delta: sp.Rational(1, 10)})))
    res = CheckResult.ok if est.ci_low >= 1 - delta and formula == d else CheckResult.fail
    return res(
        f"max |⟨u_i,u_j⟩| ≤ {eps} at d = {d} (formula: {formula}): {est} (target ci_low ≥ {1 - delta}); "
        f"median max {float(np.median(worst)):.3f}",
        scope=f"n = {n}, ε = {eps}, δ = {delta}, {kind} rows",
        estimate=est,
        details={"d": d, "d_formula": formula, "largest_max_inner": float(worst.max())},
    )


@near.empirical(
    "rate-rademacher", description="±1/√d keys at d = near_orthogonal_dimension: CP lower bound ≥ 1 − δ"
)
@serial_blas
def check_rate_rademacher(ctx):
    return _near_rate(ctx, "rademacher")


@near.empirical("rate-gaussian", description="normalised Gaussian keys at the same d: CP lower bound ≥ 1 − δ")
@serial_blas
def check_rate_gaussian(ctx):
    return _near_rate(ctx, "gaussian")


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


def _chi2_log_tail(k: int, eps: float) -> float:
    """log P(|χ²_k/k − 1| > ε), exact (scipy log-tails: no underflow for large k)."""
    from scipy.stats import chi2

    up = float(chi2.logsf(k * (1 + eps), k))
    return float(np.logaddexp(up, chi2.logcdf(k * (1 - eps), k))) if eps < 1 else up


def _chi2_tail(k: int, eps: float) -> float:
    return math.exp(_chi2_log_tail(k, eps))


def _jl_log_bound(k: int, eps: float) -> float:
    """log of 2exp(−k(ε²/2 − ε³/3)/2)."""
    return math.log(2.0) - k * (eps**2 / 2 - eps**3 / 3) / 2


@REGISTRY.explorer(
    "lem:jl-gaussian",
    "exact-chi2-tail",
    weight=3,
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {"k": st.integers(1, 5000), "eps": finite_floats(st, 1e-3, 0.999)}
    ),
    ranges="k = 1..5000, ε ∈ [0.001, 0.999], exact χ² tails (scipy)",
    score=lambda ex: _chi2_log_tail(ex["k"], ex["eps"]) - _jl_log_bound(ex["k"], ex["eps"]),
    score_label="log(exact tail) − log(2exp(−k(ε²/2 − ε³/3)/2)) (≤ 0 by the lemma)",
    snippet=lambda ex: (
        "from scipy.stats import chi2\nprint(chi2.sf(k * (1 + eps), k) + chi2.cdf(k * (1 - eps), k))"
    ),
)
def explore_exact_chi2_tail(ex):
    """P(|‖Sx‖² − ‖x‖²| > ε‖x‖²) = P(|χ²_k/k − 1| > ε) ≤ 2exp(−k(ε²/2 − ε³/3)/2)."""
    k, eps = ex["k"], ex["eps"]
    lt, lb = _chi2_log_tail(k, eps), _jl_log_bound(k, eps)
    if lt > lb + 1e-9:
        return f"exact tail e^{lt:.6g} > bound e^{lb:.6g} at k = {k}, ε = {eps!r}"
    return None


@REGISTRY.explorer(
    "lem:jl-gaussian",
    "engine-entry-variance",
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {"k": st.integers(1, 400), "d": st.integers(1, 60), "seed": seeds(st)}
    ),
    ranges="k = 1..400, d = 1..60, seeded gaussian_jl; two-sided χ² test at level 1e-6 per example",
    snippet=lambda ex: (
        "S = tk.gaussian_jl(k, d, np.random.default_rng(seed)); print(k * (S**2).sum(), k * d)"
    ),
)
def explore_engine_entry_variance(ex):
    """gaussian_jl has N(0, 1/k) entries: k‖S‖_F² ~ χ²_{kd} lies in its central 1 − 1e-6 interval.

    A statistical property: a true engine fails it with probability 1e-6 per example."""
    from scipy.stats import chi2

    from tensorkv_check.engine.jl import gaussian_jl

    k, d = ex["k"], ex["d"]
    S = gaussian_jl(k, d, np.random.default_rng(ex["seed"]))
    stat = k * float((S * S).sum())
    lo, hi = float(chi2.ppf(5e-7, k * d)), float(chi2.isf(5e-7, k * d))
    if not lo <= stat <= hi:
        return f"k‖S‖_F² = {stat:.6g} outside the χ²_{{{k * d}}} interval [{lo:.6g}, {hi:.6g}] (level 1e-6)"
    return None


def _space_jl_below(st):
    @st.composite
    def s(draw):
        from tensorkv_check.engine.jl import jl_dimension

        eps = draw(finite_floats(st, 0.05, 0.95))
        delta = draw(finite_floats(st, 0.01, 0.5))
        k_hi = jl_dimension(eps, delta, 1) - 1
        return {"eps": eps, "delta": delta, "k": draw(st.integers(1, max(1, k_hi)))}

    return s()


@REGISTRY.explorer(
    "lem:jl-gaussian",
    "below-jl-dimension",
    region="outside",
    space=_space_jl_below,
    hypothesis="k ≥ 2 ln(2f/δ)/(ε²/2 − ε³/3) (tensorkv_check.jl_dimension)",
    ranges="f = 1, ε ∈ [0.05, 0.95], δ ∈ [0.01, 0.5], 1 ≤ k < jl_dimension(ε, δ, 1)",
)
def explore_below_jl_dimension(ex):
    """Below the JL dimension, one fixed vector is still preserved with probability ≥ 1 − δ?"""
    tail = _chi2_tail(ex["k"], ex["eps"])
    if tail > ex["delta"]:
        return (
            f"k = {ex['k']}, ε = {ex['eps']!r}: exact failure probability {tail:.4g} > δ = {ex['delta']!r} "
            "for a single vector"
        )
    return None


def _space_projection(st):
    return st.fixed_dictionaries(
        {
            "f": st.integers(2, 4),
            "d": st.integers(2, 6),
            "eps": finite_floats(st, 0.3, 0.9),
            "delta": finite_floats(st, 0.05, 0.5),
            "x_kind": st.sampled_from(("gaussian", "near-duplicate", "rank-deficient", "lattice", "aligned")),
            "x_scale": st.sampled_from([1.0, 1e-50, 1e50]),
            "seed": seeds(st),
        }
    )


@REGISTRY.explorer(
    "lem:jl-projection",
    "inner-products-given-norms",
    weight=2,
    region="inside",
    space=_space_projection,
    ranges="f = 2..4 vectors in d = 2..6 (near-duplicate, rank-one, lattice, norms 1e±50), "
    "ε ∈ [0.3, 0.9], δ ∈ [0.05, 0.5], k = jl_dimension(ε, δ, f²), Gaussian S",
    description="On the event that S keeps the norms of the f² vectors x̂ ± ŷ, x̂ within ε, all inner "
    "products are within ε‖x‖‖y‖.",
)
def explore_inner_products_given_norms(ex):
    """On the event that S keeps the norms of the f² vectors x̂ ± ŷ, x̂ within ε, all inner products
    are within ε‖x‖‖y‖."""
    from tensorkv_check.engine.jl import gaussian_jl, jl_dimension

    f, d, eps = ex["f"], ex["d"], ex["eps"]
    k = jl_dimension(eps, ex["delta"], f * f)
    S = gaussian_jl(k, d, np.random.default_rng(ex["seed"]))
    X = adversarial_matrix(ex["x_kind"], f, d, ex["seed"] + 1) * ex["x_scale"]
    norms = np.linalg.norm(X, axis=1)
    if not (norms > 0).all():
        return None
    Xh = X / norms[:, None]
    vecs = np.concatenate(
        [
            Xh,
            (Xh[:, None, :] + Xh[None, :, :]).reshape(-1, d),
            (Xh[:, None, :] - Xh[None, :, :]).reshape(-1, d),
        ]
    )
    vecs = vecs[np.einsum("ij,ij->i", vecs, vecs) > 0]
    SV = vecs @ S.T
    dist = np.abs(np.einsum("ij,ij->i", SV, SV) / np.einsum("ij,ij->i", vecs, vecs) - 1)
    if dist.max() > eps:
        return None  # the δ-probability bad event of lem:jl-gaussian: nothing to check
    G = (Xh @ S.T) @ (Xh @ S.T).T - Xh @ Xh.T
    err = float(np.abs(G).max())
    slack = 64 * (k + d) * U * (1 + float(np.linalg.norm(S, 2)) ** 2)
    if err > eps + slack:
        return f"inner-product error {err:.6g} > ε = {eps!r} although every norm is kept (k = {k})"
    return None


def _rademacher_log_tail(d: int, eps: float) -> float:
    """log P(|⟨u, v⟩| > ε) for independent u, v ∈ {±1/√d}^d: ⟨u,v⟩ = (d − 2H)/d, H ~ Bin(d, 1/2).

    Exact up to the rounding of d(1 ± ε)/2 (scipy log-tails, no underflow)."""
    from scipy.stats import binom

    lo = math.ceil(d * (1 - eps) / 2) - 1  # H ≤ lo  ⇔  d − 2H > εd
    hi = math.floor(d * (1 + eps) / 2)  # H > hi  ⇔  2H − d > εd
    up = float(binom.logsf(hi, d, 0.5))
    return float(np.logaddexp(binom.logcdf(lo, d, 0.5), up)) if lo >= 0 else up


def _rademacher_tail(d: int, eps: float) -> float:
    return math.exp(_rademacher_log_tail(d, eps))


@REGISTRY.explorer(
    "lem:near-orthogonal",
    "exact-pair-tail",
    weight=3,
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {"d": st.integers(1, 3000), "eps": finite_floats(st, 1e-3, 0.999)}
    ),
    ranges="d = 1..3000, ε ∈ [0.001, 0.999], exact binomial tails",
    score=lambda ex: _rademacher_log_tail(ex["d"], ex["eps"]) - (math.log(2) - ex["d"] * ex["eps"] ** 2 / 2),
    score_label="log(exact pair tail) − log(2exp(−dε²/2)) (≤ 0 by Hoeffding)",
)
def explore_exact_pair_tail(ex):
    """Per pair of ±1/√d vectors: P(|⟨u, v⟩| > ε) ≤ 2exp(−dε²/2) (Hoeffding), exactly."""
    lt = _rademacher_log_tail(ex["d"], ex["eps"])
    lb = math.log(2) - ex["d"] * ex["eps"] ** 2 / 2
    if lt > lb + 1e-9:
        return f"exact tail e^{lt:.6g} > 2exp(−dε²/2) = e^{lb:.6g} at d = {ex['d']}, ε = {ex['eps']!r}"
    return None


def _space_near_below(st):
    @st.composite
    def s(draw):
        from tensorkv_check.engine.jl import near_orthogonal_dimension

        n = draw(st.integers(2, 1000))
        eps = draw(finite_floats(st, 0.05, 0.95))
        delta = draw(finite_floats(st, 0.01, 0.5))
        d_hi = near_orthogonal_dimension(n, eps, delta) - 1
        return {"n": n, "eps": eps, "delta": delta, "d": draw(st.integers(1, max(1, d_hi)))}

    return s()


@REGISTRY.explorer(
    "lem:near-orthogonal",
    "below-dimension",
    region="outside",
    space=_space_near_below,
    hypothesis="d ≥ 2 ln(n²/δ)/ε² (tensorkv_check.near_orthogonal_dimension)",
    ranges="n = 2..1000, ε ∈ [0.05, 0.95], δ ∈ [0.01, 0.5], 1 ≤ d < near_orthogonal_dimension",
)
def explore_below_dimension(ex):
    """Below the dimension, n ±1/√d keys are still ε-near-orthogonal w.p. ≥ 1 − δ?

    A single pair's exact tail lower-bounds the failure probability, so tail > δ refutes
    the conclusion for that (n, d, ε, δ) exactly."""
    tail = _rademacher_tail(ex["d"], ex["eps"])
    if tail > ex["delta"]:
        return (
            f"d = {ex['d']}, ε = {ex['eps']!r}: one pair alone fails with probability {tail:.4g} > "
            f"δ = {ex['delta']!r}"
        )
    return None
