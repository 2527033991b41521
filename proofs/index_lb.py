"""Claims for the Index problem and the Haris–Onak lower bound for standard attention.

Spec ids def:index and thm:index-lb ([std], the communication-complexity facts) and
thm:ho25-lb (Haris and Onak, "Compression Barriers in Autoregressive Transformers",
COLT 2025, arXiv 2502.15955), which Chen et al. 2025 (arXiv 2503.11108) generalise to
tensor attention (see :mod:`proofs.tensor_lb`).

What is checked:

* thm:index-lb: the Fano algebra M ≥ (1 − h(p))·N is a machine-checked proof
  (``proofs/_proof_index.py``: per-coordinate Fano and Jensen for h are cited axioms);
  independently, an exhaustive search over all deterministic protocols for tiny N finds
  the best achievable average success and corroborates the bound there (by Yao's
  principle, public-coin protocols cannot do better on the uniform distribution than the
  best deterministic one). The check ``frontier-checks`` tests the frontier harness
  itself (role ``engine``).
* thm:ho25-lb: the softmax tail and margin algebra of the reduction is a machine-checked
  proof (``proofs/_proof_index.py``), and the reduction itself is run end to end.

The reduction harness here (:func:`run_reduction`) is deliberately small: Alice's bits
x ∈ {0,1}^{rows×d}, near-orthogonal public keys (``tensorkv_check.engine.jl``), an exact
algorithm built from (keys, bits) by a caller-supplied function, Bob's queries
``C·k_i`` for every row (all rows·d bits), thresholding at 1/2. The mathematics is
deterministic, so is the verdict: the check measures ε itself from the keys' Gram matrix
(:func:`measured_eps`: max off-diagonal |⟨k_i, k_j⟩| and 1 − min ‖k_i‖², plus a float64
rounding allowance), sets ``C = ln(4(rows−1))/(1 − 2ε)`` from it (:func:`reduction_C`,
written here, not the engine's), and fails on a single wrong bit of a trial whose
measured ε < 1/2; a trial with ε ≥ 1/2 is outside the theorem and counted apart. The
``harness-*`` checks run the engine's full Index harness (``run_index``, message
serialised) on every bit and re-derive ε and C the same way from the public keys.
Three more checks pin the constants down: ``tight-instance`` (keys with
‖k_i‖² = 1 − ε and ⟨k_i, k_j⟩ = ε attain the off-mass bound to 1e-12), ``approximate-bob``
(outputs moved 1/4 toward 1/2 still decode: 1/5 + 1/4 < 1/2) and the ``limits`` check
``approximation-constant-matters`` (0.31 > 1/2 − 1/5 flips bits on the tight keys).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

import numpy as np
import sympy as sp

from proofs._common import rate, serial_blas
from proofs._explore_common import (
    dimension_scan,
    reduction_below,
    reduction_inside,
    seeds,
    space_below,
    space_reduction,
)
from tensorkv_check.claims.registry import REGISTRY, CheckResult
from tensorkv_check.engine.stats import binary_entropy

att = importlib.import_module("tensorkv_check.engine.exact_attention")
jl = importlib.import_module("tensorkv_check.engine.jl")

_p = sp.Symbol("p", positive=True)
_s = sp.Symbol("s", positive=True)
_N = sp.Symbol("N", integer=True, positive=True)
_M = sp.Symbol("M", positive=True)


def _h(p):
    """Binary entropy in bits, as a sympy expression."""
    return -(p * sp.log(p, 2) + (1 - p) * sp.log(1 - p, 2))


# ----------------------------------------------------------------------------- def:index
REGISTRY.claim(
    "def:index",
    paper_ref="Index problem (as used by HO25)",
    sources=("std", "HO25"),
    statement=(
        "Alice holds x ∈ {0,1}^N, Bob holds k ∈ [N]; Alice sends one message; Bob must output x_k with "
        "probability ≥ 2/3 (public coins)."
    ),
    hypotheses=("N ≥ 1",),
    depends_on=(),
    cited_reason=(
        "a definition of a communication problem [std]; nothing to compute. Its use is checked "
        "through thm:index-lb and the reductions (thm:ho25-lb, thm:four-cache-lb, thm:two-cache-lb)."
    ),
)


# -------------------------------------------------------------------------- thm:index-lb
index_lb = REGISTRY.claim(
    "thm:index-lb",
    paper_ref="Index lower bound (std)",
    sources=("std",),
    statement=(
        "Any one-way protocol for Index needs Ω(N) bits. Explicit (Fano form, x and k uniform): a "
        "protocol with M-bit messages and average success p ≥ 1/2 has M ≥ (1 − h(p))·N, h the binary "
        "entropy in bits; with success ≥ 2/3, M ≥ (5/3 − log2 3)·N ≈ 0.0817·N."
    ),
    sympy_statement=sp.Ge(_M, (1 - _h(_p)) * _N),
    hypotheses=(
        "x uniform on {0,1}^N, k uniform on [N], independent of each other and of the public coins",
        "average success p ≥ 1/2 (≥ 2/3 for the Ω(N) form)",
    ),
    explicit_constants={"Ω(N)": "M ≥ (1 − h(p))·N; for p ≥ 2/3: M ≥ (5/3 − log2 3)·N ≥ 0.0817·N"},
    depends_on=("def:index",),
)


def _best_protocol(N: int, M: int) -> tuple[int, int]:
    """Best total success over all deterministic protocols with M-bit messages (exhaustive).

    A protocol is Alice's map msg: {0,1}^N → [2^M]; Bob's best reply to (m, k) is the
    majority of x_k among the x with msg(x) = m. Returns (successes, N·2^N).
    """
    B, X2 = 2**M, 2**N
    funcs = np.arange(B**X2, dtype=np.int64)
    msg = (funcs[:, None] // (B ** np.arange(X2, dtype=np.int64))) % B  # (F, 2^N)
    bits = (np.arange(X2)[:, None] >> np.arange(N)) & 1  # (2^N, N)
    onehot = (msg[:, :, None] == np.arange(B)).astype(np.int32)  # (F, 2^N, B)
    ones = np.einsum("fxm,xk->fmk", onehot, bits)
    count = onehot.sum(axis=1)[:, :, None]
    return int(np.maximum(ones, count - ones).sum(axis=(1, 2)).max()), N * X2


@index_lb.empirical(
    "exhaustive-protocols",
    description="optimal success of every deterministic protocol, N ≤ 4: M ≥ (1 − h(p*))N",
)
@serial_blas
def check_exhaustive_protocols(ctx):
    cases = [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1)]
    rows, ok = [], 0
    for N, M in cases:
        succ, total = _best_protocol(N, M)
        p = succ / total
        bound = (1 - binary_entropy(p)) * N
        holds = M >= bound - 1e-12 * N  # equality M = N at p* = 1 is exact in float
        ok += holds
        rows.append({"N": N, "M": M, "best_success": f"{succ}/{total}", "fano_bound": bound, "holds": holds})
    est = rate(ok, len(cases), {"(N, M)": cases}, ctx.seed)
    res = CheckResult.ok if ok == len(cases) else CheckResult.fail
    return res(
        f"the Fano bound holds for the optimal protocol in {est}; tight (M = N, p* = 1) at (2,2)",
        scope="exhaustive: N ≤ 3 with M ≤ 2, N = 4 with M = 1 (all 2^M-ary maps on {0,1}^N)",
        estimate=est,
        details={"cases": rows},
    )


# ---------------------------------------------------------------------------- thm:ho25-lb
def reduction_C(rows: int, eps: float) -> float:
    """Bob's query scale ``C = ln(4(rows − 1))/(1 − 2ε)`` (needs rows ≥ 2, ε < 1/2).

    Written here from the statement, not imported from the engine
    (:func:`tensorkv_check.index.bounds.reduction_C`), so that a wrong constant there
    is caught by the checks that compare the engine's ``C`` with this one.
    """
    return math.log(4 * (rows - 1)) / (1 - 2 * eps)


#: Unit roundoff of float64.
_U = np.finfo(np.float64).eps / 2


def measured_eps(K: np.ndarray) -> dict:
    """The hypotheses' ε of a key set, measured from its Gram matrix (computed here).

    thm:ho25-lb needs ``|⟨k_i, k_j⟩| ≤ ε`` (i ≠ j) and ``‖k_i‖² ≥ 1 − ε``: the least such
    ε is ``max(max_{i≠j} |G_ij|, 1 − min_i G_ii)`` with ``G = K Kᵀ``. Each entry of the
    float64 Gram is within ``γ_d·max‖k‖²`` (``γ_d = d·u/(1 − d·u)``, Higham's bound for a
    d-term dot product) of the exact one, so ``eps`` adds that allowance: the keys as
    stored satisfy the hypotheses with ``eps`` whatever the rounding. Independent of
    :func:`tensorkv_check.index.instances.key_coherence` and of ``run_index``.
    """
    K = np.asarray(K, dtype=np.float64)
    r, d = K.shape
    G = K @ K.T
    norms = np.diagonal(G).copy()
    off = np.abs(G[~np.eye(r, dtype=bool)])
    max_off = float(off.max()) if off.size else 0.0
    min_norm = float(norms.min())
    gamma = d * _U / (1 - d * _U)
    allowance = gamma * float(norms.max())
    return {
        "eps": max(max_off, 1.0 - min_norm) + allowance,
        "max_off": max_off,
        "min_norm_sq": min_norm,
        "rounding_allowance": allowance,
    }


def run_reduction(
    ctx,
    key: str,
    rows: int,
    d: int,
    build: Callable[[np.ndarray, np.ndarray], tuple[Callable[[np.ndarray], np.ndarray], float]],
    trials: int,
    *,
    push: float = 0.0,
    C_factor: float = 1.0,
    eps_target: float | None = None,
) -> dict:
    """Run the Index → attention reduction ``trials`` times; see the module docstring.

    ``build(K, X)`` streams Alice's tokens into an algorithm and returns Bob's query
    function and the algorithm's logit scale. Each trial measures ε itself
    (:func:`measured_eps`); a trial with ε ≥ 1/2 is outside the theorem's hypotheses and
    only counted (``outside``). Inside, Bob queries ``C·k_i`` for every row (all
    ``rows·d`` bits) with ``C = C_factor·ln(4(rows−1))/(1−2ε)``; with ``push > 0`` every
    output coordinate is first moved by ``push`` toward the threshold 1/2 (the
    adversarial approximate algorithm of the statement: ``push = 1/4`` is the worst
    output within 1/4). With ``eps_target``, trials whose measured ε exceeds it are
    counted (``above_target``: lem:near-orthogonal bounds their probability by δ at the
    dimension used). Returns counts of wrong bits and the worst margins.
    """
    rng = ctx.rng(key)
    inside, outside, wrong, bad_trials, above = 0, 0, 0, 0, 0
    worst_margin, worst_eps, first_bad, first_outside = 0.0, 0.0, None, None
    for t in range(trials):
        K = jl.near_orthogonal_keys(rows, d, rng)
        X = rng.integers(0, 2, size=(rows, d)).astype(float)
        m = measured_eps(K)
        eps = m["eps"]
        worst_eps = max(worst_eps, eps)
        above += eps_target is not None and eps > eps_target
        if eps >= 0.5:  # not a trial of the theorem: its hypotheses fail for these keys
            outside += 1
            first_outside = first_outside or {"trial": t, **m}
            continue
        inside += 1
        answer, scale = build(K, X)
        out = np.asarray(answer(C_factor * reduction_C(rows, eps) / scale * K))  # one query per row
        worst_margin = max(worst_margin, float(np.abs(out - X).max()))
        if push:
            out = out + push * np.sign(0.5 - out)  # toward 1/2, the worst direction
        w = int(np.count_nonzero((out > 0.5) != (X > 0.5)))
        wrong += w
        if w:
            bad_trials += 1
            first_bad = first_bad or {"trial": t, **m, "wrong_bits": w}
    return {
        "trials": trials,
        "inside": inside,
        "outside": outside,
        "bits_per_trial": rows * d,
        "bits_queried": inside * rows * d,
        "wrong_bits": wrong,
        "trials_with_wrong_bits": bad_trials,
        "worst_margin": worst_margin,
        "worst_eps": worst_eps,
        "push": push,
        "C_factor": C_factor,
        "eps_target": eps_target,
        "above_target": above,
        "first_failure": first_bad,
        "first_outside": first_outside,
    }


def reduction_result(ctx, res: dict, model: str, params: dict, *, delta: float | None = None) -> CheckResult:
    """CheckResult of a reduction run: deterministic, zero wrong bits inside the hypotheses.

    Passes iff at least one trial is inside (measured ε < 1/2), not one of the bits
    queried in those trials is wrong, and (without an adversarial push) every exact output
    coordinate is within 1/5 of its bit (the margin proved in ``proofs/_proof_index.py``),
    up to 1e-9. With ``delta`` (and a run with ``eps_target``), the keys are also tested
    against lem:near-orthogonal, the hypothesis that makes the trials inside: at the
    dimension used, ε > ε_target has probability ≤ δ, so the 99% Clopper–Pearson lower
    bound of that rate must not exceed δ (statistical; a dimension half the lemma's fails:
    235 of 1000 trials above ε_target = 0.4 at n = 32, d = 72, against 0 at d = 145).
    """
    steps = {
        "some trial inside the hypotheses (ε < 1/2)": res["inside"] > 0,
        "zero wrong bits": res["wrong_bits"] == 0,
    }
    if res["C_factor"] >= 1:
        steps["every exact coordinate within 1/5 of its bit"] = res["worst_margin"] <= 0.2 + 1e-9
    out_est = None
    if delta is not None:
        out_est = rate(
            res["above_target"],
            res["trials"],
            {**params, "event": f"measured ε > ε_target = {res['eps_target']}"},
            ctx.seed,
        )
        steps[f"rate of ε > ε_target: CP lower ≤ δ = {delta}"] = (
            res["eps_target"] is not None and out_est.ci_low <= delta
        )
    failed = [k for k, v in steps.items() if not v]
    verdict = CheckResult.ok if not failed else CheckResult.fail
    est = rate(
        res["inside"] - res["trials_with_wrong_bits"],
        max(res["inside"], 1),
        {**params, "event": "trial with every bit decoded", "target": "all (deterministic)"},
        ctx.seed,
    )
    push = f", outputs pushed {res['push']:g} toward 1/2" if res["push"] else ""
    return verdict(
        f"{model}{push}: {res['wrong_bits']} wrong bits of {res['bits_queried']} queried "
        f"({res['inside']} trials inside the hypotheses, {res['outside']} with measured ε ≥ 1/2 "
        f"counted apart); worst exact margin {res['worst_margin']:.2e} (proved ≤ 1/5), worst measured ε "
        f"{res['worst_eps']:.3f}" + ("" if not failed else f"; FAILED: {failed}"),
        scope=f"{model}; "
        + ", ".join(f"{k} = {v}" for k, v in params.items())
        + "; ε measured by the check (Gram of the keys, float64 rounding allowance), C from it, every bit "
        "queried; passes only with zero wrong bits",
        estimate=est,
        details={
            **res,
            "above_target_rate": None if out_est is None else out_est.to_dict(),
            "failed": failed,
        },
    )


def reduction_trials(ctx, cheap: bool = True) -> int:
    """Trials (independent key sets and bit matrices) of a reduction check.

    The verdict is deterministic (zero wrong bits), so the count only sets how many
    instances are tried; it also gives the test of lem:near-orthogonal (rate of
    ε > ε_target ≤ δ = 0.01) its power: with no such trial, the 99% Clopper–Pearson
    upper bound is 0.0046 at 1000 trials and 0.0076 at 600.
    """
    if ctx.profile == "full":
        return 3000
    return 1000 if cheap else 600


ho25 = REGISTRY.claim(
    "thm:ho25-lb",
    paper_ref="Haris–Onak 2025, main theorem",
    sources=("HO25", "inferred"),
    statement=(
        "For d = Ω(log n), any streaming algorithm that outputs standard attention, even approximately "
        "(each coordinate within a constant, or relative ℓ2 error η < 1/2 [inferred constant]), needs "
        "Ω(nd) bits; in general Ω(d·min{n, e^d}). Reduction from Index with N = n·d: near-orthogonal "
        "shared keys, values = Alice's bit rows, Bob queries C·k_i and thresholds at 1/2; with a score "
        "gap ≥ C(1 − 2ε) the softmax mass off token i is ≤ (n−1)e^{−C(1−2ε)}/(1 + (n−1)e^{−C(1−2ε)}), "
        "and C ≥ ln(4(n−1))/(1 − 2ε) makes it ≤ 1/5, so every coordinate is within 1/5 < 1/4 of its bit."
    ),
    sympy_statement=sp.Le(
        sp.Symbol("mass_off_i"),
        (sp.Symbol("n") - 1)
        * sp.exp(-sp.Symbol("C") * (1 - 2 * sp.Symbol("epsilon")))
        / (1 + (sp.Symbol("n") - 1) * sp.exp(-sp.Symbol("C") * (1 - 2 * sp.Symbol("epsilon")))),
    ),
    hypotheses=(
        "n ≥ 2, 0 < ε < 1/2",
        "keys with |⟨k_i, k_j⟩| ≤ ε (i ≠ j) and ‖k_i‖² ≥ 1 − ε (±1/√d keys: ‖k_i‖ = 1)",
        "d ≥ 2 ln(n²/δ)/ε² (lem:near-orthogonal)",
        "C ≥ ln(4(n−1))/(1 − 2ε)",
    ),
    explicit_constants={
        "d = Ω(log n)": "d ≥ 2 ln(n²/δ)/ε² = (4 ln n + 2 ln(1/δ))/ε²; a fixed good key set exists once "
        "d > 4 ln n/ε² (n² e^{−dε²/2} < 1)",
        "Ω(nd) bits": "M ≥ (1 − h(p))·n·d for Bob's success p; p = 1 with a fixed good key set: M ≥ n·d; "
        "p ≥ 1 − δ with shared random keys",
        "Ω(d·min{n, e^d})": "Ω(d·min{n, e^{dε²/4}}): at most e^{dε²/4} ε-near-orthogonal keys come from "
        "lem:near-orthogonal, so the exponent constant is ε²/4 (e.g. 1/64 at ε = 1/4)",
        "within a constant": "every output coordinate within 1/5 (< 1/4) of its bit",
    },
    depends_on=("thm:index-lb", "lem:near-orthogonal", "def:softmax"),
    caveats=(
        "The spec's gap C(1 − 2ε) allows keys of squared norm ≥ 1 − ε; for ±1/√d keys the gap is "
        "C(1 − ε), so the bound is conservative there.",
        "The relative-ℓ2 (η < 1/2) variant is [inferred] and not checked here; the checks use the "
        "per-coordinate margin.",
    ),
)


@ho25.empirical(
    "reduction-standard-attention",
    description="Index → standard attention end to end, every n·d bit queried: zero wrong bits whenever "
    "the measured ε < 1/2",
)
@serial_blas
def check_reduction_standard_attention(ctx):
    n, eps_target, delta = (64, 0.4, 0.01) if ctx.profile == "full" else (32, 0.4, 0.01)
    d = jl.near_orthogonal_dimension(n, eps_target, delta)
    res = run_reduction(
        ctx, "thm:ho25-lb", n, d, _standard_build, reduction_trials(ctx), eps_target=eps_target
    )
    return reduction_result(
        ctx,
        res,
        "standard attention (exact, scale 1/d)",
        {"n": n, "d": d, "eps_target": eps_target, "delta": delta, "trials": res["trials"]},
        delta=delta,
    )


def _standard_build(K, X):
    # The "algorithm" stores (K, V) exactly and answers with the engine's standard
    # attention at its default scale 1/d, which Bob folds into the query.
    return (lambda Q: att.attention(Q, K, X)), 1.0 / K.shape[1]


def push_toward_half(out: np.ndarray, push: float) -> np.ndarray:
    """The adversarial approximate algorithm: every coordinate moved by ``push`` toward 1/2.

    An algorithm whose outputs are within ``push`` of the exact ones per coordinate can
    do no worse to Bob than this (thresholding at 1/2 fails only if a coordinate crosses
    1/2, and moving toward 1/2 is the only way to cross it).
    """
    return out + push * np.sign(0.5 - out)


@ho25.empirical(
    "approximate-bob",
    description="every output coordinate pushed 1/4 toward the threshold 1/2 (the worst output within "
    "1/4): zero wrong bits on random near-orthogonal keys and on the tight keys at C = C*",
)
@serial_blas
def check_approximate_bob(ctx):
    n, eps_target, delta = (64, 0.4, 0.01) if ctx.profile == "full" else (32, 0.4, 0.01)
    d = jl.near_orthogonal_dimension(n, eps_target, delta)
    res = run_reduction(
        ctx, "thm:ho25-lb-approx", n, d, _standard_build, reduction_trials(ctx) // 2, push=0.25
    )
    tight = tight_instances(0.25)
    wrong_tight = sum(t["wrong_bits"] for t in tight)
    result = reduction_result(
        ctx,
        res,
        "standard attention, approximate algorithm (each coordinate moved 1/4 toward 1/2)",
        {"n": n, "d": d, "eps_target": eps_target, "delta": delta, "push": 0.25, "trials": res["trials"]},
    )
    ok = result.passed and wrong_tight == 0
    verdict = CheckResult.ok if ok else CheckResult.fail
    return verdict(
        result.summary + f"; tight keys at C = C* (exact margin exactly 1/5, pushed to 1/5 + 1/4 = 9/20): "
        f"{wrong_tight} wrong bits of {sum(t['bits'] for t in tight)}",
        scope=result.scope + "; tight instances: " + ", ".join(f"(n={t['n']}, ε={t['eps']})" for t in tight),
        estimate=result.estimate,
        details={**result.details, "tight": tight},
    )


#: (n, ε) of the tight instances: the gap C(1 − 2ε) is attained by every pair.
TIGHT_CASES = ((2, 0.1), (8, 0.25), (32, 0.4), (128, 0.45), (512, 0.3))


def tight_instances(push: float) -> list[dict]:
    """Run the tight instances (:func:`tensorkv_check.index.tight_keys`) at C = C*.

    For each (n, ε): keys with ``‖k_i‖² = 1 − ε`` and ``⟨k_i, k_j⟩ = ε`` exactly (the extreme
    of both hypotheses), ε re-measured from the Gram, ``C = ln(4(n−1))/(1−2ε)``; the
    off-token mass of the query ``C·k_i`` is measured through the engine's attention with
    indicator values, and Bob decodes two adversarial bit patterns (row i's bit in
    coordinate i opposite to every other row's: ``1 − I`` and ``I``), whose coordinate
    (i, i) sits exactly at distance off-mass from its bit; outputs moved ``push`` toward 1/2.
    """
    index = importlib.import_module("tensorkv_check.index")
    rows = []
    for n, eps_design in TIGHT_CASES:
        K = index.tight_keys(n, eps_design)
        m = measured_eps(K)
        eps = m["eps"] - m["rounding_allowance"]  # the attained value, for the equality test
        C = reduction_C(n, eps)
        d = K.shape[1]
        Q = C * d * K  # the engine's scale 1/d folded in
        V = np.zeros((n, d))
        V[:, :n] = np.eye(n)
        W = att.attention(Q, K, V)[:, :n]  # W[i, j]: softmax weight of token j for query i
        off = W.sum(axis=1) - np.diagonal(W)
        g = (n - 1) * math.exp(-C * (1 - 2 * eps))
        bound = g / (1 + g)
        rel = float(np.abs(off - bound).max() / bound)
        wrong, margin, extreme = 0, 0.0, 0
        for X in (1.0 - V, V):  # bit (i, i) opposite to all the other rows' bit in coordinate i
            X = X.copy()
            X[:, n:] = 0.0
            out = att.attention(Q, K, X)
            err = np.abs(out - X)
            margin = max(margin, float(err.max()))
            extreme += int(np.count_nonzero(err >= 0.2 - 1e-9))  # coordinates at the proved margin
            wrong += int(np.count_nonzero((push_toward_half(out, push) > 0.5) != (X > 0.5)))
        rows.append(
            {
                "n": n,
                "eps": eps_design,
                "eps_measured": eps,
                "C": C,
                "off_mass_bound": bound,
                "off_mass_measured_max": float(off.max()),
                "off_mass_measured_min": float(off.min()),
                "relative_gap": rel,
                "exact_margin": margin,
                "push": push,
                "bits": 2 * n * d,
                "coordinates_at_margin": extreme,
                "wrong_bits": wrong,
            }
        )
    return rows


@ho25.empirical(
    "tight-instance",
    description="keys with ‖k_i‖² = 1 − ε and ⟨k_i, k_j⟩ = ε (the extreme of both hypotheses): the measured "
    "off-token mass equals (n−1)e^{−C(1−2ε)}/(1 + (n−1)e^{−C(1−2ε)}) to 1e-12 relative",
)
@serial_blas
def check_tight_instance(ctx):
    rows = tight_instances(0.0)
    steps = {
        "off-mass = bound to 1e-12 (relative)": all(r["relative_gap"] <= 1e-12 for r in rows),
        "at C = C* the bound is 1/5": all(abs(r["off_mass_bound"] - 0.2) <= 1e-12 for r in rows),
        "exact margin = 1/5 (attained)": all(abs(r["exact_margin"] - 0.2) <= 1e-12 for r in rows),
        "zero wrong bits": all(r["wrong_bits"] == 0 for r in rows),
    }
    failed = [k for k, v in steps.items() if not v]
    verdict = CheckResult.ok if not failed else CheckResult.fail
    return verdict(
        "tight keys (Gram (1−2ε)I + εJ): measured off-token mass vs the bound, relative gaps "
        + ", ".join(f"n={r['n']}, ε={r['eps']}: {r['relative_gap']:.1e}" for r in rows)
        + "; the bound is attained, so thm:ho25-lb's off-mass bound cannot be improved under its hypotheses"
        + ("" if not failed else f"; FAILED: {failed}"),
        scope="keys k_i = √(1−2ε)e_i + √ε·e_{n+1} in R^{n+1} (tensorkv_check.index.tight_keys), ε "
        "re-measured from the Gram, C = ln(4(n−1))/(1−2ε) (C = C*), off-mass through the engine's "
        f"attention with indicator values; (n, ε) ∈ {list(TIGHT_CASES)}",
        details={"rows": rows, "failed": failed},
    )


@ho25.empirical(
    "approximation-constant-matters",
    description="a perturbation of 0.31 > 1/2 − 1/5 per coordinate (toward 1/2) flips bits on the tight "
    "keys at C = C*: the approximation constant 1/4 cannot be replaced by 0.31",
    role="limits",
)
@serial_blas
def check_approximation_constant_matters(ctx):
    # Demonstrates where the statement stops: passes when the larger push flips bits.
    rows = tight_instances(0.31)
    flipped = sum(r["wrong_bits"] for r in rows)
    # Exactly the coordinates whose exact output sits at the proved margin 1/5 flip (at least
    # the (i, i) coordinates of both patterns: 2n per instance); no other coordinate moves enough.
    expected = sum(r["coordinates_at_margin"] for r in rows)
    enough = all(r["coordinates_at_margin"] >= 2 * r["n"] for r in rows)
    verdict = CheckResult.ok if flipped == expected and enough else CheckResult.fail
    return verdict(
        f"pushing every coordinate 0.31 toward 1/2 flips {flipped} bits (expected {expected}: every "
        "coordinate whose exact output is 1/5 from its bit), since 1/5 + 0.31 > 1/2; with 1/4 none flips "
        "(check approximate-bob)",
        scope="tight keys at C = C*, (n, ε) ∈ " + str(list(TIGHT_CASES)) + "; demonstrates the constant",
        details={"rows": rows},
    )


# ------------------------------------------------------- the engine's Index harness (run_index)
def harness_seed(ctx, *keys: str) -> int:
    """A non-negative ``run_index`` seed derived from ``ctx.rng(*keys)`` (order independent)."""
    return int(ctx.rng(*keys).integers(0, 2**31 - 1))


def harness_check(
    ctx,
    claim_key: str,
    model: str,
    ns: tuple[int, ...],
    *,
    eps_target: float = 0.4,
    delta: float = 0.01,
    rows_of: Callable[[int], int] = lambda n: n,
    algorithm="exact",
    scope_note: str = "",
) -> CheckResult:
    """Run ``run_index(algorithm, model, n, d, queries="all", ...)`` for every ``n`` in ``ns``.

    ``d = near_orthogonal_dimension(rows_of(n), eps_target, delta)`` (lem:near-orthogonal
    for the number of competing keys). Every one of the ``N`` bits is queried. The check
    does not take the engine's word for the hypotheses: it rebuilds the instance's public
    keys from the seed, measures ε from their Gram matrix itself (:func:`measured_eps`),
    computes ``C`` from that ε with this module's :func:`reduction_C` and requires, for
    every ``n`` whose measured ε < 1/2: the engine's ``C`` at least that ``C`` (a smaller
    one would be an engine bug even if Bob got lucky) and zero wrong bits. An ``n`` with
    measured ε ≥ 1/2 is outside the theorem and only reported; at least one must be inside.
    """
    index = importlib.import_module("tensorkv_check.index")
    runs, bad, outside, succ, total = [], [], [], 0, 0
    for n in ns:
        d = jl.near_orthogonal_dimension(rows_of(n), eps_target, delta)
        seed = harness_seed(ctx, claim_key, model, str(n))
        keys = index.make_instance(model, n, d, seed=seed).keys  # the public keys, from the seed
        m = measured_eps(keys)
        row = {"n": n, "rows": keys.shape[0], "d": d, "seed": seed, **m}
        if m["eps"] >= 0.5:
            outside.append(row)
            continue
        C_check = reduction_C(keys.shape[0], m["eps"])
        r = index.run_index(algorithm, model, n, d, queries="all", seed=seed)
        row.update(
            {
                "N": r.N,
                "M_bits": r.message_bits,
                "C_check": C_check,
                "C_engine": r.C,
                "eps_engine": r.eps_measured,
                "queries": r.queries,
                "wrong_bits": r.queries - r.successes,
                "fano_bits": r.fano_bits,
            }
        )
        row["failed"] = [
            k
            for k, v in {
                "every bit queried": r.queries == r.N,
                "engine C ≥ C from the check's ε": r.C >= C_check * (1 - 1e-12),
                "zero wrong bits": row["wrong_bits"] == 0,
            }.items()
            if not v
        ]
        runs.append(row)
        succ, total = succ + r.successes, total + r.queries
        if row["failed"]:
            bad.append(row)
    params = {
        "model": model,
        "algorithm": algorithm if isinstance(algorithm, str) else repr(algorithm),
        "n": list(ns),
        "eps_target": eps_target,
        "delta": delta,
        "queries_per_n": "all N bits",
        "target": "every n inside the hypotheses: zero wrong bits, engine C ≥ the check's C",
    }
    est = rate(succ, total, params, ctx.seed)
    verdict = CheckResult.ok if runs and not bad else CheckResult.fail
    lows = ", ".join(
        f"n={r['n']}: {r['wrong_bits']} wrong of {r['queries']} (ε {r['eps']:.3f})" for r in runs
    )
    return verdict(
        f"run_index({algorithm!r}, {model!r}), every bit queried: {lows}"
        + (f"; {len(outside)} n with measured ε ≥ 1/2 (outside, not judged)" if outside else "")
        + ("" if not bad else f"; FAILED at n = {[r['n'] for r in bad]}: {bad[0]['failed']}")
        + ("" if runs else "; FAILED: no n inside the hypotheses"),
        scope=(
            f"model {model!r} of tensorkv_check.index ({scope_note}); n ∈ {list(ns)}, "
            f"d = near_orthogonal_dimension(rows, ε={eps_target}, δ={delta}); ε re-measured by the check "
            "from the public keys' Gram (float64 rounding allowance), C = ln(4(r−1))/(1−2ε) from it; all N "
            "bits queried; deterministic: one wrong bit fails"
        ),
        estimate=est,
        details={
            "runs": runs,
            "outside": outside,
            "eps_target": eps_target,
            "delta": delta,
            "n_range": [min(ns), max(ns)],
            "first_failure": bad[0] if bad else None,
        },
    )


@ho25.empirical(
    "harness-standard",
    description="tensorkv_check.index.run_index('exact', 'standard'), every bit queried: zero wrong bits, "
    "ε and C re-derived by the check",
)
@serial_blas
def check_harness_standard(ctx):
    ns = (32, 64, 128, 256) if ctx.profile == "full" else (32, 64)
    return harness_check(
        ctx,
        "thm:ho25-lb",
        "standard",
        ns,
        scope_note="n tokens (k_i, x_i), exact StandardDecoder, message serialised",
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


@REGISTRY.explorer(
    "def:index",
    "instances-are-index",
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {
            "model": st.sampled_from(("standard", "four-cache", "two-cache", "two-cache-structured")),
            "n": st.integers(2, 7),
            "d": st.integers(1, 8),
            "family": st.sampled_from(("rademacher", "gaussian", "jl", "jl-sign")),
            "seed": seeds(st),
        }
    ),
    ranges="all four models, n = 2..7, d ≤ 8, all key families",
)
def explore_instances_are_index(ex):
    """The harness's instance is an Index instance: N bits in {0,1}, one public key row per bit-row."""
    from tensorkv_check.index import make_instance

    inst = make_instance(ex["model"], ex["n"], ex["d"], seed=ex["seed"], key_family=ex["family"])
    n, d = ex["n"], ex["d"]
    expected = {
        "standard": n * d,
        "four-cache": n * d,
        "two-cache": n * n * d,
        "two-cache-structured": 2 * (n - 1) * d,
    }[ex["model"]]
    if inst.N != expected or not np.isin(inst.bits, (0, 1)).all():
        return f"N = {inst.N} (expected {expected}) or bits outside {{0,1}}"
    if (
        inst.bob_rows.shape[0] != inst.bits.shape[0]
        or inst.bob_rows.min() < 0
        or inst.bob_rows.max() >= inst.rows
    ):
        return "Bob's key rows do not index the public keys one per bit-row"
    return None


def _protocol_success(N: int, M: int, enc: np.ndarray, w: np.ndarray) -> float:
    """Best average success of Bob over x ~ w, k uniform, given Alice's encoding ``enc``."""
    X = (np.arange(2**N)[:, None] >> np.arange(N)[None, :]) & 1  # x as rows of bits
    ones = np.zeros((2**M, N))
    tot = np.zeros(2**M)
    np.add.at(ones, enc, w[:, None] * X)
    np.add.at(tot, enc, w)
    return float(np.maximum(ones, tot[:, None] - ones).sum() / N)


def _entropy_bits(p: float) -> float:
    from tensorkv_check.engine.stats import binary_entropy

    return binary_entropy(min(max(p, 0.0), 1.0))


def _space_protocols(st, weights: bool):
    @st.composite
    def s(draw):
        N = draw(st.integers(1, 4))
        M = draw(st.integers(0, N))
        enc = draw(st.lists(st.integers(0, 2**M - 1), min_size=2**N, max_size=2**N))
        out = {"N": N, "M": M, "enc": enc}
        if weights:
            out["w"] = draw(st.lists(st.integers(0, 9), min_size=2**N, max_size=2**N).filter(any))
        return out

    return s()


@REGISTRY.explorer(
    "thm:index-lb",
    "fano-deterministic-protocols",
    weight=3,
    region="inside",
    space=lambda st: _space_protocols(st, False),
    ranges="N ≤ 4 bits, M ≤ N message bits, every encoding table, Bob's optimal decoder",
)
def explore_fano_deterministic_protocols(ex):
    """Every deterministic protocol with success p ≥ 1/2 has M ≥ (1 − h(p))·N (exact rational success)."""
    N, M = ex["N"], ex["M"]
    w = np.full(2**N, 1.0 / 2**N)
    p = _protocol_success(N, M, np.asarray(ex["enc"], dtype=np.int64), w)
    if p >= 0.5 and M < (1 - _entropy_bits(p)) * N - 1e-12:
        return f"M = {M} < (1 − h({p:.6f}))·{N} = {(1 - _entropy_bits(p)) * N:.6f}"
    return None


@REGISTRY.explorer(
    "thm:index-lb",
    "non-uniform-inputs",
    region="outside",
    space=lambda st: _space_protocols(st, True),
    hypothesis="x uniform on {0,1}^N, k uniform on [N]",
    ranges="N ≤ 4, M ≤ N, every encoding table, x drawn from integer weights 0..9",
)
def explore_non_uniform_inputs(ex):
    """Fano's bound with x from a non-uniform distribution?"""
    N, M = ex["N"], ex["M"]
    w = np.asarray(ex["w"], dtype=np.float64)
    w = w / w.sum()
    p = _protocol_success(N, M, np.asarray(ex["enc"], dtype=np.int64), w)
    if p >= 0.5 and M < (1 - _entropy_bits(p)) * N - 1e-12:
        return (
            f"x non-uniform: M = {M} bits reach success p = {p:.6f} > the Fano bound (1 − h(p))·N = "
            f"{(1 - _entropy_bits(p)) * N:.4f}"
        )
    return None


@REGISTRY.explorer(
    "thm:ho25-lb",
    "reduction-decodes",
    region="inside",
    weight=0.5,
    space=lambda st: space_reduction(st, 16),
    ranges="n = 2..16, ε ∈ [0.2, 0.45], δ ∈ [0.05, 0.5], d = ⌈2 ln(n²/δ)/ε²⌉, all key families, 64 queries",
)
def explore_reduction_decodes(ex):
    """Standard-attention reduction: with the guaranteed margin Bob decodes every bit."""
    return reduction_inside(ex, "standard", lambda n: n)


@REGISTRY.explorer(
    "thm:ho25-lb",
    "below-dimension-threshold",
    region="outside",
    weight=1.5,
    space=lambda st: space_below(st, 64),
    hypothesis="d ≥ 2 ln(n²/δ)/ε² (lem:near-orthogonal)",
    ranges="n = 2..64, 1 ≤ d < 64 ln n, Rademacher keys, C = ln(4(n−1))/(1 − 2·1/4), 64 queries",
    extra=lambda budget, seed: dimension_scan("standard", budget, seed),
)
def explore_below_dimension_threshold(ex):
    """Below the dimension threshold Bob still decodes every bit?"""
    return reduction_below(ex, "standard")
