"""Machine-checked proofs of the dimension bounds: lem:near-orthogonal, lem:jl-gaussian, lem:jl-projection.

``proofs()`` returns :class:`~tensorkv_check.claims.obligations.Proof` objects keyed by
claim id. The probabilistic inputs are cited axioms (Hoeffding's inequality for +-1/sqrt(d)
vectors, the chi-squared tail behind the JL lemma, the union bound); what is checked is the
algebra that turns a dimension threshold into a failure probability <= delta:

- ``lem:near-orthogonal`` ([HO25][std]): d >= 2 ln(n^2/delta)/eps^2 makes the union bound over
  the n(n-1)/2 pairs at most delta;
- ``lem:jl-gaussian`` ([std], Woodruff 2014 Thm 4): k >= 2 ln(2f/delta)/(eps^2/2 - eps^3/3)
  makes the union bound over f vectors at most delta;
- ``lem:jl-projection``: the dimension for f^2 vectors (differences) is at most twice the one
  for f vectors: ln(2f^2/delta) <= 2 ln(2f/delta) when delta <= 2.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import Exp, Ln
from tensorkv_check.claims.obligations import Proof, Step

__all__ = ["proofs", "near_orthogonal_proof", "jl_gaussian_proof", "jl_projection_proof"]

R = sp.Rational
_a, _b, _m, _u, _v = (sp.Symbol(s, real=True) for s in ("a", "b", "m", "u", "v"))


def _exp_neg_ln(y: sp.Expr, name: str, positivity: tuple[str, ...]) -> Step:
    """``e^{-ln y} = 1/y``, from exp(a+b) = exp(a)exp(b), exp(0) = 1 and exp(ln y) = y.

    ``positivity`` names the hypotheses making y's parts positive (SMT division is total, so
    ``y > 0`` alone would leave a zero denominator possible).
    """
    return Step(
        name,
        (),
        sp.Eq(Exp(-Ln(y)), 1 / y),
        "smt",
        ("exp_add", "exp_zero", "exp_ln") + positivity,
        {"exp_add": ({_a: Ln(y), _b: -Ln(y)},), "exp_ln": ({_a: y},)},
    )


def near_orthogonal_proof() -> Proof:
    """lem:near-orthogonal: union of the pair deviations has probability <= delta."""
    n, d, eps, delta, m, Pdev, Pany = sp.symbols("n d epsilon delta m P_dev P_any", real=True)
    y = n**2 / delta
    hyps = {
        "n_ge2": sp.Ge(n, 2),
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "delta_range": sp.And(sp.Gt(delta, 0), sp.Lt(delta, 1)),
        "d_bound": sp.Ge(d, 2 * Ln(y) / eps**2),
        "pairs": sp.Eq(m, n * (n - 1) / 2),
    }
    statement = sp.Le(Pany, delta)
    steps = (
        Step(
            "d_pos",
            (),
            sp.Gt(d, 0),
            "smt",
            ("d_bound", "n_ge2", "delta_range", "eps_range", "ln_pos"),
            {"ln_pos": ({_a: y},)},
        ),
        Step("exponent", (), sp.Le(-d * eps**2 / 2, -Ln(y)), "smt", ("d_bound", "eps_range")),
        Step(
            "exp_compare",
            (),
            sp.Le(Exp(-d * eps**2 / 2), Exp(-Ln(y))),
            "smt",
            ("exponent", "exp_mono"),
            {"exp_mono": ({_a: -d * eps**2 / 2, _b: -Ln(y)},)},
        ),
        _exp_neg_ln(y, "exp_neg_ln", ("n_ge2", "delta_range")),
        Step(
            "pair_tail",
            (),
            sp.Le(Pdev, 2 * delta / n**2),
            "smt",
            ("hoeffding_pm1", "d_pos", "eps_range", "exp_compare", "exp_neg_ln", "n_ge2", "delta_range"),
            {"hoeffding_pm1": ({_u: d, _v: eps},)},
            note="Hoeffding for one pair, then d_bound",
        ),
        Step(
            "union",
            (),
            statement,
            "smt",
            ("union_bound", "pairs", "pair_tail", "n_ge2", "delta_range"),
            {"union_bound": ({_m: m, sp.Symbol("P_each", real=True): Pdev},)},
            note="n(n-1)/2 pairs, each <= 2 delta/n^2: total <= (n-1) delta/n <= delta",
        ),
    )
    return Proof("lem:near-orthogonal", hyps, statement, steps)


def jl_gaussian_proof() -> Proof:
    """lem:jl-gaussian: k >= 2 ln(2f/delta)/(eps^2/2 - eps^3/3) gives failure probability <= delta."""
    k, f, eps, delta, Pjl, Pfail = sp.symbols("k f epsilon delta P_jl P_fail", real=True)
    a = eps**2 / 2 - eps**3 / 3
    y = 2 * f / delta
    hyps = {
        "f_ge1": sp.Ge(f, 1),
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "delta_range": sp.And(sp.Gt(delta, 0), sp.Lt(delta, 1)),
        "k_bound": sp.Ge(k, 2 * Ln(y) / a),
    }
    statement = sp.Le(Pfail, delta)
    steps = (
        Step("rate_pos", (), sp.Gt(a, 0), "smt", ("eps_range",), note="eps^2 (1/2 - eps/3) > 0 on (0, 1)"),
        Step(
            "k_pos",
            (),
            sp.Gt(k, 0),
            "smt",
            ("k_bound", "rate_pos", "f_ge1", "delta_range", "ln_pos"),
            {"ln_pos": ({_a: y},)},
        ),
        Step("exponent", (), sp.Le(-k * a / 2, -Ln(y)), "smt", ("k_bound", "rate_pos")),
        Step(
            "exp_compare",
            (),
            sp.Le(Exp(-k * a / 2), Exp(-Ln(y))),
            "smt",
            ("exponent", "exp_mono"),
            {"exp_mono": ({_a: -k * a / 2, _b: -Ln(y)},)},
        ),
        _exp_neg_ln(y, "exp_neg_ln", ("f_ge1", "delta_range")),
        Step(
            "one_vector",
            (),
            sp.Le(Pjl, delta / f),
            "smt",
            ("jl_chi2_tail", "k_pos", "eps_range", "exp_compare", "exp_neg_ln", "f_ge1", "delta_range"),
            {"jl_chi2_tail": ({_u: k, _v: eps},)},
        ),
        Step(
            "union",
            (),
            statement,
            "smt",
            ("union_bound", "one_vector", "f_ge1"),
            {
                "union_bound": (
                    {_m: f, sp.Symbol("P_each", real=True): Pjl, sp.Symbol("P_any", real=True): Pfail},
                )
            },
        ),
    )
    return Proof("lem:jl-gaussian", hyps, statement, steps)


def jl_projection_proof() -> Proof:
    """lem:jl-projection: the dimension for the f^2 pairs is at most twice the one for f vectors."""
    f, eps, delta = sp.symbols("f epsilon delta", real=True)
    a = eps**2 / 2 - eps**3 / 3
    hyps = {
        "f_ge1": sp.Ge(f, 1),
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "delta_range": sp.And(sp.Gt(delta, 0), sp.Lt(delta, 1)),
    }
    k_f, k_f2 = 2 * Ln(2 * f / delta) / a, 2 * Ln(2 * f**2 / delta) / a
    statement = sp.Le(k_f2, 2 * k_f)
    y = 2 * f / delta
    steps = (
        Step(
            "ln_square",
            (),
            sp.Eq(Ln(y * y), 2 * Ln(y)),
            "smt",
            ("ln_mul", "f_ge1", "delta_range"),
            {"ln_mul": ({_a: y, _b: y},)},
        ),
        Step(
            "ln_compare",
            (),
            sp.Le(Ln(2 * f**2 / delta), Ln(y * y)),
            "smt",
            ("ln_mono", "f_ge1", "delta_range"),
            {"ln_mono": ({_a: 2 * f**2 / delta, _b: y * y},)},
            note="2f^2/delta <= 4f^2/delta^2 as delta <= 2",
        ),
        Step("rate_pos", (), sp.Gt(a, 0), "smt", ("eps_range",)),
        Step("dimension", (), statement, "smt", ("ln_square", "ln_compare", "rate_pos")),
    )
    return Proof("lem:jl-projection", hyps, statement, steps)


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {p.claim_id: p for p in (near_orthogonal_proof(), jl_gaussian_proof(), jl_projection_proof())}
