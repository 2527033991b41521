"""The README's main job on a seed other than 0, run in CI: ``tensorkv-check report --seed 3``.

A crash on valid input on any seed is a failure of the tool, never a finding, and the
rest of the suite runs the claim checks at seed 0 (the many-seeds tests run them, and the
explorers, on seeds 1..20 and 0..24 at small sizes). This runs the whole quick report
(every claim check, sweep and explorer at the report's own sizes) on seed 3 and requires
exit 0, no errored check, no failing claim, and a report that records and uses its seed.

Cost: nothing extra in the default run. The seed-3 quick report is the one
``test_report_e2e.py`` builds (``quick_report_once``, once per seed and test session;
about 25 s on two cores, 30-60 s on a shared machine); this file alone builds it and the
seed-0 report.
"""

from __future__ import annotations

from test_report_e2e import quick_report_once

SEED = 3


def _check_summaries(data: dict) -> dict[str, str]:
    return {f"{c['id']}::{name}": r["summary"] for c in data["claims"] for name, r in c["checks"].items()}


def test_quick_report_on_a_nonzero_seed_exits_0_with_no_failing_claim(tmp_path_factory):
    code, out, data = quick_report_once(SEED, tmp_path_factory)
    assert code == 0, data["errored_checks"]
    assert data["errored_checks"] == []
    assert data["summary"]["failing"] == 0, [c["id"] for c in data["claims"] if c["status"] == "failing"]
    assert (data["seed"], data["profile"]) == (SEED, "quick")
    for name in ("explore", "frontier", "geometry", "index", "subgen"):
        assert data["sweeps"][name]["seed"] == SEED, name
    explorers = data["sweeps"]["explore"]["explorers"]
    crashed = [f"{e['claim']}::{e['explorer']}: {e['failure']}" for e in explorers if e["outcome"] == "error"]
    assert explorers and not crashed, crashed
    assert (out / "report.json").is_file() and (out / "report.html").is_file()


def test_the_seed_reaches_the_claim_checks(tmp_path_factory):
    """A report that ignored ``--seed`` would pass the test above with seed 0's evidence."""
    zero = _check_summaries(quick_report_once(0, tmp_path_factory)[2])
    other = _check_summaries(quick_report_once(SEED, tmp_path_factory)[2])
    assert zero.keys() == other.keys()
    changed = [k for k in zero if zero[k] != other[k]]
    # Randomised checks (Clopper–Pearson rates, drawn instances) report other numbers.
    assert len(changed) >= 10, changed
