"""Run the benchmarks: ``python -m benchmarks [--only NAME ...] [--out DIR] [--quick]``.

Also reached as ``tensorkv-check bench ARGS``. Prints one line per reported quantity
(median, [min .. max] over the repetitions, target, PASS/MISS/INFO) and writes one JSON
file per run into the output directory (default ``benchmarks/results/``, gitignored),
atomically. Exit status: 0 when every requested benchmark ran (a MISS is a measured
result, not an error, unless ``--fail-on-miss``), 1 when one raised, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from benchmarks._harness import (
    SETTLE_SECONDS,
    BenchConfig,
    CpuMonitor,
    load_snapshot,
    machine_info,
    utc_now,
    wait_for_quiet,
    write_json_atomic,
)
from benchmarks.suite import BENCHMARKS, TIMED
from tensorkv_check.cli.argtypes import non_negative_int, positive_int

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
SCHEMA = 1
#: Share of all CPUs used by other processes (or stolen) above which a warning is printed.
CONTENTION_WARN = 0.05


#: Set by ``tensorkv-check bench`` (which runs this module in a subprocess) so that help
#: and error messages are signed with the command the user typed.
PROG_ENV = "TENSORKV_BENCH_PROG"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    prog = prog or os.environ.get(PROG_ENV) or "python -m benchmarks"
    parser = argparse.ArgumentParser(
        prog=prog,
        epilog=f"example: {prog} --only four_cache_gemm --quick",
        description="Speed and memory benchmarks of the tensor-attention decoders. Every "
        "benchmark measures its reference in the same run, interleaved with the subject, "
        "and reports ratios (median and [min .. max] over the repetitions).",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=sorted(BENCHMARKS),
        help=f"run only these benchmarks (of: {', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="directory for the JSON result file (default benchmarks/results/)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and fewer repetitions, for smoke runs"
    )
    parser.add_argument(
        "--reps",
        type=positive_int,
        default=None,
        help="timed repetitions per measurement (default 7, quick 5)",
    )
    parser.add_argument(
        "--warmup",
        type=non_negative_int,
        default=1,
        help="untimed warm-up rounds before the repetitions (default 1)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=SETTLE_SECONDS,
        metavar="SECONDS",
        help="untimed pause before each timed call, so that BLAS threads "
        "still spinning from the previous call are idle "
        f"(default {SETTLE_SECONDS})",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--wait-quiet",
        type=non_negative_int,
        default=0,
        metavar="SECONDS",
        help="before each timed benchmark, wait up to SECONDS for other processes "
        f"to use under {CONTENTION_WARN:.0%}% of the CPUs (default 0: do not wait)",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit with status 1 when a target is missed"
    )
    return parser


def _header(info: dict) -> str:
    blas = (
        ", ".join(
            f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} x{b.get('num_threads')}"
            for b in info["blas"]
            if "internal_api" in b
        )
        or "none found"
    )
    return (
        f"numpy {info['numpy']}, python {info['python']}, {info['cpu_count']} CPUs "
        f"({info['cpu_model']}), BLAS: {blas}, "
        f"OPENBLAS_CORETYPE={info['env']['OPENBLAS_CORETYPE']}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Under ``tensorkv-check bench`` the parent prints the one line; alone, print it here.
        if not os.environ.get(PROG_ENV):
            print("python -m benchmarks: interrupted; no result file was written", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help or a usage error: keep main() returning an int
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 2
    if args.list:
        for name, fn in BENCHMARKS.items():
            print(f"{name:<24}{(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    names = [n for n in BENCHMARKS if args.only is None or n in args.only]
    cfg = BenchConfig(
        quick=args.quick,
        reps=args.reps or (5 if args.quick else 7),
        warmup=args.warmup,
        seed=args.seed,
        settle=max(0.0, args.settle),
    )
    info = machine_info()
    started = utc_now()
    print(_header(info))
    print(
        f"reps={cfg.reps} warmup={cfg.warmup} settle={cfg.settle}s seed={cfg.seed} "
        f"quick={cfg.quick}"
        + ("  (quick sizes are smaller than the targets were set for)" if cfg.quick else "")
    )
    print(
        f"{'benchmark':<26}{'case':<22}{'quantity':<40}{'median':>9} {'[min .. max]':<20}{'target':<9}status"
    )
    results, counts = {}, {"PASS": 0, "MISS": 0, "INFO": 0, "ERROR": 0}
    for name in names:
        waited = None
        if args.wait_quiet and name in TIMED:
            waited = wait_for_quiet(args.wait_quiet, CONTENTION_WARN)
            if not waited["quiet"]:
                print(f"{'':<26}note: the machine did not become quiet within {args.wait_quiet} s")
        t0 = time.perf_counter()
        load_before = load_snapshot()
        monitor = CpuMonitor()
        try:
            checks, details = BENCHMARKS[name](cfg)
        except Exception as exc:  # report and go on with the other benchmarks
            counts["ERROR"] += 1
            print(f"{name:<26}ERROR: {type(exc).__name__}: {exc}")
            results[name] = {
                "error": "".join(traceback.format_exception(exc)),
                "seconds": time.perf_counter() - t0,
            }
            continue
        contention = monitor.stop()
        for check in checks:
            counts[check.status] += 1
            print(check.line(), flush=True)
        shares = [v for v in (contention["other_share"], contention["steal_share"]) if v is not None]
        if name in TIMED and shares and max(shares) > CONTENTION_WARN:
            print(
                f"{'':<26}WARNING: while {name} ran, other processes used "
                f"{contention['other_share']:.0%} and the hypervisor stole "
                f"{contention['steal_share']:.0%} of the CPUs; its ratios are not clean"
            )
        results[name] = {
            "description": (BENCHMARKS[name].__doc__ or "").strip(),
            "checks": [c.as_dict() for c in checks],
            "details": details,
            "contention": {
                **contention,
                "load_before": load_before,
                "load_after": load_snapshot(),
                "wait_quiet": waited,
            },
            "seconds": time.perf_counter() - t0,
        }
    payload = {
        "schema": SCHEMA,
        "started": started,
        "finished": utc_now(),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "config": {
            "quick": cfg.quick,
            "reps": cfg.reps,
            "warmup": cfg.warmup,
            "seed": cfg.seed,
            "settle_seconds": cfg.settle,
            "wait_quiet": args.wait_quiet,
        },
        "machine": info,
        "benchmarks": results,
        "summary": counts,
    }
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"bench-{stamp}-{os.getpid()}{'-quick' if cfg.quick else ''}.json"
    write_json_atomic(path, payload)
    print(
        f"{counts['PASS']} PASS, {counts['MISS']} MISS, {counts['INFO']} INFO, "
        f"{counts['ERROR']} ERROR; results: {path}"
    )
    if counts["ERROR"]:
        return 1
    if args.fail_on_miss and counts["MISS"]:
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
