"""Benchmarks of :mod:`tensorkv_check.geometry` (spec thm:covering, thm:subgen).

``run(quick)`` returns a JSON-serialisable dict:

* ``greedy_net``: seconds for the greedy δ-net of 100,000 points on S^7 (d = 8; 20,000
  with ``quick``) at several δ, and against its reference measured in the same run: a
  per-point loop (:func:`naive_greedy`) on a 10,000-point prefix of the same points,
  interleaved with the subject (3 repetitions, median and range of the per-repetition
  speed-up ratio at equal n; the two must return the same centres), plus the
  brute-force-only variant (k-d trees disabled) for δ <= 0.3. The target is < 10 s
  for 100,000 points on 2 cores.
* ``exact_clusters``: seconds of :func:`~tensorkv_check.geometry.clustering.cluster_bracket` with
  the exact minimum at n = 60 on worst-ish instances: a sweep of random point sets
  and δ, points on a circle, and points whose "distance <= δ" graph is a random graph
  G(60, 1/2) (embedded through its Gram matrix; such graphs leave a gap between the
  clique bounds and the chromatic number, so the branch and bound must close it).
  Target: < 30 s.
* ``plateau``: online cluster counts of keys in the unit ball as n grows, d = 2..8.
* ``packing``: greedy near-orthogonal set sizes for d = 2..10 and the fitted e^{c d}.
* ``kron_search``: the best instance of :func:`kron_tightness_search`.
* ``load_average``: the machine's 1-minute load when the run started and ended
  (timings on a shared machine are only comparable to the reference of the same run).

Run ``python -m benchmarks.bench_geometry [--quick]`` to print the dict as JSON.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any

import networkx as nx
import numpy as np

import tensorkv_check.geometry as geo
import tensorkv_check.geometry.nets as geo_nets

__all__ = ["run", "naive_greedy", "embed_within_graph"]


def naive_greedy(X: np.ndarray, r: float) -> np.ndarray:
    """Reference: the sequential greedy net, one point at a time (centres' indices)."""
    centres: list[int] = []
    r2 = r * r
    C = np.empty_like(X)
    for i, x in enumerate(X):
        m = len(centres)
        if m:
            diff = C[:m] - x
            if (diff * diff).sum(axis=-1).min() <= r2:
                continue
        C[m] = x
        centres.append(i)
    return np.asarray(centres, dtype=np.intp)


def embed_within_graph(W: nx.Graph) -> tuple[np.ndarray, float]:
    """Points in R^n whose "distance <= delta" graph is exactly ``W``."""
    n = W.number_of_nodes()
    A = nx.to_numpy_array(W, nodelist=sorted(W.nodes))
    e = 0.2
    a = 1.0 + e * max(0.0, -np.linalg.eigvalsh(A).min())
    w, V = np.linalg.eigh(a * np.eye(n) + e * A)
    return V * np.sqrt(np.clip(w, 0.0, None)), math.sqrt(2 * a - e)


def _timed(fn, *args, **kwargs) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _bench_net(quick: bool) -> dict[str, Any]:
    n = 20_000 if quick else 100_000
    n_ref = 3_000 if quick else 10_000
    reps = 1 if quick else 3
    deltas = [0.5, 0.3] if quick else [1.0, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1]
    X = geo.sample_sphere(n, 8, np.random.default_rng(0))
    rows = []
    for delta in deltas:
        net, secs = _timed(geo.greedy_net, X, delta)
        # reference and subject interleaved on the same prefix, ratio per repetition
        ratios, ref_times, sub_times = [], [], []
        for _ in range(reps):
            ref_idx, ref_secs = _timed(naive_greedy, X[:n_ref], delta)
            small, small_secs = _timed(geo.greedy_net, X[:n_ref], delta)
            assert np.array_equal(small.indices, ref_idx), "greedy_net differs from the loop"
            ratios.append(ref_secs / small_secs)
            ref_times.append(ref_secs)
            sub_times.append(small_secs)
        row = {
            "delta": delta,
            "n": n,
            "net_size": net.size,
            "seconds": round(secs, 3),
            "target_met": bool(n < 100_000 or secs < 10.0),
            "n_ref": n_ref,
            "ref_seconds": round(float(np.median(ref_times)), 3),
            "same_n_seconds": round(float(np.median(sub_times)), 4),
            "speedup_vs_loop": round(float(np.median(ratios)), 1),
            "speedup_range": [round(min(ratios), 1), round(max(ratios), 1)],
        }
        if not quick and delta <= 0.3:
            saved = geo_nets._CentreIndex._PROBE_SECONDS
            geo_nets._CentreIndex._PROBE_SECONDS = math.inf  # never try k-d trees
            try:
                brute, brute_secs = _timed(geo.greedy_net, X, delta)
            finally:
                geo_nets._CentreIndex._PROBE_SECONDS = saved
            assert np.array_equal(brute.indices, net.indices)
            row["brute_force_only_seconds"] = round(brute_secs, 3)
        rows.append(row)
    return {
        "d": 8,
        "points": "uniform on S^7",
        "target_seconds": 10.0,
        "rows": rows,
        "max_seconds": max(r["seconds"] for r in rows),
    }


def _bench_exact(quick: bool) -> dict[str, Any]:
    n = 40 if quick else 60
    rng = np.random.default_rng(1)
    cases = []

    def record(name: str, X: np.ndarray, delta: float) -> None:
        b, secs = _timed(geo.cluster_bracket, X, delta, exact=True)
        cases.append(
            {
                "instance": name,
                "n": len(X),
                "delta": round(float(delta), 6),
                "seconds": round(secs, 3),
                "lower": b.lower,
                "exact": b.exact,
                "upper": b.upper,
                "method": b.method,
            }
        )

    for d in (2, 3, 8, 32):
        X = rng.standard_normal((n, d))
        D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))[np.triu_indices(n, 1)]
        for q in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8):
            record(f"gaussian d={d}, delta = {q} quantile of distances", X, np.quantile(D, q))
    ang = 2 * np.pi * np.arange(n) / n
    circle = np.c_[np.cos(ang), np.sin(ang)]
    for k in (3, 6, 9, 13):
        record(
            f"{n} equally spaced points on a circle, arcs of {k} steps",
            circle,
            2 * np.sin(np.pi * k / n) * (1 + 1e-9),
        )
    for seed in range(2 if quick else 5):
        W = nx.gnp_random_graph(n, 0.5, seed=seed)
        X, delta = embed_within_graph(W)
        record(f"within-delta graph = G({n}, 1/2), networkx seed {seed}", X, delta)
    worst = max(cases, key=lambda c: c["seconds"])
    return {
        "n": n,
        "target_seconds": 30.0,
        "limit": geo.EXACT_CLUSTER_LIMIT,
        "max_seconds": worst["seconds"],
        "target_met": bool(worst["seconds"] < 30.0),
        "worst": worst,
        "cases": cases,
    }


def _bench_plateau(quick: bool) -> list[dict[str, Any]]:
    ns = [100, 300, 1000, 3000, 10_000, 30_000] + ([] if quick else [100_000])
    out = []
    for d, delta in [(2, 0.5), (3, 0.5), (4, 0.5), (4, 1.0), (6, 1.0), (8, 1.0)]:
        p, secs = _timed(geo.cluster_plateau, d, ns, delta, rng=np.random.default_rng(d))
        row = p.to_dict()
        row["seconds"] = round(secs, 3)
        out.append(row)
    return out


def _bench_packing(quick: bool) -> dict[str, Any]:
    kw = {"n_candidates": 5_000 if quick else 20_000, "restarts": 1 if quick else 3}
    out = {}
    for eps, two_sided in [(0.5, True), (0.5, False), (0.25, True)]:
        g, secs = _timed(
            geo.packing_growth, range(2, 11), eps, np.random.default_rng(0), two_sided=two_sided, **kw
        )
        row = g.to_dict()
        row["seconds"] = round(secs, 3)
        out[f"eps={eps}, {'|<u,v>|' if two_sided else '<u,v>'}"] = row
    out["settings"] = kw
    return out


def run(quick: bool) -> dict[str, Any]:
    """Run every geometry benchmark; ``quick`` shrinks sizes for CI."""
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": "geometry",
        "quick": bool(quick),
        "greedy_net": _bench_net(quick),
        "exact_clusters": _bench_exact(quick),
        "plateau": _bench_plateau(quick),
        "packing": _bench_packing(quick),
    }
    ks, secs = _timed(geo.kron_tightness_search, max_examples=30 if quick else 150, seed=0)
    result["kron_search"] = dict(ks.to_dict(), seconds=round(secs, 3))
    result["load_average"] = {"start": load_start, "end": os.getloadavg()[0], "cpus": os.cpu_count()}
    result["total_seconds"] = round(time.perf_counter() - t0, 2)
    return result


def _default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o).__name__)


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=1, default=_default))
