"""Numerical checks of thm:subgen, alg:subgen2cache, alg:subgen4cache and lem:kron-clusterable.

Plain functions returning named result objects (:class:`ErrorBoundCheck`, dicts of
measured numbers) for the proof suite to register; they compute, they do not decide
claim statuses. Paper items: spec thm:subgen ([ZHMK24] Theorem 1), alg:subgen2cache,
alg:subgen4cache and lem:kron-clusterable of Chen et al. 2025 (arXiv 2503.11108).

* :func:`error_bound_rate`: over independent trials (each a fresh seeded stream, query
  and compressor) counts violations of ``‖z − Attn‖ ≤ ε ‖softmax‖ ‖V‖_op`` and returns
  the Clopper–Pearson interval of the violation rate, whether its upper end is below
  the stated failure probability, and the worst / first violating instance (enough to
  rebuild it with :func:`trial_instance`).
* :func:`memory_scaling`: measured ``len(to_bytes())`` against ``n`` with a log–log
  least-squares slope, for the compressors and the exact decoders.
* :func:`kron_cluster_diameters` and :func:`kron_tightness_instance`: product-cluster
  diameters of the compressors' own clusters against ``δ1·R2 + R1·δ2``.
* The Index-harness experiment (SubGen as Alice on the lower-bound instances) lives in
  :mod:`tensorkv_check.frontier.sweep` (``check_subgen_adversarial``) and is registered by
  ``proofs/subgen_adversarial.py``.
* :func:`error_memory_data`, :func:`memory_vs_n_data` and the SVG renderers
  :func:`error_memory_svg`, :func:`memory_vs_n_svg` (matplotlib object API).
* the report's SubGen section: :func:`compute` (runner tasks ``task_*``),
  :func:`figures` and :func:`findings`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tensorkv_check.engine import protocol as _protocol
from tensorkv_check._util.validation import check_positive_int
from tensorkv_check.engine.exact_attention import _attention, _tensor_attention, DEFAULT_BLOCK_BYTES
from tensorkv_check.subgen.data import (
    GROWTHS,
    cluster_count,
    clustered_stream,
    clustered_tensor_stream,
    product_rows,
    queries,
)
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson
from tensorkv_check.subgen.algorithms import (
    SubGen,
    SubGen2Cache,
    SubGen4Cache,
    online_cluster_labels,
    subgen4_parameters,
    subgen_parameters,
)

__all__ = [
    "MODELS",
    "BoundSetting",
    "ErrorBoundCheck",
    "default_settings",
    "setting_parameters",
    "trial_instance",
    "error_bound_rate",
    "memory_scaling",
    "kron_cluster_diameters",
    "kron_tightness_instance",
    "error_memory_data",
    "memory_vs_n_data",
    "error_memory_svg",
    "memory_vs_n_svg",
    "SECTION_PROFILES",
    "compute",
    "figures",
    "findings",
]

#: Compressor models the checks know.
MODELS = ("subgen", "subgen2cache", "subgen4cache")


# --------------------------------------------------------------------------- settings


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
        How ``t``, ``s`` are chosen (:func:`tensorkv_check.subgen.algorithms.subgen_parameters`).
    scale : float
        Logit scale (1 = [ZHMK24]'s convention).
    query_kind : {"towards", "uniform"}
        Queries aimed at a random group centre (peaked softmax) or uniform directions.
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
        out.append(BoundSetting(f"subgen-{constants}", "subgen", 8192, 4, 8, 0.05, 2.0, 2.0, 0.5, 0.1, constants))
        out.append(BoundSetting(f"subgen2cache-{constants}", "subgen2cache", 96, 4, 3, 0.1, 1.0, 2.0, 0.5, 0.1, constants))
        out.append(BoundSetting(f"subgen4cache-{constants}", "subgen4cache", 96, 4, 3, 0.1, 1.0, 2.0, 0.5, 0.1, constants))
    return out


def _check_setting(setting: BoundSetting) -> None:
    if not isinstance(setting, BoundSetting):
        raise TypeError(f"setting must be a BoundSetting, got {type(setting).__name__}")
    if setting.model not in MODELS:
        raise ValueError(f"setting.model must be one of {MODELS}, got {setting.model!r}")
    if setting.query_kind not in ("towards", "uniform"):
        raise ValueError(f"setting.query_kind must be 'towards' or 'uniform', got {setting.query_kind!r}")


def setting_parameters(setting: BoundSetting) -> dict[str, Any]:
    """The compressor parameters a setting implies (``t``/``s`` or ``t1``/``t2``/``s``, radii)."""
    _check_setting(setting)
    S = setting
    R = S.radius + S.delta / 2.0  # a priori bound on ‖k‖_∞ <= ‖k‖_2
    if S.model == "subgen":
        p = subgen_parameters(S.eps, S.delta, S.r, S.n, S.d, scale=S.scale,
                              failure_probability=S.failure_probability, constants=S.constants)
        return {"delta": S.delta, "t": p.t, "s": p.s, "derivation": p.to_dict()}
    if S.model == "subgen2cache":
        dt = 2.0 * S.delta * R
        p = subgen_parameters(S.eps, dt, S.r, S.n * S.n, S.d, scale=S.scale,
                              failure_probability=S.failure_probability, constants=S.constants)
        return {"delta": dt, "t": p.t, "s": p.s, "derivation": p.to_dict()}
    p4 = subgen4_parameters(S.eps, S.delta, S.delta, R, R, S.r, S.n, S.d, scale=S.scale,
                            failure_probability=S.failure_probability, constants=S.constants)
    return {"delta1": S.delta, "delta2": S.delta, "t1": p4.t1, "t2": p4.t2, "s": p4.s,
            "derivation": p4.to_dict()}


def _build(setting: BoundSetting, rng: np.random.SeedSequence):
    P = setting_parameters(setting)
    S = setting
    if S.model == "subgen":
        return SubGen(S.d, S.scale, delta=P["delta"], t=P["t"], s=P["s"], rng=rng)
    if S.model == "subgen2cache":
        return SubGen2Cache(S.d, S.scale, delta=P["delta"], t=P["t"], s=P["s"], rng=rng)
    return SubGen4Cache(S.d, S.scale, delta1=P["delta1"], delta2=P["delta2"], t1=P["t1"],
                        t2=P["t2"], s=P["s"], rng=rng)


def trial_instance(setting: BoundSetting, seed: int, trial: int,
                   factory: Callable[[BoundSetting, np.random.SeedSequence], Any] | None = None) -> dict[str, Any]:
    """Rebuild trial ``trial`` of ``error_bound_rate(setting, seed=seed)`` exactly.

    Returns a dict with the data arrays, the query, the compressor after ingestion,
    its output ``z``, the exact output, the error, the bound and their ratio.
    Randomness: ``SeedSequence([seed, trial]).spawn(3)`` for data, query, compressor.
    """
    _check_setting(setting)
    S = setting
    s_data, s_query, s_comp = np.random.SeedSequence([int(seed), int(trial)]).spawn(3)
    comp = (factory or _build)(S, s_comp)
    if S.model == "subgen":
        st = clustered_stream(S.n, S.d, m=S.m, delta=S.delta, radius=S.radius, rng=s_data)
        q = queries(1, S.d, S.r, rng=s_query, towards=st.centres if S.query_kind == "towards" else None)[0]
        comp.ingest(st.K, st.V)
        exact = _attention(q, st.K, st.V, S.scale)
        logits = S.scale * (st.K @ q)
        op = st.value_op_norm
        data = {"K": st.K, "V": st.V}
    else:
        ts = clustered_tensor_stream(S.n, S.d, m1=S.m, delta1=S.delta, radius1=S.radius, rng=s_data)
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
    return {"data": data, "q": q, "compressor": comp, "z": z, "exact": exact, "error": err,
            "bound": bound, "ratio": err / bound, "softmax_norm": soft_norm, "value_op_norm": op}


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
    trials = check_positive_int("trials", trials)
    seed = check_positive_int("seed", seed, minimum=0)
    fails = 0
    ratios = np.empty(trials)
    worst: dict[str, Any] = {}
    first: dict[str, Any] | None = None
    for k in range(trials):
        inst = trial_instance(setting, seed, k, factory)
        ratios[k] = inst["ratio"]
        rec = {"seed": seed, "trial": k, "ratio": inst["ratio"], "error": inst["error"],
               "bound": inst["bound"], "q": inst["q"].tolist()}
        if not worst or inst["ratio"] > worst["ratio"]:
            worst = rec
        if inst["error"] > inst["bound"]:
            fails += 1
            if first is None:
                first = rec
    P = setting_parameters(setting)
    params = {"setting": setting.to_dict(), "compressor": {k: v for k, v in P.items() if k != "derivation"},
              "derivation": P["derivation"], "event": "bound violated",
              "reproduce": f"trial_instance(setting, seed={seed}, trial=k)"}
    if setting.model != "subgen":
        # Record whether the partition function was really sampled (t < cluster size).
        params["note"] = ("t1/t2 exceed the factor-cluster sizes at this n: the partition "
                          "function is exact and only the value sampler is exercised"
                          if setting.model == "subgen4cache" and P["t1"] * setting.m >= setting.n
                          else "clusters larger than t: both estimators sampled")
    est = clopper_pearson(fails, trials, confidence, parameters=params, seed=seed)
    q = {f"q{int(x)}": float(np.quantile(ratios, x / 100)) for x in (50, 90, 99, 100)}
    p = setting.failure_probability
    return ErrorBoundCheck(est, p, est.ci_high < p, est.ci_low > p, worst, first, q, params)


# --------------------------------------------------------------------------- memory


def _slope(ns: Sequence[float], ys: Sequence[float]) -> float:
    x, y = np.log(np.asarray(ns, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(x, y, 1)[0])


def _message_len(obj: Any) -> tuple[int, str]:
    if hasattr(obj, "to_bytes"):
        return len(obj.to_bytes()), "len(to_bytes())"
    return int(obj.memory_bytes), "memory_bytes (decoder has no to_bytes yet)"


#: Models :func:`memory_scaling` measures.
MEMORY_MODELS = MODELS + ("exact-standard", "exact-four-cache", "exact-two-cache")


def memory_scaling(
    model: str,
    ns: Sequence[int],
    *,
    d: int = 8,
    growth: str = "constant",
    growth_c: float = 4.0,
    delta: float = 0.1,
    radius: float = 1.0,
    t: int = 32,
    s: int = 64,
    seed: int = 0,
) -> dict[str, Any]:
    """Measured message bytes against ``n`` and the fitted log–log slope.

    ``n`` is the number of tokens (factor tokens for the tensor models, whose
    SubGen2Cache sees ``n²`` product rows). Keys are (m, δ)-clusterable with
    ``m = cluster_count(n, growth, growth_c)`` (per factor). Compressors use fixed
    ``t``, ``s`` (SubGen2Cache's radius is the product radius ``2δR``). Exact decoders
    are measured by ``len(to_bytes())`` when they have it.

    Returns
    -------
    dict
        ``model``, ``ns``, ``bytes``, ``clusters`` (per n; pairs for SubGen4Cache),
        ``predicted_rows`` (``m·(t+1) + 2s`` for SubGen(2Cache) with ``m`` its clusters,
        ``Σ_f m_f(t+1) + 4·s·d`` for SubGen4Cache's worst case, ``2n`` / ``4n`` / ``2n²``
        for the exact ones), ``slope`` (bytes vs n), ``slope_vs_predicted`` (None when the prediction is constant in n; else bytes vs
        predicted rows, ≈ 1 when memory tracks it), ``measured_by``.
    """
    if model not in MEMORY_MODELS:
        raise ValueError(f"model must be one of {MEMORY_MODELS}, got {model!r}")
    if growth not in GROWTHS:
        raise ValueError(f"growth must be one of {GROWTHS}, got {growth!r}")
    ns = [check_positive_int("n", n) for n in ns]
    out_bytes, clusters, predicted = [], [], []
    measured_by = "len(to_bytes())"
    for i, n in enumerate(ns):
        g = np.random.SeedSequence([seed, i])
        m = cluster_count(n, growth, growth_c)
        if model in ("subgen", "exact-standard"):
            st = clustered_stream(n, d, m=m, delta=delta, radius=radius, rng=g)
            if model == "subgen":
                obj = SubGen(d, 1.0, delta=delta, t=t, s=s, rng=g.spawn(1)[0])
                for a in range(0, n, 4096):
                    obj.ingest(st.K[a : a + 4096], st.V[a : a + 4096])
                clusters.append(obj.n_clusters)
                predicted.append(obj.n_clusters * (t + 1) + 2 * s)
            else:
                obj = _exact_standard(st.K, st.V, d)
                clusters.append(m)
                predicted.append(2 * n)
        else:
            ts = clustered_tensor_stream(n, d, m1=m, delta1=delta, radius1=radius, rng=g)
            R = radius + delta / 2.0
            if model == "subgen2cache":
                obj = SubGen2Cache(d, 1.0, delta=2 * delta * R, t=t, s=s, rng=g.spawn(1)[0])
                Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
                for a in range(0, Kt.shape[0], 8192):
                    obj.ingest(Kt[a : a + 8192], Vt[a : a + 8192])
                clusters.append(obj.n_clusters)
                predicted.append(obj.n_clusters * (t + 1) + 2 * s)
            elif model == "subgen4cache":
                obj = SubGen4Cache(d, 1.0, delta1=delta, t1=t, s=s, rng=g.spawn(1)[0])
                obj.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
                m1, m2 = obj.n_clusters
                clusters.append([m1, m2])
                predicted.append((m1 + m2) * (t + 1) + 4 * s * d)
            else:
                from tensorkv_check.engine.caches import FourCacheDecoder, TwoCacheDecoder

                obj = FourCacheDecoder(d) if model == "exact-four-cache" else TwoCacheDecoder(d)
                _feed_decoder(obj, ts.K1, ts.K2, ts.V1, ts.V2)
                clusters.append(m)
                predicted.append(4 * n if model == "exact-four-cache" else 2 * n * n)
        nbytes, how = _message_len(obj)
        if how != "len(to_bytes())":
            measured_by = how
        out_bytes.append(nbytes)
    return {
        "model": model, "ns": ns, "d": d, "growth": growth, "growth_c": growth_c, "t": t, "s": s,
        "delta": delta, "bytes": out_bytes, "clusters": clusters, "predicted_rows": predicted,
        "slope": _slope(ns, out_bytes) if len(ns) > 1 else float("nan"),
        "slope_vs_predicted": _slope(predicted, out_bytes) if len(set(predicted)) > 1 else None,
        "measured_by": measured_by,
    }


def _feed_decoder(obj: Any, K1, K2, V1, V2) -> None:
    if hasattr(obj, "ingest") and "factors" in getattr(obj, "inputs", ()):
        obj.ingest(K1, K2, V1, V2)
    elif type(obj).__name__ == "TwoCacheDecoder":
        for i in range(K1.shape[0]):
            obj.append(K1[i], K2[i], V1[i], V2[i])
    else:
        obj.append(K1, K2, V1, V2)


def _exact_standard(K: np.ndarray, V: np.ndarray, d: int) -> Any:
    """The exact standard-attention decoder if the engine has one, else a byte-count stand-in."""
    try:
        from tensorkv_check.engine.caches import StandardDecoder  # type: ignore[attr-defined]
    except ImportError:
        class _Stand:  # the protocol's byte format for a K and a V array
            def __init__(self, n: int) -> None:
                self.n = n

            def to_bytes(self) -> bytes:
                return bytes(_protocol.state_size(d, [self.n, self.n]))

        return _Stand(K.shape[0])
    dec = StandardDecoder(d)
    if hasattr(dec, "ingest"):
        dec.ingest(K, V)
    else:  # pragma: no cover - depends on the decoder's API
        dec.append(K, V)
    return dec


# --------------------------------------------------------------------------- lem:kron-clusterable


def _diameter(P: np.ndarray) -> float:
    """ℓ2 diameter by direct differences (no Gram cancellation), in row blocks."""
    if P.shape[0] < 2:
        return 0.0
    best = 0.0
    block = max(1, (1 << 20) // max(P.shape[0] * P.shape[1], 1))
    for a in range(0, P.shape[0], block):
        diff = P[a : a + block, None, :] - P[None, :, :]
        best = max(best, float((diff * diff).sum(axis=-1).max()))
    return math.sqrt(best)


def kron_cluster_diameters(
    n: int = 60,
    d: int = 4,
    *,
    m1: int = 3,
    m2: int = 4,
    delta1: float = 0.2,
    delta2: float = 0.3,
    radius: float = 1.0,
    radius2: float | None = None,
    seed: int = 0,
    return_data: bool = False,
) -> dict[str, Any]:
    """lem:kron-clusterable on the compressors' own clusters.

    A SubGen4Cache ingests a clusterable tensor stream; its factor clusters (replayed
    exactly by :func:`~tensorkv_check.subgen.algorithms.online_cluster_labels`, the clustering
    being deterministic; the replay's centres are checked against the compressor's)
    define product clusters ``A × B``. For each, the measured diameter of
    ``{a ∘ b}`` is compared with the lemma's bound ``diam(A)·R_B + R_A·diam(B)``
    (``R`` = largest sup-norm in the cluster) and with the global form
    ``δ1'·R2 + R1·δ2'`` (largest factor diameters, global sup-norms). Also a
    SubGen2Cache with radius ``δ1·R2 + R1·δ2`` (data group diameters, global sup-norms)
    runs on the product rows: the lemma implies it opens at most ``m1·m2`` clusters.

    The compressor's clusters have *radius* δ_i around their centres, so their diameter
    is at most ``2δ_i`` whatever the data: the a-priori bound is
    ``2δ1·R2 + R1·2δ2`` (``bound_apriori``).

    Returns
    -------
    dict
        ``max_ratio_cluster``, ``max_ratio_global`` and ``max_ratio_apriori`` (measured /
        bound; the lemma says ``<= 1``), ``product_clusters``, ``subgen2cache_clusters``,
        ``m1m2``, ``centres_match`` and ``sizes_match`` (the replay reproduces the
        compressor's centres and cluster sizes), per-pair records ``pairs``; with
        ``return_data=True`` also ``data`` (``K1``, ``K2``, ``labels1``, ``labels2`` as
        arrays) so that a check can recompute the diameters independently.
    """
    g = np.random.SeedSequence([seed])
    ts = clustered_tensor_stream(n, d, m1=m1, m2=m2, delta1=delta1, delta2=delta2, radius1=radius,
                                 radius2=radius2, rng=g)
    sg = SubGen4Cache(d, 1.0, delta1=delta1, delta2=delta2, t1=4, s=8, rng=g.spawn(1)[0])
    sg.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    lab1, c1 = online_cluster_labels(ts.K1, delta1)
    lab2, c2 = online_cluster_labels(ts.K2, delta2)
    centres_match = bool(np.array_equal(c1, sg.centres(1)) and np.array_equal(c2, sg.centres(2)))
    # The replayed labels are the compressor's own clustering only if the cluster
    # sizes it counted agree too (centres alone would not pin the assignment).
    sizes_match = bool(
        np.array_equal(np.bincount(lab1, minlength=c1.shape[0]), sg.cluster_sizes(1))
        and np.array_equal(np.bincount(lab2, minlength=c2.shape[0]), sg.cluster_sizes(2)))
    R1g, R2g = float(np.abs(ts.K1).max()), float(np.abs(ts.K2).max())
    groups1 = [ts.K1[lab1 == a] for a in range(c1.shape[0])]
    groups2 = [ts.K2[lab2 == b] for b in range(c2.shape[0])]
    D1 = [_diameter(A) for A in groups1]
    D2 = [_diameter(B) for B in groups2]
    pairs = []
    for a, A in enumerate(groups1):
        for b, B in enumerate(groups2):
            prod = (A[:, None, :] * B[None, :, :]).reshape(-1, d)
            meas = _diameter(prod)
            bc = D1[a] * float(np.abs(B).max()) + float(np.abs(A).max()) * D2[b]
            bg = max(D1) * R2g + R1g * max(D2)
            pairs.append({"a": a, "b": b, "size": int(prod.shape[0]), "diameter": meas,
                          "bound_cluster": bc, "bound_global": bg,
                          "bound_apriori": 2.0 * delta1 * R2g + R1g * 2.0 * delta2})
    dt = delta1 * R2g + R1g * delta2
    sg2 = SubGen2Cache(d, 1.0, delta=dt, t=4, s=8, rng=g.spawn(2)[1])
    Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
    sg2.ingest(Kt, Vt)
    ratio_c = max(p["diameter"] / p["bound_cluster"] for p in pairs if p["bound_cluster"] > 0)
    ratio_g = max(p["diameter"] / p["bound_global"] for p in pairs if p["bound_global"] > 0)
    return {
        "n": n, "d": d, "m1": m1, "m2": m2, "delta1": delta1, "delta2": delta2, "seed": seed,
        "radius1": radius, "radius2": radius if radius2 is None else radius2,
        "centres_match": centres_match, "sizes_match": sizes_match,
        "factor_clusters": [len(groups1), len(groups2)],
        "factor_diameters": [max(D1), max(D2)], "R1": R1g, "R2": R2g,
        "max_ratio_cluster": ratio_c, "max_ratio_global": ratio_g,
        "max_ratio_apriori": max(p["diameter"] / p["bound_apriori"] for p in pairs),
        "product_clusters": len(pairs), "m1m2": m1 * m2,
        "subgen2cache_delta": dt, "subgen2cache_clusters": sg2.n_clusters, "pairs": pairs,
        **({"data": {"K1": ts.K1, "K2": ts.K2, "labels1": lab1, "labels2": lab2}} if return_data else {}),
    }


def kron_tightness_instance(delta1: float = 0.01, delta2: float = 0.01, R1: float = 1.0,
                            R2: float = 1.0, d: int = 2) -> dict[str, Any]:
    """An instance where lem:kron-clusterable's bound is nearly attained.

    On the first coordinate ``A = {R1, R1 − δ1}``, ``B = {R2, R2 − δ2}`` (other coordinates
    0): ``diam(A) = δ1``, ``diam(B) = δ2``, sup-norms ``R1``, ``R2``, and
    ``|R1·R2 − (R1−δ1)(R2−δ2)| = δ1R2 + R1δ2 − δ1δ2``: the ratio to the bound is
    ``1 − δ1δ2/(δ1R2 + R1δ2)``, which tends to 1 as the δ's shrink.
    """
    A = np.zeros((2, d))
    B = np.zeros((2, d))
    A[:, 0] = [R1, R1 - delta1]
    B[:, 0] = [R2, R2 - delta2]
    prod = (A[:, None, :] * B[None, :, :]).reshape(-1, d)
    meas = _diameter(prod)
    bound = _diameter(A) * float(np.abs(B).max()) + float(np.abs(A).max()) * _diameter(B)
    return {"A": A.tolist(), "B": B.tolist(), "diameter": meas, "bound": bound,
            "ratio": meas / bound, "predicted_ratio": 1 - delta1 * delta2 / (delta1 * R2 + R1 * delta2)}


# --------------------------------------------------------------------------- plots


def _norm_error(z: np.ndarray, exact: np.ndarray, logits: np.ndarray, op: float) -> np.ndarray:
    """``‖z − Attn‖ / (‖softmax‖ ‖V‖_op)`` per query (rows)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    sn = np.linalg.norm(e / e.sum(axis=1, keepdims=True), axis=1)
    return np.linalg.norm(z - exact, axis=1) / (sn * op)


def error_memory_data(
    ns: Sequence[int] = (2048, 8192),
    tensor_ns: Sequence[int] = (32, 64),
    budgets: Sequence[tuple[int, int]] = ((4, 16), (16, 64), (64, 256)),
    *,
    d: int = 8,
    m: int = 4,
    delta: float = 0.1,
    radius: float = 1.0,
    r: float = 2.0,
    n_queries: int = 16,
    seed: int = 0,
) -> dict[str, Any]:
    """Normalised error ``‖z − Attn‖/(‖softmax‖‖V‖_op)`` against message bytes.

    For each ``n`` and budget ``(t, s)``: SubGen (standard attention, ``n`` tokens) and
    SubGen2Cache / SubGen4Cache (tensor attention, ``n`` factor tokens from
    ``tensor_ns``), median and 90th percentile of the error over ``n_queries`` queries
    aimed at cluster centres; the exact decoders' bytes (error 0). Scale 1.
    """
    points = []
    exact = []
    for i, n in enumerate(ns):
        g = np.random.SeedSequence([seed, 0, i])
        st = clustered_stream(n, d, m=m, delta=delta, radius=radius, rng=g)
        Q = queries(n_queries, d, r, rng=g.spawn(1)[0], towards=st.centres)
        A = _attention(Q, st.K, st.V, 1.0)
        L = Q @ st.K.T
        for t, s in budgets:
            sg = SubGen(d, 1.0, delta=delta, t=t, s=s, rng=g.spawn(2)[1])
            sg.ingest(st.K, st.V)
            err = _norm_error(sg.query(Q), A, L, st.value_op_norm)
            points.append({"model": "SubGen", "n": n, "t": t, "s": s, "bytes": len(sg.to_bytes()),
                           "error_median": float(np.median(err)), "error_p90": float(np.quantile(err, 0.9))})
        exact.append({"model": "exact standard", "n": n, "bytes": _message_len(_exact_standard(st.K, st.V, d))[0]})
    for i, n in enumerate(tensor_ns):
        g = np.random.SeedSequence([seed, 1, i])
        ts = clustered_tensor_stream(n, d, m1=m, delta1=delta, radius1=radius, rng=g)
        lab1, c1 = online_cluster_labels(ts.K1, delta)
        lab2, c2 = online_cluster_labels(ts.K2, delta)
        Q = queries(n_queries, d, r, rng=g.spawn(1)[0], towards=(c1[:, None] * c2[None]).reshape(-1, d))
        A = _tensor_attention(Q, ts.K1, ts.K2, ts.V1, ts.V2, 1.0, DEFAULT_BLOCK_BYTES)
        L = np.stack([((ts.K1 * q) @ ts.K2.T).ravel() for q in Q])
        Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
        R = radius + delta / 2
        for t, s in budgets:
            s2 = SubGen2Cache(d, 1.0, delta=2 * delta * R, t=t, s=s, rng=g.spawn(2)[1])
            s2.ingest(Kt, Vt)
            s4 = SubGen4Cache(d, 1.0, delta1=delta, t1=t, s=s, rng=g.spawn(3)[2])
            s4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
            for name, obj in (("SubGen2Cache", s2), ("SubGen4Cache", s4)):
                err = _norm_error(obj.query(Q), A, L, ts.value_op_norm)
                points.append({"model": name, "n": n, "t": t, "s": s, "bytes": len(obj.to_bytes()),
                               "error_median": float(np.median(err)),
                               "error_p90": float(np.quantile(err, 0.9))})
        from tensorkv_check.engine.caches import FourCacheDecoder, TwoCacheDecoder

        for name, dec in (("exact four-cache", FourCacheDecoder(d, 1.0)), ("exact two-cache", TwoCacheDecoder(d, 1.0))):
            _feed_decoder(dec, ts.K1, ts.K2, ts.V1, ts.V2)
            exact.append({"model": name, "n": n, "bytes": _message_len(dec)[0]})
    return {"points": points, "exact": exact, "d": d, "m": m, "delta": delta, "r": r, "seed": seed,
            "metric": "||z - Attn|| / (||softmax|| ||V||_op)"}


def memory_vs_n_data(ns: Sequence[int] = (1024, 4096, 16384), tensor_ns: Sequence[int] = (16, 32, 64),
                     *, growths: Sequence[str] = ("constant", "sqrt"), d: int = 8, t: int = 16,
                     s: int = 64, seed: int = 0) -> dict[str, Any]:
    """:func:`memory_scaling` for every model and growth (the data of :func:`memory_vs_n_svg`).

    SubGen and SubGen4Cache (whose ingestion is linear in ``n``) run at ``ns`` tokens;
    SubGen2Cache and the exact tensor decoders (``n²`` rows) at ``tensor_ns``. Exact
    decoders do not depend on the cluster growth and are measured once.
    """
    series = []
    for i, growth in enumerate(growths):
        for model, sizes in (("subgen", ns), ("subgen4cache", ns), ("subgen2cache", tensor_ns)):
            series.append(memory_scaling(model, sizes, d=d, growth=growth, t=t, s=s, seed=seed))
        if i == 0:
            for model, sizes in (("exact-standard", ns), ("exact-four-cache", tensor_ns),
                                 ("exact-two-cache", tensor_ns)):
                series.append(memory_scaling(model, sizes, d=d, growth=growth, t=t, s=s, seed=seed))
    return {"series": series, "d": d, "t": t, "s": s, "seed": seed}


def error_memory_svg(data: dict[str, Any]) -> str:
    """Error against message bytes (log–log), one marker per model, exact decoders as lines."""
    import matplotlib
    from matplotlib.figure import Figure

    from tensorkv_check._util.svg import RC as _RC, svg_of

    markers = {"SubGen": "o", "SubGen2Cache": "s", "SubGen4Cache": "^"}
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        for model, mk in markers.items():
            for n in sorted({p["n"] for p in data["points"] if p["model"] == model}):
                pts = sorted((p for p in data["points"] if p["model"] == model and p["n"] == n),
                             key=lambda p: p["bytes"])
                ax.plot([p["bytes"] for p in pts], [p["error_median"] for p in pts], marker=mk,
                        label=f"{model}, n={n}")
        styles = {"exact standard": ":", "exact four-cache": "--", "exact two-cache": "-."}
        for e in data["exact"]:
            ax.axvline(e["bytes"], linestyle=styles.get(e["model"], ":"), color="#777777", linewidth=0.8)
            ax.annotate(f"{e['model']} n={e['n']}", (e["bytes"], 1.0), rotation=90, fontsize=6,
                        xycoords=("data", "axes fraction"), va="top", ha="right", color="#555555")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("message bytes (len(to_bytes()))")
        ax.set_ylabel("median ‖z − Attn‖ / (‖softmax‖ ‖V‖_op)")
        ax.set_title("SubGen compressors: error vs memory (exact decoders: error 0, grey lines)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)


def memory_vs_n_svg(data: dict[str, Any]) -> str:
    """Message bytes against tokens ``n`` (log–log), one line per model and cluster growth."""
    import matplotlib
    from matplotlib.figure import Figure

    from tensorkv_check._util.svg import RC as _RC, svg_of

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        colours = {"subgen": "#0072B2", "subgen2cache": "#D55E00", "subgen4cache": "#009E73",
                   "exact-standard": "#56B4E9", "exact-four-cache": "#E69F00", "exact-two-cache": "#CC79A7"}
        for ser in data["series"]:
            exact = ser["model"].startswith("exact")
            ls = ":" if exact else ("-" if ser["growth"] == "constant" else "--")
            label = ser["model"] if exact else f"{ser['model']} (m {ser['growth']})"
            ax.plot(ser["ns"], ser["bytes"], linestyle=ls, marker="o", markersize=3,
                    color=colours.get(ser["model"], "#000000"), label=f"{label}, slope {ser['slope']:.2f}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("tokens n (factor tokens for the tensor models)")
        ax.set_ylabel("message bytes")
        ax.set_title(f"Memory vs n (t = {data['t']}, s = {data['s']}, d = {data['d']})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)


# --------------------------------------------------------------------------- report section

#: Sweep sizes of the SubGen section per profile.
SECTION_PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"em_ns": [2048, 8192], "em_tensor_ns": [32, 64], "mv_ns": [1024, 4096, 16384],
              "mv_tensor_ns": [16, 32, 64], "trials": 200, "kron_seeds": 3},
    "full": {"em_ns": [2048, 8192, 32768], "em_tensor_ns": [32, 64, 96], "mv_ns": [1024, 4096, 16384, 65536],
             "mv_tensor_ns": [16, 32, 64, 128], "trials": 1000, "kron_seeds": 10},
}


def task_error_memory(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`error_memory_data` with ``params`` (ns, tensor_ns)."""
    return error_memory_data(params["ns"], params["tensor_ns"], seed=seed)


def task_memory_vs_n(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`memory_vs_n_data` with ``params`` (ns, tensor_ns)."""
    return memory_vs_n_data(params["ns"], params["tensor_ns"], seed=seed)


def task_error_rate(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`error_bound_rate` for the default setting named ``params["setting"]``."""
    S = {x.name: x for x in default_settings()}[params["setting"]]
    res = error_bound_rate(S, trials=params["trials"], seed=seed)
    return {"setting": S.to_dict(), "estimate": res.estimate.to_dict(), "holds": res.holds,
            "refuted": res.refuted, "failure_probability": res.failure_probability,
            "ratio_quantiles": res.ratio_quantiles, "compressor": res.parameters["compressor"],
            "note": res.parameters.get("note"), "seed": seed}


def task_kron_own(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`kron_cluster_diameters` summarised (no per-pair records)."""
    out = kron_cluster_diameters(seed=seed)
    return {k: v for k, v in out.items() if k != "pairs"}


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj


def compute(profile: str, seed: int, run: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Data of the report's SubGen section (thm:subgen, alg:subgen2cache, alg:subgen4cache).

    Parameters
    ----------
    profile : {"quick", "full"}
    seed : int, ``>= 0``
    run : callable, optional
        ``run(tasks, seed=seed, name="subgen") -> [TaskResult]``; default
        :func:`tensorkv_check.runner.sweep_runner.run_tasks`.

    Returns
    -------
    dict
        JSON-safe: ``error_memory`` (:func:`error_memory_data`), ``memory_vs_n``
        (:func:`memory_vs_n_data`), ``error_rates`` (violation rates of the three
        compressors with derived constants, Clopper–Pearson), ``kron_own`` (product
        clusters of SubGen4Cache's own clusters), ``profile``, ``seed``.
    """
    from tensorkv_check.runner.sweep_runner import Task, run_tasks, values

    if profile not in SECTION_PROFILES:
        raise ValueError(f"profile must be one of {sorted(SECTION_PROFILES)}, got {profile!r}")
    seed = check_positive_int("seed", seed, minimum=0)
    run = run_tasks if run is None else run
    P = SECTION_PROFILES[profile]
    tasks = [Task.of(task_error_memory, {"ns": P["em_ns"], "tensor_ns": P["em_tensor_ns"]}),
             Task.of(task_memory_vs_n, {"ns": P["mv_ns"], "tensor_ns": P["mv_tensor_ns"]})]
    names = [f"{m}-derived" for m in MODELS]
    tasks += [Task.of(task_error_rate, {"setting": nm, "trials": P["trials"]}) for nm in names]
    tasks += [Task.of(task_kron_own, {"replica": j}) for j in range(P["kron_seeds"])]
    vals = values(run(tasks, seed=seed, name="subgen"))
    return _json_safe({"profile": profile, "seed": seed, "error_memory": vals[0], "memory_vs_n": vals[1],
                       "error_rates": vals[2 : 2 + len(names)], "kron_own": vals[2 + len(names):]})


def figures(data: dict[str, Any]) -> list[dict[str, str]]:
    """The SubGen section's figures as ``{"file", "title", "alt", "svg"}`` dicts."""
    em, mv = data["error_memory"], data["memory_vs_n"]
    ns = sorted({p["n"] for p in em["points"] if p["model"] == "SubGen"})
    tns = sorted({p["n"] for p in em["points"] if p["model"] != "SubGen"})
    return [
        {"file": "subgen-error-memory.svg", "title": "SubGen compressors: error against memory",
         "alt": (f"Log–log plot of the median normalised error ‖z − Attn‖/(‖softmax‖‖V‖_op) against message bytes "
                 f"for SubGen at n = {ns} tokens and SubGen2Cache, SubGen4Cache at n = {tns} factor tokens, one "
                 "point per budget (t, s); grey vertical lines mark the exact decoders' bytes (error 0). Error "
                 "falls as the budget grows while bytes stay far below the exact decoders'."),
         "svg": error_memory_svg(em)},
        {"file": "subgen-memory-vs-n.svg", "title": "Message bytes against n",
         "alt": (f"Log–log plot of message bytes against n for SubGen, SubGen4Cache, SubGen2Cache (constant and √n "
                 f"clusters) and the exact decoders, t = {mv['t']}, s = {mv['s']}, d = {mv['d']}; the legend gives "
                 "each fitted slope: about 0 for the compressors with a constant number of clusters, about 1 "
                 "for the exact standard and four-cache decoders, about 2 for the exact two-cache decoder."),
         "svg": memory_vs_n_svg(mv)},
    ]


def findings(data: dict[str, Any]) -> list[dict[str, str]]:
    """Measured SubGen slopes, error rates and product-cluster diameters."""
    claim_of = {"subgen": "thm:subgen", "subgen2cache": "alg:subgen2cache", "subgen4cache": "alg:subgen4cache"}
    out = []
    for r in data["error_rates"]:
        e = r["estimate"]
        model = r["setting"]["model"]
        out.append({"claim": claim_of[model], "kind": "measurement", "text": (
            f"{model} with derived constants {r['compressor']} (n = {r['setting']['n']}, d = {r['setting']['d']}, "
            f"ε = {r['setting']['eps']}): the bound ‖z − Attn‖ ≤ ε‖softmax‖‖V‖_op was violated in "
            f"{e['successes']}/{e['trials']} trials (99% CI [{e['ci_low']:.4f}, {e['ci_high']:.4f}]; stated failure "
            f"{r['failure_probability']}: {'holds' if r['holds'] else 'not shown'}); error/bound median "
            f"{r['ratio_quantiles']['q50']:.3f}, max {r['ratio_quantiles']['q100']:.3f}.")})
    for ser in data["memory_vs_n"]["series"]:
        model = ser["model"]
        claim = claim_of.get(model, "thm:subgen")
        out.append({"claim": claim, "kind": "measurement", "text": (
            f"Memory vs n, {model}" + ("" if model.startswith("exact") else f" (clusters {ser['growth']})")
            + f": bytes {ser['bytes']} for n = {ser['ns']}, log–log slope {ser['slope']:.3f}"
            + ("" if ser.get("slope_vs_predicted") is None
               else f", slope against predicted rows {ser['slope_vs_predicted']:.3f}") + ".")})
    best: dict[str, dict[str, Any]] = {}
    for p in data["error_memory"]["points"]:
        key = f"{p['model']} n={p['n']}"
        if key not in best or p["bytes"] > best[key]["bytes"]:
            best[key] = p
    out.append({"claim": "thm:subgen", "kind": "measurement", "text": "Error at the largest budget: " + "; ".join(
        f"{k}: median {p['error_median']:.4f} at {p['bytes']} bytes (t = {p['t']}, s = {p['s']})"
        for k, p in sorted(best.items())) + "; exact decoders: " + ", ".join(
        f"{e['model']} n={e['n']} {e['bytes']} bytes" for e in data["error_memory"]["exact"]) + "."})
    ko = data["kron_own"]
    out.append({"claim": "lem:kron-clusterable", "kind": "measurement", "text": (
        f"SubGen4Cache's own factor clusters ({len(ko)} seeded streams, n = {ko[0]['n']}, d = {ko[0]['d']}): "
        f"largest product-cluster diameter / per-cluster bound {max(k['max_ratio_cluster'] for k in ko):.3f}, "
        f"/ global bound {max(k['max_ratio_global'] for k in ko):.3f}, / a-priori bound "
        f"{max(k['max_ratio_apriori'] for k in ko):.3f}; replay matched the compressor: "
        f"{all(k['centres_match'] and k['sizes_match'] for k in ko)}; SubGen2Cache at the product radius opened "
        f"{max(k['subgen2cache_clusters'] for k in ko)} ≤ m1·m2 = {ko[0]['m1m2']} clusters.")})
    return out
