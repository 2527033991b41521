"""The claim registry: the paper's items as declared, checkable claims.

A :class:`Claim` is one definition, lemma, theorem or remark of Chen et al. 2025
(arXiv 2503.11108) or of the work it builds on, with the id used in
``shared/spec/paper-math.md``. A claim is judged on two axes (:func:`claim_axes`):

*proof* (from its attached :class:`~tensorkv_check.claims.obligations.Proof`, never from checks)
    ``proved``: every obligation discharged, the statement derived, and every dependency
    claim the proof uses is proved or cited; ``partial``: k of m obligations discharged
    (the rest listed) or a used dependency is not proved; ``unproved``: no proof;
    ``refuted``: a counterexample to the statement (a ``supports`` check or an explorer
    inside the hypotheses); ``cited``: no proof, taken from the literature (reason stated).
*evidence* (from its checks whose role is ``supports``)
    ``corroborated``: at least one ran and all that ran passed; ``contradicted``: one
    produced a counterexample or failed; ``none``: no supporting check ran.

Every check declares a role (:data:`ROLES`): ``supports`` (tests the statement),
``limits`` (documents a caveat or boundary: shown, never counted as support) or ``engine``
(the implementation agrees with the mathematics). The one-word summary used in tables is
derived from both axes and the checks' health (:func:`summary_status`, first rule that
applies):

``failing``
    a check raised (outcome ``error``), an ``engine`` or ``limits`` check did not give its
    expected outcome, or the claim is unproved with no evidence and no citation;
``refuted``
    the proof axis is ``refuted`` or the evidence is ``contradicted``;
``cited``
    the proof axis is ``cited``;
``proved``
    the proof axis is ``proved`` (with or without evidence);
``corroborated``
    partial or no proof, corroborated evidence;
``partial``
    a partial proof and no evidence.

Claims declare ``depends_on``; :meth:`Registry.graph` builds the networkx DiGraph
(edge ``dependency -> claim``) and rejects unknown ids and cycles.

Writing a claim module::

    from tensorkv_check.claims.registry import REGISTRY, CheckResult

    c = REGISTRY.claim("def:kron", paper_ref="Definition 3.1", sources=("paper", "AS24"),
                       statement="(A⊘B) row (j,k) = A_j ∘ B_k", depends_on=())

    @c.symbolic("row-identity", scope="n1, n2, d <= 3 with symbolic entries")
    def check_row_identity(ctx):
        ...  # sympy; return CheckResult.ok("...") or CheckResult.fail("...")

    @c.empirical("engine-vs-khatri-rao", role="engine")
    def check_engine_vs_khatri_rao(ctx):
        ...

A check that finds a known counterexample (a recorded finding) declares
``expect="counterexample"``; the test then passes while the instance still reproduces.
A claim package may define a module-level ``attach_proofs(registry)``; :func:`load_all`
calls it after importing the claim modules, so that each claim gets its ``proof``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

# The checks (checks.py) and the claims and explorers (claim.py) are declared in their own
# modules; the names marked F401 stay importable from here, where claim modules import them.
from tensorkv_check.claims.checks import (
    ROLES,  # noqa: F401
    Check,
    CheckContext,
    CheckResult,
)
from tensorkv_check.claims.claim import (
    REGIONS,
    SOURCE_TAGS,
    Claim,
    ClaimResult,
    Explorer,
    RegistryError,
)
from tensorkv_check.claims.loader import ENTRY_POINT_GROUP, claim_packages
from tensorkv_check.claims.status import (
    claim_axes,
    summary_status,
)
from tensorkv_check.engine.stats import BinomialEstimate

__all__ = ["Registry", "REGISTRY", "load_all", "run_check_task"]


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
    ... def check_trivial(ctx):
    ...     return CheckResult.ok("1 = 1")
    >>> {cid: (r.status, r.proof_status, r.evidence_status) for cid, r in reg.run().items()}
    {'def:a': ('cited', 'cited', 'none'), 'lem:b': ('corroborated', 'unproved', 'corroborated')}
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
                raise RegistryError(
                    f"claim {id}: unknown source tag {tag!r}; valid: {', '.join(SOURCE_TAGS)}"
                )
        if "module" not in fields:
            import sys

            fields["module"] = str(sys._getframe(1).f_globals.get("__name__", ""))
        c = Claim(id=id, **fields)
        self._claims[id] = c
        return c

    def __getitem__(self, id: str) -> Claim:
        try:
            return self._claims[id]
        except KeyError:
            raise RegistryError(
                f"unknown claim id {id!r}; valid ids: {', '.join(sorted(self._claims))}"
            ) from None

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

    def explorer(
        self,
        claim_id: str,
        name: str,
        *,
        region: str,
        space: Callable[[Any], Any],
        ranges: str,
        **fields: Any,
    ) -> Callable[[Callable[[dict], Any]], Callable[[dict], Any]]:
        """Decorator registering a property as an :class:`Explorer` of ``claim_id``.

        The claim may be declared later (claim modules load in any order); unknown
        ids are rejected by :meth:`graph` (and so by :func:`load_all`).

        Examples
        --------
        >>> reg = Registry()
        >>> _ = reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a", cited_reason="book")
        >>> @reg.explorer("def:a", "square-nonneg", region="inside",
        ...               space=lambda st: st.fixed_dictionaries({"x": st.floats(-9, 9)}),
        ...               ranges="x in [-9, 9]")
        ... def explore_square_nonneg(ex):
        ...     return None if ex["x"] ** 2 >= 0 else "negative square"
        >>> [e.key for e in reg.explorers("def:a")]
        ['def:a::square-nonneg']
        """
        if region not in REGIONS:
            raise RegistryError(
                f"explorer {claim_id}::{name}: region must be one of {REGIONS}, got {region!r}"
            )
        if region == "outside" and not fields.get("hypothesis"):
            raise RegistryError(
                f"explorer {claim_id}::{name}: an 'outside' explorer must name the "
                "hypothesis it violates (hypothesis=...)"
            )
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
            raise RegistryError(
                f"explorers registered for unknown claim id(s) {', '.join(unknown)}; "
                f"valid ids: {', '.join(sorted(self._claims))}"
            )

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

    def run(
        self,
        ids: Iterable[str] | None = None,
        *,
        ctx: CheckContext | None = None,
        include_slow: bool = False,
        on_check: Callable[[Check], None] | None = None,
        runner: Callable[..., list] | None = None,
    ) -> dict[str, ClaimResult]:
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
                tasks.append(
                    Task.of(
                        run_check_task,
                        {
                            "loader": self.loader,
                            "claim": ck.claim_id,
                            "check": ck.name,
                            "seed": ctx.seed,
                            "profile": ctx.profile,
                        },
                        key=f"{ctx.profile}:{ck.node_id}",
                    )
                )
            for ck, res in zip(todo, runner(tasks, seed=ctx.seed, name="claims")):
                done[ck.node_id] = _check_result_of_task(res)
        else:
            for ck in todo:
                if on_check is not None:
                    on_check(ck)
                done[ck.node_id] = ck.run(ctx)
        proofs = self.check_proofs(order)
        out: dict[str, ClaimResult] = {}
        for cid in order:
            c = self._claims[cid]
            results = {ck.name: done[ck.node_id][0] for ck in c.checks if ck.node_id in done}
            seconds = {ck.name: done[ck.node_id][1] for ck in c.checks if ck.node_id in done}
            pres, ledger = proofs.get(cid, (None, ()))
            deps = {d: out[d].proof_status for d in c.depends_on if d in out}
            pstatus, preason, evidence = claim_axes(c, results, deps, pres)
            status, reason = summary_status(c, results, pstatus, preason, evidence)
            out[cid] = ClaimResult(
                c, status, reason, results, seconds, pstatus, preason, evidence, pres, ledger
            )
        return out

    def check_proofs(self, ids: Iterable[str] | None = None) -> dict[str, tuple[Any, tuple]]:
        """Check the attached proofs of ``ids`` (default all): ``{id: (ProofResult, axiom ledger)}``.

        Each proof is checked with its dependencies' proofs and results (so a used
        dependency statement must match the one its proof proves). Results are cached per
        proof object: proof checking is deterministic, only its timings vary.
        """
        from tensorkv_check.claims.obligations import axiom_ledger

        by_id = {c.id: c.proof for c in self._claims.values() if c.proof is not None}
        cache: dict[str, tuple[Any, Any]] = self.__dict__.setdefault("_proof_cache", {})
        out: dict[str, tuple[Any, tuple]] = {}

        def visit(cid: str, stack: tuple[str, ...] = ()) -> Any:
            proof = by_id[cid]
            if cid in stack:
                raise RegistryError(f"proof dependency cycle through {cid}")
            dep_results = {
                d.claim_id: visit(d.claim_id, stack + (cid,))
                for d in proof.dependencies
                if d.claim_id in by_id
            }
            key = (proof, *(dep_results[d] for d in sorted(dep_results)))
            hit = cache.get(cid)
            if hit is not None and len(hit[0]) == len(key) and all(a is b for a, b in zip(hit[0], key)):
                return hit[1]
            res = proof.check(by_id, dep_results)
            cache[cid] = (key, res)
            return res

        for cid in self.select(ids) if ids is not None else self.ids:
            if cid in by_id:
                out[cid] = (visit(cid), axiom_ledger(by_id[cid], by_id))
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
        return CheckResult(
            "error",
            f"task failed in the runner: {res.error}",
            details={
                "task": res.task.key,
                "params": res.task.params,
                "task_seed": res.seed,
                "traceback": res.traceback or "",
            },
        ), 0.0
    d = res.value["result"]
    est = d.get("estimate")
    if est is not None:
        est = BinomialEstimate(
            trials=est["trials"],
            successes=est["successes"],
            ci_low=est["ci_low"],
            ci_high=est["ci_high"],
            confidence=est["confidence"],
            parameters=est["parameters"],
            seed=est["seed"],
        )
    return CheckResult(
        d["outcome"], d["summary"], d["scope"], d["details"], est, d["counterexample"], d["reproduce"]
    ), float(res.value["seconds"])


#: The registry claim modules register into (``REGISTRY.claim(...)``); :func:`load_all`
#: fills it from the installed claim packages.
REGISTRY = Registry(loader="tensorkv_check.claims.registry:load_all")


def load_all(packages: Iterable[str] | None = None) -> Registry:
    """Import every claim module of the claim packages so that :data:`REGISTRY` is complete.

    A claim module is any non-private module of a claim package (``proofs/jl.py``, ...);
    modules whose names start with ``_`` hold shared helpers and are skipped. A package
    that defines ``attach_proofs(registry)`` at its top has it called afterwards, so that
    its claims carry their proofs (the framework never names the package).
    """
    names = list(packages) if packages is not None else claim_packages()
    if not names:
        raise RegistryError(
            f"no claim package found: none is registered under the entry-point group "
            f"{ENTRY_POINT_GROUP!r} and TENSORKV_CLAIMS is unset (is tensorkv-check installed?)"
        )
    for name in names:
        pkg = importlib.import_module(name)
        for mod in pkgutil.iter_modules(pkg.__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{name}.{mod.name}")
        # The package's optional hook gives each claim its machine-checked proof.
        attach = getattr(pkg, "attach_proofs", None)
        if callable(attach):
            attach(REGISTRY)
    REGISTRY.graph()  # validate early
    return REGISTRY
