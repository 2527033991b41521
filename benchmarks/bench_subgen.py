"""Benchmarks of the SubGen compressors.

* ``subgen_ingest``: one pass of SubGen over ``n = 100,000`` tokens with ``d = 64``
  ((m, δ)-clusterable keys, m = 32), fed in blocks of 4,096; target under 10 s on the
  machine's cores (2 here). Absolute time, so it is reported with the CPU contention
  seen during the run. The ingestion rate of the exact standard decoder (a copy of the
  rows) is measured alongside for scale.
* ``subgen4_vs_four``: one query of SubGen4Cache against one exact four-cache step
  (:class:`~tensorkv_check.engine.caches.FourCacheDecoder`, the decode identity) at ``n = 4,096``
  factor tokens per cache, ``d = 64``, measured interleaved; target ratio < 1.
* ``subgen_query``: one SubGen query against exact attention over the same 100,000
  tokens (INFO; the query costs O(d·(m·t + s))).

Run standalone: ``python -m benchmarks.bench_subgen [--quick]``; :func:`run` returns the
results as a dict, :func:`bench` in the (checks, extra) form of :mod:`benchmarks.suite`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np

from benchmarks._harness import BenchConfig, Check, CpuMonitor, interleaved, stats, time_call
from tensorkv_check.engine.caches import FourCacheDecoder
from tensorkv_check.engine.exact_attention import attention
from tensorkv_check.subgen import SubGen, SubGen4Cache
from tensorkv_check.subgen.data import clustered_stream, clustered_tensor_stream

__all__ = ["run", "bench"]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def bench(cfg: BenchConfig) -> tuple[list[Check], dict[str, Any]]:
    """The three measurements as :class:`benchmarks._harness.Check` objects."""
    checks: list[Check] = []
    extra: dict[str, Any] = {"cores": _cores()}
    # -- ingest ---------------------------------------------------------------------------
    n, d, m = (20_000, 64, 32) if cfg.quick else (100_000, 64, 32)
    t, s, delta, block = 256, 1024, 0.5, 4096
    st = clustered_stream(n, d, m=m, delta=delta, radius=2.0, rng=cfg.rng(10))
    sgs: list[SubGen] = []

    def ingest() -> None:
        sg = SubGen(d, None, delta=delta, t=t, s=s, rng=cfg.seed)
        for a in range(0, n, block):
            sg.ingest(st.K[a : a + block], st.V[a : a + block])
        sgs.append(sg)

    mon = CpuMonitor()
    times = [time_call(ingest) for _ in range(max(1, cfg.reps // 2))]
    contention = mon.stop()
    sg = sgs[-1]
    target = 10.0 * n / 100_000  # the target of 10 s for 100k tokens, scaled in quick mode
    checks.append(
        Check(
            "subgen_ingest",
            {"n": n, "d": d, "m": m},
            stats(times),
            f"seconds to ingest (t={t}, s={s}, blocks {block})",
            ("<=", target),
            extra={
                "clusters": sg.n_clusters,
                "message_bytes": len(sg.to_bytes()),
                "cores": _cores(),
                "contention": contention,
            },
        )
    )
    # -- SubGen query vs exact attention (same data) -------------------------------------
    q = st.centres[0] / np.linalg.norm(st.centres[0]) * 2.0
    qt = interleaved(
        {"exact": lambda: attention(q, st.K, st.V), "subgen": lambda: sg.query(q)}, cfg.reps, cfg.warmup
    )
    checks.append(
        Check(
            "subgen_query",
            {"n": n, "d": d},
            stats([a / b for a, b in zip(qt["subgen"], qt["exact"])]),
            "SubGen query / exact attention",
            None,
            extra={
                "subgen_seconds": float(np.median(qt["subgen"])),
                "exact_seconds": float(np.median(qt["exact"])),
            },
        )
    )
    # -- SubGen4Cache query vs exact four-cache step --------------------------------------
    nf, d4, m4 = (1024, 64, 8) if cfg.quick else (4096, 64, 8)
    t4, s4 = 64, 1024
    ts = clustered_tensor_stream(nf, d4, m1=m4, delta1=delta, radius1=2.0, rng=cfg.rng(11))
    four = FourCacheDecoder(d4)
    four.append(ts.K1, ts.K2, ts.V1, ts.V2)
    sg4 = SubGen4Cache(d4, None, delta1=delta, t1=t4, s=s4, rng=cfg.seed)
    t_ing4 = time_call(lambda: sg4.ingest(ts.K1, ts.K2, ts.V1, ts.V2))
    q4 = np.random.default_rng(cfg.seed).standard_normal(d4)
    q4 *= 2.0 / np.linalg.norm(q4)
    sg4.query(q4)  # build the cached sample arrays once (they persist until the next ingest)
    qt4 = interleaved(
        {"four": lambda: four.query(q4), "subgen4": lambda: sg4.query(q4)}, cfg.reps, cfg.warmup
    )
    ratio = stats([a / b for a, b in zip(qt4["subgen4"], qt4["four"])])
    m1, m2 = sg4.n_clusters
    checks.append(
        Check(
            "subgen4_vs_four",
            {"n": nf, "d": d4},
            ratio,
            "SubGen4Cache query / four-cache step",
            ("<=", 1.0),
            extra={
                "subgen4_seconds": float(np.median(qt4["subgen4"])),
                "four_seconds": float(np.median(qt4["four"])),
                "clusters": [m1, m2],
                "t": t4,
                "s": s4,
                "ingest_seconds": t_ing4,
                "subgen4_bytes": len(sg4.to_bytes()),
                "four_bytes": len(four.to_bytes()) if hasattr(four, "to_bytes") else four.memory_bytes,
            },
        )
    )
    return checks, extra


def run(quick: bool = False) -> dict[str, Any]:
    """Run :func:`bench` and return ``{"checks": [...], "extra": {...}}`` (JSON-ready)."""
    cfg = BenchConfig(quick=quick, reps=3 if quick else 7, warmup=1, seed=0)
    checks, extra = bench(cfg)
    return {"checks": [c.as_dict() for c in checks], "lines": [c.line() for c in checks], "extra": extra}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = run(args.quick)
    if args.json:
        print(json.dumps(res, indent=1, default=str))
    else:
        for line in res["lines"]:
            print(line)
        print(f"({time.perf_counter() - t0:.1f} s, {res['extra']['cores']} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
