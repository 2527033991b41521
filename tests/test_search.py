"""Tests of tensorkv_check.claims.exploration (counterexample exploration) and the explore CLI."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pytest

from tensorkv_check.claims import exploration as search
from tensorkv_check.claims.registry import Registry, RegistryError, load_all
from tensorkv_check.cli.command import main
from tensorkv_check.engine.exact_attention import softmax


def _floats(st, lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _planted_registry(min_size: int = 1) -> Registry:
    """A registry with a planted false claim, a true claim and a crashing property."""
    reg = Registry()
    reg.claim(
        "x:below-09",
        paper_ref="planted",
        sources=("std",),
        statement="softmax(z) < 0.9 always",
        cited_reason="planted false claim",
    )
    reg.claim(
        "x:sums-to-one",
        paper_ref="planted",
        sources=("std",),
        statement="Σ softmax(z) = 1",
        cited_reason="planted true claim",
    )
    reg.claim("x:crash", paper_ref="planted", sources=("std",), statement="-", cited_reason="planted bug")

    def space(st):
        return st.fixed_dictionaries(
            {"z": st.lists(_floats(st, -10.0, 10.0), min_size=min_size, max_size=8).map(np.array)}
        )

    @reg.explorer(
        "x:below-09", "max-below-09", region="inside", space=space, ranges="n ≤ 8 logits in [-10, 10]"
    )
    def _(ex):
        p = softmax(ex["z"])
        return None if p.max() < 0.9 else f"max softmax = {float(p.max())!r} ≥ 0.9 for n = {p.size}"

    @reg.explorer("x:sums-to-one", "sum", region="inside", space=space, ranges="n ≤ 8 logits in [-10, 10]")
    def _(ex):
        return None if abs(softmax(ex["z"]).sum() - 1) <= 1e-12 else "sum off"

    @reg.explorer("x:crash", "divides", region="inside", space=space, ranges="n ≤ 8 logits")
    def _(ex):
        return 1 / 0

    return reg


def test_planted_false_claim_is_refuted_and_shrunk_to_n_1():
    exp = _planted_registry().explorers("x:below-09")[0]
    res = search.explore(exp, budget=30, seed=0)
    assert res["kind"] == "refuted" and res["outcome"] == "counterexample"
    z = search.decode(res["example"])["z"]
    assert z.shape == (1,)  # minimal: one logit, softmax = [1.0]
    assert res["failure"] == "max softmax = 1.0 ≥ 0.9 for n = 1"
    assert res["replay_identical"] is True
    assert "run_case('x:below-09', 'max-below-09'" in res["snippet"]


def test_planted_false_claim_with_two_logits_shrinks_to_the_smallest_gap():
    exp = _planted_registry(min_size=2).explorers("x:below-09")[0]
    res = search.explore(exp, budget=50, seed=3)
    assert res["kind"] == "refuted"
    z = search.decode(res["example"])["z"]
    assert z.shape == (2,)
    gap = abs(z[0] - z[1])
    # p ≥ 0.9 needs a gap ≥ ln 9 ≈ 2.197; the shrinker lands on a simple value close to it
    assert math.log(9) <= gap <= 3.0, z
    assert 0.0 in z


def test_true_claim_reports_examples_tried_never_proved():
    exp = _planted_registry().explorers("x:sums-to-one")[0]
    res = search.explore(exp, budget=25, seed=1)
    assert res["kind"] == "explored" and res["outcome"] == "none-found"
    assert res["example"] is None and res["failure"] is None
    assert 1 <= res["tried"] <= 25
    assert f"in {res['tried']} examples over n ≤ 8 logits in [-10, 10]" in res["text"]
    assert "not a proof" in res["text"] and "proved" not in res["text"]


def test_crashing_property_is_an_error_not_a_finding():
    exp = _planted_registry().explorers("x:crash")[0]
    res = search.explore(exp, budget=5, seed=0)
    assert res["outcome"] == "error" and res["kind"] == "error"
    assert res["failure"].startswith("ZeroDivisionError")


def test_same_seed_same_result_and_other_seed_runs():
    exp = _planted_registry(min_size=2).explorers("x:below-09")[0]
    a, b = (search.explore(exp, budget=40, seed=7) for _ in range(2))
    a.pop("timings"), b.pop("timings")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_encode_decode_round_trips_exactly():
    z = np.array([0.1, -0.0, 5e-324, 1e308, math.inf, -math.inf, 2.0 / 3.0])
    enc = search.encode({"z": z, "n": np.int64(3), "t": (1, 2.5), "k": np.arange(3)})
    back = search.decode(json.loads(json.dumps(enc)))
    assert back["z"].tobytes() == z.tobytes() and back["k"].dtype == np.int64
    assert back["n"] == 3 and back["t"] == [1, 2.5]
    with pytest.raises(TypeError, match="cannot encode"):
        search.encode({"x": object()})


def test_replay_reproduces_a_saved_case_byte_for_byte(tmp_path):
    reg = _planted_registry(min_size=2)
    res = search.explore(reg.explorers("x:below-09")[0], budget=50, seed=3)
    path = search.save_case(res, tmp_path)
    assert path.parent.name == "x_below-09" and path.suffix == ".json"
    assert search.saved_cases("x:below-09", tmp_path) == [path]
    replayed = search.replay_case(path, registry=reg)
    assert replayed["reproduced"] is True and replayed["failure"] == res["failure"]
    again = {k: v for k, v in replayed.items() if k not in ("reproduced", "path")}
    assert search.case_bytes(again) == path.read_bytes()
    # the snippet reproduces it through the public API as well
    ex = search.decode(json.loads(path.read_text())["example"])
    assert search.run_case("x:below-09", "max-below-09", ex, registry=reg) == res["failure"]


def test_replay_notices_a_case_that_no_longer_fails(tmp_path):
    reg = _planted_registry()
    res = search.explore(reg.explorers("x:below-09")[0], budget=30, seed=0)
    path = search.save_case(res, tmp_path)
    case = json.loads(path.read_text())
    case["example"]["z"] = search.encode(np.array([0.0, 0.0]))  # now softmax = 1/2
    path.write_bytes(search.case_bytes(case))
    replayed = search.replay_case(path, registry=reg)
    assert replayed["reproduced"] is False and replayed["outcome"] == "none-found"


def test_registry_explorer_validation():
    reg = Registry()
    sp = lambda st: st.just({})  # noqa: E731
    with pytest.raises(RegistryError, match="region"):
        reg.explorer("a", "x", region="nearby", space=sp, ranges="-")
    with pytest.raises(RegistryError, match="must name the hypothesis"):
        reg.explorer("a", "x", region="outside", space=sp, ranges="-")
    reg.explorer("nope:missing", "x", region="inside", space=sp, ranges="-")(lambda ex: None)
    with pytest.raises(RegistryError, match="unknown claim id"):
        reg.graph()


def test_every_registered_claim_has_an_explorer():
    reg = load_all()
    missing = [c.id for c in reg if not reg.explorers(c.id)]
    assert missing == []
    for e in reg.explorers():
        assert e.region in ("inside", "outside") and e.ranges
        if e.region == "outside":
            assert e.hypothesis
    # every claim is explored
    keys = {e.key for e in reg.explorers()}
    for key in (
        "thm:two-cache-lb::structured-rows-factor-keeping",
        "lem:kron-clusterable::product-diameter-bound",
        "thm:ho25-lb::below-dimension-threshold",
        "thm:subgen::error-bound-just-unclusterable",
        "def:tensor-attention::engine-edge-cases",
        "rem:tradeoff::flop-and-memory-counts",
    ):
        assert key in keys


def test_structured_two_cache_counterexample_starts_at_n_257():
    # The recorded finding: FactorKeepingTwoCache's 256·n·d + 512 bits drop below n²·d at n = 257.
    ex = {"n": 257, "eps": 0.49, "delta": 0.9, "seed": 0}
    text = search.run_case("thm:two-cache-lb", "structured-rows-factor-keeping", ex)
    assert text is not None and "n = 257" in text
    assert search.run_case("thm:two-cache-lb", "structured-rows-factor-keeping", dict(ex, n=256)) is None


def test_report_section_on_a_small_registry_is_deterministic():
    reg = _planted_registry()
    a, b = (search.compute("quick", 0, run=reg) for _ in range(2))
    assert set(a["timings"]) >= {"x:below-09::max-below-09", "total_seconds"}
    a.pop("timings"), b.pop("timings")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    out = search.claim_outcomes(a)
    assert {k: v["outcome"] for k, v in out.items()} == {
        "x:below-09": "refuted",
        "x:sums-to-one": "explored",
        "x:crash": "error",
    }
    kinds = {f["claim"]: f["kind"] for f in search.findings(a)}
    assert kinds == {"x:below-09": "refuted", "x:sums-to-one": "explored", "x:crash": "explored"}
    figs = search.figures(a)
    assert len(figs) == 1 and figs[0]["svg"].startswith("<svg") and figs[0]["file"].endswith(".svg")
    assert figs[0]["svg"] == search.figures(a)[0]["svg"]
    with pytest.raises(ValueError, match="profile"):
        search.compute("medium", 0, run=reg)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the softmax-no-shift mutant overflows on purpose
def test_planted_engine_bugs_are_caught_by_inside_explorers():
    """Break the engine on purpose (tensorkv_check.claims.mutants): inside explorers must refute."""
    from tensorkv_check.claims.mutants import CATALOGUE

    reg = load_all()
    mutants = {m.name: m for m in CATALOGUE}
    pairs = [
        ("softmax-no-shift", "def:softmax", "probability-vector"),
        ("tensor-value-order", "def:tensor-attention", "engine-edge-cases"),
        ("two-cache-forgets-cross-rows", "def:two-cache", "streaming-memory-and-output"),
        ("four-cache-flops-off", "rem:tradeoff", "flop-and-memory-counts"),
        ("kron-shifted", "def:kron", "rows-are-hadamard-products"),
        ("jl-scale-1/d", "lem:jl-gaussian", "engine-entry-variance"),
    ]
    for mutant, claim, name in pairs:
        exp = next(e for e in reg.explorers(claim) if e.name == name)
        with mutants[mutant].apply():
            res = search.explore(exp, budget=10, seed=0)
        assert res["kind"] == "refuted", (mutant, res["text"])


# ----------------------------------------------------------------------- CLI


def test_cli_explore_saves_and_replays(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", "def:softmax", "--budget", "2", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "def:softmax::probability-vector" in out and "no counterexample" in out
    assert "hypothesis-necessary" in out and "minimal example saved to" in out
    assert "run_case('def:softmax', 'non-finite-logits'" in out
    saved = search.saved_cases("def:softmax")
    assert len(saved) == 1 and saved[0].parts[:3] == (".tensorkv", "examples", "def_softmax")
    assert (tmp_path / saved[0]).is_file()
    before = (tmp_path / saved[0]).read_bytes()
    assert main(["explore", "def:softmax", "--replay"]) == 0
    out = capsys.readouterr().out
    assert "reproduces" in out and "probability-vector" not in out  # --replay runs no new search
    assert (tmp_path / saved[0]).read_bytes() == before
    assert main(["explore", "def:kron", "--replay"]) == 0
    assert "no saved cases for def:kron" in capsys.readouterr().out


def test_cli_explore_usage_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", "thm:nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "unknown claim id 'thm:nonexistent'" in err and "thm:two-cache-lb" in err
    for bad in ("0", "-3", "many"):
        with pytest.raises(SystemExit) as exc:
            main(["explore", "def:kron", "--budget", bad])
        assert exc.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_cli_explore_exit_1_when_a_property_crashes(tmp_path, monkeypatch, capsys):
    from tensorkv_check.cli import _common as cli_common

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_common, "load_registry", lambda: _planted_registry())
    assert main(["explore", "x:crash", "--budget", "2"]) == 1
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert main(["explore", "x:sums-to-one", "--budget", "2"]) == 0


def test_cli_explore_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explore", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "tensorkv-check explore thm:two-cache-lb --budget 40 --seed 1" in out and "--replay" in out


@pytest.mark.slow
def test_quick_profile_compute_is_deterministic():
    a, b = search.compute("quick", 0), search.compute("quick", 0)
    assert a["timings"]["total_seconds"] < 60
    a.pop("timings"), b.pop("timings")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    kinds = {r["claim"] + "::" + r["explorer"]: r["kind"] for r in a["explorers"]}
    assert kinds["thm:two-cache-lb::structured-rows-factor-keeping"] == "hypothesis-necessary"
    assert "error" not in kinds.values()


def test_compute_through_the_runner_equals_in_process(monkeypatch):
    from tensorkv_check.claims import exploration as search
    from tensorkv_check.runner.sweep_runner import TaskResult, run_tasks

    monkeypatch.setitem(search.PROFILES, "quick", 1)  # one example per explorer: plumbing only
    a, b = search.compute("quick", 3), search.compute("quick", 3, run=run_tasks)
    a.pop("timings"), b.pop("timings")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)

    def failing(tasks, seed, name):
        return [TaskResult(t, 0, error="RuntimeError: worker lost") for t in tasks]

    c = search.compute("quick", 3, run=failing)
    assert c["explorers"] and {e["kind"] for e in c["explorers"]} == {"error"}
    assert all("worker lost" in e["text"] for e in c["explorers"])


def test_examples_do_not_depend_on_the_literals_of_loaded_modules(tmp_path, monkeypatch):
    # hypothesis draws some examples from the literals of loaded local modules; a module
    # full of in-range floats, imported between two runs, must not change what a seed tries.
    reg = Registry()
    reg.claim("x:true", paper_ref="planted", sources=("std",), statement="-", cited_reason="planted")
    seen: list[float] = []

    def space(st):
        return st.fixed_dictionaries({"x": _floats(st, -10.0, 10.0)})

    @reg.explorer("x:true", "records", region="inside", space=space, ranges="x in [-10, 10]")
    def _(ex):
        seen.append(float(ex["x"]))

    exp = reg.explorers("x:true")[0]
    search.explore(exp, examples=200, seed=11)
    before, seen[:] = list(seen), []
    mod = tmp_path / "tkv_planted_literals.py"
    mod.write_text("VALUES = [" + ", ".join(f"{-9.5 + 0.37 * i!r}" for i in range(50)) + "]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("tkv_planted_literals")
    search.explore(exp, examples=200, seed=11)
    assert len(before) > 100 and seen == before
