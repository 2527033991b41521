"""``tensorkv-check selftest``: the planted-bug self-test of the claim checks and the proofs.

On the real suite a few mutants run by default (``--only``, ``--claims``); the whole table
runs under ``-m slow``. Toy registries plant what must fail the command: an engine mutant
whose code no check calls, a proof mutant that changes nothing the checker decides.
"""

from __future__ import annotations

import dataclasses
import importlib
import json

import numpy as np
import pytest
import sympy as sp

from benchmarks import bench_proofs
from benchmarks._harness import BenchConfig
from tensorkv_check.claims.obligations import Proof, Step
from tensorkv_check.claims.registry import CheckResult, Registry
from tensorkv_check.cli import _common as cli_common
from tensorkv_check.cli import _selftest_command as selftest_cmd
from tensorkv_check.cli import command as cli

bounds = importlib.import_module("tensorkv_check.index.bounds")

ENGINE_LINE = "engine mutants caught by the claim checks"
PROOF_LINE = "proof mutants killed"


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_has_an_example(capsys):
    code, out, _ = run(capsys, "selftest", "--help")
    assert code == 0
    assert "example: tensorkv-check selftest" in out and "--only NAME" in out


def test_a_few_real_mutants_are_caught_and_killed(capsys):
    code, out, err = run(
        capsys,
        "selftest",
        "--only",
        "reduction-C-ln(r-1)",
        "--only",
        "ho25-vacuous",
        "--only",
        "ho25-no-exp-mono",
        "--claims",
        "thm:ho25-lb",
    )
    assert code == 0, out + err
    lines = out.splitlines()
    row = next(ln for ln in lines if ln.startswith("reduction-C-ln(r-1) "))
    assert "yes" in row and "thm:ho25-lb::harness-standard (fail)" in row
    row = lines.index(next(ln for ln in lines if ln.startswith("ho25-no-exp-mono ")))
    assert "thm:ho25-lb" in lines[row] and "killed" in lines[row]
    assert lines[row + 2].strip().startswith("why: off_weight_le:")  # the failing step
    assert f"1/1 {ENGINE_LINE}" in lines and f"2/2 {PROOF_LINE}" in lines


def test_json_names_each_proof_mutant_and_the_failing_step(capsys):
    code, out, _ = run(capsys, "selftest", "--only", "jlt-no-norm-minus", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] and doc["engine"] is None
    (m,) = doc["proof"]["mutants"]
    assert m["name"] == "jlt-no-norm-minus" and m["claim_id"] == "def:jlt" and m["killed"]
    assert m["why"].startswith("inner_product:") and m["status"] != "proved"
    assert doc["summary"] == [
        f"0/0 {ENGINE_LINE} (none selected)",
        f"1/1 {PROOF_LINE}",
    ]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["selftest", "--only", "no-such-mutant"], "unknown mutant(s) no-such-mutant; valid: "),
        (["selftest", "--claims", "lem:missing"], "unknown claim id 'lem:missing'"),
        (["selftest", "--profile", "huge"], "invalid choice: 'huge'"),
        (["selftest", "--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err


# --------------------------------------------------------------------------- planted survivors

X = sp.Symbol("x", real=True)


def _toy_proof() -> Proof:
    return Proof(
        "toy:fano",
        {"x_pos": sp.Gt(X, 0)},
        sp.Gt(X + 1, 1),
        (Step("shift", (), sp.Gt(X + 1, 1), "smt", ("x_pos",)),),
    )


def _toy_registry() -> Registry:
    reg = Registry()
    c = reg.claim("toy:fano", paper_ref="x", sources=("inferred",), statement="x > 0 => x + 1 > 1")

    @c.empirical("fano-bound")
    def _(ctx):
        h = -(0.9 * np.log2(0.9) + 0.1 * np.log2(0.1))
        ok = abs(bounds.fano_bound(0.9, 100) - (1 - h) * 100) < 1e-9
        return CheckResult.ok("(1 - h2(p)) N") if ok else CheckResult.fail("fano_bound is off")

    c.proof = _toy_proof()
    return reg


def _mutants(proofs):
    """A proof mutant that kills (hypothesis dropped) and a harmless one (only a note)."""
    from proofs._proof_mutants import ProofMutant

    p = proofs["toy:fano"]
    dropped = dataclasses.replace(p, hypotheses={})
    harmless = dataclasses.replace(p, steps=tuple(dataclasses.replace(s, note="reworded") for s in p.steps))
    return [
        ProofMutant("toy-drop-x-pos", "toy:fano", dropped, "hypothesis x > 0 dropped"),
        ProofMutant("toy-harmless-note", "toy:fano", harmless, "a step's note reworded"),
    ]


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    monkeypatch.setattr(selftest_cmd, "proof_mutant_hooks", lambda: [("toyclaims", _mutants)])


def test_an_escaping_engine_mutant_and_a_surviving_proof_mutant_exit_1(capsys, toy):
    code, out, _ = run(
        capsys,
        "selftest",
        *("--only", "fano-in-nats", "--only", "reduction-C-ln(r-1)"),
        *("--only", "toy-drop-x-pos", "--only", "toy-harmless-note"),
    )
    assert code == 1
    lines = out.splitlines()
    caught = next(ln for ln in lines if ln.startswith("fano-in-nats "))
    assert "yes" in caught and "toy:fano::fano-bound (fail)" in caught
    escaped = next(ln for ln in lines if ln.startswith("reduction-C-ln(r-1) "))
    assert "ESCAPED" in escaped and "no check changed outcome" in escaped
    killed = lines.index("toy-drop-x-pos                 toy:fano               killed")
    assert "why: shift: uses names that are not available: x_pos" in lines[killed + 2]
    survived = lines.index("toy-harmless-note              toy:fano               SURVIVED")
    assert "why: still proved" in lines[survived + 2]
    assert f"1/2 {ENGINE_LINE}" in lines and f"1/2 {PROOF_LINE}" in lines


def test_json_of_the_toy_run_lists_the_survivors(capsys, toy):
    code, out, _ = run(capsys, "selftest", "--only", "reduction-C-ln(r-1)", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert not doc["ok"] and doc["engine"]["escaped"] == ["reduction-C-ln(r-1)"]
    killed = {m["name"]: m["killed"] for m in doc["proof"]["mutants"]}
    assert killed == {}  # --only selected no proof mutant


def test_a_claim_package_without_the_hook_has_no_proof_mutants(capsys, monkeypatch):
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    monkeypatch.setattr(selftest_cmd, "proof_mutant_hooks", lambda: [("toyclaims", None)])
    code, out, _ = run(capsys, "selftest", "--only", "fano-in-nats")
    assert code == 0
    assert "no proof mutants" in out
    assert f"1/1 {ENGINE_LINE}" in out and f"0/0 {PROOF_LINE} (no proof mutants" in out


def test_the_real_claim_package_offers_its_proof_mutants_by_the_hook():
    (name, hook), *_ = selftest_cmd.proof_mutant_hooks()
    assert hook is not None and name == "proofs"
    assert len(hook()) >= 12


@pytest.mark.slow
def test_whole_selftest_on_the_real_suite(capsys):
    code, out, err = run(capsys, "selftest")
    print(out)
    assert code == 0, out + err
    assert "ESCAPED" not in out and "SURVIVED" not in out
    lines = out.splitlines()
    assert any(ln.endswith(ENGINE_LINE) for ln in lines) and any(ln.endswith(PROOF_LINE) for ln in lines)


# --------------------------------------------------------------------------- benchmark


def test_proof_benchmark_reports_time_ratio_and_slowest(monkeypatch):
    real = bench_proofs.attached_proofs()
    small = {cid: real[cid] for cid in ("def:kron", "def:softmax")}
    monkeypatch.setattr(bench_proofs, "attached_proofs", lambda: small)
    checks, out = bench_proofs.bench(BenchConfig(quick=True, reps=1, warmup=0, seed=0))
    seconds, ratio = checks
    assert seconds.target == ("<=", 30.0) and seconds.status == "PASS"
    assert ratio.target is None and ratio.value.median == out["ratio"][0] > 0
    n = sum(len(p.steps) for p in small.values())
    assert out["obligations"] == n == seconds.case["obligations"] and out["proofs"] == 2
    assert out["proved"] == 2 and len(out["slowest"]) == min(5, n)
    assert out["slowest"][0]["median_seconds"] >= out["slowest"][-1]["median_seconds"]
