"""The proofs as exported by ``tensorkv-check claims --format json`` and printed by
``tensorkv-check proof ID``.

Every exported SMT-LIB2 obligation is re-checked from its *text* by z3's own parser
(``z3.Solver().from_string``), never through :mod:`tensorkv_check`: the negated conclusion
must be ``unsat`` and the vacuity script (the facts alone) ``sat``, so any SMT-LIB2 solver
given the JSON can repeat the proof.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import z3

from tensorkv_check.claims.listing import run_claims_command
from tensorkv_check.claims.registry import Registry, load_all
from tensorkv_check.cli import command as cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported() -> dict:
    """``claims --format json`` of the project's claims with their proofs but no checks (the
    export path is the same; the empirical checks are not what this file tests)."""
    full = load_all()
    reg = Registry()
    for c in full:
        reg._claims[c.id] = dataclasses.replace(c, checks=[])
    out, err = io.StringIO(), io.StringIO()
    code = run_claims_command(
        argparse.Namespace(format="json", claims=None, include_slow=False),
        registry=reg,
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


def _answer(script: str) -> str:
    s = z3.Solver()
    s.from_string(script)
    return str(s.check())


def test_every_claim_exports_both_axes_axioms_and_obligations(exported):
    claims = {c["id"]: c for c in exported["claims"]}
    proved = [cid for cid, c in claims.items() if c["proof"]["status"] == "proved"]
    assert len(proved) >= 13 and {
        "thm:ho25-lb",
        "thm:four-cache-lb",
        "thm:two-cache-lb",
        "thm:index-lb",
    } <= set(proved)
    for c in claims.values():
        assert c["proof"]["status"] in ("proved", "partial", "unproved", "refuted", "cited")
        assert c["evidence"]["status"] == "none"  # no checks ran here
        for o in c["proof"]["obligations"]:
            assert {"id", "backend", "uses", "latex", "outcome"} <= set(o) and o["latex"]
            assert (o["smtlib2"] is not None) == (o["backend"] == "smt") == (o["vacuity_smtlib2"] is not None)
    ledger = {a["name"] for a in claims["thm:four-cache-lb"]["proof"]["axioms"]}
    assert {"fano_bit", "exp_mono"} <= ledger  # transitive: fano_bit comes through thm:index-lb
    assert exported["summary"]["proof"]["proved"] == len(proved)


def test_every_exported_smt_script_rechecks_from_its_text(exported):
    scripts = [
        (c["id"], o) for c in exported["claims"] for o in c["proof"]["obligations"] if o["backend"] == "smt"
    ]
    assert len(scripts) >= 40
    for cid, o in scripts:
        assert _answer(o["smtlib2"]) == "unsat", f"{cid} :: {o['id']}"
        assert _answer(o["vacuity_smtlib2"]) == "sat", f"{cid} :: {o['id']} (vacuity)"


def test_a_tampered_script_no_longer_rechecks(exported):
    # The re-check must be able to fail: drop every assertion but the negated conclusion.
    o = next(o for c in exported["claims"] for o in c["proof"]["obligations"] if o["backend"] == "smt")
    lines = o["smtlib2"].splitlines()
    asserts = [i for i, ln in enumerate(lines) if ln.startswith("(assert")]
    tampered = "\n".join(ln for i, ln in enumerate(lines) if i not in asserts[:-1])
    assert _answer(o["smtlib2"]) == "unsat" and _answer(tampered) == "sat"


def test_proof_command_prints_steps_formulas_uses_times_and_the_ledger(capsys):
    code = cli.main(["proof", "thm:four-cache-lb"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("thm:four-cache-lb: proved")
    assert "[discharged] same_output  (identity, " in out and "      Eq(o_T, o)" in out
    assert "uses: approx_tensor, same_output" in out and " ms)" in out
    assert "axioms (transitive):" in out and "  fano_bit [std]:" in out
    assert "claim proof status: proved" in out


def test_proof_command_without_a_proof_and_for_an_unknown_id(capsys):
    from proofs import load_all

    # whichever claims are still without a proof (the set shrinks as proofs are added)
    unproved = sorted(c.id for c in load_all() if c.proof is None and not c.cited_reason)
    for cid in unproved[:1]:
        assert cli.main(["proof", cid]) == 0
        assert "proof unproved: no machine-checked proof" in " ".join(capsys.readouterr().out.split())
    assert cli.main(["proof", "thm:nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown claim id 'thm:nope'" in err and "thm:ho25-lb" in err


def test_proof_command_is_quiet_on_a_closed_pipe():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorkv_check", "proof", "thm:ho25-lb"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before the first write, as with `| head -0`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert err == b""
