"""The sub-commands about one claim: ``check`` (run it and its dependencies, print the
evidence), ``proof`` (check and print its machine-checked proof) and ``explore`` (search
for counterexamples, save and replay them)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tensorkv_check.cli import _common
from tensorkv_check.cli._common import ProgressBar, indent, paragraphs, plural, wrap
from tensorkv_check.cli.argtypes import positive_int
from tensorkv_check.cli.argtypes import seed as seed_type


def add_check_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command to ``sub``."""
    check = sub.add_parser(
        "check",
        help="run one claim and its dependencies and print the evidence",
        description="Run the checks of one claim and of everything it depends on, and print "
        "each claim's status with the evidence of every check (interval, seed, scope, "
        "counterexample and the command that replays it).",
        epilog="example: tensorkv-check check thm:four-cache-lb --seed 1",
    )
    check.add_argument("claim_id", metavar="ID", help="claim id, e.g. lem:near-orthogonal")
    check.add_argument("--seed", type=seed_type, default=0, help="seed of every check (default 0)")
    check.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="quick",
        help="quick (default): the checks' quick sizes, slow checks skipped; full: "
        "the large sizes and the checks marked slow too",
    )
    check.set_defaults(func=_run_check)


def add_proof_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``proof`` sub-command to ``sub``."""
    proof = sub.add_parser(
        "proof",
        help="check one claim's proof and print its steps and axiom ledger",
        description=paragraphs(
            "Check the machine-checked proof of one claim (with its dependencies' proofs) and print "
            "each step: outcome, id, backend (identity: sympy; smt: z3 on the SMT-LIB2 text; axiom: "
            "cited), time, the formula decided and the names it uses; then the axioms the claim rests "
            "on, transitively. Runs no empirical check.\n\n"
            "Exit 0 whatever the proof status, 1 when loading fails, 2 for an unknown id."
        ),
        epilog="example: tensorkv-check proof thm:ho25-lb\n"
        "also:    tensorkv-check claims --format json   (with the SMT-LIB2 scripts)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proof.add_argument("claim_id", metavar="ID", help="claim id, e.g. thm:four-cache-lb")
    proof.set_defaults(func=_run_proof)


def add_explore_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``explore`` sub-command to ``sub``."""
    from tensorkv_check.claims.exploration import DEFAULT_BUDGET, EXAMPLES_DIR

    explore = sub.add_parser(
        "explore",
        help="search for counterexamples to one claim (shrunk, saved, replayable)",
        description=paragraphs(
            "Run every explorer of claim ID: a seeded hypothesis search inside the claim's "
            "hypotheses (a failure refutes it) or deliberately outside one named hypothesis (a "
            "failure shows that hypothesis is necessary).\n\n"
            f"Failures are shrunk to a minimal example, saved as JSON under {EXAMPLES_DIR}/ "
            "(relative to the current directory) and printed as a Python snippet; saved cases of "
            "the claim are replayed first. A search that finds nothing reports how many examples "
            "it tried over which ranges (never 'proved').\n\n"
            "Exit 0 when the exploration ran (whatever it found), 1 when a property crashed (a "
            "bug), 2 for usage errors."
        ),
        epilog="example: tensorkv-check explore thm:two-cache-lb --budget 40 --seed 1\n"
        "also:    tensorkv-check explore def:softmax --replay",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explore.add_argument("claim_id", metavar="ID", help="claim id, e.g. lem:kron-clusterable")
    explore.add_argument(
        "--budget",
        type=positive_int,
        default=DEFAULT_BUDGET,
        metavar="N",
        help=f"examples per explorer: hypothesis tries up to N (fewer when it finds a "
        f"failure first or runs out of distinct examples), then shrinks a failure "
        f"(default {DEFAULT_BUDGET})",
    )
    explore.add_argument("--seed", type=seed_type, default=0, help="hypothesis seed (default 0)")
    explore.add_argument(
        "--replay", action="store_true", help=f"only rerun the cases saved under {EXAMPLES_DIR}/ for ID"
    )
    explore.set_defaults(func=_run_explore)


def _check_lines(name: str, r: Any) -> list[str]:
    """The evidence of one check result, wrapped: summary, then scope, interval and
    parameters only where the summary does not already state them."""
    d = r.to_dict()
    lines = [
        wrap(f"- {name}: {d['outcome']}", indent="  ", sub="      "),
        wrap(d["summary"], indent="      "),
    ]
    if d.get("scope") and d["scope"] not in d["summary"]:
        lines.append(wrap(f"scope: {d['scope']}", indent="      "))
    est = d.get("estimate")
    if est:
        interval = f"[{est['ci_low']:.4f}, {est['ci_high']:.4f}]"
        text = (
            f"seed {est['seed']}, parameters "
            f"{json.dumps(est['parameters'], sort_keys=True, ensure_ascii=False)}"
        )
        if interval not in d["summary"]:
            text = (
                f"{est['successes']}/{est['trials']} (rate {est['rate']:.4f}), "
                f"{100 * est['confidence']:g}% Clopper–Pearson {interval}, " + text
            )
        lines.append(wrap(text, indent="      "))
    if d.get("counterexample"):
        lines.append(
            wrap(
                "counterexample: " + json.dumps(d["counterexample"], sort_keys=True, ensure_ascii=False),
                indent="      ",
            )
        )
    if d.get("reproduce"):
        lines.append(wrap(f"reproduce: {d['reproduce']}", indent="      "))
    if d["outcome"] == "error":
        lines.append(indent(r.details.get("traceback", "").rstrip(), "      "))
    return lines


def _run_check(args: argparse.Namespace) -> int:
    from tensorkv_check.claims.registry import CheckContext, RegistryError

    registry = _common.load_registry()
    try:
        order = registry.select([args.claim_id])
    except RegistryError as exc:
        print(f"tensorkv-check check: error: {exc}", file=sys.stderr)
        return 2
    include_slow = args.profile == "full"
    ctx = CheckContext(seed=args.seed, profile=args.profile)
    total = sum(1 for cid in order for ck in registry[cid].checks if include_slow or not ck.slow)
    with ProgressBar(total, "check", "check") as bar:

        def advance(ck: Any) -> None:
            bar.update(1)
            bar.set_postfix_str(ck.node_id, refresh=False)

        results = registry.run([args.claim_id], ctx=ctx, include_slow=include_slow, on_check=advance)
    errored = [
        f"{cid}::{name}"
        for cid, res in results.items()
        for name, r in res.results.items()
        if r.outcome == "error"
    ]
    # The requested claim first, in full; its dependencies after, one line each.
    res = results[args.claim_id]
    c = res.claim
    print(wrap(f"{args.claim_id} [{c.paper_ref}; {', '.join(c.sources)}]: {res.status.upper()}", indent=""))
    print(wrap(c.statement))
    print(wrap(f"why: {res.reason}"))
    print(
        wrap(
            f"proof: {res.proof_status}; evidence: {res.evidence_status}"
            + ("" if c.proof is None else f" ('tensorkv-check proof {args.claim_id}' prints the proof)")
        )
    )
    for cav in c.caveats:
        print(wrap(f"caveat: {cav}"))
    for name, r in res.results.items():
        print("\n".join(_check_lines(name, r)))
    deps = [cid for cid in results if cid != args.claim_id]
    if deps:
        print(
            "\n"
            + wrap(
                f"dependencies ({len(deps)}, run first; 'tensorkv-check check ID' shows one in full):",
                indent="",
            )
        )
        for cid in deps:
            dres = results[cid]
            line = f"{cid}: {dres.status.upper()}"
            if dres.status not in ("proved", "cited"):
                line += f" ({dres.reason})"
            print(wrap(line, indent="  ", sub="      "))
            for name, r in dres.results.items():
                if r.outcome == "error":
                    print("\n".join(_check_lines(name, r)))
    outcomes: dict[str, int] = {}
    for r in res.results.values():
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    statuses: dict[str, int] = {}
    for cid in deps:
        statuses[results[cid].status] = statuses.get(results[cid].status, 0) + 1
    summary = (
        f"{args.claim_id}: {res.status}; {plural(len(res.results), 'check')} run"
        + (" (" + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) + ")" if outcomes else "")
        + f"; {plural(len(deps), 'dependency').replace('dependencys', 'dependencies')}"
        + (" (" + ", ".join(f"{n} {st}" for st, n in sorted(statuses.items())) + ")" if statuses else "")
        + f"; seed {args.seed}, {args.profile} profile"
        + (f"; {plural(len(errored), 'check')} errored: {', '.join(errored)}" if errored else "")
    )
    print("\n" + wrap(summary, indent=""))
    return 1 if errored else 0


def _run_proof(args: argparse.Namespace) -> int:
    from tensorkv_check.claims.proof_text import format_proof
    from tensorkv_check.claims.status import claim_axes

    try:
        registry = _common.load_registry()
    except Exception as exc:  # a broken claim package is reported, never a traceback alone
        print(
            f"tensorkv-check proof: loading the claim registry failed: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    if args.claim_id not in registry:
        print(
            f"tensorkv-check proof: unknown claim id {args.claim_id!r}; valid ids: "
            f"{', '.join(sorted(registry.ids))}",
            file=sys.stderr,
        )
        return 2
    claim = registry[args.claim_id]
    checked = registry.check_proofs([args.claim_id])
    if claim.proof is None:
        status = "cited" if claim.cited_reason else "unproved"
        why = claim.cited_reason or "no machine-checked proof is attached to this claim"
        print(wrap(f"{args.claim_id} [{claim.paper_ref}]: proof {status}: {why}", indent=""))
        return 0
    result, ledger = checked[args.claim_id]
    deps = {}
    for d in claim.depends_on:
        dep = registry[d]
        deps[d] = checked[d][0].status if d in checked else "cited" if dep.cited_reason else "unproved"
    status, reason, _ = claim_axes(claim, {}, deps, result)
    print(format_proof(claim.proof, result, ledger))
    print(wrap(f"claim proof status: {status} ({reason})", indent=""))
    return 0


def _run_explore(args: argparse.Namespace) -> int:
    from tensorkv_check.claims import exploration as search
    from tensorkv_check.claims.registry import RegistryError

    registry = _common.load_registry()
    try:
        explorers = registry.explorers(args.claim_id)
    except RegistryError as exc:
        print(f"tensorkv-check explore: error: {exc}", file=sys.stderr)
        return 2
    crashed = False
    saved = search.saved_cases(args.claim_id)
    for path in saved:
        try:
            case = search.replay_case(path, registry=registry)
        except search.ExploreError as exc:
            print(f"replay {path}: stale case, skipped ({exc})")
            continue
        if case["outcome"] == "error":
            crashed = True
        verdict = (
            "reproduces"
            if case["reproduced"]
            else "no longer fails"
            if case["outcome"] == "none-found"
            else "fails differently now"
        )
        print(f"replay {path} [{case['explorer']}, {case['region']}]: {verdict}")
        if case["failure"]:
            print(f"  {case['failure']}")
    if args.replay:
        if not saved:
            print(f"no saved cases for {args.claim_id} under {search.EXAMPLES_DIR}/")
        return 1 if crashed else 0
    if not explorers:
        print(f"{args.claim_id} has no explorers")
        return 0
    counts: dict[str, int] = {}
    with ProgressBar(len(explorers), "explore", "explorer") as bar:
        for exp in explorers:
            bar.set_postfix_str(exp.name, refresh=False)
            res = search.explore(exp, budget=args.budget, seed=args.seed, examples=args.budget)
            bar.update(1)
            counts[res["kind"]] = counts.get(res["kind"], 0) + 1
            where = "inside its hypotheses" if exp.region == "inside" else f"outside: {exp.hypothesis}"
            bar.write("\n" + wrap(f"{exp.key}  [{where}]", indent=""))
            if exp.description:
                bar.write(wrap(f"property: {exp.description}"))
            bar.write(wrap(f"{res['kind']}: {res['text']}"))
            # The closest approach to a failure only means something when none was found.
            if res["best"] is not None and res["outcome"] == "none-found":
                bar.write(f"  closest approach: {res['best']['label']} = {res['best']['score']:.6g}")
            obs = res["observations"] or {}
            if obs.get("summary"):
                bar.write(wrap(f"side study: {obs['summary']}"))
            measured = {k: v for k, v in res["timings"].items() if not k.endswith("_seconds")}
            if measured:
                bar.write(wrap(f"measured (not deterministic): {json.dumps(measured, default=str)}"))
            if res["outcome"] == "error":
                crashed = True
            if res["example"] is not None:
                path = search.save_case(res)
                bar.write(f"  minimal example saved to {path}")
                bar.write("  reproduce with:")
                bar.write(indent(res["snippet"]))
    print(
        "\n"
        + wrap(
            f"{args.claim_id}: {plural(len(explorers), 'explorer')} at up to "
            f"{plural(args.budget, 'example')} each (seed {args.seed}): "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
            indent="",
        )
    )
    return 1 if crashed else 0
