"""The low-dimensional regime end to end: cluster plateaus, Index reduction on packing keys, SubGen memory.

Spec item **thm:covering** of Chen et al. 2025 (arXiv 2503.11108; [HO25] Haris and
Onak 2025, arXiv 2502.15955): for ``d = o(log n)`` keys of norm ``<= r`` are
``(N(δ/2r), δ)``-clusterable whatever ``n`` is, so SubGen's memory stops growing with
``n``, while the Index lower bound of thm:ho25-lb reads ``Ω(d·min{n, e^{Θ(d)}})``: the
reduction needs ``n`` keys with pairwise ``|⟨k_i, k_j⟩| <= ε`` and only ``e^{Θ(d)}``
of them fit in ``R^d``. Three measurements:

(a) :func:`plateau_coverage` -- online cluster counts of ``n`` uniform keys in
    ``rB^d`` (centre radius ``δ/2``, cluster diameter ``<= δ``) as ``n`` grows, and the
    probability that a *fresh* key would still open a cluster (its distance to every
    centre ``> δ/2``), estimated on held-out keys with a Clopper–Pearson interval: the
    plateau, measured as a rate rather than eyeballed.

(b) :func:`collapse_sweep` -- the Index reduction of thm:ho25-lb run on keys built from
    the best near-orthogonal packing found (:func:`~tensorkv_check.geometry.packing.near_orthogonal_packing`,
    ``P(d)`` lines with pairwise ``|⟨u, v⟩| <= ε``). What the experiment does, exactly:

    * keys: for ``n <= P(d)`` the first ``n`` packing vectors; for ``n > P(d)`` all
      ``P(d)`` packing vectors followed by ``n − P(d)`` uniform random unit vectors.
      The packing is the largest the greedy found, so the extra keys are *not*
      ε-near-orthogonal to it (their measured coherence is recorded);
    * Alice's bits ``x ∈ {0,1}^{n×d}`` are the values, Alice's algorithm is the exact
      :class:`~tensorkv_check.engine.caches.StandardDecoder`, Bob gets only the object rebuilt
      from ``to_bytes()`` and reads bit ``(i, l)`` as coordinate ``l`` of the output at
      query ``C·k_i`` thresholded at 1/2 (:func:`tensorkv_check.index.reduction.bob_decode`);
    * two query-norm policies: ``"fixed"``, ``C = C* = ln(4(P−1))/(1 − 2ε_P)`` with
      ``ε_P`` the packing's measured coherence (the reduction's constant at its largest
      guaranteed instance, kept for every ``n``: a bounded query norm, the hypothesis
      ``‖q‖ <= r`` of the low-dimensional regime), and ``"formula"``,
      ``C = ln(4(n−1))/(1 − 2ε)`` with the *design* ε (grows with ``n``; for
      ``n > P(d)`` the keys do not satisfy ε, so no guarantee is claimed);
    * measured: the success ``p`` over *all* ``N = n·d`` bits of the instance, Bob's
      success on ``queries`` uniform targets with a Clopper–Pearson interval, the
      information ``(1 − h(p))·N`` bits Bob extracts (the memory Fano's inequality
      then requires), the Fano bound at the interval's lower end, and the message
      length ``M = 8·len(to_bytes())`` (which must exceed that bound: otherwise
      :class:`~tensorkv_check.index.reduction.HarnessError`).

    The claim's shape is ``d·min{n, P(d)}``: information ``n·d`` up to ``P(d)``
    (guaranteed by the reduction), then a plateau near ``d·P(d)``. Whether the
    plateau appears is measured, not assumed (the exact decoder is free to carry
    more than the lower bound).

(c) :func:`ball_memory` -- SubGen's measured message length ``len(to_bytes())`` as one
    stream of uniform keys in ``rB^d`` (no planted clusters) grows; its centres are
    δ-separated points of ``rB^d``, so at most ``(1 + 2r/δ)^d`` clusters open whatever
    ``n`` is, and the log–log slope of bytes against ``n`` should be ``<= 0.1`` once
    ``n`` is far above that.

The report's geometry section (:mod:`tensorkv_check.geometry.section`) runs these
measurements as runner tasks whose seeds the runner derives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import check_int, check_probability, check_real
from tensorkv_check.engine.caches import StandardDecoder
from tensorkv_check.engine.protocol import check_algorithm, message_bytes
from tensorkv_check.engine.stats import clopper_pearson
from tensorkv_check.geometry.nets import greedy_net
from tensorkv_check.geometry.packing import near_orthogonal_packing
from tensorkv_check.geometry.plateau import fit_plateau
from tensorkv_check.geometry.sampling import sample_ball, sample_sphere
from tensorkv_check.index.reduction import (
    HarnessError,
    bob_decode,
    fano_bound,
    key_coherence,
    reduction_C,
)

__all__ = [
    "PACKING_EPS",
    "packing_keys",
    "packing_index_run",
    "collapse_sweep",
    "fit_exponent",
    "plateau_coverage",
    "ball_memory",
    "loglog_slope",
]

#: Design ε of the packings of measurement (b): just below 1/2 so that the reduction's
#: ``C = ln(4(r−1))/(1 − 2ε)`` is defined and the packings grow visibly with d.
PACKING_EPS = 0.45


_CONFIDENCE = 0.99


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ``log y`` against ``log x``.

    Examples
    --------
    >>> round(loglog_slope([1, 2, 4], [3, 6, 12]), 12)
    1.0
    """
    x, y = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    if x.size < 2:
        raise ValueError(f"need at least two points for a slope, got {x.size}")
    return float(np.polyfit(x, y, 1)[0])


def fit_exponent(ds: Sequence[int], sizes: Sequence[int]) -> tuple[float, float]:
    """Least-squares ``(c, a)`` of ``log size = a + c·d`` (the ``c`` of ``e^{c d}``).

    Examples
    --------
    >>> c, a = fit_exponent([1, 2, 3], [math.e, math.e ** 2, math.e ** 3])
    >>> round(c, 9), round(a, 9)
    (1.0, 0.0)
    """
    if len(ds) != len(sizes) or len(set(ds)) < 2:
        raise ValueError("ds and sizes must have equal length with at least two distinct d")
    c, a = np.polyfit(np.asarray(ds, float), np.log(np.asarray(sizes, float)), 1)
    return float(c), float(a)


# ------------------------------------------------------------------ (b) Index at the packing
def packing_keys(packing: np.ndarray, n: int, rng: RngLike) -> np.ndarray:
    """``n`` unit keys: the packing's first ``min(n, P)`` rows, then uniform unit vectors.

    Parameters
    ----------
    packing : ndarray, shape (P, d)
        Unit rows (e.g. ``near_orthogonal_packing(...).vectors``).
    n : int, ``>= 1``
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
        Draws the ``n − P`` extra keys (none when ``n <= P``).

    Examples
    --------
    >>> K = packing_keys(np.eye(3), 5, np.random.default_rng(0))
    >>> K.shape, bool(np.allclose(K[:3], np.eye(3)))
    ((5, 3), True)
    """
    A = np.asarray(packing, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 1 or not np.isfinite(A).all():
        raise ValueError("packing must be a non-empty finite 2-D array of unit rows")
    n = check_int("n", n, minimum=1)
    rng = as_generator(rng)
    if n <= A.shape[0]:
        return A[:n].copy()
    return np.vstack([A, sample_sphere(n - A.shape[0], A.shape[1], rng)])


def packing_index_run(
    packing: np.ndarray,
    n: int,
    *,
    C: float,
    queries: int,
    seed: int,
    policy: str = "given",
    confidence: float = _CONFIDENCE,
) -> dict[str, Any]:
    """One Index reduction (thm:ho25-lb) on packing keys, with the exact standard decoder.

    See the module docstring, item (b), for the protocol. Randomness: the extra keys,
    Alice's bits and Bob's targets come from the three children of
    ``SeedSequence(seed)``.

    Parameters
    ----------
    packing : ndarray, shape (P, d)
    n : int, ``>= 2``
    C : float, ``> 0``
        Bob's query norm (logit scale folded in).
    queries : int, ``>= 1``
        Bob's uniform targets (with replacement) for the Clopper–Pearson interval.
    seed : int, ``>= 0``
    policy : str
        Label recorded with the run (how ``C`` was chosen).
    confidence : float in (0, 1)

    Returns
    -------
    dict
        ``n, d, N, P, C, policy, message_bits, success_all`` (fraction of all ``N`` bits
        decoded), ``estimate`` (Bob's sampled targets, CP interval), ``info_bits``
        (``(1 − h(success_all))·N``), ``fano_bits`` (at the CP lower end),
        ``eps_measured`` (key coherence ``max(max |⟨k_i,k_j⟩|, max |‖k_i‖² − 1|)``),
        ``guaranteed`` (measured ε < 1/2 and ``C >= ln(4(n−1))/(1 − 2ε)``).

    Raises
    ------
    HarnessError
        If the measured message is shorter than the Fano bound of Bob's success.

    Examples
    --------
    >>> r = packing_index_run(np.eye(4), 4, C=10.0, queries=50, seed=0)
    >>> r["success_all"], r["guaranteed"], r["info_bits"]
    (1.0, True, 16.0)
    """
    A = np.asarray(packing, dtype=np.float64)
    n = check_int("n", n, minimum=2)
    queries = check_int("queries", queries, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    check_real("C", C, low=0.0)
    confidence = check_probability("confidence", confidence)
    key_ss, bit_ss, bob_ss = np.random.SeedSequence(seed).spawn(3)
    K = packing_keys(A, n, np.random.default_rng(key_ss))
    d = K.shape[1]
    x = np.random.default_rng(bit_ss).integers(0, 2, size=(n, d), dtype=np.uint8)
    alice = StandardDecoder(d)
    check_algorithm("algorithm", alice, "kv")
    alice.ingest(K, x.astype(np.float64))
    message = message_bytes("algorithm", alice)
    del alice
    bob = StandardDecoder.from_bytes(bytes(message))
    N = n * d
    # Decoding is deterministic, so one pass over every bit gives both the instance's
    # exact success and the answer to any of Bob's sampled targets.
    guesses = bob_decode(bob, K, np.arange(n, dtype=np.int64), d, np.arange(N, dtype=np.int64), float(C))
    correct = guesses == x.reshape(-1)
    success_all = float(correct.mean())
    targets = np.random.default_rng(bob_ss).integers(0, N, size=queries)
    est = clopper_pearson(
        int(correct[targets].sum()),
        queries,
        confidence,
        parameters={"n": n, "d": d, "C": float(C), "policy": policy},
        seed=seed,
    )
    inner, normdev = key_coherence(K)
    eps_m = max(inner, normdev)
    guaranteed = bool(eps_m < 0.5 and float(C) >= reduction_C(n, eps_m) * (1 - 1e-12))
    M = 8 * len(message)
    fano_bits = fano_bound(max(est.ci_low, 0.5), N)
    if M < fano_bits:
        raise HarnessError(f"message of {M} bits below the Fano bound {fano_bits:.1f} of success {est}")
    return {
        "n": n,
        "d": d,
        "N": N,
        "P": int(A.shape[0]),
        "C": float(C),
        "policy": policy,
        "seed": seed,
        "message_bits": M,
        "success_all": success_all,
        "estimate": est.to_dict(),
        "info_bits": fano_bound(success_all, N),
        "fano_bits": fano_bits,
        "eps_measured": eps_m,
        "max_inner": inner,
        "guaranteed": guaranteed,
    }


def collapse_sweep(
    d: int,
    *,
    seed: int,
    eps: float = PACKING_EPS,
    mults: Sequence[float] = (0.5, 1, 2, 4, 8, 16, 32),
    queries: int = 2000,
    n_candidates: int = 5000,
    restarts: int = 2,
    n_cap: int | None = None,
) -> dict[str, Any]:
    """Measurement (b) for one ``d``: packing size ``P(d)`` and Index runs around it.

    Builds the best near-orthogonal packing found (``restarts`` greedy runs over
    ``n_candidates`` random unit vectors, two-sided ``|⟨u,v⟩| <= eps``), then runs
    :func:`packing_index_run` at ``n = max(2, round(mult·P))`` for each multiplier under
    the ``"fixed"`` and ``"formula"`` query-norm policies (module docstring). With
    ``n_cap``, the largest multiplier is doubled while ``n`` stays ``<= n_cap`` (so small
    ``d``, whose packings are small, are followed far enough to see a plateau).

    Returns
    -------
    dict
        ``d, eps, P, eps_packing, C_star, ns`` and ``runs[policy]`` (lists of run dicts),
        plus per policy ``summary[policy]``: ``info_ratio_max`` (``max_n info / (d·P)``),
        ``info_ratio_last`` (at the largest ``n``), ``success_last``,
        ``guaranteed_all_decoded`` (every guaranteed run decoded all ``N`` bits) and
        ``tail_slope`` (log–log slope of information against ``n`` over the last three
        ``n > P``: about 1 while information grows like ``n·d``, about 0 on a plateau).

    Examples
    --------
    >>> s = collapse_sweep(3, seed=0, mults=(1, 2), queries=100, n_candidates=500)
    >>> s["P"] >= 2 and s["summary"]["fixed"]["guaranteed_all_decoded"]
    True
    """
    d = check_int("d", d, minimum=2)
    eps = check_real("eps", eps, low=0.0, high=0.5)
    seed = check_int("seed", seed, minimum=0)
    mults = [float(m) for m in mults]
    if not mults or any(not math.isfinite(m) or m <= 0 for m in mults):
        raise ValueError(f"mults must be a non-empty list of positive multipliers, got {mults}")
    pack_ss, run_ss = np.random.SeedSequence(seed).spawn(2)
    pk = near_orthogonal_packing(
        d, eps, np.random.default_rng(pack_ss), n_candidates=n_candidates, restarts=restarts
    )
    P = pk.size
    if P < 2:
        raise ValueError(f"the packing in d = {d} has {P} < 2 vectors; the reduction needs two keys")
    inner, normdev = key_coherence(pk.vectors)
    eps_p = max(inner, normdev)
    C_star = reduction_C(P, eps_p)
    if n_cap is not None:
        n_cap = check_int("n_cap", n_cap, minimum=2)
        while round(2 * mults[-1] * P) <= n_cap:
            mults.append(2 * mults[-1])
    ns = sorted({max(2, int(round(m * P))) for m in mults})
    run_seeds = run_ss.generate_state(len(ns), dtype=np.uint32)
    runs: dict[str, list[dict[str, Any]]] = {"fixed": [], "formula": []}
    for n, s in zip(ns, run_seeds):
        runs["fixed"].append(
            packing_index_run(pk.vectors, n, C=C_star, queries=queries, seed=int(s), policy="fixed")
        )
        runs["formula"].append(
            packing_index_run(
                pk.vectors, n, C=reduction_C(n, eps), queries=queries, seed=int(s), policy="formula"
            )
        )
    summary = {}
    for pol, rs in runs.items():
        info = [r["info_bits"] for r in rs]
        tail = [(r["n"], r["info_bits"]) for r in rs if r["n"] > P and r["info_bits"] > 0]
        summary[pol] = {
            "info_ratio_max": max(info) / (d * P),
            "info_ratio_last": info[-1] / (d * P),
            "success_last": rs[-1]["success_all"],
            "guaranteed_all_decoded": all(r["success_all"] == 1.0 for r in rs if r["guaranteed"]),
            "guaranteed_runs": sum(r["guaranteed"] for r in rs),
            "tail_slope": loglog_slope(*zip(*tail[-3:])) if len(tail) >= 2 else None,
        }
    return {
        "d": d,
        "eps": eps,
        "P": P,
        "eps_packing": eps_p,
        "C_star": C_star,
        "ns": ns,
        "restart_sizes": list(pk.restart_sizes),
        "n_candidates": n_candidates,
        "runs": runs,
        "summary": summary,
    }


# ------------------------------------------------------------------ (a) plateau as a rate
def plateau_coverage(
    d: int,
    ns: Sequence[int],
    delta: float,
    r: float = 1.0,
    *,
    holdout: int = 20000,
    seed: int,
) -> dict[str, Any]:
    """Cluster counts of uniform keys in ``rB^d`` and the rate at which a fresh key opens one.

    One stream of ``max(ns)`` uniform keys is clustered online with centre radius
    ``δ/2`` (cluster diameter ``<= δ``; :func:`~tensorkv_check.geometry.nets.greedy_net`, as
    :func:`~tensorkv_check.geometry.plateau.cluster_plateau`). After the whole stream, each of
    ``holdout`` fresh uniform keys is tested: it would open a new cluster iff its
    distance to every centre exceeds ``δ/2``. That rate, with a Clopper–Pearson
    interval, is the expected number of new clusters per further key: the plateau.

    Returns
    -------
    dict
        :class:`~tensorkv_check.geometry.plateau.Plateau` fields (counts, fitted plateau,
        ``cover_lower = (2r/δ)^d``, ``cover_upper = (1 + 4r/δ)^d``), plus ``open_rate``
        (the estimate's dict) and ``seed``.

    Examples
    --------
    >>> p = plateau_coverage(2, [200, 2000], 1.0, holdout=500, seed=0)
    >>> p["counts"][1] <= p["cover_upper"], p["open_rate"]["trials"]
    (True, 500)
    """
    d = check_int("d", d, minimum=1)
    ns = tuple(check_int("ns", x, minimum=1) for x in ns)
    if len(ns) < 2 or any(b <= a for a, b in zip(ns, ns[1:])):
        raise ValueError(f"ns must be at least two strictly increasing lengths, got {ns}")
    check_real("delta", delta, low=0.0)
    check_real("r", r, low=0.0)
    holdout = check_int("holdout", holdout, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    s_stream, s_hold = np.random.SeedSequence(seed).spawn(2)
    X = sample_ball(ns[-1], d, np.random.default_rng(s_stream), float(r))
    net = greedy_net(X, delta / 2.0)
    counts = tuple(int(np.searchsorted(net.indices, n)) for n in ns)
    plateau = fit_plateau(d, float(delta), float(r), ns, counts)
    H = sample_ball(holdout, d, np.random.default_rng(s_hold), float(r))
    dist, _ = cKDTree(X[net.indices]).query(H, k=1)
    # The tree's distance decides only clear cases; near δ/2 use the module's predicate.
    r2 = (delta / 2.0) ** 2
    opens = dist > delta / 2.0
    near = np.flatnonzero(np.abs(dist - delta / 2.0) <= 1e-9 * max(1.0, delta))
    if near.size:
        C = X[net.indices]
        for i in near:
            diff = C - H[i]
            opens[i] = bool(((diff * diff).sum(axis=1) > r2).all())
    est = clopper_pearson(
        int(opens.sum()),
        holdout,
        _CONFIDENCE,
        parameters={
            "d": d,
            "delta": float(delta),
            "r": float(r),
            "n": ns[-1],
            "event": "fresh key opens a new cluster",
        },
        seed=seed,
    )
    out = plateau.to_dict()
    out["ns"], out["counts"] = list(out["ns"]), list(out["counts"])
    out["open_rate"] = est.to_dict()
    out["seed"] = seed
    return out


# ------------------------------------------------------------------ (c) SubGen in a ball
def ball_memory(
    d: int,
    ns: Sequence[int],
    *,
    delta: float = 0.5,
    r: float = 1.0,
    t: int = 8,
    s: int = 32,
    seed: int,
    tail: int = 3,
) -> dict[str, Any]:
    """SubGen's message length as one stream of uniform keys in ``rB^d`` grows (measurement (c)).

    One :class:`~tensorkv_check.subgen.standard.SubGen` (cluster radius ``δ``, ``t`` reservoir
    samples per cluster, ``s`` value samples, scale 1) ingests ``max(ns)`` keys uniform
    in ``rB^d`` with standard normal values; after each prefix ``n`` in ``ns`` the
    message ``len(to_bytes())`` and the cluster count are recorded. Centres are
    δ-separated points of ``rB^d``, so the count never exceeds
    ``(1 + 2r/δ)^d`` (``cluster_bound``), independently of ``n``.

    Returns
    -------
    dict
        ``ns, bytes, clusters, cluster_bound, slope`` (log–log, all points),
        ``tail_slope`` (last ``tail`` points), ``tail_ns`` and parameters.

    Examples
    --------
    >>> b = ball_memory(2, [2000, 4000, 8000], seed=0)
    >>> b["clusters"][-1] <= b["cluster_bound"]
    True
    """
    from tensorkv_check.subgen.standard import SubGen

    d = check_int("d", d, minimum=1)
    ns = [check_int("ns", x, minimum=1) for x in ns]
    if len(ns) < 2 or any(b <= a for a, b in zip(ns, ns[1:])):
        raise ValueError(f"ns must be at least two strictly increasing lengths, got {ns}")
    tail = check_int("tail", tail, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    s_keys, s_vals, s_comp = np.random.SeedSequence(seed).spawn(3)
    K = sample_ball(ns[-1], d, np.random.default_rng(s_keys), float(r))
    V = np.random.default_rng(s_vals).standard_normal((ns[-1], d))
    sg = SubGen(d, 1.0, delta=delta, t=t, s=s, rng=np.random.default_rng(s_comp))
    out_bytes, clusters = [], []
    prev = 0
    for n in ns:
        for a in range(prev, n, 8192):
            b = min(n, a + 8192)
            sg.ingest(K[a:b], V[a:b])
        prev = n
        out_bytes.append(len(sg.to_bytes()))
        clusters.append(int(sg.n_clusters))
    tail = min(tail, len(ns))
    return {
        "d": d,
        "delta": float(delta),
        "r": float(r),
        "t": t,
        "s": s,
        "seed": seed,
        "ns": ns,
        "bytes": out_bytes,
        "clusters": clusters,
        "cluster_bound": (1.0 + 2.0 * r / delta) ** d,
        "slope": loglog_slope(ns, out_bytes),
        "tail_ns": ns[-tail:],
        "tail_slope": loglog_slope(ns[-tail:], out_bytes[-tail:]),
    }
