"""``tensorkv-check audit``: run a compressor against the lower bounds and write the audit report.

Wired into the ``tensorkv-check`` command by :func:`add_parser` (the sub-command's
arguments) and :func:`run` (its action)::

    tensorkv-check audit MODULE:OBJECT [--param NAME=V1,V2,...] [--models M1,M2]
                         [--profile quick|full] [--out DIR] [--seed N] [--isolate]
    tensorkv-check audit --list

Exit codes: 0 consistent with the bounds, 1 impossible (beats Fano) or protocol broken,
2 usage errors (unknown target, bad ``--param``, protocol not implemented: the message
names the missing or wrong member).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

__all__ = ["add_parser", "run", "main", "list_lines"]

_EPILOG = """examples:
  tensorkv-check audit examples/int8_cache.py:TokenQuantizer --param bits=1,2,4
  tensorkv-check audit mypackage.cache:MyCache --models standard --isolate
  tensorkv-check audit quant --param budget=1,2   (a built-in family)
  tensorkv-check audit --list                     (built-ins and plugins)

exit status: 0 consistent with the bounds, 1 impossible (beats Fano) or
protocol broken, 2 usage error (including an object that does not implement
the protocol)."""


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {v}")
    return v


def _configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "target",
        nargs="?",
        metavar="MODULE:OBJECT",
        help="the compressor: MODULE:OBJECT (module or .py file; OBJECT(d, **params) returns a "
        "cache-algorithm object), a plugin name or a built-in family name",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="budget grid of one parameter (repeatable; default: the object's audit_params)",
    )
    p.add_argument(
        "--models",
        default=None,
        metavar="M1,M2",
        help="Index models to audit (default: every model whose input kind the compressor ingests): "
        "standard, four-cache, two-cache, two-cache-structured",
    )
    p.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="quick",
        help="instance sizes: quick (default, well under a minute) or full",
    )
    p.add_argument("--out", default="reports/audit", help="output folder (default reports/audit)")
    p.add_argument("--format", default="html,md,json", help="comma-separated subset of html,md,json")
    p.add_argument(
        "--seed", type=_seed, default=0, help="seed of the instances and Bob's queries (default 0)"
    )
    p.add_argument(
        "--isolate",
        action="store_true",
        help="also run Bob in a fresh process and report whether he still decodes there",
    )
    p.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the built-in families and plugins drawn beside the compressor",
    )
    p.add_argument("--no-benign", action="store_true", help="skip the benign-input error measurement")
    p.add_argument(
        "--list", action="store_true", help="list the built-in families and installed plugins, and exit"
    )
    p.add_argument("--quiet", action="store_true", help="print only the verdict and its evidence")
    return p


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``audit`` sub-command to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser(
        "audit",
        help="audit a KV-cache compressor against the lower bounds (exit 1 if it beats Fano)",
        description=textwrap.fill(
            "Run a compressor as Alice on the adversarial Index instances of every model it supports and on "
            "benign inputs, over its budget grid; decide whether its measured memory is consistent with "
            "Fano's bound M >= (1 - h(p))·N, and write audit.html, audit.md and audit.json into --out.",
            79,
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _configure(p)
    p.set_defaults(func=run)
    return p


def list_lines() -> list[str]:
    """Built-in families and installed plugins (broken plugins named with their error)."""
    from tensorkv_check.audit.target import BUILTIN_GRIDS
    from tensorkv_check.frontier import CATALOGUE
    from tensorkv_check.frontier.plugins import ENTRY_POINT_GROUP, load_plugins

    lines = ["built-in families (audit NAME --param budget=...):"]
    for name, entry in sorted(CATALOGUE.items()):
        lines.append(
            f"  {name:10s} {entry.family:13s} budget: {entry.budget}; default "
            f"{list(BUILTIN_GRIDS.get(name, ()))}"
        )
    scan = load_plugins()
    lines.append(f"plugins (entry-point group {ENTRY_POINT_GROUP!r}):")
    body = scan.summary()
    lines += [f"  {ln}" for ln in body] if body else ["  none installed"]
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the ``audit`` sub-command for parsed ``args``; returns the exit status."""
    from tensorkv_check._util.io import ensure_writable_dir
    from tensorkv_check.audit.oracle import run_audit
    from tensorkv_check.audit.report import FORMATS, summary_lines, write_audit
    from tensorkv_check.audit.target import AuditUsageError, load_target, parse_param

    if args.list:
        print("\n".join(list_lines()))
        return 0
    try:
        if not args.target:
            raise AuditUsageError("give the compressor as MODULE:OBJECT (or --list)")
        formats = [f.strip() for f in args.format.split(",") if f.strip()]
        if not formats or any(f not in FORMATS for f in formats):
            raise AuditUsageError(
                f"--format must be a comma-separated subset of {','.join(FORMATS)}, got {args.format!r}"
            )
        grid: dict[str, tuple[Any, ...]] = {}
        for text in args.param:
            name, values = parse_param(text)
            if name in grid:
                raise AuditUsageError(f"bad --param: {name} given twice")
            grid[name] = values
        models = None if args.models is None else [m.strip() for m in args.models.split(",") if m.strip()]
        try:
            ensure_writable_dir(args.out)  # before the run, not after it
        except ValueError as exc:
            raise AuditUsageError(str(exc)) from None
        target = load_target(args.target)
        say = None if args.quiet else (lambda line: print(line, file=sys.stderr))
        audit = run_audit(
            target,
            grid or None,
            models=models,
            profile=args.profile,
            seed=args.seed,
            isolate=args.isolate,
            reference=not args.no_reference,
            plugins=not args.no_reference,
            benign=not args.no_benign,
            progress=say,
        )
    except AuditUsageError as exc:
        print(f"tensorkv-check audit: error: {exc}", file=sys.stderr)
        return 2
    try:
        files = write_audit(audit, args.out, formats)
    except ValueError as exc:  # an --out that is not a writable folder
        print(f"tensorkv-check audit: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary_lines(audit)))
    if not args.quiet:
        for f in files:
            print(f"wrote {f}", file=sys.stderr)
        print(f"audit wall time {audit['timings']['total']:.1f} s", file=sys.stderr)
    return int(audit["verdict"]["exit_code"])


def main(argv: list[str] | None = None) -> int:
    """``python -m tensorkv_check.audit.command ...``: the sub-command on its own (until wired into
    the CLI)."""
    parser = _configure(
        argparse.ArgumentParser(
            prog="tensorkv-check audit", epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
