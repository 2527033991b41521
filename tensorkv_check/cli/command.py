"""The ``tensorkv-check`` command.

Sub-commands:

* ``demo``: run the three streaming decoders of Definitions 3.7/3.8 side by side on a
  seeded random stream and print their agreement, memory and flop counts.
* ``claims``: list the proof suite's claims with status (see :mod:`proofs`).
* ``check ID``: run one claim and its dependencies and print the evidence.
* ``proof ID``: check one claim's machine-checked proof and print it: each step's
  formula, backend, what it uses and its time, then the transitive axiom ledger.
* ``report``: run the claim checks and sweeps and write the verification report.
* ``bench``: run the benchmarks of :mod:`benchmarks` (never part of the test run).
* ``explore ID``: hypothesis searches for counterexamples to one claim, inside its
  hypotheses and outside named ones, shrunk, saved under ``.tensorkv/examples/`` and
  replayed first on the next run (:mod:`tensorkv_check.claims.exploration`).
* ``audit MODULE:OBJECT``: audit an outside compressor against the lower bounds
  (:mod:`tensorkv_check.audit`): exit 1 when it beats Fano's bound, which no honest
  compressor can.

Exit codes: 0 when every requested check ran, 1 when a check errored, 2 for usage
errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tensorkv_check.cli.argtypes import byte_size, claim_ids, format_bytes, positive_int
from tensorkv_check.cli.argtypes import seed as seed_type

__all__ = ["main", "build_parser", "demo_peak_bytes"]

#: Default ``demo --max-memory``: 2 GiB.
DEMO_MAX_MEMORY = 2 * 2**30


def demo_peak_bytes(n: int, d: int) -> int:
    """Estimated peak memory of ``demo``: the two-cache decoder's ``2·n²·d`` float64 cache
    (Definition 3.8) plus the naive four-cache query's ``K1⊘K2`` and ``V1⊘V2`` (``2·n²·d``),
    plus the linear caches (``12·n·d``)."""
    return 8 * d * (4 * n * n + 12 * n)


def _paragraphs(text: str, width: int = 79) -> str:
    """Help text wrapped to ``width`` columns, paragraph by paragraph (blank-line separated),
    for the raw-description formatter, which keeps the example lines of an epilog as typed."""
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in text.split("\n\n"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _formats(text: str) -> list[str]:
    from tensorkv_check.report import FORMATS

    parts = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if p not in FORMATS]
    if not parts or bad:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {', '.join(bad) or '(none given)'}; valid: {', '.join(FORMATS)}"
        )
    return parts


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tensorkv-check",
        description="Machine checks of Chen et al. 2025, 'Time and Memory Trade-off of "
        "KV-Cache Compression in Tensor Transformer Decoding' (arXiv 2503.11108).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="run the four-cache, two-cache and naive decoders side by side",
        description="Stream n random tokens into the four-cache, two-cache and naive "
        "four-cache decoders, query each, and print agreement, memory and flops.",
        epilog="example: tensorkv-check demo --n 64 --d 16 --seed 1",
    )
    demo.add_argument("--n", type=positive_int, default=48, help="tokens to stream (default 48)")
    demo.add_argument("--d", type=positive_int, default=16, help="head dimension (default 16)")
    demo.add_argument("--seed", type=seed_type, default=0, help="random seed (default 0)")
    demo.add_argument(
        "--max-memory",
        type=byte_size,
        default=DEMO_MAX_MEMORY,
        metavar="SIZE",
        help="refuse to start when the decoders' estimated peak memory, "
        "8*d*(4*n^2 + 12*n) bytes (the two-cache cache and the naive decoder's "
        "n^2 x d key and value products), exceeds SIZE, e.g. 512MiB or 8GiB "
        "(default 2GiB)",
    )
    demo.set_defaults(func=_run_demo)

    claims = sub.add_parser(
        "claims",
        help="list the proof suite's claims with status and dependencies",
        description="Run the claims' checks and list each claim with status, source tags and dependencies.",
        epilog="example: tensorkv-check claims --format json",
    )
    claims.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (default): one row per claim, then the reasons of refuted and failing "
        "claims and the caveats; json: every claim with its checks' evidence, seed and "
        "timings",
    )
    claims.add_argument(
        "--claims",
        type=claim_ids,
        default=None,
        help="comma-separated claim ids (their dependencies are added)",
    )
    claims.add_argument("--include-slow", action="store_true", help="also run checks marked slow")
    claims.set_defaults(func=_run_claims)

    report = sub.add_parser(
        "report",
        help="run the claim checks and sweeps and write the verification report",
        description=_paragraphs(
            "Run every claim check and sweep of a profile and write report.html (self-contained), "
            "report.md (with figures/) and report.json into --out. Same seed and profile give a "
            "byte-identical report.json outside its 'timings' section.\n\n"
            "The report owns its folder's report.*, figures/ and .checkpoint/: a rerun replaces "
            "them as a set, and a folder holding anything else is refused (exit 2).\n\n"
            "Exit 0 when every check and explorer ran, 1 when one errored (its claim is then "
            "'failing'), 2 for usage errors, 130/143 when interrupted (finished tasks stay "
            "checkpointed for --resume)."
        ),
        epilog="example: tensorkv-check report --profile quick --out reports/latest --seed 0\n"
        "also:    tensorkv-check report --jobs 2 --resume   (continue an interrupted run)\n"
        "         tensorkv-check report --profile full --scheduler tcp://HOST:8786\n"
        "                                 (the sweeps on a Dask cluster)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="quick",
        help="quick (default; about 45 s on two cores) or full (large sweeps and slow checks)",
    )
    report.add_argument("--out", default="reports/latest", help="output folder (default reports/latest)")
    report.add_argument(
        "--format",
        default="html,md,json",
        type=_formats,
        help="comma-separated subset of html,md,json (default all three)",
    )
    report.add_argument("--seed", type=seed_type, default=0, help="seed of every check and sweep (default 0)")
    report.add_argument(
        "--claims",
        type=claim_ids,
        default=None,
        metavar="IDS",
        help="comma-separated claim ids: the checks of these claims and their "
        "dependencies, and only the sweeps and explorers of these claims",
    )
    report.add_argument("--quiet", action="store_true", help="no progress output")
    report.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="local worker processes for the sweeps and checks (default: the number "
        "of cores; 1 = serial). The results do not depend on it",
    )
    report.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the sweeps on a Dask cluster, e.g. tcp://HOST:8786 (needs "
        "pip install '.[dask]'); overrides --jobs",
    )
    report.add_argument(
        "--resume",
        action="store_true",
        help="reuse the results an interrupted run checkpointed in OUT/.checkpoint/ "
        "and compute only the rest; refused (exit 2) unless seed, profile, --claims "
        "and the code version all match",
    )
    report.set_defaults(func=_run_report)

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

    proof = sub.add_parser(
        "proof",
        help="check one claim's proof and print its steps and axiom ledger",
        description=_paragraphs(
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

    bench = sub.add_parser(
        "bench",
        help="run the benchmarks (ratios measured in one run, JSON written)",
        description="Run the speed and memory benchmarks; each measures its reference in "
        "the same run and prints ratios.",
        epilog="example: tensorkv-check bench --only four_cache_gemm",
        add_help=False,  # --help reaches the benchmark runner, which lists its own options
    )
    # The runner's own options (--only, --quick, ..., --help) are passed through untouched.
    bench.set_defaults(func=_run_bench)

    from tensorkv_check.claims.exploration import DEFAULT_BUDGET, EXAMPLES_DIR

    explore = sub.add_parser(
        "explore",
        help="search for counterexamples to one claim (shrunk, saved, replayable)",
        description=_paragraphs(
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

    # The audit of an outside compressor against the lower bounds (tensorkv_check.audit).
    from tensorkv_check.audit.command import add_parser as add_audit_parser

    add_audit_parser(sub)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from tensorkv_check import FourCacheDecoder, NaiveFourCacheDecoder, TwoCacheDecoder

    n, d = args.n, args.d
    need = demo_peak_bytes(n, d)
    if need > args.max_memory:  # checked before any allocation, not after numpy runs out
        print(
            f"tensorkv-check demo: error: n={n}, d={d} needs about {format_bytes(need)} "
            f"(8*d*(4*n^2 + 12*n) bytes), more than the limit --max-memory "
            f"{format_bytes(args.max_memory)}; lower --n or --d, or raise --max-memory",
            file=sys.stderr,
        )
        return 2
    rng = np.random.default_rng(args.seed)
    decoders: dict[str, FourCacheDecoder | TwoCacheDecoder | NaiveFourCacheDecoder] = {
        "four-cache": FourCacheDecoder(d),
        "two-cache": TwoCacheDecoder(d),
        "naive four-cache": NaiveFourCacheDecoder(d),
    }
    for _ in range(n):
        k1, k2, v1, v2 = rng.standard_normal((4, d))
        for dec in decoders.values():
            dec.append(k1, k2, v1, v2)
    q = rng.standard_normal(d)
    outs = {name: dec.query(q) for name, dec in decoders.items()}
    ref = outs["naive four-cache"]
    print(f"tensor-attention decoders after n={n} tokens, d={d}, seed={args.seed}")
    print(f"{'decoder':<18}{'memory bytes':>14}{'flops/step':>14}{'max |diff| vs naive':>22}")
    for name, dec in decoders.items():
        diff = float(np.max(np.abs(outs[name] - ref)))
        print(f"{name:<18}{dec.memory_bytes:>14,}{dec.last_step_flops:>14,}{diff:>22.3e}")
    print(
        f"expected memory: four-cache 4*n*d*8 = {4 * n * d * 8:,}, two-cache 2*n^2*d*8 = "
        f"{2 * n * n * d * 8:,}"
    )
    return 0


def _run_claims(args: argparse.Namespace) -> int:
    from tensorkv_check.claims.listing import run_claims_command

    return run_claims_command(args)


class _Progress:
    """Progress on stderr: a tqdm bar per sweep on a terminal, plain lines otherwise.

    Called by the sweep runner as ``progress(name, done, total, result)`` when a sweep
    starts (``result`` None) and as each task finishes; nothing is shown if quiet.
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = not quiet and sys.stderr.isatty()
        self.bar = None

    def __call__(self, name: str, done: int, total: int, result) -> None:
        if self.quiet:
            return
        if result is None:
            self.close()
            if self.tty:
                from tensorkv_check.claims.listing import progress_bar

                self.bar = progress_bar(total, name, "task")
            return
        what = result.task.label if len(result.task.label) <= 70 else result.task.label[:67] + "..."
        state = "resumed" if result.resumed else ("ok" if result.ok else "ERROR")
        if self.bar is not None:
            self.bar.set_postfix_str(what[:40], refresh=False)
            self.bar.update(1)
        else:
            print(f"[{name} {done}/{total}] {what} {state}", file=sys.stderr, flush=True)

    def stage(self, name: str) -> None:
        if not self.quiet and not self.tty:
            print(f"[stage] {name}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _load_registry():
    from tensorkv_check.claims.registry import load_all

    return load_all()


def _run_report(args: argparse.Namespace) -> int:
    import time

    from tensorkv_check.claims.loader import claim_packages
    from tensorkv_check.claims.registry import CheckContext, RegistryError
    from tensorkv_check.report import build_report, check_out_dir, write_report
    from tensorkv_check.runner.sweep_runner import (
        DaskUnavailableError,
        SweepRunner,
        code_version,
        default_jobs,
        manifest_differences,
        write_manifest,
    )

    def usage(msg: str) -> int:
        print(f"tensorkv-check report: error: {msg}", file=sys.stderr)
        return 2

    try:
        # Fail before any work, not after minutes of it; create nothing yet (a usage
        # error must leave no folder behind).
        check_out_dir(args.out)
        out = Path(args.out)
    except ValueError as exc:
        return usage(str(exc))
    ckpt = out / ".checkpoint"
    progress = _Progress(args.quiet)
    try:
        runner = SweepRunner(
            jobs=args.jobs or default_jobs(),
            scheduler=args.scheduler,
            checkpoint_dir=ckpt,
            resume=args.resume,
            progress=progress,
        )
        runner.connect()  # an unreachable scheduler fails now, before anything is created
    except (DaskUnavailableError, ConnectionError, ValueError, TypeError) as exc:
        return usage(str(exc))
    runner.warm()  # workers boot while the claim registry loads
    ids = None
    try:
        registry = _load_registry()
        if args.claims is not None:
            ids = list(args.claims)
            registry.select(ids)
    except RegistryError as exc:
        runner.close(kill=True)
        return usage(str(exc))
    except BaseException:
        runner.close(kill=True)
        raise
    # What the checkpointed results belong to: a resumed run must match it exactly.
    manifest = {
        "seed": args.seed,
        "profile": args.profile,
        "claims": None if ids is None else sorted(ids),
        "code": code_version(["tensorkv_check", *claim_packages()]),
    }
    if args.resume:
        if not ckpt.is_dir():
            print(f"note: nothing to resume in {ckpt}; computing everything", file=sys.stderr)
        else:
            diff = manifest_differences(ckpt, manifest)
            if diff:
                runner.close(kill=True)
                return usage(
                    f"--resume: the checkpoint in {ckpt} was made by a different run; "
                    + "; ".join(diff)
                    + ". Rerun with the same options, or without --resume "
                    "to start afresh"
                )
    else:
        shutil.rmtree(ckpt, ignore_errors=True)  # a fresh run: never leave others' results to resume later
    write_manifest(ckpt, manifest)
    t0 = time.perf_counter()
    try:
        with runner:
            report = build_report(
                registry,
                CheckContext(seed=args.seed, profile=args.profile),
                claim_ids=ids,
                on_stage=progress.stage,
                runner=runner,
            )
    except KeyboardInterrupt as exc:
        progress.close()
        print(
            f"tensorkv-check report: {'terminated' if isinstance(exc, Terminated) else 'interrupted'}; "
            "the previous report is untouched. Finished tasks "
            f"are checkpointed in {ckpt}: rerun with --resume to continue.",
            file=sys.stderr,
        )
        return interrupted_status(exc)
    except (OSError, RuntimeError) as exc:  # scheduler unreachable; a sweep task failed
        progress.close()
        print(
            f"tensorkv-check report: error: {exc}\nNo report was written; the previous one is untouched.",
            file=sys.stderr,
        )
        return 1
    finally:
        progress.close()
    written = write_report(report, out, args.format)
    shutil.rmtree(ckpt, ignore_errors=True)  # the report is complete: nothing left to resume
    if not args.quiet:
        summary = ", ".join(f"{n} {s}" for s, n in report["summary"].items())
        print(
            f"{_plural(len(report['claims']), 'claim')}: {summary}  ({time.perf_counter() - t0:.1f} s, "
            f"{runner.mode}{'' if runner.mode != 'processes' else f' x{runner.jobs}'})"
        )
        narrowed = report.get("narrowed")
        if narrowed is not None:
            n_exp = len((report["sweeps"].get("explore") or {}).get("explorers") or [])
            print(
                f"--claims {','.join(ids or [])}: ran the checks of "
                f"{_plural(len(report['claims']), 'claim')} (with dependencies), the sweeps "
                f"{', '.join(narrowed['sections']) or '(none)'} and {_plural(n_exp, 'explorer')}; skipped "
                f"the sweeps {', '.join(narrowed['skipped_sections']) or '(none)'}"
            )
        for path in written:
            if path.parent == out:
                print(f"wrote {path}")
    for node in report["errored_checks"]:  # shown even with --quiet: it sets the exit code
        print(f"check errored: {node}", file=sys.stderr)
    return 1 if report["errored_checks"] else 0


def _check_lines(name: str, r: Any) -> list[str]:
    """The evidence of one check result, wrapped: summary, then scope, interval and
    parameters only where the summary does not already state them."""
    d = r.to_dict()
    lines = [
        _wrap(f"- {name}: {d['outcome']}", indent="  ", sub="      "),
        _wrap(d["summary"], indent="      "),
    ]
    if d.get("scope") and d["scope"] not in d["summary"]:
        lines.append(_wrap(f"scope: {d['scope']}", indent="      "))
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
        lines.append(_wrap(text, indent="      "))
    if d.get("counterexample"):
        lines.append(
            _wrap(
                "counterexample: " + json.dumps(d["counterexample"], sort_keys=True, ensure_ascii=False),
                indent="      ",
            )
        )
    if d.get("reproduce"):
        lines.append(_wrap(f"reproduce: {d['reproduce']}", indent="      "))
    if d["outcome"] == "error":
        lines.append(_indent(r.details.get("traceback", "").rstrip(), "      "))
    return lines


def _run_check(args: argparse.Namespace) -> int:
    from tensorkv_check.claims.registry import CheckContext, RegistryError

    registry = _load_registry()
    try:
        order = registry.select([args.claim_id])
    except RegistryError as exc:
        print(f"tensorkv-check check: error: {exc}", file=sys.stderr)
        return 2
    include_slow = args.profile == "full"
    ctx = CheckContext(seed=args.seed, profile=args.profile)
    total = sum(1 for cid in order for ck in registry[cid].checks if include_slow or not ck.slow)
    with _bar(total, "check", "check") as bar:

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
    print(_wrap(f"{args.claim_id} [{c.paper_ref}; {', '.join(c.sources)}]: {res.status.upper()}", indent=""))
    print(_wrap(c.statement))
    print(_wrap(f"why: {res.reason}"))
    print(
        _wrap(
            f"proof: {res.proof_status}; evidence: {res.evidence_status}"
            + ("" if c.proof is None else f" ('tensorkv-check proof {args.claim_id}' prints the proof)")
        )
    )
    for cav in c.caveats:
        print(_wrap(f"caveat: {cav}"))
    for name, r in res.results.items():
        print("\n".join(_check_lines(name, r)))
    deps = [cid for cid in results if cid != args.claim_id]
    if deps:
        print(
            "\n"
            + _wrap(
                f"dependencies ({len(deps)}, run first; 'tensorkv-check check ID' shows one in full):",
                indent="",
            )
        )
        for cid in deps:
            dres = results[cid]
            line = f"{cid}: {dres.status.upper()}"
            if dres.status not in ("proved", "cited"):
                line += f" ({dres.reason})"
            print(_wrap(line, indent="  ", sub="      "))
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
        f"{args.claim_id}: {res.status}; {_plural(len(res.results), 'check')} run"
        + (" (" + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) + ")" if outcomes else "")
        + f"; {_plural(len(deps), 'dependency').replace('dependencys', 'dependencies')}"
        + (" (" + ", ".join(f"{n} {st}" for st, n in sorted(statuses.items())) + ")" if statuses else "")
        + f"; seed {args.seed}, {args.profile} profile"
        + (f"; {_plural(len(errored), 'check')} errored: {', '.join(errored)}" if errored else "")
    )
    print("\n" + _wrap(summary, indent=""))
    return 1 if errored else 0


def _run_proof(args: argparse.Namespace) -> int:
    from tensorkv_check.claims.proof_text import format_proof
    from tensorkv_check.claims.status import claim_axes

    try:
        registry = _load_registry()
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
        print(_wrap(f"{args.claim_id} [{claim.paper_ref}]: proof {status}: {why}", indent=""))
        return 0
    result, ledger = checked[args.claim_id]
    deps = {}
    for d in claim.depends_on:
        dep = registry[d]
        deps[d] = checked[d][0].status if d in checked else "cited" if dep.cited_reason else "unproved"
    status, reason, _ = claim_axes(claim, {}, deps, result)
    print(format_proof(claim.proof, result, ledger))
    print(_wrap(f"claim proof status: {status} ({reason})", indent=""))
    return 0


def _run_bench(args: argparse.Namespace) -> int:
    # The benchmarks live in the source checkout, not in the installed package: run them
    # as ``python -m benchmarks`` from the current directory (a clone of the project).
    import subprocess

    if not (Path.cwd() / "benchmarks" / "__main__.py").is_file():
        print(
            "tensorkv-check bench: the benchmarks live in the project's source checkout; "
            "run this command from the root of a clone (no benchmarks/ here)",
            file=sys.stderr,
        )
        return 2
    cmd = [sys.executable, "-m", "benchmarks", *[a for a in args.bench_args if a != "--"]]
    env = dict(os.environ, TENSORKV_BENCH_PROG="tensorkv-check bench")
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # On a terminal Ctrl-C reached the benchmarks too; a signal sent to this process
        # alone is passed on as SIGTERM, which ends the child silently even while it is
        # still starting. Either way the child ends before this command does.
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise


class _bar:
    """A tqdm bar on stderr when stderr is a terminal (else nothing); ``write`` prints a
    line to stdout without breaking the bar."""

    def __init__(self, total: int, desc: str, unit: str) -> None:
        self.bar = None
        if sys.stderr.isatty():
            from tensorkv_check.claims.listing import progress_bar

            self.bar = progress_bar(total, desc, unit)

    def __enter__(self) -> _bar:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=refresh)

    def write(self, line: str) -> None:
        if self.bar is not None:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
        else:
            print(line)


def _width() -> int:
    """The terminal's width for wrapped output (80 when unknown or reported as 0)."""
    cols = shutil.get_terminal_size((80, 24)).columns
    return cols if cols >= 20 else 80


def _wrap(text: str, indent: str = "  ", sub: str | None = None) -> str:
    """``text`` wrapped to the terminal width, first line indented by ``indent`` and the
    others by ``sub`` (default ``indent`` + two spaces)."""
    return textwrap.fill(
        text,
        width=_width(),
        initial_indent=indent,
        subsequent_indent=indent + "  " if sub is None else sub,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _indent(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line if line else line for line in text.rstrip("\n").split("\n"))


def _run_explore(args: argparse.Namespace) -> int:
    from tensorkv_check.claims import exploration as search
    from tensorkv_check.claims.registry import RegistryError

    registry = _load_registry()
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
    with _bar(len(explorers), "explore", "explorer") as bar:
        for exp in explorers:
            bar.set_postfix_str(exp.name, refresh=False)
            res = search.explore(exp, budget=args.budget, seed=args.seed, examples=args.budget)
            bar.update(1)
            counts[res["kind"]] = counts.get(res["kind"], 0) + 1
            where = "inside its hypotheses" if exp.region == "inside" else f"outside: {exp.hypothesis}"
            bar.write("\n" + _wrap(f"{exp.key}  [{where}]", indent=""))
            if exp.description:
                bar.write(_wrap(f"property: {exp.description}"))
            bar.write(_wrap(f"{res['kind']}: {res['text']}"))
            # The closest approach to a failure only means something when none was found.
            if res["best"] is not None and res["outcome"] == "none-found":
                bar.write(f"  closest approach: {res['best']['label']} = {res['best']['score']:.6g}")
            obs = res["observations"] or {}
            if obs.get("summary"):
                bar.write(_wrap(f"side study: {obs['summary']}"))
            measured = {k: v for k, v in res["timings"].items() if not k.endswith("_seconds")}
            if measured:
                bar.write(_wrap(f"measured (not deterministic): {json.dumps(measured, default=str)}"))
            if res["outcome"] == "error":
                crashed = True
            if res["example"] is not None:
                path = search.save_case(res)
                bar.write(f"  minimal example saved to {path}")
                bar.write("  reproduce with:")
                bar.write(_indent(res["snippet"]))
    print(
        "\n"
        + _wrap(
            f"{args.claim_id}: {_plural(len(explorers), 'explorer')} at up to "
            f"{_plural(args.budget, 'example')} each (seed {args.seed}): "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
            indent="",
        )
    )
    return 1 if crashed else 0


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM.

    A subclass of :class:`KeyboardInterrupt`, so that every clean-up path written for
    Ctrl-C (worker pools killed, temporary files removed, the previous report left
    untouched) runs for SIGTERM too; only the exit status differs (143, not 130).
    """


def interrupted_status(exc: BaseException) -> int:
    """Exit status of an interruption: 143 for SIGTERM, 130 for SIGINT (128 + signal)."""
    return 143 if isinstance(exc, Terminated) else 130


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def _silence_stdout() -> None:
    # The reader closed the pipe: later writes (and the interpreter's final flush) go
    # to /dev/null instead of raising BrokenPipeError once more at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tensorkv-check`` console script.

    SIGINT and SIGTERM end every sub-command with one line on stderr and exit status 130
    or 143; files are only ever replaced atomically, so nothing is left half-written.
    A reader that closes stdout early (``| head``) ends the command quietly, status 0.
    """
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), "")  # named even before parsing
    try:
        parser = build_parser()
        args, rest = parser.parse_known_args(argv)
        command = args.command
        if rest and args.command != "bench":
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        args.bench_args = rest
        return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(
            f"tensorkv-check{' ' + command if command else ''}: {what}; no file was left half-written",
            file=sys.stderr,
        )
        return interrupted_status(exc)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
