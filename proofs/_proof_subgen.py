"""Machine-checked proof of thm:subgen's parameter algebra ([ZHMK24], explicit constants).

With t >= 2(R - 1)(1 + eps1/3) ln(2/p_tau)/eps1^2 cluster samples (Bernstein, R = e^{2 c r delta}
the spread of exp within a cluster, p_tau <= p/2) and s >= 18 sr/(eps^2 p) l2 samples
(Chebyshev), the two estimates fail together with probability <= p; and when neither fails
(|tau - Z| <= eps1 Z, |N^ - N| <= eps2 |e| |V|_op with eps1 = eps2 = eps/3), the output is within
eps |softmax| |V|_op of attention. These are the constants of
:func:`tensorkv_check.subgen.subgen_parameters` (``constants="derived"``).
The probabilistic inputs (Bernstein, Chebyshev with the l2-sampling variance, the union bound,
the triangle inequality for the quotient) are cited axioms; the algebra is checked.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import Exp, Ln
from tensorkv_check.claims.obligations import Dependency, Proof, Step

__all__ = [
    "proofs",
    "subgen_parameters_proof",
    "subgen2cache_proof",
    "subgen4cache_algorithm_proof",
    "subgen4cache_proof",
    "subgen4cache_lowdim_proof",
]

R_ = sp.Rational


def subgen_parameters_proof() -> Proof:
    """thm:subgen: failure probability <= p, and error <= eps |softmax| |V|_op when neither estimate fails."""
    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    eps, p, ptau, R, t, s, sr = (S(x) for x in ("epsilon", "p", "p_tau", "ratio", "t", "s", "sr"))
    Pb, Pc, Pf = S("P_bern"), S("P_cheb"), S("P_fail")
    tau, Z, Err, EN, Nn, En, Vop, Sm = (
        S(x) for x in ("tau", "Z", "Err", "E_N", "N_norm", "e_norm", "V_op", "S_max")
    )
    e1 = eps / 3
    rate = e1**2 / (2 * (R - 1) * (1 + e1 / 3))
    y = 2 / ptau
    u, v, a, b = (S(x) for x in ("u", "v", "a", "b"))
    hyps = {
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "p_range": sp.And(sp.Gt(p, 0), sp.Lt(p, 1)),
        "ptau_range": sp.And(sp.Gt(ptau, 0), sp.Le(ptau, p / 2)),
        "spread": sp.Gt(R, 1),
        "stable_rank": sp.Gt(sr, 0),
        "t_choice": sp.Ge(t, Ln(y) / rate),
        "s_choice": sp.Ge(s, 18 * sr / (eps**2 * p)),
        # On the event that neither estimate fails:
        "den_ok": sp.And(sp.Gt(Z, 0), sp.Le(sp.Abs(tau - Z), e1 * Z)),
        "num_ok": sp.Le(EN, e1 * En * Vop),
        "softmax_norm": sp.And(sp.Eq(En, Sm * Z), sp.Ge(Sm, 0), sp.Ge(Vop, 0)),
        "attention_norm": sp.Le(Nn, Sm * Vop * Z),
    }
    probability = sp.Le(Pf, p)
    accuracy = sp.Le(Err, eps * Sm * Vop)
    statement = sp.And(probability, accuracy)
    steps = (
        Step(
            "t_pos",
            (),
            sp.Gt(t, 0),
            "smt",
            ("t_choice", "eps_range", "spread", "ptau_range", "p_range", "ln_pos"),
            {"ln_pos": ({a: y},)},
        ),
        Step("exponent", (), sp.Le(-rate * t, -Ln(y)), "smt", ("t_choice", "eps_range", "spread")),
        Step(
            "exp_compare",
            (),
            sp.Le(Exp(-rate * t), Exp(-Ln(y))),
            "smt",
            ("exponent", "exp_mono"),
            {"exp_mono": ({a: -rate * t, b: -Ln(y)},)},
        ),
        Step(
            "exp_neg_ln",
            (),
            sp.Eq(Exp(-Ln(y)), 1 / y),
            "smt",
            ("exp_add", "exp_zero", "exp_ln", "ptau_range"),
            {"exp_add": ({a: Ln(y), b: -Ln(y)},), "exp_ln": ({a: y},)},
        ),
        Step(
            "denominator_fails",
            (),
            sp.Le(Pb, ptau),
            "smt",
            ("bernstein_mean", "t_pos", "eps_range", "spread", "exp_compare", "exp_neg_ln", "ptau_range"),
            {"bernstein_mean": ({u: t, v: e1, R: R},)},
            note="Bernstein with t cluster samples",
        ),
        Step(
            "numerator_fails",
            (),
            sp.Le(Pc, p / 2),
            "smt",
            ("chebyshev_l2_sampling", "s_choice", "eps_range", "p_range", "stable_rank"),
            {"chebyshev_l2_sampling": ({u: s, v: e1, sr: sr},)},
            note="9 sr/(eps^2 s) <= p/2",
        ),
        Step(
            "union",
            (),
            probability,
            "smt",
            ("union_two", "denominator_fails", "numerator_fails", "ptau_range"),
            {"union_two": ({S("P_any"): Pf, S("P_A"): Pb, S("P_B"): Pc},)},
        ),
        Step("tau_pos", (), sp.Gt(tau, 0), "smt", ("den_ok", "eps_range")),
        Step(
            "quotient_error",
            (),
            accuracy,
            "smt",
            (
                "quotient_triangle",
                "tau_pos",
                "den_ok",
                "num_ok",
                "softmax_norm",
                "attention_norm",
                "eps_range",
            ),
            note="(eps2 + eps1)/(1 - eps1) <= eps for eps1 = eps2 = eps/3, eps < 1",
        ),
        Step("assemble", (), statement, "smt", ("union", "quotient_error")),
    )
    return Proof("thm:subgen", hyps, statement, steps)


def subgen2cache_proof() -> Proof:
    """alg:subgen2cache: SubGen on the N = n^2 product rows; thm:subgen's guarantee, with the
    denominator's failure probability p_tau <= 1/N putting ln(2 n^2) into t."""
    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    sub = subgen_parameters_proof()
    sub_dep = Dependency("thm:subgen", tuple(sub.hypotheses.values()), sub.statement)
    eps, ptau, R, t, n, N = (S(x) for x in ("epsilon", "p_tau", "ratio", "t", "n", "N"))
    a, b = S("a"), S("b")
    e1 = eps / 3
    rate = e1**2 / (2 * (R - 1) * (1 + e1 / 3))
    hyps = dict(sub.hypotheses)
    hyps.update(
        {
            "rows": sp.And(sp.Ge(n, 1), sp.Eq(N, n**2)),
            # subgen_parameters(n = N rows): the denominator fails w.p. <= min(p/2, 1/N).
            "ptau_rows": sp.Le(ptau, 1 / N),
        }
    )
    t_log = sp.Ge(t, Ln(2 * n**2) / rate)
    statement = sp.And(sub.statement, t_log)
    steps = (
        Step(
            "guarantee",
            (),
            sub.statement,
            "smt",
            ("thm:subgen",) + tuple(sub.hypotheses),
            note="thm:subgen applied to the stream of the N product rows",
        ),
        Step("log_argument", (), sp.Ge(2 / ptau, 2 * n**2), "smt", ("ptau_rows", "rows", "ptau_range")),
        Step(
            "log_rows",
            (),
            sp.Ge(Ln(2 / ptau), Ln(2 * n**2)),
            "smt",
            ("log_argument", "ln_mono", "rows"),
            {"ln_mono": ({a: 2 * n**2, b: 2 / ptau},)},
        ),
        Step(
            "t_log",
            (),
            t_log,
            "smt",
            ("t_choice", "log_rows", "eps_range", "spread"),
            note="t >= ln(2/p_tau)/rate >= ln(2 n^2)/rate: t grows with log n^2",
        ),
        Step("assemble", (), statement, "smt", ("guarantee", "t_log")),
    )
    return Proof("alg:subgen2cache", hyps, statement, steps, (sub_dep,))


def subgen4cache_algorithm_proof() -> Proof:
    """alg:subgen4cache: the two-stage partition estimate with t1, t2 from Bernstein at relative
    error rho, (1 + rho)^2 = 1 + eps/3, stage failure p_st <= p/4; s from Chebyshev; failure <= p
    and error <= eps |softmax| |V1 (x) V2|_op when no estimate fails."""
    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    eps, p, pst, rho, sr = (S(x) for x in ("epsilon", "p", "p_st", "rho", "sr"))
    R1, R2, t1, t2, s, n, N = (S(x) for x in ("ratio1", "ratio2", "t1", "t2", "s", "n", "N"))
    Pb1, Pb2, Pden, Pc, Pf = (S(x) for x in ("P_bern1", "P_bern2", "P_den", "P_cheb", "P_fail"))
    tau, Zm, Z, Err, EN, Nn, En, Vop, Sm = (
        S(x) for x in ("tau", "Z_mid", "Z", "Err", "E_N", "N_norm", "e_norm", "V_op", "S_max")
    )
    u, v, a, b = (S(x) for x in ("u", "v", "a", "b"))
    e1 = eps / 3
    rate = lambda q: rho**2 / (2 * (q - 1) * (1 + rho / 3))  # noqa: E731
    y = 2 / pst
    hyps = {
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "p_range": sp.And(sp.Gt(p, 0), sp.Lt(p, 1)),
        "rows": sp.And(sp.Ge(n, 1), sp.Eq(N, n**2)),
        # subgen4_parameters: stage failure min(p/4, 1/N) and rho = sqrt(1 + eps/3) - 1.
        "pst_range": sp.And(sp.Gt(pst, 0), sp.Le(pst, p / 4), sp.Le(pst, 1 / N)),
        "rho_def": sp.And(sp.Gt(rho, 0), sp.Eq((1 + rho) ** 2, 1 + e1)),
        "spreads": sp.And(sp.Gt(R1, 1), sp.Gt(R2, 1)),
        "stable_rank": sp.Gt(sr, 0),
        "t1_choice": sp.Ge(t1, Ln(y) / rate(R1)),
        "t2_choice": sp.Ge(t2, Ln(y) / rate(R2)),
        "s_choice": sp.Ge(s, 18 * sr / (eps**2 * p)),
        # On the event that no estimate fails: stage 1 (factor-1 samples, given the factor-2
        # samples) is within rho of its conditional mean Z_mid, stage 2 within rho of Z.
        "stage1_ok": sp.And(sp.Gt(Zm, 0), sp.Le(sp.Abs(tau - Zm), rho * Zm)),
        "stage2_ok": sp.And(sp.Gt(Z, 0), sp.Le(sp.Abs(Zm - Z), rho * Z)),
        "num_ok": sp.Le(EN, e1 * En * Vop),
        "softmax_norm": sp.And(sp.Eq(En, Sm * Z), sp.Ge(Sm, 0), sp.Ge(Vop, 0)),
        "attention_norm": sp.Le(Nn, Sm * Vop * Z),
    }
    probability = sp.Le(Pf, p)
    accuracy = sp.Le(Err, eps * Sm * Vop)
    statement = sp.And(probability, accuracy)

    def stage(k: int, tk: sp.Symbol, Rk: sp.Symbol, Pk: sp.Symbol) -> tuple[Step, ...]:
        return (
            Step(
                f"t{k}_pos",
                (),
                sp.Gt(tk, 0),
                "smt",
                (f"t{k}_choice", "rho_def", "spreads", "pst_range", "p_range", "ln_pos"),
                {"ln_pos": ({a: y},)},
            ),
            Step(
                f"exponent{k}",
                (),
                sp.Le(-rate(Rk) * tk, -Ln(y)),
                "smt",
                (f"t{k}_choice", "rho_def", "spreads"),
            ),
            Step(
                f"exp_compare{k}",
                (),
                sp.Le(Exp(-rate(Rk) * tk), Exp(-Ln(y))),
                "smt",
                (f"exponent{k}", "exp_mono"),
                {"exp_mono": ({a: -rate(Rk) * tk, b: -Ln(y)},)},
            ),
            Step(
                f"stage{k}_fails",
                (),
                sp.Le(Pk, pst),
                "smt",
                (
                    "bernstein_mean",
                    f"t{k}_pos",
                    "rho_def",
                    "spreads",
                    f"exp_compare{k}",
                    "exp_neg_ln",
                    "pst_range",
                ),
                {"bernstein_mean": ({u: tk, v: rho, S("ratio"): Rk, S("P_bern"): Pk},)},
                note=f"Bernstein with t{k} samples per factor-{k} cluster at relative error rho",
            ),
        )

    steps = (
        Step(
            "exp_neg_ln",
            (),
            sp.Eq(Exp(-Ln(y)), 1 / y),
            "smt",
            ("exp_add", "exp_zero", "exp_ln", "pst_range"),
            {"exp_add": ({a: Ln(y), b: -Ln(y)},), "exp_ln": ({a: y},)},
        ),
        *stage(1, t1, R1, Pb1),
        *stage(2, t2, R2, Pb2),
        Step(
            "denominator_fails",
            (),
            sp.Le(Pden, p / 2),
            "smt",
            ("union_two", "stage1_fails", "stage2_fails", "pst_range"),
            {"union_two": ({S("P_any"): Pden, S("P_A"): Pb1, S("P_B"): Pb2},)},
        ),
        Step(
            "numerator_fails",
            (),
            sp.Le(Pc, p / 2),
            "smt",
            ("chebyshev_l2_sampling", "s_choice", "eps_range", "p_range", "stable_rank"),
            {"chebyshev_l2_sampling": ({u: s, v: e1, S("sr"): sr},)},
            note="9 sr/(eps^2 s) <= p/2 for the pair sampler",
        ),
        Step(
            "union",
            (),
            probability,
            "smt",
            ("union_two", "denominator_fails", "numerator_fails"),
            {"union_two": ({S("P_any"): Pf, S("P_A"): Pden, S("P_B"): Pc},)},
        ),
        Step("mid_upper", (), sp.Le(Zm, (1 + rho) * Z), "smt", ("stage2_ok",)),
        Step(
            "two_stage",
            (),
            sp.And(sp.Gt(Z, 0), sp.Le(sp.Abs(tau - Z), e1 * Z)),
            "smt",
            ("stage1_ok", "stage2_ok", "mid_upper", "rho_def"),
            note="|tau - Z| <= rho Z_mid + rho Z <= (rho(1 + rho) + rho) Z = ((1 + rho)^2 - 1) Z",
        ),
        Step("tau_pos", (), sp.Gt(tau, 0), "smt", ("two_stage", "eps_range")),
        Step(
            "quotient_error",
            (),
            accuracy,
            "smt",
            (
                "quotient_triangle",
                "tau_pos",
                "two_stage",
                "num_ok",
                "softmax_norm",
                "attention_norm",
                "eps_range",
            ),
            note="(eps/3 + eps/3)/(1 - eps/3) <= eps for eps < 1",
        ),
        Step("assemble", (), statement, "smt", ("union", "quotient_error")),
    )
    return Proof("alg:subgen4cache", hyps, statement, steps)


def subgen4cache_proof() -> Proof:
    """thm:subgen4cache: thm:subgen's guarantee on the product clusters, with the spread bounded
    through lem:kron-clusterable, and the factor memory below the two-cache memory."""
    from proofs._proof_geometry import kron_clusterable_proof

    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    kron, sub = kron_clusterable_proof(), subgen_parameters_proof()
    kron_dep = Dependency("lem:kron-clusterable", tuple(kron.hypotheses.values()), kron.statement)
    sub_dep = Dependency("thm:subgen", tuple(sub.hypotheses.values()), sub.statement)
    eps, ptau, R, Rbar, t = (S(x) for x in ("epsilon", "p_tau", "ratio", "ratio_bar", "t"))
    c, r, D, d1, d2, R1, R2 = (S(x) for x in ("c", "r", "D", "delta1", "delta2", "R1", "R2"))
    d, m1, m2, s = (S(x) for x in ("d", "m1", "m2", "s"))
    e1 = eps / 3
    rate = lambda q: e1**2 / (2 * (q - 1) * (1 + e1 / 3))  # noqa: E731
    y = 2 / ptau
    hyps = dict(kron.hypotheses)
    hyps.update((k, v) for k, v in sub.hypotheses.items() if k != "t_choice")
    hyps.update(
        {
            "scale_norm": sp.And(sp.Ge(c, 0), sp.Ge(r, 0)),
            # Logits c<q, k> with |q| <= r differ by at most 2 c r D inside a product cluster of diameter D.
            "spread_def": sp.Le(R, Exp(2 * c * r * D)),
            "spread_bar": sp.Eq(Rbar, Exp(2 * c * r * (d1 * R2 + R1 * d2))),
            "t_choice_bar": sp.Ge(t, Ln(y) / rate(Rbar)),
            "clusters": sp.And(sp.Ge(m1, 2), sp.Ge(m2, 2), sp.Ge(s, 0)),
        }
    )
    memory = sp.Le(d * (m1 * t + m2 * t + s), d * (m1 * m2 * t + s))
    statement = sp.And(sub.statement, memory)
    a, b = S("a"), S("b")
    steps = (
        Step(
            "product_diameter",
            (),
            sp.Le(D, d1 * R2 + R1 * d2),
            "smt",
            ("lem:kron-clusterable",) + tuple(kron.hypotheses),
        ),
        Step(
            "exp_spread",
            (),
            sp.Le(Exp(2 * c * r * D), Rbar),
            "smt",
            ("product_diameter", "scale_norm", "spread_bar", "exp_mono"),
            {"exp_mono": ({a: 2 * c * r * D, b: 2 * c * r * (d1 * R2 + R1 * d2)},)},
        ),
        Step(
            "t_requirement_monotone",
            (),
            sp.Ge(t, Ln(y) / rate(R)),
            "smt",
            (
                "t_choice_bar",
                "spread_def",
                "exp_spread",
                "spread",
                "eps_range",
                "ptau_range",
                "p_range",
                "ln_pos",
            ),
            {"ln_pos": ({a: y},)},
            note="the Bernstein sample size grows with the spread",
        ),
        Step(
            "guarantee",
            (),
            sub.statement,
            "smt",
            ("thm:subgen", "t_requirement_monotone") + tuple(k for k in sub.hypotheses if k != "t_choice"),
        ),
        Step(
            "memory",
            (),
            memory,
            "smt",
            (
                "clusters",
                "t_requirement_monotone",
                "d_ge1",
                "eps_range",
                "spread",
                "ptau_range",
                "p_range",
                "ln_pos",
            ),
            {"ln_pos": ({a: y},)},
            note="m1 t + m2 t <= m1 m2 t for m1, m2 >= 2, t >= 0",
        ),
        Step("assemble", (), statement, "smt", ("guarantee", "memory")),
    )
    return Proof("thm:subgen4cache", hyps, statement, steps, (kron_dep, sub_dep))


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {
        p.claim_id: p
        for p in (
            subgen_parameters_proof(),
            subgen2cache_proof(),
            subgen4cache_algorithm_proof(),
            subgen4cache_proof(),
            subgen4cache_lowdim_proof(),
        )
    }


def subgen4cache_lowdim_proof() -> Proof:
    """thm:subgen4cache-lowdim-opt: SubGen4Cache's count U = d(m1 t + m2 t + s), with m_i <= N(delta)
    <= (1 + 2/delta)^d clusters (thm:covering), t <= A ln(2 n^2) and s <= B d, is at most the four-cache
    lower bound M >= T d (thm:lowdim-tensor-lb, with T >= e^{d eps^2/4}/2 tokens) times
    2(2 (1 + 2/delta)^d A ln(2 n^2) + B d) / e^{d eps^2/4}: the ratio is e^{O(d)} log n."""
    from proofs._proof_covering import covering_volumetric_proof
    from proofs._proof_tensor import lowdim_tensor_proof

    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    cover, low = covering_volumetric_proof(), lowdim_tensor_proof()
    cover_dep = Dependency("thm:covering", tuple(cover.hypotheses.values()), cover.statement)
    low_dep = Dependency("thm:lowdim-tensor-lb", tuple(low.hypotheses.values()), low.statement)
    d, n, T, M, eps, delta, Ncov = (S(x) for x in ("d", "n", "T", "M", "epsilon", "delta", "N_cover"))
    m1, m2, t, s, A, B, U = (S(x) for x in ("m1", "m2", "t", "s", "A_t", "B_s", "U_mem"))
    a = S("a")
    G = (1 + 2 / delta) ** d
    y = Exp(d * eps**2 / 4)
    L = Ln(2 * n**2)
    hyps: dict = {}
    for src in (low.hypotheses, cover.hypotheses):
        for k, v in src.items():
            if k in hyps and hyps[k] != v:
                raise ValueError(f"hypothesis {k} differs between the dependencies")
            hyps[k] = v
    hyps.update(
        {
            # T is the largest admissible number of lower-bound tokens up to a factor 2.
            "T_large": sp.Ge(2 * T, y),
            # SubGen4Cache's count (thm:subgen4cache) with derived t = O(eps^-2 e^{2 delta r} log n^2)
            # and s = O(eps^-2 d): the constants A, B collect eps, delta, r and the failure probability.
            "memory_def": sp.Eq(U, d * (m1 * t + m2 * t + s)),
            "net_clusters": sp.And(sp.Ge(m1, 0), sp.Le(m1, Ncov), sp.Ge(m2, 0), sp.Le(m2, Ncov)),
            "t_derived": sp.And(sp.Ge(t, 0), sp.Le(t, A * L)),
            "s_derived": sp.And(sp.Ge(s, 0), sp.Le(s, B * d), sp.Gt(A, 0), sp.Gt(B, 0)),
        }
    )
    lower_memory = sp.Ge(M, T * d)
    upper = sp.Le(U, d * (2 * G * A * L + B * d))
    statement = sp.Le(U, M * 2 * (2 * G * A * L + B * d) / y)
    steps = (
        Step(
            "lower",
            (),
            lower_memory,
            "smt",
            ("thm:lowdim-tensor-lb",) + tuple(low.hypotheses),
            note="thm:lowdim-tensor-lb: M >= T d bits",
        ),
        Step("y_pos", (), sp.Gt(y, 0), "smt", ("exp_pos",), {"exp_pos": ({a: d * eps**2 / 4},)}),
        Step("lower_exp", (), sp.Ge(M, y * d / 2), "smt", ("lower", "T_large", "d_ge1")),
        Step(
            "cover",
            (),
            sp.Le(Ncov, G),
            "smt",
            ("thm:covering",) + tuple(cover.hypotheses),
            note="thm:covering: N(delta) <= (1 + 2/delta)^d",
        ),
        Step(
            "upper",
            (),
            upper,
            "smt",
            ("memory_def", "net_clusters", "cover", "t_derived", "s_derived", "d_ge1"),
            note="m_i t <= (1 + 2/delta)^d A ln(2n^2) and s <= B d",
        ),
        Step(
            "ratio",
            (),
            statement,
            "smt",
            ("upper", "lower_exp", "y_pos", "d_ge1", "net_clusters", "t_derived", "s_derived", "cover"),
            note="U <= d K and M >= e^{d eps^2/4} d / 2 give U <= M 2K / e^{d eps^2/4}",
        ),
    )
    return Proof("thm:subgen4cache-lowdim-opt", hyps, statement, steps, (cover_dep, low_dep))
