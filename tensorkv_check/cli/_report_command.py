"""The ``report`` sub-command: runs the claim checks and sweeps through a sweep runner
(with checkpoints and ``--resume``) and writes the verification report."""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
from pathlib import Path

from tensorkv_check.cli import _common
from tensorkv_check.cli._common import Terminated, interrupted_status, paragraphs, plural
from tensorkv_check.cli.argtypes import claim_ids, positive_int
from tensorkv_check.cli.argtypes import seed as seed_type


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command to ``sub``."""
    report = sub.add_parser(
        "report",
        help="run the claim checks and sweeps and write the verification report",
        description=paragraphs(
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
        help="quick (default; about 30 s on two cores) or full (large sweeps and slow checks; "
        "under 5 minutes)",
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
        "--timings",
        action="store_true",
        help="at the end, print where the time went (stages, sweeps with their parallel "
        "efficiency, task functions, phases inside tasks) as Markdown tables on stdout, even "
        "with --quiet; the same data are in report.json's 'timings' section",
    )
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


def _formats(text: str) -> list[str]:
    from tensorkv_check.report import FORMATS

    parts = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if p not in FORMATS]
    if not parts or bad:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {', '.join(bad) or '(none given)'}; valid: {', '.join(FORMATS)}"
        )
    return parts


class _Progress:
    """Progress on stderr: a tqdm bar per sweep on a terminal, plain lines otherwise.

    Called by the sweep runner as ``progress(name, done, total, result)`` when a sweep
    starts (``result`` None) and as each task finishes; nothing is shown if quiet.
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = not quiet and sys.stderr.isatty()
        self.bar = None
        # Several sweeps report at once (the report overlaps its stages): one bar counts
        # the tasks of every sweep started so far, its total growing as sweeps start.
        self.lock = threading.Lock()

    def __call__(self, name: str, done: int, total: int, result) -> None:
        if self.quiet:
            return
        with self.lock:
            if result is None:
                if self.tty:
                    if self.bar is None:
                        from tensorkv_check.claims.listing import progress_bar

                        self.bar = progress_bar(total, "tasks", "task")
                    else:
                        self.bar.total += total
                        self.bar.refresh()
                return
            what = result.task.label if len(result.task.label) <= 70 else result.task.label[:67] + "..."
            state = "resumed" if result.resumed else ("ok" if result.ok else "ERROR")
            if self.bar is not None:
                self.bar.set_postfix_str(f"{name}: {what}"[:50], refresh=False)
                self.bar.update(1)
            else:
                print(f"[{name} {done}/{total}] {what} {state}", file=sys.stderr, flush=True)

    def stage(self, name: str) -> None:
        if not self.quiet and not self.tty:
            with self.lock:
                print(f"[stage] {name}", file=sys.stderr, flush=True)

    def close(self) -> None:
        with self.lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None


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
        registry = _common.load_registry()
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
            f"{plural(len(report['claims']), 'claim')}: {summary}  ({time.perf_counter() - t0:.1f} s, "
            f"{runner.mode}{'' if runner.mode != 'processes' else f' x{runner.jobs}'})"
        )
        narrowed = report.get("narrowed")
        if narrowed is not None:
            n_exp = len((report["sweeps"].get("explore") or {}).get("explorers") or [])
            print(
                f"--claims {','.join(ids or [])}: ran the checks of "
                f"{plural(len(report['claims']), 'claim')} (with dependencies), the sweeps "
                f"{', '.join(narrowed['sections']) or '(none)'} and {plural(n_exp, 'explorer')}; skipped "
                f"the sweeps {', '.join(narrowed['skipped_sections']) or '(none)'}"
            )
        for path in written:
            if path.parent == out:
                print(f"wrote {path}")
    if args.timings:
        from tensorkv_check.report.timings_table import timings_table

        print(timings_table(report), end="")
    for node in report["errored_checks"]:  # shown even with --quiet: it sets the exit code
        print(f"check errored: {node}", file=sys.stderr)
    return 1 if report["errored_checks"] else 0
