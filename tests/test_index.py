"""Tests of the Index reduction harness (:mod:`tensorkv_check.index.reduction`, instances, bounds).

Paper items (arXiv 2503.11108; spec /work/shared/spec/paper-math.md):

* def:index, thm:index-lb: Alice's bits, Bob's uniform indices, the message length
  measured from the bytes, Fano's bound ``M ≥ (1 − h(p))·N`` (p clipped at 1/2) checked
  on every result; an algorithm with a side channel trips it;
* lem:near-orthogonal: the measured ``ε`` (inner products and norms) of each key family;
* thm:ho25-lb, thm:four-cache-lb, thm:two-cache-lb: each reduction decodes with a
  Clopper–Pearson lower bound ≥ 0.99 at ``d`` = the threshold of lem:near-orthogonal
  and fails visibly (near chance) at ``d`` = 1 or 2 with many tokens; the formula
  ``C = ln(4(r−1))/(1−2ε)`` keeps every output coordinate within 1/5 of its bit;
* thm:two-cache-lb's caveat: the factor-keeping algorithm is exact on the structured
  model with ``M = 4nd·64 + 512`` bits, while a memory-matched truncating algorithm on
  free rows falls to chance, within Fano's ceiling.
"""

from __future__ import annotations

import json
import math
from functools import partial

import numpy as np
import pytest

import tensorkv_check.index.instances as instances_mod
import tensorkv_check.index.reduction as index_mod
import tensorkv_check.index.sweeps as sweeps_mod
from tensorkv_check import kron
from tensorkv_check.engine.caches import StandardDecoder
from tensorkv_check.engine.jl import near_orthogonal_dimension
from tensorkv_check.engine.stats import binary_entropy, clopper_pearson
from tensorkv_check.index.algorithms import FactorKeepingTwoCache, TruncatingRowCache
from tensorkv_check.index.bounds import fano_bound, fano_success_ceiling, reduction_C
from tensorkv_check.index.instances import MODELS, key_coherence, make_instance
from tensorkv_check.index.reduction import HarnessError, IndexResult, bob_decode, run_index

#: Queries per decoding test: 600/600 successes give a 99% Clopper–Pearson low of 0.9912.
Q = 600
#: (model, n) of the decoding tests; r = n or n² competing keys.
DECODE_CASES = [("standard", 64), ("four-cache", 32), ("two-cache", 8), ("two-cache-structured", 8)]


def _rows(model: str, n: int) -> int:
    return n if model in ("standard", "four-cache") else n * n


# ------------------------------------------------------------------ instances


def test_instances_encode_alices_bits_honestly():
    n, d = 6, 5
    std = make_instance("standard", n, d, seed=3)
    K, V = std.stream
    np.testing.assert_array_equal(V, std.bits)
    assert std.N == n * d and std.rows == n
    four = make_instance("four-cache", n, d, seed=3)
    # Same seed, same keys and bits; K2 = V2 = 1 (the collapse of thm:four-cache-lb).
    np.testing.assert_array_equal(four.stream[0], K)
    np.testing.assert_array_equal(four.stream[2], std.bits)
    assert np.all(four.stream[1] == 1) and np.all(four.stream[3] == 1)
    free = make_instance("two-cache", n, d, seed=3)
    assert free.N == n * n * d and free.stream[0].shape == (n * n, d)
    st = make_instance("two-cache-structured", n, d, seed=3)
    K1, K2, V1, V2 = st.stream
    assert st.N == 2 * (n - 1) * d
    # The attention keys are the Kronecker rows, and Bob's rows of V1⊘V2 are Alice's bits.
    np.testing.assert_array_equal(st.keys, kron(K1, K2))
    np.testing.assert_array_equal(kron(V1, V2)[st.bob_rows], st.bits)
    # Rademacher factors scaled by d^{1/4}: every product row is a unit ±1/√d row.
    np.testing.assert_allclose(np.abs(st.keys), 1 / math.sqrt(d), rtol=1e-14)


@pytest.mark.parametrize("family", ["rademacher", "gaussian", "jl", "jl-sign"])
def test_key_coherence_matches_brute_force(family):
    inst = make_instance("standard", 40, 24, seed=1, key_family=family)
    K = inst.keys
    G = K @ K.T
    off = np.abs(G - np.diag(np.diag(G))).max()
    dev = np.abs(np.diag(G) - 1).max()
    inner, norm_dev = key_coherence(K)
    assert inner == pytest.approx(off, rel=1e-12) and norm_dev == pytest.approx(dev, abs=1e-12)
    rows = np.array([3, 7, 7, 20])
    inner_q, dev_q = key_coherence(K, rows)
    Gq = np.abs(G[[3, 7, 20]])
    Gq[[0, 1, 2], [3, 7, 20]] = 0
    assert inner_q == pytest.approx(Gq.max(), rel=1e-12) and inner_q <= inner * (1 + 1e-12)
    if family != "jl":
        assert norm_dev < 1e-12  # unit rows
    else:
        assert norm_dev > 1e-3  # JL images of unit vectors are only approximately unit


def test_reduction_C_keeps_each_coordinate_within_a_fifth():
    # spec thm:ho25-lb: with C = ln(4(r-1))/(1-2ε) the softmax mass off key i is <= 1/5,
    # checked directly with numpy on keys whose ε is measured.
    rng = np.random.default_rng(0)
    for n, d in ((16, 64), (128, 128)):
        K = rng.choice([-1.0, 1.0], size=(n, d)) / math.sqrt(d)
        X = rng.integers(0, 2, size=(n, d)).astype(float)
        eps = max(key_coherence(K))
        assert eps < 0.5
        C = reduction_C(n, eps)
        S = C * (K @ K.T)
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        assert np.abs(P @ X - X).max() <= 0.2 + 1e-12
    assert reduction_C(2, 0.0) == pytest.approx(math.log(4))
    with pytest.raises(ValueError, match="eps"):
        reduction_C(10, 0.5)


def test_reduction_C_is_tight_for_the_worst_case_gap():
    # The formula, value by value, and its tightness: with r - 1 competitors whose logit
    # gap is exactly C(1 - 2ε), the formula's C leaves exactly 1/5 of the mass off key i.
    assert reduction_C(5, 0.25) == pytest.approx(2 * math.log(16), rel=1e-15)
    assert reduction_C(1001, 0.1) == pytest.approx(math.log(4000) / 0.8, rel=1e-15)
    for r, eps in ((2, 0.0), (17, 0.2), (4096, 0.45)):
        C = reduction_C(r, eps)
        logits = np.array([C * (1 - eps)] + [C * eps] * (r - 1))
        p = np.exp(logits - logits.max())
        p /= p.sum()
        assert 1 - p[0] == pytest.approx(0.2, rel=1e-12)


def test_bob_thresholds_at_one_half():
    # Two orthonormal keys, values e1 and e2: a query C·k_1 puts mass w = e^C/(e^C + 1)
    # on token 1, so the output is (w, 1 - w) and the guesses flip exactly at w = 1/2.
    keys = np.eye(2)
    alg = StandardDecoder(2, scale=1.0)
    alg.ingest(keys, np.eye(2))
    rows = np.zeros(2, dtype=np.int64)  # bit-row 0 is read at key 0
    targets = np.array([0, 1])  # bits (0, 0) and (0, 1) of the 1 x 2 bit matrix
    for w, expected in ((0.7, [1, 0]), (0.55, [1, 0]), (0.45, [0, 1]), (0.85, [1, 0])):
        C = math.log(w / (1 - w))
        np.testing.assert_array_equal(bob_decode(alg, keys, rows, 2, targets, C), expected)


def test_eps_counts_norm_deviations():
    # Gaussian factors of the structured model: products are only unit on average, and
    # the reduction's ε must cover |‖k‖² - 1| as well as the inner products.
    r = run_index(
        "exact", "two-cache-structured", 8, 128, queries=50, seed=0, key_family="gaussian", eps=0.25
    )
    assert r.max_norm_dev > r.max_inner and r.eps_measured == r.max_norm_dev
    with pytest.raises(ValueError, match="max \\|‖k_i‖²-1\\|"):
        run_index("exact", "two-cache-structured", 8, 128, queries=50, seed=0, key_family="gaussian")


def test_alice_streams_every_token_in_chunks(monkeypatch):
    ingested = []

    class Counting(StandardDecoder):
        def ingest(self, k, v):
            ingested.append(len(k))
            super().ingest(k, v)

    monkeypatch.setattr(index_mod, "_ALICE_CHUNK", 5)
    r = run_index(Counting, "standard", 23, 128, queries=Q, seed=0)
    assert ingested == [5, 5, 5, 5, 3] and r.successes == Q


def test_bobs_indices_are_uniform():
    seen = []

    class Recording(StandardDecoder):
        def query(self, q):
            seen.append(np.array(q))
            return super().query(q)

    n = 32
    run_index(Recording, "standard", n, 64, queries=3200, seed=0)
    inst = make_instance("standard", n, 64, seed=0)
    rows = np.argmax(np.concatenate(seen) @ inst.keys.T, axis=1)
    counts = np.bincount(rows, minlength=n)
    # 100 expected per row; a chi-square with 31 degrees of freedom stays below 70
    # with probability > 0.9999.
    assert ((counts - 100) ** 2 / 100).sum() < 70, counts


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize("model,n", DECODE_CASES)
def test_decodes_above_threshold(model, n):
    d = near_orthogonal_dimension(_rows(model, n), 0.45, 0.01)
    r = run_index("exact", model, n, d, queries=Q, seed=11)
    assert r.C_source == "formula(measured eps)" and r.eps_measured < 0.5 and r.guaranteed
    assert r.successes == Q and r.ci_low >= 0.99, str(r)
    assert r.message_bits >= r.fano_bits > 0


@pytest.mark.parametrize("family", ["gaussian", "jl", "jl-sign"])
def test_decodes_with_other_key_families(family):
    r = run_index("exact", "standard", 32, 256, queries=Q, seed=2, key_family=family)
    assert r.successes == Q and r.ci_low >= 0.99, str(r)


@pytest.mark.parametrize(
    "model,n,d",
    [
        ("standard", 512, 1),
        ("standard", 512, 2),
        ("four-cache", 128, 1),
        ("two-cache", 16, 2),
        ("two-cache-structured", 16, 1),
    ],
)
def test_fails_visibly_well_below_threshold(model, n, d):
    r = run_index("exact", model, n, d, queries=Q, seed=4, eps=0.25)
    assert r.eps_measured >= 0.5 and not r.guaranteed
    assert r.ci_high < 0.8, str(r)


def test_measured_eps_at_one_half_needs_eps_or_C():
    with pytest.raises(ValueError, match="pass eps or C"):
        run_index("exact", "standard", 64, 2, queries=10, seed=0)


def test_scale_is_folded_into_bobs_query():
    base = run_index("exact", "standard", 32, 128, queries=200, seed=5)
    for scale in (1.0, 3.0, 1e-3):
        r = run_index(partial(StandardDecoder, scale=scale), "standard", 32, 128, queries=200, seed=5)
        assert r.successes == base.successes == 200 and r.C == base.C


def test_eps_scopes():
    a = run_index("exact", "standard", 64, 64, queries=50, seed=1, eps_scope="all", eps=0.25)
    q = run_index("exact", "standard", 64, 64, queries=50, seed=1, eps_scope="queried", eps=0.25)
    assert (
        a.eps_scope == "all" and q.eps_scope == "queried" and q.eps_measured <= a.eps_measured * (1 + 1e-12)
    )
    auto = run_index("exact", "standard", 64, 64, queries=50, seed=1, eps=0.25)
    assert auto.eps_scope == "all"


def test_bob_only_queries_the_rebuilt_object():
    calls = []

    class Spy(StandardDecoder):
        def query(self, q):
            calls.append(getattr(self, "_rebuilt", False))
            return super().query(q)

        @classmethod
        def from_bytes(cls, data):
            obj = super().from_bytes(data)
            obj._rebuilt = True
            return obj

    r = run_index(Spy, "standard", 16, 64, queries=100, seed=0)
    assert calls and all(calls) and r.successes == 100


def test_bob_decode_uses_only_public_data():
    inst = make_instance("standard", 16, 64, seed=9)
    alg = StandardDecoder(64)
    alg.ingest(*inst.stream)
    bob = StandardDecoder.from_bytes(alg.to_bytes())
    targets = np.arange(inst.N)
    guesses = bob_decode(bob, inst.keys, inst.bob_rows, 64, targets, reduction_C(16, 0.45))
    np.testing.assert_array_equal(guesses, inst.bits.reshape(-1))


# ------------------------------------------------------------------ the caveat


def test_factor_keeping_is_exact_on_structured_inputs_with_O_nd_bits():
    n = 16
    d = near_orthogonal_dimension(n * n, 0.45, 0.01)
    fk = run_index("factor-keeping", "two-cache-structured", n, d, queries=Q, seed=6)
    tc = run_index("exact", "two-cache-structured", n, d, queries=Q, seed=6)
    assert fk.successes == tc.successes == Q and fk.ci_low >= 0.99
    assert fk.algorithm == "FactorKeepingTwoCache"
    # M = 4nd float64 numbers + a 64-byte header, against Θ(n²d) for the two-cache rows.
    assert fk.message_bits == 4 * n * d * 8 * 8 + 8 * (32 + 4 * 8)
    assert tc.message_bits == 8 * (32 + 6 * 8 + (2 * n * n * d + 4 * n * d) * 8)
    assert fk.N == 2 * (n - 1) * d
    assert fk.message_bits < tc.message_bits / (n / 2)


def test_memory_matched_truncation_falls_to_chance_on_free_rows():
    n, d = 32, 64
    tr = run_index(
        partial(TruncatingRowCache, budget_rows=2 * n), "two-cache", n, d, queries=Q, seed=6, eps=0.25
    )
    expected = 0.5 + (2 * n) / (n * n) / 2  # kept rows decode, the others are coin flips
    assert tr.ci_low <= expected <= tr.ci_high, str(tr)
    assert tr.ci_high < 0.6
    fk = run_index("factor-keeping", "two-cache-structured", n, d, queries=Q, seed=6, eps=0.25)
    # Same number of float64 in the message (4nd), a different header.
    assert tr.message_bits - 8 * (32 + 2 * 8) == fk.message_bits - 8 * (32 + 4 * 8)


def test_truncation_below_N_bits_stays_under_fanos_ceiling():
    n, d = 32, 16
    tr = run_index(partial(TruncatingRowCache, budget_rows=4), "two-cache", n, d, queries=Q, seed=8, eps=0.25)
    assert tr.message_bits < tr.N
    ceiling = fano_success_ceiling(tr.message_bits, tr.N)
    assert ceiling < 0.95 and tr.ci_high < ceiling


# ------------------------------------------------------------------ Fano


def test_fano_bound_and_ceiling():
    assert fano_bound(1.0, 1000) == 1000.0
    assert fano_bound(0.5, 1000) == 0.0 and fano_bound(0.1, 1000) == 0.0  # clipped at 1/2
    assert fano_bound(0.9, 1000) == pytest.approx((1 - binary_entropy(0.9)) * 1000)
    for M, N in ((10, 100), (500, 1000), (999, 1000)):
        p = fano_success_ceiling(M, N)
        assert 0.5 < p < 1 and fano_bound(p, N) == pytest.approx(M, rel=1e-9)
    assert fano_success_ceiling(1000, 1000) == 1.0 and fano_success_ceiling(0, 10) == 0.5


@pytest.mark.parametrize("model", MODELS)
def test_every_result_is_fano_consistent(model):
    r = run_index("exact", model, 8, 64, queries=Q, seed=1, eps=0.25)
    assert r.fano_p == max(r.ci_low, 0.5)
    assert r.fano_bits == pytest.approx(fano_bound(r.fano_p, r.N))
    assert r.message_bits >= r.fano_bits


def test_result_below_its_fano_bound_raises():
    est = clopper_pearson(1000, 1000, 0.99)
    fields = dict(
        model="standard",
        algorithm="X",
        n=2,
        d=1,
        key_family="rademacher",
        seed=0,
        N=10_000,
        message_bits=8,
        estimate=est,
        fano_bits=fano_bound(est.ci_low, 10_000),
        fano_p=est.ci_low,
        eps=None,
        eps_measured=0.0,
        max_inner=0.0,
        max_norm_dev=0.0,
        eps_scope="all",
        C=1.0,
        C_source="given",
        rows=2,
    )
    with pytest.raises(HarnessError, match="Fano"):
        IndexResult(**fields)
    fields["message_bits"] = 10_000
    IndexResult(**fields)


_SMUGGLED: dict[int, StandardDecoder] = {}


class SideChannel(StandardDecoder):
    """Sends 8 bytes but hands Bob Alice's object through a module global: a cheat."""

    def to_bytes(self):
        _SMUGGLED[id(self)] = self
        return id(self).to_bytes(8, "little")

    @classmethod
    def from_bytes(cls, data):
        return _SMUGGLED[int.from_bytes(data, "little")]


def test_a_side_channel_trips_the_fano_check():
    with pytest.raises(HarnessError, match="side channel"):
        run_index(SideChannel, "standard", 64, 128, queries=Q, seed=0)


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_same_result(model):
    a = run_index("exact", model, 6, 32, queries=300, seed=123, eps=0.3)
    b = run_index("exact", model, 6, 32, queries=300, seed=123, eps=0.3)
    assert a.deterministic() == b.deterministic()
    assert a == b  # timings are excluded from equality
    c = run_index("exact", model, 6, 32, queries=300, seed=124, eps=0.3)
    assert c.deterministic() != a.deterministic()
    json.dumps(a.to_dict(), allow_nan=False)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(n=1), ValueError, "n must be >= 2"),
        (dict(n=2.5), TypeError, "n must be an integer"),
        (dict(d=0), ValueError, "d must be >= 1"),
        (dict(queries=0), ValueError, "queries must be >= 1"),
        (dict(eps=0.0), ValueError, "eps must be in \\(0, 0.5\\)"),
        (dict(eps=0.5), ValueError, "eps must be in \\(0, 0.5\\)"),
        (dict(eps=0.7), ValueError, "eps must be in \\(0, 0.5\\)"),
        (dict(eps=-0.1), ValueError, "eps must be in \\(0, 0.5\\)"),
        (dict(eps="0.1"), TypeError, "eps must be a real number"),
        (dict(C=0.0), ValueError, "C must be finite and > 0"),
        (dict(C=math.inf), ValueError, "C must be finite and > 0"),
        (dict(eps=0.1, C=3.0), ValueError, "at most one of eps and C"),
        (dict(model="three-cache"), ValueError, "model must be one of"),
        (dict(key_family="sobol"), ValueError, "key_family must be one of"),
        (dict(seed=-1), ValueError, "seed must be >= 0"),
        (dict(confidence=1.0), ValueError, "confidence"),
        (dict(eps_scope="some"), ValueError, "eps_scope"),
        (dict(algorithm="bogus"), ValueError, "algorithm must be one of"),
        (dict(algorithm="factor-keeping"), ValueError, "not 'standard'"),
        (dict(algorithm=object()), TypeError, "algorithm must be an algorithm name or a factory"),
        (dict(algorithm=StandardDecoder(4)), TypeError, "pass the class"),
        (dict(algorithm=FactorKeepingTwoCache), TypeError, "streams 'kv'"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, exc, match):
    args = dict(algorithm="exact", model="standard", n=8, d=4, queries=10, seed=0, eps=0.25)
    if "C" in kwargs and "eps" not in kwargs:
        args.pop("eps")
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        run_index(args.pop("algorithm"), args.pop("model"), args.pop("n"), args.pop("d"), **args)


class _NotBytes(StandardDecoder):
    def to_bytes(self):
        return bytearray(super().to_bytes())


class _WrongShape(StandardDecoder):
    def query(self, q):
        return super().query(q)[..., :1]


class _NoQuery:
    inputs = frozenset({"kv"})

    def __init__(self, d):
        self.d, self.scale = d, 1.0

    def ingest(self, k, v):
        pass

    def to_bytes(self):
        return b""

    @classmethod
    def from_bytes(cls, data):
        return cls(1)


def test_bad_algorithms_are_named():
    with pytest.raises(TypeError, match=r"to_bytes\(\) must return bytes"):
        run_index(_NotBytes, "standard", 8, 4, queries=5, seed=0, eps=0.25)
    with pytest.raises(TypeError, match="query returned shape"):
        run_index(_WrongShape, "standard", 8, 4, queries=5, seed=0, eps=0.25)
    with pytest.raises(TypeError, match="missing: query"):
        run_index(_NoQuery, "standard", 8, 4, queries=5, seed=0, eps=0.25)
    with pytest.raises(TypeError, match="missing: query"):
        run_index(lambda d: _NoQuery(d), "standard", 8, 4, queries=5, seed=0, eps=0.25)


# ------------------------------------------------------------------ sweeps

TINY = {
    "dimension": {
        "standard": {"ns": (8, 16), "ratios": (0.5, 4)},
        "four-cache": {"ns": (8,), "ds": (1, 16)},
        "two-cache": {"ns": (3,), "ds": (1, 16)},
    },
    "C": {"model": "standard", "n": 16, "d": 64, "factors": (0.05, 1.0)},
    "memory": {"ns": (3, 6), "d": 16},
    "caveat": {"ns": (3, 6), "d": 16},
    "queries": 100,
}


def test_sweeps_write_json_and_svg_deterministically(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweeps_mod, "QUICK", TINY)
    res = sweeps_mod.run_sweeps(tmp_path / "a", seed=3)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == [
        "index_C.svg",
        "index_caveat.svg",
        "index_dimension.svg",
        "index_memory.svg",
        "index_sweeps.json",
    ]
    data = json.loads((tmp_path / "a" / "index_sweeps.json").read_text())
    assert data["profile"] == "quick" and set(data["dimension"]) == {"standard", "four-cache", "two-cache"}
    std = data["dimension"]["standard"]
    # The threshold point is in the grid and decodes there.
    at = [p for p in std["points"] if p["at_threshold"]]
    assert len(at) == 2 and all(p["estimate"]["successes"] == 100 for p in at)
    assert all("timings" not in p for p in std["points"])
    for name in names:
        if name.endswith(".svg"):
            assert (tmp_path / "a" / name).read_text().startswith("<svg")
    series = data["memory"]["series"]
    fk = series["two-cache structured / FactorKeepingTwoCache"]
    tc = series["two-cache structured / TwoCacheDecoder"]
    assert tc[-1]["bits_per_bit"] > tc[0]["bits_per_bit"]  # Θ(n²d) rows for O(nd) bits
    assert fk[-1]["bits_per_bit"] < 200
    assert res["files"]
    sweeps_mod.run_sweeps(tmp_path / "b", seed=3)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a terminal


def test_sweeps_write_nothing_unless_complete(tmp_path, monkeypatch):
    monkeypatch.setattr(sweeps_mod, "QUICK", TINY)

    def boom(*a, **k):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(sweeps_mod, "sweep_caveat", boom)
    with pytest.raises(RuntimeError):
        sweeps_mod.run_sweeps(tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_sweep_C_marks_the_formula():
    sw = sweeps_mod.sweep_C("standard", 16, 64, factors=(0.01, 1.0), queries=200, seed=0)
    rates = [p["estimate"]["rate"] for p in sw["points"]]
    assert rates[1] == 1.0 and rates[0] < 0.9
    assert sw["C_formula"] == pytest.approx(reduction_C(16, sw["eps_measured"]))


def test_module_constants():
    assert set(instances_mod.MODEL_INPUT) == set(MODELS)


def test_instance_arrays_are_read_only():
    inst = make_instance("four-cache", 4, 3, seed=0)
    for a in (inst.bits, inst.keys, inst.bob_rows, *inst.stream):
        with pytest.raises(ValueError, match="read-only"):
            a[0, ...] = 0


# ------------------------------------------------- the claim checks: deterministic reductions
# The checks of proofs/index_standard_lb.py and proofs/tensor_lb.py decide "every bit decoded" with
# ε and C measured by the check itself; each test below plants an error and watches the
# check fail (the planted errors are at most a factor 2 off the correct value).


@pytest.fixture()
def claims_index():
    import importlib

    from tensorkv_check.claims.registry import CheckContext

    return importlib.import_module("proofs.index_standard_lb"), CheckContext(seed=0, profile="quick")


def test_measured_eps_is_the_gram_extreme_with_a_rounding_allowance(claims_index):
    lb, _ = claims_index
    K = np.array([[1.0, 0.0], [0.6, 0.8]]) * np.array([[1.0], [0.9]])  # ‖k_2‖² = 0.81
    m = lb.measured_eps(K)
    assert m["max_off"] == pytest.approx(0.54) and m["min_norm_sq"] == pytest.approx(0.81)
    assert 0.54 < m["eps"] <= 0.54 + 1e-14 and m["rounding_allowance"] > 0


def test_reduction_check_fails_on_a_single_wrong_bit(claims_index):
    lb, ctx = claims_index
    n, d = 8, near_orthogonal_dimension(8, 0.4, 0.01)
    calls: list[None] = []

    def build(K, X):
        calls.append(None)
        planted = len(calls) == 1  # the first trial only

        def answer(Q):
            out = lb.att.attention(Q, K, X)
            if planted:  # one coordinate of one trial on the wrong side of 1/2
                out = out.copy()
                out[0, 0] = 1.0 - X[0, 0]
            return out

        return answer, 1.0 / K.shape[1]

    res = lb.run_reduction(ctx, "one-wrong-bit", n, d, build, 20)
    assert res["wrong_bits"] == 1 and res["inside"] == 20
    r = lb.reduction_result(ctx, res, "planted", {"n": n})
    assert not r.passed and "zero wrong bits" in r.details["failed"]
    clean = lb.run_reduction(ctx, "one-wrong-bit", n, d, lb._standard_build, 20)
    assert clean["wrong_bits"] == 0 and lb.reduction_result(ctx, clean, "clean", {"n": n}).passed


def test_reduction_trials_outside_the_hypotheses_are_counted_apart(claims_index):
    lb, ctx = claims_index
    # d = 2 with 32 keys: every key set has a pair with |⟨k_i, k_j⟩| = 1 ≥ 1/2.
    res = lb.run_reduction(ctx, "outside", 32, 2, lb._standard_build, 10)
    assert res["outside"] == 10 and res["inside"] == 0 and res["first_outside"]["eps"] >= 0.5
    r = lb.reduction_result(ctx, res, "outside", {"n": 32}, delta=0.01)
    assert not r.passed and "some trial inside the hypotheses (ε < 1/2)" in r.details["failed"]


def test_harness_check_catches_an_engine_C_halved(claims_index, monkeypatch):
    lb, ctx = claims_index
    assert lb.check_harness_standard(ctx).passed
    orig = index_mod.reduction_C
    monkeypatch.setattr(index_mod, "reduction_C", lambda r, e: orig(r, e) / 2)
    r = lb.check_harness_standard(ctx)
    # Bob still decodes (the margin is conservative); the check sees the engine's C below its own.
    assert not r.passed
    assert all(row["wrong_bits"] == 0 for row in r.details["runs"])
    assert "engine C ≥ C from the check's ε" in r.details["first_failure"]["failed"]


def test_run_index_queries_every_bit():
    r = run_index("exact", "standard", 8, 64, queries="all", seed=3)
    assert r.queries == r.N == 8 * 64 and r.wrong == 0 and r.successes == r.N
    with pytest.raises(ValueError, match="queries"):
        run_index("exact", "standard", 8, 64, queries=0, seed=3)


def test_tight_keys_attain_the_hypotheses():
    K = instances_mod.tight_keys(5, 0.3)
    G = K @ K.T
    assert np.allclose(np.diagonal(G), 0.7, atol=1e-15)
    assert np.allclose(G[~np.eye(5, dtype=bool)], 0.3, atol=1e-15)
    with pytest.raises(ValueError, match="eps"):
        instances_mod.tight_keys(5, 0.5)


def test_tight_instance_check_fails_with_the_engine_scale_doubled(claims_index, monkeypatch):
    lb, ctx = claims_index
    assert lb.check_tight_instance(ctx).passed
    orig = lb.att.attention
    monkeypatch.setattr(lb.att, "attention", lambda Q, K, V: orig(Q, K, V, scale=2.0 / K.shape[1]))
    r = lb.check_tight_instance(ctx)
    assert not r.passed and "off-mass = bound to 1e-12 (relative)" in r.details["failed"]


def test_approximate_bob_fails_with_the_push_doubled(claims_index, monkeypatch):
    lb, ctx = claims_index
    assert lb.check_approximate_bob(ctx).passed
    # 1/2 = twice the allowed 1/4: every coordinate crosses the threshold.
    orig = lb.run_reduction
    monkeypatch.setattr(lb, "run_reduction", lambda *a, **k: orig(*a, **{**k, "push": 2 * k["push"]}))
    monkeypatch.setattr(lb, "tight_instances", lambda push, f=lb.tight_instances: f(2 * push))
    r = lb.check_approximate_bob(ctx)
    assert not r.passed and r.details["wrong_bits"] > 0


def test_approximation_constant_matters_is_a_limits_check(claims_index):
    lb, ctx = claims_index
    r = lb.check_approximation_constant_matters(ctx)
    assert r.passed and all(row["wrong_bits"] == row["coordinates_at_margin"] for row in r.details["rows"])
    from tensorkv_check.claims.registry import REGISTRY

    roles = {c.name: c.role for c in REGISTRY["thm:ho25-lb"].checks}
    assert roles["approximation-constant-matters"] == "limits"
    assert (
        roles["approximate-bob"]
        == roles["tight-instance"]
        == roles["reduction-standard-attention"]
        == "supports"
    )


def test_reduction_key_test_fails_at_half_the_lemma_dimension(claims_index):
    # The statistical part of reduction_result (rate of ε > ε_target ≤ δ, lem:near-orthogonal)
    # passes at the lemma's dimension and fails at half of it (a planted 2x error in d).
    lb, ctx = claims_index
    d = near_orthogonal_dimension(32, 0.4, 0.01)
    for dim, passes in ((d, True), (d // 2, False)):
        res = lb.run_reduction(ctx, "half-d", 32, dim, lb._standard_build, 1000, eps_target=0.4)
        r = lb.reduction_result(ctx, res, "keys", {"d": dim}, delta=0.01)
        assert res["wrong_bits"] == 0 and r.passed is passes, (dim, res["above_target"])
