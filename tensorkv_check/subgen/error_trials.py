"""The error guarantee of thm:subgen, alg:subgen2cache and alg:subgen4cache over seeded trials.

:func:`error_bound_rate` counts, over independent trials (each a fresh seeded stream,
query and compressor), violations of ``‖z − Attn‖ ≤ ε ‖softmax‖ ‖V‖_op`` and returns the
Clopper–Pearson interval of the violation rate, whether its upper end is below the
stated failure probability, and the worst / first violating instance (enough to rebuild
it with :func:`trial_instance`). The settings (:class:`BoundSetting`,
:func:`default_settings`) fix the data, the model and how its parameters are derived.

Plain functions returning named result objects for the proof suite to register; they
compute, they do not decide claim statuses. Paper items: spec thm:subgen ([ZHMK24]
Theorem 1), alg:subgen2cache, alg:subgen4cache of Chen et al. 2025 (arXiv 2503.11108).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_choice, check_int
from tensorkv_check.engine.exact_attention import DEFAULT_BLOCK_BYTES, _attention, _tensor_attention
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson
from tensorkv_check.subgen.data import clustered_stream, clustered_tensor_stream, product_rows, queries
from tensorkv_check.subgen.parameters import subgen4_parameters, subgen_parameters
from tensorkv_check.subgen.sampler import online_cluster_labels
from tensorkv_check.subgen.standard import SubGen
from tensorkv_check.subgen.tensor_variants import SubGen2Cache, SubGen4Cache

__all__ = [
    "MODELS",
    "BoundSetting",
    "ErrorBoundCheck",
    "default_settings",
    "setting_parameters",
    "build_compressor",
    "trial_instance",
    "error_bound_rate",
]

#: Compressor models the checks know.
MODELS = ("subgen", "subgen2cache", "subgen4cache")


@dataclass(frozen=True)
class BoundSetting:
    """One setting of the error-bound check.

    Attributes
    ----------
    name : str
    model : {"subgen", "subgen2cache", "subgen4cache"}
    n : int
        Tokens (factor tokens for the tensor models; SubGen2Cache sees ``n²`` rows).
    d, m : int
        Head dimension and number of key groups (per factor for the tensor models).
    delta : float
        Group diameter δ of the data (keys within δ/2 of a centre); SubGen and the
        factor clusterings of SubGen4Cache use radius δ; SubGen2Cache uses the product
        radius ``δ·R + R·δ`` with ``R = radius + δ/2`` (lem:kron-clusterable).
    radius : float
        Centres on the sphere of this radius.
    r : float
        Query norm (every query has ``‖q‖ = r``).
    eps, failure_probability : float
    constants : {"derived", "unit"}
        How ``t``, ``s`` are chosen (:func:`tensorkv_check.subgen.parameters.subgen_parameters`).
    scale : float
        Logit scale (1 = [ZHMK24]'s convention).
    query_kind : {"towards", "uniform"}
        Queries aimed at a random group centre (peaked softmax) or uniform directions.
    value_mean : float
        Common component added to every value entry (:func:`clustered_stream`); 0 gives
        zero-mean Gaussian values.
    """

    name: str
    model: str
    n: int
    d: int
    m: int
    delta: float
    radius: float
    r: float
    eps: float
    failure_probability: float
    constants: str = "derived"
    scale: float = 1.0
    query_kind: str = "towards"
    value_mean: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_settings() -> list[BoundSetting]:
    """The settings the proof suite runs (1,000 trials each).

    For each model, ``derived`` constants (a guarantee is claimed: failure ≤ p) and
    ``unit`` constants (every O(·) constant set to 1; a stated failure probability of
    0.1 is tested, no guarantee is claimed). Sizes are chosen so that the derived
    ``t`` is below the cluster sizes for SubGen (the denominator is really sampled);
    for the tensor models the derived ``t`` exceeds the factor-cluster sizes at sizes
    where exact tensor attention is affordable, so only the value sampler is exercised
    there (recorded in the result's parameters).
    """
    out = []
    for constants in ("derived", "unit"):
        out.append(
            BoundSetting(f"subgen-{constants}", "subgen", 8192, 4, 8, 0.05, 2.0, 2.0, 0.5, 0.1, constants)
        )
        out.append(
            BoundSetting(
                f"subgen2cache-{constants}", "subgen2cache", 96, 4, 3, 0.1, 1.0, 2.0, 0.5, 0.1, constants
            )
        )
        out.append(
            BoundSetting(
                f"subgen4cache-{constants}", "subgen4cache", 96, 4, 3, 0.1, 1.0, 2.0, 0.5, 0.1, constants
            )
        )
    return out


def _check_setting(setting: BoundSetting) -> None:
    if not isinstance(setting, BoundSetting):
        raise TypeError(f"setting must be a BoundSetting, got {type(setting).__name__}")
    check_choice("setting.model", setting.model, MODELS)
    if setting.query_kind not in ("towards", "uniform"):
        raise ValueError(f"setting.query_kind must be 'towards' or 'uniform', got {setting.query_kind!r}")


def setting_parameters(setting: BoundSetting) -> dict[str, Any]:
    """The compressor parameters a setting implies (``t``/``s`` or ``t1``/``t2``/``s``, radii)."""
    _check_setting(setting)
    S = setting
    R = S.radius + S.delta / 2.0  # a priori bound on ‖k‖_∞ <= ‖k‖_2
    if S.model == "subgen":
        p = subgen_parameters(
            S.eps,
            S.delta,
            S.r,
            S.n,
            S.d,
            scale=S.scale,
            failure_probability=S.failure_probability,
            constants=S.constants,
        )
        return {"delta": S.delta, "t": p.t, "s": p.s, "derivation": p.to_dict()}
    if S.model == "subgen2cache":
        dt = 2.0 * S.delta * R
        p = subgen_parameters(
            S.eps,
            dt,
            S.r,
            S.n * S.n,
            S.d,
            scale=S.scale,
            failure_probability=S.failure_probability,
            constants=S.constants,
        )
        return {"delta": dt, "t": p.t, "s": p.s, "derivation": p.to_dict()}
    p4 = subgen4_parameters(
        S.eps,
        S.delta,
        S.delta,
        R,
        R,
        S.r,
        S.n,
        S.d,
        scale=S.scale,
        failure_probability=S.failure_probability,
        constants=S.constants,
    )
    return {
        "delta1": S.delta,
        "delta2": S.delta,
        "t1": p4.t1,
        "t2": p4.t2,
        "s": p4.s,
        "derivation": p4.to_dict(),
    }


def build_compressor(setting: BoundSetting, rng: np.random.SeedSequence) -> SubGen | SubGen4Cache:
    """The compressor a setting describes, with the parameters of :func:`setting_parameters`.

    This is the default ``factory`` of :func:`trial_instance` and :func:`error_bound_rate`;
    a custom factory (e.g. one building the compressor for a smaller δ than the data's)
    has the same signature.

    Parameters
    ----------
    setting : BoundSetting
        Its ``model`` picks :class:`SubGen`, :class:`SubGen2Cache` or :class:`SubGen4Cache`.
    rng : numpy.random.SeedSequence
        Seeds the compressor's generator.
    """
    P = setting_parameters(setting)
    S = setting
    if S.model == "subgen":
        return SubGen(S.d, S.scale, delta=P["delta"], t=P["t"], s=P["s"], rng=rng)
    if S.model == "subgen2cache":
        return SubGen2Cache(S.d, S.scale, delta=P["delta"], t=P["t"], s=P["s"], rng=rng)
    return SubGen4Cache(
        S.d, S.scale, delta1=P["delta1"], delta2=P["delta2"], t1=P["t1"], t2=P["t2"], s=P["s"], rng=rng
    )


def trial_instance(
    setting: BoundSetting,
    seed: int,
    trial: int,
    factory: Callable[[BoundSetting, np.random.SeedSequence], Any] | None = None,
) -> dict[str, Any]:
    """Rebuild trial ``trial`` of ``error_bound_rate(setting, seed=seed)`` exactly.

    Returns a dict with the data arrays, the query, the compressor after ingestion,
    its output ``z``, the exact output, the error, the bound and their ratio.
    Randomness: ``SeedSequence([seed, trial]).spawn(3)`` for data, query, compressor.
    """
    _check_setting(setting)
    S = setting
    s_data, s_query, s_comp = np.random.SeedSequence([int(seed), int(trial)]).spawn(3)
    # A factory may return any compressor with the model's ingest/query (test doubles, mutants).
    comp: Any = (factory or build_compressor)(S, s_comp)
    if S.model == "subgen":
        st = clustered_stream(
            S.n, S.d, m=S.m, delta=S.delta, radius=S.radius, value_mean=S.value_mean, rng=s_data
        )
        q = queries(1, S.d, S.r, rng=s_query, towards=st.centres if S.query_kind == "towards" else None)[0]
        comp.ingest(st.K, st.V)
        exact = _attention(q, st.K, st.V, S.scale)
        logits = S.scale * (st.K @ q)
        op = st.value_op_norm
        data = {"K": st.K, "V": st.V}
    else:
        ts = clustered_tensor_stream(
            S.n, S.d, m1=S.m, delta1=S.delta, radius1=S.radius, value_mean=S.value_mean, rng=s_data
        )
        towards = None
        if S.query_kind == "towards":
            lab1, c1 = online_cluster_labels(ts.K1, S.delta)
            lab2, c2 = online_cluster_labels(ts.K2, S.delta)
            towards = (c1[:, None, :] * c2[None, :, :]).reshape(-1, S.d)
        q = queries(1, S.d, S.r, rng=s_query, towards=towards)[0]
        if S.model == "subgen2cache":
            Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
            comp.ingest(Kt, Vt)
        else:
            comp.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
        exact = _tensor_attention(q, ts.K1, ts.K2, ts.V1, ts.V2, S.scale, DEFAULT_BLOCK_BYTES)
        logits = (S.scale * (ts.K1 * q) @ ts.K2.T).ravel()
        op = ts.value_op_norm
        data = {"K1": ts.K1, "K2": ts.K2, "V1": ts.V1, "V2": ts.V2}
    e = np.exp(logits - logits.max())
    soft_norm = float(np.linalg.norm(e / e.sum()))
    z = comp.query(q)
    err = float(np.linalg.norm(z - exact))
    bound = S.eps * soft_norm * op
    return {
        "data": data,
        "q": q,
        "compressor": comp,
        "z": z,
        "exact": exact,
        "error": err,
        "bound": bound,
        "ratio": err / bound,
        "softmax_norm": soft_norm,
        "value_op_norm": op,
    }


@dataclass(frozen=True)
class ErrorBoundCheck:
    """Result of :func:`error_bound_rate`.

    Attributes
    ----------
    estimate : BinomialEstimate
        Violations of the bound (counted as "successes") out of ``trials``, with the
        Clopper–Pearson interval at ``estimate.confidence``.
    failure_probability : float
        The stated failure probability the rate is compared with.
    holds : bool
        ``estimate.ci_high < failure_probability``.
    refuted : bool
        ``estimate.ci_low > failure_probability``: the bound fails more often than
        stated, with confidence.
    worst : dict
        The trial with the largest ``error / bound`` (``seed``, ``trial``, ``ratio``,
        ``error``, ``bound``, ``q``): rebuild it with :func:`trial_instance`.
    first_failure : dict or None
        The first violating trial, if any, in the same form.
    ratio_quantiles : dict
        Quantiles (50, 90, 99, 100 %) of ``error / bound`` over the trials.
    parameters : dict
        The setting and the compressor parameters it implied.
    """

    estimate: BinomialEstimate
    failure_probability: float
    holds: bool
    refuted: bool
    worst: dict[str, Any]
    first_failure: dict[str, Any] | None
    ratio_quantiles: dict[str, float]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate.to_dict(),
            "failure_probability": self.failure_probability,
            "holds": self.holds,
            "refuted": self.refuted,
            "worst": self.worst,
            "first_failure": self.first_failure,
            "ratio_quantiles": self.ratio_quantiles,
            "parameters": self.parameters,
        }


def error_bound_rate(
    setting: BoundSetting,
    trials: int = 1000,
    seed: int = 0,
    *,
    factory: Callable[[BoundSetting, np.random.SeedSequence], Any] | None = None,
    confidence: float = 0.99,
) -> ErrorBoundCheck:
    """Violation rate of ``‖z − Attn‖ ≤ ε ‖softmax‖ ‖V‖_op`` (thm:subgen; tensor versions).

    Each trial is independent: a fresh (m, δ)-clusterable stream, one query of norm
    ``r`` and a fresh compressor, all from ``SeedSequence([seed, trial])``; the exact
    reference is :func:`tensorkv_check.engine.exact_attention.attention` (SubGen) or the decode
    identity of :func:`tensorkv_check.engine.exact_attention.tensor_attention` (tensor models, with
    ``‖V1⊘V2‖_op`` and the softmax over all ``n²`` pairs). Independence across trials is
    what makes the Clopper–Pearson interval valid.

    Parameters
    ----------
    setting : BoundSetting
    trials : int
        Number of (seed, query) trials; the proof suite uses >= 1,000.
    seed : int
    factory : callable, optional
        ``factory(setting, seed_sequence) -> compressor``, replacing the compressor the
        setting implies (for experiments and planted bugs).
    confidence : float

    Returns
    -------
    ErrorBoundCheck

    Examples
    --------
    >>> s = BoundSetting("tiny", "subgen", 256, 2, 2, 0.1, 1.0, 1.0, 0.5, 0.1)
    >>> res = error_bound_rate(s, trials=20, seed=1)
    >>> res.estimate.trials, res.estimate.successes
    (20, 0)
    """
    _check_setting(setting)
    trials = check_int("trials", trials, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    fails = 0
    ratios = np.empty(trials)
    worst: dict[str, Any] = {}
    first: dict[str, Any] | None = None
    for k in range(trials):
        inst = trial_instance(setting, seed, k, factory)
        ratios[k] = inst["ratio"]
        rec = {
            "seed": seed,
            "trial": k,
            "ratio": inst["ratio"],
            "error": inst["error"],
            "bound": inst["bound"],
            "q": inst["q"].tolist(),
        }
        if not worst or inst["ratio"] > worst["ratio"]:
            worst = rec
        if inst["error"] > inst["bound"]:
            fails += 1
            if first is None:
                first = rec
    P = setting_parameters(setting)
    params = {
        "setting": setting.to_dict(),
        "compressor": {k: v for k, v in P.items() if k != "derivation"},
        "derivation": P["derivation"],
        "event": "bound violated",
        "reproduce": f"trial_instance(setting, seed={seed}, trial=k)",
    }
    if setting.model != "subgen":
        # Record whether the partition function was really sampled (t < cluster size).
        params["note"] = (
            "t1/t2 exceed the factor-cluster sizes at this n: the partition "
            "function is exact and only the value sampler is exercised"
            if setting.model == "subgen4cache" and P["t1"] * setting.m >= setting.n
            else "clusters larger than t: both estimators sampled"
        )
    est = clopper_pearson(fails, trials, confidence, parameters=params, seed=seed)
    q = {f"q{int(x)}": float(np.quantile(ratios, x / 100)) for x in (50, 90, 99, 100)}
    p = setting.failure_probability
    return ErrorBoundCheck(est, p, est.ci_high < p, est.ci_low > p, worst, first, q, params)
