"""Machine-checked proof of thm:subgen's parameter algebra ([ZHMK24], explicit constants).

With t >= 2(R - 1)(1 + eps1/3) ln(2/p_tau)/eps1^2 cluster samples (Bernstein, R = e^{2 c r delta}
the spread of exp within a cluster, p_tau <= p/2) and s >= 18 sr/(eps^2 p) l2 samples
(Chebyshev), the two estimates fail together with probability <= p; and when neither fails
(|tau - Z| <= eps1 Z, |N^ - N| <= eps2 |e| |V|_op with eps1 = eps2 = eps/3), the output is within
eps |softmax| |V|_op of attention. These are the constants of
:func:`tensorkv_check.subgen.algorithms.subgen_parameters` (``constants="derived"``).
The probabilistic inputs (Bernstein, Chebyshev with the l2-sampling variance, the union bound,
the triangle inequality for the quotient) are cited axioms; the algebra is checked.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import Exp, Ln
from tensorkv_check.claims.obligations import Proof, Step

__all__ = ["proofs", "subgen_parameters_proof"]

R_ = sp.Rational


def subgen_parameters_proof() -> Proof:
    """thm:subgen: failure probability <= p, and error <= eps |softmax| |V|_op when neither estimate fails."""
    S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    eps, p, ptau, R, t, s, sr = (S(x) for x in ("epsilon", "p", "p_tau", "ratio", "t", "s", "sr"))
    Pb, Pc, Pf = S("P_bern"), S("P_cheb"), S("P_fail")
    tau, Z, Err, EN, Nn, En, Vop, Sm = (S(x) for x in ("tau", "Z", "Err", "E_N", "N_norm", "e_norm", "V_op", "S_max"))
    e1 = eps / 3
    rate = e1 ** 2 / (2 * (R - 1) * (1 + e1 / 3))
    y = 2 / ptau
    u, v, a, b = (S(x) for x in ("u", "v", "a", "b"))
    hyps = {
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "p_range": sp.And(sp.Gt(p, 0), sp.Lt(p, 1)),
        "ptau_range": sp.And(sp.Gt(ptau, 0), sp.Le(ptau, p / 2)),
        "spread": sp.Gt(R, 1),
        "stable_rank": sp.Gt(sr, 0),
        "t_choice": sp.Ge(t, Ln(y) / rate),
        "s_choice": sp.Ge(s, 18 * sr / (eps ** 2 * p)),
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
        Step("t_pos", (), sp.Gt(t, 0), "smt", ("t_choice", "eps_range", "spread", "ptau_range", "p_range", "ln_pos"),
             {"ln_pos": ({a: y},)}),
        Step("exponent", (), sp.Le(-rate * t, -Ln(y)), "smt", ("t_choice", "eps_range", "spread")),
        Step("exp_compare", (), sp.Le(Exp(-rate * t), Exp(-Ln(y))), "smt", ("exponent", "exp_mono"),
             {"exp_mono": ({a: -rate * t, b: -Ln(y)},)}),
        Step("exp_neg_ln", (), sp.Eq(Exp(-Ln(y)), 1 / y), "smt", ("exp_add", "exp_zero", "exp_ln", "ptau_range"),
             {"exp_add": ({a: Ln(y), b: -Ln(y)},), "exp_ln": ({a: y},)}),
        Step("denominator_fails", (), sp.Le(Pb, ptau), "smt",
             ("bernstein_mean", "t_pos", "eps_range", "spread", "exp_compare", "exp_neg_ln", "ptau_range"),
             {"bernstein_mean": ({u: t, v: e1, R: R},)}, note="Bernstein with t cluster samples"),
        Step("numerator_fails", (), sp.Le(Pc, p / 2), "smt",
             ("chebyshev_l2_sampling", "s_choice", "eps_range", "p_range", "stable_rank"),
             {"chebyshev_l2_sampling": ({u: s, v: e1, sr: sr},)}, note="9 sr/(eps^2 s) <= p/2"),
        Step("union", (), probability, "smt", ("union_two", "denominator_fails", "numerator_fails", "ptau_range"),
             {"union_two": ({S("P_any"): Pf, S("P_A"): Pb, S("P_B"): Pc},)}),
        Step("tau_pos", (), sp.Gt(tau, 0), "smt", ("den_ok", "eps_range")),
        Step("quotient_error", (), accuracy, "smt",
             ("quotient_triangle", "tau_pos", "den_ok", "num_ok", "softmax_norm", "attention_norm", "eps_range"),
             note="(eps2 + eps1)/(1 - eps1) <= eps for eps1 = eps2 = eps/3, eps < 1"),
        Step("assemble", (), statement, "smt", ("union", "quotient_error")),
    )
    return Proof("thm:subgen", hyps, statement, steps)


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {p.claim_id: p for p in (subgen_parameters_proof(),)}
