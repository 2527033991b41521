"""Measured message length against ``n``, and the error-against-memory data (thm:subgen).

* :func:`memory_scaling`: measured ``len(to_bytes())`` against ``n`` with a log–log
  least-squares slope, for the compressors and the exact decoders.
* :func:`error_memory_data`: the normalised error ``‖z − Attn‖/(‖softmax‖‖V‖_op)``
  against message bytes for several budgets ``(t, s)``; :func:`memory_vs_n_data`: the
  series of :func:`memory_scaling` the report plots.

Paper items: spec thm:subgen ([ZHMK24] Theorem 1), alg:subgen2cache, alg:subgen4cache of
Chen et al. 2025 (arXiv 2503.11108).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_choice, check_int
from tensorkv_check.engine import protocol as _protocol
from tensorkv_check.engine.exact_attention import DEFAULT_BLOCK_BYTES, _attention, _tensor_attention
from tensorkv_check.subgen.data import (
    GROWTHS,
    _ball,
    _sphere,
    cluster_count,
    clustered_stream,
    clustered_tensor_stream,
    product_rows,
    queries,
)
from tensorkv_check.subgen.error_trials import MODELS
from tensorkv_check.subgen.parameters import subgen4_parameters, subgen_parameters
from tensorkv_check.subgen.sampler import online_cluster_labels
from tensorkv_check.subgen.standard import SubGen
from tensorkv_check.subgen.tensor_variants import SubGen2Cache, SubGen4Cache

__all__ = [
    "MEMORY_MODELS",
    "DERIVED_MEMORY_SETTINGS",
    "derived_memory_scaling",
    "pair_sampler_memory",
    "memory_scaling",
    "error_memory_data",
    "memory_vs_n_data",
]


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
        for the exact ones), ``slope`` (bytes vs n), ``slope_vs_predicted`` (None when the
        prediction is constant in n; else bytes vs predicted rows, ≈ 1 when memory tracks it),
        ``measured_by``.
    """
    check_choice("model", model, MEMORY_MODELS)
    check_choice("growth", growth, GROWTHS)
    ns = [check_int("n", n, minimum=1) for n in ns]
    out_bytes: list[int] = []
    clusters: list[int | list[int]] = []  # per n: cluster count (two per factor for SubGen4Cache)
    predicted: list[int] = []
    obj: object  # the compressor or decoder whose message is measured
    measured_by = "len(to_bytes())"
    for i, n in enumerate(ns):
        g = np.random.SeedSequence([seed, i])
        m = cluster_count(n, growth, growth_c)
        if model in ("subgen", "exact-standard"):
            st = clustered_stream(n, d, m=m, delta=delta, radius=radius, rng=g)
            if model == "subgen":
                sg = SubGen(d, 1.0, delta=delta, t=t, s=s, rng=g.spawn(1)[0])
                for a in range(0, n, 4096):
                    sg.ingest(st.K[a : a + 4096], st.V[a : a + 4096])
                clusters.append(sg.n_clusters)
                predicted.append(sg.n_clusters * (t + 1) + 2 * s)
                obj = sg
            else:
                obj = _exact_standard(st.K, st.V, d)
                clusters.append(m)
                predicted.append(2 * n)
        else:
            ts = clustered_tensor_stream(n, d, m1=m, delta1=delta, radius1=radius, rng=g)
            R = radius + delta / 2.0
            if model == "subgen2cache":
                sg2 = SubGen2Cache(d, 1.0, delta=2 * delta * R, t=t, s=s, rng=g.spawn(1)[0])
                Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
                for a in range(0, Kt.shape[0], 8192):
                    sg2.ingest(Kt[a : a + 8192], Vt[a : a + 8192])
                clusters.append(sg2.n_clusters)
                predicted.append(sg2.n_clusters * (t + 1) + 2 * s)
                obj = sg2
            elif model == "subgen4cache":
                sg4 = SubGen4Cache(d, 1.0, delta1=delta, t1=t, s=s, rng=g.spawn(1)[0])
                sg4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
                m1, m2 = sg4.n_clusters
                obj = sg4
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
        "model": model,
        "ns": ns,
        "d": d,
        "growth": growth,
        "growth_c": growth_c,
        "t": t,
        "s": s,
        "delta": delta,
        "bytes": out_bytes,
        "clusters": clusters,
        "predicted_rows": predicted,
        "slope": _slope(ns, out_bytes) if len(ns) > 1 else float("nan"),
        "slope_vs_predicted": _slope(predicted, out_bytes) if len(set(predicted)) > 1 else None,
        "measured_by": measured_by,
    }


#: Per model, the inputs of :func:`derived_memory_scaling` the proof suite uses: ``ns`` (factor
#: tokens for the tensor models), ``m`` groups (per factor), group diameter ``delta``, ``‖q‖ ≤ r``,
#: ``eps``, failure ``p``. Rank-1 values (stable rank 1, so ``s`` may use ``sr = 1``); sizes where
#: every cluster holds more tokens than its reservoir, so the reservoirs are full and the state
#: follows ``t(n)``.
DERIVED_MEMORY_SETTINGS: dict[str, dict[str, Any]] = {
    "subgen": {"ns": (4096, 16384, 65536), "m": 8, "delta": 0.2, "r": 2.0, "eps": 0.9, "p": 0.5},
    "subgen2cache": {"ns": (48, 96, 192), "m": 4, "delta": 0.05, "r": 1.0, "eps": 0.9, "p": 0.5},
    "subgen4cache": {"ns": (2048, 8192, 32768), "m": 16, "delta": 0.02, "r": 1.0, "eps": 0.9, "p": 0.5},
}


def derived_memory_scaling(
    model: str,
    ns: Sequence[int] | None = None,
    *,
    d: int = 4,
    m: int | None = None,
    delta: float | None = None,
    radius: float = 1.0,
    r: float | None = None,
    eps: float | None = None,
    failure_probability: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Measured message bytes against the prediction ``8·d·(m·t(n) + s)`` with the *derived* t(n), s.

    The sample sizes are those of the guarantee at each ``n``
    (:func:`~tensorkv_check.subgen.parameters.subgen_parameters`, for SubGen2Cache on the
    ``n²`` rows with the product radius ``2δR``;
    :func:`~tensorkv_check.subgen.parameters.subgen4_parameters` for SubGen4Cache, whose
    prediction is ``8·d·(m1·t1(n) + m2·t2(n) + s)``), so ``t`` grows like ``log n`` and
    the prediction is not constant. ``m`` in the prediction is the number of clusters the
    compressor opened. Defaults come from :data:`DERIVED_MEMORY_SETTINGS`.

    SubGen4Cache's pair sampler keeps ``s × d`` size-1 reservoirs per factor, i.e. up to
    ``s·d`` sampled rows of K and of V per factor: its designed constant for ``s`` is
    ``4·d`` rows, not 1. ``predicted_bytes`` uses it (``8·d·(m1·t1 + m2·t2 + 4·d·s)``);
    ``predicted_bytes_spec`` is the spec's ``8·d·(m1·t1 + m2·t2 + s)``.

    Returns
    -------
    dict
        ``bytes``, ``predicted_bytes``, ``t`` (per n; ``[t1, t2]`` for SubGen4Cache), ``s``,
        ``clusters``, ``slope_vs_predicted`` (log–log least squares of bytes against the
        prediction; 1 when memory is proportional to it), ``slope_in_n`` (bytes against
        ``n``), ``ratio`` (bytes / prediction per n), ``predicted_bytes_spec`` and
        ``slope_vs_spec`` (the same against the spec's constant 1 for ``s``), ``full``
        (every reservoir full at every n), ``pair_pool_rows`` (SubGen4Cache: the pair
        sampler's stored factor rows per n).
    """
    check_choice("model", model, MODELS)
    cfg = dict(DERIVED_MEMORY_SETTINGS[model])
    ns = [check_int("n", n, minimum=2) for n in (cfg["ns"] if ns is None else ns)]
    m = cfg["m"] if m is None else check_int("m", m, minimum=1)
    delta = cfg["delta"] if delta is None else float(delta)
    r = cfg["r"] if r is None else float(r)
    eps = cfg["eps"] if eps is None else float(eps)
    p = cfg["p"] if failure_probability is None else float(failure_probability)
    out_bytes: list[int] = []
    pred: list[int] = []
    spec: list[int] = []
    ts: list[int | list[int]] = []
    clusters: list[int | list[int]] = []
    full: list[bool] = []
    pools: list[int] = []
    s = 0
    for i, n in enumerate(ns):
        g = np.random.SeedSequence([seed, i])
        if model == "subgen":
            st = clustered_stream(n, d, m=m, delta=delta, radius=radius, value_rank=1, rng=g)
            P = subgen_parameters(eps, delta, r, n, d, scale=1.0, failure_probability=p, stable_rank=1.0)
            sg = SubGen(d, 1.0, delta=delta, t=P.t, s=P.s, rng=g.spawn(1)[0])
            for a in range(0, n, 1 << 15):
                sg.ingest(st.K[a : a + (1 << 15)], st.V[a : a + (1 << 15)])
            mc, s = sg.n_clusters, P.s
            ts.append(P.t)
            clusters.append(mc)
            pred.append(8 * d * (mc * P.t + s))
            spec.append(pred[-1])
            full.append(bool(np.all(sg.cluster_sizes >= P.t)))
            obj: Any = sg
        elif model == "subgen2cache":
            ts_ = clustered_tensor_stream(n, d, m1=m, delta1=delta, radius1=radius, value_rank=1, rng=g)
            R = radius + delta / 2.0
            dt = 2.0 * delta * R
            P = subgen_parameters(eps, dt, r, n * n, d, scale=1.0, failure_probability=p, stable_rank=1.0)
            sg2 = SubGen2Cache(d, 1.0, delta=dt, t=P.t, s=P.s, rng=g.spawn(1)[0])
            Kt, Vt = product_rows(ts_.K1, ts_.K2, ts_.V1, ts_.V2)
            for a in range(0, Kt.shape[0], 1 << 14):
                sg2.ingest(Kt[a : a + (1 << 14)], Vt[a : a + (1 << 14)])
            mc, s = sg2.n_clusters, P.s
            ts.append(P.t)
            clusters.append(mc)
            pred.append(8 * d * (mc * P.t + s))
            spec.append(pred[-1])
            full.append(bool(np.all(sg2.cluster_sizes >= P.t)))
            obj = sg2
        else:
            ts_ = clustered_tensor_stream(n, d, m1=m, delta1=delta, radius1=radius, value_rank=1, rng=g)
            R = radius + delta / 2.0
            P4 = subgen4_parameters(
                eps, delta, delta, R, R, r, n, d, scale=1.0, failure_probability=p, stable_rank=1.0
            )
            sg4 = SubGen4Cache(d, 1.0, delta1=delta, t1=P4.t1, t2=P4.t2, s=P4.s, rng=g.spawn(1)[0])
            sg4.ingest(ts_.K1, ts_.K2, ts_.V1, ts_.V2)
            (m1, m2), s = sg4.n_clusters, P4.s
            ts.append([P4.t1, P4.t2])
            clusters.append([m1, m2])
            pred.append(8 * d * (m1 * P4.t1 + m2 * P4.t2 + 4 * d * s))
            spec.append(8 * d * (m1 * P4.t1 + m2 * P4.t2 + s))
            full.append(bool(np.all(sg4.cluster_sizes(1) >= P4.t1) and np.all(sg4.cluster_sizes(2) >= P4.t2)))
            (k1, _), (k2, _) = sg4.pools()
            pools.append(int(k1.shape[0] + k2.shape[0]))
            obj = sg4
        out_bytes.append(len(obj.to_bytes()))
    return {
        "model": model,
        "ns": ns,
        "d": d,
        "m": m,
        "delta": delta,
        "r": r,
        "eps": eps,
        "failure_probability": p,
        "stable_rank": 1.0,
        "t": ts,
        "s": s,
        "clusters": clusters,
        "bytes": out_bytes,
        "predicted_bytes": pred,
        "ratio": [b / q for b, q in zip(out_bytes, pred)],
        "slope_vs_predicted": _slope(pred, out_bytes),
        "predicted_bytes_spec": spec,
        "slope_vs_spec": _slope(spec, out_bytes),
        "slope_in_n": _slope(ns, out_bytes),
        "full": all(full),
        "pair_pool_rows": pools or None,
        "measured_by": "len(to_bytes())",
    }


def pair_sampler_memory(
    n: int = 4096,
    d: int = 64,
    *,
    m: int = 8,
    delta: float = 0.5,
    radius: float = 2.0,
    t: int = 64,
    s: int = 1024,
    eps: float = 0.5,
    failure_probability: float = 0.1,
    seed: int = 11,
) -> dict[str, Any]:
    """SubGen4Cache's bytes with each pair sampler against the exact four-cache's (alg:subgen4cache).

    The defaults are the benchmark's point (``benchmarks/bench_subgen.py``: ``n = 4096``
    factor tokens, ``d = 64``, ``m = 8`` groups per factor, ``t = 64``, ``s = 1024``).
    Also returned: the derived ``s`` of the guarantee at ``(eps, failure_probability)``
    with stable rank ``d`` (the bound both samplers meet with the same ``s``) and the rows
    each sampler would then hold.

    Returns
    -------
    dict
        ``bytes`` per model (``"mixture"``, ``"coordinate"``, ``"exact-four-cache"``),
        ``pool_rows`` per sampler (sampled factor rows of K and of V, both factors),
        ``predicted_bytes`` (``8·d·(Σ_f m_f(t+1) + 4·s_rows)`` with ``s_rows`` = ``s·d``
        for the mixture, ``d·⌈s/d⌉`` for the coordinate sampler; rows of K and V, both
        factors), ``clusters``, ``derived_s``, ``derived_rows`` (per sampler, capped at
        ``n``).
    """
    from tensorkv_check.engine.caches import FourCacheDecoder

    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    g = np.random.SeedSequence([seed])
    # Factor keys in m groups of diameter <= delta around centres of norm `radius`, Gaussian
    # values (memory does not depend on their scale, so no op-norm normalisation: that is an
    # SVD of an n×d matrix, the slowest step of clustered_tensor_stream at d = 64).
    gen = np.random.default_rng(g.spawn(2)[1])
    K1, K2 = (radius * _sphere(gen, m, d)[gen.integers(0, m, n)] + _ball(gen, n, d, delta / 2) for _ in "12")
    V1, V2 = gen.standard_normal((n, d)), gen.standard_normal((n, d))
    four = FourCacheDecoder(d)
    four.append(K1, K2, V1, V2)
    out: dict[str, Any] = {"n": n, "d": d, "m": m, "t": t, "s": s, "delta": delta, "seed": seed}
    nbytes: dict[str, int] = {"exact-four-cache": len(four.to_bytes())}
    pools: dict[str, int] = {}
    pred: dict[str, int] = {}
    clusters: dict[str, list[int]] = {}
    for kind in ("mixture", "coordinate"):
        sg = SubGen4Cache(d, None, delta1=delta, t1=t, s=s, rng=g.spawn(1)[0], pair_sampler=kind)
        sg.ingest(K1, K2, V1, V2)
        nbytes[kind] = len(sg.to_bytes())
        (k1, _), (k2, _) = sg.pools()
        pools[kind] = int(k1.shape[0] + k2.shape[0])
        m1, m2 = sg.n_clusters
        clusters[kind] = [m1, m2]
        s_rows = s * d if kind == "mixture" else d * -(-s // d)
        pred[kind] = 8 * d * ((m1 + m2) * (t + 1) + 4 * min(n, s_rows))
    P = subgen4_parameters(
        eps,
        delta,
        delta,
        radius + delta / 2,
        radius + delta / 2,
        1.0,
        n,
        d,
        failure_probability=failure_probability,
    )
    out.update(
        {
            "bytes": nbytes,
            "pool_rows": pools,
            "predicted_bytes": pred,
            "clusters": clusters,
            "derived_s": P.s,
            "derived_rows": {"mixture": min(n, P.s * d), "coordinate": min(n, d * -(-P.s // d))},
        }
    )
    return out


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
        from tensorkv_check.engine.caches import StandardDecoder
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
            points.append(
                {
                    "model": "SubGen",
                    "n": n,
                    "t": t,
                    "s": s,
                    "bytes": len(sg.to_bytes()),
                    "error_median": float(np.median(err)),
                    "error_p90": float(np.quantile(err, 0.9)),
                }
            )
        exact.append(
            {"model": "exact standard", "n": n, "bytes": _message_len(_exact_standard(st.K, st.V, d))[0]}
        )
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
                points.append(
                    {
                        "model": name,
                        "n": n,
                        "t": t,
                        "s": s,
                        "bytes": len(obj.to_bytes()),
                        "error_median": float(np.median(err)),
                        "error_p90": float(np.quantile(err, 0.9)),
                    }
                )
        from tensorkv_check.engine.caches import FourCacheDecoder, TwoCacheDecoder

        for name, dec in (
            ("exact four-cache", FourCacheDecoder(d, 1.0)),
            ("exact two-cache", TwoCacheDecoder(d, 1.0)),
        ):
            _feed_decoder(dec, ts.K1, ts.K2, ts.V1, ts.V2)
            exact.append({"model": name, "n": n, "bytes": _message_len(dec)[0]})
    return {
        "points": points,
        "exact": exact,
        "d": d,
        "m": m,
        "delta": delta,
        "r": r,
        "seed": seed,
        "metric": "||z - Attn|| / (||softmax|| ||V||_op)",
    }


def memory_vs_n_data(
    ns: Sequence[int] = (1024, 4096, 16384),
    tensor_ns: Sequence[int] = (16, 32, 64),
    *,
    growths: Sequence[str] = ("constant", "sqrt"),
    d: int = 8,
    t: int = 16,
    s: int = 64,
    seed: int = 0,
) -> dict[str, Any]:
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
            for model, sizes in (
                ("exact-standard", ns),
                ("exact-four-cache", tensor_ns),
                ("exact-two-cache", tensor_ns),
            ):
                series.append(memory_scaling(model, sizes, d=d, growth=growth, t=t, s=s, seed=seed))
    return {"series": series, "d": d, "t": t, "s": s, "seed": seed}
