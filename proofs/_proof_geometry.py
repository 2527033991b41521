"""Machine-checked proof of lem:kron-clusterable's diameter bound: delta <= delta1 R2 + R1 delta2.

For rows a, a' of one K1 cluster (|a - a'| <= delta1) and b, b' of one K2 cluster
(|b - b'| <= delta2), with |b_l| <= R2 and |a'_l| <= R1 for every coordinate l (sup-norm
bounds, diameters in l2), the product rows satisfy |a o b - a' o b'| <= delta1 R2 + R1 delta2:
the coordinatewise split a_l b_l - a'_l b'_l = (a_l - a'_l) b_l + a'_l (b_l - b'_l) (an
index-form identity for every dimension), Minkowski's inequality (cited), and the termwise
bound ((a_l - a'_l) b_l)^2 <= R2^2 (a_l - a'_l)^2 summed over the coordinates.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import Every
from tensorkv_check.claims.obligations import Proof, Step

__all__ = ["proofs", "kron_clusterable_proof"]


def kron_clusterable_proof() -> Proof:
    """lem:kron-clusterable: one product cluster has diameter <= delta1 R2 + R1 delta2."""
    d, d1, d2, R1, R2, D, D1, D2, E1, E2 = sp.symbols("d delta1 delta2 R1 R2 D D1 D2 E1 E2", real=True)
    l = sp.Symbol("l", integer=True)
    a, ap, b, bp = (sp.IndexedBase(s) for s in ("a", "ap", "b", "bp"))
    coords = (l, 1, d)
    u = sp.Lambda(l, (a[l] - ap[l]) * b[l])  # (a - a') o b
    v = sp.Lambda(l, ap[l] * (b[l] - bp[l]))  # a' o (b - b')
    hyps = {
        "d_ge1": sp.Ge(d, 1),
        "bounds_nonneg": sp.And(sp.Ge(R1, 0), sp.Ge(R2, 0)),
        "cluster1": sp.And(sp.Ge(D1, 0), sp.Eq(D1**2, sp.Sum((a[l] - ap[l]) ** 2, coords)), sp.Le(D1, d1)),
        "cluster2": sp.And(sp.Ge(D2, 0), sp.Eq(D2**2, sp.Sum((b[l] - bp[l]) ** 2, coords)), sp.Le(D2, d2)),
        "sup_b": Every(sp.Le(b[l] ** 2, R2**2), *coords),
        "sup_ap": Every(sp.Le(ap[l] ** 2, R1**2), *coords),
        "product_dist": sp.And(sp.Ge(D, 0), sp.Eq(D**2, sp.Sum((a[l] * b[l] - ap[l] * bp[l]) ** 2, coords))),
        # The norms of the two parts of the split, named by their squares.
        "E1_def": sp.And(sp.Ge(E1, 0), sp.Eq(E1**2, sp.Sum(u(l) ** 2, coords))),
        "E2_def": sp.And(sp.Ge(E2, 0), sp.Eq(E2**2, sp.Sum(v(l) ** 2, coords))),
    }
    statement = sp.Le(D, d1 * R2 + R1 * d2)
    t, x, hi = sp.IndexedBase("t"), sp.IndexedBase("x"), sp.Symbol("hi", real=True)
    mk = {
        sp.Symbol("D", real=True): D,
        sp.Symbol("E1", real=True): E1,
        sp.Symbol("E2", real=True): E2,
        t: u,
        x: v,
        hi: d,
    }
    steps = (
        Step(
            "split",
            (),
            sp.Eq(sp.Sum((a[l] * b[l] - ap[l] * bp[l]) ** 2, coords), sp.Sum((u(l) + v(l)) ** 2, coords)),
            "identity",
            (),
            note="a_l b_l - a'_l b'_l = (a_l - a'_l) b_l + a'_l (b_l - b'_l) in every coordinate",
        ),
        Step(
            "triangle",
            (),
            sp.Le(D, E1 + E2),
            "smt",
            ("minkowski", "split", "product_dist", "E1_def", "E2_def"),
            {"minkowski": (mk,)},
        ),
        Step("term1", (), Every(sp.Le(u(l) ** 2, R2**2 * (a[l] - ap[l]) ** 2), *coords), "smt", ("sup_b",)),
        Step(
            "sum1",
            (),
            sp.Le(sp.Sum(u(l) ** 2, coords), sp.Sum(R2**2 * (a[l] - ap[l]) ** 2, coords)),
            "smt",
            ("term1", "sum_mono"),
            {
                "sum_mono": (
                    {t: sp.Lambda(l, u(l) ** 2), x: sp.Lambda(l, R2**2 * (a[l] - ap[l]) ** 2), hi: d},
                )
            },
        ),
        Step(
            "factor1",
            (),
            sp.Eq(sp.Sum(R2**2 * (a[l] - ap[l]) ** 2, coords), R2**2 * sp.Sum((a[l] - ap[l]) ** 2, coords)),
            "identity",
            (),
        ),
        Step(
            "E1_le", (), sp.Le(E1, d1 * R2), "smt", ("E1_def", "sum1", "factor1", "cluster1", "bounds_nonneg")
        ),
        Step("term2", (), Every(sp.Le(v(l) ** 2, R1**2 * (b[l] - bp[l]) ** 2), *coords), "smt", ("sup_ap",)),
        Step(
            "sum2",
            (),
            sp.Le(sp.Sum(v(l) ** 2, coords), sp.Sum(R1**2 * (b[l] - bp[l]) ** 2, coords)),
            "smt",
            ("term2", "sum_mono"),
            {
                "sum_mono": (
                    {t: sp.Lambda(l, v(l) ** 2), x: sp.Lambda(l, R1**2 * (b[l] - bp[l]) ** 2), hi: d},
                )
            },
        ),
        Step(
            "factor2",
            (),
            sp.Eq(sp.Sum(R1**2 * (b[l] - bp[l]) ** 2, coords), R1**2 * sp.Sum((b[l] - bp[l]) ** 2, coords)),
            "identity",
            (),
        ),
        Step(
            "E2_le", (), sp.Le(E2, R1 * d2), "smt", ("E2_def", "sum2", "factor2", "cluster2", "bounds_nonneg")
        ),
        Step("diameter", (), statement, "smt", ("triangle", "E1_le", "E2_le")),
    )
    return Proof("lem:kron-clusterable", hyps, statement, steps)


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {p.claim_id: p for p in (kron_clusterable_proof(),)}
