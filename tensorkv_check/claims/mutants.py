"""The planted-bug self-test: run the claim checks under deliberately broken engines.

A checker that never fails proves nothing. Each :class:`Mutant` breaks one piece of
the engine the way a plausible bug would, by monkeypatching inside a context manager
that restores the original on exit. :func:`run_mutants` runs a registry's
checks once unmutated (the baseline) and once under each mutant; a mutant is
*caught* when at least one check that has its expected outcome at the baseline
(``"pass"``, or ``"counterexample"`` for a recorded finding) ends with another outcome
(``fail``, ``counterexample`` or ``error``) under the mutant.

To keep the sweep fast, the baseline run is traced: every object a mutant replaces
is first wrapped in a behaviour-preserving spy that records which checks call it
(:func:`run_baseline`). Under a mutant only those checks are re-run; a check that
never calls the mutated code computes exactly what it computed at the baseline
(``run_mutants(..., restrict=False)`` re-runs everything, for a cross-check).

The mutants and the patching live in :mod:`tensorkv_check.claims.mutant_catalogue` and
:mod:`tensorkv_check.claims.mutant_patching`; their public names are importable from
here too. :func:`run_selftest` is the whole self-test (what a command runs), and
:func:`format_mutant_table` prints, per mutant, the claim and check that caught it and
the kill rate.
"""

from __future__ import annotations

import functools
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensorkv_check.claims.mutant_catalogue import CATALOGUE as CATALOGUE
from tensorkv_check.claims.mutant_patching import PATCH_PREFIXES as PATCH_PREFIXES
from tensorkv_check.claims.mutant_patching import Mutant as Mutant
from tensorkv_check.claims.mutant_patching import Patch as Patch
from tensorkv_check.claims.mutant_patching import patched_attribute as patched_attribute
from tensorkv_check.claims.mutant_patching import patched_function as patched_function

__all__ = [
    "MutantReport",
    "CheckChange",
    "Baseline",
    "run_checks",
    "run_baseline",
    "run_mutants",
    "format_mutant_table",
    "SelfTest",
    "run_selftest",
]


def _spy_into(original: Any, *, seen: set[str], current: list[str]) -> Any:
    """A spy on ``original`` recording into ``seen`` the check named by ``current[0]``."""
    return _spy(original, lambda: seen.add(current[0]))


def _spy(original: Any, hit: Callable[[], None]) -> Any:
    """A behaviour-preserving wrapper of a function or property that calls ``hit()``."""
    if isinstance(original, property):
        return property(_spy(original.fget, hit), original.fset, original.fdel, original.__doc__)

    @functools.wraps(original)
    def spy(*args, **kwargs):
        hit()
        return original(*args, **kwargs)

    return spy


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class CheckChange:
    """A check whose outcome under a mutant differs from its expected outcome.

    ``node_id`` is ``"claim-id::check-name"``; ``role`` the check's role
    (``supports``, ``limits`` or ``engine``).
    """

    node_id: str
    expect: str
    outcome: str
    summary: str
    role: str = "supports"

    @property
    def claim_id(self) -> str:
        return self.node_id.partition("::")[0]

    @property
    def check_name(self) -> str:
        return self.node_id.partition("::")[2]


@dataclass(frozen=True)
class MutantReport:
    """What the proof suite did under one mutant.

    Attributes
    ----------
    name, description : str
    available : bool
        False when the mutated code does not exist (nothing was run).
    caught : bool
        Some check at its expected outcome at baseline left it under the mutant.
    changes : tuple of CheckChange
        Those checks.
    n_checks : int
        Checks run under the mutant.
    seconds : float
    targets : tuple of str
    n_untouched : int
        Checks not re-run because they never call the mutated code (their outcome
        is the baseline's).
    complete : bool
        False when the run stopped at the first catching check (``stop_at_first``).
    """

    name: str
    description: str
    available: bool
    caught: bool
    changes: tuple[CheckChange, ...] = ()
    n_checks: int = 0
    seconds: float = 0.0
    targets: tuple[str, ...] = field(default_factory=tuple)
    n_untouched: int = 0
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "available": self.available,
            "caught": self.caught,
            "n_checks": self.n_checks,
            "n_untouched": self.n_untouched,
            "complete": self.complete,
            "seconds": self.seconds,
            "targets": list(self.targets),
            "changes": [vars(c) for c in self.changes],
        }


@dataclass(frozen=True)
class Baseline:
    """The unmutated run: results, and which checks touched which patched object.

    Attributes
    ----------
    results : dict
        ``{node_id: (check, CheckResult)}``.
    touched : dict or None
        ``{Patch.key: set of node_ids}`` recorded by spies (behaviour-preserving
        wrappers) during the run; None when the run was not traced.
    """

    results: dict[str, tuple[Any, Any]]
    touched: dict[str, set[str]] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def run_checks(
    registry,
    ids: Iterable[str] | None = None,
    *,
    ctx=None,
    include_slow: bool = False,
    only: set[str] | None = None,
    spy_on: Iterable[Patch] = (),
    touched: dict[str, set[str]] | None = None,
    seconds: dict[str, float] | None = None,
    cost: dict[str, float] | None = None,
    stop: Callable[[Any, Any], bool] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Run the selected checks quietly: ``{node_id: (check, CheckResult)}``.

    NumPy floating-point warnings and Python warnings are silenced: a mutant's
    overflow must show up as a check outcome, not as noise.

    Parameters
    ----------
    only : set of str, optional
        Run only these node ids.
    spy_on, touched
        Record in ``touched[patch.key]`` the node id of every check that calls a
        patch's object (through a behaviour-preserving spy).
    seconds : dict, optional
        Filled with each check's run time.
    cost : dict, optional
        Run the checks in increasing ``cost[node_id]`` (unknown last) instead of
        dependency order.
    stop : callable, optional
        ``stop(check, result)``; the run ends after the first check for which it is true.
    """
    if ctx is None:
        # The registry's own module supplies the default context: this module does not
        # import proofs (data flows from proofs to tensorkv_check, not back).
        ctx = sys.modules[type(registry).__module__].CheckContext()
    selected = [
        ck
        for cid in registry.select(ids)
        for ck in registry[cid].checks
        if (include_slow or not ck.slow) and (only is None or ck.node_id in only)
    ]
    if cost is not None:
        selected.sort(key=lambda ck: cost.get(ck.node_id, float("inf")))
    current = [""]
    out: dict[str, tuple[Any, Any]] = {}
    with ExitStack() as stack:
        for p in {p.key: p for p in spy_on}.values():
            seen = touched.setdefault(p.key, set()) if touched is not None else set()
            p.enter(stack, functools.partial(_spy_into, seen=seen, current=current))
        stack.enter_context(warnings.catch_warnings())
        stack.enter_context(np.errstate(all="ignore"))
        warnings.simplefilter("ignore")
        for ck in selected:
            current[0] = ck.node_id
            result, secs = ck.run(ctx)
            out[ck.node_id] = (ck, result)
            if seconds is not None:
                seconds[ck.node_id] = secs
            if stop is not None and stop(ck, result):
                break
    return out


def run_baseline(
    registry,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    ids: Iterable[str] | None = None,
    ctx=None,
    include_slow: bool = False,
    trace: bool = True,
) -> Baseline:
    """Run the checks unmutated, recording (``trace=True``) which touch each mutated object."""
    seconds: dict[str, float] = {}
    if not trace:
        return Baseline(
            run_checks(registry, ids, ctx=ctx, include_slow=include_slow, seconds=seconds), None, seconds
        )
    patches = [p for m in mutants if m.available() for p in m.patches]
    touched: dict[str, set[str]] = {p.key: set() for p in patches}
    results = run_checks(
        registry, ids, ctx=ctx, include_slow=include_slow, spy_on=patches, touched=touched, seconds=seconds
    )
    return Baseline(results, touched, seconds)


def run_mutants(
    registry,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    ids: Iterable[str] | None = None,
    ctx=None,
    include_slow: bool = False,
    baseline: Baseline | None = None,
    restrict: bool = True,
    stop_at_first: bool = False,
) -> list[MutantReport]:
    """Run the registry's checks under each mutant and report which are caught.

    Parameters
    ----------
    registry : tensorkv_check.claims.registry.Registry
    mutants : iterable of Mutant, default :data:`CATALOGUE`
    ids : iterable of str, optional
        Restrict to these claims and their dependencies (default: all).
    ctx : CheckContext, optional
    include_slow : bool
    baseline : Baseline, optional
        A previous :func:`run_baseline` of the same selection and mutants.
    restrict : bool, default True
        Re-run under a mutant only the checks that called the mutated object in the
        (traced) baseline; a check that never calls it cannot see the mutant, so its
        outcome is the baseline's. ``False`` re-runs every check under every mutant.
    stop_at_first : bool, default False
        Run a mutant's checks in a fixed order (evidence before ``limits``; the mutant's
        target claims first; then registry order) and stop at the first that catches
        it; the report then has ``complete=False`` and one change.

    Returns
    -------
    list of MutantReport
    """
    mutants = list(mutants)
    ids = None if ids is None else list(ids)
    if baseline is None:
        baseline = run_baseline(
            registry, mutants, ids=ids, ctx=ctx, include_slow=include_slow, trace=restrict
        )
    sound = {nid for nid, (ck, res) in baseline.results.items() if res.outcome == ck.expect}
    # A fixed order, so that the check reported as the catcher does not depend on timings:
    # evidence (supports, engine) before the ``limits`` checks, which are shown and never
    # counted as support; within each, the mutant's target claims first, then registry order.
    position = {nid: i for i, nid in enumerate(baseline.results)}

    def order_for(m: Mutant) -> dict[str, float]:
        n = len(position)
        return {
            nid: position[nid]
            + (2 * n if getattr(ck, "role", "") == "limits" else 0)
            + (0 if nid.split("::")[0] in m.targets else n)
            for nid, (ck, _) in baseline.results.items()
        }

    reports = []
    for m in mutants:
        if not m.available():
            missing = "; ".join(str(e) for e in _missing(m))
            reports.append(
                MutantReport(
                    m.name, f"{m.description} (unavailable: {missing})", False, False, targets=m.targets
                )
            )
            continue
        only = None
        if restrict and baseline.touched is not None:
            only = set().union(*(baseline.touched.get(p.key, set()) for p in m.patches))

        def catches(ck, res) -> bool:
            return ck.node_id in sound and res.outcome != ck.expect

        start = time.perf_counter()
        with m.apply():
            mutated = run_checks(
                registry,
                ids,
                ctx=ctx,
                include_slow=include_slow,
                only=only,
                cost=order_for(m) if stop_at_first else None,
                stop=catches if stop_at_first else None,
            )
        changes = tuple(
            CheckChange(nid, ck.expect, res.outcome, res.summary, getattr(ck, "role", "supports"))
            for nid, (ck, res) in mutated.items()
            if catches(ck, res)
        )
        n_scope = len(only) if only is not None else len(baseline.results)
        reports.append(
            MutantReport(
                m.name,
                m.description,
                True,
                bool(changes),
                changes,
                len(mutated),
                time.perf_counter() - start,
                m.targets,
                len(baseline.results) - n_scope,
                complete=len(mutated) == n_scope,
            )
        )
    return reports


def _missing(m: Mutant) -> list[ImportError]:
    errs = []
    for p in m.patches:
        try:
            p.original()
        except ImportError as exc:
            errs.append(exc)
    return errs


def format_mutant_table(reports: Iterable[MutantReport]) -> str:
    """A plain-text table, one row per mutant: caught, checks that caught it ("1+": the run
    stopped at the first), checks re-run, seconds, and the claim and check that caught it
    (``claim-id :: check-name (outcome)``, the role when it is ``limits``); the last line
    is the kill rate.

    Examples
    --------
    >>> change = CheckChange("def:softmax::engine-vs-mpmath", "pass", "fail", "overflow", "engine")
    >>> report = MutantReport("softmax-no-shift", "no max shift", True, True, (change,), 1)
    >>> table = format_mutant_table([report])
    >>> table.splitlines()[1].split("  ")[-1]
    'def:softmax :: engine-vs-mpmath (fail)'
    >>> table.splitlines()[-1]
    '1/1 engine mutants caught by the claim checks'
    """
    reports = list(reports)
    lines = [f"{'mutant':<30} {'caught':<8} {'by':>4} {'run':>4}  {'seconds':>7}  caught by (claim :: check)"]
    for r in reports:
        state = "n/a" if not r.available else ("yes" if r.caught else "ESCAPED")
        first = ", ".join(
            f"{c.claim_id} :: {c.check_name} ({c.outcome}{', limits' if c.role == 'limits' else ''})"
            for c in r.changes[:3]
        )
        if len(r.changes) > 3:
            first += f", +{len(r.changes) - 3} more"
        by = f"{len(r.changes)}{'' if r.complete else '+'}"
        lines.append(f"{r.name:<30} {state:<8} {by:>4} {r.n_checks:>4}  {r.seconds:>7.2f}  {first}")
    avail = [r for r in reports if r.available]
    lines.append(
        f"{sum(r.caught for r in avail)}/{len(avail)} engine mutants caught by the claim checks"
        + (f"; {len(reports) - len(avail)} unavailable" if len(avail) < len(reports) else "")
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class SelfTest:
    """One run of the planted-bug self-test (:func:`run_selftest`).

    Attributes
    ----------
    reports : tuple of MutantReport
        One per mutant, in catalogue order.
    baseline : Baseline
        The unmutated run.
    off_baseline : dict
        ``{node_id: "outcome (expected ...): summary"}`` for checks that are not at their
        expected outcome unmutated (they cannot catch anything; the self-test is not
        trustworthy while any is listed).
    seconds : float
        Wall time of the whole run.
    """

    reports: tuple[MutantReport, ...]
    baseline: Baseline
    off_baseline: dict[str, str]
    seconds: float

    @property
    def escaped(self) -> list[str]:
        """Names of the available mutants no check caught."""
        return [r.name for r in self.reports if r.available and not r.caught]

    @property
    def ok(self) -> bool:
        """Every available mutant caught and every check at its expected outcome unmutated."""
        return not self.escaped and not self.off_baseline

    def table(self) -> str:
        """:func:`format_mutant_table` of the reports, with the baseline's state and the time."""
        out = format_mutant_table(self.reports)
        n = len(self.baseline.results)
        if self.off_baseline:
            out += (
                f"\n{len(self.off_baseline)}/{n} checks off their expected outcome unmutated: "
                + ", ".join(sorted(self.off_baseline))
            )
        return out + f"\n{n} checks at baseline; {self.seconds:.1f} s"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "caught": sum(r.caught for r in self.reports),
            "available": sum(r.available for r in self.reports),
            "escaped": self.escaped,
            "off_baseline": dict(self.off_baseline),
            "seconds": self.seconds,
            "mutants": [r.to_dict() for r in self.reports],
        }


def run_selftest(
    registry=None,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    seed: int = 0,
    profile: str = "quick",
    ids: Iterable[str] | None = None,
    include_slow: bool = False,
    stop_at_first: bool = True,
) -> SelfTest:
    """The planted-bug self-test: the claim checks alone, unmutated and under each mutant.

    Runs the (fast, unless ``include_slow``) checks of ``registry`` (default: every claim
    package, :func:`tensorkv_check.claims.registry.load_all`) once unmutated, traced, and
    then under each mutant the checks that call the mutated code, evidence first in a fixed order,
    stopping at the first that catches it (``stop_at_first=False`` runs them all).

    Examples
    --------
    >>> st = run_selftest(seed=0)  # doctest: +SKIP
    >>> print(st.table())  # doctest: +SKIP
    >>> st.ok  # doctest: +SKIP
    True
    """
    start = time.perf_counter()
    if registry is None:
        from tensorkv_check.claims.registry import load_all

        registry = load_all()
    ctx = sys.modules[type(registry).__module__].CheckContext(seed=seed, profile=profile)
    mutants = list(mutants)
    ids = None if ids is None else list(ids)
    base = run_baseline(registry, mutants, ids=ids, ctx=ctx, include_slow=include_slow)
    off = {
        nid: f"{res.outcome} (expected {ck.expect}): {res.summary}"
        for nid, (ck, res) in base.results.items()
        if res.outcome != ck.expect
    }
    reports = run_mutants(
        registry,
        mutants,
        ids=ids,
        ctx=ctx,
        include_slow=include_slow,
        baseline=base,
        stop_at_first=stop_at_first,
    )
    return SelfTest(tuple(reports), base, off, time.perf_counter() - start)
