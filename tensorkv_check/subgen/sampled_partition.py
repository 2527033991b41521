"""thm:subgen4cache at sizes where SubGen4Cache's partition-function sampler is really used.

Spec thm:subgen4cache [inferred] (Chen et al. 2025, arXiv 2503.11108, with [ZHMK24]'s
guarantee): with the derived ``t1``, ``t2``, ``s`` of
:func:`~tensorkv_check.subgen.parameters.subgen4_parameters`, the output satisfies
``‖z − Att‖ ≤ ε‖softmax‖‖V1⊘V2‖_op`` except with probability ``≤ p``, and on the event the
proof works on, the partition estimate is within ``ε/3`` of ``Z`` (failure ``≤ p/2``).

At the sizes of :func:`~tensorkv_check.subgen.error_trials.default_settings` the derived
``t1``, ``t2`` exceed the factor-cluster sizes, so ``Z`` is computed exactly. The setting
here (:data:`SAMPLED_SETTING`) has clusters tight enough that ``t1 = t2 = 26`` while each
factor cluster holds about 48 tokens; :func:`sampled_partition_rate` counts, per trial,
whether the compressor answered while some cluster was subsampled
(:attr:`SubGen4Cache.sampled_partition_queries`), so a check can require that the sampler
ran. The values carry a common component (``value_mean = 1``) so that ``‖Att‖`` is close
to ``‖softmax‖‖V‖_op``: a doubled numerator then gives error/bound ≈ 2 instead of passing
unnoticed under a loose bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_choice, check_int, check_probability
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson
from tensorkv_check.subgen.error_trials import BoundSetting, setting_parameters, trial_instance
from tensorkv_check.subgen.tensor_variants import PAIR_SAMPLERS, SubGen4Cache

__all__ = ["SAMPLED_SETTING", "SampledPartitionCheck", "sampled_partition_rate"]

#: n = 96 factor tokens, d = 2, m = 2 groups per factor of diameter δ = 0.004, ‖q‖ = 1, ε = 1/2,
#: stated failure 0.1, derived constants (t1 = t2 = 26, s = 1440), values with mean 1.
SAMPLED_SETTING = BoundSetting(
    "subgen4cache-sampled", "subgen4cache", 96, 2, 2, 0.004, 1.0, 1.0, 0.5, 0.1, "derived", value_mean=1.0
)


@dataclass(frozen=True)
class SampledPartitionCheck:
    """Result of :func:`sampled_partition_rate`.

    Attributes
    ----------
    estimate : BinomialEstimate
        Trials violating ``‖z − Att‖ ≤ ε‖softmax‖‖V‖_op``, Clopper–Pearson interval.
    denominator : BinomialEstimate
        Trials with ``|τ̂ − Z| > (ε/3)·Z`` (the proof's denominator event fails).
    failure_probability : float
        The stated ``p``; the denominator's share is ``p/2``.
    holds : bool
        Both upper bounds below their stated failure (``p`` and ``p/2``) and the
        sampler used in every trial.
    sampled_trials : int
        Trials whose query ran while some factor cluster had ``|C| > t``.
    trials : int
    ratio_quantiles, denominator_quantiles : dict
        Quantiles (50, 90, 100 %) of error/bound and of ``|τ̂ − Z|/((ε/3)Z)``.
    parameters : dict
        Setting, compressor parameters and the largest cluster size seen.
    """

    estimate: BinomialEstimate
    denominator: BinomialEstimate
    failure_probability: float
    holds: bool
    sampled_trials: int
    trials: int
    ratio_quantiles: dict[str, float]
    denominator_quantiles: dict[str, float]
    parameters: dict[str, Any] = field(default_factory=dict)


def sampled_partition_rate(
    setting: BoundSetting = SAMPLED_SETTING,
    trials: int = 200,
    seed: int = 0,
    *,
    factory: Callable[[BoundSetting, np.random.SeedSequence], Any] | None = None,
    confidence: float = 0.99,
    pair_sampler: str = "mixture",
) -> SampledPartitionCheck:
    """Violation rates of the error bound and of the partition estimate, sampler in use.

    Each trial is :func:`~tensorkv_check.subgen.error_trials.trial_instance` (fresh data,
    query and compressor from ``SeedSequence([seed, trial])``); ``Z`` is computed
    exactly from the factor keys, ``τ̂`` by ``compressor.partition_estimate``. Without a
    ``factory`` the compressor is the setting's SubGen4Cache with ``pair_sampler``
    (``"coordinate"``: the lower-memory sampler, whose guarantee is that of stable rank
    ``d``, the default of :func:`~tensorkv_check.subgen.parameters.subgen4_parameters`).

    Raises
    ------
    ValueError
        If the setting's model is not ``"subgen4cache"``.
    """
    if not isinstance(setting, BoundSetting) or setting.model != "subgen4cache":
        raise ValueError("setting must be a BoundSetting with model 'subgen4cache'")
    trials = check_int("trials", trials, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    confidence = check_probability("confidence", confidence)
    pair_sampler = check_choice("pair_sampler", pair_sampler, PAIR_SAMPLERS)
    S = setting
    if factory is None:
        P0 = setting_parameters(S)

        def factory(st: BoundSetting, ss: np.random.SeedSequence) -> SubGen4Cache:
            return SubGen4Cache(
                st.d,
                st.scale,
                delta1=P0["delta1"],
                delta2=P0["delta2"],
                t1=P0["t1"],
                t2=P0["t2"],
                s=P0["s"],
                rng=ss,
                pair_sampler=pair_sampler,
            )

    ratios, dens = np.empty(trials), np.empty(trials)
    fails = den_fails = sampled = 0
    largest = 0
    for k in range(trials):
        inst = trial_instance(S, seed, k, factory)
        comp, D, q = inst["compressor"], inst["data"], inst["q"]
        logits = S.scale * ((D["K1"] * q) @ D["K2"].T)
        Z = float(np.exp(logits).sum())
        tau = float(comp.partition_estimate(q))
        dens[k] = abs(tau - Z) / (S.eps / 3.0 * Z)
        ratios[k] = inst["ratio"]
        fails += inst["error"] > inst["bound"]
        den_fails += dens[k] > 1.0
        sampled += getattr(comp, "sampled_partition_queries", 0) > 0
        largest = max(largest, int(comp.cluster_sizes(1).max()), int(comp.cluster_sizes(2).max()))
    P = setting_parameters(S)
    params = {
        "setting": S.to_dict(),
        "compressor": {k: v for k, v in P.items() if k != "derivation"},
        "largest_factor_cluster": largest,
        "pair_sampler": pair_sampler,
        "reproduce": f"trial_instance(SAMPLED_SETTING, seed={seed}, trial=k)",
    }
    p = S.failure_probability
    est = clopper_pearson(fails, trials, confidence, parameters=params, seed=seed)
    den = clopper_pearson(den_fails, trials, confidence, parameters=params, seed=seed)
    qs = (50, 90, 100)
    return SampledPartitionCheck(
        est,
        den,
        p,
        bool(est.ci_high < p and den.ci_high < p / 2 and sampled == trials),
        sampled,
        trials,
        {f"q{x}": float(np.quantile(ratios, x / 100)) for x in qs},
        {f"q{x}": float(np.quantile(dens, x / 100)) for x in qs},
        params,
    )
