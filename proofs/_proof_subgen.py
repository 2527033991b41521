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
from tensorkv_check.claims.obligations import Proof, Step

__all__ = ["proofs", "subgen_parameters_proof", "subgen4cache_proof"]

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


def subgen4cache_proof() -> Proof:
    """thm:subgen4cache: thm:subgen's guarantee on the product clusters, with the spread bounded
    through lem:kron-clusterable, and the factor memory below the two-cache memory."""
    from proofs._proof_geometry import kron_clusterable_proof
    from tensorkv_check.claims.obligations import Dependency

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
    return {p.claim_id: p for p in (subgen_parameters_proof(), subgen4cache_proof())}
