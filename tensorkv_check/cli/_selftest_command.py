"""The ``selftest`` sub-command: the planted-bug self-test of the checks and of the proofs.

Two kinds of mutants, each reported with what caught it:

* engine mutants (:data:`tensorkv_check.claims.mutant_catalogue.CATALOGUE`): one plausible
  bug planted in the engine at a time, and the claim checks alone run under it
  (:mod:`tensorkv_check.claims.mutants`); a mutant is *caught* when a check at its expected
  outcome unmutated ends otherwise. The row names that check, ``claim::check (outcome)``.
* proof mutants: one logical mistake planted in one machine-checked proof (an inequality
  flipped, a hypothesis dropped, a constant changed, ...), supplied by a claim package's
  optional ``proof_mutants(proofs)`` hook; a mutant is *killed* when its claim's proof,
  checked against the unmutated dependencies, is no longer ``proved``. The row names the
  step that failed (or the glue problem).

The framework never imports a claim package by name: the hook is looked up on the
packages :func:`tensorkv_check.claims.loader.claim_packages` names, already imported by
:func:`tensorkv_check.claims.registry.load_all`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tensorkv_check.cli import _common
from tensorkv_check.cli._common import ProgressBar, paragraphs, plural, wrap
from tensorkv_check.cli.argtypes import claim_ids
from tensorkv_check.cli.argtypes import seed as seed_type

#: The name of the optional claim-package hook that supplies proof mutants.
PROOF_MUTANTS_HOOK = "proof_mutants"


def add_selftest_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``selftest`` sub-command to ``sub``."""
    st = sub.add_parser(
        "selftest",
        help="plant bugs in the engine and the proofs; show what catches each",
        description=paragraphs(
            "The planted-bug self-test. Engine mutants: one bug planted in the engine at a "
            "time, the claim checks alone run under it; each row names the check that caught "
            "it as claim::check (outcome). Proof mutants: one logical mistake planted in one "
            "machine-checked proof; each row says whether the claim's proof stopped being "
            "proved and which step failed. Two summary lines give the kill rates.\n\n"
            "Exit 0 when every mutant is caught or killed (and every check is at its expected "
            "outcome unmutated), 1 otherwise, 2 for usage errors."
        ),
        epilog="example: tensorkv-check selftest --only fano-in-nats --only ho25-vacuous\n"
        "also:    tensorkv-check selftest --format json > selftest.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    st.add_argument("--seed", type=seed_type, default=0, help="seed of every check (default 0)")
    st.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="quick",
        help="quick (default): the checks' quick sizes, slow checks skipped; full: the "
        "large sizes and the checks marked slow too",
    )
    st.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): the two tables and the kill rates; json: every mutant with "
        "what caught it, the checks off their expected outcome, and timings",
    )
    st.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="NAME",
        help="run only this mutant (engine or proof; repeatable)",
    )
    st.add_argument(
        "--claims",
        type=claim_ids,
        default=None,
        help="comma-separated claim ids: only their checks and proofs (with their "
        "dependencies'), and only proof mutants of these claims; a smaller, faster run",
    )
    st.set_defaults(func=run_selftest_command)


# --------------------------------------------------------------------------- proof mutants


@dataclass(frozen=True)
class ProofMutantResult:
    """What checking one proof mutant found: ``killed`` when the mutated proof is not
    ``proved``; ``why`` is the first failing step (or glue problem), or why it survived."""

    name: str
    claim_id: str
    description: str
    package: str
    status: str
    killed: bool
    why: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def proof_mutant_hooks() -> list[tuple[str, Callable[..., Any] | None]]:
    """``(package name, hook or None)`` for every claim package: its optional
    :data:`PROOF_MUTANTS_HOOK` attribute, looked up on the imported package object."""
    from tensorkv_check.claims.loader import claim_packages

    out = []
    for name in claim_packages():
        pkg = sys.modules.get(name) or importlib.import_module(name)
        hook = getattr(pkg, PROOF_MUTANTS_HOOK, None)
        out.append((name, hook if callable(hook) else None))
    return out


def _why(result: Any) -> str:
    """The failing step of a not-proved result (``step: reason``), else its glue problem."""
    failed = next((s for s in result.steps if s.outcome == "failed"), None)
    if failed is not None:
        return f"{failed.id}: {failed.reason}"
    # "k of m obligations discharged; <problem>; ..." when only the glue failed.
    return re.sub(r"^\d+ of \d+ obligations discharged;?\s*", "", result.reason) or result.reason


def check_proof_mutants(
    registry: Any,
    mutants: Sequence[tuple[str, Any]],
    on_done: Callable[[ProofMutantResult], None] | None = None,
) -> list[ProofMutantResult]:
    """Check each ``(package, ProofMutant)`` against the registry's unmutated proofs.

    Returns a list of :class:`ProofMutantResult`; a mutant of a claim whose unmutated proof
    is not ``proved`` is not killed (the self-test cannot tell anything from it), and its
    ``why`` says so.
    """
    proofs = {c.id: c.proof for c in registry if c.proof is not None}
    needed = sorted({m.claim_id for _, m in mutants})
    checked = registry.check_proofs(needed) if needed else {}
    base = {cid: res for cid, (res, _) in checked.items()}
    out = []
    for pkg, m in mutants:
        start = time.perf_counter()
        if m.claim_id not in base or base[m.claim_id].status != "proved":
            status = base[m.claim_id].status if m.claim_id in base else "no proof"
            why = f"the unmutated proof of {m.claim_id} is {status}, so nothing can be killed"
            out.append(ProofMutantResult(m.name, m.claim_id, m.description, pkg, status, False, why, 0.0))
        else:
            res = m.proof.check(proofs, base)
            killed = res.status != "proved"
            why = _why(res) if killed else f"still proved: {res.reason}"
            out.append(
                ProofMutantResult(
                    m.name,
                    m.claim_id,
                    m.description,
                    pkg,
                    res.status,
                    killed,
                    why,
                    time.perf_counter() - start,
                )
            )
        if on_done is not None:
            on_done(out[-1])
    return out


# --------------------------------------------------------------------------- output


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def engine_table(st: Any) -> list[str]:
    """Rows of the engine mutants: name, caught, the checks that caught it
    (``claim::check (outcome)``), and the description on the line below."""
    lines = [f"{'mutant':<30} {'caught':<8} caught by claim::check (outcome)"]
    for r in st.reports:
        state = "n/a" if not r.available else ("yes" if r.caught else "ESCAPED")
        by = ", ".join(
            f"{c.node_id} ({c.outcome}{', limits' if c.role == 'limits' else ''})" for c in r.changes[:3]
        )
        if len(r.changes) > 3:
            by += f", +{len(r.changes) - 3} more"
        if r.available and not r.caught:
            by = f"no check changed outcome ({r.n_checks} run under it)"
        lines.append(wrap(f"{r.name:<30} {state:<8} {by or '-'}", indent="", sub=" " * 40))
        lines.append(wrap(r.description, indent="    ", sub="      "))
    return lines


def proof_table(results: Sequence[ProofMutantResult]) -> list[str]:
    """Rows of the proof mutants: name, claim, killed/SURVIVED; below, what was planted and
    why (the failing step, or why the proof still holds)."""
    lines = [f"{'mutant':<30} {'claim':<22} result"]
    for r in results:
        state = "killed" if r.killed else "SURVIVED"
        lines.append(f"{r.name:<30} {r.claim_id:<22} {state}")
        lines.append(wrap(f"planted: {r.description}", indent="    ", sub="      "))
        lines.append(wrap(f"why: {_cut(r.why, 300)}", indent="    ", sub="      "))
    return lines


def engine_summary(st: Any | None) -> str:
    if st is None:
        return "0/0 engine mutants caught by the claim checks (none selected)"
    avail = [r for r in st.reports if r.available]
    line = f"{sum(r.caught for r in avail)}/{len(avail)} engine mutants caught by the claim checks"
    if len(avail) < len(st.reports):
        line += f"; {len(st.reports) - len(avail)} unavailable"
    return line


def proof_summary(results: Sequence[ProofMutantResult] | None, note: str = "") -> str:
    if not results:
        return f"0/0 proof mutants killed ({note or 'none selected'})"
    return f"{sum(r.killed for r in results)}/{len(results)} proof mutants killed"


# --------------------------------------------------------------------------- the command


def run_selftest_command(args: argparse.Namespace) -> int:
    """Run the self-test as ``args`` asks (see :func:`add_selftest_parser`); the exit status."""
    from tensorkv_check.claims.mutant_catalogue import CATALOGUE
    from tensorkv_check.claims.registry import RegistryError

    start = time.perf_counter()
    try:
        registry = _common.load_registry()
        hooks = proof_mutant_hooks()
        proofs = {c.id: c.proof for c in registry if c.proof is not None}
        proof_mutants = [(pkg, m) for pkg, hook in hooks if hook is not None for m in hook(proofs)]
    except Exception as exc:  # a broken claim package is reported, never a traceback alone
        print(
            f"tensorkv-check selftest: loading the claims or their proof mutants failed: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    ids = None
    if args.claims is not None:
        try:
            scope = set(registry.select(args.claims))
        except RegistryError as exc:
            print(f"tensorkv-check selftest: error: {exc}", file=sys.stderr)
            return 2
        ids = list(args.claims)
        proof_mutants = [(pkg, m) for pkg, m in proof_mutants if m.claim_id in scope]
    engine = list(CATALOGUE)
    if args.only:
        known = [m.name for m in engine] + [m.name for _, m in proof_mutants]
        unknown = [n for n in args.only if n not in known]
        if unknown:
            print(
                f"tensorkv-check selftest: error: unknown mutant(s) {', '.join(unknown)}; valid: "
                f"{', '.join(known)}",
                file=sys.stderr,
            )
            return 2
        engine = [m for m in engine if m.name in args.only]
        proof_mutants = [(pkg, m) for pkg, m in proof_mutants if m.name in args.only]
    no_hook = not any(hook is not None for _, hook in hooks)

    st = None
    total = (1 + len(engine) if engine else 0) + len(proof_mutants)
    with ProgressBar(total, "selftest", "step") as bar:
        if engine:
            st = _engine_selftest(registry, engine, ids, args, bar)
        bar.set_postfix_str("proof mutants")

        def advance(r: ProofMutantResult) -> None:
            bar.update(1)
            bar.set_postfix_str(r.name, refresh=False)

        proof_results = check_proof_mutants(registry, proof_mutants, on_done=advance)
    seconds = time.perf_counter() - start
    off = dict(st.off_baseline) if st is not None else {}
    ok = (st is None or st.ok) and all(r.killed for r in proof_results)
    note = "no proof mutants: no claim package has a proof_mutants hook" if no_hook else ""
    if args.format == "json":
        doc = {
            "ok": ok,
            "seed": args.seed,
            "profile": args.profile,
            "seconds": seconds,
            "engine": st.to_dict() if st is not None else None,
            "proof": {
                "killed": sum(r.killed for r in proof_results),
                "total": len(proof_results),
                "note": note,
                "mutants": [r.to_dict() for r in proof_results],
            },
            "summary": [engine_summary(st), proof_summary(proof_results, note)],
        }
        print(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
        return 0 if ok else 1
    out: list[str] = []
    if st is not None:
        out.append(
            wrap(
                f"engine mutants: the claim checks alone under each planted engine bug "
                f"(seed {args.seed}, {args.profile} profile; "
                f"{plural(len(st.baseline.results), 'check')} at baseline)",
                indent="",
            )
        )
        out += engine_table(st)
        if off:
            out.append(
                wrap(
                    f"{len(off)} checks off their expected outcome unmutated (they cannot catch "
                    f"anything; the self-test is not trustworthy): " + ", ".join(sorted(off)),
                    indent="",
                )
            )
        out.append("")
    if proof_results:
        out.append(
            wrap(
                "proof mutants: one mistake planted in one proof, checked against the unmutated "
                "dependencies; killed = no longer proved",
                indent="",
            )
        )
        out += proof_table(proof_results)
        out.append("")
    elif no_hook:
        out.append("no proof mutants (the claim packages define no proof_mutants hook)")
        out.append("")
    out.append(engine_summary(st))
    out.append(proof_summary(proof_results, note))
    out.append(f"{seconds:.1f} s")
    print("\n".join(out))
    return 0 if ok else 1


def _engine_selftest(
    registry: Any, engine: list, ids: list[str] | None, args: argparse.Namespace, bar: ProgressBar
) -> Any:
    """:func:`tensorkv_check.claims.mutants.run_selftest`, one mutant at a time so the
    progress bar advances (the same baseline and the same reports)."""
    from tensorkv_check.claims import mutants as mut

    start = time.perf_counter()
    include_slow = args.profile == "full"
    ctx = sys.modules[type(registry).__module__].CheckContext(seed=args.seed, profile=args.profile)
    bar.set_postfix_str("baseline (every check, unmutated)")
    base = mut.run_baseline(registry, engine, ids=ids, ctx=ctx, include_slow=include_slow)
    bar.update(1)
    off = {
        nid: f"{res.outcome} (expected {ck.expect}): {res.summary}"
        for nid, (ck, res) in base.results.items()
        if res.outcome != ck.expect
    }
    reports = []
    for m in engine:
        bar.set_postfix_str(m.name)
        reports += mut.run_mutants(
            registry,
            [m],
            ids=ids,
            ctx=ctx,
            include_slow=include_slow,
            baseline=base,
            stop_at_first=True,
        )
        bar.update(1)
    return mut.SelfTest(tuple(reports), base, off, time.perf_counter() - start)
