"""Tests of tensorkv_check.frontier.sweep: points, section API, and the checks broken on purpose."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tensorkv_check import frontier as cz
from tensorkv_check.engine.stats import binary_entropy
from tensorkv_check.frontier import eviction
from tensorkv_check.frontier import sweep as fr
from tensorkv_check.frontier.section import SECTION as frontier_section
from tensorkv_check.runner.sweep_runner import run_tasks

#: A grid small enough for the default test run (seconds), with every kind of point.
MINI = {
    "queries": 600,
    "models": {"standard": 256, "four-cache": 16, "two-cache": 8},
    "budgets": {
        "exact": [0],
        "lowrank": [1.0],
        "random": [0.5],
        "knorm": [0.5],
        "window": [0.5],
        "h2o": [0.5],
        "quant": [1, 4],
        "qjl": [1.0],
    },
    "subgen": [
        ("standard", 4096, 2.0, 1, [1, 4]),
        ("standard", 128, 0.5, 1, [512]),
        ("two-cache", 64, 2.0, 1, [1]),
        ("two-cache", 8, 0.5, 1, [256]),
        ("four-cache", 64, 2.0, 1, [1]),
        ("four-cache", 16, 0.5, 1, [64]),
    ],
    "benign": {
        "n": 256,
        "d": 16,
        "m": 8,
        "delta": 0.3,
        "rank": 3,
        "r": 4.0,
        "queries": 16,
        "budgets": {"exact": [0], "quant": [2, 8], "random": [0.5], "lowrank": [0.25], "subgen": [64]},
    },
}


@pytest.fixture(scope="module")
def mini_data():
    mp = pytest.MonkeyPatch()
    mp.setitem(fr.PROFILES, "quick", MINI)
    calls = []

    def run(tasks, *, seed, name):
        calls.append(name)
        return run_tasks(tasks, seed=seed)

    try:
        data = fr.compute("quick", 7, run=run)
    finally:
        mp.undo()
    assert calls == ["frontier"]
    return data


def test_compute_is_json_safe_and_checks_pass(mini_data):
    json.dumps(mini_data, allow_nan=False)
    assert not mini_data["task_errors"]
    failed = [c for c in mini_data["checks"] if not c["passed"]]
    assert not failed, failed
    names = {c["name"] for c in mini_data["checks"]}
    assert {
        "no-point-in-infeasible-region",
        "lossless-reaches-one",
        "eviction-matches-coin-flip-model",
        "subgen-adversarial-standard",
        "subgen-adversarial-two-cache",
        "subgen-adversarial-four-cache",
    } <= names
    for p in mini_data["points"] + mini_data["subgen"]:
        assert p["M"] >= (1 - binary_entropy(max(p["ci_low"], 0.5))) * p["N"]
        assert p["ci_low"] <= p["rate"] <= p["ci_high"]


def test_same_seed_same_data(mini_data):
    mp = pytest.MonkeyPatch()
    mp.setitem(
        fr.PROFILES,
        "quick",
        dict(MINI, subgen=[], benign=dict(MINI["benign"], budgets={"quant": [2]}), models={"standard": 256}),
    )
    try:
        a, b = fr.compute("quick", 7), fr.compute("quick", 7)
    finally:
        mp.undo()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    same = {(p["compressor"], p["budget"]): p for p in mini_data["points"] if p["model"] == "standard"}
    for p in a["points"]:
        assert p["successes"] == same[(p["compressor"], p["budget"])]["successes"]


def test_figures_and_findings(mini_data):
    figs = frontier_section.figures(mini_data)
    assert [f["file"] for f in figs] == [
        "frontier_standard.svg",
        "frontier_four-cache.svg",
        "frontier_two-cache.svg",
        "frontier_benign.svg",
    ]
    for f in figs:
        assert f["svg"].startswith("<svg") and f["title"] and len(f["alt"]) > 80
    assert "quant" in figs[0]["svg"] and "infeasible" in figs[0]["svg"]
    found = fr.findings(mini_data)
    assert all(set(x) == {"claim", "kind", "text"} for x in found)
    text = " ".join(x["text"] for x in found)
    assert "gap" in text and "Four-cache vs two-cache" in text and "Benign inputs" in text
    assert frontier_section.figures(mini_data)[0]["svg"] == figs[0]["svg"]  # deterministic SVG


def test_gaps_are_measured_against_the_bound(mini_data):
    g = {(x["model"], x["compressor"]): x for x in mini_data["gaps"]}
    q = g[("standard", "quant")]
    assert q["budget"] == 1 and q["rate"] >= 0.9
    assert q["gap_bits"] == pytest.approx(q["M"] - (1 - binary_entropy(0.9)) * q["N"])
    # One-bit quantization sends 2(d + 64) bits per token: M/N = 2 + 128/d (plus headers).
    d = mini_data["models"]["standard"]["d"]
    assert q["M"] / q["N"] == pytest.approx(2 + 128 / d, rel=0.01)


def test_benign_points(mini_data):
    by = {(p["compressor"], p["budget"]): p for p in mini_data["benign"]}
    assert by[("exact", 0)]["rel_error_mean"] < 1e-12
    assert by[("quant", 8)]["rel_error_mean"] < by[("quant", 2)]["rel_error_mean"]
    assert by[("quant", 2)]["M"] < by[("exact", 0)]["M"]


def test_frontier_point_rejects_unknown_kind():
    with pytest.raises(ValueError, match="params\\['kind'\\]"):
        fr.frontier_point({"kind": "nope"}, 0)
    with pytest.raises(ValueError, match="profile must be one of"):
        fr.build_tasks("medium", 0)


def test_main_writes_json_and_svgs(tmp_path, monkeypatch):
    small = dict(
        MINI,
        subgen=[("standard", 4096, 2.0, 1, [1]), ("standard", 128, 0.5, 1, [512])],
        models={"standard": 128},
        benign=dict(MINI["benign"], budgets={"quant": [2, 4]}),
    )
    monkeypatch.setitem(fr.PROFILES, "quick", small)
    rc = fr.main(["--out", str(tmp_path), "--seed", "3"])
    data = json.loads((tmp_path / "frontier.json").read_text())
    assert rc == 0 and data["seed"] == 3 and data["findings"]
    assert (tmp_path / "frontier_standard.svg").read_text().startswith("<svg")
    assert (tmp_path / "frontier_benign.svg").exists()


# --------------------------------------------------------------------------- checks broken on purpose


class _LeakyEviction(cz.RandomEviction):
    """Mutant: reports the random kept fraction but keeps every token (evicted bits decode)."""

    def _add(self, arrays):
        u = eviction._splitmix_uniform(self.seed, self.n_tokens, arrays[0].shape[0])
        self._claimed = getattr(self, "_claimed", 0) + int((u < self.fraction).sum())
        self._kept = self._merge(arrays)

    @property
    def kept_fraction(self):
        return self._claimed / self.n_tokens


_STASH: dict[int, bytes] = {}


class _SideChannel(cz.UniformQuantizer):
    """Mutant: sends a 1-bit quantizer's header only and smuggles the rest past the bytes."""

    def to_bytes(self):
        full = super().to_bytes()
        _STASH[0] = full
        return full[:32]

    @classmethod
    def from_bytes(cls, data):
        return cz.UniformQuantizer.from_bytes(_STASH[0])


def _entry(name, cls, kw):
    return cz.CatalogueEntry(
        name, cz.CATALOGUE[name].family, "mutant", lambda m, b, s, c: lambda d: cls(d, c, mode=m, **kw(b, s))
    )


def _standard_grid(budgets, n=128):
    tasks = [
        fr.index_task("standard", n, c, b, queries=800, instance_seed=5)
        for c, bs in budgets.items()
        for b in bs
    ]
    return fr.collect(run_tasks(tasks, seed=1))


def test_eviction_check_fails_when_evicted_bits_decode(monkeypatch):
    honest = _standard_grid({"random": [0.5]})
    assert fr.check_eviction(honest)["passed"]
    monkeypatch.setitem(
        cz.CATALOGUE, "random", _entry("random", _LeakyEviction, kw=lambda b, s: {"fraction": b, "seed": s})
    )
    leaky = _standard_grid({"random": [0.5]})
    ck = fr.check_eviction(leaky)
    assert not ck["passed"] and ck["details"]["failures"][0]["rate"] > 0.95


def test_feasibility_check_fails_on_a_side_channel(monkeypatch):
    monkeypatch.setitem(
        cz.CATALOGUE, "quant", _entry("quant", _SideChannel, kw=lambda b, s: {"bits": int(b)})
    )
    data = _standard_grid({"quant": [1]}, n=512)
    ck = fr.check_feasible(data)
    assert not ck["passed"]
    assert "Fano" in ck["details"]["violations"][0]["why"]  # run_index's HarnessError, surfaced
    # Even if the harness stopped raising, the recomputed bound catches the point.
    forged = {"points": [dict(data["points"][0], harness_error=None, M=32 * 8, N=512 * 197, ci_low=0.99)]}
    assert not fr.check_feasible(forged)["passed"]


def test_lossless_check_fails_for_a_lossy_exact_entry(monkeypatch):
    monkeypatch.setitem(
        cz.CATALOGUE, "exact", _entry("exact", cz.KeyNormEviction, kw=lambda b, s: {"fraction": 0.5})
    )
    data = _standard_grid({"exact": [0], "lowrank": [1.0]})
    ck = fr.check_lossless(data)
    assert not ck["passed"] and ck["details"]["failures"][0]["compressor"] == "exact"
    assert not fr.check_lossless({"points": [p for p in data["points"] if p["compressor"] == "exact"]})[
        "passed"
    ]


def test_subgen_check_fails_above_chance_below_the_bound():
    def pt(M, rate, lo, hi, s):
        return {
            "model": "standard",
            "n": 4096,
            "delta": 2.0,
            "budget": s,
            "compressor": "subgen",
            "M": M,
            "N": 1_000_000,
            "bits_per_bit": M / 1e6,
            "rate": rate,
            "ci_low": lo,
            "ci_high": hi,
            "fano_ceiling": fr.fano_success_ceiling(M, 1_000_000),
            "harness_error": None,
        }

    good = {"subgen": [pt(50_000, 0.5, 0.46, 0.54, 1), pt(10**8, 0.9, 0.88, 0.92, 9)]}
    assert fr.check_subgen_adversarial(good, "standard")["passed"]
    high = {"subgen": [pt(150_000, 0.72, 0.70, 0.76, 1), pt(10**8, 0.9, 0.88, 0.92, 9)]}
    assert not fr.check_subgen_adversarial(high, "standard")["passed"]  # below bound, CP upper ≥ 0.75
    flat = {"subgen": [pt(50_000, 0.5, 0.46, 0.54, 1), pt(10**8, 0.52, 0.48, 0.56, 9)]}
    assert not fr.check_subgen_adversarial(flat, "standard")["passed"]  # does not rise with M
    above = {"subgen": [pt(10**7, 0.5, 0.46, 0.54, 1), pt(10**8, 0.9, 0.88, 0.92, 9)]}
    assert not fr.check_subgen_adversarial(above, "standard")["passed"]  # no point below: vacuous
    assert fr.check_subgen_adversarial(above, "standard", require_below=False)["passed"]
    beyond = {"subgen": [pt(50_000, 0.5, 0.46, 0.54, 1), pt(60_000, 0.9, 0.88, 0.92, 9)]}
    assert not fr.check_subgen_adversarial(beyond, "standard")["passed"]  # above the Fano ceiling


def test_failed_task_fails_the_feasibility_check():
    bad = fr.index_task("standard", 64, "quant", 1, queries=10, instance_seed=1)
    bad = fr.Task(bad.fn, dict(bad.params, d=1))  # d = 1: measured ε ≥ 1/2, run_index raises
    data = fr.collect(run_tasks([bad], seed=0))
    assert data["task_errors"] and not fr.check_feasible(data)["passed"]


@pytest.mark.slow
def test_quick_profile_checks_pass():
    data = fr.compute("quick", 0)
    assert not data["task_errors"]
    assert all(c["passed"] for c in data["checks"]), [c for c in data["checks"] if not c["passed"]]
    assert np.isfinite([g["ratio"] for g in data["gaps"] if g["ratio"] is not None]).all()


def test_eviction_check_alpha_is_family_wise():
    # 10 points at f = 1/2 (expected success 3/4, 1000 trials). One point at 700/1000 has a
    # p-value between α/10 and α: it passes a family-wise test and would fail a per-point one.
    from scipy.stats import binomtest

    def point(i, successes):
        return {
            "model": "standard",
            "n": 64,
            "compressor": "random",
            "budget": 0.5 + i / 1000,
            "kept_fraction": 0.5,
            "successes": successes,
            "trials": 1000,
            "rate": successes / 1000,
            "guaranteed": True,
        }

    pv = binomtest(700, 1000, 0.75).pvalue
    assert 1e-4 < pv < 1e-3
    data = {"points": [point(i, 750) for i in range(9)] + [point(9, 700)]}
    ck = fr.check_eviction(data)
    assert ck["passed"] and ck["details"]["alpha_per_point"] == pytest.approx(1e-4)
    data["points"][9] = point(9, 680)  # p-value ≈ 1e-6 < α/10
    assert not fr.check_eviction(data)["passed"]
