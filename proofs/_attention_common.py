"""Shared by the attention-definition claim modules (not a claim module: ``load_all`` skips ``_*``).

:mod:`proofs.def_attention_kron`, :mod:`proofs.def_attention_softmax`,
:mod:`proofs.def_attention_tensor` (Definitions 3.1, 3.2, 3.6 of Chen et al. 2025, arXiv
2503.11108) and :mod:`proofs.def_caches` use:

* symbolic matrices (:func:`sym_matrix`; :func:`sym_kron`, Definition 3.1 written out);
* :data:`RTOL`, the relative tolerance of engine-vs-reference comparisons;
* the random cases: :func:`rand_case` (seeded N(0,1) inputs of the empirical checks) and
  :func:`tensor_case` (the adversarial inputs the explorers draw).
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from proofs._explore_common import adversarial_matrix

__all__ = ["RTOL", "rand_case", "sym_kron", "sym_matrix", "tensor_case"]

#: Relative tolerance of engine-vs-reference comparisons (relative to value_scale).
RTOL = 1e-12


def sym_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A rows×cols matrix of real symbols ``name_rc``."""
    return sp.Matrix(rows, cols, lambda r, c: sp.Symbol(f"{name}_{r}{c}", real=True))


def sym_kron(A: sp.Matrix, B: sp.Matrix) -> sp.Matrix:
    """Definition 3.1 written out: row (j, k), j outer, is A_j ∘ B_k."""
    return sp.Matrix(
        [[A[j, l] * B[k, l] for l in range(A.shape[1])] for j in range(A.shape[0]) for k in range(B.shape[0])]
    )


def rand_case(rng, n1, n2, d, m, q_scale=3.0):
    """Seeded N(0,1) inputs ``(Q, K1, K2, V1, V2)`` of Definition 3.6, queries scaled by ``q_scale``."""
    K1, V1 = rng.standard_normal((n1, d)), rng.standard_normal((n1, d))
    K2, V2 = rng.standard_normal((n2, d)), rng.standard_normal((n2, d))
    Q = rng.standard_normal((m, d)) * q_scale
    return Q, K1, K2, V1, V2


def tensor_case(ex, *, nonpositive=False):
    """An explorer's example as Definition 3.6's inputs ``(Q, K1, K2, V1, V2, scale)``.

    Adversarial keys (up to 1e60, aligned with the first query) and values (up to 1e150)
    from ``ex``'s kinds and seed; ``Q`` rescaled so that the largest |logit| is
    ``ex["logit"]`` when it is given; ``scale`` defaults to 1/d.
    """
    n1, n2, d, m = ex["n1"], ex["n2"], ex["d"], ex["m"]
    s = ex["seed"]
    g = np.random.default_rng(s)
    Q = g.standard_normal((m, d))
    K1 = adversarial_matrix(ex["k_kind"], n1, d, s + 1, huge=1e60, direction=Q[0])
    K2 = adversarial_matrix(ex["k_kind2"], n2, d, s + 2, huge=1e60, direction=Q[0])
    V1 = adversarial_matrix(ex["v_kind"], n1, d, s + 3, huge=1e150)
    V2 = adversarial_matrix(ex["v_kind2"], n2, d, s + 4, huge=1e150)
    scale = ex["scale"] if ex["scale"] is not None else 1.0 / d
    L = ex["logit"]
    if L is not None:  # rescale Q so that the largest |logit| is L (logits 1e4–1e6)
        with np.errstate(all="ignore"):
            cur = float(np.abs(np.einsum("ml,jl,kl->mjk", Q * abs(scale), K1, K2)).max())
        if cur > 0 and math.isfinite(cur):
            Q = Q * (L / cur)
    return Q, K1, K2, V1, V2, scale
