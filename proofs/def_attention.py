"""Claims for the attention definitions: Definitions 3.1, 3.2 and 3.6 (def:kron, def:softmax,
def:tensor-attention), with their checks and explorers.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

A definition cannot be false, but three things about it can be checked: the properties its
statement gives it (proved for every size in :mod:`proofs._proof_definitions`; each claim's
``sympy_statement`` is that proof's statement), an identity the project relies on (the decode
identity of Definition 3.6 that the engine uses instead of the n²×d matrix), and the engine's
implementation of it. The symbolic checks decide the identities (at small symbolic sizes and in
index form for all n, d); the empirical checks compare the engine with independent
implementations (scipy's Khatri–Rao product, mpmath, a literal einsum triple sum) on seeded
random inputs.

Every engine call goes through the module (``att.tensor_attention``, ``caches.FourCacheDecoder``)
so that monkeypatched mutants are what the checks see.
"""

from __future__ import annotations

import importlib
import itertools
import math

import mpmath
import numpy as np
import scipy.linalg
import sympy as sp
from sympy.simplify.simplify import factor_sum

from proofs._common import chain, is_zero, rate, ref_tensor_attention, serial_blas, value_scale
from proofs._explore_common import (
    ADV,
    KINDS,
    TINY,
    adversarial_matrix,
    attention_tol,
    finite_floats,
    seeds,
    short_repr,
)
from proofs._proof_definitions import kron_proof, softmax_proof, tensor_attention_proof
from tensorkv_check.claims.registry import REGISTRY, CheckResult

# ``import tensorkv_check.engine.exact_attention as att`` would bind the *function* ``attention`` that
# tensorkv_check/__init__.py re-exports under the same name; take the modules themselves.
att = importlib.import_module("tensorkv_check.engine.exact_attention")
caches = importlib.import_module("tensorkv_check.engine.caches")

# Symbols shared by the index-form (general n, d) arguments.
_n, _n1, _n2, _d = sp.symbols("n n1 n2 d", integer=True, positive=True)
_i, _j, _k, _l = sp.symbols("i j k l", integer=True, positive=True)
_V1, _V2, _K1, _K2, _q, _z = (sp.IndexedBase(s) for s in ("V1", "V2", "K1", "K2", "q", "z"))

#: Relative tolerance of engine-vs-reference comparisons (relative to value_scale).
RTOL = 1e-12


def _sym_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda r, c: sp.Symbol(f"{name}_{r}{c}", real=True))


def _sym_kron(A: sp.Matrix, B: sp.Matrix) -> sp.Matrix:
    """Definition 3.1 written out: row (j, k), j outer, is A_j ∘ B_k."""
    return sp.Matrix(
        [[A[j, l] * B[k, l] for l in range(A.shape[1])] for j in range(A.shape[0]) for k in range(B.shape[0])]
    )


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
        A, B = _sym_matrix("a", n1, d), _sym_matrix("b", n2, d)
        q = _sym_matrix("q", d, 1)
        lhs = (_sym_kron(A, B) * q).reshape(n1, n2)
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


# ------------------------------------------------------------------------- def:softmax
softmax = REGISTRY.claim(
    "def:softmax",
    paper_ref="Definition 3.2",
    sources=("paper",),
    statement=(
        "softmax(z)_i = exp(z_i)/Σ_j exp(z_j), computed as exp(z − max z)/Σ exp(z − max z): the "
        "shift leaves it unchanged, the entries are positive and sum to one, and with the max "
        "shift every exponent is ≤ 0, so each exp(z_j − max z) ≤ 1 and no logit size overflows."
    ),
    sympy_statement=softmax_proof().statement,
    hypotheses=("z ∈ R^n finite, n ≥ 1",),
    depends_on=(),
)


@softmax.symbolic(
    "shift-invariance-general", description="softmax(z − c) = softmax(z) and Σ softmax = 1, symbolic n"
)
def check_shift_invariance_general(ctx):
    c = sp.Symbol("c", real=True)
    S0 = sp.Sum(sp.exp(_z[_j]), (_j, 1, _n))
    # Step: exp(z_j − c) = e^{−c} e^{z_j}; the constant e^{−c} leaves the sum (factor_sum).
    Sc = factor_sum(sp.Sum(sp.expand(sp.exp(_z[_j] - c)), (_j, 1, _n)))
    total = factor_sum(sp.Sum(sp.exp(_z[_j]) / S0, (_j, 1, _n)))
    steps = [
        ("Σ_j exp(z_j − c) = e^{−c} Σ_j exp(z_j)", is_zero(Sc - sp.exp(-c) * S0)),
        (
            "exp(z_i − c)/Σ_j exp(z_j − c) = exp(z_i)/Σ_j exp(z_j)",
            is_zero(sp.exp(_z[_i] - c) / Sc - sp.exp(_z[_i]) / S0),
        ),
        ("Σ_i softmax(z)_i = 1", is_zero(total - 1)),
        (
            "exp(x) > 0 for real x, so softmax(z)_i is a positive term over a sum of n ≥ 1 positive terms",
            sp.exp(sp.Symbol("x", real=True)).is_positive,
        ),
    ]
    return chain(
        steps,
        "softmax is invariant under a common shift (so the max shift is exact) and is a probability vector",
        scope="all n (index form, symbolic z and c)",
    )


@softmax.empirical(
    "engine-vs-mpmath",
    description="att.softmax matches a 50-digit mpmath softmax, logits up to 1e4",
    role="engine",
)
@serial_blas
def check_engine_vs_mpmath(ctx):
    rng = ctx.rng("def:softmax", "mpmath")
    mpmath.mp.dps = 50
    cases = [
        np.array([1e4, 1e4 - np.log(3.0)]),
        np.full(7, -1e4),
        np.array([1e4, -1e4, 0.0]),
        np.array([0.0]),
    ]
    reps = 40 if ctx.profile == "full" else 12
    for _r in range(reps):
        n = int(rng.integers(1, 200))
        cases.append(rng.standard_normal(n) * float(rng.choice([1.0, 100.0, 1e4])))
    ok, worst = 0, 0.0
    for z in cases:
        p = att.softmax(z)
        ez = [mpmath.exp(mpmath.mpf(float(x))) for x in z]
        tot = mpmath.fsum(ez)
        ref = np.array([float(e / tot) for e in ez])
        err = float(np.abs(p - ref).max()) if np.isfinite(p).all() else np.inf
        worst = max(worst, err)
        ok += bool(err <= RTOL and abs(p.sum() - 1.0) <= RTOL)
    est = rate(ok, len(cases), {"n": "1..199 plus fixed cases", "logit scale": "1, 100, 1e4"}, ctx.seed)
    res = CheckResult.ok if ok == len(cases) else CheckResult.fail
    return res(
        f"|softmax − mpmath| ≤ {RTOL:g} and Σ = 1 in {est}; worst error {worst:.2e}",
        scope="n < 200, logits up to ±1e4",
        estimate=est,
        details={"worst_abs_error": worst},
    )


# --------------------------------------------------------------- def:tensor-attention
tensor = REGISTRY.claim(
    "def:tensor-attention",
    paper_ref="Definition 3.6",
    sources=("paper", "AS24", "inferred"),
    statement=(
        "Att = D⁻¹ exp(Q (K1⊘K2)ᵀ·scale) (V1⊘V2) with D = diag(A 1), scale = 1/d by default "
        "[inferred, after AS24]. For one query: score(j,k) = ⟨q, K1_j ∘ K2_k⟩·scale = "
        "(K1 diag(q) K2ᵀ)_{jk}·scale and out = Σ_{j,k} P_jk (V1_j ∘ V2_k) = 1ᵀ((P V2) ∘ V1), P the "
        "softmax over all n² pairs; the engine computes this identity without the n²×d matrix. "
        "With K2 = V2 = 1 it is standard attention softmax(K1 q·scale)ᵀ V1."
    ),
    sympy_statement=tensor_attention_proof().statement,
    hypotheses=("Q ∈ R^{m×d}; K1, V1 ∈ R^{n1×d}; K2, V2 ∈ R^{n2×d}; scale > 0 (default 1/d)",),
    explicit_constants={
        "O(n²d) time per query": "4n²d + 5n² + 3nd + 2d flops (tensorkv_check.four_cache_flops)",
        "O(n² + nd) memory": "4nd stored numbers plus one row block of P (DEFAULT_BLOCK_BYTES = 4 MiB)",
    },
    depends_on=("def:kron", "def:softmax"),
)


@tensor.symbolic(
    "decode-identity-small",
    description="⟨q,a∘b⟩ = aᵀdiag(q)b and Σ P_jk V1_j∘V2_k = 1ᵀ((PV2)∘V1), symbolic entries",
)
def check_decode_identity_small(ctx):
    steps = []
    for d in range(1, 4):
        a, b, q = (_sym_matrix(s, d, 1) for s in ("a", "b", "q"))
        steps.append(
            (
                f"⟨q, a∘b⟩ = aᵀ diag(q) b, d={d}",
                sp.expand(q.dot(a.multiply_elementwise(b)) - (a.T * sp.diag(*q) * b)[0]) == 0,
            )
        )
    for n, d in itertools.product(range(1, 4), repeat=2):
        P = _sym_matrix("p", n, n)
        V1, V2 = _sym_matrix("v", n, d), _sym_matrix("w", n, d)
        lhs = sp.zeros(1, d)
        for j, k in itertools.product(range(n), repeat=2):
            lhs += P[j, k] * V1[j, :].multiply_elementwise(V2[k, :])
        rhs = sp.ones(1, n) * (P * V2).multiply_elementwise(V1)
        steps.append(
            (f"Σ_jk P_jk (V1_j∘V2_k) = 1ᵀ((P V2)∘V1), n={n}, d={d}", (lhs - rhs).expand() == sp.zeros(1, d))
        )
    # The whole definition for n, d ≤ 2: D⁻¹ A (V1⊘V2) with A = exp(q (K1⊘K2)ᵀ c) equals the
    # identity-based formula with P = exp(K1 diag(q) K2ᵀ c) / Σ, symbolic exps and scale c.
    c = sp.Symbol("c", positive=True)
    for n, d in itertools.product(range(1, 3), repeat=2):
        K1, K2, V1, V2 = (_sym_matrix(s, n, d) for s in ("k", "m", "v", "w"))
        q = _sym_matrix("q", d, 1)
        A = ((_sym_kron(K1, K2) * q) * c).applyfunc(sp.exp)
        defn = (A.T * _sym_kron(V1, V2)) / sum(A)
        E = (K1 * sp.diag(*q) * K2.T * c).applyfunc(sp.exp)
        P = E / sum(E)
        ident = sp.ones(1, n) * (P * V2).multiply_elementwise(V1)
        steps.append(
            (
                f"D⁻¹A(V1⊘V2) = 1ᵀ((PV2)∘V1) with P = softmax(K1 diag(q) K2ᵀ c), n={n}, d={d}",
                all(is_zero(e) for e in (defn - ident)),
            )
        )
    return chain(
        steps,
        "the decode identity holds entry by entry for symbolic inputs",
        scope="n, d ≤ 3 for the two identities, n, d ≤ 2 for the full definition chain; "
        "all n, d by decode-identity-general",
    )


@tensor.symbolic(
    "decode-identity-general",
    description="index form with symbolic n, d: pairs sum = iterated sum, factor V1 out of the inner sum",
)
def check_decode_identity_general(ctx):
    c = sp.Symbol("c", positive=True)
    E = sp.IndexedBase("E")  # E_jk = exp(score(j,k)); P_jk = E_jk / Z
    score_def = sp.Sum(_q[_l] * _K1[_j, _l] * _K2[_k, _l], (_l, 1, _d)) * c
    score_mat = sp.Sum(_K1[_j, _l] * _q[_l] * _K2[_k, _l], (_l, 1, _d)) * c
    Z = sp.Sum(sp.Sum(E[_j, _k], (_k, 1, _n)), (_j, 1, _n))
    # Definition: out_l = Σ_{r=1}^{n²} A_r (V1⊘V2)_{r,l} / Σ_r A_r. By def:kron's row-major
    # bijection r ↔ (j, k) the sum over rows is the iterated sum over j, then k.
    inner_def = sp.Sum(E[_j, _k] * _V1[_j, _l] * _V2[_k, _l], (_k, 1, _n))
    inner_ident = _V1[_j, _l] * sp.Sum(E[_j, _k] * _V2[_k, _l], (_k, 1, _n))
    num_ident = sp.Sum(inner_ident, (_j, 1, _n))
    out_ident = sp.Sum(_V1[_j, _l] * sp.Sum(E[_j, _k] / Z * _V2[_k, _l], (_k, 1, _n)), (_j, 1, _n))
    steps = [
        ("score(j,k) = c⟨q, K1_j∘K2_k⟩ = c (K1 diag(q) K2ᵀ)_jk", is_zero(score_def - score_mat)),
        (
            "inner sum, any j: Σ_k E_jk V1_jl V2_kl = V1_jl Σ_k E_jk V2_kl (V1_jl does not depend on k)",
            is_zero(factor_sum(inner_def) - inner_ident),
        ),
        (
            "outer sum: Σ_j of the equal inner sums, so the numerator is Σ_j V1_jl (E V2)_jl",
            is_zero(sp.Sum(factor_sum(inner_def), (_j, 1, _n)) - num_ident),
        ),
        (
            "normalisation: 1ᵀ((P V2)∘V1)_l with P = E/Z equals numerator / Z (1/Z leaves both sums)",
            is_zero(factor_sum(out_ident) - num_ident / Z),
        ),
    ]
    return chain(
        steps,
        "for all n, d: Definition 3.6's output equals 1ᵀ((P V2) ∘ V1)",
        scope="all n, d (index form with sympy Sum/Indexed; the pair sum is the iterated "
        "sum by def:kron's row-major bijection, checked in def:kron::row-order-general)",
    )


@tensor.symbolic(
    "collapse-general", description="K2 = V2 = 1: tensor attention = standard attention for all n"
)
def check_collapse_general(ctx):
    c = sp.Symbol("c", positive=True)
    s = c * sp.Sum(_q[_l] * _K1[_j, _l] * 1, (_l, 1, _d))  # score(j, k) with K2_k = 1: no k in it
    num = sp.Sum(sp.Sum(sp.exp(s) * _V1[_j, _l] * 1, (_k, 1, _n)), (_j, 1, _n)).doit()
    den = sp.Sum(sp.Sum(sp.exp(s), (_k, 1, _n)), (_j, 1, _n)).doit()
    std_num = sp.Sum(sp.exp(s) * _V1[_j, _l], (_j, 1, _n))
    std_den = sp.Sum(sp.exp(s), (_j, 1, _n))
    steps = [
        ("Σ_k over a k-free summand is n × summand (numerator)", is_zero(factor_sum(num) - _n * std_num)),
        ("Σ_k over a k-free summand is n × summand (denominator)", is_zero(factor_sum(den) - _n * std_den)),
        (
            "the factor n cancels: tensor out_l = standard out_l",
            is_zero(factor_sum(num) / factor_sum(den) - std_num / std_den),
        ),
    ]
    return chain(
        steps,
        "with K2 = V2 = 1 every key j appears n times with score c⟨q, K1_j⟩; n cancels",
        scope="all n, d (index form)",
    )


def _rand_case(rng, n1, n2, d, m, q_scale=3.0):
    K1, V1 = rng.standard_normal((n1, d)), rng.standard_normal((n1, d))
    K2, V2 = rng.standard_normal((n2, d)), rng.standard_normal((n2, d))
    Q = rng.standard_normal((m, d)) * q_scale
    return Q, K1, K2, V1, V2


def _decoder_outputs(Q, K1, K2, V1, V2, scale):
    """All three decoders fed the same n tokens (n1 = n2 = n), through the caches module."""
    d = K1.shape[1]
    four, naive, two = (
        caches.FourCacheDecoder(d, scale),
        caches.NaiveFourCacheDecoder(d, scale),
        caches.TwoCacheDecoder(d, scale),
    )
    for t in range(K1.shape[0]):
        for dec in (four, naive, two):
            dec.append(K1[t], K2[t], V1[t], V2[t])
    return {
        "FourCacheDecoder": four.query(Q),
        "NaiveFourCacheDecoder": naive.query(Q),
        "TwoCacheDecoder": two.query(Q),
    }


@tensor.empirical(
    "engine-vs-einsum",
    description="engine tensor_attention, naive and the three decoders equal a literal einsum to 1e-12",
    role="engine",
)
@serial_blas
def check_engine_vs_einsum(ctx):
    rng = ctx.rng("def:tensor-attention", "einsum")
    trials = 150 if ctx.profile == "full" else 40
    ok, worst, first_bad = 0, 0.0, None
    for t in range(trials):
        n1, n2 = (int(x) for x in rng.integers(1, 9, size=2))
        d, m = int(rng.integers(1, 9)), int(rng.choice([1, 3]))
        scale = [None, 0.3, 2.0][t % 3]
        Q, K1, K2, V1, V2 = _rand_case(rng, n1, n2, d, m)
        c = 1.0 / d if scale is None else scale
        ref = ref_tensor_attention(Q, K1, K2, V1, V2, c)
        outs = {
            "tensor_attention": att.tensor_attention(Q, K1, K2, V1, V2, scale),
            # one row of P per block: exercises the running-max rescaling of the streaming softmax
            "tensor_attention(block=1 row)": att.tensor_attention(
                Q, K1, K2, V1, V2, scale, block_bytes=8 * n2
            ),
            "naive_tensor_attention": att.naive_tensor_attention(Q, K1, K2, V1, V2, scale),
        }
        nd = min(n1, n2)
        ref_dec = ref_tensor_attention(Q, K1[:nd], K2[:nd], V1[:nd], V2[:nd], c)
        dec = _decoder_outputs(Q, K1[:nd], K2[:nd], V1[:nd], V2[:nd], scale)
        vs, vs_dec = value_scale(V1, V2), value_scale(V1[:nd], V2[:nd])
        errs = {k: float(np.abs(np.atleast_2d(v) - ref).max()) / vs for k, v in outs.items()}
        errs |= {k: float(np.abs(np.atleast_2d(v) - ref_dec).max()) / vs_dec for k, v in dec.items()}
        e = max(errs.values())
        worst = max(worst, e)
        if e <= RTOL:
            ok += 1
        elif first_bad is None:
            first_bad = {
                "trial": t,
                "n1": n1,
                "n2": n2,
                "d": d,
                "m": m,
                "scale": scale,
                "errors": {k: v for k, v in errs.items() if v > RTOL},
            }
    est = rate(ok, trials, {"n1, n2": "1..8", "d": "1..8", "m": "1 or 3", "scale": "1/d, 0.3, 2"}, ctx.seed)
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"all engine paths within {RTOL:g}·max|V1⊘V2| of the einsum reference in {est}; worst {worst:.1e}",
        scope="n1, n2, d ≤ 8, random N(0,1) inputs, q·3",
        estimate=est,
        details={"worst_relative_error": worst, "first_failure": first_bad},
    )


@tensor.empirical(
    "huge-logits",
    description="logits of size 1e4 give finite outputs equal to the winning pair's V1_j∘V2_k",
    role="engine",
)
@serial_blas
def check_huge_logits(ctx):
    rng = ctx.rng("def:tensor-attention", "huge")
    trials = 60 if ctx.profile == "full" else 20
    ok, skipped, first_bad = 0, 0, None
    for t in range(trials):
        n, d = int(rng.integers(2, 7)), int(rng.integers(1, 6))
        Q, K1, K2, V1, V2 = _rand_case(rng, n, n, d, 1)
        S = K1 @ np.diag(Q[0]) @ K2.T / d
        Q = Q * (1e4 / np.abs(S).max())
        S = S * (1e4 / np.abs(S).max())
        srt = np.sort(S.ravel())
        if srt[-1] - srt[-2] < 50:  # the limit is only the argmax row when the gap kills the rest
            skipped += 1
            continue
        jw, kw = np.unravel_index(np.argmax(S), S.shape)
        expect = V1[jw] * V2[kw]
        c = 1.0 / d
        outs = {
            "tensor_attention": att.tensor_attention(Q, K1, K2, V1, V2, c),
            "naive_tensor_attention": att.naive_tensor_attention(Q, K1, K2, V1, V2, c),
            **_decoder_outputs(Q, K1, K2, V1, V2, c),
        }
        if t % 2:
            # Shift every logit by −2e4 through an extra all-ones coordinate (|logits| up to 3e4,
            # all very negative): the max shift of Definition 3.2 must make this harmless.
            one = np.ones((n, 1))
            Qc = np.hstack([Q, [[-2e4 * d]]])
            shifted = att.tensor_attention(
                Qc, np.hstack([K1, one]), np.hstack([K2, one]), np.hstack([V1, one]), np.hstack([V2, one]), c
            )
            outs["tensor_attention(logits shifted by −2e4)"] = shifted[..., :d]
        vs = value_scale(V1, V2)
        errs = {
            k: float(np.abs(np.atleast_2d(v)[0] - expect).max()) / vs if np.isfinite(v).all() else np.inf
            for k, v in outs.items()
        }
        if max(errs.values()) <= RTOL:
            ok += 1
        elif first_bad is None:
            first_bad = {"trial": t, "n": n, "d": d, "errors": errs}
    runs = trials - skipped
    est = rate(ok, runs, {"n": "2..6", "d": "1..5", "max |logit|": 1e4, "gap": "≥ 50"}, ctx.seed)
    res = CheckResult.ok if ok == runs and runs > 0 else CheckResult.fail
    return res(
        f"finite and equal to the argmax pair's V1_j∘V2_k (to {RTOL:g}) in {est}",
        scope="n ≤ 6, d ≤ 5, |logits| up to 1e4 (and −3e4 after a shift), top-2 gap ≥ 50",
        estimate=est,
        details={"skipped_small_gap": skipped, "first_failure": first_bad},
    )


@tensor.empirical(
    "collapse-engine",
    description="K2 = V2 = 1: engine tensor attention and FourCacheDecoder equal att.attention",
    role="engine",
)
@serial_blas
def check_collapse_engine(ctx):
    rng = ctx.rng("def:tensor-attention", "collapse")
    trials = 100 if ctx.profile == "full" else 30
    ok, worst = 0, 0.0
    for _t in range(trials):
        n, d = int(rng.integers(1, 12)), int(rng.integers(1, 9))
        K1, V1 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
        ones = np.ones((n, d))
        Q = rng.standard_normal((2, d)) * float(rng.choice([1.0, 10.0, 1e3]))
        std = att.attention(Q, K1, V1)
        four = caches.FourCacheDecoder(d)
        four.append(K1, ones, V1, ones)
        outs = [att.tensor_attention(Q, K1, ones, V1, ones), four.query(Q)]
        e = max(float(np.abs(o - std).max()) for o in outs) / float(np.abs(V1).max())
        worst = max(worst, e)
        ok += e <= RTOL
    est = rate(ok, trials, {"n": "1..11", "d": "1..8", "query scale": "1, 10, 1e3"}, ctx.seed)
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"tensor attention with K2 = V2 = 1 equals standard attention in {est}; worst {worst:.1e}",
        scope="n ≤ 11, d ≤ 8",
        estimate=est,
        details={"worst_relative_error": worst},
    )


@tensor.empirical(
    "row-order-invariance",
    description="permuting the rows of K1⊘K2 and V1⊘V2 together leaves the output unchanged",
)
@serial_blas
def check_row_order_invariance(ctx):
    rng = ctx.rng("def:tensor-attention", "row-order")
    trials = 100 if ctx.profile == "full" else 30
    ok, worst, min_control = 0, 0.0, np.inf
    for _t in range(trials):
        n, d = int(rng.integers(2, 8)), int(rng.integers(2, 7))
        Q, K1, K2, V1, V2 = _rand_case(rng, n, n, d, 1)
        Kt, Vt = att.kron(K1, K2), att.kron(V1, V2)
        pi, rho = rng.permutation(n * n), rng.permutation(n * n)
        base = att.attention(Q, Kt, Vt)
        same = att.attention(Q, Kt[pi], Vt[pi])
        # Negative control: keys and values in different orders must change the output,
        # otherwise this check could not detect a key/value order mismatch.
        control = (
            float(np.abs(att.attention(Q, Kt[pi], Vt[rho]) - base).max())
            if not np.array_equal(pi, rho)
            else np.inf
        )
        vs = value_scale(V1, V2)
        e = float(np.abs(same - base).max()) / vs
        worst, min_control = max(worst, e), min(min_control, control / vs)
        ok += e <= RTOL and control / vs > 1e-6
    est = rate(ok, trials, {"n": "2..7", "d": "2..6"}, ctx.seed)
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"shared permutation: output unchanged (worst {worst:.1e}); mismatched orders change it "
        f"(smallest change {min_control:.1e}) in {est}",
        scope="n ≤ 7, d ≤ 6",
        estimate=est,
        details={"worst_relative_error": worst, "smallest_control_change": min_control},
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


_LOGIT_KINDS = ("spread", "offset", "ties", "subnormal", "gap", "single")


def _logits(kind: str, n: int, seed: int, size: float) -> np.ndarray:
    g = np.random.default_rng(seed)
    if kind == "spread":
        return g.uniform(-abs(size), abs(size), n)
    if kind == "offset":  # a huge common offset plus O(1) differences
        return size + g.standard_normal(n)
    if kind == "ties":
        return np.full(n, size) - (g.random(n) < 0.5) * g.integers(0, 3, n)
    if kind == "subnormal":
        return g.integers(-4, 5, n) * TINY
    if kind == "gap":  # one winner, the rest far below
        z = np.full(n, -size)
        z[g.integers(0, n)] = size
        return z
    return np.array([size] * n)


def _space_softmax(st):
    return st.fixed_dictionaries(
        {
            "z": st.builds(
                _logits,
                st.sampled_from(_LOGIT_KINDS),
                st.integers(1, 40),
                seeds(st),
                st.sampled_from([0.0, 1.0, 1e2, 1e4, 1e5, 1e6, -1e6]),
            )
        }
    )


@REGISTRY.explorer(
    "def:softmax",
    "probability-vector",
    weight=3,
    region="inside",
    space=_space_softmax,
    ranges="n = 1..40 logits of size 0, 1, 1e2, 1e4–1e6 (spread, offset, ties, one winner, subnormal)",
    snippet=lambda ex: "p = tk.softmax(z); print(p, p.sum())",
)
def explore_probability_vector(ex):
    """softmax(z) is finite, in [0, 1], sums to 1 and matches a 50-digit mpmath softmax to 1e-12."""
    import mpmath

    z = np.asarray(ex["z"], dtype=np.float64)
    p = att.softmax(z)
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        return f"softmax of {short_repr(z)} is not a probability vector: {short_repr(p)}"
    with mpmath.workdps(50):
        zmax = max(mpmath.mpf(float(x)) for x in z)
        e = [mpmath.exp(mpmath.mpf(float(x)) - zmax) for x in z]
        tot = mpmath.fsum(e)
        ref = np.array([float(v / tot) for v in e])
    err = float(np.abs(p - ref).max())
    # exp(z_i − max) has relative error ≤ 2u(1 + |z_i − max|) and p_i e^{...}·|z_i − max| ≤ 1/e:
    # absolute error ≤ (n + 3)u per entry, far below 1e-12 for n ≤ 40.
    if err > 1e-12 or abs(float(p.sum()) - 1.0) > 1e-12:
        return f"|softmax − mpmath| = {err:.3e}, Σ = {float(p.sum())!r} for z = {short_repr(z)}"
    return None


def _space_softmax_nonfinite(st):
    return st.fixed_dictionaries(
        {
            "z": st.builds(
                lambda n, i, v: np.where(np.arange(n) == i % n, v, 0.0),
                st.integers(1, 8),
                st.integers(0, 7),
                st.sampled_from([math.inf, -math.inf, math.nan]),
            )
        }
    )


@REGISTRY.explorer(
    "def:softmax",
    "non-finite-logits",
    region="outside",
    space=_space_softmax_nonfinite,
    hypothesis="z ∈ R^n finite",
    ranges="n ≤ 8 logits, one of them +inf, −inf or NaN",
)
def explore_non_finite_logits(ex):
    """With a non-finite logit there is no probability vector (the engine refuses it)."""
    z = np.asarray(ex["z"], dtype=np.float64)
    try:
        p = att.softmax(z)
    except ValueError as exc:
        return f"no probability vector for z = {short_repr(z)}: the engine raises ValueError ({exc})"
    if not np.isfinite(p).all() or abs(float(p.sum()) - 1.0) > 1e-12:
        return f"softmax({short_repr(z)}) = {short_repr(p)} is not a probability vector"
    return None


def _tensor_case(ex, *, nonpositive=False):
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


def _space_tensor(st, scale_strategy=None):
    return st.fixed_dictionaries(
        {
            "n1": st.integers(1, 7),
            "n2": st.integers(1, 7),
            "d": st.integers(1, 5),
            "m": st.integers(1, 2),
            "k_kind": st.sampled_from(KINDS),
            "k_kind2": st.sampled_from(KINDS),
            "v_kind": st.sampled_from(KINDS),
            "v_kind2": st.sampled_from(KINDS),
            "logit": st.sampled_from([None, 1e4, 1e5, 1e6]),
            "scale": scale_strategy
            if scale_strategy is not None
            else st.one_of(st.none(), finite_floats(st, 1e-3, 10.0)),
            "seed": seeds(st),
        }
    )


@REGISTRY.explorer(
    "def:tensor-attention",
    "engine-edge-cases",
    region="inside",
    space=_space_tensor,
    weight=2.0,
    ranges=f"n1, n2 ≤ 7 (n = 1 included), d ≤ 5, 1–2 queries, logits up to 1e4–1e6, scale 1/d or "
    f"[1e-3, 10], {ADV} (keys up to 1e60, values up to 1e150, subnormal)",
    snippet=lambda ex: "out = tk.tensor_attention(Q, K1, K2, V1, V2, scale)  # rebuilt by run_case",
)
def explore_engine_edge_cases(ex):
    """Engine tensor_attention equals the literal triple sum within the float64 forward-error bound."""
    Q, K1, K2, V1, V2, scale = _tensor_case(ex)
    try:
        out = att.tensor_attention(Q, K1, K2, V1, V2, scale)
    except Exception as exc:
        with np.errstate(all="ignore"):
            logits = np.einsum("ml,jl,kl->mjk", Q * scale, K1, K2)
        if isinstance(exc, ValueError) and not np.isfinite(logits).all():
            return None  # documented: logits that overflow float64 are refused
        return f"engine raised on finite input: {type(exc).__name__}: {exc}"
    ref = ref_tensor_attention(Q, K1, K2, V1, V2, scale)
    if not np.isfinite(out).all():
        return f"engine output not finite: {short_repr(out)}"
    err = float(np.abs(out - ref).max())
    tol = attention_tol(Q, K1, K2, V1, V2, scale)
    if err > tol:
        return f"|engine − definition| = {err:.3e} > forward-error bound {tol:.3e}"
    return None


@REGISTRY.explorer(
    "def:tensor-attention",
    "non-positive-scale",
    region="outside",
    weight=0.5,
    space=lambda st: _space_tensor(st, finite_floats(st, -10.0, 0.0)),
    hypothesis="scale > 0 (default 1/d)",
    ranges="as engine-edge-cases with scale in [−10, 0]",
)
def explore_non_positive_scale(ex):
    """For scale ≤ 0 the engine still returns the literal definition's value?"""
    Q, K1, K2, V1, V2, scale = _tensor_case(ex)
    try:
        out = att.tensor_attention(Q, K1, K2, V1, V2, scale)
    except ValueError as exc:
        return f"scale = {scale!r}: the engine refuses (ValueError: {exc})"
    ref = ref_tensor_attention(Q, K1, K2, V1, V2, scale)
    if float(np.abs(out - ref).max()) > attention_tol(Q, K1, K2, V1, V2, scale):
        return f"scale = {scale!r}: engine differs from the definition"
    return None
