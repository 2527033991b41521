"""The ``tensorkv-check`` command.

Sub-commands:

* ``demo``: run the three streaming decoders of Definitions 3.7/3.8 side by side on a
  seeded random stream and print their agreement, memory and flop counts.
* ``claims``: list the proof suite's claims with status (see :mod:`proofs`).
* ``bench``: run the benchmarks of :mod:`benchmarks` (never part of the test run).

Exit codes: 0 when every requested check ran, 1 when a check errored, 2 for usage
errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {value}")
    return value


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
    demo.add_argument("--n", type=_positive_int, default=48, help="tokens to stream (default 48)")
    demo.add_argument("--d", type=_positive_int, default=16, help="head dimension (default 16)")
    demo.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    demo.set_defaults(func=_run_demo)

    claims = sub.add_parser(
        "claims",
        help="list the proof suite's claims with status and dependencies",
        description="Run the claims' checks and list each claim with status, source tags "
        "and dependencies.",
        epilog="example: tensorkv-check claims --format json",
    )
    claims.add_argument("--format", choices=("table", "json"), default="table")
    claims.add_argument("--claims", default=None, help="comma-separated claim ids (and their dependencies)")
    claims.add_argument("--include-slow", action="store_true", help="also run checks marked slow")
    claims.set_defaults(func=_run_claims)

    bench = sub.add_parser(
        "bench",
        help="run the benchmarks (ratios measured in one run, JSON written)",
        description="Run the speed and memory benchmarks; each measures its reference in "
        "the same run and prints ratios. Extra arguments go to 'python -m benchmarks'.",
        epilog="example: tensorkv-check bench --only four_cache_gemm",
    )
    bench.add_argument("bench_args", nargs=argparse.REMAINDER, help="arguments for the benchmark runner")
    bench.set_defaults(func=_run_bench)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from tensorkv_check import FourCacheDecoder, NaiveFourCacheDecoder, TwoCacheDecoder

    rng = np.random.default_rng(args.seed)
    n, d = args.n, args.d
    decoders = {
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
    print(f"expected memory: four-cache 4*n*d*8 = {4 * n * d * 8:,}, two-cache 2*n^2*d*8 = {2 * n * n * d * 8:,}")
    return 0


def _run_claims(args: argparse.Namespace) -> int:
    from proofs.cli import run_claims_command

    return run_claims_command(args)


def _run_bench(args: argparse.Namespace) -> int:
    from benchmarks.__main__ import main as bench_main

    rest = [a for a in args.bench_args if a != "--"]
    return bench_main(rest)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tensorkv-check`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
