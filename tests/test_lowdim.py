"""Tests of :mod:`tensorkv_check.geometry.lowdim` (spec thm:covering, the low-dimensional regime) and of the
report's geometry section (:mod:`tensorkv_check.geometry.section`).

Independent facts used: with orthonormal keys and a large query norm the reduction of
thm:ho25-lb decodes every bit; with a vanishing query norm the softmax is uniform and
Bob's output is the column mean, so he cannot beat the majority of a column; SubGen's
online cluster count equals the deterministic replay :func:`online_cluster_labels` on
the same keys; the held-out open rate equals a brute-force distance count.
"""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest

import tensorkv_check.geometry.lowdim as L
import tensorkv_check.geometry.section as GS
from tensorkv_check.geometry import greedy_net, sample_ball
from tensorkv_check.subgen import online_cluster_labels


def test_packing_keys_prefix_then_unit_extras():
    P = np.eye(4)
    K = L.packing_keys(P, 9, np.random.default_rng(1))
    assert K.shape == (9, 4)
    np.testing.assert_array_equal(K[:4], P)
    np.testing.assert_allclose(np.linalg.norm(K, axis=1), 1.0)
    np.testing.assert_array_equal(L.packing_keys(P, 2, np.random.default_rng(0)), P[:2])
    with pytest.raises(ValueError, match="packing"):
        L.packing_keys(np.zeros((0, 3)), 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="n"):
        L.packing_keys(P, 2.5, np.random.default_rng(0))


def test_packing_index_run_guaranteed_and_chance():
    r = L.packing_index_run(np.eye(8), 8, C=20.0, queries=300, seed=3)
    assert r["guaranteed"] and r["success_all"] == 1.0 and r["info_bits"] == r["N"] == 64
    assert r["message_bits"] >= r["fano_bits"]
    # Vanishing query norm: uniform softmax, output = column mean; Bob's guess per column is
    # the same for every row, so his success is the mean majority share of the columns.
    t = L.packing_index_run(np.eye(8), 200, C=1e-9, queries=300, seed=3)
    x = np.random.default_rng(np.random.SeedSequence(3).spawn(3)[1]).integers(
        0, 2, size=(200, 8), dtype=np.uint8
    )
    mean = x.mean(axis=0)
    expect = np.where(mean > 0.5, mean, 1 - mean).mean()
    assert t["success_all"] == pytest.approx(expect, abs=1e-12)
    assert not t["guaranteed"]
    assert L.packing_index_run(np.eye(8), 50, C=5.0, queries=100, seed=7) == L.packing_index_run(
        np.eye(8), 50, C=5.0, queries=100, seed=7
    )
    with pytest.raises(ValueError, match="C"):
        L.packing_index_run(np.eye(3), 3, C=0.0, queries=10, seed=0)
    with pytest.raises(ValueError, match="n"):
        L.packing_index_run(np.eye(3), 1, C=1.0, queries=10, seed=0)


def test_collapse_sweep_certifies_the_packing():
    s = L.collapse_sweep(4, seed=2, mults=(0.5, 1, 2), queries=200, n_candidates=800, n_cap=40)
    assert s["P"] in s["ns"] and s["ns"][-1] <= 40 and s["ns"][-1] * 2 > 40
    assert s["eps_packing"] <= L.PACKING_EPS + 1e-12
    for pol in ("fixed", "formula"):
        runs = s["runs"][pol]
        at_p = [r for r in runs if r["n"] == s["P"]][0]
        assert at_p["guaranteed"] and at_p["success_all"] == 1.0
        assert s["summary"][pol]["guaranteed_all_decoded"]
        assert all(r["info_bits"] <= r["N"] for r in runs)
    with pytest.raises(ValueError, match="eps"):
        L.collapse_sweep(3, seed=0, eps=0.5)
    with pytest.raises(ValueError, match="d"):
        L.collapse_sweep(1, seed=0)
    with pytest.raises(ValueError, match="mults"):
        L.collapse_sweep(3, seed=0, mults=(0.0,))


def test_plateau_coverage_matches_brute_force():
    p = L.plateau_coverage(3, [300, 3000], 0.8, holdout=400, seed=5)
    s_stream, s_hold = np.random.SeedSequence(5).spawn(2)
    X = sample_ball(3000, 3, np.random.default_rng(s_stream))
    C = X[greedy_net(X, 0.4).indices]
    H = sample_ball(400, 3, np.random.default_rng(s_hold))
    far = (((H[:, None, :] - C[None]) ** 2).sum(-1) > 0.16).all(axis=1)
    assert p["open_rate"]["successes"] == int(far.sum())
    assert p["counts"] == [int((greedy_net(X, 0.4).indices < n).sum()) for n in (300, 3000)]
    assert p["counts"][-1] <= p["cover_upper"]
    with pytest.raises(ValueError, match="ns"):
        L.plateau_coverage(2, [10], 0.5, seed=0)
    with pytest.raises(ValueError, match="delta"):
        L.plateau_coverage(2, [10, 20], -1.0, seed=0)


def test_ball_memory_counts_match_replay_and_stay_bounded():
    b = L.ball_memory(2, [1000, 4000, 16000], delta=0.5, seed=4)
    K = sample_ball(16000, 2, np.random.default_rng(np.random.SeedSequence(4).spawn(3)[0]))
    for n, m in zip(b["ns"], b["clusters"]):
        assert m == online_cluster_labels(K[:n], 0.5)[1].shape[0]
    assert max(b["clusters"]) <= b["cluster_bound"] == 25.0
    assert all(x <= y for x, y in zip(b["bytes"], b["bytes"][1:]))
    with pytest.raises(ValueError, match="ns"):
        L.ball_memory(2, [100, 50], seed=0)


def test_fits():
    assert L.loglog_slope([1, 10, 100], [5, 5, 5]) == pytest.approx(0.0, abs=1e-12)
    c, a = L.fit_exponent([2, 4], [np.exp(1.0), np.exp(2.0)])
    assert c == pytest.approx(0.5) and a == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        L.fit_exponent([2, 2], [1, 2])


TINY = {
    "collapse_ds": [2, 3],
    "mults": [1, 2],
    "queries": 50,
    "n_candidates": 300,
    "restarts": 1,
    "n_cap": 8,
    "plateau_ds": [2],
    "plateau_ns": [200, 800],
    "plateau_delta": 0.8,
    "holdout": 200,
    "cover_ds": [2],
    "cover_deltas": [0.5, 1.0],
    "cover_samples": 300,
    "ball_ds": [2],
    "ball_ns": [500, 1000, 2000],
    "ball_delta": 0.8,
    "ball_t": 2,
    "ball_s": 4,
}


def test_section_is_deterministic_and_json_safe(monkeypatch):
    monkeypatch.setitem(GS.PROFILES, "tiny", TINY)
    calls = []

    def runner(tasks, seed, name):
        from tensorkv_check.runner.sweep_runner import run_tasks

        calls.append((name, len(tasks)))
        return run_tasks(tasks, seed=seed)

    a = GS.SECTION.compute("tiny", 11, runner)
    b = GS.compute("tiny", 11)
    assert calls == [("geometry", 4 + 1 + 2 + 1)]
    assert json.dumps(a, sort_keys=True, allow_nan=False) == json.dumps(b, sort_keys=True, allow_nan=False)
    assert a["packing"]["ds"] == [2, 3] and len(a["collapse"]) == 2
    figs = GS.SECTION.figures(a)
    assert [f["file"] for f in figs] == [
        "geometry-covering.svg",
        "geometry-plateau.svg",
        "geometry-packing.svg",
        "geometry-index-collapse.svg",
        "geometry-ball-memory.svg",
    ]
    assert all(f["svg"].startswith("<svg") and f["alt"] and f["title"] for f in figs)
    assert GS.figures(a)[3]["svg"] == figs[3]["svg"]
    found = GS.SECTION.findings(a)
    assert found and all(set(f) == {"claim", "kind", "text"} for f in found)
    assert any(f["kind"] == "finding" for f in found)
    with pytest.raises(ValueError, match="profile"):
        GS.compute("huge", 0)


def test_doctests():
    res = doctest.testmod(L, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


# ------------------------------------ thm:lowdim-tensor-lb's end-to-end check (proofs/tensor_lb.py)
@pytest.fixture()
def lowdim_check():
    import importlib

    from tensorkv_check.claims.registry import CheckContext

    mod = importlib.import_module("proofs.tensor_lb")
    return mod, CheckContext(seed=0, profile="quick")


def test_lowdim_reduction_check_passes_with_zero_wrong_bits(lowdim_check):
    mod, ctx = lowdim_check
    r = mod.check_reduction_packing_four_cache(ctx)
    assert r.passed and r.details["rows"] and all(row["wrong_bits"] == 0 for row in r.details["rows"])
    assert all(row["eps"] < 0.5 and row["T"] >= 2 for row in r.details["rows"])
    from tensorkv_check.claims.registry import REGISTRY

    roles = {c.name: c.role for c in REGISTRY["thm:lowdim-tensor-lb"].checks}
    assert roles["reduction-packing-four-cache"] == "supports"


def test_lowdim_reduction_check_fails_with_a_decoder_that_drops_the_newest_token(lowdim_check, monkeypatch):
    mod, ctx = lowdim_check
    cls = mod.caches.FourCacheDecoder
    orig = cls.query

    def query(self, Q):  # answers as if the last token had never arrived (a planted engine bug)
        K1, K2, V1, V2 = (np.asarray(a) for a in self.caches())
        short = cls(self.d)
        short.ingest(K1[:-1], K2[:-1], V1[:-1], V2[:-1])
        return orig(short, Q)

    monkeypatch.setattr(cls, "query", query)
    r = mod.check_reduction_packing_four_cache(ctx)
    assert not r.passed and r.details["first_failure"]["wrong_bits"] > 0


def test_lowdim_reduction_check_fails_with_keys_scaled_by_a_factor_two_in_the_gram(lowdim_check, monkeypatch):
    mod, ctx = lowdim_check
    geometry = __import__("tensorkv_check.geometry", fromlist=["near_orthogonal_packing"])
    orig = geometry.near_orthogonal_packing

    class Scaled:
        def __init__(self, p):
            self.vectors = p.vectors * np.sqrt(2.0)  # a mis-scaled key family: Gram doubled

    monkeypatch.setattr(geometry, "near_orthogonal_packing", lambda *a, **k: Scaled(orig(*a, **k)))
    r = mod.check_reduction_packing_four_cache(ctx)
    # Every packing is now outside the hypotheses (|⟨k_i, k_j⟩| up to 0.9): nothing is certified.
    assert not r.passed and not r.details["rows"] and r.details["outside"]
