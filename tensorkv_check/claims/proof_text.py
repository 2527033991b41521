"""Plain-text rendering of a checked proof: each step's formula, backend, uses and time, and the
axiom ledger, for a ``proof ID`` command and for reading a :class:`ProofResult` in a terminal.

What is shown is what was decided: the formula (sympy's ``sstr`` of ``hypotheses =>
conclusion``, with its LaTeX in the JSON export), never a prose label in its place; a step's
note, if any, is printed beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from tensorkv_check.claims.axioms import Axiom
from tensorkv_check.claims.obligations import Proof, ProofResult

__all__ = ["format_proof", "proof_json"]


def format_proof(proof: Proof, result: ProofResult, ledger: Sequence[Axiom] = ()) -> str:
    """The proof of one claim as text.

    Parameters
    ----------
    proof : Proof
        The proof that was checked (for the formulas).
    result : ProofResult
        Its result (:meth:`Proof.check`).
    ledger : sequence of Axiom
        The transitive axioms (:func:`tensorkv_check.claims.obligations.axiom_ledger`).
    """
    lines = [f"{result.claim_id}: {result.status} ({result.reason})", "hypotheses:"]
    lines += [f"  {name}: {sp.sstr(h)}" for name, h in proof.hypotheses.items()]
    lines.append(f"statement: {sp.sstr(proof.statement)}")
    for dep, state in result.dependencies.items():
        lines.append(f"dependency {dep}: {state}")
    lines.append("steps:")
    steps = {s.id: s for s in proof.steps}
    for r in result.steps:
        lines.append(f"  [{r.outcome}] {r.id}  ({r.backend}, {r.seconds * 1000:.0f} ms)")
        lines.append(f"      {sp.sstr(steps[r.id].formula)}")
        lines.append(f"      uses: {', '.join(r.uses) or '(nothing)'}")
        if r.note:
            lines.append(f"      note: {r.note}")
        if r.outcome == "failed":
            lines.append(f"      why: {r.reason}")
    lines.append("axioms (transitive):" + ("" if ledger else " none"))
    lines += [f"  {a.name} [{a.source_tag}]: {sp.sstr(a.statement)} -- {a.reference}" for a in ledger]
    return "\n".join(lines)


def proof_json(result: ProofResult, ledger: Sequence[Axiom] = ()) -> dict:
    """The JSON export of a checked proof: status, obligations (with ``smtlib2`` and
    ``vacuity_smtlib2`` for ``smt`` steps, ``latex`` for all) and the axiom ledger."""
    out = result.to_dict()
    out["axioms"] = [a.to_dict() for a in ledger]
    return out
