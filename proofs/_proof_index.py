"""Machine-checked proofs of the Index lower bound and the [HO25] reduction's decoding margin.

``proofs()`` returns :class:`~tensorkv_check.claims.obligations.Proof` objects keyed by
claim id:

- ``thm:index-lb`` (Fano form, [std]): an M-bit one-way protocol for Index with average
  success p has ``M >= N (1 - h(pbar))``, from Fano's inequality for each bit, the chain
  rule for independent bits and Jensen for the concave h (all cited axioms).
- ``thm:ho25-lb`` ([HO25], our restatement): the decoding margin of the reduction. With
  near-orthogonal keys, C >= C* where C* is *defined* by ``(n-1) e^{-C*(1-2 eps)} = 1/4``,
  every exact output coordinate is within 1/5 of Alice's bit, so an algorithm whose output
  is within 1/4 per coordinate still decodes every bit: step ``approx_err`` derives
  |a - b| <= 1/5 + 1/4 = 9/20 and step ``decode`` uses 9/20 < 1/2. The checks
  ``approximate-bob`` (outputs moved 1/4 toward 1/2 decode) and
  ``approximation-constant-matters`` (0.31 > 1/2 - 1/5 flips bits on the tight keys)
  exercise both sides of that constant.

The hypotheses name what the reduction sets up: the definition of C*, the near-orthogonal
key set (|<k_i, k_j>| <= eps, |k_i|^2 >= 1 - eps), the score gaps g_j = s_i - s_j of the query
C k_i, the softmax weights relative to token i (w_j = e^{-g_j}, q_j = w_j/(1 + x)), the output
coordinate o, Alice's bits b (token i) and c_j (the others), and an algorithm whose output a
is within 1/4 of o; Alice's message is the algorithm's M-bit memory.

Private module: not loaded as claim definitions; attached to claims by
:func:`proofs._proofs.attach_proofs`.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import H2, Every, Exp
from tensorkv_check.claims.obligations import Dependency, Pointwise, Proof, Step

__all__ = ["proofs", "index_lb_proof", "ho25_margin_proof"]

R = sp.Rational


def index_lb_proof() -> Proof:
    """thm:index-lb modulo Fano: ``M >= N (1 - h(pbar))`` for an M-bit message."""
    M, N, pbar, IX = sp.symbols("M N pbar I_X", real=True)
    j = sp.Symbol("j", integer=True)
    I, p = sp.IndexedBase("I"), sp.IndexedBase("p")
    hyps = {
        "N_pos": sp.Ge(N, 1),
        "pbar_range": sp.And(sp.Ge(pbar, R(1, 2)), sp.Le(pbar, 1)),
    }
    sum_I = sp.Sum(I[j], (j, 1, N))
    sum_h = sp.Sum(H2(p[j]), (j, 1, N))
    steps = (
        Step(
            "sum_fano",
            (),
            sp.Ge(sum_I, sp.Sum(1 - H2(p[j]), (j, 1, N))),
            "smt",
            ("fano_bit", "sum_mono"),
            {
                "sum_mono": (
                    {
                        sp.IndexedBase("t"): sp.Lambda(
                            sp.Symbol("k", integer=True), 1 - H2(p[sp.Symbol("k", integer=True)])
                        ),
                        sp.IndexedBase("x"): I,
                        sp.Symbol("hi", real=True): N,
                    },
                )
            },
            note="Fano for each bit, summed termwise",
        ),
        Step(
            "sum_split",
            (),
            sp.Eq(sp.Sum(1 - H2(p[j]), (j, 1, N)), N - sum_h),
            "identity",
            (),
            note="index form, every N",
        ),
        Step(
            "fano_chain",
            (),
            sp.Ge(M, N * (1 - H2(pbar))),
            "smt",
            ("info_le_bits", "chain_rule_indep", "sum_fano", "sum_split", "jensen_entropy", "N_pos"),
        ),
    )
    return Proof("thm:index-lb", hyps, sp.Ge(M, N * (1 - H2(pbar))), steps)


def ho25_margin_proof() -> Proof:
    """thm:ho25-lb's decoding margin, exact and approximate (each coordinate within 1/4)."""
    n, eps, C, Cs, nrm, x, Poff, o, a, b = sp.symbols("n epsilon C Cstar nrm x P_off o a b", real=True)
    d, M, pbar, N = sp.symbols("d M pbar N", real=True)
    j = sp.Symbol("j", integer=True)
    k = sp.Symbol("k", integer=True)
    g, w, q, c, ip = (sp.IndexedBase(s) for s in ("g", "w", "q", "c", "ip"))
    gap = C * (1 - 2 * eps)
    E_C, E_Cs = Exp(-gap), Exp(-Cs * (1 - 2 * eps))
    off = (j, 1, n - 1)
    hyps = {
        "n_ge2": sp.Ge(n, 2),
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, R(1, 2))),
        "Cstar_def": sp.Eq((n - 1) * E_Cs, R(1, 4)),
        "C_ge_Cstar": sp.Ge(C, Cs),
        "near_orth": Every(sp.Le(ip[j], eps), *off),
        "norm_i": sp.Ge(nrm, 1 - eps),
        "gap_def": Every(sp.Eq(g[j], C * (nrm - ip[j])), *off),
        "w_def": Every(sp.Eq(w[j], Exp(-g[j])), *off),
        "x_def": sp.Eq(x, sp.Sum(w[k], (k, 1, n - 1))),
        "q_def": Every(sp.Eq(q[j], w[j] / (1 + x)), *off),
        "Poff_def": sp.Eq(Poff, sp.Sum(q[j], off)),
        "out_def": sp.Eq(o, b / (1 + x) + sp.Sum(q[j] * c[j], off)),
        "bit_i": sp.Or(sp.Eq(b, 0), sp.Eq(b, 1)),
        "bits_off": Every(sp.And(sp.Ge(c[j], 0), sp.Le(c[j], 1)), *off),
        "approx": sp.Le(sp.Abs(a - o), R(1, 4)),
        "d_ge1": sp.Ge(d, 1),
    }
    decoded = sp.And(sp.Implies(sp.Eq(b, 1), sp.Gt(a, R(1, 2))), sp.Implies(sp.Eq(b, 0), sp.Lt(a, R(1, 2))))
    # Bob's average success over the N = n d bits is 1 when every decoded bit is right (the
    # coordinate (i, l) above is arbitrary): the definition of the success probability.
    hyps["success"] = sp.Implies(decoded, sp.Eq(pbar, 1))
    statement = sp.And(decoded, sp.Ge(M, n * d))
    index = index_lb_proof()
    index_subs = {N: n * d}
    index_dep = Dependency(
        "thm:index-lb",
        tuple(h.xreplace(index_subs) for h in index.hypotheses.values()),
        index.statement.xreplace(index_subs),
        index_subs,
    )
    u, v, hi, t_a = (sp.Symbol(s, real=True) for s in ("a", "b", "hi", "a"))
    t = sp.IndexedBase("t")
    xb = sp.IndexedBase("x")
    lam = sp.Lambda
    steps = (
        Step(
            "Cstar_pos",
            (),
            sp.Gt(Cs, 0),
            "smt",
            ("n_ge2", "eps_range", "Cstar_def", "exp_mono", "exp_zero"),
            {"exp_mono": ({u: -Cs * (1 - 2 * eps), v: 0}, {u: 0, v: -Cs * (1 - 2 * eps)})},
        ),
        Step(
            "score_gap",
            (),
            Every(sp.Ge(g[j], gap), *off),
            "smt",
            ("gap_def", "near_orth", "norm_i", "C_ge_Cstar", "Cstar_pos"),
            note="s_i - s_j = C(<k_i,k_i> - <k_i,k_j>) >= C(1 - 2 eps)",
        ),
        Step(
            "off_weight_le",
            (),
            Every(sp.Le(w[j], E_C), *off),
            "smt",
            ("score_gap", "w_def", "exp_mono"),
            {"exp_mono": (Pointwise({u: -g[j], v: -gap}, j, 1, n - 1),)},
        ),
        Step(
            "off_weight_pos",
            (),
            Every(sp.Ge(w[j], 0), *off),
            "smt",
            ("w_def", "exp_pos"),
            {"exp_pos": (Pointwise({u: -g[j]}, j, 1, n - 1),)},
        ),
        Step(
            "x_le_count",
            (),
            sp.Le(x, (n - 1) * E_C),
            "smt",
            ("off_weight_le", "n_ge2", "x_def", "sum_le_count"),
            {"sum_le_count": ({t: w, t_a: E_C, hi: n - 1},)},
            note="n - 1 off terms, each <= e^{-C(1-2 eps)} (lemma over a symbolic count)",
        ),
        Step(
            "x_nonneg",
            (),
            sp.Ge(x, 0),
            "smt",
            ("off_weight_pos", "x_def", "sum_nonneg"),
            {"sum_nonneg": ({t: w, hi: n - 1},)},
        ),
        Step(
            "exp_C_le_Cstar",
            (),
            sp.Le(E_C, E_Cs),
            "smt",
            ("C_ge_Cstar", "eps_range", "exp_mono"),
            {"exp_mono": ({u: -gap, v: -Cs * (1 - 2 * eps)},)},
        ),
        Step(
            "x_le_quarter",
            (),
            sp.Le(x, R(1, 4)),
            "smt",
            ("x_le_count", "exp_C_le_Cstar", "Cstar_def", "n_ge2"),
        ),
        Step("Poff_closed", (), sp.Eq(Poff, x / (1 + x)), "identity", ("Poff_def", "q_def", "x_def")),
        Step("Poff_le_fifth", (), sp.Le(Poff, R(1, 5)), "smt", ("Poff_closed", "x_le_quarter", "x_nonneg")),
        Step(
            "out_minus_bit",
            (),
            sp.Eq(o - b, sp.Sum(q[j] * (c[j] - b), off)),
            "identity",
            ("out_def", "q_def", "x_def"),
            note="index form, every n",
        ),
        Step("q_nonneg", (), Every(sp.Ge(q[j], 0), *off), "smt", ("q_def", "off_weight_pos", "x_nonneg")),
        Step(
            "term_up",
            (),
            Every(sp.Le(q[j] * (c[j] - b), q[j]), *off),
            "smt",
            ("q_nonneg", "bits_off", "bit_i"),
        ),
        Step(
            "term_lo",
            (),
            Every(sp.Le(-q[j], q[j] * (c[j] - b)), *off),
            "smt",
            ("q_nonneg", "bits_off", "bit_i"),
        ),
        Step(
            "sum_up",
            (),
            sp.Le(sp.Sum(q[j] * (c[j] - b), off), Poff),
            "smt",
            ("term_up", "sum_mono", "Poff_def"),
            {"sum_mono": ({t: lam(j, q[j] * (c[j] - b)), xb: q, hi: n - 1},)},
        ),
        Step(
            "sum_lo",
            (),
            sp.Le(sp.Sum(-q[j], off), sp.Sum(q[j] * (c[j] - b), off)),
            "smt",
            ("term_lo", "sum_mono"),
            {"sum_mono": ({t: lam(j, -q[j]), xb: lam(j, q[j] * (c[j] - b)), hi: n - 1},)},
        ),
        Step("neg_sum", (), sp.Eq(sp.Sum(-q[j], off), -Poff), "identity", ("Poff_def",)),
        Step(
            "coord_err",
            (),
            sp.Le(sp.Abs(o - b), Poff),
            "smt",
            ("out_minus_bit", "sum_up", "sum_lo", "neg_sum"),
        ),
        Step(
            "approx_err",
            (),
            sp.Le(sp.Abs(a - b), R(1, 5) + R(1, 4)),
            "smt",
            ("coord_err", "Poff_le_fifth", "approx"),
            note="triangle inequality: |a - b| <= |a - o| + |o - b| <= 1/4 + 1/5 = 9/20",
        ),
        Step(
            "decode",
            (),
            decoded,
            "smt",
            ("approx_err", "bit_i"),
            note="|a - b| <= 9/20 < 1/2, so thresholding a at 1/2 returns b",
        ),
        Step("success_one", (), sp.Eq(pbar, 1), "smt", ("decode", "success")),
        Step(
            "memory_lb",
            (),
            sp.Ge(M, n * d),
            "smt",
            ("thm:index-lb", "success_one", "h_one", "n_ge2", "d_ge1"),
            note="thm:index-lb at N = n d with average success 1",
        ),
        Step("assemble", (), statement, "smt", ("decode", "memory_lb")),
    )
    return Proof("thm:ho25-lb", hyps, statement, steps, (index_dep,))


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {p.claim_id: p for p in (index_lb_proof(), ho25_margin_proof())}
