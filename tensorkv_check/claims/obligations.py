"""Proof obligations: a claim's proof as named steps, each discharged by a named backend.

A :class:`Proof` of a paper item (Chen et al. 2025, arXiv 2503.11108, and the results of
[HO25] and [ZHMK24] it uses) is an ordered list of :class:`Step` objects. A step is one
formula, ``hypotheses => conclusion``, written once in sympy, and the facts it may use,
each *named* in ``uses``: the claim's hypotheses, earlier steps, dependency claims'
statements (:class:`Dependency`) and axioms (:mod:`tensorkv_check.claims.axioms`). A name
that is not available fails the step. Backends:

``identity``
    sympy decides ``lhs - rhs == 0`` (``simplify``; index-form ``Sum``/``Indexed``
    identities hold for every value of a symbolic bound). Equalities among the used facts
    whose left side is a symbol, an indexed term or a function application are substituted
    first (definitions).
``smt``
    the used facts, the step's hypotheses and the negated conclusion go to an SMT solver
    as SMT-LIB2 text (:mod:`tensorkv_check.claims.smt`); ``unsat`` discharges the step, and
    a separate vacuity script (the facts alone) must be ``sat``.
``axiom``
    the step *is* an instance of one axiom: listed and matched against the axiom, never
    "checked".

:meth:`Proof.check` returns a :class:`ProofResult`: ``proved`` when every obligation is
discharged, the last step's conclusion is the claim's statement under (a subset of) its
hypotheses, the hypotheses are satisfiable and every supplied dependency proof proves the
statement this proof uses; ``partial`` (k of m discharged, the rest listed with reasons);
``unproved``. :func:`axiom_ledger` is the transitive axiom ledger, like Lean's ``#print axioms``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import sympy as sp

from tensorkv_check.claims.axioms import STANDARD_AXIOMS, Axiom, Every
from tensorkv_check.claims.smt import (
    Forall,
    SmtError,
    normalize_sums,
    obligation_script,
    run_smtlib2,
    vacuity_script,
)

__all__ = [
    "BACKENDS",
    "PROOF_STATUSES",
    "Step",
    "Pointwise",
    "Dependency",
    "Proof",
    "StepResult",
    "ProofResult",
    "axiom_ledger",
    "check_proofs",
    "decide_identity",
]

BACKENDS = ("identity", "smt", "axiom")
PROOF_STATUSES = ("proved", "partial", "unproved")
StepOutcome = Literal["discharged", "cited", "failed"]


def _conj(items: Sequence[Any]) -> Any:
    return sp.And(*items) if len(items) > 1 else (items[0] if items else sp.true)


def _implication(hyps: Sequence[Any], concl: Any) -> Any:
    return sp.Implies(_conj(hyps), concl, evaluate=False) if hyps else concl


@dataclass(frozen=True)
class Pointwise:
    """An axiom instance asserted at every index of a range: ``Every(instance, index, lo, hi)``.

    Use it in :attr:`Step.instances` when the substituted terms depend on an index
    (``exp_mono`` at ``a = -g[j]`` for every off token j).
    """

    subs: Mapping[Any, Any]
    index: sp.Symbol
    lo: Any
    hi: Any


@dataclass(frozen=True)
class Step:
    """One proof obligation: ``hypotheses => conclusion``, decided by ``backend``.

    Parameters
    ----------
    id : str
        Unique within the proof; later steps use it by this name.
    hypotheses : tuple of sympy Boolean
        Local premises; the step establishes ``And(hypotheses) => conclusion``.
    conclusion : sympy Boolean
        What the step decides (an ``Eq`` for ``identity``).
    backend : {"identity", "smt", "axiom"}
    uses : tuple of str
        Names of the facts the backend may see: claim hypotheses, earlier step ids,
        dependency claim ids and axiom names. Nothing else reaches the backend.
    instances : mapping of str to tuple of mapping
        For an axiom in ``uses``: the substitutions to assert it at (each gives one
        instance); an axiom without instances is asserted universally quantified.
    note : str
        Optional prose shown beside the formula; it must say no more than the formula.
    """

    id: str
    hypotheses: tuple = ()
    conclusion: Any = sp.true
    backend: str = "smt"
    uses: tuple[str, ...] = ()
    instances: Mapping[str, tuple] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"step {self.id}: backend must be one of {BACKENDS}, got {self.backend!r}")
        object.__setattr__(self, "hypotheses", tuple(self.hypotheses))
        object.__setattr__(self, "uses", tuple(self.uses))
        object.__setattr__(self, "instances", {k: tuple(v) for k, v in dict(self.instances).items()})

    @property
    def formula(self) -> Any:
        """The statement this step establishes, ``And(hypotheses) => conclusion``."""
        return _implication(self.hypotheses, self.conclusion)

    def latex(self) -> str:
        """LaTeX of :attr:`formula`."""
        return sp.latex(self.formula)


@dataclass(frozen=True)
class Dependency:
    """A dependency claim's statement as this proof uses it (in this proof's symbols).

    Parameters
    ----------
    claim_id : str
        The dependency's claim id; steps name it in ``uses``.
    hypotheses : tuple of sympy Boolean
        The dependency's hypotheses, instantiated.
    statement : sympy Boolean
        Its statement, instantiated.
    subs : mapping
        How the dependency proof's symbols map to this proof's: with the dependency's
        :class:`Proof` supplied, ``its hypotheses => its statement`` under ``subs`` must
        equal ``hypotheses => statement`` here, or the use is rejected.
    """

    claim_id: str
    hypotheses: tuple = ()
    statement: Any = sp.true
    subs: Mapping[Any, Any] = field(default_factory=dict)

    @property
    def fact(self) -> Any:
        return _implication(tuple(self.hypotheses), self.statement)


@dataclass(frozen=True)
class StepResult:
    """What checking one step found."""

    id: str
    backend: str
    uses: tuple[str, ...]
    outcome: StepOutcome
    reason: str
    seconds: float
    latex: str
    smtlib2: str | None = None
    vacuity_smtlib2: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "backend": self.backend,
            "uses": list(self.uses),
            "outcome": self.outcome,
            "reason": self.reason,
            "seconds": self.seconds,
            "latex": self.latex,
            "note": self.note,
            "smtlib2": self.smtlib2,
            "vacuity_smtlib2": self.vacuity_smtlib2,
        }


@dataclass(frozen=True)
class ProofResult:
    """The proof status of one claim with the per-step evidence."""

    claim_id: str
    status: str
    reason: str
    steps: tuple[StepResult, ...]
    axioms: tuple[str, ...]
    dependencies: dict[str, str]
    seconds: float
    statement_latex: str

    @property
    def discharged(self) -> int:
        return sum(s.outcome in ("discharged", "cited") for s in self.steps)

    @property
    def proved(self) -> bool:
        return self.status == "proved"

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "status": self.status,
            "reason": self.reason,
            "statement_latex": self.statement_latex,
            "axioms": list(self.axioms),
            "dependencies": dict(self.dependencies),
            "seconds": self.seconds,
            "obligations": [s.to_dict() for s in self.steps],
        }


def decide_identity(expr: Any) -> bool:
    """Whether sympy shows ``expr == 0`` identically (exact; never a float comparison).

    A simplifier that raises decides nothing (the next one is tried). Tries ``expand``, then
    ``doit`` + ``expand``, then ``simplify`` and ``simplify`` of the ``doit`` form, so that
    index-form sums over a symbolic bound (``Sum(a - w[j], (j, 1, m)) - (m a - Sum(w[j], (j, 1,
    m)))``) are decided for every ``m``.
    """
    expr = sp.sympify(expr)
    attempts: tuple[Callable[[Any], Any], ...] = (
        lambda e: e,
        sp.expand,
        lambda e: sp.expand(normalize_sums(e)),
        lambda e: sp.simplify(normalize_sums(sp.together(normalize_sums(e)))),
        sp.simplify,
        lambda e: sp.simplify(e.doit()),
    )
    for f in attempts:
        try:
            if f(expr) == 0:
                return True
        except Exception:  # noqa: BLE001 - a simplifier crash decides nothing; try the next one
            continue
    return False


def _unfold_indexed(expr: Any, ev: Any) -> Any:
    """Unfold ``Every(Eq(q[j], rhs(j)), j, lo, hi)`` inside sums over exactly ``[lo, hi]``.

    Only summands of a ``Sum`` whose range is the definition's range are rewritten, so a
    definition never reaches an index it does not cover.
    """
    (eq, j, lo, hi) = ev.args
    base = eq.lhs.base

    def unfold(s: sp.Sum) -> sp.Sum:
        if len(s.limits) != 1:
            return s
        k, a, b = s.limits[0]
        if not (decide_identity(a - lo) and decide_identity(b - hi)):
            return s
        body = s.function.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == base and e.indices == (k,),
            lambda e: eq.rhs.xreplace({j: k}),
        )
        return sp.Sum(body, s.limits[0])

    return expr.replace(lambda e: isinstance(e, sp.Sum), unfold)


def _positive_symbols(facts: Sequence[Any]) -> dict[sp.Symbol, sp.Symbol]:
    """Symbols that a used fact (``s > 0``, or a conjunct of one) makes positive, mapped to a
    positive-assumption twin of the same name, so that sympy may apply (a b)^d = a^d b^d etc."""
    out = {}
    for f in facts:
        for c in f.args if isinstance(f, sp.And) else (f,):
            if isinstance(c, sp.StrictGreaterThan) and isinstance(c.lhs, sp.Symbol) and c.rhs == 0:
                out[c.lhs] = sp.Symbol(c.lhs.name, positive=True)
            elif isinstance(c, sp.StrictLessThan) and isinstance(c.rhs, sp.Symbol) and c.lhs == 0:
                out[c.rhs] = sp.Symbol(c.rhs.name, positive=True)
    return out


def _is_definition(fact: Any) -> bool:
    return isinstance(fact, sp.Eq) and isinstance(
        fact.lhs, (sp.Symbol, sp.Indexed, sp.core.function.AppliedUndef)
    )


@dataclass(frozen=True)
class Proof:
    """A claim's proof: its hypotheses, statement, dependencies and steps.

    Parameters
    ----------
    claim_id : str
    hypotheses : mapping of str to sympy Boolean
        The claim's hypotheses by name (definitions such as ``C* : (n-1) e^{-C*(1-2 eps)} =
        1/4`` are hypotheses too: taken, never re-derived).
    statement : sympy Boolean
        The claim's statement; the last step must conclude exactly this.
    steps : sequence of Step
    dependencies : sequence of Dependency
    axiom_catalogue : mapping of str to Axiom
        The axioms steps may name (default: :data:`~tensorkv_check.claims.axioms.STANDARD_AXIOMS`).
    timeout_ms : int
        Per SMT query.
    """

    claim_id: str
    hypotheses: Mapping[str, Any]
    statement: Any
    steps: tuple[Step, ...]
    dependencies: tuple[Dependency, ...] = ()
    axiom_catalogue: Mapping[str, Axiom] = field(default_factory=lambda: dict(STANDARD_AXIOMS))
    timeout_ms: int = 10_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        names: dict[str, str] = {}
        groups = (
            ("hypothesis", self.hypotheses),
            ("step", [s.id for s in self.steps]),
            ("dependency", [d.claim_id for d in self.dependencies]),
        )
        for kind, items in groups:
            for n in items:
                if n in names or n in self.axiom_catalogue:
                    other = names.get(n, "axiom")
                    raise ValueError(
                        f"proof of {self.claim_id}: name {n!r} names two things ({other} and {kind})"
                    )
                names[n] = kind

    # -- the facts a step may name -----------------------------------------------------------------
    def _facts(self, step: Step, earlier: Mapping[str, Step]) -> tuple[list[tuple[str, Any]], list[str]]:
        facts: list[tuple[str, Any]] = []
        missing: list[str] = []
        deps = {d.claim_id: d for d in self.dependencies}
        for name in step.uses:
            if name in self.hypotheses:
                facts.append((f"hypothesis {name}", self.hypotheses[name]))
            elif name in earlier:
                facts.append((f"step {name}", earlier[name].formula))
            elif name in deps:
                facts.append((f"dependency {name}", deps[name].fact))
            elif name in self.axiom_catalogue:
                ax = self.axiom_catalogue[name]
                insts = step.instances.get(name)
                if insts:
                    for k, subs in enumerate(insts):
                        label = f"axiom {name} [{ax.source_tag}] instance {k + 1}"
                        if isinstance(subs, Pointwise):
                            facts.append((label, Every(ax.instance(subs.subs), subs.index, subs.lo, subs.hi)))
                        else:
                            facts.append((label, ax.instance(subs)))
                elif ax.schematic:
                    missing.append(f"{name} (schematic axiom used without instances)")
                else:
                    facts.append((f"axiom {name} [{ax.source_tag}]", ("forall", ax.variables, ax.statement)))
            else:
                missing.append(name)
        return facts, missing

    # -- backends ---------------------------------------------------------------------------------
    def _identity(self, step: Step, facts: list[tuple[str, Any]]) -> tuple[StepOutcome, str]:
        if not isinstance(step.conclusion, sp.Eq):
            return "failed", "identity backend needs an equation as conclusion"
        subs, indexed = {}, []
        for _, f in facts + [("local", h) for h in step.hypotheses]:
            if isinstance(f, tuple):
                continue
            if _is_definition(f):
                subs[f.lhs] = f.rhs
            elif isinstance(f, Every) and _is_definition(f.args[0]) and isinstance(f.args[0].lhs, sp.Indexed):
                indexed.append(f)
        lhs, rhs = step.conclusion.lhs, step.conclusion.rhs
        positive = _positive_symbols(
            [f for _, f in facts if not isinstance(f, tuple)] + list(step.hypotheses)
        )
        lhs, rhs = lhs.xreplace(positive), rhs.xreplace(positive)
        subs = {k.xreplace(positive): v.xreplace(positive) for k, v in subs.items()}
        for _ in range(len(subs) + len(indexed) + 1):  # definitions may refer to each other
            lhs, rhs = lhs.xreplace(subs), rhs.xreplace(subs)
            for ev in indexed:
                lhs, rhs = _unfold_indexed(lhs, ev), _unfold_indexed(rhs, ev)
        if decide_identity(lhs - rhs):
            return "discharged", "sympy: lhs - rhs simplifies to 0" + (
                f" after substituting {', '.join(map(str, subs))}" if subs else ""
            )
        return "failed", "sympy could not reduce lhs - rhs to 0"

    def _smt(
        self, step: Step, facts: list[tuple[str, Any]]
    ) -> tuple[StepOutcome, str, str | None, str | None]:
        smt_facts = [(lab, _quantified(f)) for lab, f in facts]
        smt_facts += [(f"local hypothesis {k + 1}", h) for k, h in enumerate(step.hypotheses)]
        title = f"{self.claim_id} :: {step.id}"
        try:
            script = obligation_script(title, smt_facts, step.conclusion)
            vac = vacuity_script(title, smt_facts)
        except SmtError as exc:
            return "failed", f"SMT translation: {exc}", None, None
        answer = run_smtlib2(script, timeout_ms=self.timeout_ms)
        vanswer = run_smtlib2(vac, timeout_ms=self.timeout_ms)
        if answer != "unsat":
            return "failed", f"z3 answered {answer} (expected unsat)", script, vac
        if vanswer != "sat":
            return "failed", f"vacuity: the facts alone are {vanswer} (expected sat)", script, vac
        return "discharged", "z3: negation unsat, facts sat", script, vac

    def _axiom_step(self, step: Step, facts: list[tuple[str, Any]]) -> tuple[StepOutcome, str]:
        axs = [n for n in step.uses if n in self.axiom_catalogue]
        if len(step.uses) != 1 or len(axs) != 1:
            return "failed", "an axiom step uses exactly one axiom and nothing else"
        candidates = [f for _, f in facts]
        candidates = [f[2] if isinstance(f, tuple) else f for f in candidates]
        if any(step.formula == c for c in candidates):
            return "cited", f"instance of axiom {axs[0]} [{self.axiom_catalogue[axs[0]].source_tag}]"
        return "failed", f"the formula is not an instance of axiom {axs[0]} given in instances"

    # -- checking ---------------------------------------------------------------------------------
    def check(
        self,
        dependency_proofs: Mapping[str, Proof | ProofResult] | None = None,
        dependency_results: Mapping[str, ProofResult] | None = None,
    ) -> ProofResult:
        """Check every obligation and the glue; see the module docstring for the statuses.

        Parameters
        ----------
        dependency_proofs : mapping of claim id to Proof, optional
            Proofs of dependencies; a used dependency statement must match its proof's.
        dependency_results : mapping of claim id to ProofResult, optional
            Their results (a dependency that is not proved keeps this proof from ``proved``).
        """
        start = time.perf_counter()
        dependency_proofs = dict(dependency_proofs or {})
        dependency_results = dict(dependency_results or {})
        results: list[StepResult] = []
        earlier: dict[str, Step] = {}
        for step in self.steps:
            t0 = time.perf_counter()
            facts, missing = self._facts(step, earlier)
            script = vac = None
            if missing:
                outcome, reason = "failed", "uses names that are not available: " + ", ".join(missing)
            elif step.backend == "identity":
                outcome, reason = self._identity(step, facts)
            elif step.backend == "smt":
                outcome, reason, script, vac = self._smt(step, facts)
            else:
                outcome, reason = self._axiom_step(step, facts)
            results.append(
                StepResult(
                    step.id,
                    step.backend,
                    step.uses,
                    cast(StepOutcome, outcome),
                    reason,
                    time.perf_counter() - t0,
                    step.latex(),
                    script,
                    vac,
                    step.note,
                )
            )
            earlier[step.id] = step
        problems = self._glue(dependency_proofs, dependency_results)
        dep_state = self._dependency_states(dependency_proofs, dependency_results)
        failed = [r for r in results if r.outcome == "failed"]
        k, m = len(results) - len(failed), len(results)
        if not failed and not problems:
            status, reason = "proved", f"all {m} obligations discharged; the last derives the statement"
        else:
            status = "partial" if k else "unproved"
            reason = (
                f"{k} of {m} obligations discharged"
                + "".join(f"; {r.id}: {r.reason}" for r in failed)
                + "".join(f"; {p}" for p in problems)
            )
        return ProofResult(
            self.claim_id,
            status,
            reason,
            tuple(results),
            tuple(
                a.name
                for a in axiom_ledger(
                    self, {k: v for k, v in dependency_proofs.items() if isinstance(v, Proof)}
                )
            ),
            dep_state,
            time.perf_counter() - start,
            sp.latex(_implication(tuple(self.hypotheses.values()), self.statement)),
        )

    def _glue(
        self, dependency_proofs: Mapping[str, Any], dependency_results: Mapping[str, ProofResult]
    ) -> list[str]:
        problems = []
        if not self.steps:
            return ["the proof has no steps"]
        last = self.steps[-1]
        if not _same(last.conclusion, self.statement):
            problems.append("the last step's conclusion is not the claim's statement")
        extra = [h for h in last.hypotheses if not any(_same(h, g) for g in self.hypotheses.values())]
        if extra:
            problems.append(
                "the last step assumes more than the claim's hypotheses: " + ", ".join(map(str, extra))
            )
        try:
            answer = run_smtlib2(
                vacuity_script(
                    f"{self.claim_id} hypotheses",
                    list((f"hypothesis {n}", h) for n, h in self.hypotheses.items()),
                ),
                timeout_ms=self.timeout_ms,
            )
        except SmtError as exc:
            answer = f"untranslatable ({exc})"
        if answer != "sat":
            problems.append(f"the claim's hypotheses are not shown satisfiable (z3: {answer})")
        used = {n for s in self.steps for n in s.uses}
        for dep in self.dependencies:
            if dep.claim_id not in used:
                continue
            other = dependency_proofs.get(dep.claim_id)
            if other is not None:
                expected = _implication(tuple(other.hypotheses.values()), other.statement).xreplace(
                    dict(dep.subs)
                )
                if not _same(expected, dep.fact):
                    problems.append(
                        f"dependency {dep.claim_id}: the statement used is not the one its proof proves"
                    )
            res = dependency_results.get(dep.claim_id)
            if res is not None and res.status != "proved":
                problems.append(f"dependency {dep.claim_id} is {res.status}")
        return problems

    def _dependency_states(
        self, dependency_proofs: Mapping[str, Any], dependency_results: Mapping[str, ProofResult]
    ) -> dict[str, str]:
        out = {}
        for dep in self.dependencies:
            if dep.claim_id in dependency_results:
                out[dep.claim_id] = dependency_results[dep.claim_id].status
            elif dep.claim_id in dependency_proofs:
                out[dep.claim_id] = "proof supplied, not checked here"
            else:
                out[dep.claim_id] = "no proof supplied (cited)"
        return out


def _same(a: Any, b: Any) -> bool:
    """Structural equality of formulas, up to the canonical form of relations."""
    if a == b:
        return True
    try:
        return bool(getattr(a, "canonical", a) == getattr(b, "canonical", b))
    except TypeError:
        return False


def _quantified(f: Any) -> Any:
    """An axiom fact ``("forall", variables, body)`` as the SMT printer's :class:`Forall`."""
    if isinstance(f, tuple) and f and f[0] == "forall":
        return Forall(tuple(f[1]), f[2])
    return f


def axiom_ledger(proof: Proof, dependency_proofs: Mapping[str, Proof] | None = None) -> tuple[Axiom, ...]:
    """The transitive axiom ledger of ``proof`` (like Lean's ``#print axioms``).

    Parameters
    ----------
    proof : Proof
    dependency_proofs : mapping of claim id to Proof, optional
        Proofs of dependencies (searched transitively); a dependency without a proof
        contributes nothing here and is reported as cited by :meth:`Proof.check`.

    Returns
    -------
    tuple of Axiom
        Sorted by name.
    """
    dependency_proofs = dict(dependency_proofs or {})
    seen: dict[str, Axiom] = {}
    stack, visited = [proof], set()
    while stack:
        p = stack.pop()
        if p.claim_id in visited:
            continue
        visited.add(p.claim_id)
        for s in p.steps:
            for n in s.uses:
                if n in p.axiom_catalogue:
                    seen[n] = p.axiom_catalogue[n]
        used = {n for s in p.steps for n in s.uses}
        stack.extend(
            dependency_proofs[d.claim_id]
            for d in p.dependencies
            if d.claim_id in used and d.claim_id in dependency_proofs
        )
    return tuple(seen[n] for n in sorted(seen))


def check_proofs(proofs: Iterable[Proof]) -> dict[str, ProofResult]:
    """Check proofs in dependency order, each with its dependencies' proofs and results.

    Raises
    ------
    ValueError
        On a cycle among the proofs' dependencies.
    """
    by_id = {p.claim_id: p for p in proofs}
    out: dict[str, ProofResult] = {}
    visiting: set[str] = set()

    def visit(cid: str) -> None:
        if cid in out:
            return
        if cid in visiting:
            raise ValueError(f"dependency cycle through {cid}")
        visiting.add(cid)
        p = by_id[cid]
        for d in p.dependencies:
            if d.claim_id in by_id:
                visit(d.claim_id)
        out[cid] = p.check(by_id, out)
        visiting.discard(cid)

    for cid in by_id:
        visit(cid)
    return out
