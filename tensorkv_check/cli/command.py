"""The ``tensorkv-check`` command.

Sub-commands:

* ``demo``: run the three streaming decoders of Definitions 3.7/3.8 side by side on a
  seeded random stream and print their agreement, memory and flop counts.
* ``claims``: list the proof suite's claims with status (see :mod:`proofs`).
* ``check ID``: run one claim and its dependencies and print the evidence.
* ``proof ID``: check one claim's machine-checked proof and print it: each step's
  formula, backend, what it uses and its time, then the transitive axiom ledger.
* ``selftest``: plant bugs in the engine and in the proofs, one at a time, and print per
  mutant which claim check caught it or which proof step failed, and the kill rates.
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
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tensorkv_check.cli._claim_commands import add_check_parser, add_explore_parser, add_proof_parser
from tensorkv_check.cli._common import Terminated, interrupted_status
from tensorkv_check.cli._report_command import add_report_parser
from tensorkv_check.cli._selftest_command import add_selftest_parser
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

    add_report_parser(sub)
    add_check_parser(sub)
    add_proof_parser(sub)
    add_selftest_parser(sub)

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

    add_explore_parser(sub)

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


def console_main() -> None:
    """The console script: :func:`main`, then exit with its status.

    An interrupted command exits at once with 130/143 after the ``atexit`` handlers (which
    stop worker processes) have run: the interpreter's own shutdown would otherwise turn a
    KeyboardInterrupt that a library flagged as unhandled (seen under load, once the one
    line was printed) into death by SIGINT, status -2 instead of 130.
    """
    status = main()
    if status in (130, 143):
        import atexit

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        atexit._run_exitfuncs()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    console_main()
