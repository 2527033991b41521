"""Proof mutants: logical mistakes planted in the machine-checked proofs must be caught.

The mutants live in the claim package (:mod:`proofs._proof_mutants`, reached through the
package's ``proof_mutants`` hook, as ``tensorkv-check selftest`` reaches them). Each
changes one thing in one proof (an inequality flipped, a hypothesis dropped, a constant
changed, an axiom removed from a step's ``uses``, a sum's range off by one, a dependency's
statement weakened, an unnamed fact used, contradictory hypotheses) and the proof must
then check as *not* proved. A surviving mutant fails the run; the kill rate is printed
(``pytest -s``).
"""

from __future__ import annotations

import time

import pytest

import proofs as claim_package
from proofs._proof_mutants import _MUTANTS
from proofs._proofs import all_proofs
from tensorkv_check.claims.obligations import check_proofs

NAMES = [name for name, _, _, _ in _MUTANTS]


@pytest.fixture(scope="module")
def proofs():
    return all_proofs()


@pytest.fixture(scope="module")
def baseline(proofs):
    return check_proofs(proofs.values())


@pytest.fixture(scope="module")
def mutants(proofs):
    return {m.name: m for m in claim_package.proof_mutants(proofs)}


@pytest.fixture(scope="module")
def mutant_statuses(proofs, baseline, mutants):
    """Each mutant's status and seconds, its proof checked against the unmutated dependencies."""
    out = {}
    for name, m in mutants.items():
        start = time.perf_counter()
        result = m.proof.check(proofs, baseline)
        out[name] = (result.status, result.reason, time.perf_counter() - start)
    return out


def test_mutants_are_named_uniquely_and_each_changes_its_proof(proofs, mutants):
    assert list(mutants) == NAMES and len(set(NAMES)) == len(NAMES)
    for m in mutants.values():
        assert m.proof is not proofs[m.claim_id] and m.proof != proofs[m.claim_id], m.name
        assert m.proof.claim_id == m.claim_id and m.description


def test_unmutated_proofs_are_proved(baseline, mutants):
    assert {m.claim_id for m in mutants.values()} <= {
        cid for cid, r in baseline.items() if r.status == "proved"
    }


@pytest.mark.parametrize("name", NAMES, ids=[f"{name} ({cid}): {what}" for name, cid, what, _ in _MUTANTS])
def test_mutant_is_killed(mutant_statuses, mutants, name):
    status, reason, _ = mutant_statuses[name]
    m = mutants[name]
    assert status != "proved", f"surviving mutant: {m.claim_id}: {m.description}"
    assert reason


def test_kill_rate(mutant_statuses, mutants):
    killed = sum(status != "proved" for status, _, _ in mutant_statuses.values())
    seconds = sum(s for _, _, s in mutant_statuses.values())
    print(f"\n{killed}/{len(mutants)} proof mutants killed ({seconds:.1f} s)")
    for name, (status, reason, sec) in mutant_statuses.items():
        m = mutants[name]
        print(f"  {name:30s} {m.claim_id:22s} {status:9s} {sec:5.2f}s  {m.description}  <- {reason[:120]}")
    assert len(mutants) >= 12
    assert killed == len(mutants)
