"""Claims for softmax: Definition 3.2 (def:softmax), with its checks and explorers.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

A definition cannot be false, but two things about it can be checked: the properties its
statement gives it (shift invariance, a probability vector, no overflow with the max shift;
proved for every n in :mod:`proofs._proof_definitions`, whose statement is the claim's
``sympy_statement``), decided by the symbolic check in index form for all n; and the
engine's implementation, compared with a 50-digit mpmath softmax on seeded random logits up
to 1e4.

Every engine call goes through the module (``att.softmax``) so that monkeypatched mutants
are what the checks see.
"""

from __future__ import annotations

import importlib
import math

import mpmath
import numpy as np
import sympy as sp
from sympy.simplify.simplify import factor_sum

from proofs._attention_common import RTOL
from proofs._common import chain, is_zero, rate, serial_blas
from proofs._explore_common import (
    TINY,
    seeds,
    short_repr,
)
from proofs._proof_definitions import softmax_proof
from tensorkv_check.claims.registry import REGISTRY, CheckResult

# ``import tensorkv_check.engine.exact_attention as att`` would bind the *function* ``attention`` that
# tensorkv_check/__init__.py re-exports under the same name; take the modules themselves.
att = importlib.import_module("tensorkv_check.engine.exact_attention")

# Symbols of the index-form (general n) argument.
_n = sp.Symbol("n", integer=True, positive=True)
_i, _j = sp.symbols("i j", integer=True, positive=True)
_z = sp.IndexedBase("z")


# ------------------------------------------------------------------------- def:softmax
softmax = REGISTRY.claim(
    "def:softmax",
    paper_ref="Definition 3.2",
    sources=("paper",),
    statement=(
        "softmax(z)_i = exp(z_i)/Σ_j exp(z_j), computed as exp(z − max z)/Σ exp(z − max z): the "
        "shift leaves it unchanged, the entries are positive and sum to one, and with the max "
        "shift every exponent is ≤ 0, so each exp(z_j − max z) ≤ 1 and no logit size overflows."
    ),
    sympy_statement=softmax_proof().statement,
    hypotheses=("z ∈ R^n finite, n ≥ 1",),
    depends_on=(),
)


@softmax.symbolic(
    "shift-invariance-general", description="softmax(z − c) = softmax(z) and Σ softmax = 1, symbolic n"
)
def check_shift_invariance_general(ctx):
    c = sp.Symbol("c", real=True)
    S0 = sp.Sum(sp.exp(_z[_j]), (_j, 1, _n))
    # Step: exp(z_j − c) = e^{−c} e^{z_j}; the constant e^{−c} leaves the sum (factor_sum).
    Sc = factor_sum(sp.Sum(sp.expand(sp.exp(_z[_j] - c)), (_j, 1, _n)))
    total = factor_sum(sp.Sum(sp.exp(_z[_j]) / S0, (_j, 1, _n)))
    steps = [
        ("Σ_j exp(z_j − c) = e^{−c} Σ_j exp(z_j)", is_zero(Sc - sp.exp(-c) * S0)),
        (
            "exp(z_i − c)/Σ_j exp(z_j − c) = exp(z_i)/Σ_j exp(z_j)",
            is_zero(sp.exp(_z[_i] - c) / Sc - sp.exp(_z[_i]) / S0),
        ),
        ("Σ_i softmax(z)_i = 1", is_zero(total - 1)),
        (
            "exp(x) > 0 for real x, so softmax(z)_i is a positive term over a sum of n ≥ 1 positive terms",
            sp.exp(sp.Symbol("x", real=True)).is_positive,
        ),
    ]
    return chain(
        steps,
        "softmax is invariant under a common shift (so the max shift is exact) and is a probability vector",
        scope="all n (index form, symbolic z and c)",
    )


@softmax.empirical(
    "engine-vs-mpmath",
    description="att.softmax matches a 50-digit mpmath softmax, logits up to 1e4",
    role="engine",
)
@serial_blas
def check_engine_vs_mpmath(ctx):
    rng = ctx.rng("def:softmax", "mpmath")
    mpmath.mp.dps = 50
    cases = [
        np.array([1e4, 1e4 - np.log(3.0)]),
        np.full(7, -1e4),
        np.array([1e4, -1e4, 0.0]),
        np.array([0.0]),
    ]
    reps = 40 if ctx.profile == "full" else 12
    for _r in range(reps):
        n = int(rng.integers(1, 200))
        cases.append(rng.standard_normal(n) * float(rng.choice([1.0, 100.0, 1e4])))
    ok, worst = 0, 0.0
    for z in cases:
        p = att.softmax(z)
        ez = [mpmath.exp(mpmath.mpf(float(x))) for x in z]
        tot = mpmath.fsum(ez)
        ref = np.array([float(e / tot) for e in ez])
        err = float(np.abs(p - ref).max()) if np.isfinite(p).all() else np.inf
        worst = max(worst, err)
        ok += bool(err <= RTOL and abs(p.sum() - 1.0) <= RTOL)
    est = rate(ok, len(cases), {"n": "1..199 plus fixed cases", "logit scale": "1, 100, 1e4"}, ctx.seed)
    res = CheckResult.ok if ok == len(cases) else CheckResult.fail
    return res(
        f"|softmax − mpmath| ≤ {RTOL:g} and Σ = 1 in {est}; worst error {worst:.2e}",
        scope="n < 200, logits up to ±1e4",
        estimate=est,
        details={"worst_abs_error": worst},
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


_LOGIT_KINDS = ("spread", "offset", "ties", "subnormal", "gap", "single")


def _logits(kind: str, n: int, seed: int, size: float) -> np.ndarray:
    g = np.random.default_rng(seed)
    if kind == "spread":
        return g.uniform(-abs(size), abs(size), n)
    if kind == "offset":  # a huge common offset plus O(1) differences
        return size + g.standard_normal(n)
    if kind == "ties":
        return np.full(n, size) - (g.random(n) < 0.5) * g.integers(0, 3, n)
    if kind == "subnormal":
        return g.integers(-4, 5, n) * TINY
    if kind == "gap":  # one winner, the rest far below
        z = np.full(n, -size)
        z[g.integers(0, n)] = size
        return z
    return np.array([size] * n)


def _space_softmax(st):
    return st.fixed_dictionaries(
        {
            "z": st.builds(
                _logits,
                st.sampled_from(_LOGIT_KINDS),
                st.integers(1, 40),
                seeds(st),
                st.sampled_from([0.0, 1.0, 1e2, 1e4, 1e5, 1e6, -1e6]),
            )
        }
    )


@REGISTRY.explorer(
    "def:softmax",
    "probability-vector",
    weight=3,
    region="inside",
    space=_space_softmax,
    ranges="n = 1..40 logits of size 0, 1, 1e2, 1e4–1e6 (spread, offset, ties, one winner, subnormal)",
    snippet=lambda ex: "p = tk.softmax(z); print(p, p.sum())",
)
def explore_probability_vector(ex):
    """softmax(z) is finite, in [0, 1], sums to 1 and matches a 50-digit mpmath softmax to 1e-12."""
    import mpmath

    z = np.asarray(ex["z"], dtype=np.float64)
    p = att.softmax(z)
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        return f"softmax of {short_repr(z)} is not a probability vector: {short_repr(p)}"
    with mpmath.workdps(50):
        zmax = max(mpmath.mpf(float(x)) for x in z)
        e = [mpmath.exp(mpmath.mpf(float(x)) - zmax) for x in z]
        tot = mpmath.fsum(e)
        ref = np.array([float(v / tot) for v in e])
    err = float(np.abs(p - ref).max())
    # exp(z_i − max) has relative error ≤ 2u(1 + |z_i − max|) and p_i e^{...}·|z_i − max| ≤ 1/e:
    # absolute error ≤ (n + 3)u per entry, far below 1e-12 for n ≤ 40.
    if err > 1e-12 or abs(float(p.sum()) - 1.0) > 1e-12:
        return f"|softmax − mpmath| = {err:.3e}, Σ = {float(p.sum())!r} for z = {short_repr(z)}"
    return None


def _space_softmax_nonfinite(st):
    return st.fixed_dictionaries(
        {
            "z": st.builds(
                lambda n, i, v: np.where(np.arange(n) == i % n, v, 0.0),
                st.integers(1, 8),
                st.integers(0, 7),
                st.sampled_from([math.inf, -math.inf, math.nan]),
            )
        }
    )


@REGISTRY.explorer(
    "def:softmax",
    "non-finite-logits",
    region="outside",
    space=_space_softmax_nonfinite,
    hypothesis="z ∈ R^n finite",
    ranges="n ≤ 8 logits, one of them +inf, −inf or NaN",
)
def explore_non_finite_logits(ex):
    """With a non-finite logit there is no probability vector (the engine refuses it)."""
    z = np.asarray(ex["z"], dtype=np.float64)
    try:
        p = att.softmax(z)
    except ValueError as exc:
        return f"no probability vector for z = {short_repr(z)}: the engine raises ValueError ({exc})"
    if not np.isfinite(p).all() or abs(float(p.sum()) - 1.0) > 1e-12:
        return f"softmax({short_repr(z)}) = {short_repr(p)} is not a probability vector"
    return None
