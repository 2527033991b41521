"""The speed-ups of the report's hot paths give the same results as the code they replaced.

The report's JSON for a seed must not change when a computation is reorganised, so each
optimisation here is compared bit for bit with the plain computation it stands for:

* the queried-rows key coherence (``_max_inner_rows``): a fast tiled pass, then the
  reference's own blocks where the maximum can be (:mod:`tensorkv_check.engine._gram`);
* Bob's larger query batches for :class:`FactorKeepingTwoCache` (``batch_for``), with the
  outputs near his threshold re-asked in plain chunks;
* the per-process reuse of Index instances and their coherence in :func:`run_index`;
* the caveat sweep split in two tasks per ``n``.

Why the care: BLAS does not promise an entry of ``A @ B`` the same bits for another
number of rows in ``A`` (on OpenBLAS 0.3.31 with SkylakeX kernels, products of 2-11 rows
differ in the last bits from products of 12 or more, at 1500 columns).
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tensorkv_check.engine import _gram, jl
from tensorkv_check.index import instances, reduction
from tensorkv_check.index import sweeps as isw
from tensorkv_check.index.algorithms import FactorKeepingTwoCache
from tensorkv_check.index.instances import make_instance
from tensorkv_check.runner.sweep_runner import Task, task_seed


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # As every runner task runs (tensorkv_check.runner.backends).
    with threadpool_limits(1, user_api="blas"):
        yield


# ------------------------------------------------------------------ coherence


def _max_inner_rows_plain(K: np.ndarray, rows: np.ndarray) -> float:
    r = K.shape[0]
    block = max(1, instances._GRAM_BLOCK_ENTRIES // r)
    best = 0.0
    for s in range(0, rows.size, block):
        idx = rows[s : s + block]
        G = K[idx] @ K.T
        G[np.arange(idx.size), idx] = 0.0
        best = max(best, float(G.max()), -float(G.min()))
    return best


@pytest.mark.parametrize("tile", [2, 3, 256])
@pytest.mark.parametrize("entries", [5000 * 4, 5000 * 3, 5000])  # row blocks of 4, 3 and 1
@pytest.mark.parametrize("m", [1, 2, 41, 43, 300])
def test_queried_rows_maximum_equals_the_row_block_maximum(monkeypatch, tile, entries, m):
    monkeypatch.setattr(_gram, "TILE_ROWS", tile)
    monkeypatch.setattr(_gram, "TILE_ENTRIES", tile * 700)
    monkeypatch.setattr(instances, "_GRAM_BLOCK_ENTRIES", entries)
    rng = np.random.default_rng(m)
    K = rng.standard_normal((5000, 19)) / np.sqrt(19)
    rows = np.unique(rng.choice(5000, size=m, replace=False))
    assert instances._max_inner_rows(K, rows) == _max_inner_rows_plain(K, rows)


@pytest.mark.parametrize("d, exact", [(64, True), (16, True), (1, True), (24, False), (2, False)])
def test_rademacher_keys_in_dimension_4_to_the_k_skip_the_reference(monkeypatch, d, exact):
    K = jl.near_orthogonal_keys(3000, d, np.random.default_rng(d))
    rows = np.unique(np.random.default_rng(1).integers(0, 3000, 200))
    assert _gram._exact_products(K) is exact
    assert not _gram._exact_products(K * np.r_[np.ones(2999), 1.5][:, None])  # one row off
    calls = []
    real = _gram.abs_max

    def counting(K, rows, block, reference):
        return real(K, rows, block, lambda a, b: calls.append(a) or reference(a, b))

    monkeypatch.setattr(_gram, "abs_max", counting)
    assert instances._max_inner_rows(K, rows) == _max_inner_rows_plain(K, rows)
    assert (not calls) is exact


def test_blocks_within_the_rounding_slack_of_the_fast_maximum_are_computed():
    # Row 0's fast maximum is 0.6 + 3e-16, row 1's is 0.6: a rounding apart. If the
    # reference (planted here) rounds row 1's block up past row 0's, the reference's
    # maximum is row 1's, so row 1's block must be computed too, not only the top one.
    K = np.array([[1.0, 0.0], [0.6, 0.8], [0.6 + 3e-16, -0.8]])
    rows = np.array([0, 1])
    fast = {0: 0.6 + 3e-16, 1: 0.6}
    assert fast[0] > fast[1]
    planted = {0: fast[0], 1: 0.6 + 5e-16}
    got = _gram.abs_max(K, rows, 1, lambda s0, s1: planted[int(rows[s0])])
    assert got == planted[1]


def test_the_reference_blocks_decide_the_value(monkeypatch):
    # The fast pass only chooses blocks; the value is the reference's. A reference that
    # is off by a planted factor shows up in the result, and so does a fast pass that
    # misses the tile holding the maximum (its block is then not chosen).
    rng = np.random.default_rng(0)
    K = rng.standard_normal((600, 7))
    K[-1] = K[0] * 3  # the largest pair (0, 599)
    rows = np.arange(0, 600, 7)
    monkeypatch.setattr(instances, "_GRAM_BLOCK_ENTRIES", 600 * 4)
    want = _max_inner_rows_plain(K, rows)
    assert instances._max_inner_rows(K, rows) == want
    real = _gram.abs_max

    def doubled(K, rows, block, reference):
        return real(K, rows, block, lambda a, b: 2 * reference(a, b))

    monkeypatch.setattr(_gram, "abs_max", doubled)
    assert instances._max_inner_rows(K, rows) == 2 * want
    monkeypatch.setattr(_gram, "abs_max", real)
    monkeypatch.setattr(_gram, "TILE_ENTRIES", 256 * 300)  # two column tiles
    real_range = range

    def short(*a):  # the column loop of the fast pass stops one tile early
        r = real_range(*a)
        return r[:-1] if len(a) == 3 and a[1] == 600 else r

    monkeypatch.setattr(_gram, "range", short, raising=False)
    assert instances._max_inner_rows(K, rows) < want


# ------------------------------------------------------------------ Bob's batches


@pytest.mark.parametrize("n, d", [(64, 64), (128, 17), (48, 40)])
def test_factor_keeping_batches_do_the_arithmetic_of_bobs_chunks(monkeypatch, n, d):
    monkeypatch.setattr(reduction, "_BOB_BLOCK_ENTRIES", 4 * n * n)  # Bob's chunks of 4 queries
    inst = make_instance("two-cache-structured", n, d, seed=3)
    alg = FactorKeepingTwoCache(d)
    alg.ingest(*inst.stream)
    assert alg.batch_for(4) == d - 1 and alg.batch_for(1) == 1 and alg.batch_for(d) == d
    rng = np.random.default_rng(n)
    for total in (1, 2, 5, 4 * d + 1, 4 * d + 2, 3 * d):
        Q = inst.keys[rng.integers(0, n * n, total)] * 5.0
        chunked = np.vstack([alg.query(Q[s : s + 4]) for s in range(0, total, 4)])
        batches = reduction._query_batches(alg, total, n * n)
        assert max(b.stop - b.start for b in batches) <= d - 1
        batched = np.vstack([alg.query(Q[b]) for b in batches])
        np.testing.assert_allclose(batched, chunked, rtol=1e-12, atol=1e-12)


def test_two_cache_batches_give_the_guesses_of_bobs_chunks(monkeypatch):
    from tensorkv_check.engine.caches import TwoCacheDecoder

    n, d = 16, 24
    inst = make_instance("two-cache", n, d, seed=4)
    dec = TwoCacheDecoder(d)
    dec.ingest(*inst.stream)
    monkeypatch.setattr(reduction, "_BOB_BLOCK_ENTRIES", 3 * n * n)  # Bob's chunks of 3
    monkeypatch.setattr(TwoCacheDecoder, "BATCH_ENTRIES", 40 * n * n)
    assert dec.batch_for(3) == 40
    targets = np.random.default_rng(0).integers(0, inst.N, 301)
    for C in (0.5, 2.0, 8.0):  # from chance-level outputs (near 1/2) to exact decoding
        got = reduction.bob_decode(dec, inst.keys, inst.bob_rows, d, targets, C)
        row, col = np.divmod(targets, d)
        Q = C / dec.scale * inst.keys[inst.bob_rows[row]]
        plain = np.concatenate(
            [dec.query(Q[s : s + 3])[np.arange(len(Q[s : s + 3])), col[s : s + 3]] for s in range(0, 301, 3)]
        )
        assert np.array_equal(got, (plain > 0.5).astype(np.uint8))


class _Noisy:
    """An algorithm whose batched outputs sit within rounding of 1/2, differently by batch size."""

    scale = 1.0

    def __init__(self, d):
        self.d = d
        self.calls: list[int] = []

    def batch_for(self, m):
        return 10 * m

    def query(self, Q):
        self.calls.append(Q.shape[0])
        # Outputs 1/2 ± 1e-12 (for keys with a positive first entry, else 0) whose side
        # depends on the batch size, as rounding would.
        sign = 1.0 if Q.shape[0] <= 4 else -1.0
        return np.where(Q[:, :1] > 0, 0.5 + sign * 1e-12, 0.0) * np.ones(Q.shape)


def test_outputs_near_the_threshold_are_re_asked_in_plain_chunks(monkeypatch):
    d, total = 3, 23
    monkeypatch.setattr(reduction, "_BOB_BLOCK_ENTRIES", 4 * 100)  # chunks of 4 over 100 rows
    keys = np.random.default_rng(0).standard_normal((100, d))
    rows = np.arange(total) % 100
    alg = _Noisy(d)
    got = reduction._decode_every_bit(alg, keys, rows, d, 1.0)
    plain = np.vstack([alg.query(keys[rows[s : s + 4]]) for s in range(0, total, 4)]) > 0.5
    assert np.array_equal(got, plain.reshape(-1).astype(np.uint8)) and got.any()
    assert max(alg.calls) > 4  # batches were used, and the near outputs re-asked
    monkeypatch.setattr(reduction, "_MARGIN", 0.0)  # without the re-asking the guesses differ
    assert not np.array_equal(reduction._decode_every_bit(_Noisy(d), keys, rows, d, 1.0), got)


@pytest.mark.parametrize("total", range(1, 30))
@pytest.mark.parametrize("chunk, batch", [(4, 9), (2, 3), (1, 7), (5, 5), (3, 2)])
def test_query_batches_cover_in_order_and_leave_no_new_single_query(total, chunk, batch):
    class Alg:
        def batch_for(self, m):
            return batch

    rows = reduction._BOB_BLOCK_ENTRIES // chunk
    sl = reduction._query_batches(Alg(), total, rows)
    assert [i for s in sl for i in range(s.start, min(s.stop, total))] == list(range(total))
    sizes = [min(s.stop, total) - s.start for s in sl]
    if chunk >= 2 and batch > chunk:
        assert max(sizes) <= batch
        singles = [k for k, z in enumerate(sizes) if z == 1]
        assert singles == ([len(sizes) - 1] if total % chunk == 1 else [])
    else:
        assert sizes == [min(chunk, total - s) for s in range(0, total, chunk)]


# ------------------------------------------------------------------ reuse inside a process


def test_reused_instances_and_coherence_give_the_same_runs(monkeypatch):
    reduction._INSTANCES.clear()
    reduction._COHERENCE.clear()
    kw = {"queries": 300, "seed": 11, "eps": 0.25}
    first = reduction.run_index("exact", "two-cache", 8, 24, **kw).deterministic()
    inst = reduction._INSTANCES[("two-cache", 8, 24, 11, "rademacher", reduction._code())]
    assert len(reduction._COHERENCE) == 1
    again = reduction.run_index("exact", "two-cache", 8, 24, **kw).deterministic()
    assert reduction._instance("two-cache", 8, 24, 11, "rademacher") is inst  # reused
    reduction._INSTANCES.clear()
    reduction._COHERENCE.clear()
    fresh = reduction.run_index("exact", "two-cache", 8, 24, **kw).deterministic()
    assert first == again == fresh


def test_the_instance_memo_keeps_the_newest_and_evicts_beyond_its_budget(monkeypatch):
    reduction._INSTANCES.clear()
    reduction._COHERENCE.clear()
    monkeypatch.setattr(reduction, "_INSTANCE_MEMO_BYTES", 1)  # nothing but the newest fits
    reduction.run_index("exact", "standard", 16, 8, queries=50, seed=1, eps=0.25)
    reduction.run_index("exact", "standard", 16, 8, queries=50, seed=2, eps=0.25)
    newest = ("standard", 16, 8, 2, "rademacher", reduction._code())
    assert list(reduction._INSTANCES) == [newest]
    assert all(k[0] == newest for k in reduction._COHERENCE)


def test_a_patched_key_generator_gets_its_own_instances(monkeypatch):
    # The self-test's mutants rebind functions the instances are made by: the memo must
    # not hand them an instance the real code made.
    from tensorkv_check.index import instances as ins

    reduction._INSTANCES.clear()
    reduction._COHERENCE.clear()
    real = reduction.run_index("exact", "standard", 16, 64, queries=50, seed=3, eps=0.25)
    half = ins.near_orthogonal_keys
    monkeypatch.setattr(ins, "near_orthogonal_keys", lambda *a, **k: 0.5 * half(*a, **k))
    mutated = reduction.run_index("exact", "standard", 16, 64, queries=50, seed=3, eps=0.25)
    assert mutated.max_norm_dev == pytest.approx(0.75) and real.max_norm_dev == 0.0


# ------------------------------------------------------------------ the caveat's split


def test_the_split_caveat_sweep_equals_its_three_runs_per_task():
    out = isw.sweep_caveat((4, 6), 16, queries=80, seed=5)
    for n, point in zip((4, 6), out["points"]):
        s = task_seed(5, Task.of(isw.caveat_point, {"n": n, "d": 16, "queries": 80}).key)
        assert point == isw.caveat_point({"n": n, "d": 16, "queries": 80}, s)
