"""Tests of :mod:`tensorkv_check.engine.exact_attention`: the exact attention engine.

Paper items (arXiv 2503.11108; spec /work/shared/spec/paper-math.md):

* def:kron (Def 3.1): the column-wise Kronecker product and this project's row order
  ``(j-1)*n2 + k`` (0-based ``j*n2 + k``);
* def:softmax (Def 3.2): the stable form ``exp(z - max z) / sum``, exact on huge logits;
* def:tensor-attention (Def 3.6): ``tensor_attention`` (decode identity
  ``1^T((P V2) ∘ V1)``, streamed over row blocks of ``P`` with a running maximum) agrees
  with ``naive_tensor_attention`` (materialises ``K1⊘K2``) and with an independent
  einsum over all ``(j, k)`` pairs to rtol 1e-12; the row-block split does not change
  the result, including when the largest logit lies in a later block (rescale path);
* thm:four-cache-lb's reduction: ``K2 = V2 = 1`` collapses tensor attention to standard
  attention on ``(K1, V1)``;
* def:kron's remark: attention over ``(K1⊘K2, V1⊘V2)`` does not depend on the row order
  as long as keys and values share it (and does when they don't).

Input validation of these functions is tested in ``test_validation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tensorkv_check import attention, kron, naive_tensor_attention, softmax, tensor_attention
from tensorkv_check.engine.exact_attention import DEFAULT_BLOCK_BYTES

# Modest example counts and no deadline: the whole module must run in a few seconds on
# two cores, and the n=50 cases take milliseconds each, which a deadline would flag.
FAST = settings(max_examples=40, deadline=None)

SEEDS = st.integers(0, 2**32 - 1)
# n = 1 and 2 are the edge cases; odd sizes catch off-by-one row-block splits; 50 gives
# 2500 pairs, the largest that keeps the naive reference cheap.
NS = st.sampled_from([1, 2, 3, 5, 7, 50])
DS = st.integers(1, 16)
SCALES = st.sampled_from([None, 0.1, 3.0])
# Bounded entries keep |logit| <= 3 * 16 * 1.5**3 ≈ 160, so the logit rounding error is
# far below 1e-12 relative (see conftest.assert_close).
ELEMENTS = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False, allow_subnormal=False)

LN3 = float(np.log(3.0))


def _queries(rng: np.random.Generator, d: int, m: int | None) -> np.ndarray:
    """One query (d,) when ``m`` is None, else a batch (m, d)."""
    return rng.standard_normal(d if m is None else (m, d))


# ----------------------------------------------------------------------------- kron


@FAST
@given(n1=st.integers(1, 6), n2=st.integers(1, 6), d=DS, seed=SEEDS)
def test_kron_row_order_is_j_times_n2_plus_k(n1, n2, d, seed):
    # def:kron: row (j-1)*n2 + k (1-based) is A_j ∘ B_k. Bitwise equal: it is the same
    # single multiplication per entry.
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
    C = kron(A, B)
    assert C.shape == (n1 * n2, d)
    for j in range(n1):
        for k in range(n2):
            np.testing.assert_array_equal(C[j * n2 + k], A[j] * B[k])
    # Independent construction: per column l, the ordinary Kronecker product of the
    # columns A[:, l] and B[:, l] (np.kron orders index j*n2 + k).
    cols = np.stack([np.kron(A[:, l], B[:, l]) for l in range(d)], axis=1)
    np.testing.assert_array_equal(C, cols)


def test_kron_docstring_example():
    np.testing.assert_array_equal(
        kron([[1.0, 2.0], [3.0, 4.0]], [[10.0, 100.0]]), [[10.0, 200.0], [30.0, 400.0]]
    )
    # A 2x2 ⊘ 2x2 case where a wrong order (k*n1 + j) would give a different matrix.
    A = np.array([[1.0, 2.0], [3.0, 5.0]])
    B = np.array([[7.0, 11.0], [13.0, 17.0]])
    np.testing.assert_array_equal(kron(A, B), [[7.0, 22.0], [13.0, 34.0], [21.0, 55.0], [39.0, 85.0]])


# -------------------------------------------------------------------------- softmax


@FAST
@given(z=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-50, 50)))
def test_softmax_matches_definition_and_sums_to_one(z):
    p = softmax(z)
    e = np.exp(z)  # |z| <= 50: the unshifted definition is safe here
    np.testing.assert_allclose(p, e / e.sum(), rtol=1e-13, atol=0)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, rel=1e-14)


@FAST
@given(
    z=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=6), elements=st.floats(-30, 30)
    ),
    data=st.data(),
)
def test_softmax_along_any_axis(z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1))
    p = softmax(z, axis=axis)
    e = np.exp(z)
    np.testing.assert_allclose(p, e / e.sum(axis=axis, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)


@pytest.mark.parametrize("big", [1e4, 1e6, -1e4, -1e6])
def test_softmax_huge_logits_analytic(big):
    # def:softmax: exp(1e4) overflows and exp(-1e4) underflows, so only the shifted form
    # gives the analytic 3:1 split. b - big is exact (Sterbenz), so the expected
    # weights can be computed from the rounded logits to full precision.
    b = big - LN3
    w = 1.0 / (1.0 + np.exp(b - big))  # = 0.75 up to the rounding of b
    p = softmax([big, b])
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, [w, 1.0 - w], rtol=1e-12)
    assert p.sum() == pytest.approx(1.0, rel=1e-15)
    # Many equal huge logits: uniform.
    np.testing.assert_allclose(softmax(np.full(7, big)), np.full(7, 1 / 7), rtol=1e-14)


@FAST
@given(z=hnp.arrays(np.int64, st.integers(1, 20), elements=st.integers(-40, 40)))
def test_softmax_shift_invariance_with_huge_offset(z):
    # Adding 2**40 to small integers is exact in float64, so the huge-logit result must
    # equal the small-logit one to rounding.
    z = z.astype(np.float64)
    np.testing.assert_allclose(softmax(z + 2.0**40), softmax(z), rtol=1e-12, atol=0)


# ------------------------------------------------------------- standard attention


@FAST
@given(n=NS, d=DS, scale=SCALES, seed=SEEDS, m=st.sampled_from([None, 1, 3]))
def test_attention_matches_einsum_reference(ref, n, d, scale, seed, m):
    rng = np.random.default_rng(seed)
    q = _queries(rng, d, m)
    K, V = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    out = attention(q, K, V, scale)
    assert out.shape == q.shape
    ref.assert_close(out, ref.attention(q, K, V, scale), np.abs(V).max())


@pytest.mark.parametrize("big", [1e4, 1e6])
def test_attention_huge_logits_analytic(big):
    # Orthonormal keys e_0..e_{n-1}, query big*e_0 + (big - ln3)*e_1, scale 1: logits are
    # exactly [big, big - ln3, 0, ...], so the output is 3/4 V_0 + 1/4 V_1 (the zero
    # logits weigh exp(-1e4) = 0 in float64).
    rng = np.random.default_rng(11)
    n, d = 4, 5
    K = np.eye(n, d)
    V = rng.standard_normal((n, d))
    b = big - LN3
    w = 1.0 / (1.0 + np.exp(b - big))
    q = np.zeros(d)
    q[0], q[1] = big, b
    out = attention(q, K, V, scale=1.0)
    assert np.isfinite(out).all()
    # |V| ~ 1 here, so atol 1e-15 is ~1e-15 of the output scale; it only matters for an
    # entry where the 3:1 mix cancels to ~0.
    np.testing.assert_allclose(out, w * V[0] + (1 - w) * V[1], rtol=1e-12, atol=1e-15)
    # A single key aligned with a huge query: the output is that key's value.
    out1 = attention(big * K[2], K, V, scale=1.0)
    np.testing.assert_allclose(out1, V[2], rtol=1e-14, atol=0)


# --------------------------------------------------------------- tensor attention


@st.composite
def factor_arrays(draw):
    """(Q, K1, K2, V1, V2) drawn by hypothesis.extra.numpy, n1 != n2 allowed."""
    n1, n2, d = draw(st.integers(1, 7)), draw(st.integers(1, 7)), draw(DS)
    m = draw(st.sampled_from([None, 1, 3]))

    def arr(shape):
        return draw(hnp.arrays(np.float64, shape, elements=ELEMENTS))

    Q = arr((d,) if m is None else (m, d))
    return Q, arr((n1, d)), arr((n2, d)), arr((n1, d)), arr((n2, d))


@FAST
@given(args=factor_arrays(), scale=SCALES)
def test_tensor_attention_agrees_with_naive_and_einsum_drawn_arrays(ref, args, scale):
    Q, K1, K2, V1, V2 = args
    expected = ref.tensor_attention(Q, K1, K2, V1, V2, scale)
    vs = ref.value_scale_tensor(V1, V2)
    out = tensor_attention(Q, K1, K2, V1, V2, scale)
    assert out.shape == Q.shape
    ref.assert_close(out, expected, vs)
    ref.assert_close(naive_tensor_attention(Q, K1, K2, V1, V2, scale), expected, vs)


@FAST
@given(
    n=NS,
    n2=st.one_of(st.none(), st.integers(1, 9)),
    d=DS,
    scale=SCALES,
    seed=SEEDS,
    m=st.sampled_from([None, 1, 4]),
)
def test_tensor_attention_agrees_with_naive_and_einsum_seeded(ref, n, n2, d, scale, seed, m):
    rng = np.random.default_rng(seed)
    K1, K2, V1, V2 = ref.random_factors(rng, n, d, n2)
    Q = _queries(rng, d, m)
    expected = ref.tensor_attention(Q, K1, K2, V1, V2, scale)
    vs = ref.value_scale_tensor(V1, V2)
    fast = tensor_attention(Q, K1, K2, V1, V2, scale)
    naive = naive_tensor_attention(Q, K1, K2, V1, V2, scale)
    ref.assert_close(fast, expected, vs)
    ref.assert_close(naive, expected, vs)
    if m is not None:
        # A batch is the stack of its single-query answers.
        for i in range(m):
            ref.assert_close(fast[i], tensor_attention(Q[i], K1, K2, V1, V2, scale), vs)


def _max_in_row(rng, n1, n2, d, scale, row, gap=30.0):
    """Random factors whose largest logit lies in row ``row`` of the score matrix,
    ``gap`` above every logit of the other rows (K2[0] = 1, K1[row] = α·sign(q))."""
    q = rng.standard_normal(d)
    K1 = rng.standard_normal((n1, d))
    K2 = rng.standard_normal((n2, d))
    V1, V2 = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
    K2[0] = 1.0
    c = 1.0 / d if scale is None else scale
    others = np.delete(np.einsum("l,jl,kl->jk", q, K1, K2) * c, row, axis=0)
    target = max(others.max(initial=0.0), 0.0) + gap
    K1[row] = target / (c * np.abs(q).sum()) * np.sign(q)
    return q, K1, K2, V1, V2


@FAST
@given(
    n1=st.integers(4, 12),
    n2=st.integers(1, 9),
    d=DS,
    scale=SCALES,
    seed=SEEDS,
    rows_per_block=st.sampled_from([1, 2, 3]),
    where=st.sampled_from(["last", "first"]),
)
def test_tensor_attention_row_blocks_equal_single_block(ref, n1, n2, d, scale, seed, rows_per_block, where):
    # block = block_bytes // (8 * n2) rows of P per block; block_bytes = 1 forces one row.
    rng = np.random.default_rng(seed)
    row = n1 - 1 if where == "last" else 0
    q, K1, K2, V1, V2 = _max_in_row(rng, n1, n2, d, scale, row)
    S = np.einsum("l,jl,kl->jk", q, K1, K2)
    # Precondition: the maximum really is in the chosen row, so with "last" the running
    # maximum must be raised (and the accumulators rescaled) at the last block.
    assert np.unravel_index(S.argmax(), S.shape)[0] == row
    single = tensor_attention(q, K1, K2, V1, V2, scale)  # default: one block here
    assert DEFAULT_BLOCK_BYTES // (8 * n2) >= n1
    vs = ref.value_scale_tensor(V1, V2)
    for block_bytes in (1, 8 * n2 * rows_per_block):
        blocked = tensor_attention(q, K1, K2, V1, V2, scale, block_bytes=block_bytes)
        ref.assert_close(blocked, single, vs)
    ref.assert_close(single, ref.tensor_attention(q, K1, K2, V1, V2, scale), vs)


def test_tensor_attention_rescale_at_every_block(ref):
    # Row maxima increase by 5 per row: with one row per block the running maximum is
    # raised at every block, so every accumulated term is rescaled n1 - 1 times.
    rng = np.random.default_rng(5)
    n1, n2, d = 9, 4, 3
    q = np.array([1.0, -2.0, 0.5])
    K1 = np.outer(5.0 * np.arange(n1), np.sign(q)) / np.abs(q).sum()
    K2 = np.ones((n2, d)) + 0.1 * rng.standard_normal((n2, d))
    V1, V2 = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
    expected = ref.tensor_attention(q, K1, K2, V1, V2, 1.0)
    vs = ref.value_scale_tensor(V1, V2)
    for block_bytes in (1, 8 * n2 * 2, DEFAULT_BLOCK_BYTES):
        ref.assert_close(tensor_attention(q, K1, K2, V1, V2, 1.0, block_bytes=block_bytes), expected, vs)


@pytest.mark.parametrize("big", [1e4, 1e6])
@pytest.mark.parametrize("block_bytes", [1, DEFAULT_BLOCK_BYTES])
def test_tensor_attention_huge_logits_analytic(big, block_bytes):
    # K1 = K2 = I (n <= d) and scale 1: score(j, k) = q_j δ_jk exactly, so with
    # q = big e_0 + (big - ln3) e_1 only the pairs (0,0) and (1,1) carry weight (3:1).
    rng = np.random.default_rng(3)
    n, d = 4, 6
    K = np.eye(n, d)
    V1, V2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    b = big - LN3
    w = 1.0 / (1.0 + np.exp(b - big))
    q = np.zeros(d)
    q[0], q[1] = big, b
    expected = w * V1[0] * V2[0] + (1 - w) * V1[1] * V2[1]
    for f in (
        lambda: tensor_attention(q, K, K, V1, V2, 1.0, block_bytes=block_bytes),
        lambda: naive_tensor_attention(q, K, K, V1, V2, 1.0),
    ):
        out = f()
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    # Batched: row 0 is the 3:1 query, row 1 puts all weight on the pair (2, 2).
    Q = np.stack([q, big * np.eye(d)[2]])
    out = tensor_attention(Q, K, K, V1, V2, 1.0, block_bytes=block_bytes)
    np.testing.assert_allclose(out[0], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out[1], V1[2] * V2[2], rtol=1e-14, atol=0)


def test_tensor_attention_intermediate_overflow_with_finite_logits():
    q = np.array([1e200, 0.0])
    K1, K2 = np.full((2, 2), 1e200), np.full((3, 2), 1e-200)
    V1, V2 = np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((3, 2))
    expected = naive_tensor_attention(q, K1, K2, V1, V2, 1.0)  # [2, 3]: equal logits
    # Every logit is a finite 1e200 although K1 ∘ q alone overflows; no warning may leak.
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(tensor_attention(q, K1, K2, V1, V2, 1.0), expected)


# ------------------------------------------------------ collapse (thm:four-cache-lb)


@FAST
@given(n1=NS, n2=st.integers(1, 8), d=DS, scale=SCALES, seed=SEEDS, m=st.sampled_from([None, 3]))
def test_collapse_ones_factor_gives_standard_attention(ref, n1, n2, d, scale, seed, m):
    # K2 = V2 = 1: score(j, k) = <q, K1_j> for every k, each j appears n2 times with the
    # same weight, and V1_j ∘ 1 = V1_j, so tensor attention is attention(q, K1, V1).
    rng = np.random.default_rng(seed)
    q = _queries(rng, d, m)
    K1, V1 = rng.standard_normal((n1, d)), rng.standard_normal((n1, d))
    ones = np.ones((n2, d))
    expected = attention(q, K1, V1, scale)
    vs = np.abs(V1).max()
    ref.assert_close(tensor_attention(q, K1, ones, V1, ones, scale), expected, vs)
    ref.assert_close(naive_tensor_attention(q, K1, ones, V1, ones, scale), expected, vs)
    ref.assert_close(expected, ref.attention(q, K1, V1, scale), vs)


# ------------------------------------------------------------- row-order invariance


@FAST
@given(n1=st.integers(1, 6), n2=st.integers(1, 6), d=st.integers(2, 8), seed=SEEDS)
def test_row_order_invariance_of_attention_over_kron(ref, n1, n2, d, seed):
    rng = np.random.default_rng(seed)
    K1, K2, V1, V2 = ref.random_factors(rng, n1, d, n2)
    q = rng.standard_normal(d)
    scale = 3.0  # a peaked softmax, so a wrong value order shows up clearly
    K, V = kron(K1, K2), kron(V1, V2)
    vs = np.abs(V).max()
    base = attention(q, K, V, scale)
    # Definition 3.6 is standard attention over the Kronecker rows.
    ref.assert_close(tensor_attention(q, K1, K2, V1, V2, scale), base, vs)
    perm = rng.permutation(n1 * n2)
    ref.assert_close(attention(q, K[perm], V[perm], scale), base, vs)
    # Permuting the factor rows (j jointly in K1, V1; k jointly in K2, V2) permutes the
    # pairs, so tensor attention is unchanged too.
    pj, pk = rng.permutation(n1), rng.permutation(n2)
    ref.assert_close(tensor_attention(q, K1[pj], K2[pk], V1[pj], V2[pk], scale), base, vs)

    if n1 * n2 >= 2:
        # A DIFFERENT order for the values must change the answer, else this test could
        # not fail: swap the values of the most and least likely rows. The change is
        # predicted exactly: (P_hi - P_lo) (V_lo - V_hi).
        s = K @ q * scale
        P = np.exp(s - s.max())
        P /= P.sum()
        hi, lo = int(P.argmax()), int(P.argmin())
        if hi != lo:
            sigma = np.arange(n1 * n2)
            sigma[[hi, lo]] = sigma[[lo, hi]]
            swapped = attention(q, K, V[sigma], scale)
            change = (P[hi] - P[lo]) * (V[lo] - V[hi])
            np.testing.assert_allclose(swapped - base, change, rtol=1e-9, atol=1e-12 * vs)
            assert np.abs(swapped - base).max() > 1e-9 * vs
