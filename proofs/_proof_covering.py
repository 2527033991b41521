"""Machine-checked proof of thm:covering's volumetric bound: N(delta) <= (1 + 2/delta)^d.

A maximal delta-separated subset of the unit ball is a delta-net (so the covering number is
at most its size), and the disjoint balls of radius delta/2 around its points lie in
(1 + delta/2) B^d; comparing volumes, with vol(u B) = u^d vol(B), gives the bound. The
geometric facts are cited axioms ([std], Vershynin 2018, Sec. 4.2); what is checked is the
volume comparison and the power identity (1 + delta/2)^d / (delta/2)^d = (1 + 2/delta)^d.

Private module: not loaded as claim definitions.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.obligations import Proof, Step

__all__ = ["proofs", "covering_volumetric_proof"]


def covering_volumetric_proof() -> Proof:
    """thm:covering (volumetric part): the covering number of B^d at scale delta is <= (1 + 2/delta)^d."""
    delta = sp.Symbol("delta", real=True)
    d = sp.Symbol("d", real=True)
    Ncov, Npack = sp.symbols("N_cover N_pack", real=True)
    u = sp.Symbol("u", real=True)
    small, big = delta / 2, 1 + delta / 2
    hyps = {
        "delta_range": sp.And(sp.Gt(delta, 0), sp.Le(delta, 2)),
        "d_ge1": sp.Ge(d, 1),
    }
    statement = sp.Le(Ncov, (1 + 2 / delta) ** d)
    steps = (
        Step(
            "ratio",
            (),
            sp.Eq(big**d / small**d, (1 + 2 / delta) ** d, evaluate=False),
            "identity",
            ("delta_range",),
            note="(a/b)^d = a^d/b^d for a, b > 0; (1 + delta/2)/(delta/2) = 1 + 2/delta",
        ),
        Step(
            "packing_bound",
            (),
            sp.Le(Npack * small**d, big**d),
            "smt",
            ("packing_volume", "volume_scaling", "ball_volume_pos", "delta_range"),
            {"volume_scaling": ({u: small}, {u: big})},
        ),
        Step(
            "pack_le",
            (),
            sp.Le(Npack, big**d / small**d),
            "smt",
            ("packing_bound", "rpow_pos", "delta_range"),
            {"rpow_pos": ({u: small},)},
        ),
        Step("cover", (), statement, "smt", ("maximal_packing_covers", "pack_le", "ratio", "delta_range")),
    )
    return Proof("thm:covering", hyps, statement, steps)


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {p.claim_id: p for p in (covering_volumetric_proof(),)}
