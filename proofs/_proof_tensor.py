"""Machine-checked proofs of the tensor lower bounds' reductions and Remark 3.9's flop counts.

``proofs()`` returns :class:`~tensorkv_check.claims.obligations.Proof` objects keyed by
claim id:

- ``thm:four-cache-lb``: with K2 = V2 = 1 every pair (j, k) carries token j's score and
  value, so tensor attention equals standard attention (an index-form identity over the
  n^2 pairs) and thm:ho25-lb's statement applies to it;
- ``thm:two-cache-lb`` in the free-rows model: thm:ho25-lb's statement at n^2 tokens (the
  dependency instantiated with n -> n^2) gives M >= n^2 d, and the dimension threshold for
  n^2 keys is at most twice the one for n keys;
- ``thm:lowdim-tensor-lb``: in every regime of d, with T = Omega(min{n, e^{d eps^2/4}}) tokens,
  near-orthogonal keys exist (lem:near-orthogonal at delta = 1/2) and thm:four-cache-lb gives
  M >= T d;
- ``rem:tradeoff``: the per-step flop counts and memories as identities in n, d, and the
  ordering two <= four (identity) <= naive four-cache for n, d >= 2.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from proofs._proof_index import ho25_margin_proof
from tensorkv_check.claims.axioms import Exp, Ln
from tensorkv_check.claims.obligations import Dependency, Proof, Step

__all__ = ["proofs", "four_cache_proof", "two_cache_proof", "tradeoff_proof", "lowdim_tensor_proof"]

R = sp.Rational


def _ho25_dependency(subs: dict) -> tuple[Proof, Dependency]:
    ho25 = ho25_margin_proof()
    dep = Dependency(
        "thm:ho25-lb",
        tuple(h.xreplace(subs) for h in ho25.hypotheses.values()),
        ho25.statement.xreplace(subs),
        subs,
    )
    return ho25, dep


def four_cache_proof() -> Proof:
    """thm:four-cache-lb: the K2 = V2 = 1 reduction turns tensor attention into standard attention."""
    ho25, dep = _ho25_dependency({})
    n, b, x, o, a, oT = sp.symbols("n b x o a o_T", real=True)
    j = sp.Symbol("j", integer=True)
    kk = sp.Symbol("kk", integer=True)
    w, c = sp.IndexedBase("w"), sp.IndexedBase("c")
    off = (j, 1, n - 1)
    hyps = {name: h for name, h in ho25.hypotheses.items() if name != "approx"}
    # K2_k = V2_k = 1_d: pair (j, k) has score <q, K1_j o 1> = <q, K1_j> and value V1_j o 1 = V1_j,
    # for each of the n values of k; weights relative to the queried token i as in thm:ho25-lb.
    hyps["tensor_out"] = sp.Eq(
        oT, sp.Sum(b + sp.Sum(w[j] * c[j], off), (kk, 1, n)) / sp.Sum(1 + sp.Sum(w[j], off), (kk, 1, n))
    )
    hyps["approx_tensor"] = sp.Le(sp.Abs(a - oT), R(1, 4))
    statement = ho25.statement
    steps = (
        Step(
            "same_output",
            (),
            sp.Eq(oT, o),
            "identity",
            ("tensor_out", "out_def", "q_def", "x_def"),
            note="each j appears n times among the n^2 pairs; the factor n cancels",
        ),
        Step("approx_standard", (), sp.Le(sp.Abs(a - o), R(1, 4)), "smt", ("approx_tensor", "same_output")),
        Step("apply_ho25", (), statement, "smt", ("thm:ho25-lb", "approx_standard") + tuple(hyps)),
    )
    return Proof("thm:four-cache-lb", hyps, statement, steps, (dep,))


def two_cache_proof() -> Proof:
    """thm:two-cache-lb (free rows): thm:ho25-lb at n^2 tokens, and the d threshold for n^2 keys."""
    n, eps, delta = sp.symbols("n epsilon delta", real=True)
    ho25, dep = _ho25_dependency({n: n**2})
    hyps = dict(zip(ho25.hypotheses, dep.hypotheses))
    hyps["delta_range"] = sp.And(sp.Gt(delta, 0), sp.Le(delta, 1))
    thr = lambda N: 2 * Ln(N**2 / delta) / eps**2  # noqa: E731 - lem:near-orthogonal's threshold for N keys
    statement = sp.And(dep.statement, sp.Le(thr(n**2), 2 * thr(n)))
    a_, b_ = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    steps = (
        Step(
            "free_rows",
            (),
            dep.statement,
            "smt",
            ("thm:ho25-lb",) + tuple(ho25.hypotheses),
            note="the n^2 free rows are n^2 tokens of standard attention",
        ),
        Step(
            "ln_split",
            (),
            sp.Eq(Ln(n**4 / delta), Ln(n**2) + Ln(n**2 / delta)),
            "smt",
            ("ln_mul", "n_ge2", "delta_range"),
            {"ln_mul": ({a_: n**2, b_: n**2 / delta},)},
        ),
        Step(
            "ln_compare",
            (),
            sp.Le(Ln(n**2), Ln(n**2 / delta)),
            "smt",
            ("ln_mono", "n_ge2", "delta_range"),
            {"ln_mono": ({a_: n**2, b_: n**2 / delta},)},
        ),
        Step("threshold", (), sp.Le(thr(n**2), 2 * thr(n)), "smt", ("ln_split", "ln_compare", "eps_range")),
        Step("assemble", (), statement, "smt", ("free_rows", "threshold")),
    )
    return Proof("thm:two-cache-lb", hyps, statement, steps, (dep,))


def tradeoff_proof() -> Proof:
    """rem:tradeoff: flop counts per decode step and memories, as identities and an ordering."""
    n, d, F4, F2, Fn, m4, m2 = sp.symbols("n d F_four F_two F_naive mem_four mem_two", real=True)
    hyps = {
        "n_ge2": sp.Ge(n, 2),
        "d_ge2": sp.Ge(d, 2),
        # Flops as counted by tensorkv_check.engine.caches (multiply, add, compare, exp, divide = 1 each).
        "four_flops": sp.Eq(F4, 4 * n**2 * d + 5 * n**2 + 3 * n * d + 2 * d),
        "two_flops": sp.Eq(F2, 4 * n**2 * d + 4 * n**2 + 2 * d),
        "naive_flops": sp.Eq(Fn, 6 * n**2 * d + 4 * n**2 + 2 * d),
        "four_memory": sp.Eq(m4, 4 * n * d),
        "two_memory": sp.Eq(m2, 2 * n**2 * d),
    }
    saving = sp.Eq(Fn - F2, 2 * n**2 * d)
    gap = sp.Eq(F4 - F2, n**2 + 3 * n * d)
    ratio = sp.Eq(m2 / m4, n / 2)
    order = sp.And(sp.Le(F2, F4), sp.Le(F4, Fn))
    statement = sp.And(saving, gap, ratio, order)
    steps = (
        Step("naive_saving", (), saving, "identity", ("naive_flops", "two_flops")),
        Step("identity_gap", (), gap, "identity", ("four_flops", "two_flops")),
        Step("memory_ratio", (), ratio, "identity", ("four_memory", "two_memory")),
        Step(
            "ordering",
            (),
            order,
            "smt",
            ("four_flops", "two_flops", "naive_flops", "n_ge2", "d_ge2"),
            note="n^2 + 3nd <= 2n^2 d for n, d >= 2",
        ),
        Step(
            "assemble",
            (),
            statement,
            "smt",
            ("naive_saving", "identity_gap", "memory_ratio", "ordering", "n_ge2", "d_ge2"),
        ),
    )
    return Proof("rem:tradeoff", hyps, statement, steps)


def lowdim_tensor_proof() -> Proof:
    """thm:lowdim-tensor-lb: with T <= n tokens and 2T^2 <= e^{d eps^2/2} (T = Omega(min{n, e^{d eps^2/4}})),
    a near-orthogonal key set of T keys exists and the four-cache bound gives M >= T d."""
    from proofs._proof_jl import near_orthogonal_proof

    n, T, d, eps, delta, m, Pany, M = sp.symbols("n T d epsilon delta m P_any M", real=True)
    four = four_cache_proof()
    four_dep = Dependency(
        "thm:four-cache-lb",
        tuple(h.xreplace({n: T}) for h in four.hypotheses.values()),
        four.statement.xreplace({n: T}),
        {n: T},
    )
    near = near_orthogonal_proof()
    near_subs = {n: T, delta: R(1, 2)}
    near_dep = Dependency(
        "lem:near-orthogonal",
        tuple(h.xreplace(near_subs) for h in near.hypotheses.values()),
        near.statement.xreplace(near_subs),
        near_subs,
    )
    hyps = dict(zip(four.hypotheses, four_dep.hypotheses))
    hyps.update(
        {
            "tokens": sp.Le(T, n),
            "budget": sp.Le(2 * T**2, Exp(d * eps**2 / 2)),
            "pairs": sp.Eq(m, T * (T - 1) / 2),
        }
    )
    # P_any < 1: the T random keys are near-orthogonal with positive probability, so the fixed key
    # set the four-cache hypotheses name exists (probabilistic method).
    statement = sp.And(sp.Lt(Pany, 1), sp.Ge(M, T * d))
    a_, b_ = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    steps = (
        Step(
            "ln_budget",
            (),
            sp.Le(Ln(2 * T**2), d * eps**2 / 2),
            "smt",
            ("budget", "ln_mono", "ln_exp", "n_ge2"),
            {"ln_mono": ({a_: 2 * T**2, b_: Exp(d * eps**2 / 2)},), "ln_exp": ({a_: d * eps**2 / 2},)},
        ),
        Step("d_threshold", (), sp.Ge(d, 2 * Ln(2 * T**2) / eps**2), "smt", ("ln_budget", "eps_range")),
        Step(
            "keys_exist",
            (),
            sp.Lt(Pany, 1),
            "smt",
            ("lem:near-orthogonal", "n_ge2", "eps_range", "d_threshold", "pairs"),
            note="delta = 1/2",
        ),
        Step("memory", (), sp.Ge(M, T * d), "smt", ("thm:four-cache-lb",) + tuple(four.hypotheses)),
        Step("assemble", (), statement, "smt", ("keys_exist", "memory")),
    )
    return Proof("thm:lowdim-tensor-lb", hyps, statement, steps, (four_dep, near_dep))


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {
        p.claim_id: p
        for p in (four_cache_proof(), two_cache_proof(), tradeoff_proof(), lowdim_tensor_proof())
    }
