"""Shared helpers of the counterexample explorers (not a claim module: ``load_all`` skips ``_*``).

Every claim module ends with the explorers of its claims
(:meth:`tensorkv_check.claims.registry.Registry.explorer`, run by
:mod:`tensorkv_check.claims.exploration`): each draws examples with hypothesis over a
claim's parameters (n, d, ε, δ, C, scale, seeds) and adversarial inputs, and states a
property of the example. This module holds what several of them share:

* :func:`adversarial_matrix`: near-duplicate rows, huge and tiny norms, subnormal
  entries, rank-one (rank-deficient) factors, rows aligned with one direction (keys
  aligned with the query), heavy-tailed (Cauchy) entries, {-1, 0, 1} lattices.
  Matrices are generated from a drawn seed and kind, so a shrunk example has the
  smallest sizes, the first kind and seed 0 that still fail.
* :func:`attention_tol`: the float64 forward-error bound of Definition 3.6 that
  numeric comparisons of attention outputs use (derived in its docstring, not tuned
  to the outcome).
* the Index-reduction explorers of thm:ho25-lb and thm:four-cache-lb
  (:func:`reduction_inside`, :func:`reduction_below`, :func:`dimension_scan`).
* strategy shorthands (:func:`finite_floats`, :func:`seeds`) and :func:`memo_last`,
  which lets a property and its score share one evaluation.

``region="inside"``: every hypothesis of the claim holds for the drawn example, a
failure is a counterexample (the report shows it as refuted). ``region="outside"``:
exactly one named hypothesis is violated on purpose; a failure shows that hypothesis
is necessary (the claim is not refuted). Probabilistic claims are attacked through a
deterministic consequence (an exact tail, an implication given the good event, a
Clopper–Pearson interval over seeded trials), never through one unlucky draw. Paper:
Chen et al. 2025 (arXiv 2503.11108) and the results it uses (spec
``shared/spec/paper-math.md``).
"""

from __future__ import annotations

import json
import math

import numpy as np

from proofs._common import value_scale

__all__ = [
    "U",
    "TINY",
    "KINDS",
    "ADV",
    "adversarial_matrix",
    "memo_last",
    "finite_floats",
    "seeds",
    "short_repr",
    "attention_tol",
    "REDUCTION_EPS",
    "space_reduction",
    "reduction_inside",
    "space_below",
    "reduction_below",
    "dimension_scan",
]

U = np.finfo(np.float64).eps / 2  # unit roundoff
TINY = 5e-324  # smallest subnormal: the absolute rounding unit below 2^-1022

#: Kinds of adversarial matrices (the first is what shrinking prefers).
KINDS = (
    "gaussian",
    "near-duplicate",
    "huge",
    "tiny",
    "subnormal",
    "rank-deficient",
    "aligned",
    "heavy-tailed",
    "lattice",
)
ADV = "kinds " + ", ".join(KINDS)


def adversarial_matrix(
    kind: str, n: int, d: int, seed: int, *, huge: float = 1e100, direction: np.ndarray | None = None
) -> np.ndarray:
    """An adversarial ``n × d`` float64 matrix of ``kind`` from ``seed``."""
    g = np.random.default_rng(seed)
    if kind == "gaussian":
        return g.standard_normal((n, d))
    if kind == "near-duplicate":  # one row repeated with relative noise 1e-9 (some exact copies)
        base = g.standard_normal(d)
        noise = 1e-9 * g.standard_normal((n, d)) * (g.random((n, 1)) < 0.5)
        return base + noise
    if kind == "huge":
        return g.standard_normal((n, d)) * huge
    if kind == "tiny":
        return g.standard_normal((n, d)) * 1e-150
    if kind == "subnormal":
        return g.integers(-8, 9, (n, d)) * TINY
    if kind == "rank-deficient":
        return np.outer(g.standard_normal(n), g.standard_normal(d))
    if kind == "aligned":  # every row a multiple of one direction (the query's, if given)
        v = g.standard_normal(d) if direction is None else np.asarray(direction, float)
        return np.outer(g.standard_normal(n) + 2.0, v)
    if kind == "heavy-tailed":
        return g.standard_cauchy((n, d))
    if kind == "lattice":
        return g.integers(-1, 2, (n, d)).astype(np.float64)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def memo_last(fn):
    """Cache the last few results of ``fn(example)``: a property and its score share one run."""
    cache: dict[str, object] = {}

    def wrapped(ex):
        from tensorkv_check.claims import encode

        k = json.dumps(encode(ex), sort_keys=True, allow_nan=True)
        if k not in cache:
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[k] = fn(ex)
        return cache[k]

    return wrapped


def finite_floats(st, lo, hi):
    """Finite floats in ``[lo, hi]`` (no NaN, no infinity)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def seeds(st):
    """Seeds of ``numpy.random.default_rng``: any 32-bit unsigned integer."""
    return st.integers(0, 2**32 - 1)


def short_repr(x: np.ndarray) -> str:
    """An array shortened for failure texts (4 digits, at most 12 entries shown)."""
    return np.array2string(np.asarray(x), precision=4, threshold=12)


def attention_tol(Q, K1, K2, V1, V2, scale) -> float:
    """Forward-error bound for two float64 evaluations of Definition 3.6.

    Each logit is a d-term sum computed in two orders: error ≤ 2(d + 2)u·Λ with
    Λ = scale·max Σ_l |q_l K1_jl K2_kl|; a logit error Δ moves the softmax by at most
    2Δ in ℓ1, so the outputs by ≤ 2Δ·value_scale; the weighted sums of n1·n2 rows add
    (n1 n2 + d)u relative error, plus an absolute rounding of the subnormal range
    (2^-1075 per operation) when the values underflow. Constants doubled for safety.
    """
    d = K1.shape[1]
    A1, A2 = np.abs(K1), np.abs(K2).T
    lam = max(float(((A1 * (abs(scale) * np.abs(q))) @ A2).max()) for q in np.atleast_2d(Q))
    vs = value_scale(V1, V2)
    n2 = K1.shape[0] * K2.shape[0]
    return vs * (1e-12 + 2 * (4 * (d + 2) * U * lam + (n2 + d) * U)) + 8 * (n2 + d) * TINY


REDUCTION_EPS = 0.25  # the ε the reduction's constants are quoted at (c = 4/ε² = 64)


def space_reduction(st, n_hi):
    """Reduction parameters inside the hypotheses: n = 2..n_hi, ε, δ, a key family and a seed."""
    return st.fixed_dictionaries(
        {
            "n": st.integers(2, n_hi),
            "eps": finite_floats(st, 0.2, 0.45),
            "delta": finite_floats(st, 0.05, 0.5),
            "family": st.sampled_from(("rademacher", "gaussian", "jl-sign", "jl")),
            "seed": st.integers(0, 2**20),
        }
    )


def reduction_inside(ex, model, rows_of):
    """Run the exact Index reduction of ``model`` at d = near_orthogonal_dimension(rows_of(n), ε, δ):
    ``None`` unless Bob misses a bit although the keys satisfy the hypotheses.

    The hypotheses are not taken from the engine's ``guaranteed`` flag (true by
    construction when ``C`` comes from its own ε): the instance's public keys are rebuilt
    from the seed, ε is measured from their Gram here (``proofs._index_reduction.measured_eps``:
    max off-diagonal, 1 − min squared norm, float64 rounding allowance) and Bob queries
    with ``C = ln(4(r−1))/(1 − 2ε)`` from that ε. Keys with measured ε ≥ 1/2 missed the
    ≥ 1 − δ event of lem:near-orthogonal: the example is vacuous.
    """
    from proofs._index_reduction import measured_eps, reduction_C
    from tensorkv_check.engine.jl import near_orthogonal_dimension
    from tensorkv_check.index import make_instance, run_index

    n = ex["n"]
    d = near_orthogonal_dimension(rows_of(n), ex["eps"], ex["delta"])
    keys = make_instance(model, n, d, seed=ex["seed"], key_family=ex["family"]).keys
    m = measured_eps(keys)
    if m["eps"] >= 0.5:
        return None  # the keys missed the ≥ 1 − δ event of lem:near-orthogonal: vacuous
    C = reduction_C(keys.shape[0], m["eps"])
    r = run_index("exact", model, n, d, queries=64, seed=ex["seed"], key_family=ex["family"], C=C)
    if r.successes != r.queries:
        return (
            f"{model} reduction, n = {n}, d = {d} (≥ 2 ln(r²/δ)/ε²), ε measured by the check = "
            f"{m['eps']:.4f}, C = {C:.4f}: Bob decoded {r.successes}/{r.queries} bits although the margin "
            "is guaranteed"
        )
    return None


def space_below(st, n_hi):
    """n = 2..n_hi and a dimension 1 ≤ d < 64 ln n, below the reduction's threshold at ε = 1/4."""

    @st.composite
    def s(draw):
        n = draw(st.integers(2, n_hi))
        d_hi = max(1, math.ceil(4 / REDUCTION_EPS**2 * math.log(n)) - 1)
        return {"n": n, "d": draw(st.integers(1, d_hi)), "seed": draw(st.integers(0, 2**20))}

    return s()


def reduction_below(ex, model):
    """Run the reduction of ``model`` below the dimension threshold at C = reduction_C(n, 1/4):
    the failure text says whether Bob still decodes every queried bit."""
    from proofs._index_reduction import measured_eps
    from tensorkv_check.index import make_instance, reduction_C, run_index

    n, d = ex["n"], ex["d"]
    C = reduction_C(n, REDUCTION_EPS)
    r = run_index("exact", model, n, d, queries=64, seed=ex["seed"], C=C)
    if r.successes != r.queries:
        # ε measured here from the public keys (rebuilt from the seed), not the engine's figure:
        # with ε ≤ 1/4 the keys would satisfy the hypotheses at this C and a miss would refute
        # thm:ho25-lb itself rather than show that the dimension threshold is needed.
        m = measured_eps(make_instance(model, n, d, seed=ex["seed"]).keys)
        inside = m["eps"] <= REDUCTION_EPS
        return (
            f"{model} reduction below the threshold: n = {n}, d = {d} < 64 ln n = {64 * math.log(n):.1f}, "
            f"C = ln(4(n−1))/(1 − 2·{REDUCTION_EPS}) = {C:.4f}: Bob decoded {r.successes}/{r.queries} bits "
            f"(max |⟨k_i,k_j⟩| = {m['max_off']:.3f})"
            + (
                f"; the keys' measured ε = {m['eps']:.4f} ≤ {REDUCTION_EPS}: INSIDE the hypotheses, a "
                "contradiction of thm:ho25-lb"
                if inside
                else ""
            )
        )
    return None


def dimension_scan(model: str, budget: int, seed: int) -> dict:
    """Smallest d at which Bob decodes every queried bit for 3 seeds, per n, against 64·ln n."""
    from tensorkv_check.engine.jl import near_orthogonal_dimension
    from tensorkv_check.index import reduction_C, run_index

    ns = (8, 32, 128) if budget < 40 else (8, 32, 128, 512)
    if model != "standard":  # n² pairs per query: smaller n
        ns = (8, 32) if budget < 40 else (8, 32, 64)
    seeds = (seed, seed + 1, seed + 2)
    rows = []
    for n in ns:
        C = reduction_C(n, REDUCTION_EPS)
        d_min = None
        for d in range(1, math.ceil(64 * math.log(n)) + 1):
            if all(run_index("exact", model, n, d, queries=256, seed=s, C=C).successes == 256 for s in seeds):
                d_min = d
                break
        rows.append(
            {
                "n": n,
                "d_min": d_min,
                "ln_n": math.log(n),
                "c_ln_n": 64 * math.log(n),
                "spec_dimension": near_orthogonal_dimension(n, REDUCTION_EPS, 1 / 3),
                "d_min_over_ln_n": None if d_min is None else d_min / math.log(n),
            }
        )
    summary = (
        "smallest d decoding all 256 queried bits (3 seeds, C = ln(4(n−1))/(1 − 2·1/4)): "
        + ", ".join(
            f"n = {r['n']}: d = {r['d_min']} vs 64 ln n = {r['c_ln_n']:.0f} "
            f"(spec d(ε=1/4, δ=1/3) = {r['spec_dimension']})"
            for r in rows
        )
        + "; decoding succeeds far below the spec's constant, whose 4/ε² comes from a union bound"
    )
    return {"model": model, "rows": rows, "summary": summary}
