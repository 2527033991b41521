"""The Index → attention reduction harness shared by the lower-bound claims (not a claim
module: ``load_all`` skips ``_*``).

Used by thm:ho25-lb (:mod:`proofs.index_standard_lb`) and the tensor lower bounds of Chen
et al. 2025, arXiv 2503.11108 (:mod:`proofs.tensor_lb`).

The reduction harness here (:func:`run_reduction`) is deliberately small: Alice's bits
x ∈ {0,1}^{rows×d}, near-orthogonal public keys (``tensorkv_check.engine.jl``), an exact
algorithm built from (keys, bits) by a caller-supplied function, Bob's queries
``C·k_i`` for every row (all rows·d bits), thresholding at 1/2. The mathematics is
deterministic, so is the verdict: the check measures ε itself from the keys' Gram matrix
(:func:`measured_eps`: max off-diagonal |⟨k_i, k_j⟩| and 1 − min ‖k_i‖², plus a float64
rounding allowance), sets ``C = ln(4(rows−1))/(1 − 2ε)`` from it (:func:`reduction_C`,
written here, not the engine's), and fails on a single wrong bit of a trial whose
measured ε < 1/2; a trial with ε ≥ 1/2 is outside the theorem and counted apart
(:func:`reduction_result`). :func:`harness_check` runs the engine's full Index harness
(``run_index``, message serialised) on every bit and re-derives ε and C the same way from
the public keys.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

import numpy as np

from proofs._common import rate
from tensorkv_check.claims.registry import CheckResult

jl = importlib.import_module("tensorkv_check.engine.jl")

__all__ = [
    "harness_check",
    "harness_seed",
    "measured_eps",
    "reduction_C",
    "reduction_result",
    "reduction_trials",
    "run_reduction",
]


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
