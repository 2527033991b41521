"""The benchmarks of Remark 3.9 (rem:tradeoff) and of the four-cache engine.

Each function takes a :class:`~benchmarks._harness.BenchConfig`, measures its subject and
its reference in the same run (interleaved), and returns ``(checks, details)``: the
reported quantities, and a JSON-ready dict of supporting measurements (rates, byte
counts, agreement of outputs).

Flop and byte conventions (recorded in the JSON too):

* a four-cache step over ``n`` tokens counts ``4·n²·d`` flops (the two matrix products
  of def:tensor-attention's identity; exp, max and the like are not counted);
* a square ``g×g`` GEMM counts ``2·g³`` flops;
* a two-cache step reads ``2·rows·d·8`` bytes (K̃ and Ṽ once each);
* the bandwidth reference is ``np.copyto`` of a large array counting read + write,
  ``2·size`` bytes per copy (the STREAM "copy" convention; glibc copies blocks this
  large with non-temporal stores, so no write-allocate traffic goes uncounted).
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from benchmarks._harness import BenchConfig, Check, interleaved, stats
from tensorkv_check import (
    FourCacheDecoder,
    NaiveFourCacheDecoder,
    TwoCacheDecoder,
    kron,
)
from tensorkv_check.engine._fastexp import exp_shifted_inplace, jit_available

__all__ = ["BENCHMARKS", "TIMED"]

MiB = 1024 * 1024
Result = tuple[list[Check], dict[str, Any]]


def _factors(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, ...]:
    return tuple(rng.standard_normal((n, d)) for _ in range(4))


def _four_cache(factors: tuple[np.ndarray, ...], d: int, cls=FourCacheDecoder) -> FourCacheDecoder:
    dec = cls(d)
    dec.append(*factors)  # a (n, d) block appends n tokens at once
    return dec


def _rates(work: float, times: list[float]) -> list[float]:
    return [work / t for t in times]


def _max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max |b|: agreement of two outputs relative to the output scale."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


# ------------------------------------------------------------------ 1. four_cache_gemm


def four_cache_gemm(cfg: BenchConfig) -> Result:
    """Achieved GFLOP/s of one four-cache step over the same run's float64 GEMM rate."""
    sizes = [(512, 64), (1024, 32)] if cfg.quick else [(2048, 128), (4096, 64)]
    g = 1024 if cfg.quick else 2048
    rng = cfg.rng(1)
    Ga, Gb = rng.standard_normal((g, g)), rng.standard_normal((g, g))
    Gc = np.empty((g, g))

    def gemm() -> None:
        np.matmul(Ga, Gb, out=Gc)

    # The step's exp (tensorkv_check.engine._fastexp: compiled and vectorised when numba is
    # available, numpy's otherwise) is timed alongside: the step must exponentiate all
    # n² scores, which bounds the ratio (see _exp_ceiling).
    x = -rng.random((1 << 8, 1 << 12))
    y = np.empty_like(x)

    def exp() -> None:
        np.copyto(y, x)
        exp_shifted_inplace(y, 0.0)

    cpus = _cpus()
    checks, details = (
        [],
        {
            "gemm_size": g,
            "gemm_flops": "2*g^3",
            "step_flops": "4*n^2*d",
            "cpus": cpus,
            "exp_ceiling": "4d/R / (4d/R + t_exp/cpus): the ratio if both products ran at the "
            "GEMM rate R and the n² exps (t_exp each on one thread) were split perfectly over the "
            "CPUs, nothing else taking time",
            "cases": [],
        },
    )
    for n, d in sizes:
        dec = _four_cache(_factors(rng, n, d), d)
        q = rng.standard_normal(d)
        times = interleaved(
            {"gemm": gemm, "step": lambda dec=dec, q=q: dec.query(q), "exp": exp},
            cfg.reps,
            cfg.warmup,
            cfg.settle,
        )
        step = _rates(4 * n * n * d / 1e9, times["step"])
        ref = _rates(2 * g**3 / 1e9, times["gemm"])
        exp_ns = [t / x.size * 1e9 for t in times["exp"]]
        ceiling = [_exp_ceiling(e, r, d, cpus) for e, r in zip(exp_ns, ref)]
        case = {"n": n, "d": d}
        checks += [
            Check(
                "four_cache_gemm",
                case,
                stats([s / r for s, r in zip(step, ref)]),
                "step GFLOP/s / GEMM GFLOP/s",
                (">=", 0.6),
                extra={
                    "step_gflops": stats(step).as_dict(),
                    "gemm_gflops": stats(ref).as_dict(),
                    "exp_ns_per_element": stats(exp_ns).as_dict(),
                },
            ),
            Check(
                "four_cache_gemm",
                case,
                stats(ceiling),
                f"ceiling of that ratio set by the exp ({'jit' if jit_available() else 'np.exp'})",
            ),
        ]
        details["cases"].append(
            {
                "n": n,
                "d": d,
                "step_gflops_median": stats(step).median,
                "gemm_gflops_median": stats(ref).median,
                "exp_ns_median": stats(exp_ns).median,
            }
        )
    return checks, details


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _exp_ceiling(exp_ns: float, gemm_gflops: float, d: int, cpus: int) -> float:
    """Best step/GEMM ratio possible when only the products and the exps took time.

    Per score: the products take 4d flops at the GEMM rate, the exp ``exp_ns / cpus``.
    """
    products = 4 * d / gemm_gflops  # ns per score
    return products / (products + exp_ns / cpus)


# ------------------------------------------------------------------ 2. four_vs_naive


def four_vs_naive(cfg: BenchConfig) -> Result:
    """Four-cache step (decode identity) against the naive one that builds K1⊘K2."""
    n, d = (256, 32) if cfg.quick else (1024, 64)
    rng = cfg.rng(2)
    factors = _factors(rng, n, d)
    four = _four_cache(factors, d)
    naive = _four_cache(factors, d, NaiveFourCacheDecoder)
    q = rng.standard_normal(d)
    agree = _max_rel_diff(four.query(q), naive.query(q))
    times = interleaved(
        {"naive": lambda: naive.query(q), "four": lambda: four.query(q)}, cfg.reps, cfg.warmup, cfg.settle
    )
    speedup = stats([a / b for a, b in zip(times["naive"], times["four"])])
    check = Check(
        "four_vs_naive",
        {"n": n, "d": d},
        speedup,
        "naive step time / four-cache step time",
        (">=", 20.0),
        extra={"max_rel_diff_outputs": agree},
    )
    return [check], {"naive_transient_bytes": 2 * n * n * d * 8, "max_rel_diff_outputs": agree}


# ------------------------------------------------------------------ 3. two_cache_bandwidth


class _Copy:
    """Copy of a large array, on one thread or split over ``threads`` threads."""

    def __init__(self, nbytes: int, threads: int, rng: np.random.Generator) -> None:
        self.src = rng.standard_normal(nbytes // 8)
        self.dst = np.empty_like(self.src)
        self.dst[:] = 0.0  # fault the pages in before timing
        self.threads = threads
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None
        bounds = np.linspace(0, self.src.size, threads + 1).astype(int)
        self.parts = [(self.dst[a:b], self.src[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

    def __call__(self) -> None:
        if self.pool is None:
            np.copyto(self.dst, self.src)
        else:
            list(self.pool.map(lambda p: np.copyto(*p), self.parts))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def two_cache_bandwidth(cfg: BenchConfig) -> Result:
    """Bytes/s a two-cache step streams, over the same run's copy bandwidth."""
    sizes = [(256, 64)] if cfg.quick else [(512, 64), (256, 256)]
    copy_bytes = (64 if cfg.quick else 256) * MiB
    rng = cfg.rng(3)
    cpus = _cpus()
    copies = {"copy_1thread": _Copy(copy_bytes, 1, rng)}
    if cpus > 1:
        copies[f"copy_{cpus}threads"] = _Copy(copy_bytes, cpus, rng)
    checks, details = (
        [],
        {
            "copy_bytes": copy_bytes,
            "bandwidth_convention": "copy counts read+write = 2*size bytes; reference = the faster "
            "of 1-thread and all-CPU copies in each repetition; step counts 2*rows*d*8 bytes read",
            "cases": [],
        },
    )
    try:
        for n, d in sizes:
            dec = TwoCacheDecoder(d)
            K1, K2, V1, V2 = _factors(rng, n, d)
            dec.append_rows(kron(K1, K2), kron(V1, V2))  # the n² product rows, in one block
            del K1, K2, V1, V2
            rows = dec.n_rows
            step_bytes = 2 * rows * d * 8
            q = rng.standard_normal(d)
            fns: dict[str, Callable[[], Any]] = {"step": lambda dec=dec, q=q: dec.query(q), **copies}
            times = interleaved(fns, cfg.reps, cfg.warmup, cfg.settle)
            step = _rates(step_bytes / 1e9, times["step"])
            per_copy = {k: _rates(2 * copy_bytes / 1e9, times[k]) for k in copies}
            ref = [max(vals) for vals in zip(*per_copy.values())]
            checks.append(
                Check(
                    "two_cache_bandwidth",
                    {"n": n, "d": d},
                    stats([s / r for s, r in zip(step, ref)]),
                    "step GB/s read / copy GB/s (r+w)",
                    (">=", 0.5),
                    extra={
                        "step_bytes": step_bytes,
                        "step_gbps": stats(step).as_dict(),
                        **{f"{k}_gbps": stats(v).as_dict() for k, v in per_copy.items()},
                    },
                )
            )
            details["cases"].append({"n": n, "d": d, "rows": rows, "step_bytes": step_bytes})
            del dec, fns  # fns holds dec too: free the n² rows before the next size
    finally:
        for c in copies.values():
            c.close()
    return checks, details


# ------------------------------------------------------------------ 4. tradeoff


def tradeoff(cfg: BenchConfig) -> Result:
    """Remark 3.9: four-cache vs two-cache vs naive four-cache, time and memory."""
    ns = [64, 128, 256] if cfg.quick else [256, 512, 1024]
    d = 64
    rng = cfg.rng(4)
    checks, details = [], {"d": d, "cases": []}
    for n in ns:
        factors = _factors(rng, n, d)
        four = _four_cache(factors, d)
        naive = _four_cache(factors, d, NaiveFourCacheDecoder)
        two = TwoCacheDecoder(d)
        for token in zip(*factors):  # token by token, as Definition 3.8 grows the products
            two.append(*token)
        q = rng.standard_normal(d)
        outs = {"four": four.query(q), "two": two.query(q), "naive": naive.query(q)}
        agree = max(_max_rel_diff(outs[k], outs["naive"]) for k in ("four", "two"))
        times = interleaved(
            {
                "four": lambda four=four, q=q: four.query(q),
                "two": lambda two=two, q=q: two.query(q),
                "naive": lambda naive=naive, q=q: naive.query(q),
            },
            cfg.reps,
            cfg.warmup,
            cfg.settle,
        )
        case = {"n": n, "d": d}
        mem = {"four": four.memory_bytes, "two": two.memory_bytes, "naive": naive.memory_bytes}

        def per(a, b, times=times):
            return stats([x / y for x, y in zip(times[a], times[b])])

        checks += [
            Check("tradeoff", case, per("four", "two"), "time four-cache / two-cache"),
            Check("tradeoff", case, per("naive", "two"), "time naive four / two-cache"),
            Check("tradeoff", case, per("naive", "four"), "time naive four / four-cache"),
            Check("tradeoff", case, stats([mem["two"] / mem["four"]]), "memory_bytes two / four-cache"),
        ]
        details["cases"].append(
            {
                "n": n,
                "d": d,
                "memory_bytes": mem,
                "expected_memory_bytes": {"four": 4 * n * d * 8, "two": 2 * n * n * d * 8},
                "two_cache_factor_bytes": two.factor_bytes,
                "naive_transient_bytes": 2 * n * n * d * 8,
                "flops_per_step": {
                    "four": four.last_step_flops,
                    "two": two.last_step_flops,
                    "naive": naive.last_step_flops,
                },
                "max_rel_diff_outputs_vs_naive": agree,
            }
        )
        del four, naive, two
    return checks, details


# ------------------------------------------------------------------ 5. four_cache_peak_memory


def four_cache_peak_memory(cfg: BenchConfig) -> Result:
    """Peak traced memory of one four-cache step (numpy reports to tracemalloc)."""
    n, d = (1024, 64) if cfg.quick else (4096, 64)
    rng = cfg.rng(5)
    dec = _four_cache(_factors(rng, n, d), d)
    q = rng.standard_normal(d)
    for _ in range(max(1, cfg.warmup)):
        dec.query(q)  # one-time set-up (thread pool, BLAS controller) stays outside
    peaks = []
    was_tracing = tracemalloc.is_tracing()
    for _ in range(cfg.reps):
        if not was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        dec.query(q)
        peaks.append(tracemalloc.get_traced_memory()[1] - base)
        if not was_tracing:
            tracemalloc.stop()
    product = n * n * d * 8
    peak = stats([p / MiB for p in peaks])
    check = Check(
        "four_cache_peak_memory",
        {"n": n, "d": d},
        peak,
        "peak MiB of one step (tracemalloc)",
        ("<=", 64.0),
        extra={"peak_bytes": [int(p) for p in peaks]},
    )
    info = Check(
        "four_cache_peak_memory",
        {"n": n, "d": d},
        stats([p / product for p in peaks]),
        "peak / bytes of the n²×d matrix K1⊘K2",
    )
    return [check, info], {"cache_memory_bytes": dec.memory_bytes, "kron_matrix_bytes": product}


def index(cfg: BenchConfig) -> Result:
    """Index harness: whole run_index calls at the target scales, seconds vs targets."""
    from benchmarks.bench_index import run

    out = run(quick=cfg.quick)
    checks = [
        Check(
            "index_seconds",
            {k: c[k] for k in ("model", "n", "d", "queries")},
            stats([c["seconds"]]),
            f"seconds of one run_index call ({c['label']}; success {c['rate']:.3f})",
            None if c["target_seconds"] is None else ("<=", float(c["target_seconds"])),
        )
        for c in out["cases"]
    ]
    return checks, out


def geometry(cfg: BenchConfig) -> Result:
    """Geometry: greedy δ-net of 100k points in d=8 (< 10 s), exact clusters n=60 (< 30 s)."""
    from benchmarks.bench_geometry import run

    out = run(quick=cfg.quick)
    net, exact = out["greedy_net"], out["exact_clusters"]
    checks = [
        Check(
            "greedy_net_seconds",
            {"d": net["d"], "points": net["points"]},
            stats([net["max_seconds"]]),
            "worst seconds of a greedy δ-net over the δ grid",
            None if cfg.quick else ("<=", 10.0),
        )
    ]
    checks.append(
        Check(
            "exact_clusters_seconds",
            {"n": 60},
            stats([exact["max_seconds"]]),
            "worst seconds of an exact minimum clustering",
            None if cfg.quick else ("<=", 30.0),
        )
    )
    return checks, out


def subgen(cfg: BenchConfig) -> Result:
    """SubGen: ingest time and query time against the exact decoders."""
    from benchmarks.bench_subgen import bench

    return bench(cfg)


def frontier(cfg: BenchConfig) -> Result:
    """Compressibility frontier: quick (and full) sweep wall time vs exact run_index."""
    from benchmarks.bench_frontier import bench

    return bench(cfg)


def audit(cfg: BenchConfig) -> Result:
    """Audit of the worked example compressor on the quick profile: wall time against 60 s."""
    from benchmarks.bench_audit import bench

    return bench(cfg)


def proofs(cfg: BenchConfig) -> Result:
    """Machine-checked proofs: every obligation checked cold, against 30 s and a sympy/z3 reference."""
    from benchmarks.bench_proofs import bench

    return bench(cfg)


def report(cfg: BenchConfig) -> Result:
    """The report end to end: quick (and, unless quick, full) profile seconds vs 45 s / 300 s."""
    from benchmarks.bench_report import bench

    return bench(cfg)


def runner_scaling(cfg: BenchConfig) -> Result:
    """Sweep runner: 16 Index tasks serially, on 2 processes and a 2-worker LocalCluster."""
    from benchmarks.bench_runner import run

    out = run(quick=cfg.quick, reps=min(cfg.reps, 3))
    if not out["identical_results"]:
        raise AssertionError("the back-ends gave different results for the same sweep")
    checks = []
    for mode in out["speedup"]:
        case = {"mode": mode, "workers": out["workers"], "tasks": out["tasks"]}
        checks.append(
            Check("runner_scaling", case, stats(out["speedup"][mode]), f"speed-up t(serial) / t({mode})")
        )
        checks.append(
            Check(
                "runner_scaling",
                case,
                stats(out["efficiency"][mode]),
                f"parallel efficiency ({mode}): speed-up / {out['workers']}",
                # The local pool is what a report uses by default; Dask's is reported.
                (">=", 0.85) if mode == "processes" else None,
            )
        )
    serial = stats(out["seconds"]["serial"]).median
    for mode, sec in out["startup_seconds"].items():
        checks.append(
            Check(
                "runner_scaling",
                {"mode": mode},
                stats([sec / serial]),
                "start-up (paid once per run) / the sweep's serial time",
            )
        )
    return checks, out


BENCHMARKS: dict[str, Callable[[BenchConfig], Result]] = {
    "four_cache_gemm": four_cache_gemm,
    "four_vs_naive": four_vs_naive,
    "two_cache_bandwidth": two_cache_bandwidth,
    "tradeoff": tradeoff,
    "four_cache_peak_memory": four_cache_peak_memory,
    "index": index,
    "subgen": subgen,
    "geometry": geometry,
    "frontier": frontier,
    "audit": audit,
    "proofs": proofs,
    "runner_scaling": runner_scaling,
    "report": report,
}

#: The benchmarks whose results are timings (and so are spoilt by a contended machine).
TIMED = frozenset(
    {"four_cache_gemm", "four_vs_naive", "two_cache_bandwidth", "tradeoff", "runner_scaling", "report"}
)
