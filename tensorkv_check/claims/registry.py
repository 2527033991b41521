"""The claim registry: the paper's items as declared, checkable claims.

A :class:`Claim` is one definition, lemma, theorem or remark of Chen et al. 2025
(arXiv 2503.11108) or of the work it builds on, with the id used in
``shared/spec/paper-math.md``. A claim carries its checks; running them yields
:class:`CheckResult` objects, from which :func:`claim_status` derives an honest status:

``proved``
    every check is symbolic and passed, and every dependency is proved or cited;
``confirmed``
    every check passed and at least one is empirical, or the symbolic checks passed
    but a dependency is only confirmed (the result records which);
``refuted``
    a check produced a concrete, reproducible counterexample;
``cited``
    the claim has no checks and is taken from the literature (reason stated);
``failing``
    a check raised or failed without a counterexample: a bug, never hidden.

Claims declare ``depends_on``; :meth:`Registry.graph` builds the networkx DiGraph
(edge ``dependency -> claim``) and rejects unknown ids and cycles.

Writing a claim module::

    from tensorkv_check.claims.registry import REGISTRY, CheckResult

    c = REGISTRY.claim("def:kron", paper_ref="Definition 3.1", sources=("paper", "AS24"),
                       statement="(A⊘B) row (j,k) = A_j ∘ B_k", depends_on=())

    @c.symbolic("row-identity", scope="n1, n2, d <= 3 with symbolic entries")
    def _(ctx):
        ...  # sympy; return CheckResult.ok("...") or CheckResult.fail("...")

A check that finds a known counterexample (a recorded finding) declares
``expect="counterexample"``; the test then passes while the instance still reproduces.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from tensorkv_check.claims.loader import ENTRY_POINT_GROUP, claim_packages
from tensorkv_check.engine.stats import BinomialEstimate

__all__ = [
    "STATUSES",
    "SOURCE_TAGS",
    "CheckContext",
    "CheckResult",
    "Check",
    "Claim",
    "ClaimResult",
    "Registry",
    "RegistryError",
    "REGISTRY",
    "REGIONS",
    "Explorer",
    "claim_status",
    "load_all",
    "run_check_task",
]

STATUSES = ("proved", "confirmed", "refuted", "cited", "failing")
SOURCE_TAGS = ("paper", "HO25", "ZHMK24", "AS24", "std", "inferred")
CheckKind = Literal["symbolic", "empirical"]
Outcome = Literal["pass", "counterexample", "fail", "error"]


#: Where an explorer searches: inside the claim's hypotheses (a failure refutes it) or
#: deliberately outside one named hypothesis (a failure shows that hypothesis is needed).
REGIONS = ("inside", "outside")


class RegistryError(ValueError):
    """A malformed registry: duplicate or unknown ids, cycles, bad declarations."""


@dataclass(frozen=True)
class CheckContext:
    """What a check may depend on besides its code: the seed and the profile.

    Checks derive all randomness from ``ctx.rng(*keys)``, a Generator keyed by the
    run seed and the check's own keys, so results do not depend on execution order.
    """

    seed: int = 0
    profile: Literal["quick", "full"] = "quick"

    def rng(self, *keys: int | str):
        import hashlib

        import numpy as np

        words = [self.seed]
        for k in keys:
            if isinstance(k, str):
                words.append(int.from_bytes(hashlib.sha256(k.encode()).digest()[:4], "little"))
            else:
                words.append(int(k))
        return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, with the evidence the report renders.

    Attributes
    ----------
    outcome : {"pass", "counterexample", "fail", "error"}
    summary : str
        One human sentence: the identity proved, or the rate and its interval.
    scope : str
        For what parameters the evidence holds ("all n, d", "n, d <= 3", ...).
    details : dict
        JSON-serialisable extra evidence.
    estimate : BinomialEstimate or None
        The empirical rate with its Clopper–Pearson interval.
    counterexample : dict or None
        The concrete instance, for outcome "counterexample".
    reproduce : str or None
        A command or snippet that replays the counterexample.
    """

    outcome: Outcome
    summary: str
    scope: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    estimate: BinomialEstimate | None = None
    counterexample: dict[str, Any] | None = None
    reproduce: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    @classmethod
    def ok(cls, summary: str, *, scope: str = "", details: dict | None = None,
           estimate: BinomialEstimate | None = None) -> "CheckResult":
        return cls("pass", summary, scope, dict(details or {}), estimate)

    @classmethod
    def fail(cls, summary: str, *, scope: str = "", details: dict | None = None,
             estimate: BinomialEstimate | None = None) -> "CheckResult":
        return cls("fail", summary, scope, dict(details or {}), estimate)

    @classmethod
    def refute(cls, summary: str, counterexample: dict, reproduce: str, *, scope: str = "",
               details: dict | None = None, estimate: BinomialEstimate | None = None) -> "CheckResult":
        return cls("counterexample", summary, scope, dict(details or {}), estimate,
                   dict(counterexample), reproduce)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "summary": self.summary,
            "scope": self.scope,
            "details": self.details,
            "estimate": None if self.estimate is None else self.estimate.to_dict(),
            "counterexample": self.counterexample,
            "reproduce": self.reproduce,
        }


@dataclass(frozen=True)
class Check:
    """One check of a claim: a function of a :class:`CheckContext`."""

    claim_id: str
    name: str
    kind: CheckKind
    fn: Callable[[CheckContext], CheckResult]
    description: str = ""
    slow: bool = False
    expect: Literal["pass", "counterexample"] = "pass"
    scope: str = ""

    @property
    def node_id(self) -> str:
        return f"{self.claim_id}::{self.name}"

    def run(self, ctx: CheckContext) -> tuple[CheckResult, float]:
        """Run the check, turning an exception into outcome ``error``."""
        start = time.perf_counter()
        try:
            result = self.fn(ctx)
            if not isinstance(result, CheckResult):
                raise TypeError(f"check {self.node_id} returned {type(result).__name__}, not CheckResult")
            if not result.scope and self.scope:
                result = dataclasses.replace(result, scope=self.scope)
        except Exception as exc:  # a crashing check is a finding, reported as failing
            result = CheckResult(
                "error",
                f"{type(exc).__name__}: {exc}",
                details={"traceback": traceback.format_exc()},
            )
        return result, time.perf_counter() - start


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
        one is attached; it does not enter :func:`claim_status`.
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

    def _add(self, name: str, kind: CheckKind, *, description: str = "", slow: bool = False,
             expect: str = "pass", scope: str = "") -> Callable[[Callable[[CheckContext], CheckResult]], Callable]:
        if any(c.name == name for c in self.checks):
            raise RegistryError(f"claim {self.id} already has a check named {name!r}")
        if expect not in ("pass", "counterexample"):
            raise RegistryError(f"expect must be 'pass' or 'counterexample', got {expect!r}")

        def deco(fn: Callable[[CheckContext], CheckResult]) -> Callable:
            desc = description or (fn.__doc__ or "").strip().split("\n")[0]
            self.checks.append(Check(self.id, name, kind, fn, desc, slow, expect, scope))  # type: ignore[arg-type]
            return fn

        return deco

    def symbolic(self, name: str, **kw: Any):
        """Decorator registering an exact (sympy) check."""
        return self._add(name, "symbolic", **kw)

    def empirical(self, name: str, **kw: Any):
        """Decorator registering a numeric check through the engine."""
        return self._add(name, "empirical", **kw)


@dataclass(frozen=True)
class ClaimResult:
    """A claim's derived status with the results of the checks that ran."""

    claim: Claim
    status: str
    reason: str
    results: dict[str, CheckResult]
    seconds: dict[str, float]

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
                name: {"kind": ck.kind, "slow": ck.slow, "expect": ck.expect,
                       "description": ck.description, **self.results[name].to_dict()}
                for ck in c.checks
                for name in [ck.name]
                if name in self.results
            },
        }


def claim_status(claim: Claim, results: dict[str, CheckResult], dep_status: dict[str, str]) -> tuple[str, str]:
    """Derive ``(status, reason)`` from check results and the dependencies' statuses.

    Checks that were not run (e.g. slow ones skipped) do not count; a claim whose
    checks all were skipped is ``failing`` with that reason, never proved.
    """
    if not claim.checks:
        if claim.cited_reason:
            return "cited", claim.cited_reason
        return "failing", "no checks and no citation reason: the claim is unsupported"
    ran = [c for c in claim.checks if c.name in results]
    if not ran:
        return "failing", "none of its checks ran (all skipped in this profile)"
    refuting = [c for c in ran if results[c.name].outcome == "counterexample"]
    if refuting:
        return "refuted", "counterexample from " + ", ".join(c.name for c in refuting)
    broken = [c for c in ran if results[c.name].outcome in ("fail", "error")]
    if broken:
        return "failing", "check failed without a counterexample: " + ", ".join(
            f"{c.name} ({results[c.name].outcome})" for c in broken)
    skipped = [c.name for c in claim.checks if c.name not in results]
    empirical = [c.name for c in ran if c.kind == "empirical"]
    weak_deps = sorted(d for d in claim.depends_on if dep_status.get(d) not in ("proved", "cited"))
    if empirical:
        reason = "empirical checks passed: " + ", ".join(empirical)
    elif weak_deps:
        reason = "symbolic checks passed but it rests on " + ", ".join(
            f"{d} ({dep_status.get(d, 'not run')})" for d in weak_deps)
    elif skipped:
        reason = "symbolic checks passed but " + ", ".join(skipped) + " did not run"
    else:
        return "proved", "all checks symbolic and passed; dependencies proved or cited"
    if skipped and empirical:
        reason += "; not run: " + ", ".join(skipped)
    return "confirmed", reason


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


class Registry:
    """A set of claims with their dependency graph.

    Examples
    --------
    >>> reg = Registry()
    >>> a = reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a",
    ...               cited_reason="textbook")
    >>> b = reg.claim("lem:b", paper_ref="Lem 2", sources=("std",), statement="b",
    ...               depends_on=("def:a",))
    >>> @b.symbolic("trivial")
    ... def _(ctx):
    ...     return CheckResult.ok("1 = 1")
    >>> {cid: r.status for cid, r in reg.run().items()}
    {'def:a': 'cited', 'lem:b': 'proved'}
    """

    def __init__(self, loader: str | None = None) -> None:
        self._claims: dict[str, Claim] = {}
        self._explorers: dict[str, list[Explorer]] = {}
        #: ``"module:function"`` returning this registry in any process (lets
        #: :meth:`run` ship its checks to worker processes as runner tasks).
        self.loader = loader

    def claim(self, id: str, **fields: Any) -> Claim:
        """Declare and register a claim; returns it for attaching checks."""
        if id in self._claims:
            raise RegistryError(f"duplicate claim id {id!r}")
        for tag in fields.get("sources", ()):
            if tag not in SOURCE_TAGS:
                raise RegistryError(f"claim {id}: unknown source tag {tag!r}; valid: {', '.join(SOURCE_TAGS)}")
        c = Claim(id=id, **fields)
        self._claims[id] = c
        return c

    def __getitem__(self, id: str) -> Claim:
        try:
            return self._claims[id]
        except KeyError:
            raise RegistryError(f"unknown claim id {id!r}; valid ids: {', '.join(sorted(self._claims))}") from None

    def __contains__(self, id: object) -> bool:
        return id in self._claims

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    @property
    def ids(self) -> list[str]:
        return list(self._claims)

    # -- counterexample explorers (tensorkv_check.claims.exploration) ------------------------------

    def explorer(self, claim_id: str, name: str, *, region: str, space: Callable[[Any], Any],
                 ranges: str, **fields: Any) -> Callable[[Callable[[dict], Any]], Callable[[dict], Any]]:
        """Decorator registering a property as an :class:`Explorer` of ``claim_id``.

        The claim may be declared later (claim modules load in any order); unknown
        ids are rejected by :meth:`graph` (and so by :func:`load_all`).

        Examples
        --------
        >>> reg = Registry()
        >>> _ = reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a", cited_reason="book")
        >>> @reg.explorer("def:a", "square-nonneg", region="inside",
        ...               space=lambda st: st.fixed_dictionaries({"x": st.floats(-9, 9)}), ranges="x in [-9, 9]")
        ... def _(ex):
        ...     return None if ex["x"] ** 2 >= 0 else "negative square"
        >>> [e.key for e in reg.explorers("def:a")]
        ['def:a::square-nonneg']
        """
        if region not in REGIONS:
            raise RegistryError(f"explorer {claim_id}::{name}: region must be one of {REGIONS}, got {region!r}")
        if region == "outside" and not fields.get("hypothesis"):
            raise RegistryError(f"explorer {claim_id}::{name}: an 'outside' explorer must name the "
                                "hypothesis it violates (hypothesis=...)")
        if any(e.name == name for e in self._explorers.get(claim_id, ())):
            raise RegistryError(f"claim {claim_id} already has an explorer named {name!r}")

        def deco(fn: Callable[[dict], Any]) -> Callable[[dict], Any]:
            desc = fields.pop("description", "") or (fn.__doc__ or "").strip().split("\n")[0]
            exp = Explorer(claim_id, name, region, fn, space, ranges, description=desc, **fields)
            self._explorers.setdefault(claim_id, []).append(exp)
            return fn

        return deco

    def explorers(self, claim_id: str | None = None) -> list[Explorer]:
        """The explorers of one claim (in registration order), or of every claim."""
        if claim_id is None:
            return [e for cid in self._claims for e in self._explorers.get(cid, ())]
        self[claim_id]  # raises with the list of valid ids
        return list(self._explorers.get(claim_id, ()))

    def _check_explorers(self) -> None:
        unknown = sorted(cid for cid in self._explorers if cid not in self._claims)
        if unknown:
            raise RegistryError(f"explorers registered for unknown claim id(s) {', '.join(unknown)}; "
                                f"valid ids: {', '.join(sorted(self._claims))}")

    def graph(self) -> nx.DiGraph:
        """Dependency DiGraph (edge ``dep -> claim``); raises on unknown ids or cycles."""
        self._check_explorers()
        g = nx.DiGraph()
        for c in self._claims.values():
            g.add_node(c.id)
        for c in self._claims.values():
            for dep in c.depends_on:
                if dep not in self._claims:
                    raise RegistryError(f"claim {c.id} depends on unknown claim id {dep!r}")
                g.add_edge(dep, c.id)
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return g
        raise RegistryError("dependency cycle: " + " -> ".join(u for u, _ in cycle) + f" -> {cycle[0][0]}")

    def select(self, ids: Iterable[str] | None) -> list[str]:
        """The given ids plus everything they depend on, in dependency order."""
        g = self.graph()
        order = list(nx.lexicographical_topological_sort(g))
        if ids is None:
            return order
        wanted: set[str] = set()
        for i in ids:
            self[i]  # raises with the list of valid ids
            wanted |= {i} | nx.ancestors(g, i)
        return [i for i in order if i in wanted]

    def run(self, ids: Iterable[str] | None = None, *, ctx: CheckContext | None = None,
            include_slow: bool = False, on_check: Callable[[Check], None] | None = None,
            runner: Callable[..., list] | None = None) -> dict[str, ClaimResult]:
        """Run the checks of the selected claims (and dependencies) in dependency order.

        Parameters
        ----------
        ids : iterable of str, optional
            Claims to run (their dependencies are added); all by default.
        ctx : CheckContext, optional
            Seed and profile every check sees (the run seed, whatever runs it).
        include_slow : bool
            Also run checks marked slow.
        on_check : callable, optional
            Called with each check before it runs (or, with ``runner``, is submitted).
        runner : callable, optional
            A sweep runner, ``runner(tasks, seed=..., name=...)`` (see
            :class:`tensorkv_check.runner.sweep_runner.SweepRunner`). With it, and a registry that has
            a ``loader``, every check is one task of :func:`run_check_task` and may run
            in another process; a task that fails (or whose worker dies) becomes that
            check's outcome ``"error"``. Statuses are then derived here, in dependency
            order, exactly as without ``runner``. A registry without ``loader`` (built in
            a test or a notebook) cannot be rebuilt elsewhere and runs in-process.
        """
        ctx = ctx or CheckContext()
        order = self.select(ids)
        todo = [ck for cid in order for ck in self._claims[cid].checks if include_slow or not ck.slow]
        done: dict[str, tuple[CheckResult, float]] = {}
        if runner is not None and self.loader is not None and todo:
            from tensorkv_check.runner.sweep_runner import Task

            tasks = []
            for ck in todo:
                if on_check is not None:
                    on_check(ck)
                tasks.append(Task.of(run_check_task,
                                  {"loader": self.loader, "claim": ck.claim_id, "check": ck.name,
                                   "seed": ctx.seed, "profile": ctx.profile},
                                  key=f"{ctx.profile}:{ck.node_id}"))
            for ck, res in zip(todo, runner(tasks, seed=ctx.seed, name="claims")):
                done[ck.node_id] = _check_result_of_task(res)
        else:
            for ck in todo:
                if on_check is not None:
                    on_check(ck)
                done[ck.node_id] = ck.run(ctx)
        out: dict[str, ClaimResult] = {}
        for cid in order:
            c = self._claims[cid]
            results = {ck.name: done[ck.node_id][0] for ck in c.checks if ck.node_id in done}
            seconds = {ck.name: done[ck.node_id][1] for ck in c.checks if ck.node_id in done}
            status, reason = claim_status(c, results, {d: out[d].status for d in c.depends_on})
            out[cid] = ClaimResult(c, status, reason, results, seconds)
        return out


def run_check_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: one check of a registry, rebuilt in this process by its loader.

    ``params``: ``loader`` ("module:function" returning the registry, e.g.
    ``"tensorkv_check.claims.registry:load_all"``), ``claim``, ``check``, ``seed`` and ``profile``.
    The check sees ``CheckContext(params["seed"], params["profile"])``, the run's own
    seed, so that its evidence is the same as in-process; the task seed is unused.
    """
    from tensorkv_check.runner.sweep_runner import resolve

    registry = resolve(params["loader"])()
    claim = registry[params["claim"]]
    check = next((ck for ck in claim.checks if ck.name == params["check"]), None)
    if check is None:
        raise RegistryError(f"claim {claim.id} has no check named {params['check']!r}")
    result, seconds = check.run(CheckContext(seed=params["seed"], profile=params["profile"]))
    return {"result": result.to_dict(), "seconds": seconds}


def _check_result_of_task(res: Any) -> tuple[CheckResult, float]:
    """A :class:`CheckResult` back from a task's (JSON) value, or ``error`` if the task failed."""
    if not res.ok:
        return CheckResult("error", f"task failed in the runner: {res.error}",
                           details={"task": res.task.key, "params": res.task.params,
                                    "task_seed": res.seed, "traceback": res.traceback or ""}), 0.0
    d = res.value["result"]
    est = d.get("estimate")
    if est is not None:
        est = BinomialEstimate(trials=est["trials"], successes=est["successes"], ci_low=est["ci_low"],
                               ci_high=est["ci_high"], confidence=est["confidence"],
                               parameters=est["parameters"], seed=est["seed"])
    return CheckResult(d["outcome"], d["summary"], d["scope"], d["details"], est, d["counterexample"],
                       d["reproduce"]), float(res.value["seconds"])


#: The registry claim modules register into (``REGISTRY.claim(...)``); :func:`load_all`
#: fills it from the installed claim packages.
REGISTRY = Registry(loader="tensorkv_check.claims.registry:load_all")

def load_all(packages: Iterable[str] | None = None) -> Registry:
    """Import every claim module of the claim packages so that :data:`REGISTRY` is complete.

    A claim module is any non-private module of a claim package (``proofs/jl.py``, ...);
    modules whose names start with ``_`` hold shared helpers and are skipped.
    """
    names = list(packages) if packages is not None else claim_packages()
    if not names:
        raise RegistryError(
            f"no claim package found: none is registered under the entry-point group "
            f"{ENTRY_POINT_GROUP!r} and TENSORKV_CLAIMS is unset (is tensorkv-check installed?)")
    for name in names:
        pkg = importlib.import_module(name)
        for mod in pkgutil.iter_modules(pkg.__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{name}.{mod.name}")
    REGISTRY.graph()  # validate early
    return REGISTRY
