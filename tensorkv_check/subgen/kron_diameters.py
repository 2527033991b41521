"""lem:kron-clusterable on the compressors' own clusters: product-cluster diameters against the bound.

:func:`kron_cluster_diameters` measures the diameters of the product clusters ``A × B``
of SubGen4Cache's own factor clusters against ``diam(A)·R_B + R_A·diam(B)`` (and the
global ``δ1·R2 + R1·δ2``); :func:`kron_tightness_instance` is an instance where the bound
is nearly attained. Diameters are :func:`tensorkv_check.engine.distances.diameter`, the
same function the geometry of key sets uses. Paper item: spec lem:kron-clusterable of
Chen et al. 2025 (arXiv 2503.11108).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorkv_check.engine.distances import diameter
from tensorkv_check.subgen.data import clustered_tensor_stream, product_rows
from tensorkv_check.subgen.sampler import online_cluster_labels
from tensorkv_check.subgen.tensor_variants import SubGen2Cache, SubGen4Cache

__all__ = [
    "kron_cluster_diameters",
    "kron_tightness_instance",
]


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
    exactly by :func:`~tensorkv_check.subgen.sampler.online_cluster_labels`, the clustering
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
    ts = clustered_tensor_stream(
        n, d, m1=m1, m2=m2, delta1=delta1, delta2=delta2, radius1=radius, radius2=radius2, rng=g
    )
    sg = SubGen4Cache(d, 1.0, delta1=delta1, delta2=delta2, t1=4, s=8, rng=g.spawn(1)[0])
    sg.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    lab1, c1 = online_cluster_labels(ts.K1, delta1)
    lab2, c2 = online_cluster_labels(ts.K2, delta2)
    centres_match = bool(np.array_equal(c1, sg.centres(1)) and np.array_equal(c2, sg.centres(2)))
    # The replayed labels are the compressor's own clustering only if the cluster
    # sizes it counted agree too (centres alone would not pin the assignment).
    sizes_match = bool(
        np.array_equal(np.bincount(lab1, minlength=c1.shape[0]), sg.cluster_sizes(1))
        and np.array_equal(np.bincount(lab2, minlength=c2.shape[0]), sg.cluster_sizes(2))
    )
    R1g, R2g = float(np.abs(ts.K1).max()), float(np.abs(ts.K2).max())
    groups1 = [ts.K1[lab1 == a] for a in range(c1.shape[0])]
    groups2 = [ts.K2[lab2 == b] for b in range(c2.shape[0])]
    D1 = [diameter(A) for A in groups1]
    D2 = [diameter(B) for B in groups2]
    pairs = []
    for a, A in enumerate(groups1):
        for b, B in enumerate(groups2):
            prod = (A[:, None, :] * B[None, :, :]).reshape(-1, d)
            meas = diameter(prod)
            bc = D1[a] * float(np.abs(B).max()) + float(np.abs(A).max()) * D2[b]
            bg = max(D1) * R2g + R1g * max(D2)
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "size": int(prod.shape[0]),
                    "diameter": meas,
                    "bound_cluster": bc,
                    "bound_global": bg,
                    "bound_apriori": 2.0 * delta1 * R2g + R1g * 2.0 * delta2,
                }
            )
    dt = delta1 * R2g + R1g * delta2
    sg2 = SubGen2Cache(d, 1.0, delta=dt, t=4, s=8, rng=g.spawn(2)[1])
    Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
    sg2.ingest(Kt, Vt)
    ratio_c = max(p["diameter"] / p["bound_cluster"] for p in pairs if p["bound_cluster"] > 0)
    ratio_g = max(p["diameter"] / p["bound_global"] for p in pairs if p["bound_global"] > 0)
    return {
        "n": n,
        "d": d,
        "m1": m1,
        "m2": m2,
        "delta1": delta1,
        "delta2": delta2,
        "seed": seed,
        "radius1": radius,
        "radius2": radius if radius2 is None else radius2,
        "centres_match": centres_match,
        "sizes_match": sizes_match,
        "factor_clusters": [len(groups1), len(groups2)],
        "factor_diameters": [max(D1), max(D2)],
        "R1": R1g,
        "R2": R2g,
        "max_ratio_cluster": ratio_c,
        "max_ratio_global": ratio_g,
        "max_ratio_apriori": max(p["diameter"] / p["bound_apriori"] for p in pairs),
        "product_clusters": len(pairs),
        "m1m2": m1 * m2,
        "subgen2cache_delta": dt,
        "subgen2cache_clusters": sg2.n_clusters,
        "pairs": pairs,
        **({"data": {"K1": ts.K1, "K2": ts.K2, "labels1": lab1, "labels2": lab2}} if return_data else {}),
    }


def kron_tightness_instance(
    delta1: float = 0.01, delta2: float = 0.01, R1: float = 1.0, R2: float = 1.0, d: int = 2
) -> dict[str, Any]:
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
    meas = diameter(prod)
    bound = diameter(A) * float(np.abs(B).max()) + float(np.abs(A).max()) * diameter(B)
    return {
        "A": A.tolist(),
        "B": B.tolist(),
        "diameter": meas,
        "bound": bound,
        "ratio": meas / bound,
        "predicted_ratio": 1 - delta1 * delta2 / (delta1 * R2 + R1 * delta2),
    }
