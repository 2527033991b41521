"""Claims for the column-wise Kronecker product: Definition 3.1 (def:kron), with its checks
and explorer.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

A definition cannot be false, but two things about it can be checked: the property its
statement gives it (the row order and the score layout, proved for every size in
:mod:`proofs._proof_definitions`; the claim's ``sympy_statement`` is that proof's statement),
decided by the symbolic checks at small symbolic sizes and in index form for all n1, n2, d;
and the engine's implementation, compared bitwise with scipy's Khatri–Rao product on seeded
random inputs.

Every engine call goes through the module (``att.kron``) so that monkeypatched mutants are
what the checks see.

The three attention definitions live in ``def_attention_*`` modules (this one, ``_softmax``,
``_tensor``), whose names sort before ``def_caches`` and ``def_jlt``: claim modules load
alphabetically, so the registry keeps its order of claims.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import scipy.linalg
import sympy as sp

from proofs._attention_common import sym_kron, sym_matrix
from proofs._common import chain, is_zero, rate, serial_blas
from proofs._explore_common import (
    ADV,
    KINDS,
    adversarial_matrix,
    seeds,
)
from proofs._proof_definitions import kron_proof
from tensorkv_check.claims.registry import REGISTRY, CheckResult

# ``import tensorkv_check.engine.exact_attention as att`` would bind the *function* ``attention`` that
# tensorkv_check/__init__.py re-exports under the same name; take the modules themselves.
att = importlib.import_module("tensorkv_check.engine.exact_attention")

# Symbols of the index-form (general n1, n2, d) argument.
_n1, _n2, _d = sp.symbols("n1 n2 d", integer=True, positive=True)
_j, _k, _l = sp.symbols("j k l", integer=True, positive=True)
_K1, _K2, _q = (sp.IndexedBase(s) for s in ("K1", "K2", "q"))


# --------------------------------------------------------------------------- def:kron
kron = REGISTRY.claim(
    "def:kron",
    paper_ref="Definition 3.1",
    sources=("paper", "AS24", "inferred"),
    statement=(
        "For A ∈ R^{n1×d}, B ∈ R^{n2×d}, the column-wise Kronecker product A⊘B ∈ R^{n1·n2×d} "
        "has one row per pair (j, k), row(j, k) = A_j ∘ B_k. Row order [inferred]: (j−1)·n2 + k "
        "(numpy row-major). With that order (A⊘B) q, read row-major as an n1×n2 matrix, is "
        "A diag(q) Bᵀ, which is how the engine lays out the score matrix."
    ),
    # what proofs._proof_definitions proves: the row order is injective into 1..n1·n2 and
    # row r(j,k) = A_j ∘ B_k has score (A diag(q) Bᵀ)_jk
    sympy_statement=kron_proof().statement,
    hypotheses=("A ∈ R^{n1×d}, B ∈ R^{n2×d}, n1, n2, d ≥ 1",),
    explicit_constants={},
    depends_on=(),
)


@kron.symbolic(
    "score-layout-small", description="(A⊘B)q reshaped row-major equals A diag(q) Bᵀ, symbolic entries"
)
def check_score_layout_small(ctx):
    steps = []
    for n1, n2, d in itertools.product(range(1, 4), repeat=3):
        A, B = sym_matrix("a", n1, d), sym_matrix("b", n2, d)
        q = sym_matrix("q", d, 1)
        lhs = (sym_kron(A, B) * q).reshape(n1, n2)
        rhs = A * sp.diag(*q) * B.T
        steps.append((f"n1={n1}, n2={n2}, d={d}", (lhs - rhs).expand() == sp.zeros(n1, n2)))
    return chain(
        steps,
        "(A⊘B) q = vec_rowmajor(A diag(q) Bᵀ) for all symbolic A, B, q",
        scope="n1, n2, d ≤ 3, symbolic real entries (27 shapes)",
    )


@kron.symbolic(
    "row-order-general",
    description="row-major index enumerates 1..n1·n2 once; score entry identity in index form",
)
def check_row_order_general(ctx):
    r = lambda j, k: (j - 1) * _n2 + k  # noqa: E731 - the row index of pair (j, k)
    entry = sp.Sum(_K1[_j, _l] * _K2[_k, _l] * _q[_l], (_l, 1, _d))  # ((A⊘B) q)_{r(j,k)}
    matrix = sp.Sum(_K1[_j, _l] * _q[_l] * _K2[_k, _l], (_l, 1, _d))  # (A diag(q) Bᵀ)_{jk}
    steps = [
        ("r(1, 1) = 1", is_zero(r(1, 1) - 1)),
        ("r(n1, n2) = n1·n2", is_zero(r(_n1, _n2) - _n1 * _n2)),
        ("r(j, k+1) − r(j, k) = 1 (next k)", is_zero(r(_j, _k + 1) - r(_j, _k) - 1)),
        ("r(j+1, 1) − r(j, n2) = 1 (next j)", is_zero(r(_j + 1, 1) - r(_j, _n2) - 1)),
        ("Σ_l (A_jl B_kl) q_l = Σ_l A_jl q_l B_kl for symbolic d", is_zero(entry - matrix)),
    ]
    return chain(
        steps,
        "the row-major order visits 1, …, n1·n2 consecutively (a bijection from pairs) "
        "and row r(j,k) of (A⊘B)q is (A diag(q) Bᵀ)_{jk}",
        scope="all n1, n2, d (index form)",
    )


@kron.empirical(
    "engine-vs-khatri-rao", description="att.kron equals scipy.linalg.khatri_rao exactly", role="engine"
)
@serial_blas
def check_engine_vs_khatri_rao(ctx):
    rng = ctx.rng("def:kron", "khatri-rao")
    trials = 200 if ctx.profile == "full" else 50
    ok, worst = 0, None
    for t in range(trials):
        n1, n2, d = (int(x) for x in rng.integers(1, 10, size=3))
        A, B = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
        # scipy's Khatri–Rao product is the column-wise Kronecker product, row (j, k) at j*n2 + k.
        if np.array_equal(att.kron(A, B), scipy.linalg.khatri_rao(A, B)):
            ok += 1
        elif worst is None:
            worst = {"trial": t, "n1": n1, "n2": n2, "d": d}
    est = rate(ok, trials, {"n1, n2, d": "uniform in 1..9", "entries": "N(0,1)"}, ctx.seed)
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"engine kron == scipy khatri_rao (bitwise) in {est}",
        scope="n1, n2, d ≤ 9, random",
        estimate=est,
        details={"first_mismatch": worst},
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


def _space_kron(st):
    return st.fixed_dictionaries(
        {
            "n1": st.integers(1, 6),
            "n2": st.integers(1, 6),
            "d": st.integers(1, 5),
            "kind_a": st.sampled_from(KINDS),
            "kind_b": st.sampled_from(KINDS),
            "seed_a": seeds(st),
            "seed_b": seeds(st),
        }
    )


@REGISTRY.explorer(
    "def:kron",
    "rows-are-hadamard-products",
    weight=3,
    region="inside",
    space=_space_kron,
    ranges=f"n1, n2 ≤ 6, d ≤ 5, {ADV} (|entries| up to 1e100)",
)
def explore_rows_are_hadamard_products(ex):
    """kron(A, B) row j·n2 + k equals A_j ∘ B_k bitwise (scipy's Khatri–Rao product), or reports overflow."""
    import scipy.linalg

    A = adversarial_matrix(ex["kind_a"], ex["n1"], ex["d"], ex["seed_a"])
    B = adversarial_matrix(ex["kind_b"], ex["n2"], ex["d"], ex["seed_b"])
    with np.errstate(over="ignore"):
        ref = scipy.linalg.khatri_rao(A, B)
    if not np.isfinite(ref).all():
        try:
            att.kron(A, B)
        except ValueError:
            return None  # documented: overflow is reported, never returned as inf
        return "kron returned a result although A_j ∘ B_k overflows float64"
    K = att.kron(A, B)
    if K.shape != (ex["n1"] * ex["n2"], ex["d"]) or not np.array_equal(K, ref):
        return (
            f"kron differs from scipy.linalg.khatri_rao: shape {K.shape}, max diff "
            f"{np.max(np.abs(K - ref)):.3e}"
        )
    return None
