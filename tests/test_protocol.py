"""Tests of the cache-algorithm protocol (:mod:`tensorkv_check.engine.protocol`) and its byte format.

Every algorithm the Index harness runs ingests tokens, serialises its
whole memory with ``to_bytes``, is rebuilt by ``from_bytes`` from those bytes alone, and
answers batched queries. Checked here for every decoder of :mod:`tensorkv_check.engine.caches`
and the two caveat algorithms of :mod:`tensorkv_check.index.algorithms`:

* round trip: the rebuilt object holds the same arrays, answers every query bit for bit
  like the original, re-serialises to the same bytes, and can keep streaming;
* the message length is the documented ``32 + 8a + 8d·Σ rows`` bytes (header, row
  counts, float64 arrays), so ``M`` counts exactly the numbers the paper counts plus a
  fixed header;
* truncated, padded, foreign and non-``bytes`` data are refused with a clear error;
* the factor-keeping cache answers two-cache queries (Definition 3.8) like the
  two-cache decoder and like an independent einsum on Kronecker-structured inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorkv_check import FourCacheDecoder, NaiveFourCacheDecoder, TwoCacheDecoder
from tensorkv_check.engine.caches import StandardDecoder
from tensorkv_check.engine.protocol import (
    HEADER_BYTES,
    CacheAlgorithm,
    check_algorithm,
    check_factory,
    message_bytes,
    pack_state,
    state_size,
    unpack_state,
)
from tensorkv_check.index.algorithms import FactorKeepingTwoCache, TruncatingRowCache

FAST = settings(max_examples=25, deadline=None)


def _blocks(kind: str, rng: np.random.Generator, t: int, d: int) -> tuple[np.ndarray, ...]:
    k = {"kv": 2, "factors": 4, "rows": 2}[kind]
    return tuple(rng.standard_normal((t, d)) for _ in range(k))


#: (factory, input kind, arrays held after t tokens as a function of t) for each algorithm.
CASES = {
    "standard": (StandardDecoder, "kv", lambda t: [t, t]),
    "four-cache": (FourCacheDecoder, "factors", lambda t: [t] * 4),
    "naive-four-cache": (NaiveFourCacheDecoder, "factors", lambda t: [t] * 4),
    "two-cache-factors": (TwoCacheDecoder, "factors", lambda t: [t * t, t * t, t, t, t, t]),
    "two-cache-rows": (TwoCacheDecoder, "rows", lambda t: [t, t]),
    "factor-keeping": (FactorKeepingTwoCache, "factors", lambda t: [t] * 4),
    "truncating": (
        lambda d, scale=None: TruncatingRowCache(d, budget_rows=1000, scale=scale),
        "rows",
        lambda t: [t, t],
    ),
}


def _state(obj) -> list[np.ndarray]:
    """The arrays an algorithm holds, read through public accessors where they exist."""
    if isinstance(obj, StandardDecoder):
        return list(obj.caches())
    if isinstance(obj, FourCacheDecoder):
        return list(obj.caches())
    if isinstance(obj, TwoCacheDecoder):
        return list(obj.products())
    if isinstance(obj, FactorKeepingTwoCache):
        return list(obj.factors())
    return list(obj.rows())


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("scale", [None, 0.3])
def test_round_trip_is_exact_and_resumable(name, scale):
    factory, kind, rows = CASES[name]
    rng = np.random.default_rng(7)
    t, d = 5, 3
    alice = factory(d, scale=scale)
    assert isinstance(alice, CacheAlgorithm)
    check_algorithm("algorithm", alice, kind)
    alice.ingest(*_blocks(kind, rng, t, d))
    data = message_bytes("algorithm", alice)
    # The length is exactly header + row counts + the float64 arrays: nothing hidden.
    assert len(data) == state_size(d, rows(t))
    bob = type(alice).from_bytes(data)
    assert type(bob) is type(alice)
    assert bob.d == d and bob.scale == alice.scale == (1 / d if scale is None else scale)
    for a, b in zip(_state(alice), _state(bob), strict=True):
        np.testing.assert_array_equal(a, b)
    assert bob.to_bytes() == data
    Q = rng.standard_normal((4, d))
    np.testing.assert_array_equal(bob.query(Q), alice.query(Q))
    np.testing.assert_array_equal(bob.query(Q[0]), alice.query(Q[0]))
    # Resume streaming on both sides: still identical.
    more = _blocks(kind, rng, 2, d)
    alice.ingest(*more)
    bob.ingest(*more)
    assert bob.to_bytes() == alice.to_bytes()
    np.testing.assert_array_equal(bob.query(Q), alice.query(Q))


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_algorithm_round_trips(name):
    factory, kind, _ = CASES[name]
    for d in (None, 4):
        empty = factory(d)
        data = empty.to_bytes()
        assert len(data) == HEADER_BYTES
        again = type(empty).from_bytes(data)
        assert again.d == d and again.to_bytes() == data


@FAST
@given(
    t=st.integers(1, 6),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(sorted(CASES)),
)
def test_round_trip_property(t, d, seed, name):
    factory, kind, rows = CASES[name]
    rng = np.random.default_rng(seed)
    alice = factory(d)
    for i in range(t):  # token by token: streaming ingest
        alice.ingest(*(b[i : i + 1] for b in _blocks(kind, rng, t, d)))
    data = alice.to_bytes()
    assert len(data) == state_size(d, rows(t))
    bob = type(alice).from_bytes(data)
    q = rng.standard_normal((3, d))
    np.testing.assert_array_equal(bob.query(q), alice.query(q))


def test_documented_message_lengths():
    n, d = 6, 4
    rng = np.random.default_rng(0)
    K1, K2, V1, V2 = rng.standard_normal((4, n, d))
    fk = FactorKeepingTwoCache(d)
    fk.ingest(K1, K2, V1, V2)
    # Factor-keeping: M = 4nd numbers of 64 bits plus a 64-byte header (32 + 4 row counts).
    assert 8 * len(fk.to_bytes()) == 4 * n * d * 8 * 8 + 8 * (32 + 4 * 8)
    tc = TwoCacheDecoder(d)
    tc.ingest(K1, K2, V1, V2)
    assert len(tc.to_bytes()) == 32 + 6 * 8 + (2 * n * n * d + 4 * n * d) * 8
    assert tc.memory_bytes + tc.factor_bytes == (2 * n * n * d + 4 * n * d) * 8
    sd = StandardDecoder(d)
    sd.ingest(K1, V1)
    assert len(sd.to_bytes()) == 32 + 2 * 8 + sd.memory_bytes


def test_factor_keeping_answers_two_cache_queries_on_structured_inputs(ref):
    # Definition 3.8 on K̃ = K1⊘K2, Ṽ = V1⊘V2: the factor-keeping cache (block
    # regeneration of product rows), the two-cache decoder (stored products), the
    # four-cache decoder (decode identity) and an independent einsum all agree.
    rng = np.random.default_rng(3)
    for n, d, m in ((1, 1, 1), (5, 3, 2), (9, 6, 7), (40, 8, 3)):
        K1, K2, V1, V2 = ref.random_factors(rng, n, d)
        Q = rng.standard_normal((m, d)) * 3
        fk, tc, fc = FactorKeepingTwoCache(d), TwoCacheDecoder(d), FourCacheDecoder(d)
        for alg in (fk, tc, fc):
            alg.ingest(K1, K2, V1, V2)
        expected = ref.tensor_attention(Q, K1, K2, V1, V2)
        vs = ref.value_scale_tensor(V1, V2)
        ref.assert_close(fk.query(Q), tc.query(Q), vs)
        ref.assert_close(fk.query(Q), expected, vs)
        ref.assert_close(fc.query(Q), expected, vs)
        ref.assert_close(fk.query(Q[0]), expected[0], vs)


def test_factor_keeping_blocks_do_not_change_the_answer(ref, monkeypatch):
    import tensorkv_check.index.algorithms as ia

    rng = np.random.default_rng(5)
    K1, K2, V1, V2 = ref.random_factors(rng, 12, 4)
    Q = rng.standard_normal((3, 4)) * 20  # large logits: the running maximum matters
    fk = FactorKeepingTwoCache(4)
    fk.ingest(K1, K2, V1, V2)
    whole = fk.query(Q)
    monkeypatch.setattr(ia, "_BLOCK_ENTRIES", 1)  # one j per block
    ref.assert_close(fk.query(Q), whole, ref.value_scale_tensor(V1, V2))


def test_truncating_cache_keeps_only_its_budget():
    rng = np.random.default_rng(1)
    alg = TruncatingRowCache(3, budget_rows=4)
    K, V = rng.standard_normal((2, 10, 3))
    alg.ingest(K[:3], V[:3])
    alg.ingest(K[3:], V[3:])
    assert alg.n_rows == 4 and alg.dropped_rows == 6
    np.testing.assert_array_equal(alg.rows()[0], K[:4])
    bob = TruncatingRowCache.from_bytes(alg.to_bytes())
    assert bob.budget_rows == 4 and bob.n_rows == 4
    assert len(alg.to_bytes()) == state_size(3, [4, 4])


def test_bad_bytes_are_refused():
    sd = StandardDecoder(2)
    sd.ingest(np.ones((3, 2)), np.zeros((3, 2)))
    data = sd.to_bytes()
    with pytest.raises(ValueError, match="truncated or corrupt"):
        StandardDecoder.from_bytes(data[:-8])  # a row dropped in transit
    with pytest.raises(ValueError, match="truncated or corrupt"):
        StandardDecoder.from_bytes(data + b"\0" * 8)
    with pytest.raises(ValueError, match="shorter than"):
        StandardDecoder.from_bytes(data[:10])
    with pytest.raises(ValueError, match="magic"):
        StandardDecoder.from_bytes(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match="not a FourCacheDecoder"):
        FourCacheDecoder.from_bytes(data)
    with pytest.raises(TypeError, match="bytes"):
        StandardDecoder.from_bytes(bytearray(data))
    with pytest.raises(ValueError, match="version"):
        StandardDecoder.from_bytes(data[:4] + b"\x09" + data[5:])


def test_pack_state_checks_widths():
    with pytest.raises(ValueError, match="d = 3"):
        pack_state("StandardDecoder", 3, 1.0, [np.zeros((2, 4))])
    d, scale, flags, arrays = unpack_state("StandardDecoder", pack_state("StandardDecoder", None, None, []))
    assert (d, scale, flags, arrays) == (None, None, 0, [])


def test_two_cache_ingest_arity_and_mixing():
    tc = TwoCacheDecoder(2)
    with pytest.raises(TypeError, match="4 blocks"):
        tc.ingest(np.ones((1, 2)), np.ones((1, 2)), np.ones((1, 2)))
    tc.ingest(np.ones((1, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="cannot be mixed"):
        tc.ingest(*(np.ones((1, 2)),) * 4)


class _NoFromBytes:
    inputs = frozenset({"kv"})
    d = 2
    scale = 1.0

    def ingest(self, k, v):
        pass

    def to_bytes(self):
        return b""

    def query(self, q):
        return q


def test_protocol_checks_name_what_is_missing():
    with pytest.raises(TypeError, match="missing: from_bytes"):
        check_factory("algorithm", _NoFromBytes)
    with pytest.raises(TypeError, match="missing: from_bytes"):
        check_algorithm("algorithm", _NoFromBytes())
    with pytest.raises(TypeError, match="not the instance|pass the class"):
        check_factory("algorithm", StandardDecoder(2))
    with pytest.raises(TypeError, match="streams 'rows'"):
        check_algorithm("algorithm", StandardDecoder(2), "rows")
    assert not isinstance(object(), CacheAlgorithm)

    class _Bad(_NoFromBytes):
        @classmethod
        def from_bytes(cls, data):
            return cls()

        def to_bytes(self):
            return bytearray(b"x")

    with pytest.raises(TypeError, match="to_bytes\\(\\) must return bytes, got bytearray"):
        message_bytes("algorithm", _Bad())


@pytest.mark.parametrize("m", [1, 3, 40])
@pytest.mark.parametrize("logit_size", [1.0, 1e4])
def test_standard_decoder_matches_an_independent_einsum(ref, m, logit_size):
    # Both product orientations (m < d and m >= d), chunked batches, and logits of 1e4
    # (which overflow without the max shift of Definition 3.2).
    rng = np.random.default_rng(m)
    n, d = 50, 8
    K, V = rng.standard_normal((2, n, d))
    Q = rng.standard_normal((m, d)) * logit_size
    for block in (8 * n, StandardDecoder.QUERY_BLOCK_BYTES):
        dec = StandardDecoder(d, scale=1.0, block_bytes=block)
        dec.ingest(K, V)
        vs = float(np.abs(V).max())
        ref.assert_close(dec.query(Q[0]), ref.attention(Q[0], K, V, 1.0), vs)
        ref.assert_close(dec.query(Q), ref.attention(Q, K, V, 1.0), vs)
        assert dec.last_step_flops == m * (4 * n * d + 4 * n + 2 * d)


def test_standard_decoder_rejects_overflowing_logits():
    dec = StandardDecoder(2, scale=1.0)
    dec.ingest(np.full((3, 2), 1e200), np.ones((3, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one clear error, no RuntimeWarning on the way
        with pytest.raises(ValueError, match="overflow"):
            dec.query(np.full((2, 2), 1e200))
