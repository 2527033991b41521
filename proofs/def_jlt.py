"""Claims for the Johnson–Lindenstrauss transform: Definition 3.3 (def:jlt), with its checks
and explorers.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

The polarization step that turns Definition 3.3's norm form into its inner-product form is
proved in :mod:`proofs._proof_definitions` (the claim's ``sympy_statement`` is that proof's
statement); the checks here decide the identities in index form and exhibit, as a limit, that
the norm form on X ∪ {x − y} alone is weaker.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from proofs._common import chain, is_zero
from proofs._explore_common import (
    U,
    adversarial_matrix,
    seeds,
)
from proofs._proof_definitions import jlt_proof
from tensorkv_check.claims.registry import REGISTRY

# The coordinate index of the index-form (general dimension) arguments.
_l = sp.Symbol("l", integer=True, positive=True)


# ----------------------------------------------------------------------------- def:jlt
jlt = REGISTRY.claim(
    "def:jlt",
    paper_ref="Definition 3.3",
    sources=("paper", "std"),
    statement=(
        "A distribution over S ∈ R^{k×d} is a JLT(ε, δ, f) if for every fixed set X of f vectors, "
        "with probability ≥ 1 − δ, |‖Sx‖² − ‖x‖²| ≤ ε‖x‖² for all x ∈ X. Inner-product form: if the "
        "norm form holds on the normalised sums and differences x/‖x‖ ± y/‖y‖, then "
        "|⟨Sx, Sy⟩ − ⟨x, y⟩| ≤ ε‖x‖‖y‖ (polarization + parallelogram law); conversely the "
        "inner-product form with y = x is the norm form."
    ),
    sympy_statement=jlt_proof().statement,
    hypotheses=("0 < ε < 1, 0 < δ < 1, f ≥ 1", "S linear"),
    depends_on=(),
    caveats=(
        "The spec's 'equivalently, … on X ∪ differences' needs the normalised sums and differences "
        "x̂ ± ŷ (f² vectors in total); on X ∪ {x − y} alone the error bound is "
        "ε(‖x‖² + ‖y‖² + ‖x − y‖²)/2, up to 3ε for unit vectors and not O(ε‖x‖‖y‖) when the norms "
        "differ. The check differences-only-is-weaker exhibits an exact instance.",
    ),
)


@jlt.symbolic(
    "polarization-general",
    description="4⟨Sx,Sy⟩ = ‖S(x+y)‖² − ‖S(x−y)‖² and the parallelogram bound, symbolic dimension",
)
def check_polarization_general(ctx):
    u, v = sp.IndexedBase("u"), sp.IndexedBase("v")  # u = Sx̂, v = Sŷ (S linear: S(x̂ ± ŷ) = u ± v)
    k = sp.Symbol("k", integer=True, positive=True)
    sq = lambda w: sp.Sum(sp.expand(w**2), (_l, 1, k))  # noqa: E731 - ‖w‖² coordinatewise
    inner = sp.Sum(u[_l] * v[_l], (_l, 1, k))
    eps = sp.Symbol("epsilon", positive=True)
    ep, em = sp.symbols("e_p e_m", real=True)  # the norm errors on x̂ + ŷ and x̂ − ŷ
    Np, Nm = sp.symbols("N_p N_m", nonnegative=True)  # ‖x̂ + ŷ‖², ‖x̂ − ŷ‖²
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    steps = [
        (
            "polarization: (‖u+v‖² − ‖u−v‖²)/4 = ⟨u, v⟩ (any dimension k)",
            is_zero((sq(u[_l] + v[_l]) - sq(u[_l] - v[_l])) / 4 - inner),
        ),
        (
            "parallelogram: ‖x+y‖² + ‖x−y‖² = 2‖x‖² + 2‖y‖² (any dimension)",
            is_zero(
                sq(x[_l] + y[_l])
                + sq(x[_l] - y[_l])
                - 2 * sp.Sum(x[_l] ** 2, (_l, 1, k))
                - 2 * sp.Sum(y[_l] ** 2, (_l, 1, k))
            ),
        ),
        # error of ⟨Sx̂,Sŷ⟩ is (e_p − e_m)/4 with |e_±| ≤ ε N_±, so ≤ ε (N_p + N_m)/4 (triangle ineq.)
        (
            "ε(N_p + N_m)/4 − |e_p − e_m|/4 ≥ 0 given |e_±| ≤ εN_± (triangle inequality, written as a sum "
            "of slacks)",
            is_zero(
                eps * (Np + Nm) / 4
                - ((eps * Np - sp.Abs(ep)) + (eps * Nm - sp.Abs(em))) / 4
                - (sp.Abs(ep) + sp.Abs(em)) / 4
            ),
        ),
        (
            "with unit x̂, ŷ: N_p + N_m = 2 + 2 = 4, so the bound is ε·4/4 = ε",
            is_zero(eps * (2 * 1 + 2 * 1) / 4 - eps),
        ),
        (
            "scaling back: ⟨Sx, Sy⟩ − ⟨x, y⟩ = ‖x‖‖y‖(⟨Sx̂, Sŷ⟩ − ⟨x̂, ŷ⟩) (bilinearity)",
            is_zero(
                sp.Symbol("a") * sp.Symbol("b") * (inner - sp.Symbol("g"))
                - (sp.Symbol("a") * sp.Symbol("b") * inner - sp.Symbol("a") * sp.Symbol("b") * sp.Symbol("g"))
            ),
        ),
    ]
    return chain(
        steps,
        "norm preservation on x̂ ± ŷ gives |⟨Sx,Sy⟩ − ⟨x,y⟩| ≤ ε‖x‖‖y‖",
        scope="all dimensions k, d (index form); the triangle inequality |a − b| ≤ |a| + |b| is [std]",
    )


@jlt.symbolic(
    "differences-only-is-weaker",
    description="exact instance: norms kept on X ∪ {x−y}, inner product off by 2ε‖x‖‖y‖",
    role="limits",
)
def check_differences_only_is_weaker(ctx):
    # Demonstrates the caveat (passes when the instance behaves as stated).
    eps = sp.Rational(1, 4)
    S = sp.Matrix([[1, sp.Rational(1, 2)], [0, 1]])
    x, y = sp.Matrix([1, 0]), sp.Matrix([0, sp.Rational(1, 4)])
    nrm2 = lambda w: (w.T * w)[0]  # noqa: E731
    kept = {
        name: abs(nrm2(S * w) - nrm2(w)) <= eps * nrm2(w) for name, w in (("x", x), ("y", y), ("x−y", x - y))
    }
    err = abs((S * x).dot(S * y) - x.dot(y))
    bound = eps * sp.sqrt(nrm2(x) * nrm2(y))
    steps = [(f"|‖Sw‖² − ‖w‖²| ≤ ε‖w‖² for w = {w}", bool(v)) for w, v in kept.items()]
    steps.append(("|⟨Sx,Sy⟩ − ⟨x,y⟩| = 1/8 > ε‖x‖‖y‖ = 1/16", bool(err > bound) and err == sp.Rational(1, 8)))
    return chain(
        steps,
        "S = [[1, 1/2], [0, 1]], x = e1, y = e2/4, ε = 1/4 keeps norms on X ∪ {x − y} but "
        "misses the inner product by 2ε‖x‖‖y‖: the inner-product form needs x̂ ± ŷ",
        scope="one exact rational instance (demonstrates the caveat)",
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


def _space_jlt(st):
    return st.fixed_dictionaries(
        {
            "d": st.integers(1, 6),
            "k": st.integers(1, 6),
            "s_kind": st.sampled_from(("gaussian", "shear", "rank-deficient", "lattice", "near-duplicate")),
            "tau": st.sampled_from([0.5, 0.1, 0.01]),
            "x_kind": st.sampled_from(("gaussian", "basis", "near-duplicate", "lattice", "aligned")),
            "x_scale": st.sampled_from([1.0, 1e-100, 1e100]),
            "y_scale": st.sampled_from([1.0, 1e-3, 1e3, 1e-100]),
            "seed": seeds(st),
        }
    )


def _jlt_case(ex):
    d, k = ex["d"], ex["k"]
    if ex["s_kind"] == "shear":  # a near-isometry I + τ·(strictly upper {−1,0,1}), k = d
        S = np.eye(d) + ex["tau"] * np.triu(adversarial_matrix("lattice", d, d, ex["seed"]), 1)
    else:
        S = adversarial_matrix(ex["s_kind"], k, d, ex["seed"]) / math.sqrt(k)
    if ex["x_kind"] == "basis":  # two coordinate vectors e_i, e_j
        i, j = np.random.default_rng(ex["seed"] + 1).integers(0, d, 2)
        X = np.eye(d)[[i, j]]
    else:
        X = adversarial_matrix(ex["x_kind"], 2, d, ex["seed"] + 1)
    x, y = X[0] * ex["x_scale"], X[1] * ex["y_scale"]
    return S, x, y


def _distortion(S, v):
    nv = float(v @ v)
    return abs(float((S @ v) @ (S @ v)) - nv) / nv if nv > 0 else 0.0


@REGISTRY.explorer(
    "def:jlt",
    "polarization",
    weight=3,
    region="inside",
    space=_space_jlt,
    ranges="d, k ≤ 6; S Gaussian, shear I + τU, rank-one, lattice, near-duplicate rows; x, y (basis vectors, "
    "Gaussian, lattice, aligned, near-duplicate) of norms 1e-100..1e100",
)
def explore_polarization(ex):
    """Norm form on x̂ ± ŷ with distortion ε < 1 ⇒ |⟨Sx, Sy⟩ − ⟨x, y⟩| ≤ ε‖x‖‖y‖."""
    S, x, y = _jlt_case(ex)
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(y))
    if nx == 0 or ny == 0:
        return None
    xh, yh = x / nx, y / ny
    eps = max(_distortion(S, xh + yh), _distortion(S, xh - yh))
    if not eps < 1:
        return None  # the definition's ε ∈ (0, 1): vacuous
    err = abs(float((S @ xh) @ (S @ yh)) - float(xh @ yh))
    slack = 32 * (ex["k"] + ex["d"]) * U * (1 + float(np.linalg.norm(S, 2)) ** 2)
    if err > eps + slack:
        return f"|⟨Sx̂,Sŷ⟩ − ⟨x̂,ŷ⟩| = {err:.6g} > ε = {eps:.6g} (norm form on x̂ ± ŷ)"
    return None


@REGISTRY.explorer(
    "def:jlt",
    "differences-only",
    weight=8,
    region="outside",
    space=_space_jlt,
    hypothesis="norm form on the normalised sums and differences x̂ ± ŷ (not just on X ∪ {x − y})",
    ranges="d, k ≤ 6; S Gaussian, shear I + τU, rank-one, lattice, near-duplicate rows; x, y (basis vectors, "
    "Gaussian, lattice, aligned, near-duplicate) of norms 1e-100..1e100",
)
def explore_differences_only(ex):
    """Norm form only on {x, y, x − y} with distortion ε ⇒ |⟨Sx, Sy⟩ − ⟨x, y⟩| ≤ ε‖x‖‖y‖ ?"""
    S, x, y = _jlt_case(ex)
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(y))
    if nx == 0 or ny == 0 or not (nx < 1e150 and ny < 1e150 and nx > 1e-150 and ny > 1e-150):
        return None
    eps = max(_distortion(S, x), _distortion(S, y), _distortion(S, x - y))
    if not eps < 1:
        return None
    err = abs(float((S @ x) @ (S @ y)) - float(x @ y))
    slack = 32 * (ex["k"] + ex["d"]) * U * (1 + float(np.linalg.norm(S, 2)) ** 2) * nx * ny
    if err > eps * nx * ny + slack:
        return (
            f"with distortion ε = {eps:.4g} on x, y, x − y: |⟨Sx,Sy⟩ − ⟨x,y⟩| = {err:.4g} > "
            f"ε‖x‖‖y‖ = {eps * nx * ny:.4g}"
        )
    return None
