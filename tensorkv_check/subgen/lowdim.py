"""SubGen4Cache's memory against the low-dimensional tensor lower bound (thm:subgen4cache-lowdim-opt).

Spec thm:subgen4cache-lowdim-opt [inferred] (Chen et al. 2025, arXiv 2503.11108): for keys of
norm ≤ r, SubGen4Cache's memory ``O(d·e^{O(d)}·log n)`` (thm:covering bounds its clusters by
``N(δ) ≤ (1 + 2/δ)^d``, thm:subgen4cache gives ``t = O(log n²)``, ``s = O(d)``) is within
``e^{O(d)}·log n`` of thm:lowdim-tensor-lb's ``M ≥ T·d`` bits, ``T ≥ e^{dε²/4}/2``: the proved
form is ``U ≤ M · 2(2(1 + 2/δ)^d·A·ln(2n²) + B·d) / e^{dε²/4}`` with ``t ≤ A·ln(2n²)``,
``s ≤ B·d``. :func:`lowdim_memory_vs_lower` measures ``U`` on factor keys uniform in the
ball and evaluates both sides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_int, check_probability, check_real
from tensorkv_check.subgen.data import _ball
from tensorkv_check.subgen.parameters import subgen4_parameters
from tensorkv_check.subgen.tensor_variants import SubGen4Cache

__all__ = ["lowdim_memory_vs_lower"]


def lowdim_memory_vs_lower(
    ds: Sequence[int] = (18, 24, 30),
    n: int = 1024,
    *,
    delta: float = 0.5,
    r: float = 0.05,
    eps: float = 0.9,
    failure_probability: float = 0.5,
    eps_orth: float = 0.49,
    seed: int = 0,
) -> dict[str, Any]:
    """Per ``d``: SubGen4Cache's stored numbers on keys uniform in the unit ball and the bounds.

    Factor keys are uniform in the unit ball of ``R^d`` (sup-norms ≤ 1), values Gaussian;
    SubGen4Cache uses the coordinate pair sampler and the derived ``t1``, ``t2``, ``s`` of
    :func:`~tensorkv_check.subgen.parameters.subgen4_parameters` (scale 1, ``‖q‖ ≤ r``,
    cluster radius ``delta``). The lower bound's value is ``T·d`` with ``T`` the largest
    integer such that ``2T² ≤ e^{d·eps_orth²/2}`` (thm:lowdim-tensor-lb, which needs
    ``T ≥ 2``).

    Returns
    -------
    dict
        ``rows``: per ``d``, ``numbers`` (``len(to_bytes())/8``), ``count`` (the proof's
        ``d(m1·t1 + m2·t2 + s)`` with the measured clusters; the coordinate sampler holds
        4 rows per sample: K and V of two factors), ``clusters``, ``covering_bound``
        ``(1 + 2/δ)^d``, ``T``, ``lower`` (``T·d``), ``factor`` (the proved
        ``2(2(1 + 2/δ)^d A ln(2n²) + B d)/e^{d eps²/4}`` with ``A = max(t)/ln(2n²)``,
        ``B = s/d``), ``ratio`` (``numbers / lower``), ``holds`` (``numbers ≤ lower·factor``).
    """
    n = check_int("n", n, minimum=2)
    delta = check_real("delta", delta, low=0.0)
    r = check_real("r", r, low=0.0)
    eps = check_probability("eps", eps)
    p = check_probability("failure_probability", failure_probability)
    eps_orth = check_real("eps_orth", eps_orth, low=0.0, high=0.5)
    rows = []
    L = math.log(2.0 * n * n)
    for i, d in enumerate(check_int("d", x, minimum=1) for x in ds):
        g = np.random.default_rng(np.random.SeedSequence([seed, i]))
        K1, K2 = _ball(g, n, d, 1.0), _ball(g, n, d, 1.0)
        V1, V2 = g.standard_normal((n, d)), g.standard_normal((n, d))
        P = subgen4_parameters(eps, delta, delta, 1.0, 1.0, r, n, d, scale=1.0, failure_probability=p)
        sg = SubGen4Cache(
            d, 1.0, delta1=delta, t1=P.t1, t2=P.t2, s=P.s, rng=g.spawn(1)[0], pair_sampler="coordinate"
        )
        sg.ingest(K1, K2, V1, V2)
        m1, m2 = sg.n_clusters
        numbers = len(sg.to_bytes()) / 8.0
        s_rows = d * -(-P.s // d)
        count = d * ((m1 + m2) * (max(P.t1, P.t2) + 1) + 4 * s_rows)
        T = int(math.floor(math.sqrt(math.exp(d * eps_orth**2 / 2) / 2)))
        A, B = max(P.t1, P.t2) / L, P.s / d
        G = (1.0 + 2.0 / delta) ** d
        y = math.exp(d * eps_orth**2 / 4)
        factor = 2.0 * (2.0 * G * A * L + B * d) / y
        lower = T * d
        rows.append(
            {
                "d": d,
                "n": n,
                "t": [P.t1, P.t2],
                "s": P.s,
                "clusters": [m1, m2],
                "covering_bound": G,
                "numbers": numbers,
                "count": count,
                "T": T,
                "lower": lower,
                "factor": factor,
                "ratio": numbers / lower if lower else math.inf,
                "holds": bool(T >= 2 and numbers <= lower * factor),
            }
        )
    return {
        "rows": rows,
        "delta": delta,
        "r": r,
        "eps": eps,
        "failure_probability": p,
        "eps_orth": eps_orth,
        "seed": seed,
        "pair_sampler": "coordinate",
    }
