"""Tests of SubGen, SubGen2Cache, SubGen4Cache (tensorkv_check.subgen) and their data, checks and section.

Statistical tests use fixed seeds and state their confidence: a chi-square or binomial
test at level α rejects a *correct* sampler with probability α, so with the fixed seeds
here the outcome is deterministic, and a wrong law (a planted bug) is rejected with a
p-value far below α. References are written here from the definitions (pure-Python
loops, brute-force sums), not through the code under test.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy import stats

from tensorkv_check.engine.exact_attention import attention, softmax, tensor_attention
from tensorkv_check.subgen import (
    SubGen,
    SubGen2Cache,
    SubGen4Cache,
    bernstein_sample_size,
    online_cluster_labels,
    subgen4_parameters,
    subgen_parameters,
)
from tensorkv_check.subgen.data import (
    cluster_count,
    clustered_stream,
    clustered_tensor_stream,
    product_rows,
    queries,
)
from tensorkv_check.subgen.sampler import _OnlineClusters, _WeightedReservoirs

#: Level of every goodness-of-fit test below.
ALPHA = 1e-3


def _partition(n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """A random partition of range(n) into consecutive blocks (sizes 1..7)."""
    out, a = [], 0
    while a < n:
        b = min(n, a + int(rng.integers(1, 8)))
        out.append((a, b))
        a = b
    return out


def _chi2_p(counts: np.ndarray, probs: np.ndarray) -> float:
    keep = probs > 0
    assert counts[~keep].sum() == 0, "a zero-probability outcome was sampled"
    exp = probs[keep] / probs[keep].sum() * counts.sum()
    return float(stats.chisquare(counts[keep], exp).pvalue)


# --------------------------------------------------------------------------- sampling laws


@pytest.mark.parametrize("feed", ["whole", "one-by-one", "random-blocks"])
def test_l2_reservoir_law(feed):
    """Each of R independent size-1 reservoirs holds item j w.p. w_j / Σw (chi-square, α=1e-3)."""
    rng = np.random.default_rng(11)
    n, d, R = 12, 3, 20000
    V = rng.standard_normal((n, d)) * rng.uniform(0.2, 2.0, size=(n, 1))
    V[4] = 0.0  # a zero-weight item must never be sampled
    w = (V * V).sum(1)
    K = np.arange(n, dtype=float)[:, None] * np.ones((1, d))  # key row j identifies item j
    res = _WeightedReservoirs(d, R, 1)
    g = np.random.default_rng(5)
    blocks = {
        "whole": [(0, n)],
        "one-by-one": [(i, i + 1) for i in range(n)],
        "random-blocks": _partition(n, np.random.default_rng(3)),
    }[feed]
    for a, b in blocks:
        res.ingest(w[a:b, None], K[a:b], V[a:b], g)
    items = res.keys[res.refs[:, 0], 0].astype(int)
    counts = np.bincount(items, minlength=n)
    assert _chi2_p(counts, w) > ALPHA
    assert res.total[0] == pytest.approx(w.sum())


def test_l2_reservoirs_independent():
    """Reservoirs 2i and 2i+1 are independent: joint counts fit p_j p_k (chi-square, α=1e-3)."""
    n, d, R = 4, 2, 40000
    V = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [0.5, 0.5]])
    w = (V * V).sum(1)
    K = np.arange(n, dtype=float)[:, None] * np.ones((1, d))
    res = _WeightedReservoirs(d, R, 1)
    g = np.random.default_rng(8)
    for a, b in _partition(n, np.random.default_rng(1)):
        res.ingest(w[a:b, None], K[a:b], V[a:b], g)
    items = res.keys[res.refs[:, 0], 0].astype(int)
    joint = np.bincount(items[0::2] * n + items[1::2], minlength=n * n)
    assert _chi2_p(joint, np.outer(w, w).ravel()) > ALPHA


def test_algorithm_r_inclusion_law():
    """A cluster of 10 keys with t = 3 keeps each key w.p. 3/10 and each pair w.p. 6/90.

    2,000 independent runs, random block partitions; two-sided exact binomial tests with
    a Bonferroni correction over the 11 tests at total level α = 1e-3.
    """
    n, t, runs = 10, 3, 2000
    K = np.linspace(0.0, 0.05, n)[:, None]  # all within δ = 0.1 of the first key
    incl = np.zeros(n, dtype=int)
    pair01 = 0
    for run in range(runs):
        g = np.random.default_rng([7, run])
        cl = _OnlineClusters(1, 0.1, t)
        for a, b in _partition(n, g):
            cl.ingest(K[a:b], g)
        assert cl.m == 1 and cl.counts[0] == n and cl.filled[0] == t
        kept = np.rint(cl.samples[0][:t, 0] / 0.05 * (n - 1)).astype(int)
        assert len(set(kept.tolist())) == t  # without replacement
        incl[kept] += 1
        pair01 += int(0 in kept and 1 in kept)
    for j in range(n):
        assert stats.binomtest(int(incl[j]), runs, t / n).pvalue > ALPHA / 11
    assert stats.binomtest(pair01, runs, t * (t - 1) / (n * (n - 1))).pvalue > ALPHA / 11


def _token_of(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Index in ``table`` of each row of ``rows`` (exact equality)."""
    eq = (rows[:, None, :] == table[None, :, :]).all(axis=2)
    assert (eq.sum(axis=1) == 1).all()
    return eq.argmax(axis=1)


def test_pair_sampler_law():
    """SubGen4Cache's s pairs have P(j, k) = ‖V1_j ∘ V2_k‖² / μ (chi-square over n², α=1e-3).

    The mixture over coordinates, written out: P(j,k) = Σ_l (a_l b_l/μ)(V1_jl²/a_l)(V2_kl²/b_l);
    the reference below is the direct formula Σ_l V1_jl² V2_kl², computed by brute force.
    """
    rng = np.random.default_rng(21)
    n, d, s = 5, 3, 30000
    V1 = rng.standard_normal((n, d))
    V2 = rng.standard_normal((n, d)) * np.array([1.0, 3.0, 0.3])
    V1[2, 1] = 0.0
    V2[0] = [0.0, 0.0, 1.5]  # pairs (j, 0) with V1_j2 = 0 have probability 0
    V1[3, 2] = 0.0
    K1 = rng.standard_normal((n, d))
    K2 = rng.standard_normal((n, d))
    sg = SubGen4Cache(d, 1.0, delta1=0.01, t1=1, s=s, rng=4)
    for a, b in _partition(n, np.random.default_rng(2)):
        sg.ingest(K1[a:b], K2[a:b], V1[a:b], V2[a:b])
    ls, j, k = sg.sampled_pair_rows()
    (P1k, P1v), (P2k, P2v) = sg.pools()
    tj = _token_of(P1v[j], V1)
    tk = _token_of(P2v[k], V2)
    probs = np.array([[np.sum(V1[a] ** 2 * V2[b] ** 2) for b in range(n)] for a in range(n)]).ravel()
    counts = np.bincount(tj * n + tk, minlength=n * n)
    assert _chi2_p(counts, probs) > ALPHA
    # The coordinate of each sample follows a_l b_l / μ.
    ab = (V1**2).sum(0) * (V2**2).sum(0)
    assert _chi2_p(np.bincount(ls, minlength=d), ab) > ALPHA
    # Keys travel with their values.
    assert np.array_equal(P1k[j], K1[tj]) and np.array_equal(P2k[k], K2[tk])


# --------------------------------------------------------------------------- clustering


def _reference_clustering(K: np.ndarray, delta: float) -> tuple[list[int], list[np.ndarray]]:
    """The sequential rule, one key at a time, with direct distances."""
    centres: list[np.ndarray] = []
    labels = []
    for k in K:
        if centres:
            dist = [math.dist(k, c) for c in centres]
            j = int(np.argmin(dist))
            if dist[j] <= delta:
                labels.append(j)
                continue
        centres.append(k.copy())
        labels.append(len(centres) - 1)
    return labels, centres


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_online_clustering_is_the_sequential_rule(seed):
    rng = np.random.default_rng(seed)
    K = rng.uniform(-1, 1, size=(300, 2))
    delta = 0.3
    ref_labels, ref_centres = _reference_clustering(K, delta)
    labels, centres = online_cluster_labels(K, delta)
    assert labels.tolist() == ref_labels
    assert np.array_equal(centres, np.array(ref_centres))
    # The compressor, fed in random blocks, forms the same clusters.
    sg = SubGen(2, 1.0, delta=delta, t=2, s=2, rng=seed)
    for a, b in _partition(300, rng):
        sg.ingest(K[a:b], K[a:b])
    assert np.array_equal(sg.centres, centres)
    assert sg.cluster_sizes.tolist() == np.bincount(labels).tolist()


def test_clusters_of_clusterable_stream():
    """(m, δ)-clusterable keys: at most m clusters, every key within δ of its centre."""
    for growth in ("constant", "log", "sqrt"):
        n = 3000
        m = cluster_count(n, growth, 2.0)
        st = clustered_stream(n, 6, m=m, delta=0.2, radius=1.5, rng=9)
        labels, centres = online_cluster_labels(st.K, 0.2)
        assert centres.shape[0] <= m
        assert np.linalg.norm(st.K - centres[labels], axis=1).max() <= 0.2 + 1e-12
        # Generator's promise: groups of diameter <= δ.
        for c in range(st.m):
            G = st.K[st.labels == c]
            if len(G) > 1:
                assert np.linalg.norm(G[:, None] - G[None], axis=2).max() <= 0.2 + 1e-12


# --------------------------------------------------------------------------- exactness


def test_partition_function_exact_when_t_covers_clusters():
    st = clustered_stream(500, 5, m=6, delta=0.3, radius=2.0, rng=3)
    sg = SubGen(5, 1.0, delta=0.3, t=500, s=4, rng=0)
    sg.ingest(st.K, st.V)
    for q in queries(5, 5, 1.5, rng=1):
        assert sg.partition_estimate(q) == pytest.approx(np.exp(st.K @ q).sum(), rel=1e-12)
    ts = clustered_tensor_stream(40, 4, m1=3, delta1=0.2, rng=4)
    s4 = SubGen4Cache(4, 0.5, delta1=0.2, t1=40, s=4, rng=0)
    s4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    for q in queries(5, 4, 1.5, rng=2):
        exact = np.exp(0.5 * (ts.K1 * q) @ ts.K2.T).sum()
        assert s4.partition_estimate(q) == pytest.approx(exact, rel=1e-12)


def test_identical_keys_and_values_give_exact_output():
    v = np.array([0.5, -1.0, 2.0])
    for obj, feed in (
        (
            SubGen(3, None, delta=0.1, t=2, s=5, rng=1),
            lambda o: o.ingest(np.ones((50, 3)), np.tile(v, (50, 1))),
        ),
        (
            SubGen2Cache(3, None, delta=0.1, t=1, s=1, rng=1),
            lambda o: o.ingest(np.ones((9, 3)), np.tile(v, (9, 1))),
        ),
        (
            SubGen4Cache(3, None, delta1=0.1, t1=2, s=7, rng=1),
            lambda o: o.ingest(np.ones((6, 3)), np.ones((6, 3)), np.tile(v, (6, 1)), np.ones((6, 3))),
        ),
    ):
        feed(obj)
        np.testing.assert_allclose(
            obj.query([[0.3, 0.1, -0.2], [1.0, 2.0, 3.0]]), np.tile(v, (2, 1)), rtol=1e-14
        )


def test_zero_values_give_zero_not_nan():
    sg = SubGen(2, 1.0, delta=0.5, t=2, s=3, rng=0)
    sg.ingest(np.ones((4, 2)), np.zeros((4, 2)))
    assert np.array_equal(sg.query([1.0, 0.0]), [0.0, 0.0])
    s4 = SubGen4Cache(2, 1.0, delta1=0.5, t1=2, s=3, rng=0)
    s4.ingest(np.ones((3, 2)), np.ones((3, 2)), [[1.0, 0.0]] * 3, [[0.0, 1.0]] * 3)  # V1∘V2 = 0
    assert np.array_equal(s4.query([1.0, 0.0]), [0.0, 0.0])


def test_numerator_is_unbiased():
    """The ℓ2 estimate's terms μ e_j v_j/‖v_j‖² average to Σ_j e_j v_j (z-tests, α=1e-3 total)."""
    st = clustered_stream(400, 4, m=3, delta=0.3, radius=1.0, rng=5)
    s = 40000
    sg = SubGen(4, 1.0, delta=0.3, t=1, s=s, rng=6)
    sg.ingest(st.K, st.V)
    q = np.array([0.5, -0.2, 0.1, 0.3])
    Ks, Vs = sg.sampled_values()
    mu = (st.V**2).sum()
    terms = mu * np.exp(Ks @ q)[:, None] * Vs / (Vs**2).sum(1, keepdims=True)
    exact = np.exp(st.K @ q) @ st.V
    z = (terms.mean(0) - exact) / (terms.std(0, ddof=1) / math.sqrt(s))
    assert (np.abs(z) < stats.norm.isf(ALPHA / 8)).all()


def test_converges_to_exact_attention():
    """t >= cluster sizes (τ exact) and s large: error within a few RMS units √(sr/s)."""
    st = clustered_stream(2000, 4, m=4, delta=0.2, radius=1.0, rng=7)
    Q = queries(8, 4, 1.0, rng=8, towards=st.centres)
    A = attention(Q, st.K, st.V, 1.0)
    errs = []
    for s in (100, 10000):
        sg = SubGen(4, 1.0, delta=0.2, t=2000, s=s, rng=9)
        sg.ingest(st.K, st.V)
        Z = sg.query(Q)
        norm = np.linalg.norm(softmax(Q @ st.K.T), axis=1) * st.value_op_norm
        errs.append(np.max(np.linalg.norm(Z - A, axis=1) / norm))
    assert errs[1] < 5 * math.sqrt(4 / 10000)
    assert errs[1] < errs[0]


def test_tensor_models_agree_with_exact_tensor_attention():
    ts = clustered_tensor_stream(30, 3, m1=2, delta1=0.2, rng=10)
    Q = queries(4, 3, 1.0, rng=11)
    A = tensor_attention(Q, ts.K1, ts.K2, ts.V1, ts.V2, 1.0)
    Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
    R = 1.0 + 0.1
    s2 = SubGen2Cache(3, 1.0, delta=2 * 0.2 * R, t=900, s=60000, rng=1)
    s2.ingest(Kt, Vt)
    s4 = SubGen4Cache(3, 1.0, delta1=0.2, t1=30, s=60000, rng=1)
    s4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    for obj in (s2, s4):
        Z = obj.query(Q)
        for q, z, a in zip(Q, Z, A):
            P = softmax(((ts.K1 * q) @ ts.K2.T).ravel())
            assert np.linalg.norm(z - a) <= 5 * math.sqrt(3 / 60000) * np.linalg.norm(P) * ts.value_op_norm


def test_product_rows_match_two_cache_decoder():
    from tensorkv_check.engine.caches import TwoCacheDecoder

    ts = clustered_tensor_stream(5, 2, m1=2, delta1=0.2, rng=1)
    dec = TwoCacheDecoder(2)
    for i in range(5):
        dec.append(ts.K1[i], ts.K2[i], ts.V1[i], ts.V2[i])
    Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
    dk, dv = dec.products()
    assert np.array_equal(Kt, dk) and np.array_equal(Vt, dv)


# --------------------------------------------------------------------------- bytes, memory, determinism


def _make_all(seed):
    st = clustered_stream(3000, 4, m=5, delta=0.2, rng=seed)
    ts = clustered_tensor_stream(40, 4, m1=3, delta1=0.2, rng=seed)
    Kt, Vt = product_rows(ts.K1, ts.K2, ts.V1, ts.V2)
    objs = [
        (SubGen(4, None, delta=0.2, t=8, s=16, rng=seed), (st.K, st.V)),
        (SubGen2Cache(4, 1.0, delta=0.5, t=8, s=16, rng=seed), (Kt, Vt)),
        (
            SubGen4Cache(4, 1.0, delta1=0.2, delta2=0.3, t1=5, t2=6, s=16, rng=seed),
            (ts.K1, ts.K2, ts.V1, ts.V2),
        ),
    ]
    return objs


def test_round_trip_through_bytes_and_resume():
    q = np.array([[0.2, -0.1, 0.4, 0.3], [1.0, 0.0, 0.0, -1.0]])
    for obj, blocks in _make_all(3):
        half = blocks[0].shape[0] // 2
        obj.ingest(*(b[:half] for b in blocks))
        data = obj.to_bytes()
        clone = type(obj).from_bytes(data)
        assert clone.to_bytes() == data
        np.testing.assert_array_equal(clone.query(q), obj.query(q))
        # Resuming from the bytes continues the stream exactly (the generator is in the state).
        obj.ingest(*(b[half:] for b in blocks))
        clone.ingest(*(b[half:] for b in blocks))
        assert clone.to_bytes() == obj.to_bytes()
        np.testing.assert_array_equal(clone.query(q), obj.query(q))
    empty = SubGen(None, None, delta=0.1, t=1, s=1, rng=0)
    assert SubGen.from_bytes(empty.to_bytes()).to_bytes() == empty.to_bytes()


def test_corrupt_bytes_are_rejected():
    obj, blocks = _make_all(0)[0]
    obj.ingest(*blocks)
    data = obj.to_bytes()
    with pytest.raises(ValueError):
        SubGen.from_bytes(data[:-8])
    with pytest.raises(ValueError, match="not a SubGen2Cache"):
        SubGen2Cache.from_bytes(data)
    with pytest.raises(TypeError):
        SubGen.from_bytes(bytearray(data))


def test_determinism():
    def built(seed):
        objs = _make_all(seed)
        for obj, blocks in objs:
            obj.ingest(*blocks)
        return [obj for obj, _ in objs]

    for x, y, z in zip(built(5), built(5), built(6)):
        assert x.to_bytes() == y.to_bytes()
        assert x.to_bytes() != z.to_bytes()
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    st = clustered_stream(500, 3, m=2, delta=0.1, rng=0)
    s1 = SubGen(3, None, delta=0.1, t=4, s=8, rng=g1)
    s2 = SubGen(3, None, delta=0.1, t=4, s=8, rng=g2)
    s1.ingest(st.K, st.V)
    s2.ingest(st.K, st.V)
    assert s1.to_bytes() == s2.to_bytes()


def test_memory_flat_in_n_for_constant_m():
    sizes = []
    for n in (4096, 16384, 65536):
        st = clustered_stream(n, 8, m=4, delta=0.2, rng=n)
        sg = SubGen(8, None, delta=0.2, t=16, s=32, rng=1)
        sg.ingest(st.K, st.V)
        assert sg.memory_bytes == len(sg.to_bytes())
        sizes.append(sg.memory_bytes)
    slope = np.polyfit(np.log([4096, 16384, 65536]), np.log(sizes), 1)[0]
    assert abs(slope) <= 0.02, sizes
    assert max(sizes) <= 24 + 8 * 5 + 8 * 8 * (4 * 17 + 2 * 32 + 10)  # header + m(t+1) + 2s rows + state


def test_subgen4cache_memory_tracks_factor_clusters_not_pairs():
    for n in (256, 1024):
        ts = clustered_tensor_stream(n, 4, m1=3, delta1=0.2, rng=n)
        s4 = SubGen4Cache(4, 1.0, delta1=0.2, t1=8, s=16, rng=0)
        s4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
        m1, m2 = s4.n_clusters
        assert m1 <= 3 and m2 <= 3
        assert s4.stored_rows() <= (m1 + m2) * 9 + 2 * 2 * 16 * 4


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        (dict(delta=0.0, t=1, s=1, rng=0), ValueError, "delta"),
        (dict(delta=-1.0, t=1, s=1, rng=0), ValueError, "delta"),
        (dict(delta=float("nan"), t=1, s=1, rng=0), ValueError, "delta"),
        (dict(delta=0.1, t=0, s=1, rng=0), ValueError, "t"),
        (dict(delta=0.1, t=1, s=0, rng=0), ValueError, "s"),
        (dict(delta=0.1, t=1.5, s=1, rng=0), TypeError, "t"),
        (dict(delta=0.1, t=1, s=1, rng=None), TypeError, "rng"),
        (dict(delta=0.1, t=1, s=1, rng=np.random.Generator(np.random.MT19937(0))), TypeError, "rng"),
        (dict(delta="x", t=1, s=1, rng=0), TypeError, "delta"),
    ],
)
def test_constructor_validation(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        SubGen(2, **kwargs)


def test_subgen4cache_validation():
    with pytest.raises(ValueError, match="delta2"):
        SubGen4Cache(2, delta1=0.1, delta2=0.0, t1=1, s=1, rng=0)
    with pytest.raises(ValueError, match="t2"):
        SubGen4Cache(2, delta1=0.1, t1=1, t2=0, s=1, rng=0)
    s4 = SubGen4Cache(2, delta1=0.1, t1=1, s=1, rng=0)
    with pytest.raises(ValueError, match="v2"):
        s4.ingest(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="k2"):
        s4.ingest(np.ones((3, 2)), np.ones((3, 3)), np.ones((3, 2)), np.ones((3, 2)))


def test_ingest_and_query_validation():
    sg = SubGen(3, delta=0.1, t=1, s=1, rng=0)
    with pytest.raises(ValueError, match="empty"):
        sg.query([1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="k"):
        sg.ingest(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="v"):
        sg.ingest(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        sg.ingest([[np.nan, 0.0, 0.0]], [[1.0, 0.0, 0.0]])
    with pytest.raises(TypeError, match="v"):
        sg.ingest([[1.0, 0.0, 0.0]], [["a", "b", "c"]])
    assert sg.n_tokens == 0  # nothing was ingested by the failed calls
    sg.ingest([1.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="q"):
        sg.query([1.0, 0.0])
    with pytest.raises(ValueError, match="q"):
        sg.query([1.0, np.inf, 0.0])
    with pytest.raises(ValueError, match="q"):
        sg.query(np.ones((2, 2, 3)))
    assert np.isfinite(sg.query([1.0, 0.0, 0.0])).all()
    with pytest.raises(ValueError, match="overflow"):
        sg.ingest([1.0, 0.0, 0.0], [1e200, 0.0, 0.0])  # ‖v‖² = 1e400
    s4 = SubGen4Cache(3, delta1=0.1, t1=1, s=2, rng=0)
    with pytest.raises(ValueError, match="overflow"):
        s4.ingest([1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1e200, 0.0, 0.0], [1e200, 0.0, 0.0])
    s2 = SubGen2Cache(delta=0.1, t=1, s=1, rng=0)
    with pytest.raises(ValueError, match="vt"):
        s2.ingest(np.ones((2, 3)), np.ones((3, 3)))


def test_parameter_formulas_and_validation():
    p = subgen_parameters(0.5, 0.05, 2.0, 8192, 4, scale=1.0, failure_probability=0.1)
    span = 2 * 2.0 * 0.05
    a = 0.5 / 3
    t = math.ceil(2 * (math.exp(span) - 1) * (1 + a / 3) * math.log(2 * 8192) / a**2)
    assert (p.t, p.s) == (t, math.ceil(18 * 4 / (0.25 * 0.1)))
    u = subgen_parameters(0.5, 0.05, 2.0, 8192, 4, scale=1.0, constants="unit")
    assert (u.t, u.s) == (math.ceil(math.exp(span) * math.log(8192) / 0.25), 16)
    assert subgen_parameters(0.5, 0.05, 2.0, 8192, 4).scale == 0.25  # default 1/d
    assert bernstein_sample_size(1.0, 0.2, 0.01) == 1
    # t grows like log n (the spec's t = O(ε⁻² e^{2δr} log n)).
    ts = [subgen_parameters(0.5, 0.1, 1.0, n, 4, scale=1.0).t for n in (10**3, 10**6)]
    assert 1.8 < ts[1] / ts[0] < 2.1
    p4 = subgen4_parameters(0.5, 0.1, 0.2, 1.0, 2.0, 1.0, 100, 4, scale=1.0)
    assert p4.logit_range1 == pytest.approx(2 * 0.1 * 2.0) and p4.logit_range2 == pytest.approx(2 * 0.2 * 1.0)
    for bad, exc, name in [
        (dict(eps=1.0), ValueError, "eps"),
        (dict(eps=0.0), ValueError, "eps"),
        (dict(delta=0.0), ValueError, "delta"),
        (dict(n=0), ValueError, "n"),
        (dict(failure_probability=1.0), ValueError, "failure_probability"),
        (dict(stable_rank=5.0), ValueError, "stable_rank"),
        (dict(constants="x"), ValueError, "constants"),
        (dict(r=-1.0), ValueError, "r"),
        (dict(eps="a"), TypeError, "eps"),
    ]:
        args = dict(eps=0.5, delta=0.1, r=1.0, n=100, d=4) | bad
        with pytest.raises(exc, match=name):
            subgen_parameters(**args)


def test_scale_default_is_engine_default():
    sg = SubGen(4, delta=0.1, t=100, s=1, rng=0)
    assert sg.scale == 0.25
    K = np.random.default_rng(0).standard_normal((20, 4))
    sg.ingest(K, K)
    q = np.array([1.0, 2.0, 0.0, -1.0])
    assert sg.partition_estimate(q) == pytest.approx(np.exp(K @ q / 4).sum(), rel=1e-12)
    # The query path uses the same default: two clusters (keys ±2e1, values e2 / e3) and
    # q = 2e1 give softmax weights e^{±2} at scale 1/4 and e^{±8} at scale 1.
    g = np.random.default_rng(4)
    K = np.zeros((400, 4))
    K[:, 0] = np.repeat([2.0, -2.0], 200)
    K += 1e-3 * g.standard_normal(K.shape)
    V = np.zeros((400, 4))
    V[:200, 1] = 1.0
    V[200:, 2] = 1.0
    q = np.array([2.0, 0.0, 0.0, 0.0])
    ones = np.ones_like(K)
    for obj, feed in (
        (SubGen(4, None, delta=0.1, t=400, s=20000, rng=1), lambda o: o.ingest(K, V)),
        (SubGen4Cache(4, None, delta1=0.1, t1=400, s=20000, rng=1), lambda o: o.ingest(K, ones, V, ones)),
    ):
        feed(obj)
        z = obj.query(q)
        assert np.linalg.norm(z - attention(q, K, V)) < 0.02
        assert np.linalg.norm(z - attention(q, K, V, 1.0)) > 0.1


# --------------------------------------------------------------------------- protocol and checks


def test_protocol_and_index_harness():
    from tensorkv_check.engine.protocol import check_algorithm

    for obj, kind in (
        (SubGen(2, delta=0.1, t=1, s=1, rng=0), "kv"),
        (SubGen2Cache(2, delta=0.1, t=1, s=1, rng=0), "rows"),
        (SubGen4Cache(2, delta1=0.1, t1=1, s=1, rng=0), "factors"),
    ):
        check_algorithm("alg", obj, kind)
    index = pytest.importorskip("tensorkv_check.index.reduction")
    # Enough ℓ2 samples to hold every value row: Bob decodes (nearly) every bit.
    fac = functools.partial(SubGen, delta=1e-3, t=1, s=4000, rng=0)
    res = index.run_index(fac, "standard", 16, 64, queries=100, seed=1)
    assert res.estimate.successes >= 95


def test_check_functions_small():
    import tensorkv_check.subgen as sc

    s = sc.BoundSetting("tiny", "subgen4cache", 24, 3, 2, 0.1, 1.0, 1.0, 0.5, 0.1)
    res = sc.error_bound_rate(s, trials=10, seed=2)
    assert res.estimate.trials == 10 and res.worst["ratio"] < 1
    inst = sc.trial_instance(s, 2, res.worst["trial"])
    assert inst["ratio"] == pytest.approx(res.worst["ratio"])
    k = sc.kron_cluster_diameters(n=30, seed=1)
    assert k["centres_match"] and k["max_ratio_cluster"] <= 1 and k["max_ratio_global"] <= 1
    assert k["subgen2cache_clusters"] <= k["m1m2"]
    # Unequal factors (R1 ≪ R2, δ1 ≫ δ2): the pairing δ1·R2 + R1·δ2 matters, and holds.
    k = sc.kron_cluster_diameters(n=40, d=2, delta1=0.4, delta2=0.02, radius=0.3, radius2=3.0, seed=2)
    assert k["max_ratio_cluster"] <= 1 and k["max_ratio_global"] <= 1
    assert k["max_ratio_cluster"] > 0.5  # and is not vacuous here
    tight = sc.kron_tightness_instance()
    assert tight["ratio"] == pytest.approx(tight["predicted_ratio"], rel=1e-9)
    mem = sc.memory_scaling("subgen", [2048, 8192], t=8, s=16)
    assert abs(mem["slope"]) <= 0.1
    ex = sc.memory_scaling("exact-four-cache", [16, 64])
    assert ex["slope"] == pytest.approx(1.0, abs=0.05)


class _DoubledNumerator(SubGen4Cache):
    """A planted bug: the ℓ2-sampled numerator scaled by 2."""

    def _prepared(self):
        X1, w1, X2, w2, Kp, Vp, coef = super()._prepared()
        return X1, w1, X2, w2, Kp, Vp, 2 * coef


class _DoubledPartition(SubGen4Cache):
    """A planted bug: the partition estimate's factor-1 cluster weights scaled by 2."""

    def _prepared(self):
        X1, w1, X2, w2, Kp, Vp, coef = super()._prepared()
        return X1, 2 * w1, X2, w2, Kp, Vp, coef


def _planted(cls):
    import tensorkv_check.subgen as sc

    def factory(setting, ss):
        P = sc.setting_parameters(setting)
        return cls(setting.d, setting.scale, delta1=P["delta1"], t1=P["t1"], t2=P["t2"], s=P["s"], rng=ss)

    return factory


def test_sampled_partition_check_uses_the_sampler_and_catches_planted_2x():
    """thm:subgen4cache's evidence: the partition sampler runs (|C| > t), the real algorithm
    passes, and a doubled numerator or a doubled partition estimate fails the same check."""
    import tensorkv_check.subgen as sc

    S = sc.SAMPLED_SETTING
    P = sc.setting_parameters(S)
    good = sc.sampled_partition_rate(S, trials=40, seed=5)
    assert good.sampled_trials == 40 and good.parameters["largest_factor_cluster"] > P["t1"]
    assert good.estimate.successes == 0 and good.denominator.successes == 0
    assert good.ratio_quantiles["q100"] < 0.5
    bad = sc.sampled_partition_rate(S, trials=40, seed=5, factory=_planted(_DoubledNumerator))
    assert not bad.holds and bad.estimate.successes >= 38 and bad.ratio_quantiles["q50"] > 1.5
    bad = sc.sampled_partition_rate(S, trials=40, seed=5, factory=_planted(_DoubledPartition))
    assert not bad.holds and bad.denominator.successes == 40
    # At the default settings' sizes t1 ≥ every cluster: the counter stays at 0 and the check fails.
    exact = sc.BoundSetting("x", "subgen4cache", 24, 2, 2, 0.1, 1.0, 1.0, 0.5, 0.1, value_mean=1.0)
    res = sc.sampled_partition_rate(exact, trials=5, seed=1)
    assert res.sampled_trials == 0 and not res.holds
    with pytest.raises(ValueError, match="subgen4cache"):
        sc.sampled_partition_rate(sc.BoundSetting("y", "subgen", 24, 2, 2, 0.1, 1.0, 1.0, 0.5, 0.1))


def test_sampled_partition_counter_counts_subsampled_queries():
    ts = clustered_tensor_stream(64, 2, m1=1, delta1=0.01, rng=3)
    s4 = SubGen4Cache(2, 1.0, delta1=0.05, t1=8, s=4, rng=0)
    s4.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    assert s4.subsampled_clusters == (1, 1) and s4.sampled_partition_queries == 0
    s4.query(np.ones((3, 2)))
    assert s4.sampled_partition_queries == 3
    full = SubGen4Cache(2, 1.0, delta1=0.05, t1=64, s=4, rng=0)
    full.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    full.query(np.ones(2))
    assert full.subsampled_clusters == (0, 0) and full.sampled_partition_queries == 0


def test_memory_follows_derived_t_and_the_check_catches_doubled_storage(monkeypatch):
    """Bytes track 8·d·(m·t(n) + s) with the derived t(n) (growing like log n), and the claim
    check fails when a compressor stores twice its state or keeps every token."""
    import proofs.subgen_algorithms as alg
    import tensorkv_check.subgen as sc
    from tensorkv_check.subgen import sampler as smp

    out = sc.derived_memory_scaling("subgen")
    assert out["t"][0] < out["t"][1] < out["t"][2] and out["full"]
    assert abs(out["slope_vs_predicted"] - 1) <= 0.05 and out["slope_in_n"] < 0.2
    assert alg._memory_derived_check("subgen").outcome == "pass"
    orig = SubGen.to_bytes
    monkeypatch.setattr(SubGen, "to_bytes", lambda self: orig(self) * 2)
    assert alg._memory_derived_check("subgen").outcome == "fail"
    monkeypatch.setattr(SubGen, "to_bytes", orig)
    # Reservoirs that never evict (every token kept): memory grows like n.
    orig_init = smp._OnlineClusters.__init__

    def keep_all(self, d, delta, t):
        orig_init(self, d, delta, 10**9)

    monkeypatch.setattr(smp._OnlineClusters, "__init__", keep_all)
    assert alg._memory_derived_check("subgen4cache").outcome == "fail"


def test_coordinate_pair_sampler_is_unbiased_with_the_stated_variance():
    """The coordinate sampler: mean of N̂ over seeds = N (Z exact: t ≥ clusters), the per-pair
    importance ratio ‖v‖²/P_π ≤ d·max_l a_l b_l ≤ d‖V1⊘V2‖_op², and E‖N̂ − N‖² ≤ ‖e‖²d‖V‖_op²/s'."""
    ts = clustered_tensor_stream(24, 3, m1=2, delta1=0.1, rng=4)
    q = np.array([0.4, -0.3, 0.6])
    exact = tensor_attention(q, ts.K1, ts.K2, ts.V1, ts.V2, 1.0)
    logits = (ts.K1 * q) @ ts.K2.T
    e = np.exp(logits - logits.max())
    Z = e.sum()
    s = 6
    zs = []
    for seed in range(600):
        c = SubGen4Cache(3, 1.0, delta1=0.1, t1=64, s=s, rng=seed, pair_sampler="coordinate")
        c.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
        zs.append(c.query(q))
    zs = np.array(zs)
    err2 = ((zs - exact) ** 2).sum(1)
    se = zs.std(0) / np.sqrt(len(zs))
    assert np.all(np.abs(zs.mean(0) - exact) <= 4 * se + 1e-12)
    bound = (e**2).sum() / Z**2 * 3 * ts.value_op_norm**2 / s  # ‖softmax‖²·d·‖V‖_op²/s'
    assert err2.mean() <= bound
    # The importance ratio over every pair, computed here from the definition.
    a, b = (ts.V1**2).sum(0), (ts.V2**2).sum(0)
    x = (ts.V1[:, None, :] ** 2) * (ts.V2[None, :, :] ** 2)
    ratio = x.sum(-1) / ((x / (a * b)).sum(-1) / 3)
    assert ratio.max() <= 3 * (a * b).max() * (1 + 1e-12) <= 3 * ts.value_op_norm**2 * (1 + 1e-12)


def test_coordinate_pair_sampler_memory_bytes_and_validation():
    ts = clustered_tensor_stream(300, 8, m1=2, delta1=0.1, rng=5)
    kw = dict(delta1=0.1, t1=4, s=20, rng=1)
    mix = SubGen4Cache(8, 1.0, **kw)
    coo = SubGen4Cache(8, 1.0, pair_sampler="coordinate", **kw)
    for c in (mix, coo):
        c.ingest(ts.K1, ts.K2, ts.V1, ts.V2)
    (k1, _), (k2, _) = coo.pools()
    assert k1.shape[0] <= 24 and k2.shape[0] <= 24  # d·⌈s/d⌉ = 24 reservoirs per factor
    assert mix.pools()[0][0].shape[0] > 24 and len(coo.to_bytes()) < len(mix.to_bytes())
    back = SubGen4Cache.from_bytes(coo.to_bytes())
    assert back.pair_sampler == "coordinate" and back.to_bytes() == coo.to_bytes()
    np.testing.assert_array_equal(back.query(np.ones(8)), coo.query(np.ones(8)))
    ls, j, k = coo.sampled_pair_rows()
    assert ls.size == j.size == k.size == 24 and set(ls.tolist()) == set(range(8))
    with pytest.raises(ValueError, match="pair_sampler"):
        SubGen4Cache(8, 1.0, pair_sampler="pairs", **kw)
    with pytest.raises(ValueError, match="stable_rank"):
        SubGen4Cache.for_guarantee(
            0.5, 0.1, 0.1, 1.0, 1.0, 1.0, 64, 4, stable_rank=1.0, rng=0, pair_sampler="coordinate"
        )
    import tensorkv_check.subgen as sc

    out = sc.pair_sampler_memory(n=512, d=16, s=128, t=8)
    b = out["bytes"]
    assert b["coordinate"] < b["exact-four-cache"] < b["mixture"]
    assert b["coordinate"] <= 1.05 * out["predicted_bytes"]["coordinate"]


def test_coordinate_sampler_check_catches_planted_2x():
    import tensorkv_check.subgen as sc

    class _Doubled(SubGen4Cache):
        def _prepared(self):
            X1, w1, X2, w2, Kp, Vp, coef = super()._prepared()
            return X1, w1, X2, w2, Kp, Vp, 2 * coef

    S = sc.SAMPLED_SETTING
    P = sc.setting_parameters(S)

    def factory(st, ss):
        return _Doubled(
            st.d, st.scale, delta1=P["delta1"], t1=P["t1"], s=P["s"], rng=ss, pair_sampler="coordinate"
        )

    good = sc.sampled_partition_rate(S, trials=30, seed=2, pair_sampler="coordinate")
    assert good.estimate.successes == 0 and good.sampled_trials == 30
    bad = sc.sampled_partition_rate(S, trials=30, seed=2, factory=factory)
    assert not bad.holds and bad.estimate.successes >= 28


def test_lowdim_memory_vs_lower_bound(monkeypatch):
    """thm:subgen4cache-lowdim-opt's evidence: stored numbers within the proof's count and the
    proved multiple of the lower bound; a compressor storing twice its state breaks the count."""
    import tensorkv_check.subgen as sc

    out = sc.lowdim_memory_vs_lower(ds=(18,), n=128, seed=1)
    (r,) = out["rows"]
    assert r["T"] == 2 and r["lower"] == 36 and r["holds"]
    assert r["numbers"] <= r["count"] and r["clusters"][0] <= min(128, r["covering_bound"])
    orig = SubGen4Cache.to_bytes
    monkeypatch.setattr(SubGen4Cache, "to_bytes", lambda self: orig(self) * 20)
    (r,) = sc.lowdim_memory_vs_lower(ds=(18,), n=128, seed=1)["rows"]
    assert r["numbers"] > r["count"]


def test_error_bound_rate_counts_violations():
    """With unit constants the bound is violated often; the count must match a recount."""
    import tensorkv_check.subgen as sc

    s = sc.BoundSetting("u", "subgen", 512, 4, 3, 0.1, 1.0, 2.0, 0.5, 0.1, constants="unit")
    res = sc.error_bound_rate(s, trials=30, seed=3)
    recount = sum(
        sc.trial_instance(s, 3, k)["error"] > sc.trial_instance(s, 3, k)["bound"] for k in range(30)
    )
    assert res.estimate.successes == recount > 0
    assert res.first_failure is not None and res.first_failure["ratio"] > 1
    assert res.refuted == (res.estimate.ci_low > 0.1)


def test_plots_are_deterministic_svg():
    import tensorkv_check.subgen as sc

    data = sc.error_memory_data(ns=(512,), tensor_ns=(12,), budgets=((2, 4), (4, 8)), d=4, n_queries=3)
    svg1, svg2 = sc.error_memory_svg(data), sc.error_memory_svg(data)
    assert svg1.startswith("<svg") and svg1 == svg2
    mem = sc.memory_vs_n_data(ns=(256, 512), tensor_ns=(8, 12), growths=("constant",), t=4, s=8)
    assert sc.memory_vs_n_svg(mem).startswith("<svg")


# ----------------------------------------------------------- report section and own clusters
def test_kron_cluster_diameters_replays_the_compressor():
    from tensorkv_check.subgen import kron_cluster_diameters

    out = kron_cluster_diameters(40, 3, seed=2, return_data=True)
    assert out["centres_match"] and out["sizes_match"]
    assert out["max_ratio_cluster"] <= 1 + 1e-12 and out["max_ratio_apriori"] <= 1 + 1e-12
    K1, l1 = out["data"]["K1"], out["data"]["labels1"]
    p = out["pairs"][0]
    A, B = K1[l1 == p["a"]], out["data"]["K2"][out["data"]["labels2"] == p["b"]]
    rows = (A[:, None] * B[None]).reshape(-1, 3)
    diam = np.sqrt(((rows[:, None] - rows[None]) ** 2).sum(-1).max())
    assert p["diameter"] == pytest.approx(diam, rel=1e-12)
    assert "data" not in kron_cluster_diameters(40, 3, seed=2)


def test_subgen_section_is_deterministic(monkeypatch):
    import json

    import tensorkv_check.subgen.section as sgc
    from tensorkv_check.runner.sweep_runner import run_tasks

    tiny = {
        "em_ns": [512],
        "em_tensor_ns": [16],
        "mv_ns": [256, 512],
        "mv_tensor_ns": [8, 16],
        "trials": 5,
        "kron_seeds": 1,
        "pair_memory": {"n": 256, "d": 8, "t": 8, "s": 32},
    }
    monkeypatch.setitem(sgc.SECTION_PROFILES, "tiny", tiny)
    a = sgc.SECTION.compute("tiny", 3, run_tasks)
    b = sgc.compute("tiny", 3)
    assert json.dumps(a, sort_keys=True, allow_nan=False) == json.dumps(b, sort_keys=True, allow_nan=False)
    assert [r["setting"]["model"] for r in a["error_rates"]] == ["subgen", "subgen2cache", "subgen4cache"]
    assert all(r["estimate"]["trials"] == 5 for r in a["error_rates"])
    figs = sgc.SECTION.figures(a)
    assert [f["file"] for f in figs] == ["subgen-error-memory.svg", "subgen-memory-vs-n.svg"]
    assert all(f["svg"].startswith("<svg") and f["alt"] for f in figs)
    found = sgc.SECTION.findings(a)
    assert found == sgc.findings(a)
    assert all(set(f) == {"claim", "kind", "text"} for f in found)
    assert {f["claim"] for f in found} >= {
        "thm:subgen",
        "alg:subgen2cache",
        "alg:subgen4cache",
        "thm:subgen4cache",
        "lem:kron-clusterable",
    }
    assert [m["model"] for m in a["memory_derived"]] == ["subgen", "subgen2cache", "subgen4cache"]
    assert any("coordinate pair sampler" in f["text"] for f in found)
    with pytest.raises(ValueError, match="profile"):
        sgc.compute("nope", 0)


@pytest.mark.parametrize(
    "name", ["data", "error_trials", "parameters", "sampler", "standard", "tensor_variants"]
)
def test_doctests(name):
    import doctest
    import importlib

    module = importlib.import_module(f"tensorkv_check.subgen.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0
