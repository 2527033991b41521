"""The report sections of the trade-off, the Index sweeps and the frontier live in their areas.

Each area's ``section.py`` exposes ``SECTION`` with a ``name``, ``compute(profile, seed,
run)``, ``figures(data)`` and ``findings(data)``, and the report lists exactly those
objects. The trade-off section is run end to end at toy sizes.
"""

from __future__ import annotations

import inspect

import pytest

from tensorkv_check.frontier.section import SECTION as FRONTIER
from tensorkv_check.index.section import SECTION as INDEX
from tensorkv_check.report import build
from tensorkv_check.runner.sweep_runner import run_tasks
from tensorkv_check.tradeoff import section as tradeoff_section
from tensorkv_check.tradeoff.section import SECTION as TRADEOFF


@pytest.mark.parametrize("section, name", [(TRADEOFF, "tradeoff"), (INDEX, "index"), (FRONTIER, "frontier")])
def test_section_has_the_protocol_members(section, name):
    assert section.name == name
    params = {
        m: list(inspect.signature(getattr(section, m)).parameters) for m in ("compute", "figures", "findings")
    }
    assert params == {"compute": ["profile", "seed", "run"], "figures": ["data"], "findings": ["data"]}
    assert sum(s is section for s in build.SECTIONS) == 1


def test_report_profiles_are_the_sections_profiles():
    assert tuple(tradeoff_section.PROFILES) == build.PROFILES


def test_tradeoff_section_end_to_end(monkeypatch):
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [4, 8], "d": 3, "repeats": 1})
    data = TRADEOFF.compute("quick", 0, run_tasks)
    assert [p["n"] for p in data["points"]] == [4, 8]
    figs = TRADEOFF.figures(data)
    assert [f["file"] for f in figs] == ["tradeoff-memory.svg", "tradeoff-flops.svg"]
    assert all(f["svg"].lstrip().startswith("<") for f in figs)
    (finding,) = TRADEOFF.findings(data)
    assert finding["claim"] == "rem:tradeoff" and "At n=8, d=3" in finding["text"]
    with pytest.raises(ValueError, match="profile must be one of"):
        TRADEOFF.compute("huge", 0, run_tasks)


def test_empty_data_gives_no_figures_or_findings():
    assert TRADEOFF.figures({}) == [] and TRADEOFF.findings({}) == []
    assert INDEX.figures({}) == [] and INDEX.findings({}) == []


def test_index_section_runs_the_sweeps_it_finds_on_its_module(monkeypatch):
    from tensorkv_check.index import sweeps

    seen = {}
    monkeypatch.setattr(sweeps, "run_sweeps", lambda **kw: seen.update(kw) or {"stub": True})
    assert INDEX.compute("full", 5, run_tasks) == {"stub": True}
    assert seen == {"full": True, "seed": 5, "progress": False, "run": run_tasks}
