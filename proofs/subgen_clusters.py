"""lem:kron-clusterable checked on the clusters SubGen4Cache itself forms.

Chen et al. 2025 (arXiv 2503.11108), the clusterability of Kronecker products
(spec lem:kron-clusterable [inferred]): product clusters of a (m1, δ1)- and a
(m2, δ2)-clusterable factor have diameter ≤ δ1·R2 + R1·δ2. proofs/subgen.py declares
the claim and checks it on clusters built by hand and by the geometry engine; this
module attaches the check on the clusters SubGen4Cache *itself* forms when it ingests a
clustered tensor stream. It must load after proofs/subgen.py (``load_all`` imports the
claim modules in alphabetical order of their names, and "subgen" < "subgen_clusters").
"""

from __future__ import annotations

import numpy as np

import proofs.subgen  # noqa: F401  (registers the claims these checks attach to)
import tensorkv_check.subgen as sgc
from proofs._common import rate, serial_blas
from tensorkv_check.claims.registry import REGISTRY, CheckResult

#: (n, d, m1, m2, delta1, delta2, radius1, radius2) of the instances; each runs with several seeds.
_SETTINGS = (
    (60, 4, 3, 4, 0.2, 0.3, 1.0, 1.0),
    (80, 3, 2, 5, 0.1, 0.4, 1.0, 2.0),
    (48, 8, 4, 3, 0.3, 0.2, 0.5, 1.5),
    (64, 2, 6, 6, 0.05, 0.05, 1.0, 1.0),
)


def _independent(data: dict, pairs: list[dict]) -> float:
    """Largest relative gap between the engine's product diameters and a recomputation here.

    Written without the engine's helpers: rows a∘b of each product cluster, all pairwise
    differences, maximum norm.
    """
    K1, K2, l1, l2 = data["K1"], data["K2"], data["labels1"], data["labels2"]
    gap = 0.0
    for p in pairs:
        A, B = K1[l1 == p["a"]], K2[l2 == p["b"]]
        rows = (A[:, None, :] * B[None, :, :]).reshape(-1, K1.shape[1])
        diam = float(np.sqrt(((rows[:, None, :] - rows[None, :, :]) ** 2).sum(-1).max()))
        gap = max(gap, abs(diam - p["diameter"]) / max(diam, 1e-300))
    return gap


@REGISTRY["lem:kron-clusterable"].empirical(
    "compressor-own-clusters",
    description="SubGen4Cache's own factor clusters on clustered tensor streams: every product cluster's "
    "diameter ≤ diam(A)·R_B + R_A·diam(B), ≤ δ1'·R2 + R1·δ2' (measured factor diameters) and ≤ 2δ1·R2 + "
    "R1·2δ2 (compressor radii); SubGen2Cache at the product radius opens ≤ m1·m2 clusters",
)
@serial_blas
def check_compressor_own_clusters(ctx):
    seeds = ctx.size(4, full=10, smoke=1)
    ok, rows, first_bad = 0, [], None
    tol = 1 + 1e-12
    for k, (n, d, m1, m2, dl1, dl2, r1, r2) in enumerate(_SETTINGS):
        # smoke: a quarter of the tokens (the pairwise product diameters cost (n²/(m1·m2))² each)
        n = ctx.size(n, smoke=n // 4)
        for j in range(seeds):
            seed = int(ctx.rng("lem:kron-clusterable", "compressor-own", k, j).integers(0, 2**31 - 1))
            out = sgc.kron_cluster_diameters(
                n, d, m1=m1, m2=m2, delta1=dl1, delta2=dl2, radius=r1, radius2=r2, seed=seed, return_data=True
            )
            pairs = out["pairs"]
            gap = _independent(out["data"], pairs)
            steps = {
                "engine diameters = independent recomputation (rel. 1e-12)": gap <= 1e-12,
                "replay = compressor's clustering (centres and sizes)": out["centres_match"]
                and out["sizes_match"],
                "per-cluster bound": all(p["diameter"] <= p["bound_cluster"] * tol for p in pairs),
                "global bound (measured factor diameters)": all(
                    p["diameter"] <= p["bound_global"] * tol for p in pairs
                ),
                "a-priori bound (compressor radii)": all(
                    p["diameter"] <= p["bound_apriori"] * tol for p in pairs
                ),
                "SubGen2Cache clusters ≤ m1·m2": out["subgen2cache_clusters"] <= out["m1m2"],
            }
            failed = [s for s, v in steps.items() if not v]
            ok += not failed
            rows.append(
                {
                    "setting": k,
                    "seed": seed,
                    "factor_clusters": out["factor_clusters"],
                    "product_clusters": out["product_clusters"],
                    "max_ratio_cluster": out["max_ratio_cluster"],
                    "max_ratio_global": out["max_ratio_global"],
                    "max_ratio_apriori": out["max_ratio_apriori"],
                    "subgen2cache_clusters": out["subgen2cache_clusters"],
                    "m1m2": out["m1m2"],
                    "independent_gap": gap,
                    "failed": failed,
                }
            )
            if failed and first_bad is None:
                first_bad = {
                    **rows[-1],
                    "n": n,
                    "d": d,
                    "m1": m1,
                    "m2": m2,
                    "delta1": dl1,
                    "delta2": dl2,
                    "radius1": r1,
                    "radius2": r2,
                    "reproduce": f"kron_cluster_diameters({n}, {d}, m1={m1}, m2={m2}, delta1={dl1}, "
                    f"delta2={dl2}, radius={r1}, radius2={r2}, seed={seed})",
                }
    total = len(rows)
    est = rate(ok, total, {"settings": [list(s) for s in _SETTINGS], "seeds_per_setting": seeds}, ctx.seed)
    worst = max(r["max_ratio_cluster"] for r in rows)
    worst_g = max(r["max_ratio_global"] for r in rows)
    products = sum(r["product_clusters"] for r in rows)
    res = CheckResult.ok if ok == total else CheckResult.fail
    return res(
        f"on SubGen4Cache's own factor clusters, all {products} product clusters respect the bounds in "
        f"{est}; worst diameter / per-cluster bound {worst:.3f}, / global bound {worst_g:.3f}"
        + ("" if first_bad is None else f"; FAILED: {first_bad}"),
        scope="clustered_tensor_stream inputs (n factor tokens, m1, m2 groups of diameter δ1, δ2 around "
        "centres at radius r1, r2), SubGen4Cache with cluster radii δ1, δ2; its clustering replayed by "
        "online_cluster_labels and verified against the compressor's centres and cluster sizes; diameters "
        "by direct differences over every pair of a product cluster; settings (n, d, m1, m2, δ1, δ2, r1, "
        f"r2) = {list(_SETTINGS)}",
        estimate=est,
        details={"rows": rows, "first_failure": first_bad},
    )
