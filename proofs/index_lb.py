"""Claims for the Index problem and its communication lower bound: def:index and
thm:index-lb ([std], the communication-complexity facts), with their checks and explorers.

The lower bounds of Haris and Onak (thm:ho25-lb, :mod:`proofs.index_standard_lb`) and of
Chen et al. 2025, arXiv 2503.11108 (:mod:`proofs.tensor_lb`) are reductions from Index.

What is checked:

* thm:index-lb: the Fano algebra M ≥ (1 − h(p))·N is a machine-checked proof
  (``proofs/_proof_index.py``: per-coordinate Fano and Jensen for h are cited axioms);
  independently, an exhaustive search over all deterministic protocols for tiny N finds
  the best achievable average success and corroborates the bound there (by Yao's
  principle, public-coin protocols cannot do better on the uniform distribution than the
  best deterministic one). The check ``frontier-checks`` (attached by
  :mod:`proofs.subgen_adversarial`) tests the frontier harness itself (role ``engine``).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from proofs._common import rate, serial_blas
from proofs._explore_common import seeds
from tensorkv_check.claims.registry import REGISTRY, CheckResult
from tensorkv_check.engine.stats import binary_entropy

_p = sp.Symbol("p", positive=True)
_N = sp.Symbol("N", integer=True, positive=True)
_M = sp.Symbol("M", positive=True)


def _h(p):
    """Binary entropy in bits, as a sympy expression."""
    return -(p * sp.log(p, 2) + (1 - p) * sp.log(1 - p, 2))


# ----------------------------------------------------------------------------- def:index
REGISTRY.claim(
    "def:index",
    paper_ref="Index problem (as used by HO25)",
    sources=("std", "HO25"),
    statement=(
        "Alice holds x ∈ {0,1}^N, Bob holds k ∈ [N]; Alice sends one message; Bob must output x_k with "
        "probability ≥ 2/3 (public coins)."
    ),
    hypotheses=("N ≥ 1",),
    depends_on=(),
    cited_reason=(
        "a definition of a communication problem [std]; nothing to compute. Its use is checked "
        "through thm:index-lb and the reductions (thm:ho25-lb, thm:four-cache-lb, thm:two-cache-lb)."
    ),
)


# -------------------------------------------------------------------------- thm:index-lb
index_lb = REGISTRY.claim(
    "thm:index-lb",
    paper_ref="Index lower bound (std)",
    sources=("std",),
    statement=(
        "Any one-way protocol for Index needs Ω(N) bits. Explicit (Fano form, x and k uniform): a "
        "protocol with M-bit messages and average success p ≥ 1/2 has M ≥ (1 − h(p))·N, h the binary "
        "entropy in bits; with success ≥ 2/3, M ≥ (5/3 − log2 3)·N ≈ 0.0817·N."
    ),
    sympy_statement=sp.Ge(_M, (1 - _h(_p)) * _N),
    hypotheses=(
        "x uniform on {0,1}^N, k uniform on [N], independent of each other and of the public coins",
        "average success p ≥ 1/2 (≥ 2/3 for the Ω(N) form)",
    ),
    explicit_constants={"Ω(N)": "M ≥ (1 − h(p))·N; for p ≥ 2/3: M ≥ (5/3 − log2 3)·N ≥ 0.0817·N"},
    depends_on=("def:index",),
)


def _best_protocol(N: int, M: int) -> tuple[int, int]:
    """Best total success over all deterministic protocols with M-bit messages (exhaustive).

    A protocol is Alice's map msg: {0,1}^N → [2^M]; Bob's best reply to (m, k) is the
    majority of x_k among the x with msg(x) = m. Returns (successes, N·2^N).
    """
    B, X2 = 2**M, 2**N
    funcs = np.arange(B**X2, dtype=np.int64)
    msg = (funcs[:, None] // (B ** np.arange(X2, dtype=np.int64))) % B  # (F, 2^N)
    bits = (np.arange(X2)[:, None] >> np.arange(N)) & 1  # (2^N, N)
    onehot = (msg[:, :, None] == np.arange(B)).astype(np.int32)  # (F, 2^N, B)
    ones = np.einsum("fxm,xk->fmk", onehot, bits)
    count = onehot.sum(axis=1)[:, :, None]
    return int(np.maximum(ones, count - ones).sum(axis=(1, 2)).max()), N * X2


@index_lb.empirical(
    "exhaustive-protocols",
    description="optimal success of every deterministic protocol, N ≤ 4: M ≥ (1 − h(p*))N",
)
@serial_blas
def check_exhaustive_protocols(ctx):
    cases = [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1)]
    rows, ok = [], 0
    for N, M in cases:
        succ, total = _best_protocol(N, M)
        p = succ / total
        bound = (1 - binary_entropy(p)) * N
        holds = M >= bound - 1e-12 * N  # equality M = N at p* = 1 is exact in float
        ok += holds
        rows.append({"N": N, "M": M, "best_success": f"{succ}/{total}", "fano_bound": bound, "holds": holds})
    est = rate(ok, len(cases), {"(N, M)": cases}, ctx.seed)
    res = CheckResult.ok if ok == len(cases) else CheckResult.fail
    return res(
        f"the Fano bound holds for the optimal protocol in {est}; tight (M = N, p* = 1) at (2,2)",
        scope="exhaustive: N ≤ 3 with M ≤ 2, N = 4 with M = 1 (all 2^M-ary maps on {0,1}^N)",
        estimate=est,
        details={"cases": rows},
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


@REGISTRY.explorer(
    "def:index",
    "instances-are-index",
    region="inside",
    space=lambda st: st.fixed_dictionaries(
        {
            "model": st.sampled_from(("standard", "four-cache", "two-cache", "two-cache-structured")),
            "n": st.integers(2, 7),
            "d": st.integers(1, 8),
            "family": st.sampled_from(("rademacher", "gaussian", "jl", "jl-sign")),
            "seed": seeds(st),
        }
    ),
    ranges="all four models, n = 2..7, d ≤ 8, all key families",
)
def explore_instances_are_index(ex):
    """The harness's instance is an Index instance: N bits in {0,1}, one public key row per bit-row."""
    from tensorkv_check.index import make_instance

    inst = make_instance(ex["model"], ex["n"], ex["d"], seed=ex["seed"], key_family=ex["family"])
    n, d = ex["n"], ex["d"]
    expected = {
        "standard": n * d,
        "four-cache": n * d,
        "two-cache": n * n * d,
        "two-cache-structured": 2 * (n - 1) * d,
    }[ex["model"]]
    if inst.N != expected or not np.isin(inst.bits, (0, 1)).all():
        return f"N = {inst.N} (expected {expected}) or bits outside {{0,1}}"
    if (
        inst.bob_rows.shape[0] != inst.bits.shape[0]
        or inst.bob_rows.min() < 0
        or inst.bob_rows.max() >= inst.rows
    ):
        return "Bob's key rows do not index the public keys one per bit-row"
    return None


def _protocol_success(N: int, M: int, enc: np.ndarray, w: np.ndarray) -> float:
    """Best average success of Bob over x ~ w, k uniform, given Alice's encoding ``enc``."""
    X = (np.arange(2**N)[:, None] >> np.arange(N)[None, :]) & 1  # x as rows of bits
    ones = np.zeros((2**M, N))
    tot = np.zeros(2**M)
    np.add.at(ones, enc, w[:, None] * X)
    np.add.at(tot, enc, w)
    return float(np.maximum(ones, tot[:, None] - ones).sum() / N)


def _entropy_bits(p: float) -> float:
    from tensorkv_check.engine.stats import binary_entropy

    return binary_entropy(min(max(p, 0.0), 1.0))


def _space_protocols(st, weights: bool):
    @st.composite
    def s(draw):
        N = draw(st.integers(1, 4))
        M = draw(st.integers(0, N))
        enc = draw(st.lists(st.integers(0, 2**M - 1), min_size=2**N, max_size=2**N))
        out = {"N": N, "M": M, "enc": enc}
        if weights:
            out["w"] = draw(st.lists(st.integers(0, 9), min_size=2**N, max_size=2**N).filter(any))
        return out

    return s()


@REGISTRY.explorer(
    "thm:index-lb",
    "fano-deterministic-protocols",
    weight=3,
    region="inside",
    space=lambda st: _space_protocols(st, False),
    ranges="N ≤ 4 bits, M ≤ N message bits, every encoding table, Bob's optimal decoder",
)
def explore_fano_deterministic_protocols(ex):
    """Every deterministic protocol with success p ≥ 1/2 has M ≥ (1 − h(p))·N (exact rational success)."""
    N, M = ex["N"], ex["M"]
    w = np.full(2**N, 1.0 / 2**N)
    p = _protocol_success(N, M, np.asarray(ex["enc"], dtype=np.int64), w)
    if p >= 0.5 and M < (1 - _entropy_bits(p)) * N - 1e-12:
        return f"M = {M} < (1 − h({p:.6f}))·{N} = {(1 - _entropy_bits(p)) * N:.6f}"
    return None


@REGISTRY.explorer(
    "thm:index-lb",
    "non-uniform-inputs",
    region="outside",
    space=lambda st: _space_protocols(st, True),
    hypothesis="x uniform on {0,1}^N, k uniform on [N]",
    ranges="N ≤ 4, M ≤ N, every encoding table, x drawn from integer weights 0..9",
)
def explore_non_uniform_inputs(ex):
    """Fano's bound with x from a non-uniform distribution?"""
    N, M = ex["N"], ex["M"]
    w = np.asarray(ex["w"], dtype=np.float64)
    w = w / w.sum()
    p = _protocol_success(N, M, np.asarray(ex["enc"], dtype=np.int64), w)
    if p >= 0.5 and M < (1 - _entropy_bits(p)) * N - 1e-12:
        return (
            f"x non-uniform: M = {M} bits reach success p = {p:.6f} > the Fano bound (1 − h(p))·N = "
            f"{(1 - _entropy_bits(p)) * N:.4f}"
        )
    return None
