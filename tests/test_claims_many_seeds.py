"""Every claim check of the proof suite on many seeds: a check that raises is a tool bug.

A crash on valid input, on any seed, makes ``tensorkv-check report --seed S`` exit 1 and
its claim ``failing``; it is never a finding. The explorers have their own many-seeds test
(``test_explorers_many_seeds.py``); this one runs the claim checks, which the report runs
once per seed.

* Default run: the checks of every claim on seeds 1 and 2 besides the default seed 0
  that the rest of the suite uses (about 25 s a seed on two cores).
* ``-m slow``: seeds 0..99.
"""

from __future__ import annotations

import pytest

from tensorkv_check.claims import load_all
from tensorkv_check.claims.registry import CheckContext

SEEDS = (1, 2)
SLOW_SEEDS = range(100)


def _errored(seed: int) -> list[str]:
    results = load_all().run(ctx=CheckContext(seed=seed, profile="quick"))
    return [
        f"{cid}::{name}: {r.summary}"
        for cid, res in results.items()
        for name, r in res.results.items()
        if r.outcome == "error"
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_no_claim_check_crashes(seed):
    assert _errored(seed) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_no_claim_check_crashes_on_100_seeds(seed):
    assert _errored(seed) == []
