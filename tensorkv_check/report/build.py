"""Assemble the verification report's data: claim results, sweeps, findings, environment.

The report is one JSON-serialisable dict. Everything in it is a deterministic
function of the seed, the profile and the code, except the ``timings`` section,
which holds wall-clock measurements and is kept apart so that two runs with the same
seed give byte-identical JSON outside it.

The claim registry is passed in (the command line loads :mod:`proofs`), so this
package never imports the proof suite: data flows from ``proofs`` to the report.

Every sweep is a report :class:`Section`: a name, ``compute(profile, seed, run)`` (``run``
is the configured sweep runner, ``run(tasks, seed=..., name=...)``), ``figures(data)`` and
``findings(data)``. A new sweep plugs in with one line in :data:`SECTIONS`; its data lands
in ``report["sweeps"][name]``. A ``"timings"`` entry of the computed dict (wall-clock
measurements) is moved to ``report["timings"]["sections"][name]``, outside the
deterministic part.

Each claim carries its two axes (:func:`tensorkv_check.claims.registry.claim_axes`): ``proof``
(status, reason, obligations with their formulas and SMT-LIB2 scripts, the transitive
axiom ledger) and ``evidence`` (status, each check's role); ``status`` is the one-word
summary derived from both. ``summary`` counts the summaries, ``summary_axes`` each axis,
and ``axioms`` lists every axiom some proof rests on with the claims that use it. Proof
timings go to ``timings["proofs"]``.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from tensorkv_check.claims.section import SECTION as EXPLORE_SECTION
from tensorkv_check.claims.status import EVIDENCE_AXIS, PROOF_AXIS, STATUSES
from tensorkv_check.frontier.section import SECTION as FRONTIER_SECTION
from tensorkv_check.geometry.section import SECTION as GEOMETRY_SECTION
from tensorkv_check.index.section import SECTION as INDEX_SECTION
from tensorkv_check.report.section import ReportSection
from tensorkv_check.runner.stages import run_stages
from tensorkv_check.runner.sweep_runner import SweepRunner
from tensorkv_check.subgen.section import SECTION as SUBGEN_SECTION
from tensorkv_check.tradeoff.section import SECTION as TRADEOFF_SECTION

__all__ = ["PROFILES", "SCHEMA", "SECTIONS", "Section", "build_report"]

SCHEMA = "tensorkv-check-report/1"

#: The report's profiles; each section keeps its own sizes per profile. The quick profile
#: is the README's default job.
PROFILES: tuple[str, ...] = ("quick", "full")

PAPER = {
    "title": "Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer Decoding",
    "authors": "Yifang Chen, Xiaoyu Li, Yingyu Liang, Zhenmei Shi, Zhao Song, Yu Tian",
    "arxiv": "2503.11108",
    "year": 2025,
}

_PACKAGES = ("numpy", "scipy", "sympy", "networkx", "hypothesis", "matplotlib", "tensorkv-check")


@dataclass(frozen=True)
class Section:
    """A report section built from three functions (an ad-hoc
    :class:`~tensorkv_check.report.section.ReportSection`, e.g. in tests).

    Attributes
    ----------
    name : str
        Key under ``report["sweeps"]`` (and of the section's timings).
    compute : callable
        ``compute(profile, seed, run) -> dict`` (JSON-safe); ``run(tasks, seed=..., name=...)``
        is the configured sweep runner. An optional ``"timings"`` entry is moved out of the
        deterministic data.
    figures : callable
        ``figures(data) -> [{"file", "title", "alt", "svg"}]``.
    findings : callable
        ``findings(data) -> [{"claim", "kind", "text"}]`` (deterministic: no timings).
    """

    name: str
    compute: Callable[[str, int, Callable[..., list]], dict[str, Any]]
    figures: Callable[[dict[str, Any]], list[dict[str, str]]]
    findings: Callable[[dict[str, Any]], list[dict[str, str]]]
    #: Claims served; the default (none) means ``report --claims`` skips the section.
    claims: tuple[str, ...] | None = ()


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str | None:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        res = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def environment() -> dict[str, Any]:
    """Package versions, Python, platform, CPU count and git commit (reproducibility block)."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": _versions(),
        "git_commit": _git_commit(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def _claim_findings(claims: list[dict]) -> list[dict[str, str]]:
    """Deterministic findings written from the claim results (no timings)."""
    found: list[dict[str, str]] = []
    for c in claims:
        if c["status"] == "refuted":
            repro = [ck.get("reproduce") for ck in c["checks"].values() if ck.get("reproduce")]
            found.append(
                {
                    "claim": c["id"],
                    "kind": "refuted",
                    "text": f"{c['id']} is refuted: {c['reason']}."
                    + (f" Reproduce: {repro[0]}" if repro else ""),
                }
            )
        elif c["status"] == "failing":
            found.append(
                {
                    "claim": c["id"],
                    "kind": "failing",
                    "text": f"{c['id']} is failing (a bug to fix): {c['reason']}.",
                }
            )
        for cav in c["caveats"]:
            found.append({"claim": c["id"], "kind": "caveat", "text": f"{c['id']}: {cav}"})
    inferred = [c["id"] for c in claims if "inferred" in c["sources"]]
    if inferred:
        found.append(
            {
                "claim": "",
                "kind": "inferred",
                "text": "Claims resting on our reconstruction [inferred] of details the "
                "paper's full text decides: " + ", ".join(inferred) + ".",
            }
        )
    return found


def _axioms(claims: list[dict]) -> list[dict[str, Any]]:
    """Every axiom in some claim's transitive ledger, by name, with the claims resting on it."""
    out: dict[str, dict[str, Any]] = {}
    for c in claims:
        for ax in c["proof"].get("axioms", []):
            entry = out.setdefault(ax["name"], {**ax, "used_by": []})
            entry["used_by"].append(c["id"])
    return [out[n] for n in sorted(out)]


# ------------------------------------------------------------------ sections


#: The report's sweeps, in the order they run and render: each a
#: :class:`~tensorkv_check.report.section.ReportSection` (an area's ``section.SECTION``).
#: Add a section with one line.
SECTIONS: list[ReportSection] = [
    TRADEOFF_SECTION,
    INDEX_SECTION,
    SUBGEN_SECTION,
    GEOMETRY_SECTION,
    FRONTIER_SECTION,
    EXPLORE_SECTION,
]


def _attach_exploration(claims: list[dict[str, Any]], explore: dict[str, Any]) -> list[str]:
    """Record each claim's exploration outcome on it.

    A counterexample found *inside* a claim's hypotheses refutes it (status ``refuted``,
    proof axis ``refuted``, evidence ``contradicted``, with the shrunk instance and its
    snippet); one found outside shows a hypothesis is necessary and leaves the status alone. An
    explorer that crashed makes the claim ``failing`` (the report and the exit code agree) and
    is returned, counted as an errored check.
    """
    from tensorkv_check.claims.exploration import claim_outcomes

    outcomes = claim_outcomes(explore)
    crashed = []
    for c in claims:
        entry = outcomes.get(c["id"])
        c["exploration"] = entry
        if entry is None:
            continue
        inside = [e for e in entry["explorers"] if e["kind"] == "refuted"]
        if inside:
            why = "counterexample inside its hypotheses from explorer " + ", ".join(
                e["explorer"] for e in inside
            )
            c["proof"]["status"] = "refuted"
            c["proof"]["reason"] = f"{why} (was: {c['proof']['reason']})"
            c["evidence"]["status"] = "contradicted"
        if inside and c["status"] != "refuted" and c["status"] != "failing":
            c["status"] = "refuted"
            c["reason"] = f"{why} (was: {c['reason']})"
        broken = [e["explorer"] for e in entry["explorers"] if e["kind"] == "error"]
        if broken:
            # A crash is an error of the tool: the claim is failing, as the exit code says.
            c["status"] = "failing"
            c["reason"] = (
                "explorer " + ", ".join(broken) + " crashed (a bug, not a finding)" + f" (was: {c['reason']})"
            )
        crashed += [f"{c['id']}::explore:{e}" for e in broken]
    return crashed


def build_report(
    registry: Any,
    ctx: Any,
    *,
    claim_ids: Iterable[str] | None = None,
    on_check: Callable[[Any], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    runner: Callable[..., list] | None = None,
    sections: Iterable[ReportSection] | None = None,
) -> dict[str, Any]:
    """Run the claim checks and sweeps of ``profile`` and return the report dict.

    Parameters
    ----------
    registry : tensorkv_check.claims.registry.Registry
        The loaded claim registry.
    ctx : tensorkv_check.claims.registry.CheckContext
        Seed and profile ("quick" or "full"); the seed also drives the sweeps.
    claim_ids : iterable of str, optional
        Restrict to these claims: their checks and those of their dependencies run (for
        the statuses), but only the sweeps serving them (each section's ``claims``) and
        only their explorers; ``report["narrowed"]`` lists what ran and what did not.
    on_check, on_stage : callable, optional
        Progress callbacks (a check is submitted; a section starts).
    runner : SweepRunner or callable, optional
        ``runner(tasks, seed=..., name=..., jobs=None)`` running every sweep (the claim
        checks included); default: serial in this process. Its configuration goes to
        the timings section only: the data do not depend on it.
    sections : iterable of Section, optional
        Default :data:`SECTIONS`.
    """
    profile, seed = ctx.profile, ctx.seed
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    own_runner: SweepRunner | None = None
    run: Callable[..., list]
    if runner is None:
        run = own_runner = SweepRunner(jobs=1)
    else:
        run = runner
    sections = list(SECTIONS if sections is None else sections)
    claim_ids = None if claim_ids is None else list(claim_ids)
    wanted = None if claim_ids is None else set(claim_ids)
    skipped = [
        sec.name
        for sec in sections
        if wanted is not None and sec.claims is not None and not wanted & set(sec.claims)
    ]
    sections = [sec for sec in sections if sec.name not in skipped]
    t0 = time.perf_counter()
    wall: dict[str, float] = {}
    section_timings: dict[str, Any] = {}
    sweeps: dict[str, Any] = {}

    def claim_stage() -> Any:
        if on_stage:
            on_stage("claim checks")
        t1 = time.perf_counter()
        out = registry.run(claim_ids, ctx=ctx, include_slow=profile == "full", on_check=on_check, runner=run)
        wall["claims"] = time.perf_counter() - t1
        return out

    def section_stage(sec: ReportSection) -> Callable[[], dict[str, Any]]:
        def stage() -> dict[str, Any]:
            if on_stage:
                on_stage(f"{sec.name} sweep")
            t1 = time.perf_counter()
            if wanted is not None and sec.claims is None:  # a per-claim section takes claims=
                data = dict(sec.compute(profile, seed, run, claims=sorted(wanted)))  # type: ignore[call-arg]
            else:
                data = dict(sec.compute(profile, seed, run))
            wall[sec.name] = time.perf_counter() - t1
            return data

        return stage

    try:
        stages: dict[str, Callable[[], Any]] = {"claims": claim_stage}
        stages.update({sec.name: section_stage(sec) for sec in sections})
        # A section that times its own steps (runs_alone) runs first, with the machine to
        # itself; with a parallel runner the other stages then overlap (run_stages), so
        # one stage's last long tasks share the workers with another's first ones.
        alone = [sec.name for sec in sections if getattr(sec, "runs_alone", False)]
        done = {name: stages[name]() for name in alone}
        done.update(run_stages({k: f for k, f in stages.items() if k not in alone}, run))
    finally:
        if own_runner is not None:
            own_runner.close()
    results = done["claims"]
    claims = [r.to_dict() for r in results.values()]
    for sec in sections:  # in SECTIONS order, whatever order they finished in
        data = done[sec.name]
        if "timings" in data:
            section_timings[sec.name] = data.pop("timings")
        sweeps[sec.name] = data

    crashed = _attach_exploration(claims, sweeps["explore"]) if "explore" in sweeps else []
    summary = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
    summary_axes = {
        "proof": {s: sum(1 for c in claims if c["proof"]["status"] == s) for s in PROOF_AXIS},
        "evidence": {s: sum(1 for c in claims if c["evidence"]["status"] == s) for s in EVIDENCE_AXIS},
    }
    errored = sorted(
        [f"{c['id']}::{name}" for c in claims for name, ck in c["checks"].items() if ck["outcome"] == "error"]
        + crashed
    )
    findings = _claim_findings(claims)
    for sec in sections:
        findings += sec.findings(sweeps[sec.name])
    times = (section_timings.get("tradeoff") or {}).get("seconds") or []
    timing_findings = []
    if times:
        last = times[-1]
        faster = "two-cache" if last["two-cache"] < last["four-cache"] else "four-cache"
        timing_findings.append(
            f"At n={last['n']}, d={last['d']} the measured step times were four-cache "
            f"{last['four-cache'] * 1e3:.3f} ms, two-cache {last['two-cache'] * 1e3:.3f} ms, naive "
            f"four-cache {last['naive four-cache'] * 1e3:.3f} ms: the {faster} step was faster "
            f"(ratio four/two = {last['four-cache'] / last['two-cache']:.2f})."
        )
    wall["total"] = time.perf_counter() - t0
    describe = getattr(run, "describe", None)
    narrowed = (
        {}
        if wanted is None
        else {"narrowed": {"sections": [sec.name for sec in sections], "skipped_sections": skipped}}
    )
    return _json_safe(
        {
            "schema": SCHEMA,
            "paper": PAPER,
            "profile": profile,
            "seed": seed,
            "selected_claims": None if claim_ids is None else sorted(claim_ids),
            "summary": summary,
            "summary_axes": summary_axes,
            "errored_checks": errored,
            **narrowed,
            "claims": claims,
            "axioms": _axioms(claims),
            "sweeps": sweeps,
            "findings": findings,
            "environment": environment(),
            "timings": {
                "wall_seconds": wall,
                "checks": {c.claim.id: c.seconds for c in results.values()},
                "proofs": {
                    c.claim.id: c.proof_seconds() for c in results.values() if c.proof_result is not None
                },
                "tradeoff_seconds": times,
                "sections": section_timings,
                "runner": describe() if callable(describe) else {"mode": "custom"},
                "findings": timing_findings,
            },
        }
    )


def _json_safe(x: Any) -> Any:
    """Replace non-finite floats by their names ("nan", "inf", "-inf").

    Strict JSON has no NaN or infinity; a check that reports one in its details
    must not stop the report from being written.
    """
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x
