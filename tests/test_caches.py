"""Tests of :mod:`tensorkv_check.engine.caches`: the streaming decoders and their accounting.

Paper items (arXiv 2503.11108; spec /work/shared/spec/paper-math.md):

* def:four-cache (Def 3.7): :class:`FourCacheDecoder` and :class:`NaiveFourCacheDecoder`
  store K1, K2, V1, V2, exactly ``4·i·d·8`` live bytes after ``i`` tokens;
* def:two-cache (Def 3.8): :class:`TwoCacheDecoder` stores ``K1⊘K2`` and ``V1⊘V2``,
  exactly ``2·i²·d·8`` live bytes; each token appends ``2i+1`` new rows to each and
  never rebuilds the old ones; the "free rows" feed ``append_rows`` of
  thm:two-cache-lb's reduction;
* def:tensor-attention (Def 3.6): every decoder answers a query, at every prefix of the
  stream, like ``naive_tensor_attention`` and an independent einsum to rtol 1e-12,
  also for batched queries and for logits of 1e4 and 1e6;
* rem:tradeoff (Remark 3.9): ``last_step_flops`` / ``total_flops`` follow
  ``four_cache_flops``, ``two_cache_flops`` and ``naive_four_cache_flops``;
* :class:`RowBuffer`: amortised appends keep the content across capacity doublings, and
  the allocation overhead is the documented factor of two plus the initial capacity.

Bad input to the decoders is tested in ``test_validation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorkv_check.engine.caches as caches_mod
from tensorkv_check import (
    FourCacheDecoder,
    NaiveFourCacheDecoder,
    RowBuffer,
    TwoCacheDecoder,
    four_cache_flops,
    kron,
    naive_four_cache_flops,
    naive_tensor_attention,
    tensor_attention,
    two_cache_flops,
)

FAST = settings(max_examples=30, deadline=None)
SEEDS = st.integers(0, 2**32 - 1)
DS = st.integers(1, 16)
SCALES = st.sampled_from([None, 0.1, 3.0])
DECODERS = [FourCacheDecoder, TwoCacheDecoder, NaiveFourCacheDecoder]
FLOPS = {
    FourCacheDecoder: four_cache_flops,
    TwoCacheDecoder: two_cache_flops,
    NaiveFourCacheDecoder: naive_four_cache_flops,
}
#: RowBuffer's default initial capacity (rows), the "small constant" of the overhead.
INITIAL_ROWS = 16
LN3 = float(np.log(3.0))


def _feed(dec, K1, K2, V1, V2, upto=None):
    """Append tokens 0..upto-1 one by one."""
    for t in range(len(K1) if upto is None else upto):
        dec.append(K1[t], K2[t], V1[t], V2[t])


# ------------------------------------------------------------------ correctness


@FAST
@given(
    n=st.integers(1, 9),
    d=DS,
    scale=SCALES,
    seed=SEEDS,
    m=st.sampled_from([None, 1, 3]),
    block_bytes=st.sampled_from([1, 64, caches_mod.DEFAULT_BLOCK_BYTES]),
)
def test_decoders_agree_with_naive_and_einsum_at_every_prefix(ref, n, d, scale, seed, m, block_bytes):
    # Streamed: after each token i every decoder must answer for the prefix <= i, so a
    # decoder that mis-orders or forgets rows fails at the first prefix it breaks.
    rng = np.random.default_rng(seed)
    K1, K2, V1, V2 = ref.random_factors(rng, n, d)
    Q = rng.standard_normal(d if m is None else (m, d))
    decs = [
        FourCacheDecoder(d, scale, block_bytes=block_bytes),
        TwoCacheDecoder(d, scale),
        NaiveFourCacheDecoder(d, scale),
    ]
    for i in range(1, n + 1):
        for dec in decs:
            dec.append(K1[i - 1], K2[i - 1], V1[i - 1], V2[i - 1])
        args = (K1[:i], K2[:i], V1[:i], V2[:i])
        expected = ref.tensor_attention(Q, *args, scale)
        vs = ref.value_scale_tensor(V1[:i], V2[:i])
        ref.assert_close(naive_tensor_attention(Q, *args, scale), expected, vs)
        ref.assert_close(tensor_attention(Q, *args, scale), expected, vs)
        for dec in decs:
            out = dec.query(Q)
            assert out.shape == Q.shape
            ref.assert_close(out, expected, vs)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("n,d,scale", [(50, 16, None), (51, 3, 3.0), (50, 1, 0.1)])
def test_decoders_agree_at_n_50(ref, n, d, scale, seed):
    rng = np.random.default_rng(seed)
    K1, K2, V1, V2 = ref.random_factors(rng, n, d)
    Q = rng.standard_normal((3, d))
    expected = ref.tensor_attention(Q, K1, K2, V1, V2, scale)
    vs = ref.value_scale_tensor(V1, V2)
    for cls in DECODERS:
        dec = cls(scale=scale)  # d fixed by the first token
        _feed(dec, K1, K2, V1, V2)
        assert dec.d == d
        ref.assert_close(dec.query(Q), expected, vs)
        ref.assert_close(dec.query(Q[1]), expected[1], vs)


def test_four_cache_block_append_equals_token_appends(ref):
    rng = np.random.default_rng(7)
    K1, K2, V1, V2 = ref.random_factors(rng, 20, 4)
    one_by_one, blocks = FourCacheDecoder(), FourCacheDecoder()
    _feed(one_by_one, K1, K2, V1, V2)
    for a, b in [(0, 3), (3, 4), (4, 20)]:  # blocks of 3, 1 and 16 tokens
        blocks.append(K1[a:b], K2[a:b], V1[a:b], V2[a:b])
    for dec in (one_by_one, blocks):
        for got, want in zip(dec.caches(), (K1, K2, V1, V2)):
            np.testing.assert_array_equal(got, want)
    q = rng.standard_normal(4)
    np.testing.assert_array_equal(blocks.query(q), one_by_one.query(q))


def test_default_scale_is_one_over_d():
    dec = FourCacheDecoder()
    with pytest.raises(ValueError, match="scale"):
        _ = dec.scale  # undefined until d is known
    dec.append(np.ones(4), np.ones(4), np.ones(4), np.ones(4))
    assert dec.scale == 0.25
    assert TwoCacheDecoder(d=8).scale == 0.125
    assert TwoCacheDecoder(d=8, scale=3.0).scale == 3.0


@pytest.mark.parametrize("big", [1e4, 1e6])
@pytest.mark.parametrize("cls", DECODERS)
def test_decoders_huge_logits_analytic(cls, big):
    # K1 = K2 = I and scale 1: score(j, k) = q_j δ_jk exactly. q = big e_0 + (big-ln3) e_1
    # puts weight 3/4 on the pair (0, 0) and 1/4 on (1, 1); exp(-1e4) = 0 for the rest.
    rng = np.random.default_rng(2)
    n, d = 4, 5
    K = np.eye(n, d)
    V1, V2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    b = big - LN3
    w = 1.0 / (1.0 + np.exp(b - big))
    q = np.zeros(d)
    q[0], q[1] = big, b
    dec = cls(d, scale=1.0)
    _feed(dec, K, K, V1, V2)
    out = dec.query(q)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, w * V1[0] * V2[0] + (1 - w) * V1[1] * V2[1], rtol=1e-12, atol=1e-15)
    # One pair aligned with a huge query: the output is that pair's value product.
    np.testing.assert_allclose(dec.query(big * np.eye(d)[3]), V1[3] * V2[3], rtol=1e-14, atol=0)


# ----------------------------------------------- two-cache structure (def:two-cache)


@FAST
@given(n=st.integers(1, 12), d=st.integers(1, 6), seed=SEEDS)
def test_two_cache_appends_2i_plus_1_rows_in_documented_order(ref, n, d, seed):
    rng = np.random.default_rng(seed)
    K1, K2, V1, V2 = ref.random_factors(rng, n, d)
    dec = TwoCacheDecoder(d)
    prev_kt = prev_vt = np.empty((0, d))
    for i in range(n):  # i tokens stored before this append
        dec.append(K1[i], K2[i], V1[i], V2[i])
        assert dec.n_tokens == i + 1
        assert dec.n_rows == (i + 1) ** 2  # 1, 4, 9, ...: 2i+1 new rows
        Kt, Vt = dec.products()
        # No rebuild: the rows stored before are still there, unchanged, in place.
        np.testing.assert_array_equal(Kt[: i * i], prev_kt)
        np.testing.assert_array_equal(Vt[: i * i], prev_vt)
        # The new rows, in the documented order: (new, k) for k = 0..new, then (j, new)
        # for j = 0..new-1 (0-based).
        new_pairs = [(i, k) for k in range(i + 1)] + [(j, i) for j in range(i)]
        np.testing.assert_array_equal(Kt[i * i :], [K1[j] * K2[k] for j, k in new_pairs])
        np.testing.assert_array_equal(Vt[i * i :], [V1[j] * V2[k] for j, k in new_pairs])
        prev_kt, prev_vt = Kt.copy(), Vt.copy()
    # As a whole the stored rows are exactly the rows of K1⊘K2, with keys and values in
    # the same (append) order: map each append position to its kron row index j*n + k.
    pairs = [p for i in range(n) for p in [(i, k) for k in range(i + 1)] + [(j, i) for j in range(i)]]
    order = [j * n + k for j, k in pairs]
    assert sorted(order) == list(range(n * n))
    np.testing.assert_array_equal(dec.products()[0], kron(K1, K2)[order])
    np.testing.assert_array_equal(dec.products()[1], kron(V1, V2)[order])


def test_two_cache_append_is_incremental_not_a_rebuild(ref, monkeypatch):
    # def:two-cache: going from i to i+1 tokens costs O(i d), not O(i² d). Count the rows
    # written into RowBuffers per append: 4 factor rows plus 2(2i+1) product rows. A
    # decoder that rebuilt the products would write 2(i+1)² rows, and one that called
    # kron would trip the patched _kron.
    written: list[int] = []
    original = RowBuffer.append

    def spy(self, rows):
        written.append(np.asarray(rows).shape[0])
        return original(self, rows)

    def no_kron(*args):
        raise AssertionError("TwoCacheDecoder.append must not rebuild K1⊘K2")

    monkeypatch.setattr(RowBuffer, "append", spy)
    monkeypatch.setattr(caches_mod, "_kron", no_kron)
    rng = np.random.default_rng(4)
    K1, K2, V1, V2 = ref.random_factors(rng, 30, 3)
    dec = TwoCacheDecoder(3)
    for i in range(30):
        written.clear()
        dec.append(K1[i], K2[i], V1[i], V2[i])
        assert sum(written) == 4 + 2 * (2 * i + 1)


def test_two_cache_append_rows_free_model(ref):
    rng = np.random.default_rng(8)
    d = 5
    Kt, Vt = rng.standard_normal((7, d)), rng.standard_normal((7, d))
    dec = TwoCacheDecoder(scale=0.5)
    dec.append_rows(Kt[0], Vt[0])  # one row as (d,)
    dec.append_rows(Kt[1:], Vt[1:])  # a block (t, d)
    assert dec.n_rows == 7 and dec.n_tokens == 0
    np.testing.assert_array_equal(dec.products()[0], Kt)
    np.testing.assert_array_equal(dec.products()[1], Vt)
    q = rng.standard_normal(d)
    ref.assert_close(dec.query(q), ref.attention(q, Kt, Vt, 0.5), np.abs(Vt).max())


# --------------------------------------------------------------- memory accounting


@pytest.mark.parametrize("d", [1, 3, 8])
def test_four_cache_memory_bytes(d):
    rng = np.random.default_rng(d)
    for cls in (FourCacheDecoder, NaiveFourCacheDecoder):
        dec = cls(d)
        assert dec.memory_bytes == 0 and dec.allocated_bytes == 0
        for i in range(1, 70):
            dec.append(*rng.standard_normal((4, d)))
            assert dec.memory_bytes == 4 * i * d * 8  # def:four-cache: 4·i·d float64
            if i % 5 == 0:
                dec.query(rng.standard_normal(d))  # a query allocates nothing persistent
                assert dec.memory_bytes == 4 * i * d * 8
            # Docstring: allocated ≤ 2·memory once i ≥ 16 (each buffer starts at 16 rows
            # and doubles); below that it is the initial capacity.
            assert dec.allocated_bytes >= dec.memory_bytes
            assert dec.allocated_bytes <= max(2 * dec.memory_bytes, 4 * INITIAL_ROWS * d * 8)
            if i >= 16:
                assert dec.allocated_bytes <= 2 * dec.memory_bytes


@pytest.mark.parametrize("d", [1, 4])
def test_two_cache_memory_bytes(d):
    rng = np.random.default_rng(d)
    dec = TwoCacheDecoder(d)
    assert dec.memory_bytes == 0 and dec.factor_bytes == 0 and dec.allocated_bytes == 0
    for i in range(1, 40):
        dec.append(*rng.standard_normal((4, d)))
        assert dec.memory_bytes == 2 * i * i * d * 8  # def:two-cache: 2·i²·d float64
        assert dec.factor_bytes == 4 * i * d * 8  # the kept factors, reported apart
        live = dec.memory_bytes + dec.factor_bytes
        # Six buffers (two products, four factors), each at most max(16, 2·rows) rows.
        assert live <= dec.allocated_bytes <= 2 * live + 6 * INITIAL_ROWS * d * 8


def test_two_cache_append_rows_memory_and_no_mixing():
    d = 3
    rng = np.random.default_rng(0)
    dec = TwoCacheDecoder(d)
    for rows in range(1, 30):
        dec.append_rows(rng.standard_normal(d), rng.standard_normal(d))
        assert dec.memory_bytes == 2 * rows * d * 8
        assert dec.factor_bytes == 0  # free rows: no factors are kept
        assert dec.memory_bytes <= dec.allocated_bytes <= 2 * dec.memory_bytes + 2 * INITIAL_ROWS * d * 8
    before = (dec.n_rows, dec.memory_bytes)
    with pytest.raises(ValueError, match="append_rows"):
        dec.append(*rng.standard_normal((4, d)))
    assert (dec.n_rows, dec.memory_bytes) == before  # the refused call changed nothing

    other = TwoCacheDecoder(d)
    other.append(*rng.standard_normal((4, d)))
    with pytest.raises(ValueError, match="cannot be mixed"):
        other.append_rows(rng.standard_normal(d), rng.standard_normal(d))
    assert other.n_rows == 1 and other.n_tokens == 1


# ----------------------------------------------------------------------- RowBuffer


@FAST
@given(
    width=st.integers(1, 5),
    capacity=st.integers(0, 4),
    sizes=st.lists(st.integers(0, 40), min_size=1, max_size=25),
    seed=SEEDS,
)
def test_row_buffer_keeps_content_across_growth(width, capacity, sizes, seed):
    rng = np.random.default_rng(seed)
    buf = RowBuffer(width, capacity=capacity)
    start_bytes = buf.allocated_bytes
    blocks, growths, last_alloc = [], 0, buf.allocated_bytes
    for t in sizes:
        block = rng.standard_normal((t, width))
        buf.append(block)
        blocks.append(block)
        expected = np.concatenate(blocks)
        assert len(buf) == len(expected)
        np.testing.assert_array_equal(buf.view, expected)
        growths += buf.allocated_bytes > last_alloc
        last_alloc = buf.allocated_bytes
        # Documented overhead: capacity is at most max(initial, 2·size) rows.
        assert len(buf) * width * 8 <= buf.allocated_bytes
        assert buf.allocated_bytes <= max(start_bytes, 2 * len(buf) * width * 8)
    # Appending a single row at a time from capacity 1 doubles log2(t) times; the
    # content check above then spans every one of those growths.
    if sum(sizes) > max(1, capacity):
        assert growths >= 1


def test_row_buffer_many_single_row_doublings():
    buf = RowBuffer(2, capacity=1)
    allocs = set()
    for r in range(1000):
        buf.append(np.array([[r, -r]], dtype=float))
        allocs.add(buf.allocated_bytes)
    assert len(allocs) == 11  # 1, 2, 4, ..., 1024 rows
    np.testing.assert_array_equal(buf.view[:, 0], np.arange(1000))
    np.testing.assert_array_equal(buf.view[:, 1], -np.arange(1000))


def test_row_buffer_rejects_a_1d_row():
    buf = RowBuffer(3)
    with pytest.raises(ValueError):
        buf.append(np.array([1.0, 2.0, 3.0]))


# ----------------------------------------------------------------- flop accounting


@pytest.mark.parametrize("m", [None, 1, 4])
@pytest.mark.parametrize("cls", DECODERS)
def test_flop_accounting(cls, m):
    d = 3
    rng = np.random.default_rng(1)
    dec = cls(d)
    assert dec.last_step_flops == 0 and dec.total_flops == 0
    total = 0
    for i in range(1, 12):
        dec.append(*rng.standard_normal((4, d)))
        assert dec.last_step_flops == (0 if i == 1 else FLOPS[cls](i - 1, d) * (m or 1))
        dec.query(rng.standard_normal(d if m is None else (m, d)))
        step = FLOPS[cls](i, d) * (1 if m is None else m)
        assert dec.last_step_flops == step
        total += step
        assert dec.total_flops == total


def test_two_cache_append_rows_flops():
    # With r free rows the step is 4·r·d + 4·r + 2d, i.e. two_cache_flops(n, d) at r = n².
    d = 4
    rng = np.random.default_rng(3)
    dec = TwoCacheDecoder(d)
    for r in range(1, 17):
        dec.append_rows(rng.standard_normal(d), rng.standard_normal(d))
        dec.query(rng.standard_normal((2, d)))
        assert dec.last_step_flops == 2 * (4 * r * d + 4 * r + 2 * d)
        n = int(round(r**0.5))
        if n * n == r:
            assert dec.last_step_flops == 2 * two_cache_flops(n, d)


@pytest.mark.parametrize("n,d", [(1, 1), (2, 3), (7, 5), (50, 16)])
def test_flop_formulas_match_their_itemisation(n, d):
    # Term by term from the docstrings, so a typo in a closed form shows up here.
    four = (n * d + d) + 2 * n * n * d + 3 * n * n + 2 * n * n * (d + 1) + 2 * n * d + d
    two = (2 * n * n * d + d) + 4 * n * n + 2 * n * n * d + d
    assert four_cache_flops(n, d) == four
    assert two_cache_flops(n, d) == two
    assert naive_four_cache_flops(n, d) == 2 * n * n * d + two
