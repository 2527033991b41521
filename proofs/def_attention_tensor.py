"""Claims for tensor attention: Definition 3.6 (def:tensor-attention), with its checks and
explorers.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

A definition cannot be false, but three things about it can be checked: the properties its
statement gives it (proved for every size in :mod:`proofs._proof_definitions`; the claim's
``sympy_statement`` is that proof's statement), the identity the project relies on (the
decode identity that the engine uses instead of the n²×d matrix) and the engine's
implementation of it. The symbolic checks decide the identities (at small symbolic sizes
and in index form for all n, d); the empirical checks compare the engine and the three
decoders with a literal einsum triple sum (:func:`proofs._common.ref_tensor_attention`) on
seeded random inputs.

Every engine call goes through the module (``att.tensor_attention``,
``caches.FourCacheDecoder``) so that monkeypatched mutants are what the checks see.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import sympy as sp
from sympy.simplify.simplify import factor_sum

from proofs._attention_common import RTOL, rand_case, sym_kron, sym_matrix, tensor_case
from proofs._common import chain, is_zero, rate, ref_tensor_attention, serial_blas, value_scale
from proofs._explore_common import (
    ADV,
    KINDS,
    attention_tol,
    finite_floats,
    seeds,
    short_repr,
)
from proofs._proof_definitions import tensor_attention_proof
from tensorkv_check.claims.registry import REGISTRY, CheckResult

# ``import tensorkv_check.engine.exact_attention as att`` would bind the *function* ``attention`` that
# tensorkv_check/__init__.py re-exports under the same name; take the modules themselves.
att = importlib.import_module("tensorkv_check.engine.exact_attention")
caches = importlib.import_module("tensorkv_check.engine.caches")

# Symbols of the index-form (general n, d) arguments.
_n, _d = sp.symbols("n d", integer=True, positive=True)
_j, _k, _l = sp.symbols("j k l", integer=True, positive=True)
_V1, _V2, _K1, _K2, _q = (sp.IndexedBase(s) for s in ("V1", "V2", "K1", "K2", "q"))


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
        a, b, q = (sym_matrix(s, d, 1) for s in ("a", "b", "q"))
        steps.append(
            (
                f"⟨q, a∘b⟩ = aᵀ diag(q) b, d={d}",
                sp.expand(q.dot(a.multiply_elementwise(b)) - (a.T * sp.diag(*q) * b)[0]) == 0,
            )
        )
    for n, d in itertools.product(range(1, 4), repeat=2):
        P = sym_matrix("p", n, n)
        V1, V2 = sym_matrix("v", n, d), sym_matrix("w", n, d)
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
        K1, K2, V1, V2 = (sym_matrix(s, n, d) for s in ("k", "m", "v", "w"))
        q = sym_matrix("q", d, 1)
        A = ((sym_kron(K1, K2) * q) * c).applyfunc(sp.exp)
        defn = (A.T * sym_kron(V1, V2)) / sum(A)
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
        Q, K1, K2, V1, V2 = rand_case(rng, n1, n2, d, m)
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
        Q, K1, K2, V1, V2 = rand_case(rng, n, n, d, 1)
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
        Q, K1, K2, V1, V2 = rand_case(rng, n, n, d, 1)
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
    Q, K1, K2, V1, V2, scale = tensor_case(ex)
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
    Q, K1, K2, V1, V2, scale = tensor_case(ex)
    try:
        out = att.tensor_attention(Q, K1, K2, V1, V2, scale)
    except ValueError as exc:
        return f"scale = {scale!r}: the engine refuses (ValueError: {exc})"
    ref = ref_tensor_attention(Q, K1, K2, V1, V2, scale)
    if float(np.abs(out - ref).max()) > attention_tol(Q, K1, K2, V1, V2, scale):
        return f"scale = {scale!r}: engine differs from the definition"
    return None
