"""Tests of the frontier compressors (eviction, quantization, sketch, low rank, catalogue).

Covered: protocol, bytes, budgets, accuracy, bad input.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorkv_check.engine.protocol import KIND_CODES, check_algorithm
from tensorkv_check.frontier import (
    CATALOGUE,
    COMPRESSOR_KIND_CODES,
    MODES,
    AttentionScoreEviction,
    KeyNormEviction,
    LowRankSVD,
    RandomEviction,
    SignSketch,
    UniformQuantizer,
    WindowEviction,
    dequantize_rows,
    make_factory,
    pack_codes,
    quantize_rows,
    subgen_factory,
    unpack_codes,
)
from tensorkv_check.index.reduction import run_index

D = 6


def _blocks(mode: str, n: int, d: int = D, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, d)) for _ in MODES[mode]]


def _all(mode: str) -> list:
    return [
        RandomEviction(D, fraction=0.5, seed=3, mode=mode),
        KeyNormEviction(D, fraction=0.5, mode=mode),
        WindowEviction(D, fraction=0.25, sinks=2, mode=mode),
        AttentionScoreEviction(D, fraction=0.5, mode=mode),
        UniformQuantizer(D, bits=3, mode=mode),
        UniformQuantizer(D, bits=2, key_bits=5, mode=mode),
        SignSketch(D, sketch_dim=16, value_bits=4, seed=5, mode=mode),
        LowRankSVD(D, rank=2, mode=mode),
    ]


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("idx", range(8))
def test_round_trip_protocol_and_finite(mode, idx):
    c = _all(mode)[idx]
    check_algorithm("c", c, mode if mode != "kv" else "kv")
    blocks = _blocks(mode, 40)
    c.ingest(*[b[:17] for b in blocks])
    c.ingest(*[b[17:] for b in blocks])
    data = c.to_bytes()
    bob = type(c).from_bytes(data)
    assert bob.to_bytes() == data  # the state is the bytes
    Q = np.random.default_rng(9).standard_normal((5, D))
    out = c.query(Q)
    assert out.shape == (5, D) and np.isfinite(out).all()
    np.testing.assert_array_equal(bob.query(Q), out)
    np.testing.assert_allclose(c.query(Q[0]), out[0], rtol=1e-12, atol=1e-15)
    assert c.memory_bytes == len(data) and c.n_tokens == 40


@pytest.mark.parametrize(
    "cls,kw",
    [
        (RandomEviction, {"fraction": 0.5, "seed": 1}),
        (UniformQuantizer, {"bits": 4}),
        (SignSketch, {"sketch_dim": 9, "seed": 2}),
        (WindowEviction, {"fraction": 0.3}),
    ],
)
def test_streaming_is_partition_independent(cls, kw):
    blocks = _blocks("kv", 50)
    a, b = cls(D, **kw), cls(D, **kw)
    a.ingest(*blocks)
    for s in range(0, 50, 7):
        b.ingest(*[x[s : s + 7] for x in blocks])
    assert a.to_bytes() == b.to_bytes()


def test_same_seed_same_bytes_and_seed_matters():
    blocks = _blocks("kv", 200)
    x, y, z = (RandomEviction(D, fraction=0.5, seed=s) for s in (4, 4, 5))
    for c in (x, y, z):
        c.ingest(*blocks)
    assert x.to_bytes() == y.to_bytes() != z.to_bytes()


def test_empty_and_dimensionless_states_round_trip():
    for c in _all("kv") + [RandomEviction(fraction=0.5)]:
        back = type(c).from_bytes(c.to_bytes())
        assert back.n_tokens == 0 and back.d == c.d
        with pytest.raises(ValueError, match="empty"):
            c.query(np.ones(D))


# ---------------------------------------------------------------------- budgets


def test_quantizer_bytes_shrink_exactly_with_bits():
    n = 100
    sizes = {}
    for b in (1, 2, 4, 8, 16):
        q = UniformQuantizer(D, bits=b)
        q.ingest(*_blocks("kv", n))
        # header 32, 7 section lengths, 2 meta floats; per array: packed codes + float32 lo/step.
        expect = 32 + 7 * 8 + 16 + 2 * (math.ceil(n * D * b / 8) + 8 * n)
        assert len(q.to_bytes()) == expect
        sizes[b] = expect
    assert sizes[1] < sizes[2] < sizes[4] < sizes[8] < sizes[16] < 2 * n * D * 8


@pytest.mark.parametrize("cls", [KeyNormEviction, WindowEviction, AttentionScoreEviction])
@pytest.mark.parametrize("f", [0.1, 0.5, 1.0])
def test_eviction_keeps_its_budget(cls, f):
    c = cls(D, fraction=f) if cls is not WindowEviction else cls(D, fraction=f, sinks=0)
    for s in range(0, 90, 30):
        c.ingest(*[x[s : s + 30] for x in _blocks("kv", 90)])
    assert c.kept_tokens == math.ceil(f * 90)
    floats = 2 * c.kept_tokens * D + (c.kept_tokens if cls is AttentionScoreEviction else 0)
    assert len(c.to_bytes()) == 32 + 4 * 8 + 6 * 8 + 8 * floats


def test_max_tokens_bounds_memory():
    c = WindowEviction(D, fraction=0.5, sinks=2, max_tokens=5)
    c.ingest(*_blocks("kv", 400))
    assert c.kept_tokens == 7


def test_random_eviction_fraction_is_binomial():
    c = RandomEviction(2, fraction=0.3, seed=11)
    c.ingest(*_blocks("kv", 20000, d=2))
    # 5 standard deviations of Binomial(20000, 0.3).
    assert abs(c.kept_tokens - 6000) < 5 * math.sqrt(20000 * 0.21)


def test_eviction_rules():
    k = np.array([[3.0], [1.0], [2.0], [0.5], [4.0]])
    v = np.arange(5.0)[:, None]
    kn = KeyNormEviction(1, fraction=0.4)
    kn.ingest(k, v)
    assert kn.reconstruct()[1].ravel().tolist() == [1.0, 3.0]
    w = WindowEviction(1, fraction=0.2, sinks=1)
    w.ingest(k, v)
    assert w.reconstruct()[1].ravel().tolist() == [0.0, 4.0]
    # Factor mode keeps a token's row in all four caches.
    f = KeyNormEviction(1, fraction=0.4, mode="factors")
    f.ingest(k, np.ones((5, 1)), v, v + 10)
    K1, K2, V1, V2 = f.reconstruct()
    assert V1.ravel().tolist() == [1.0, 3.0] and V2.ravel().tolist() == [11.0, 13.0]


def test_h2o_scores_are_accumulated_causal_attention():
    # Scale 0: every proxy query attends uniformly over tokens 0..i, so token j's score is
    # Σ_{i>=j} 1/(i+1): a strictly decreasing function of j; the oldest tokens survive.
    c = AttentionScoreEviction(2, 1e-300, fraction=0.5)
    X = np.random.default_rng(0).standard_normal((6, 2))
    c.ingest(X, X)
    np.testing.assert_array_equal(c.reconstruct()[0], X[:3])
    np.testing.assert_allclose(c._extra, [sum(1 / (i + 1) for i in range(j, 6)) for j in range(3)])


def test_lowrank_rank_and_exactness():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 2)) @ rng.standard_normal((2, D))  # rank 2
    lr = LowRankSVD(D, rank=2)
    for s in range(0, 60, 13):
        lr.ingest(X[s : s + 13], X[s : s + 13])
    np.testing.assert_allclose(lr.reconstruct()[0], X, atol=1e-10)
    full = LowRankSVD(D, rank=D)
    Y = rng.standard_normal((40, D))
    full.ingest(Y, Y)
    np.testing.assert_allclose(full.reconstruct()[1], Y, atol=1e-10)
    # Truncation: the error of rank 1 in one block is the best rank-1 error (Eckart–Young).
    one = LowRankSVD(D, rank=1)
    one.ingest(Y, Y)
    s = np.linalg.svd(Y, compute_uv=False)
    assert np.linalg.norm(one.reconstruct()[0] - Y) == pytest.approx(np.sqrt((s[1:] ** 2).sum()), rel=1e-9)
    assert len(one.to_bytes()) == 32 + 5 * 8 + 16 + 2 * 8 * (40 * 1 + 1 * D)


def test_quantization_error_bound_and_16_bit_validation():
    X = np.random.default_rng(2).standard_normal((300, 16)) * 5
    for b in (1, 3, 8, 16):
        codes, lo, step = quantize_rows(X, b)
        err = np.abs(dequantize_rows(codes, lo, step) - X)
        assert np.all(err <= step.astype(np.float64)[:, None] / 2 * (1 + 1e-5) + 1e-5 * np.abs(X).max())
    q = UniformQuantizer(16, bits=16)
    q.ingest(X, X)
    assert np.abs(q.reconstruct()[1] - X).max() < 1e-3


def test_sign_sketch_estimator_is_unbiased():
    rng = np.random.default_rng(3)
    k = rng.standard_normal(8)
    qv = rng.standard_normal(8)
    est = []
    for seed in range(400):
        sk = SignSketch(8, sketch_dim=8, value_bits=1, seed=seed)
        sk.ingest(k, np.ones(8))
        est.append(sk.reconstruct()[0][0] @ qv)
    est = np.asarray(est)
    # QJL: E⟨q, k̂⟩ = ⟨q, k⟩; the mean over 400 seeds is within 5 standard errors.
    assert abs(est.mean() - qv @ k) < 5 * est.std() / np.sqrt(len(est))


def test_factor_mode_query_is_tensor_attention(ref):
    blocks = _blocks("factors", 12)
    c = LowRankSVD(D, 0.7, rank=D, mode="factors")
    c.ingest(*blocks)
    Q = np.random.default_rng(4).standard_normal((3, D))
    np.testing.assert_allclose(c.query(Q), ref.tensor_attention(Q, *blocks, scale=0.7), rtol=1e-9, atol=1e-12)
    kv = LowRankSVD(D, rank=D)
    kv.ingest(blocks[0], blocks[2])
    np.testing.assert_allclose(kv.query(Q), ref.attention(Q, blocks[0], blocks[2]), rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 16), st.integers(0, 30), st.integers(1, 5), st.data())
def test_pack_codes_round_trip(bits, rows, cols, data):
    codes = np.array(
        data.draw(st.lists(st.integers(0, (1 << bits) - 1), min_size=rows * cols, max_size=rows * cols)),
        dtype=np.uint32,
    ).reshape(rows, cols)
    packed = pack_codes(codes, bits)
    assert len(packed) == math.ceil(rows * cols * bits / 8)
    np.testing.assert_array_equal(unpack_codes(packed, bits, (rows, cols)), codes)


# ---------------------------------------------------------------------- in the Index harness


def test_index_one_bit_quantization_is_lossless_and_eviction_is_half_chance():
    q = run_index(make_factory("quant", "kv", 1), "standard", 128, 179, queries=400, seed=1)
    assert q.successes == 400 and q.bits_per_bit < 3
    r = run_index(make_factory("window", "kv", 0.5), "standard", 128, 179, queries=2000, seed=1)
    assert 0.7 < r.rate < 0.8  # kept half decodes, the other half is a coin flip: 0.75 (+ sinks)


def test_catalogue_builds_every_mode():
    for name in CATALOGUE:
        for mode in MODES:
            b = {"exact": 0, "quant": 2, "qjl": 1.0, "lowrank": 0.5, "subgen": 4}.get(name, 0.5)
            alg = make_factory(name, mode, b, seed=1)(D)
            alg.ingest(*_blocks(mode, 10))
            assert np.isfinite(alg.query(np.ones(D))).all()
    assert set(COMPRESSOR_KIND_CODES.items()) <= set(KIND_CODES.items())


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: RandomEviction(D, fraction=0.0), "^fraction must be in \\(0, 1\\], got 0.0"),
        (lambda: KeyNormEviction(D, fraction=1.5), "^fraction"),
        (lambda: WindowEviction(D, fraction=float("nan")), "^fraction"),
        (lambda: AttentionScoreEviction(D, fraction=-0.1), "^fraction"),
        (lambda: UniformQuantizer(D, bits=0), "^bits must be in \\[1, 16\\], got 0"),
        (lambda: UniformQuantizer(D, bits=17), "^bits"),
        (lambda: UniformQuantizer(D, bits=4, key_bits=20), "^key_bits"),
        (lambda: SignSketch(D, sketch_dim=0), "^sketch_dim"),
        (lambda: SignSketch(D, sketch_dim=4, value_bits=0), "^value_bits"),
        (lambda: LowRankSVD(D, rank=0), "^rank must be"),
        (lambda: LowRankSVD(D, rank=D + 1), "^rank must be in \\[1, 6\\], got 7"),
        (lambda: WindowEviction(D, fraction=0.5, sinks=-1), "^sinks"),
        (lambda: UniformQuantizer(D, bits=2, mode="pairs"), "^mode"),
        (lambda: subgen_factory("kv", 0, 1), "^s must be >= 1, got 0"),
        (lambda: make_factory("zip", "kv", 1), "compressor must be one of"),
    ],
)
def test_bad_parameters_name_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_types():
    with pytest.raises(TypeError, match="^fraction must be a real number, got str"):
        RandomEviction(D, fraction="half")
    with pytest.raises(TypeError, match="^bits must be an integer, got float"):
        UniformQuantizer(D, bits=2.5)
    with pytest.raises(TypeError, match="ingests 2 arrays"):
        UniformQuantizer(D, bits=2).ingest(np.ones((1, D)))


def test_lowrank_rank_above_d_found_at_first_token():
    lr = LowRankSVD(rank=9)
    with pytest.raises(ValueError, match=r"^rank must be in \[1, 6\], got 9"):
        lr.ingest(np.ones((2, 6)), np.ones((2, 6)))


def test_bad_blocks():
    c = UniformQuantizer(D, bits=2)
    with pytest.raises(ValueError):
        c.ingest(np.ones((2, D)), np.ones((3, D)))
    with pytest.raises(ValueError):
        c.ingest(np.ones((2, D + 1)), np.ones((2, D + 1)))
    with pytest.raises(ValueError):
        c.ingest(np.full((1, D), np.nan), np.ones((1, D)))


@pytest.mark.parametrize("idx", range(8))
def test_bytes_that_cannot_be_restored(idx):
    c = _all("kv")[idx]
    c.ingest(*_blocks("kv", 9))
    data = c.to_bytes()
    name = type(c).__name__
    with pytest.raises(ValueError, match=f"{name}: data does not start with the magic"):
        type(c).from_bytes(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match=f"{name}: .*truncated"):
        type(c).from_bytes(data[:-3])
    with pytest.raises(ValueError, match=f"{name}: .*truncated|{name}: data is"):
        type(c).from_bytes(data[:20])
    with pytest.raises(ValueError, match=f"{name}: unsupported format version"):
        type(c).from_bytes(data[:4] + b"\x07" + data[5:])
    other = UniformQuantizer if not isinstance(c, UniformQuantizer) else RandomEviction
    with pytest.raises(ValueError, match=f"{other.__name__}: data holds a {name} state"):
        other.from_bytes(data)
    with pytest.raises(TypeError, match=f"{name}: data must be bytes"):
        type(c).from_bytes("text")


def test_corrupt_parameters_are_rejected():
    c = UniformQuantizer(D, bits=3)
    c.ingest(*_blocks("kv", 4))
    data = bytearray(c.to_bytes())
    meta_at = 32 + 8 * 7
    data[meta_at : meta_at + 8] = np.float64(40.0).tobytes()  # bits = 40
    with pytest.raises(
        ValueError, match=r"^UniformQuantizer: data is corrupt: bits must be in \[1, 16\], got 40"
    ):
        UniformQuantizer.from_bytes(bytes(data))


def test_side_effect_free_factories():
    f = functools.partial(UniformQuantizer, bits=1)
    a, b = f(D), f(D)
    a.ingest(*_blocks("kv", 3))
    assert b.n_tokens == 0


def test_doctests():
    import doctest
    import importlib

    failed = attempted = 0
    for name in ("bitpack", "eviction", "quantization", "sketch", "lowrank", "catalogue", "_compressor"):
        res = doctest.testmod(importlib.import_module(f"tensorkv_check.frontier.{name}"))
        failed, attempted = failed + res.failed, attempted + res.attempted
    assert attempted >= 8 and failed == 0
