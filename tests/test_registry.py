"""Tests of :mod:`tensorkv_check.claims.registry` (status rules, graph, selection, contexts) and of the
``tensorkv-check claims`` front end :mod:`tensorkv_check.claims.listing`.

Every status of :func:`~tensorkv_check.claims.registry.claim_status` is derived here from hand-made
results, so a change to a rule fails a named test; the registries are built in the
tests, never the project's :data:`~tensorkv_check.claims.registry.REGISTRY` (except to check that
:func:`~tensorkv_check.claims.registry.load_all` returns it).
"""

from __future__ import annotations

import argparse
import dataclasses
import doctest
import hashlib
import io
import json

import numpy as np
import pytest
import sympy as sp

import tensorkv_check.claims.listing
import tensorkv_check.claims.registry
from tensorkv_check.claims.listing import render_table, run_claims_command
from tensorkv_check.claims.obligations import Dependency, Proof, Step
from tensorkv_check.claims.registry import (
    REGISTRY,
    Check,
    CheckContext,
    CheckResult,
    Claim,
    Registry,
    RegistryError,
    load_all,
)
from tensorkv_check.claims.status import STATUSES, claim_axes, claim_status, summary_status
from tensorkv_check.engine.stats import clopper_pearson

OK = CheckResult.ok("holds")
FAIL = CheckResult.fail("does not hold")
ERR = CheckResult("error", "ValueError: boom")
CEX = CheckResult.refute("found one", {"n": 2}, "python -c 'pass'")


def claim(
    *kinds: str, deps: tuple[str, ...] = (), cited: str | None = None, slow: tuple[str, ...] = ()
) -> Claim:
    """A claim with one check per kind, named c0, c1, ...; ``slow`` names slow checks."""
    c = Claim(
        id="lem:x", paper_ref="Lemma 1", sources=("std",), statement="x", depends_on=deps, cited_reason=cited
    )
    for i, kind in enumerate(kinds):
        c.checks.append(Check("lem:x", f"c{i}", kind, lambda ctx: OK, slow=f"c{i}" in slow))  # type: ignore[arg-type]
    return c


# --------------------------------------------------------------------------- claim_status


X = sp.Symbol("x", real=True)


def toy_proof(cid: str, *, broken: bool = False, dep: str | None = None) -> Proof:
    """``x > 0 => 2x > 0`` (or, broken, ``=> x > 1``: 1 of 2 obligations), optionally through ``dep``."""
    statement = sp.Gt(X - 1, 0) if broken else sp.Gt(2 * X, 0)
    first = Step("double", (), sp.Gt(2 * X, 0), "smt", ("pos",) + ((dep,) if dep else ()))
    deps = (Dependency(dep, (sp.Gt(X, 0),), sp.Gt(2 * X, 0)),) if dep else ()
    return Proof(
        cid,
        {"pos": sp.Gt(X, 0)},
        statement,
        (first, Step("final", (), statement, "smt", ("double", "pos"))),
        deps,
    )


def axes(
    c: Claim, results: dict, deps: dict | None = None, proof: Proof | None = None
) -> tuple[str, str, str]:
    c.proof = proof
    pres = None if proof is None else proof.check()
    p, reason, ev = claim_axes(c, results, deps or {}, pres)
    return p, ev, summary_status(c, results, p, reason, ev)[0]


def test_cited_needs_no_checks_and_states_its_reason():
    assert claim_status(claim(cited="Fano's inequality, textbook"), {}, {}) == (
        "cited",
        "Fano's inequality, textbook",
    )
    assert axes(claim(cited="book"), {}) == ("cited", "none", "cited")


def test_no_proof_no_checks_and_no_citation_is_failing():
    status, reason = claim_status(claim(), {}, {})
    assert status == "failing" and "unsupported" in reason


def test_all_checks_skipped_is_failing_never_proved():
    status, reason = claim_status(claim("symbolic", "symbolic"), {}, {})
    assert status == "failing" and "none of its checks ran" in reason


def test_symbolic_checks_are_evidence_never_a_proof():
    assert axes(claim("symbolic", "symbolic"), {"c0": OK, "c1": OK}) == (
        "unproved",
        "corroborated",
        "corroborated",
    )


def test_a_checked_proof_makes_it_proved_with_or_without_evidence():
    assert axes(claim(), {}, proof=toy_proof("lem:x")) == ("proved", "none", "proved")
    assert axes(claim("empirical"), {"c0": OK}, proof=toy_proof("lem:x")) == (
        "proved",
        "corroborated",
        "proved",
    )


def test_a_broken_proof_is_partial_and_lists_the_failed_step():
    c = claim()
    c.proof = toy_proof("lem:x", broken=True)
    p, reason, ev = claim_axes(c, {}, {}, c.proof.check())
    assert (p, ev) == ("partial", "none") and "1 of 2 obligations" in reason and "final" in reason
    assert summary_status(c, {}, p, reason, ev)[0] == "partial"
    assert axes(claim("empirical"), {"c0": OK}, proof=toy_proof("lem:x", broken=True))[2] == "corroborated"


@pytest.mark.parametrize(
    "dep_status, expected",
    [("proved", "proved"), ("cited", "proved"), ("partial", "partial"), ("unproved", "partial")],
)
def test_proved_only_when_used_dependencies_are_proved_or_cited(dep_status, expected):
    c = claim(deps=("lem:d", "def:unused"))
    proof = toy_proof("lem:x", dep="lem:d")
    c.proof = proof
    p, reason, _ = claim_axes(c, {}, {"lem:d": dep_status, "def:unused": "unproved"}, proof.check())
    assert p == expected
    if expected == "partial":
        assert f"lem:d ({dep_status})" in reason and "def:unused" not in reason


def test_limits_and_engine_checks_never_count_as_support():
    c = claim("empirical", "empirical")
    c.checks[0] = dataclasses.replace(c.checks[0], role="limits")
    c.checks[1] = dataclasses.replace(c.checks[1], role="engine")
    assert axes(c, {"c0": OK, "c1": OK}) == ("unproved", "none", "failing")
    assert axes(c, {"c0": OK, "c1": OK}, proof=toy_proof("lem:x")) == ("proved", "none", "proved")


@pytest.mark.parametrize("role", ["limits", "engine"])
def test_a_broken_limit_or_engine_check_makes_it_failing_even_when_proved(role):
    c = claim("empirical", "empirical")
    c.checks[1] = dataclasses.replace(c.checks[1], role=role)
    assert axes(c, {"c0": OK, "c1": FAIL}, proof=toy_proof("lem:x")) == ("proved", "corroborated", "failing")
    status, reason = claim_status(c, {"c0": OK, "c1": FAIL}, {}, c.proof.check())
    assert f"c1 ({role}, fail)" in reason


def test_a_limit_expecting_a_counterexample_is_shown_not_a_refutation():
    c = claim("empirical", "empirical")
    c.checks[1] = dataclasses.replace(c.checks[1], role="limits", expect="counterexample")
    assert axes(c, {"c0": OK, "c1": CEX}) == ("unproved", "corroborated", "corroborated")


def test_empirical_with_a_skipped_check_names_it():
    c = claim("empirical", "symbolic", slow=("c1",))
    status, reason = claim_status(c, {"c0": OK}, {})
    assert status == "corroborated" and reason.endswith("; not run: c1")


def test_counterexample_refutes_both_axes_even_against_a_proof():
    c = claim("symbolic", "empirical", "empirical")
    status, reason = claim_status(c, {"c0": FAIL, "c1": CEX, "c2": OK}, {})
    assert status == "refuted" and "c1" in reason
    assert axes(c, {"c0": OK, "c1": CEX, "c2": OK}, proof=toy_proof("lem:x")) == (
        "refuted",
        "contradicted",
        "refuted",
    )


def test_a_failed_supporting_check_contradicts_the_evidence():
    assert axes(claim("empirical", "empirical"), {"c0": OK, "c1": FAIL}) == (
        "unproved",
        "contradicted",
        "refuted",
    )


def test_an_errored_check_is_failing_whatever_the_axes():
    c = claim("empirical", "empirical")
    assert axes(c, {"c0": OK, "c1": ERR}, proof=toy_proof("lem:x"))[2] == "failing"
    status, reason = claim_status(c, {"c0": CEX, "c1": ERR}, {})
    assert status == "failing" and "c1" in reason


def test_every_status_is_reachable():
    cases = [
        axes(claim(), {}, proof=toy_proof("lem:x"))[2],
        axes(claim("empirical"), {"c0": OK})[2],
        axes(claim(), {}, proof=toy_proof("lem:x", broken=True))[2],
        axes(claim(cited="book"), {})[2],
        axes(claim("empirical"), {"c0": CEX})[2],
        axes(claim("empirical"), {"c0": ERR})[2],
    ]
    assert tuple(cases) == STATUSES


# --------------------------------------------------------------------------- Registry


def toy() -> Registry:
    """def:a (cited) <- lem:b (symbolic) <- thm:c (symbolic, empirical dep lem:e)."""
    reg = Registry()
    reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a", cited_reason="textbook")
    b = reg.claim("lem:b", paper_ref="Lem 2", sources=("paper",), statement="b", depends_on=("def:a",))
    e = reg.claim("lem:e", paper_ref="Lem 3", sources=("HO25",), statement="e")
    c = reg.claim(
        "thm:c",
        paper_ref="Thm 4",
        sources=("paper", "inferred"),
        statement="c",
        depends_on=("lem:b", "lem:e"),
    )
    reg.claim("rem:z", paper_ref="Rem 5", sources=("paper",), statement="z", cited_reason="unrelated")
    b.proof = toy_proof("lem:b")

    @b.symbolic("identity")
    def _(ctx):
        return CheckResult.ok("b = b")

    @e.empirical("rate")
    def _(ctx):
        return CheckResult.ok("rate", estimate=clopper_pearson(9, 10))

    @c.symbolic("chain")
    def _(ctx):
        return CheckResult.ok("c follows")

    @c.symbolic("sweep", slow=True)
    def _(ctx):
        return CheckResult.ok("big sweep")

    return reg


def test_run_propagates_statuses_in_dependency_order():
    res = toy().run()
    assert list(res) == ["def:a", "lem:b", "lem:e", "rem:z", "thm:c"]  # lexicographic topological
    assert {k: r.status for k, r in res.items()} == {
        "def:a": "cited",
        "lem:b": "proved",
        "lem:e": "corroborated",
        "thm:c": "corroborated",
        "rem:z": "cited",
    }
    assert {k: (r.proof_status, r.evidence_status) for k, r in res.items()} == {
        "def:a": ("cited", "none"),
        "lem:b": ("proved", "corroborated"),
        "lem:e": ("unproved", "corroborated"),
        "thm:c": ("unproved", "corroborated"),
        "rem:z": ("cited", "none"),
    }
    assert res["lem:b"].proof_result.status == "proved" and "not run: sweep" in res["thm:c"].reason
    assert "sweep" not in res["thm:c"].results  # slow, skipped by default


def test_a_proof_resting_on_an_unproved_dependency_is_partial():
    reg = toy()
    reg["thm:c"].proof = toy_proof("thm:c", dep="lem:e")
    res = reg.run()
    assert (res["thm:c"].proof_status, res["thm:c"].status) == ("partial", "corroborated")
    assert "lem:e (unproved)" in res["thm:c"].proof_reason
    reg["lem:e"].proof = toy_proof("lem:e")
    res = reg.run()
    assert (res["thm:c"].proof_status, res["thm:c"].status) == ("proved", "proved")
    assert res["thm:c"].proof_result.dependencies == {"lem:e": "proved"}


def test_run_include_slow_and_on_check():
    seen = []
    res = toy().run(["thm:c"], include_slow=True, on_check=lambda ck: seen.append(ck.node_id))
    assert seen == ["lem:b::identity", "lem:e::rate", "thm:c::chain", "thm:c::sweep"]
    assert set(res["thm:c"].results) == {"chain", "sweep"}
    assert set(res["thm:c"].seconds) == {"chain", "sweep"}


def test_proof_results_are_cached_per_proof_object():
    reg = toy()
    first = reg.check_proofs()["lem:b"][0]
    assert reg.check_proofs()["lem:b"][0] is first
    reg["lem:b"].proof = toy_proof("lem:b", broken=True)
    assert reg.check_proofs()["lem:b"][0].status == "partial"


def test_select_includes_ancestors_in_dependency_order_only():
    reg = toy()
    assert reg.select(["thm:c"]) == ["def:a", "lem:b", "lem:e", "thm:c"]
    assert reg.select(["lem:b"]) == ["def:a", "lem:b"]
    assert reg.select(["lem:b", "rem:z"]) == ["def:a", "lem:b", "rem:z"]
    assert reg.select(None) == reg.select(reg.ids)
    assert set(reg.run(["lem:b"])) == {"def:a", "lem:b"}


def test_unknown_ids_are_rejected_with_the_valid_ids():
    reg = toy()
    with pytest.raises(RegistryError, match=r"unknown claim id 'thm:nope'; valid ids: def:a, lem:b, lem:e"):
        reg.select(["thm:nope"])
    with pytest.raises(RegistryError, match="unknown claim id"):
        reg["x"]
    assert "lem:b" in reg and "x" not in reg and len(reg) == 5


def test_unknown_dependency_is_rejected():
    reg = toy()
    reg.claim("lem:d", paper_ref="L", sources=("std",), statement="d", depends_on=("lem:ghost",))
    with pytest.raises(RegistryError, match="claim lem:d depends on unknown claim id 'lem:ghost'"):
        reg.graph()
    with pytest.raises(RegistryError):
        reg.run()


def test_cycles_are_rejected_and_named():
    reg = Registry()
    for cid, dep in (("lem:p", "lem:r"), ("lem:q", "lem:p"), ("lem:r", "lem:q")):
        reg.claim(cid, paper_ref="L", sources=("std",), statement=cid, depends_on=(dep,))
    with pytest.raises(RegistryError, match="dependency cycle: ") as info:
        reg.graph()
    assert all(c in str(info.value) for c in ("lem:p", "lem:q", "lem:r"))
    self_loop = Registry()
    self_loop.claim("lem:s", paper_ref="L", sources=("std",), statement="s", depends_on=("lem:s",))
    with pytest.raises(RegistryError, match="dependency cycle: lem:s -> lem:s"):
        self_loop.select(None)


def test_graph_edges_point_from_dependency_to_claim():
    g = toy().graph()
    assert set(g.edges) == {("def:a", "lem:b"), ("lem:b", "thm:c"), ("lem:e", "thm:c")}


def test_malformed_declarations_are_rejected():
    reg = toy()
    with pytest.raises(RegistryError, match="duplicate claim id 'lem:b'"):
        reg.claim("lem:b", paper_ref="L", sources=("std",), statement="again")
    with pytest.raises(RegistryError, match="unknown source tag 'arxiv'; valid: paper, HO25"):
        reg.claim("lem:new", paper_ref="L", sources=("arxiv",), statement="s")
    with pytest.raises(RegistryError, match="already has a check named 'identity'"):
        reg["lem:b"].symbolic("identity")
    with pytest.raises(RegistryError, match="expect must be 'pass' or 'counterexample'"):
        reg["lem:b"].empirical("other", expect="fail")


def test_declared_scope_fills_an_empty_result_scope():
    reg = Registry()
    c = reg.claim("lem:s", paper_ref="L", sources=("std",), statement="s")

    @c.symbolic("a", scope="n, d <= 3")
    def _(ctx):
        return CheckResult.ok("a")

    @c.symbolic("b", scope="declared")
    def _(ctx):
        return CheckResult.ok("b", scope="own")

    res = reg.run()["lem:s"].results
    assert (res["a"].scope, res["b"].scope) == ("n, d <= 3", "own")


# --------------------------------------------------------------------------- checks and contexts


def test_check_exception_becomes_error_with_traceback():
    reg = Registry()
    c = reg.claim("lem:boom", paper_ref="L", sources=("std",), statement="s")

    @c.empirical("raises")
    def _(ctx):
        raise ZeroDivisionError("planted")

    @c.symbolic("wrong-type")
    def _(ctx):
        return True

    res = reg.run()["lem:boom"]
    r = res.results["raises"]
    assert r.outcome == "error" and r.summary == "ZeroDivisionError: planted"
    assert "ZeroDivisionError: planted" in r.details["traceback"] and "Traceback" in r.details["traceback"]
    assert res.results["wrong-type"].outcome == "error"
    assert "returned bool, not CheckResult" in res.results["wrong-type"].summary
    assert res.status == "failing"


def test_rng_is_keyed_and_deterministic():
    ctx = CheckContext(seed=3)
    a = ctx.rng("lem:x", 5).standard_normal(4)
    ctx.rng("something else").standard_normal(100)  # another check's draws do not matter
    assert np.array_equal(a, CheckContext(seed=3).rng("lem:x", 5).standard_normal(4))
    assert not np.array_equal(a, ctx.rng("lem:x", 6).standard_normal(4))
    assert not np.array_equal(a, ctx.rng("lem:y", 5).standard_normal(4))
    assert not np.array_equal(a, CheckContext(seed=4).rng("lem:x", 5).standard_normal(4))


def test_rng_string_keys_hash_stably():
    # A str key is the first 4 bytes of its sha256, little-endian: stable across runs and
    # Python hash randomisation (unlike hash()).
    word = int.from_bytes(hashlib.sha256(b"lem:x").digest()[:4], "little")
    expected = np.random.default_rng(np.random.SeedSequence([7, word, 2])).integers(0, 10**9, 3)
    assert np.array_equal(CheckContext(seed=7).rng("lem:x", 2).integers(0, 10**9, 3), expected)


def test_context_is_frozen_with_defaults():
    ctx = CheckContext()
    assert (ctx.seed, ctx.profile) == (0, "quick")
    with pytest.raises(AttributeError):
        ctx.seed = 1  # type: ignore[misc]


def test_result_constructors_and_to_dict():
    est = clopper_pearson(3, 4)
    r = CheckResult.refute("x", {"n": 1}, "cmd", scope="s", details={"k": 1}, estimate=est)
    d = r.to_dict()
    assert d["outcome"] == "counterexample" and d["counterexample"] == {"n": 1} and d["reproduce"] == "cmd"
    assert d["estimate"]["successes"] == 3 and d["scope"] == "s"
    assert CheckResult.ok("y").passed and not CheckResult.fail("z").passed


def test_claim_result_to_dict_is_json_and_lists_only_run_checks():
    res = toy().run(["thm:c"])["thm:c"]
    d = json.loads(json.dumps(res.to_dict()))
    assert d["status"] == "corroborated" and d["depends_on"] == ["lem:b", "lem:e"]
    assert list(d["checks"]) == ["chain"]
    assert d["checks"]["chain"]["kind"] == "symbolic" and d["checks"]["chain"]["outcome"] == "pass"
    assert d["checks"]["chain"]["role"] == "supports"
    assert d["proof"]["status"] == "unproved" and d["evidence"]["status"] == "corroborated"
    b = json.loads(json.dumps(toy().run(["lem:b"])["lem:b"].to_dict()))["proof"]
    assert b["status"] == "proved" and [o["id"] for o in b["obligations"]] == ["double", "final"]
    assert all("seconds" not in o and o["smtlib2"] and o["vacuity_smtlib2"] for o in b["obligations"])
    assert "seconds" not in b and b["axioms"] == []


def test_load_all_returns_the_project_registry_with_a_valid_graph():
    reg = load_all()
    assert reg is REGISTRY
    reg.graph()
    assert load_all() is reg  # idempotent: modules are imported once, claims registered once


def test_registry_doctests():
    failed, attempted = doctest.testmod(tensorkv_check.claims.registry)
    assert attempted > 0 and failed == 0


# --------------------------------------------------------------------------- tensorkv_check.claims.listing


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def claims_cmd(reg, fmt="table", ids=None, include_slow=False, tty=False, **extra):
    args = argparse.Namespace(format=fmt, claims=ids, include_slow=include_slow, **extra)
    out, err = (_TTY(), _TTY()) if tty else (io.StringIO(), io.StringIO())
    code = run_claims_command(args, registry=reg, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_table_lists_claims_with_status_sources_checks_and_deps():
    code, out, err = claims_cmd(toy())
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == [
        "id",
        "paper",
        "ref",
        "sources",
        "proof",
        "evidence",
        "status",
        "checks",
        "deps",
    ]
    rows = {ln.split()[0]: ln.split() for ln in lines[1:6]}
    assert rows["thm:c"][-5:] == ["unproved", "corroborated", "corroborated", "1/2", "lem:b,lem:e"]
    assert rows["lem:b"][-5:] == ["proved", "corroborated", "proved", "1/1", "def:a"]
    assert rows["def:a"][-5:] == ["cited", "none", "cited", "0/0", "-"]
    assert "paper,inferred" in rows["thm:c"]
    assert "5 claims: 2 cited, 2 corroborated, 1 proved" in out
    assert "proof: 2 cited, 1 proved, 2 unproved; evidence: 3 corroborated, 2 none" in out
    assert "notes:" not in out  # nothing refuted, failing or caveated
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_cli_colours_status_only_on_a_terminal():
    code, out, _ = claims_cmd(toy(), tty=True)
    assert code == 0 and "\x1b[32mproved" in out and "\x1b[0m" in out


def test_cli_json_has_the_evidence_of_every_check():
    code, out, _ = claims_cmd(toy(), fmt="json", ids="thm:c", include_slow=True, seed=4)
    assert code == 0
    doc = json.loads(out)
    assert doc["seed"] == 4 and doc["include_slow"] is True
    by_id = {c["id"]: c for c in doc["claims"]}
    assert list(by_id) == ["def:a", "lem:b", "lem:e", "thm:c"]
    e = by_id["lem:e"]
    assert {"id", "paper_ref", "sources", "status", "reason", "depends_on", "caveats", "checks"} <= set(e)
    rate = e["checks"]["rate"]
    assert rate["kind"] == "empirical" and rate["outcome"] == "pass" and rate["summary"] == "rate"
    assert rate["estimate"]["successes"] == 9 and "scope" in rate
    assert by_id["thm:c"]["status"] == "corroborated" and by_id["thm:c"]["checks_not_run"] == []
    assert by_id["lem:b"]["proof"]["status"] == "proved" and set(by_id["lem:b"]["proof_seconds"]) == {
        "total",
        "obligations",
    }
    assert doc["summary"]["proof"]["proved"] == 1 and doc["summary"]["evidence"]["corroborated"] == 3


def test_cli_exit_1_when_a_check_errors_but_0_for_refuted_or_failing():
    reg = toy()

    @reg["lem:e"].empirical("finding")
    def _(ctx):
        return CEX

    @reg["lem:b"].symbolic("bad")
    def _(ctx):
        return FAIL

    reg["lem:b"].caveats = ("only for d >= 2",)
    code, out, err = claims_cmd(reg)
    assert code == 0 and err == ""
    assert "lem:e: refuted: counterexample from finding" in out
    assert "lem:b: refuted: evidence contradicted by bad (fail)" in out
    assert "lem:b: caveat: only for d >= 2" in out

    @reg["thm:c"].symbolic("crash")
    def _(ctx):
        raise RuntimeError("planted")

    code, out, err = claims_cmd(reg)
    assert code == 1 and "thm:c::crash" in err


def test_cli_unknown_ids_exit_2_listing_valid_ids():
    code, out, err = claims_cmd(toy(), ids="lem:b,thm:nope")
    assert code == 2 and out == ""
    assert "unknown claim id(s) thm:nope; valid ids: def:a, lem:b, lem:e, rem:z, thm:c" in err


def test_cli_progress_bar_only_on_a_terminal():
    _, _, err = claims_cmd(toy())
    assert err == ""
    _, _, err = claims_cmd(toy(), tty=True)
    assert "claims" in err and "check" in err  # tqdm's bar


def test_cli_reports_a_broken_registry(monkeypatch):
    def broken():
        raise ImportError("claim module is broken")

    monkeypatch.setattr(tensorkv_check.claims.listing, "load_all", broken)
    args = argparse.Namespace(format="table", claims=None, include_slow=False)
    err = io.StringIO()
    assert run_claims_command(args, stdout=io.StringIO(), stderr=err) == 1
    assert "loading the claim registry failed: ImportError: claim module is broken" in err.getvalue()


def test_cli_through_the_console_entry_point(capsys, monkeypatch):
    from tensorkv_check.cli import command as cli

    monkeypatch.setattr(tensorkv_check.claims.listing, "load_all", toy)
    assert cli.main(["claims", "--claims", "lem:b", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in doc["claims"]] == ["def:a", "lem:b"]


def test_cli_doctests():
    failed, attempted = doctest.testmod(tensorkv_check.claims.listing)
    assert attempted > 0 and failed == 0
    assert render_table({}) == "id  paper ref  sources  proof  evidence  status  checks  deps\n\n0 claims: \n"


def test_claims_json_and_the_plugins_json_convert_numpy_values():
    # Checks put numpy scalars and arrays in their details; the listing's JSON and the
    # pytest plugin's (failure reports, --claims-report) convert them with the package's
    # one JSON helper, and the plugin's never raises on anything else.
    from tensorkv_check.claims import plugin
    from tensorkv_check.claims.listing import render_json

    reg = Registry()
    c = reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a")

    @c.empirical("numpy-details")
    def check_numpy_details(ctx):
        return CheckResult.ok("x", details={"f": np.float64(0.5), "i": np.int64(2), "a": np.arange(3)})

    doc = json.loads(render_json(reg.run(), seed=0))
    assert doc["claims"][0]["checks"]["numpy-details"]["details"] == {"f": 0.5, "i": 2, "a": [0, 1, 2]}
    assert plugin._json_default(np.float64(0.5)) == 0.5
    assert plugin._json_default(np.eye(2)) == [[1, 0], [0, 1]]
    assert plugin._json_default({3}) == [3] and plugin._json_default(sp.Symbol("x")) == "x"


def test_check_context_sizes_per_profile():
    # ctx.size(quick, full=, smoke=): full and smoke default to the quick value.
    quick, full, smoke = (CheckContext(profile=p) for p in ("quick", "full", "smoke"))
    assert [c.size(200, full=1000, smoke=3) for c in (quick, full, smoke)] == [200, 1000, 3]
    assert [c.size(200, smoke=3) for c in (quick, full, smoke)] == [200, 200, 3]
    assert [c.size((8, 16), full=(8, 16, 32)) for c in (quick, full, smoke)] == [
        (8, 16),
        (8, 16, 32),
        (8, 16),
    ]
    assert tensorkv_check.claims.CHECK_PROFILES == ("quick", "full", "smoke")


def test_smoke_profile_is_refused_by_the_report_and_the_command_line(capsys):
    """Smoke verdicts mean nothing (3-trial rates): only the many-seeds crash test uses them."""
    from tensorkv_check.cli import command as cli
    from tensorkv_check.report import build_report

    reg = Registry()
    reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a").empirical("e")(lambda ctx: OK)
    with pytest.raises(ValueError, match="profile must be one of quick, full"):
        build_report(reg, CheckContext(profile="smoke"))
    for argv in (["report", "--profile", "smoke"], ["check", "def:softmax", "--profile", "smoke"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
        assert "invalid choice: 'smoke'" in capsys.readouterr().err
