"""The two axes of a claim and the one-word status derived from them.

A claim's *proof* axis comes from its machine-checked proof (``proved``, ``partial``,
``unproved``) or from a counterexample (``refuted``) or a citation (``cited``); its
*evidence* axis from the checks whose role is ``supports`` (``corroborated``,
``contradicted``, ``none``). :func:`summary_status` derives the one-word status that the
tables, ``report.json`` and the exit code use; the first rule that applies decides:

``failing``
    a check raised, an ``engine`` or ``limits`` check did not give its expected outcome,
    or the claim has no proof, no evidence and no citation;
``refuted``
    proof ``refuted`` or evidence ``contradicted``;
``cited``
    proof ``cited``;
``proved``
    proof ``proved`` (with or without evidence);
``corroborated``
    proof ``partial`` or ``unproved``, evidence ``corroborated``;
``partial``
    proof ``partial``, no evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tensorkv_check.claims.registry import CheckResult, Claim

__all__ = [
    "EVIDENCE_AXIS",
    "PROOF_AXIS",
    "STATUSES",
    "EvidenceStatus",
    "ProofStatus",
    "Status",
    "claim_axes",
    "claim_status",
    "summary_status",
]

#: The one-word summary of a claim.
Status = Literal["proved", "corroborated", "partial", "cited", "refuted", "failing"]
#: The proof axis.
ProofStatus = Literal["proved", "partial", "unproved", "refuted", "cited"]
#: The evidence axis.
EvidenceStatus = Literal["corroborated", "contradicted", "none"]

#: The one-word summaries (:func:`summary_status`), in table order.
STATUSES: tuple[Status, ...] = ("proved", "corroborated", "partial", "cited", "refuted", "failing")
#: The proof axis (:func:`claim_axes`).
PROOF_AXIS: tuple[ProofStatus, ...] = ("proved", "partial", "unproved", "refuted", "cited")
#: The evidence axis (:func:`claim_axes`).
EVIDENCE_AXIS: tuple[EvidenceStatus, ...] = ("corroborated", "contradicted", "none")


def _used_dependencies(proof: Any) -> list[str]:
    """The dependency claims a proof's steps name (the ones its status rests on)."""
    used = {n for st in proof.steps for n in st.uses}
    return [d.claim_id for d in proof.dependencies if d.claim_id in used]


def claim_axes(
    claim: Claim, results: dict[str, CheckResult], dep_proof_status: dict[str, str], proof_result: Any = None
) -> tuple[str, str, str]:
    """Derive ``(proof status, proof reason, evidence status)`` of a claim.

    Parameters
    ----------
    claim : Claim
    results : dict
        Results of the checks that ran (skipped checks do not count).
    dep_proof_status : dict
        Proof status of dependency claims, by id.
    proof_result : ProofResult, optional
        The claim's checked proof (:meth:`tensorkv_check.claims.obligations.Proof.check`).

    A counterexample from a ``supports`` check refutes the statement on the proof axis too;
    ``limits`` and ``engine`` checks never enter either axis (see :func:`summary_status`).
    """
    ran = [c for c in claim.checks if c.name in results and c.role == "supports"]
    # A recorded finding (expect="counterexample") that still reproduces refutes the statement too.
    refuting = [c.name for c in ran if results[c.name].outcome == "counterexample"]
    contra = refuting + [c.name for c in ran if results[c.name].outcome == "fail"]
    if contra:
        evidence = "contradicted"
    elif any(results[c.name].outcome == "pass" for c in ran):
        evidence = "corroborated"
    else:
        evidence = "none"
    if refuting:
        return "refuted", "counterexample from " + ", ".join(refuting), evidence
    if proof_result is None:
        if claim.cited_reason:
            return "cited", claim.cited_reason, evidence
        return "unproved", "no proof attached", evidence
    if proof_result.status != "proved":
        return proof_result.status, proof_result.reason, evidence
    weak = [
        d
        for d in _used_dependencies(claim.proof)
        if dep_proof_status.get(d, "cited") not in ("proved", "cited")
    ]
    if weak:
        return (
            "partial",
            (
                f"all {len(proof_result.steps)} obligations discharged but it rests on "
                + ", ".join(f"{d} ({dep_proof_status[d]})" for d in weak)
            ),
            evidence,
        )
    return "proved", proof_result.reason, evidence


def summary_status(
    claim: Claim, results: dict[str, CheckResult], proof_status: str, proof_reason: str, evidence: str
) -> tuple[str, str]:
    """The one-word summary ``(status, reason)`` of the two axes (rules in the module docstring).

    Examples
    --------
    >>> from tensorkv_check.claims.registry import Claim
    >>> c = Claim(id="lem:x", paper_ref="L1", sources=("std",), statement="x")
    >>> summary_status(c, {}, "proved", "all 3 obligations discharged", "none")
    ('proved', 'proof: all 3 obligations discharged')
    >>> summary_status(c, {}, "unproved", "no proof attached", "none")[0]
    'failing'
    """
    ran = [c for c in claim.checks if c.name in results]
    errored = [c.name for c in ran if results[c.name].outcome == "error"]
    if errored:
        return "failing", "check raised: " + ", ".join(errored)
    broken = [
        f"{c.name} ({c.role}, {results[c.name].outcome})"
        for c in ran
        if c.role != "supports" and results[c.name].outcome != c.expect
    ]
    if broken:
        return "failing", "check did not give its expected outcome: " + ", ".join(broken)
    supports = [c for c in ran if c.role == "supports"]
    if proof_status == "refuted":
        return "refuted", proof_reason
    if evidence == "contradicted":
        bad = [f"{c.name} ({results[c.name].outcome})" for c in supports if results[c.name].outcome != "pass"]
        return "refuted", "evidence contradicted by " + ", ".join(bad)
    if proof_status == "cited":
        return "cited", proof_reason
    ev = ", ".join(c.name for c in supports)
    skipped = [c.name for c in claim.checks if c.name not in results]
    tail = ("; not run: " + ", ".join(skipped)) if skipped else ""
    if proof_status == "proved":
        return "proved", f"proof: {proof_reason}" + (f"; corroborated by {ev}" if ev else "") + tail
    if evidence == "corroborated":
        return "corroborated", f"proof {proof_status}; corroborated by {ev}" + tail
    if proof_status == "partial":
        return "partial", f"proof partial ({proof_reason}); no supporting evidence ran" + tail
    if claim.checks and not ran:
        return "failing", "no proof and none of its checks ran (all skipped in this profile)"
    return "failing", "no proof, no supporting evidence and no citation: the claim is unsupported" + tail


def claim_status(
    claim: Claim, results: dict[str, CheckResult], dep_proof_status: dict[str, str], proof_result: Any = None
) -> tuple[str, str]:
    """The one-word summary ``(status, reason)``: :func:`summary_status` of :func:`claim_axes`."""
    proof, reason, evidence = claim_axes(claim, results, dep_proof_status, proof_result)
    return summary_status(claim, results, proof, reason, evidence)
