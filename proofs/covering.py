"""Claim for the low-dimensional regime: covering numbers and their consequences.

Chen et al. 2025 (arXiv 2503.11108), the d = o(log n) regime (spec thm:covering,
[paper][HO25][std]): the volumetric bound N(δ) ≤ (1 + 2/δ)^d on covering numbers of the
unit ball/sphere, packings of size e^{Θ(d)} with small inner products, and the
consequences (keys of norm ≤ r are (N(δ/2r), δ)-clusterable independently of n;
SubGen's memory is then independent of n; the lower bound is Ω(d·e^{Θ(d)}) bits
[HO25]; product structure gives at most N1·N2 clusters).

The volume algebra is a machine-checked proof (``proofs/_proof_covering.py``). The
engine's coverings are checked from both sides against exact values
(``engine-sphere-covers``): :func:`tensorkv_check.geometry.sphere_cover` must really
cover S^1 and S^2 (the circle by the exact largest-gap formula written here and a fine
grid, the sphere by a fine spiral), have at least N(S^1, δ) = ⌈π/(2 arcsin(δ/2))⌉ points
(at least 4/δ² on S^2: nothing smaller can cover) and, being δ-separated, at most the
packing number and (1 + 2/δ)^d. Packing sizes are held to a stated lower bound
(``engine-packing-above-cap-bound``: a maximal packing of lines at ε has at least
1/(2σ_d(ε)) ≥ ½e^{dε²/2} members, c = ε²/2) as well as to the kissing numbers
(``engine-packing-below-kissing``). The ``engine-covering-within-bounds`` check holds
the sampled covering estimates to the rigorous bounds of ``covering_bounds``.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from proofs._common import rate, serial_blas
from proofs._explore_common import finite_floats, memo_last, seeds
from tensorkv_check.claims.registry import REGISTRY, CheckResult

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
        "and [HO25]; checks lowdim-plateau-rate and lowdim-ball-memory measure the first for keys uniform "
        "in a ball (d ≤ 5), lowdim-index-packing runs the reduction on the best packing found (d = 2..10).",
        "Index reduction beyond the packing (check lowdim-index-packing): the reduction certifies d·P(d) "
        "bits only for n ≤ P(d). With more keys than the packing holds, the exact decoder's success does "
        "not collapse at n = P(d), even with the query norm fixed at the reduction's C*: the information it "
        "carries plateaus only at a level set by the query norm (in small d), far above d·P(d). Ω(d·min{n, "
        "e^{Θ(d)}}) is a lower bound on memory, not a prediction of what the exact decoder carries; the "
        "measured figures are in the check.",
    ),
)


def _circle_far(centres: np.ndarray) -> float:
    """Exact covering radius of points on S^1, written here (not the engine's): the
    farthest circle point is the midpoint of the largest angular gap g, at chord 2 sin(g/4)."""
    ang = np.sort(np.mod(np.arctan2(centres[:, 1], centres[:, 0]), 2 * math.pi))
    g = float(np.diff(np.r_[ang, ang[0] + 2 * math.pi]).max())
    return 2 * math.sin(g / 4)


def _fibonacci_sphere(m: int) -> np.ndarray:
    """m nearly uniform points of S^2 (golden-angle spiral): a fine deterministic grid."""
    i = np.arange(m) + 0.5
    z = 1 - 2 * i / m
    phi = i * math.pi * (3 - math.sqrt(5))
    rho = np.sqrt(1 - z * z)
    return np.c_[rho * np.cos(phi), rho * np.sin(phi), z]


#: Fine evaluation grids of the covering checks and their resolution: every point of the
#: set lies within this distance of a grid point, so the grid's max distance to the
#: centres is within it of the true covering radius.
_CIRCLE_GRID = 1 << 16
_CIRCLE_RES = 2 * math.sin(math.pi / _CIRCLE_GRID)
_SPHERE_GRID = 60_000
#: Covering radius of the 60,000-point spiral on S^2: 0.011137 (exact, spherical Voronoi;
#: a 10^6-point spiral finds 0.010377), rounded up.
_SPHERE_RES = 0.0112


def circle_covering_number(delta: float) -> int:
    """Exact N(S^1, δ) for 0 < δ < 2: a closed δ-ball centred on S^1 covers an arc of
    angular radius θ = 2 arcsin(δ/2), so ⌈π/θ⌉ centres are necessary and sufficient."""
    return math.ceil(math.pi / (2 * math.asin(delta / 2)) - 1e-12)


def circle_packing_number(delta: float) -> int:
    """Largest number of points of S^1 with pairwise distance > δ: k such points leave k
    gaps each of angle > θ = 2 arcsin(δ/2), so kθ < 2π; ⌈2π/θ⌉ − 1 points fit."""
    return math.ceil(math.pi / math.asin(delta / 2) - 1e-12) - 1


@cover.empirical(
    "engine-sphere-covers",
    description="geometry.sphere_cover on S^1 and S^2, checked from both sides: it covers (exact and fine "
    "evaluation ≤ δ), its size is ≥ N(S^1, δ) = ⌈π/(2 arcsin(δ/2))⌉ (≥ 4/δ² on S^2) and, being "
    "δ-separated, ≤ the packing number and (1 + 2/δ)^d",
)
@serial_blas
def check_engine_sphere_covers(ctx):
    from scipy.spatial import cKDTree

    geometry = __import__("tensorkv_check.geometry", fromlist=["sphere_cover"])
    cases = [(2, x) for x in ctx.size((0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 1.9), smoke=(0.5, 1.9))]
    cases += [
        (3, x) for x in ctx.size((0.35, 0.5, 0.75, 1.0), full=(0.25, 0.35, 0.5, 0.75, 1.0, 1.2), smoke=(1.0,))
    ]
    circle = np.exp(2j * np.pi * np.arange(_CIRCLE_GRID) / _CIRCLE_GRID)
    grids = {2: np.c_[circle.real, circle.imag], 3: _fibonacci_sphere(_SPHERE_GRID)}
    rows, bad = [], []
    for d, delta in cases:
        rng = ctx.rng("thm:covering", "sphere-cover", d, str(delta))
        c = geometry.sphere_cover(d, delta, rng=rng, n_samples=4000)
        C = np.asarray(c.centres)
        size = C.shape[0]
        grid_far = float(cKDTree(C).query(grids[d], k=1)[0].max())
        pair = np.sqrt(((C[:, None, :] - C[None, :, :]) ** 2).sum(-1))
        sep = float(pair[~np.eye(size, dtype=bool)].min()) if size > 1 else math.inf
        vol = (1 + 2 / delta) ** d
        steps = {
            "unit centres": bool(np.abs(np.linalg.norm(C, axis=1) - 1).max() <= 1e-12),
            "fine evaluation: max distance ≤ δ": grid_far <= delta,
            "engine's covering radius ≤ δ": c.covering_radius <= delta,
            "centres pairwise > δ apart": sep > delta,
            "size ≤ (1 + 2/δ)^d": size <= vol,
        }
        row = {"d": d, "delta": delta, "size": size, "separation": sep, "grid_max_distance": grid_far}
        if d == 2:
            exact_far = _circle_far(C)
            N, M = circle_covering_number(delta), circle_packing_number(delta)
            row.update({"exact_max_distance": exact_far, "N_exact": N, "M_exact": M})
            steps.update(
                {
                    "exact evaluation: max distance ≤ δ": exact_far <= delta + 1e-12,
                    "engine's radius = the exact one": abs(c.covering_radius - exact_far) <= 1e-12,
                    "grid within its resolution of the exact": exact_far - _CIRCLE_RES
                    <= grid_far
                    <= exact_far,
                    # the formula itself, both sides: N equally spaced points cover, no N − 1 points do
                    # (k points leave a gap ≥ 2π/k, whose midpoint is 2 sin(π/(2k)) from them)
                    "N points suffice": 2 * math.sin(math.pi / (2 * N)) <= delta,
                    "N − 1 points do not": N == 1 or 2 * math.sin(math.pi / (2 * (N - 1))) > delta,
                    "size ≥ N(S^1, δ)": size >= N,
                    "size ≤ M(S^1, δ)": size <= M,
                }
            )
        else:
            lower = 4 / delta**2  # a closed δ-ball meets S^2 in a cap of area πδ² (Archimedes)
            shell = (1 + 2 / delta) ** 3 - (2 / delta - 1) ** 3
            row.update({"engine_radius": c.covering_radius, "area_lower": lower, "shell_upper": shell})
            steps.update(
                {
                    "grid within its resolution below the engine's exact radius": c.covering_radius
                    - _SPHERE_RES
                    <= grid_far
                    <= c.covering_radius + 1e-12,
                    "size ≥ 4/δ²": size >= lower,
                    "size ≤ shell bound": size <= shell,
                }
            )
        row["failed"] = [k for k, v in steps.items() if not v]
        rows.append(row)
        if row["failed"]:
            bad.append(row)
    est = rate(len(rows) - len(bad), len(rows), {"cases": [[d, x] for d, x in cases]}, ctx.seed)
    res = CheckResult.ok if not bad else CheckResult.fail
    return res(
        "engine covers: "
        + "; ".join(
            f"S^{r['d'] - 1} δ={r['delta']}: {r['size']} centres"
            + (f" (N = {r['N_exact']}, M = {r['M_exact']})" if r["d"] == 2 else f" (≥ {r['area_lower']:.1f})")
            for r in rows
        )
        + f"; all cover and are separated in {est}"
        + ("" if not bad else f"; FAILED: {bad[0]}"),
        scope="tensorkv_check.geometry.sphere_cover (greedy net of 4000 uniform points, gaps closed at the "
        "exact covering radius); checked here: S^1 by the exact largest-gap formula and a 65,536-point "
        "grid, S^2 by a 60,000-point spiral (resolution 0.0112) against the engine's Voronoi radius; "
        f"δ ∈ {sorted({x for _, x in cases})}",
        estimate=est,
        details={"rows": rows},
    )


#: Design ε of the packing lower-bound check; c = ε²/2 is the stated exponent.
_PACK_EPS = 0.45


def _cap_measure(d: int, eps: float) -> float:
    """Normalised measure of the cap {x ∈ S^{d−1}: ⟨x, u⟩ ≥ ε}: ½ I_{1−ε²}((d−1)/2, 1/2)."""
    from scipy.special import betainc

    return 0.5 * float(betainc((d - 1) / 2, 0.5, 1 - eps * eps))


@cover.empirical(
    "engine-packing-above-cap-bound",
    description="geometry.near_orthogonal_packing at ε = 0.45 (lines), d = 8..24: size ≥ 1/(2σ_d(ε)) ≥ "
    "½e^{dε²/2}, the size every maximal packing reaches (c = ε²/2 ≈ 0.101)",
)
@serial_blas
def check_engine_packing_above_cap_bound(ctx):
    geometry = __import__("tensorkv_check.geometry", fromlist=["near_orthogonal_packing"])
    eps, c = _PACK_EPS, _PACK_EPS**2 / 2
    rows, bad = [], []
    for d in ctx.size((8, 12, 16, 24), full=(8, 12, 16, 24, 32), smoke=(8,)):
        rng = ctx.rng("thm:covering", "packing-lower", d)
        n_candidates = ctx.size(5000, full=20000, smoke=500)
        p = geometry.near_orthogonal_packing(d, eps, rng, n_candidates=n_candidates, restarts=1)
        V = np.asarray(p.vectors)
        G = np.abs(V @ V.T)  # recomputed: the engine's max_inner is not trusted
        inner = float(G[~np.eye(len(V), dtype=bool)].max()) if len(V) > 1 else 0.0
        cap = 1 / (2 * _cap_measure(d, eps))
        stated = 0.5 * math.exp(c * d)
        row = {"d": d, "size": len(V), "cap_bound": cap, "stated_e^cd_bound": stated, "max_inner": inner}
        steps = {
            "unit rows": bool(np.abs(np.linalg.norm(V, axis=1) - 1).max() <= 1e-12),
            "pairwise |⟨u, v⟩| ≤ ε": inner <= eps,
            "cap bound ≥ ½e^{dε²/2} (Ball's cap lemma)": cap >= stated,
            "size ≥ 1/(2σ_d(ε))": len(V) >= cap,
        }
        row["failed"] = [k for k, v in steps.items() if not v]
        rows.append(row)
        if row["failed"]:
            bad.append(row)
    est = rate(len(rows) - len(bad), len(rows), {"eps": eps, "d": [r["d"] for r in rows]}, ctx.seed)
    res = CheckResult.ok if not bad else CheckResult.fail
    return res(
        "near-orthogonal packings (lines, ε = 0.45): "
        + ", ".join(
            f"d={r['d']}: {r['size']} ≥ {r['cap_bound']:.1f} ≥ {r['stated_e^cd_bound']:.2f}" for r in rows
        )
        + f" in {est}"
        + ("" if not bad else f"; FAILED: {bad[0]}"),
        scope="a maximal set of L lines with |⟨u, v⟩| ≤ ε has its 2L caps {x: ⟨x, ±u⟩ > ε} covering the "
        "sphere, so L ≥ 1/(2σ_d(ε)) with σ_d(ε) = ½ I_{1−ε²}((d−1)/2, 1/2) the cap measure (computed here "
        "with scipy), and σ_d(ε) ≤ e^{−dε²/2} (Ball 1997, Lemma 2.2) gives the stated e^{cd} form "
        "½e^{dε²/2}, c = ε²/2 ≈ 0.101; the greedy packing must reach it (a one-vector engine fails at every "
        "d here); pairwise inner products recomputed",
        estimate=est,
        details={"rows": rows, "c": c, "eps": eps},
    )


@cover.empirical(
    "sphere-below-ball-bound",
    description="13 equally spaced points cover the circle at δ = 1/4, below the ball bound (1/δ)^2 = 16",
    role="limits",
)
def check_sphere_below_ball_bound(ctx):
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
    return res(
        f"{k} points cover S^1 at δ = {delta} (max distance {far:.4f}, exact 2 sin(π/26) = "
        f"{2 * math.sin(math.pi / 26):.4f}) < (1/δ)² = 16",
        scope="d = 2, δ = 1/4 (demonstrates the caveat)",
        estimate=est,
        details={"max_distance": far},
    )


# ------------------------------------------------------------- the geometry engine's numbers
@cover.empirical(
    "engine-covering-within-bounds",
    description="geometry.covering_number_estimate in d = 2..4 (sphere and ball) never exceeds "
    "covering_bounds' upper bound",
    role="engine",
)
@serial_blas
def check_engine_covering_within_bounds(ctx):
    geometry = __import__("tensorkv_check.geometry", fromlist=["covering_number_estimate"])
    rng = ctx.rng("thm:covering", "engine-covering")
    m = ctx.size(4000, full=20000, smoke=1000)
    ds = ctx.size((2, 3, 4), full=(2, 3, 4, 5), smoke=(2, 3))
    deltas = ctx.size((0.5, 1.0), full=(0.25, 0.5, 1.0), smoke=(1.0,))
    rows, bad = [], []
    for d in ds:
        for delta in deltas:
            for sphere in (True, False):
                e = geometry.covering_number_estimate(
                    d, delta, sphere=sphere, n_samples=m, n_holdout=500, rng=rng
                )
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
                    exact = circle_covering_number(delta)
                    steps["certified_lower ≤ N(S^1, δ)"] = e.certified_lower <= exact
                    steps["lower ≤ N(S^1, δ) ≤ upper"] = b.lower <= exact + 1e-9 <= b.upper + 1e-9
                if not sphere:
                    steps["ball lower = (1/δ)^d"] = abs(b.lower - (1 / delta) ** d) <= 1e-9 * b.lower
                row = {
                    "d": d,
                    "delta": delta,
                    "set": "sphere" if sphere else "ball",
                    "estimate": e.estimate,
                    "certified_lower": e.certified_lower,
                    "lower": b.lower,
                    "upper": b.upper,
                    "upper_shell": b.upper_shell,
                    "exact_circle": exact,
                    "failed": [k for k, v in steps.items() if not v],
                }
                rows.append(row)
                if row["failed"]:
                    bad.append(row)
    est = rate(
        len(rows) - len(bad), len(rows), {"d": list(ds), "delta": list(deltas), "samples": m}, ctx.seed
    )
    res = CheckResult.ok if not bad else CheckResult.fail
    return res(
        "every covering estimate ≤ (1 + 2/δ)^d (and the sphere's shell bound), certified lower bounds "
        "consistent, "
        f"exact circle covering numbers bracketed, in {est}" + ("" if not bad else f"; FAILED: {bad[0]}"),
        scope=f"sphere S^(d−1) and ball B^d, d ∈ {list(ds)}, δ ∈ {list(deltas)}, {m} sample points "
        "(tensorkv_check.geometry.covering_number_estimate / covering_bounds)",
        estimate=est,
        details={"rows": rows},
    )


@cover.empirical(
    "engine-packing-below-kissing",
    description="geometry.near_orthogonal_packing at ε = 1/2 never exceeds the kissing number τ_d (τ_d/2 "
    "lines)",
    role="engine",
)
@serial_blas
def check_engine_packing_below_kissing(ctx):
    geometry = __import__("tensorkv_check.geometry", fromlist=["near_orthogonal_packing"])
    rng = ctx.rng("thm:covering", "engine-packing")
    rows, bad = [], []
    for d in ctx.size((2, 3, 4), full=(1, 2, 3, 4, 8), smoke=(2, 3)):
        tau = geometry.KISSING_NUMBERS[d]
        for two_sided in (False, True):
            p = geometry.near_orthogonal_packing(
                d,
                0.5,
                rng,
                two_sided=two_sided,
                n_candidates=ctx.size(5000, full=20000, smoke=500),
                restarts=ctx.size(2, full=3, smoke=1),
            )
            V = p.vectors
            G = V @ V.T  # recomputed here: the engine's max_inner is not trusted
            off = G[~np.eye(len(V), dtype=bool)]
            inner = float((np.abs(off) if two_sided else off).max()) if len(V) > 1 else float("-inf")
            cap = tau // 2 if two_sided else tau
            row = {
                "d": d,
                "two_sided": two_sided,
                "size": p.size,
                "cap": cap,
                "kissing": tau,
                "max_inner_recomputed": inner,
                "unit_rows": bool(np.allclose(np.linalg.norm(V, axis=1), 1.0)),
            }
            row["holds"] = p.size <= cap and inner <= 0.5 + 1e-12 and row["unit_rows"]
            rows.append(row)
            if not row["holds"]:
                bad.append(row)
    est = rate(len(rows) - len(bad), len(rows), {"eps": 0.5, "d": sorted({r["d"] for r in rows})}, ctx.seed)
    res = CheckResult.ok if not bad else CheckResult.fail
    return res(
        "greedy near-orthogonal packings at ε = 1/2: "
        + ", ".join(f"d={r['d']}{' lines' if r['two_sided'] else ''} {r['size']} ≤ {r['cap']}" for r in rows)
        + f" in {est}",
        scope="ε = 1/2 (minimum angle 60°): one-sided codes ≤ τ_d, two-sided (lines) ≤ τ_d/2, τ from "
        "geometry.KISSING_NUMBERS; pairwise inner products recomputed independently",
        estimate=est,
        details={"rows": rows},
    )


# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


def _points(kind: str, n: int, d: int, seed: int, radius: float) -> np.ndarray:
    """At least one point of the ball of ``radius`` in R^d (the hypothesis "keys of norm ≤ r").

    ``sphere``/``ball``: n uniform points; ``clustered``: n points near 3 unit
    directions; ``near-duplicate``: n copies of one point up to 1e-12; ``grid``: the
    points of the regular grid of side ≈ n^(1/d) on [−1, 1]^d that lie in the ball.
    """
    g = np.random.default_rng(seed)
    x = g.standard_normal((n, d))
    if kind == "sphere":
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    elif kind == "ball":
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        x *= g.random((n, 1)) ** (1.0 / d)
    elif kind == "clustered":
        c = g.standard_normal((3, d))
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        x = 0.9 * c[g.integers(0, 3, n)] + 0.05 * x / math.sqrt(d)
    elif kind == "grid":
        # A side-2 grid is only the corners {−1, 1}^d, outside the ball for d ≥ 2; from side 3
        # on it holds a point within √d/(side − 1) ≤ 1 of the origin (d ≤ 4 here).
        side = max(2 if d == 1 else 3, round(n ** (1.0 / d)))
        axes = np.linspace(-1, 1, side)
        x = np.stack(np.meshgrid(*([axes] * d)), -1).reshape(-1, d)
        x = x[np.linalg.norm(x, axis=1) <= 1.0]
    else:  # near-duplicate
        x = np.tile(g.standard_normal(d) / (2 * math.sqrt(d)), (n, 1)) + 1e-12 * x
    if kind in ("clustered", "near-duplicate"):
        # Gaussian offsets can leave the unit ball: pull those points back onto its sphere.
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.where(norms > 1.0, x / norms, x)
    return x * radius


def _space_points(st, radius):
    return st.fixed_dictionaries(
        {
            "kind": st.sampled_from(("sphere", "ball", "clustered", "grid", "near-duplicate")),
            "n": st.integers(1, 300),
            "d": st.integers(1, 4),
            "delta": finite_floats(st, 0.1, 2.0),
            "seed": seeds(st),
            "radius": radius,
        }
    )


@REGISTRY.explorer(
    "thm:covering",
    "separated-sets-below-volumetric",
    region="inside",
    space=lambda st: _space_points(st, st.just(1.0)),
    ranges="≤ 300 points in the unit ball of R^d, d ≤ 4 (sphere, ball, clusters, grids, duplicates), "
    "δ ∈ [0.1, 2]",
    score=lambda ex: (lambda sb: sb[0] / sb[1])(_separated(ex)),
    score_label="|δ-separated subset| / (1 + 2/δ)^d",
)
def explore_separated_sets_below_volumetric(ex):
    """A δ-separated subset of the unit ball has at most (1 + 2/δ)^d points (volumetric bound)."""
    size, bound = _separated(ex)
    if size > bound:
        return (
            f"a δ-separated subset of {size} points > (1 + 2/δ)^d = {bound:.4g} (d = {ex['d']}, δ = "
            f"{ex['delta']!r})"
        )
    return None


@memo_last
def _separated(ex):
    from tensorkv_check.geometry import separated_set

    P = _points(ex["kind"], ex["n"], ex["d"], ex["seed"], ex["radius"])
    return int(separated_set(P, ex["delta"]).size), (1 + 2 / ex["delta"]) ** ex["d"]


@REGISTRY.explorer(
    "thm:covering",
    "points-outside-unit-ball",
    region="outside",
    space=lambda st: _space_points(st, finite_floats(st, 1.5, 20.0)),
    hypothesis="keys of norm ≤ r (here r = 1: the unit ball's bound)",
    ranges="as separated-sets-below-volumetric with the points scaled to radius 1.5..20",
)
def explore_points_outside_unit_ball(ex):
    """Points of norm up to R > 1 still obey the unit ball's (1 + 2/δ)^d?"""
    size, bound = _separated(ex)
    if size > bound:
        return (
            f"{size} δ-separated points of norm ≤ {ex['radius']:.3g} > (1 + 2/δ)^d = {bound:.4g} "
            f"(d = {ex['d']}, δ = {ex['delta']!r}): the radius enters as (1 + 2r/δ)^d"
        )
    return None
