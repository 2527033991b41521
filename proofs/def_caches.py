"""Claims for the decoders' caches: Definitions 3.7 and 3.8 (def:four-cache, def:two-cache),
with their checks and explorers.

Chen, Li, Liang, Shi, Song, Tian, "Time and Memory Trade-off of KV-Cache Compression in
Tensor Transformer Decoding" (arXiv 2503.11108, 2025).

The memory counts and the append recurrences are proved for every i, d in
:mod:`proofs._proof_definitions` (each claim's ``sympy_statement`` is that proof's statement);
the checks here count the cells symbolically and stream tokens into the engine's decoders,
comparing memory and output with the definition after every append.

Every engine call goes through the module (``caches.FourCacheDecoder``) so that monkeypatched
mutants are what the checks see.
"""

from __future__ import annotations

import importlib

import numpy as np
import sympy as sp

from proofs._attention_common import rand_case as _rand_case
from proofs._attention_common import tensor_case as _tensor_case
from proofs._common import chain, is_zero, rate, ref_tensor_attention, serial_blas, value_scale
from proofs._explore_common import (
    ADV,
    KINDS,
    attention_tol,
    seeds,
)
from proofs._proof_definitions import four_cache_proof, two_cache_proof
from tensorkv_check.claims.registry import REGISTRY, CheckResult

# Through the module, so that monkeypatched mutants are what the checks see.
caches = importlib.import_module("tensorkv_check.engine.caches")

# i = 1 + s with s >= 0 (the append-work bound for i >= 1)
_s0 = sp.Symbol("s", integer=True, nonnegative=True)

#: Relative tolerance of engine-vs-reference comparisons (relative to value_scale).
RTOL = 1e-12


# ------------------------------------------------------------------------ def:four-cache
def _streaming_check(ctx, key, make, memory_numbers, extra=None):
    """Feed tokens one by one; after each append compare memory and output with the definition."""
    rng = ctx.rng(key, "streaming")
    trials = ctx.size(12, full=40, smoke=3)
    ok, first_bad = 0, None
    for t in range(trials):
        n, d = int(rng.integers(1, 11)), int(rng.integers(1, 7))
        Q, K1, K2, V1, V2 = _rand_case(rng, n, n, d, 2)
        dec = make(d)
        good = True
        for i in range(1, n + 1):
            dec.append(K1[i - 1], K2[i - 1], V1[i - 1], V2[i - 1])
            ref = ref_tensor_attention(Q, K1[:i], K2[:i], V1[:i], V2[:i], 1.0 / d)
            err = float(np.abs(dec.query(Q) - ref).max()) / value_scale(V1[:i], V2[:i])
            mem_ok = dec.memory_bytes == 8 * memory_numbers(i, d)
            more = extra(dec, i, K1, K2, V1, V2) if extra else {}
            if err > RTOL or not mem_ok or not all(more.values()):
                good = False
                if first_bad is None:
                    first_bad = {
                        "trial": t,
                        "n": n,
                        "d": d,
                        "after_tokens": i,
                        "relative_error": err,
                        "memory_bytes": dec.memory_bytes,
                        "expected_bytes": 8 * memory_numbers(i, d),
                        **{k: bool(v) for k, v in more.items()},
                    }
                break
        ok += good
    return ok, trials, first_bad


four = REGISTRY.claim(
    "def:four-cache",
    paper_ref="Definition 3.7",
    sources=("paper",),
    statement=(
        "After i tokens the four-cache decoder stores K1, K2, V1, V2 restricted to the first i "
        "tokens: 4·i·d numbers, memory O(id); each step answers tensor attention over all i tokens."
    ),
    sympy_statement=four_cache_proof().statement,
    hypotheses=("i ≥ 1 tokens of width d ≥ 1",),
    explicit_constants={"O(id) memory": "4·i·d float64 numbers = 32·i·d bytes (memory_bytes)"},
    depends_on=("def:tensor-attention",),
)


@four.symbolic(
    "memory-count", description="4 caches × i rows × d columns = 4id numbers, growing by 4d per token"
)
def check_four_cache_memory_count(ctx):
    i, d, t = sp.symbols("i d t", integer=True, positive=True)
    stored = sum(i * d for _cache in ("K1", "K2", "V1", "V2"))  # each cache is an i×d matrix
    steps = [
        ("4 caches of shape i×d hold 4id numbers", is_zero(stored - 4 * i * d)),
        (
            "appending token t adds one row of width d to each cache: Σ_{t=1}^{i} 4d = 4id",
            is_zero(sp.Sum(4 * d, (t, 1, i)).doit() - 4 * i * d),
        ),
        ("bytes in float64: 8·4id = 32id", is_zero(8 * stored - 32 * i * d)),
    ]
    return chain(steps, "the four caches hold 4·i·d numbers (32·i·d bytes)", scope="all i, d")


@four.empirical(
    "streaming-decoders",
    description="after each append: memory 4id·8 bytes and output = reference over all tokens so far",
)
@serial_blas
def check_streaming_decoders(ctx):
    found = {}
    for name in ("FourCacheDecoder", "NaiveFourCacheDecoder"):
        found[name] = _streaming_check(
            ctx, f"def:four-cache:{name}", lambda d, nm=name: getattr(caches, nm)(d), lambda i, d: 4 * i * d
        )
    ok = sum(v[0] for v in found.values())
    trials = sum(v[1] for v in found.values())
    est = rate(ok, trials, {"n": "1..10 tokens", "d": "1..6", "decoders": list(found)}, ctx.seed)
    bad = {k: v[2] for k, v in found.items() if v[2]}
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"FourCache and NaiveFourCache match the definition after every append in {est}",
        scope="n ≤ 10 tokens, d ≤ 6, 2 queries per step",
        estimate=est,
        details={"failures": bad},
    )


# ------------------------------------------------------------------------- def:two-cache
two = REGISTRY.claim(
    "def:two-cache",
    paper_ref="Definition 3.8",
    sources=("paper", "inferred"),
    statement=(
        "After i tokens the two-cache decoder stores K̃_i = K1_{≤i} ⊘ K2_{≤i} and "
        "Ṽ_i = V1_{≤i} ⊘ V2_{≤i}: 2·i²·d numbers, memory O(i²d). Going from i to i+1 appends 2i+1 rows "
        "to each [inferred], O(id) work; a step is softmax(K̃ q·scale)ᵀ Ṽ over i² rows."
    ),
    sympy_statement=two_cache_proof().statement,
    hypotheses=("i ≥ 1 tokens of width d ≥ 1",),
    explicit_constants={
        "O(i²d) memory": "2·i²·d float64 numbers = 16·i²·d bytes (memory_bytes)",
        "O(id) append": "2·(2i+1)·d multiplications for the 2i+1 new rows of K̃ and Ṽ",
    },
    depends_on=("def:tensor-attention", "def:kron"),
    caveats=(
        "To extend the products the decoder must also keep the factor rows (4·i·d numbers, "
        "TwoCacheDecoder.factor_bytes) [inferred]; Definition 3.8 counts only the products.",
    ),
)


@two.symbolic("memory-count", description="2·i²·d numbers; (i+1)² − i² = 2i+1 new rows; Σ(2t+1) = i²")
def check_two_cache_memory_count(ctx):
    i, d, t = sp.symbols("i d t", integer=True, positive=True)
    rows = i * i  # def:kron: A⊘B has n1·n2 rows, here n1 = n2 = i
    steps = [
        ("K̃ and Ṽ have i·i rows of width d: 2i²d numbers", is_zero(2 * rows * d - 2 * i**2 * d)),
        (
            "token i+1 adds (i+1)² − i² = 2i+1 rows to each product",
            is_zero((i + 1) ** 2 - i**2 - (2 * i + 1)),
        ),
        (
            "the appends add up: Σ_{t=0}^{i−1} (2t+1) = i²",
            is_zero(sp.Sum(2 * t + 1, (t, 0, i - 1)).doit() - i**2),
        ),
        # 6id − 2(2i+1)d = 2d(i − 1); with i = 1 + s, s ≥ 0, it is 2ds ≥ 0.
        (
            "append work 2(2i+1)d ≤ 6id for i ≥ 1, so O(id)",
            sp.expand((6 * i * d - 2 * (2 * i + 1) * d).subs(i, 1 + _s0)).is_nonnegative,
        ),
    ]
    return chain(steps, "the two caches hold 2·i²·d numbers, built by appends of 2i+1 rows", scope="all i, d")


def _two_cache_order(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The documented append order of TwoCacheDecoder: (t, k≤t) then (j<t, t) per token t."""
    J = np.concatenate([np.r_[np.full(t + 1, t), np.arange(t)] for t in range(n)])
    K = np.concatenate([np.r_[np.arange(t + 1), np.full(t, t)] for t in range(n)])
    return J, K


def _two_cache_extra(dec, i, K1, K2, V1, V2):
    J, K = _two_cache_order(i)
    Kt, Vt = dec.products()
    return {
        "n_rows == i²": dec.n_rows == i * i,
        "rows are K1_j∘K2_k, V1_j∘V2_k (documented order)": np.array_equal(Kt, K1[J] * K2[K])
        and np.array_equal(Vt, V1[J] * V2[K]),
    }


@two.empirical(
    "streaming-decoder",
    description="after each append: memory 2i²d·8 bytes, rows = the Kronecker rows, output = reference",
)
@serial_blas
def check_streaming_decoder(ctx):
    ok, trials, bad = _streaming_check(
        ctx,
        "def:two-cache",
        lambda d: caches.TwoCacheDecoder(d),
        lambda i, d: 2 * i * i * d,
        _two_cache_extra,
    )
    est = rate(ok, trials, {"n": "1..10 tokens", "d": "1..6"}, ctx.seed)
    res = CheckResult.ok if ok == trials else CheckResult.fail
    return res(
        f"TwoCacheDecoder matches the definition after every append in {est}",
        scope="n ≤ 10 tokens, d ≤ 6, 2 queries per step",
        estimate=est,
        details={"first_failure": bad},
    )


# ====================================================================== explorers
# Counterexample searches against the claims above (run by tensorkv_check.claims.exploration;
# shared helpers in proofs._explore_common).


def _space_stream(st):
    return st.fixed_dictionaries(
        {
            "n": st.integers(1, 8),
            "d": st.integers(1, 5),
            "k_kind": st.sampled_from(KINDS),
            "v_kind": st.sampled_from(KINDS),
            "logit": st.sampled_from([None, 1e4, 1e6]),
            "seed": seeds(st),
        }
    )


def _stream_check(ex, make, numbers):
    n, d = ex["n"], ex["d"]
    case = {
        "n1": n,
        "n2": n,
        "d": d,
        "m": 2,
        "k_kind": ex["k_kind"],
        "k_kind2": ex["k_kind"],
        "v_kind": ex["v_kind"],
        "v_kind2": ex["v_kind"],
        "logit": ex["logit"],
        "scale": None,
        "seed": ex["seed"],
    }
    Q, K1, K2, V1, V2, scale = _tensor_case(case)
    dec = make(d)
    try:  # valid input: any exception of the decoder is a failure of the claim, not of this property
        for i in range(n):  # tokens arrive one at a time (n ≤ 8)
            dec.append(K1[i], K2[i], V1[i], V2[i])
            if dec.memory_bytes != 8 * numbers(i + 1, d):
                return (
                    f"after {i + 1} tokens memory_bytes = {dec.memory_bytes}, expected "
                    f"{8 * numbers(i + 1, d)}"
                )
        out = dec.query(Q)
    except Exception as exc:
        return f"the decoder raised on valid input (n = {n}, d = {d}): {type(exc).__name__}: {exc}"
    ref = ref_tensor_attention(Q, K1, K2, V1, V2, scale)
    err = float(np.abs(out - ref).max())
    tol = attention_tol(Q, K1, K2, V1, V2, scale)
    if err > tol:
        return f"|decoder − definition| = {err:.3e} > forward-error bound {tol:.3e} after {n} tokens"
    return None


@REGISTRY.explorer(
    "def:four-cache",
    "streaming-memory-and-output",
    region="inside",
    space=_space_stream,
    ranges=f"n ≤ 8 tokens, d ≤ 5, logits up to 1e6, {ADV}",
)
def explore_four_cache_streaming_memory_and_output(ex):
    """FourCacheDecoder holds 4·i·d numbers after i tokens and answers Definition 3.6."""
    return _stream_check(ex, lambda d: caches.FourCacheDecoder(d), lambda i, d: 4 * i * d)


@REGISTRY.explorer(
    "def:two-cache",
    "streaming-memory-and-output",
    region="inside",
    space=_space_stream,
    ranges=f"n ≤ 8 tokens, d ≤ 5, logits up to 1e6, {ADV}",
)
def explore_two_cache_streaming_memory_and_output(ex):
    """TwoCacheDecoder holds 2·i²·d numbers after i tokens and answers Definition 3.6."""
    return _stream_check(ex, lambda d: caches.TwoCacheDecoder(d), lambda i, d: 2 * i * i * d)
