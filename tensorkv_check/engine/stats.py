"""Binomial estimates with exact Clopper–Pearson intervals.

Every empirical claim check of the proof suite reduces to "k successes in N seeded
trials"; this module turns such a count into a named, frozen result that the report
renders. Intervals come from ``scipy.stats.binomtest(...).proportion_ci(method="exact")``
(Clopper and Pearson 1934), never from a normal approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats as _st

from tensorkv_check._util.validation import check_int, check_probability

__all__ = ["BinomialEstimate", "clopper_pearson", "binary_entropy"]


@dataclass(frozen=True)
class BinomialEstimate:
    """``successes`` out of ``trials`` with a two-sided exact interval.

    Attributes
    ----------
    trials, successes : int
    ci_low, ci_high : float
        Clopper–Pearson bounds at ``confidence``.
    confidence : float
    parameters : dict
        The parameter range the trials covered (JSON-serialisable).
    seed : int or None
        Seed from which every trial's randomness was derived.
    """

    trials: int
    successes: int
    ci_low: float
    ci_high: float
    confidence: float
    parameters: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None

    @property
    def rate(self) -> float:
        return self.successes / self.trials

    def to_dict(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "successes": self.successes,
            "rate": self.rate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "method": "clopper-pearson",
            "parameters": self.parameters,
            "seed": self.seed,
        }

    def __str__(self) -> str:
        return (
            f"{self.successes}/{self.trials} = {self.rate:.4f}, "
            f"{100 * self.confidence:g}% CI [{self.ci_low:.4f}, {self.ci_high:.4f}]"
        )


def clopper_pearson(
    successes: int,
    trials: int,
    confidence: float = 0.99,
    *,
    parameters: dict[str, Any] | None = None,
    seed: int | None = None,
) -> BinomialEstimate:
    """Exact two-sided Clopper–Pearson interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= trials``.
    trials : int
        Number of independent trials, ``>= 1``.
    confidence : float, default 0.99
        Confidence level in (0, 1).

    Examples
    --------
    >>> est = clopper_pearson(100, 100, 0.95)
    >>> round(est.ci_low, 4), est.ci_high
    (0.9638, 1.0)
    """
    trials = check_int("trials", trials, minimum=1)
    successes = check_int("successes", successes, minimum=0, maximum=trials)
    confidence = check_probability("confidence", confidence)
    ci = _st.binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="exact")
    return BinomialEstimate(
        trials=trials,
        successes=successes,
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        confidence=float(confidence),
        parameters=dict(parameters or {}),
        seed=seed,
    )


def binary_entropy(p: float) -> float:
    """Binary entropy ``h(p)`` in bits, with ``h(0) = h(1) = 0``."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if p in (0, 1):
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
