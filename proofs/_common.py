"""Shared helpers of the claim modules (not a claim module: ``load_all`` skips ``_*``).

* :func:`ref_tensor_attention`: an independent reference for Definition 3.6 of Chen et
  al. 2025, written as the literal triple sum with ``einsum`` (no decode identity, no
  Kronecker matrix), so that the engine's identity-based code is compared with
  something it does not share.
* :func:`value_scale`: the scale relative errors are measured against. An attention
  output is a convex combination of the rows ``V1_j ∘ V2_k``, so its entries are
  bounded by ``max |V1_j ∘ V2_k|`` and float64 rounding errors scale with that bound;
  dividing by ``‖out‖`` instead would blow up when an output coordinate cancels to ~0.
* :func:`rate`: a Clopper–Pearson estimate with the check's parameters and seed.
* :func:`is_zero`: the sympy decision used by symbolic checks (exact, never float).
* :func:`serial_blas`: runs an empirical check with BLAS limited to one thread. The
  checks do thousands of tiny matrix products; a multi-threaded BLAS spends more time
  waking and spinning its threads than computing them, dramatically so when other
  processes share the cores (measured 30x on a loaded 2-core machine).
* :func:`chain`: turns an explicit chain of checked steps into a CheckResult that names
  the first step that did not hold.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp

from tensorkv_check.claims.registry import CheckResult
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson

__all__ = ["ref_tensor_attention", "value_scale", "rate", "is_zero", "chain", "serial_blas", "CONFIDENCE"]

#: Confidence of every Clopper–Pearson interval in the proof suite.
CONFIDENCE = 0.99


def ref_tensor_attention(
    Q: np.ndarray, K1: np.ndarray, K2: np.ndarray, V1: np.ndarray, V2: np.ndarray, scale: float
) -> np.ndarray:
    """Literal Definition 3.6: softmax over all pairs of ``scale·Σ_l q_l K1_jl K2_kl``."""
    Q = np.atleast_2d(Q)
    S = np.einsum("ml,jl,kl->mjk", Q * scale, K1, K2)
    S -= S.max(axis=(1, 2), keepdims=True)  # Definition 3.2's max shift
    P = np.exp(S)
    P /= P.sum(axis=(1, 2), keepdims=True)
    out = np.einsum("mjk,jl,kl->ml", P, V1, V2)
    return out


def value_scale(V1: np.ndarray, V2: np.ndarray) -> float:
    """``max_{j,k,l} |V1_jl V2_kl|`` = ``max_l (max_j |V1_jl|)(max_k |V2_kl|)``."""
    return float((np.abs(V1).max(axis=0) * np.abs(V2).max(axis=0)).max())


def rate(successes: int, trials: int, parameters: dict[str, Any], seed: int) -> BinomialEstimate:
    """Clopper–Pearson estimate at :data:`CONFIDENCE` recording parameters and seed."""
    return clopper_pearson(int(successes), int(trials), CONFIDENCE, parameters=parameters, seed=seed)


def is_zero(expr: sp.Expr) -> bool:
    """Exact zero test: ``simplify(expr) == 0`` (sympy's structural zero, no floats)."""
    return sp.simplify(expr) == 0


def chain(
    steps: list[tuple[str, bool]], summary: str, scope: str, details: dict | None = None
) -> CheckResult:
    """``ok(summary)`` if every ``(step, holds)`` holds, else ``fail`` naming the first broken step.

    Each ``holds`` must come from an exact sympy decision (``is_zero``, an assumption
    query such as ``.is_negative``, or an integer comparison), never from a float.
    """
    for name, holds in steps:
        # Only a decided truth counts: None (sympy undecided) or False is a failed step.
        if holds is not True and holds is not sp.true:
            return CheckResult.fail(
                f"step not established: {name} (sympy answered {holds!r})",
                scope=scope,
                details={"steps": [s for s, _ in steps], **(details or {})},
            )
    return CheckResult.ok(summary, scope=scope, details={"steps": [s for s, _ in steps], **(details or {})})


def serial_blas(fn):
    """Decorator: run the check ``fn(ctx)`` with BLAS limited to one thread."""

    @functools.wraps(fn)
    def run(ctx):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(ctx)

    return run
