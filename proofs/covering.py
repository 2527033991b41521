"""Claim for the low-dimensional regime: covering numbers and their consequences.

Chen et al. 2025 (arXiv 2503.11108), the d = o(log n) regime (spec thm:covering,
[paper][HO25][std]): the volumetric bound N(δ) ≤ (1 + 2/δ)^d on covering numbers of the
unit ball/sphere, packings of size e^{Θ(d)} with small inner products, and the
consequences (keys of norm ≤ r are (N(δ/2r), δ)-clusterable independently of n;
SubGen's memory is then independent of n; the lower bound is Ω(d·e^{Θ(d)}) bits
[HO25]; product structure gives at most N1·N2 clusters).

The volume algebra is checked in sympy for symbolic d; greedy δ-nets of dense samples
of the circle and the 2-sphere are checked against the volumetric bound and against
known packing values (kissing numbers 6 and 12; the exact circle packing count).
The ``engine-*`` checks do the same through :mod:`tensorkv_check.geometry`: its
covering estimates never exceed the rigorous bounds of ``covering_bounds``, and its
near-orthogonal packings never exceed ``KISSING_NUMBERS``.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from proofs._common import chain, is_zero, rate, serial_blas
from proofs.registry import REGISTRY, CheckResult

_d = sp.Symbol("d", positive=True)
_delta = sp.Symbol("delta", positive=True)
_r = sp.Symbol("r", positive=True)

cover = REGISTRY.claim(
    "thm:covering",
    paper_ref="low-dimensional regime (d = o(log n))",
    sources=("paper", "HO25", "std"),
    statement=(
        "Covering number of the unit ball (and sphere) in R^d at scale δ: N(δ) ≤ (1 + 2/δ)^d "
        "(volumetric), i.e. ln N(δ) ≤ d ln(1 + 2/δ); for the ball also N(δ) ≥ (1/δ)^d. Packings of size "
        "e^{Θ(d)} with pairwise |⟨u, v⟩| ≤ ε exist. Consequences: keys of norm ≤ r are "
        "(N(δ/2r), δ)-clusterable with N(δ/2r) ≤ (1 + 4r/δ)^d independently of n, so SubGen's memory is "
        "independent of n and O(d·e^{O(d)}); the lower bound is Ω(d·e^{Θ(d)}) bits [HO25]; for tensor "
        "attention the product structure gives at most N1·N2 clusters (lem:kron-clusterable)."
    ),
    sympy_statement=sp.Le(sp.Symbol("N(delta)"), (1 + 2 / _delta) ** _d),
    hypotheses=("0 < δ ≤ 2, d ≥ 1", "keys of norm ≤ r"),
    explicit_constants={
        "N(δ)": "≤ (1 + 2/δ)^d (ball and sphere); ≥ (1/δ)^d (ball only)",
        "e^{Θ(d)} packings": "n = ⌈e^{dε²/4}⌉ − 1 vectors with |⟨u, v⟩| ≤ ε exist (lem:near-orthogonal)",
        "clusters for norm ≤ r": "(1 + 4r/δ)^d, independent of n",
        "Ω(d·e^d)": "Ω(d·e^{dε²/4}) via thm:ho25-lb (exponent constant ε²/4)",
    },
    depends_on=("lem:kron-clusterable", "lem:near-orthogonal", "thm:ho25-lb", "thm:subgen"),
    caveats=(
        "The lower bound (1/δ)^d is for the ball; the sphere S^{d−1} can be covered by fewer points (d = 2, "
        "δ = 1/4: 13 points < 16), see check sphere-below-ball-bound.",
        "SubGen's n-independent memory and the Ω(d·e^d) lower bound are consequences taken from thm:subgen "
        "(checked there) and [HO25]; the checks here cover the covering/packing numbers.",
    ),
)


@cover.symbolic("volumetric-algebra", description="(1+δ/2)^d/(δ/2)^d = (1+2/δ)^d, its log, the ball lower bound, rescaling to radius r")
def _(ctx):
    eps, n = sp.Symbol("epsilon", positive=True), sp.Symbol("n", positive=True)
    steps = [
        ("packing: disjoint radius-δ/2 balls inside the radius-(1 + δ/2) ball, volume ratio = (1 + 2/δ)^d",
         is_zero(sp.powsimp(((1 + _delta / 2) / (_delta / 2)) ** _d) - (1 + 2 / _delta) ** _d)
         and is_zero(sp.powsimp((1 + _delta / 2) ** _d / (_delta / 2) ** _d, force=False) - (1 + 2 / _delta) ** _d)),
        ("log form: ln (1 + 2/δ)^d = d ln(1 + 2/δ)", is_zero(sp.expand_log(sp.log((1 + 2 / _delta) ** _d)) - _d * sp.log(1 + 2 / _delta))),
        ("ball lower bound: N balls of radius δ cover volume 1^d, N δ^d ≥ 1 ⇒ N ≥ (1/δ)^d",
         is_zero(sp.powsimp(1**_d / _delta**_d) - (1 / _delta) ** _d)),
        ("radius r at scale δ/2 (diameter δ) = unit ball at scale δ/(2r): (1 + 2/(δ/(2r)))^d = (1 + 4r/δ)^d, no n",
         is_zero((1 + 2 / (_delta / (2 * _r))) ** _d - (1 + 4 * _r / _delta) ** _d) and n not in (1 + 4 * _r / _delta).free_symbols),
        ("e^{Θ(d)} packings: n² e^{−dε²/2} = 1 at n = e^{dε²/4}, and ln n = dε²/4 is linear in d",
         is_zero(sp.simplify((n**2 * sp.exp(-_d * eps**2 / 2)).subs(n, sp.exp(_d * eps**2 / 4))) - 1)
         and is_zero(sp.log(sp.exp(_d * eps**2 / 4)) - _d * eps**2 / 4)),
        ("product structure: N1·N2 = (1 + 4r1/δ1)^d (1 + 4r2/δ2)^d = ((1 + 4r1/δ1)(1 + 4r2/δ2))^d",
         is_zero(sp.powsimp((1 + 4 * _r / _delta) ** _d * (1 + 4 * sp.Symbol("r2", positive=True) / sp.Symbol("delta2", positive=True)) ** _d)
                 - ((1 + 4 * _r / _delta) * (1 + 4 * sp.Symbol("r2", positive=True) / sp.Symbol("delta2", positive=True))) ** _d)),
    ]
    return chain(steps, "N(δ) ≤ (1 + 2/δ)^d = e^{d ln(1+2/δ)}, ball N(δ) ≥ (1/δ)^d, norm-r keys need (1 + 4r/δ)^d "
                 "clusters independent of n", scope="symbolic d, δ, r, ε > 0; 'a maximal packing is a net' and "
                 "volume scaling r^d are [std]")


def _sphere_sample(rng, d: int, m: int) -> np.ndarray:
    if d == 2:  # a fine angular grid plus random points
        th = np.r_[np.linspace(0, 2 * np.pi, m // 2, endpoint=False), rng.uniform(0, 2 * np.pi, m - m // 2)]
        return np.c_[np.cos(th), np.sin(th)]
    X = rng.standard_normal((m, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _greedy_net(P: np.ndarray, delta: float) -> np.ndarray:
    """Greedy δ-net: scan the points, keep one if it is farther than δ from all kept ones."""
    net = [P[0]]
    for p in P[1:]:  # loop over sample points (a few thousand), vectorised over the net
        if np.min(np.sum((np.asarray(net) - p) ** 2, axis=1)) > delta * delta:
            net.append(p)
    return np.asarray(net)


#: Largest number of points on S^{d−1} with pairwise angle ≥ 60° (chord ≥ 1): kissing numbers.
_KISSING = {2: 6, 3: 12}


@cover.empirical("greedy-nets", description="greedy δ-nets of dense sphere samples in d = 2, 3: size ≤ (1+2/δ)^d and known packing values")
@serial_blas
def _(ctx):
    rng = ctx.rng("thm:covering", "greedy")
    m = 6000 if ctx.profile == "full" else 2500
    deltas = (0.25, 0.5, 0.75, 1.0, 1.5)
    rows, ok = [], 0
    for d in (2, 3):
        P = _sphere_sample(rng, d, m)
        P = P[rng.permutation(len(P))]
        for delta in deltas:
            net = _greedy_net(P, delta)
            # Covering: every sample point within δ of the net (what makes it a net).
            far = max(float(np.sqrt(np.min(((P[i:i + 500, None, :] - net[None]) ** 2).sum(-1), axis=1)).max())
                      for i in range(0, len(P), 500))
            vol = (1 + 2 / delta) ** d
            known = _KISSING[d] if delta == 1.0 else None
            if d == 2:  # chord > δ ⇔ angle > 2 arcsin(δ/2): k < π/arcsin(δ/2) points on the circle
                # (ceil(x + 1e-9) − 1 ≥ the largest integer below x, whatever the float rounding)
                known = math.ceil(math.pi / math.asin(delta / 2) + 1e-9) - 1
            holds = len(net) <= vol and far <= delta and (known is None or len(net) <= known)
            ok += holds
            rows.append({"d": d, "delta": delta, "net": len(net), "volumetric": round(vol, 2),
                         "known_packing_bound": known, "max_dist_to_net": round(far, 4), "holds": holds})
    est = rate(ok, len(rows), {"d": [2, 3], "delta": deltas, "sample": m}, ctx.seed)
    res = CheckResult.ok if ok == len(rows) else CheckResult.fail
    return res(f"greedy nets cover the sample and stay below (1 + 2/δ)^d and the known packing counts in {est}",
               scope=f"S^1 and S^2, {m} sample points, δ ∈ {deltas}", estimate=est, details={"rows": rows})


@cover.empirical("sphere-below-ball-bound", description="13 equally spaced points cover the circle at δ = 1/4, below the ball bound (1/δ)^2 = 16")
def _(ctx):
    # Demonstrates the caveat: the (1/δ)^d lower bound is for the ball, not the sphere.
    delta, k = 0.25, 13
    centres = np.exp(2j * np.pi * np.arange(k) / k)
    th = np.linspace(0, 2 * np.pi, 200_001)
    pts = np.exp(1j * th)
    # The farthest circle point from the k centres sits half-way between two of them:
    # chord 2 sin(π/(2k)) = 0.2411 for k = 13.
    far = float(np.abs(pts[:, None] - centres[None, :]).min(axis=1).max())
    covers = far <= delta
    est = rate(int(covers), 1, {"delta": delta, "points": k, "grid": len(th)}, ctx.seed)
    res = CheckResult.ok if covers and k < (1 / delta) ** 2 else CheckResult.fail
    return res(f"{k} points cover S^1 at δ = {delta} (max distance {far:.4f}, exact 2 sin(π/26) = "
               f"{2 * math.sin(math.pi / 26):.4f}) < (1/δ)² = 16", scope="d = 2, δ = 1/4 (demonstrates the caveat)",
               estimate=est, details={"max_distance": far})


# ------------------------------------------------------------- the geometry engine's numbers
def _circle_covering_number(delta: float) -> int:
    """Exact N(S^1, δ) for 0 < δ < 2: a closed δ-ball centred on S^1 covers an arc of
    angular radius θ = 2 arcsin(δ/2), so ⌈π/θ⌉ centres are necessary and sufficient."""
    return math.ceil(math.pi / (2 * math.asin(delta / 2)) - 1e-12)


@cover.empirical("engine-covering-within-bounds",
                 description="geometry.covering_number_estimate in d = 2..4 (sphere and ball) never exceeds covering_bounds' upper bound")
@serial_blas
def _(ctx):
    geometry = __import__("tensorkv_check.geometry", fromlist=["covering_number_estimate"])
    rng = ctx.rng("thm:covering", "engine-covering")
    full = ctx.profile == "full"
    m = 20000 if full else 4000
    ds, deltas = ((2, 3, 4, 5) if full else (2, 3, 4)), (0.25, 0.5, 1.0) if full else (0.5, 1.0)
    rows, bad = [], []
    for d in ds:
        for delta in deltas:
            for sphere in (True, False):
                e = geometry.covering_number_estimate(d, delta, sphere=sphere, n_samples=m, n_holdout=500, rng=rng)
                b = e.bounds
                # Rigorous statements (whatever the sample): the δ-net and the 2δ-net of the sample are
                # δ-separated subsets of S, so both are ≤ M(S, δ) ≤ (1 + 2/δ)^d (and ≤ the shell bound on
                # the sphere); on the circle the certified lower bound and covering_bounds' lower bound
                # must bracket the exact N(S^1, δ) = ⌈π/(2 arcsin(δ/2))⌉ from below.
                steps = {
                    "estimate ≤ upper": e.estimate <= b.upper,
                    "estimate ≤ upper_shell": e.estimate <= b.upper_shell + 1e-9,
                    "certified_lower ≤ estimate": e.certified_lower <= e.estimate,
                    "lower ≤ upper": b.lower <= b.upper,
                    "upper = (1 + 2/δ)^d": abs(b.upper - (1 + 2 / delta) ** d) <= 1e-9 * b.upper,
                    "vs_upper not above": e.vs_upper != "above",
                }
                exact = None
                if sphere and d == 2:
                    exact = _circle_covering_number(delta)
                    steps["certified_lower ≤ N(S^1, δ)"] = e.certified_lower <= exact
                    steps["lower ≤ N(S^1, δ) ≤ upper"] = b.lower <= exact + 1e-9 <= b.upper + 1e-9
                if not sphere:
                    steps["ball lower = (1/δ)^d"] = abs(b.lower - (1 / delta) ** d) <= 1e-9 * b.lower
                row = {"d": d, "delta": delta, "set": "sphere" if sphere else "ball", "estimate": e.estimate,
                       "certified_lower": e.certified_lower, "lower": b.lower, "upper": b.upper,
                       "upper_shell": b.upper_shell, "exact_circle": exact,
                       "failed": [k for k, v in steps.items() if not v]}
                rows.append(row)
                if row["failed"]:
                    bad.append(row)
    est = rate(len(rows) - len(bad), len(rows), {"d": list(ds), "delta": list(deltas), "samples": m}, ctx.seed)
    res = CheckResult.ok if not bad else CheckResult.fail
    return res(f"every covering estimate ≤ (1 + 2/δ)^d (and the sphere's shell bound), certified lower bounds consistent, "
               f"exact circle covering numbers bracketed, in {est}" + ("" if not bad else f"; FAILED: {bad[0]}"),
               scope=f"sphere S^(d−1) and ball B^d, d ∈ {list(ds)}, δ ∈ {list(deltas)}, {m} sample points "
                     "(tensorkv_check.geometry.covering_number_estimate / covering_bounds)",
               estimate=est, details={"rows": rows})


@cover.empirical("engine-packing-below-kissing",
                 description="geometry.near_orthogonal_packing at ε = 1/2 never exceeds the kissing number τ_d (τ_d/2 lines)")
@serial_blas
def _(ctx):
    geometry = __import__("tensorkv_check.geometry", fromlist=["near_orthogonal_packing"])
    rng = ctx.rng("thm:covering", "engine-packing")
    full = ctx.profile == "full"
    rows, bad = [], []
    for d in ((1, 2, 3, 4, 8) if full else (2, 3, 4)):
        tau = geometry.KISSING_NUMBERS[d]
        for two_sided in (False, True):
            p = geometry.near_orthogonal_packing(d, 0.5, rng, two_sided=two_sided,
                                                 n_candidates=20000 if full else 5000, restarts=3 if full else 2)
            V = p.vectors
            G = V @ V.T  # recomputed here: the engine's max_inner is not trusted
            off = G[~np.eye(len(V), dtype=bool)]
            inner = float((np.abs(off) if two_sided else off).max()) if len(V) > 1 else float("-inf")
            cap = tau // 2 if two_sided else tau
            row = {"d": d, "two_sided": two_sided, "size": p.size, "cap": cap, "kissing": tau,
                   "max_inner_recomputed": inner, "unit_rows": bool(np.allclose(np.linalg.norm(V, axis=1), 1.0))}
            row["holds"] = p.size <= cap and inner <= 0.5 + 1e-12 and row["unit_rows"]
            rows.append(row)
            if not row["holds"]:
                bad.append(row)
    est = rate(len(rows) - len(bad), len(rows), {"eps": 0.5, "d": sorted({r["d"] for r in rows})}, ctx.seed)
    res = CheckResult.ok if not bad else CheckResult.fail
    return res("greedy near-orthogonal packings at ε = 1/2: " + ", ".join(
        f"d={r['d']}{' lines' if r['two_sided'] else ''} {r['size']} ≤ {r['cap']}" for r in rows) + f" in {est}",
        scope="ε = 1/2 (minimum angle 60°): one-sided codes ≤ τ_d, two-sided (lines) ≤ τ_d/2, τ from "
              "geometry.KISSING_NUMBERS; pairwise inner products recomputed independently",
        estimate=est, details={"rows": rows})
