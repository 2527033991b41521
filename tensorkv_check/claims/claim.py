"""A claim as declared: :class:`Claim` (a paper item with its checks and proof), the
:class:`ClaimResult` a run gives it, and the :class:`Explorer` that searches for its
counterexamples; the source tags and explorer regions they accept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tensorkv_check.claims.checks import ROLES, Check, CheckContext, CheckKind, CheckResult

__all__ = ["SOURCE_TAGS", "REGIONS", "RegistryError", "Claim", "ClaimResult", "Explorer"]

SOURCE_TAGS = ("paper", "HO25", "ZHMK24", "AS24", "std", "inferred")

#: Where an explorer searches: inside the claim's hypotheses (a failure refutes it) or
#: deliberately outside one named hypothesis (a failure shows that hypothesis is needed).
REGIONS = ("inside", "outside")


class RegistryError(ValueError):
    """A malformed registry: duplicate or unknown ids, cycles, bad declarations."""


@dataclass
class Claim:
    """A paper item with its checks.

    Attributes
    ----------
    id : str
        The spec's id, e.g. ``"thm:four-cache-lb"``.
    paper_ref : str
        Where it stands, e.g. ``"Lemma 3.4"``.
    sources : tuple of str
        Tags from :data:`SOURCE_TAGS`.
    statement : str
        The human statement.
    sympy_statement : object, optional
        A sympy expression or relation stating the claim where one fits.
    hypotheses : tuple of str
        Its hypotheses with explicit constants (``"d >= 2 ln(n^2/δ)/ε^2"``).
    explicit_constants : dict
        Ω/O-term -> explicit version used by the checks.
    depends_on : tuple of str
        Ids of the claims it uses.
    cited_reason : str, optional
        Why a claim without checks is taken from the literature.
    caveats : tuple of str
        Modelling caveats and findings the report must show next to the status.
    proof : tensorkv_check.claims.obligations.Proof, optional
        The machine-checked proof (named steps discharged by sympy or an SMT solver), when
        one is attached; the proof axis of :func:`claim_axes` comes from it alone.
    """

    id: str
    paper_ref: str
    sources: tuple[str, ...]
    statement: str
    sympy_statement: Any = None
    hypotheses: tuple[str, ...] = ()
    explicit_constants: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    cited_reason: str | None = None
    caveats: tuple[str, ...] = ()
    checks: list[Check] = field(default_factory=list)
    proof: Any = None
    #: The module that declared the claim (set by :meth:`Registry.claim`); the pytest
    #: plugin collects the claim's proof item there.
    module: str = ""

    def _add(
        self,
        name: str,
        kind: CheckKind,
        *,
        description: str = "",
        slow: bool = False,
        expect: str = "pass",
        scope: str = "",
        role: str = "supports",
    ) -> Callable[[Callable[[CheckContext], CheckResult]], Callable]:
        if any(c.name == name for c in self.checks):
            raise RegistryError(f"claim {self.id} already has a check named {name!r}")
        if expect not in ("pass", "counterexample"):
            raise RegistryError(f"expect must be 'pass' or 'counterexample', got {expect!r}")
        if role not in ROLES:
            raise RegistryError(
                f"check {self.id}::{name}: role must be one of {', '.join(ROLES)}, got {role!r}"
            )

        def deco(fn: Callable[[CheckContext], CheckResult]) -> Callable:
            desc = description or (fn.__doc__ or "").strip().split("\n")[0]
            self.checks.append(Check(self.id, name, kind, fn, desc, slow, expect, scope, role))  # type: ignore[arg-type]
            return fn

        return deco

    def symbolic(self, name: str, **kw: Any):
        """Decorator registering an exact (sympy) check (``role`` as for :meth:`empirical`).

        A symbolic check is evidence, never a proof: only the attached :attr:`proof` makes
        the claim proved."""
        return self._add(name, "symbolic", **kw)

    def empirical(self, name: str, **kw: Any):
        """Decorator registering a numeric check through the engine.

        Keyword ``role``: ``"supports"`` (default; tests the statement), ``"limits"``
        (documents a caveat or boundary; never support) or ``"engine"`` (the implementation
        agrees with the mathematics)."""
        return self._add(name, "empirical", **kw)


@dataclass(frozen=True)
class ClaimResult:
    """A claim's two axes and summary with the results of the checks that ran.

    Attributes
    ----------
    status, reason : str
        The one-word summary (:func:`summary_status`) and why.
    results, seconds : dict
        Per check that ran: its result and wall-clock seconds.
    proof_status, proof_reason : str
        The proof axis (:data:`PROOF_AXIS`) and why.
    evidence_status : str
        The evidence axis (:data:`EVIDENCE_AXIS`).
    proof_result : ProofResult or None
        The checked proof, when the claim has one.
    ledger : tuple of Axiom
        The transitive axiom ledger of the proof (through the dependencies' proofs).
    """

    claim: Claim
    status: str
    reason: str
    results: dict[str, CheckResult]
    seconds: dict[str, float]
    proof_status: str = "unproved"
    proof_reason: str = ""
    evidence_status: str = "none"
    proof_result: Any = None
    ledger: tuple = ()

    def proof_dict(self) -> dict[str, Any]:
        """The proof axis as JSON: status, reason and, with a proof, its obligations (id,
        backend, uses, latex, smtlib2, vacuity_smtlib2, outcome) and axiom ledger. Timings
        are left out (deterministic): see :meth:`proof_seconds`."""
        out: dict[str, Any] = {"status": self.proof_status, "reason": self.proof_reason}
        if self.proof_result is not None:
            from tensorkv_check.claims.proof_text import proof_json

            d = proof_json(self.proof_result, self.ledger)
            d.pop("seconds", None)
            d.pop("status", None)
            d.pop("reason", None)
            d["obligation_status"] = self.proof_result.status
            d["obligation_reason"] = self.proof_result.reason
            d["discharged"] = self.proof_result.discharged
            d["obligations"] = [{k: v for k, v in o.items() if k != "seconds"} for o in d["obligations"]]
            out.update(d)
        else:
            out["axioms"] = []
            out["obligations"] = []
        return out

    def proof_seconds(self) -> dict[str, Any]:
        """Wall-clock seconds of the proof check: total and per obligation (empty without a proof)."""
        if self.proof_result is None:
            return {}
        return {
            "total": self.proof_result.seconds,
            "obligations": {s.id: s.seconds for s in self.proof_result.steps},
        }

    def to_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "paper_ref": c.paper_ref,
            "sources": list(c.sources),
            "statement": c.statement,
            "sympy_statement": None if c.sympy_statement is None else str(c.sympy_statement),
            "hypotheses": list(c.hypotheses),
            "explicit_constants": dict(c.explicit_constants),
            "depends_on": list(c.depends_on),
            "cited_reason": c.cited_reason,
            "caveats": list(c.caveats),
            "status": self.status,
            "reason": self.reason,
            "checks": {
                name: {
                    "kind": ck.kind,
                    "role": ck.role,
                    "slow": ck.slow,
                    "expect": ck.expect,
                    "description": ck.description,
                    **self.results[name].to_dict(),
                }
                for ck in c.checks
                for name in [ck.name]
                if name in self.results
            },
            "proof": self.proof_dict(),
            "evidence": {
                "status": self.evidence_status,
                "checks": {
                    ck.name: {"role": ck.role, "outcome": self.results[ck.name].outcome}
                    for ck in c.checks
                    if ck.name in self.results
                },
            },
        }


@dataclass(frozen=True)
class Explorer:
    """A counterexample search against one claim (run by :mod:`tensorkv_check.claims.exploration`).

    Attributes
    ----------
    claim_id, name : str
        The claim attacked and the explorer's name (unique per claim).
    region : {"inside", "outside"}
        ``"inside"``: examples satisfy every hypothesis of the claim, so a failure
        refutes it. ``"outside"``: examples violate exactly the hypothesis named in
        ``hypothesis``, so a failure shows that hypothesis is necessary.
    fn : callable
        The property, ``fn(example: dict) -> None | True | str``: ``None``/``True`` when
        it holds, a failure description otherwise (raising ``AssertionError`` also
        reports a failure; any other exception is a crash of the property).
    space : callable
        ``space(st) -> strategy`` given ``hypothesis.strategies`` as ``st``; the
        strategy draws the example dict (ints, floats, strings, numpy arrays). Lazy, so
        that loading the registry does not import hypothesis.
    ranges : str
        Human description of the searched ranges (reported with the examples tried).
    hypothesis : str
        For ``"outside"``: the violated hypothesis. For ``"inside"``: optional note.
    description : str
    weight : float
        Cost factor: the explorer runs ``ceil(budget * weight)`` examples (at least 1).
    score : callable, optional
        ``score(example) -> float`` maximised by hypothesis' targeting; the closest
        approach is reported (e.g. a measured diameter over its bound).
    score_label : str
    snippet : callable, optional
        ``snippet(example) -> str``: Python lines, using the public API, that rebuild
        the example's computation (the arrays are defined before them).
    extra : callable, optional
        ``extra(budget, seed) -> dict``: a deterministic side study run after the search
        (scans, timing searches); a ``"timings"`` key holds non-deterministic numbers.
    """

    claim_id: str
    name: str
    region: str
    fn: Callable[[dict], Any]
    space: Callable[[Any], Any]
    ranges: str
    hypothesis: str = ""
    description: str = ""
    weight: float = 1.0
    score: Callable[[dict], float] | None = None
    score_label: str = ""
    snippet: Callable[[dict], str] | None = None
    extra: Callable[[int, int], dict] | None = None

    @property
    def key(self) -> str:
        return f"{self.claim_id}::{self.name}"
