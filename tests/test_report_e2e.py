"""The README's main job end to end: ``tensorkv-check report`` on the quick profile, every
section real (claims, tradeoff, Index, SubGen, geometry, frontier, explore).

Run on seed 0 and on seed 3 (a crash on a seed other than the default one is a bug of
the tool: about 25 s each on two cores); the other report tests replace the heavy
sections to test the plumbing quickly.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tensorkv_check.cli import command as cli
from tensorkv_check.report import build

SECTION_FIGURES = {  # figure-name prefix each section must contribute
    "tradeoff": "tradeoff-",
    "index": "index-",
    "subgen": "subgen-",
    "geometry": "geometry-",
    "frontier": "frontier_",
    "explore": "explore_",
}


_QUICK: dict[int, tuple[int, Path, dict]] = {}


def quick_report_once(seed: int, tmp_path_factory) -> tuple[int, Path, dict]:
    """``tensorkv-check report`` on the quick profile, run once per seed and test session
    (the browser test, tests/test_report_browser.py, reads the same report)."""
    if seed not in _QUICK:
        out = tmp_path_factory.mktemp(f"report-seed{seed}") / "out"
        code = cli.main(["report", "--out", str(out), "--quiet", "--jobs", "2", "--seed", str(seed)])
        _QUICK[seed] = (code, out, json.loads((out / "report.json").read_text()))
    return _QUICK[seed]


@pytest.fixture(scope="module", params=[0, 3], ids=["seed0", "seed3"])
def quick_report(request, tmp_path_factory):
    return quick_report_once(request.param, tmp_path_factory)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_every_section_runs_and_no_check_errors(quick_report):
    code, _, data = quick_report
    assert code == 0, data["errored_checks"]
    assert data["errored_checks"] == []
    assert set(data["sweeps"]) == {s.name for s in build.SECTIONS}
    assert data["summary"]["failing"] == 0
    assert sum(data["summary"].values()) == len(data["claims"]) >= 20


def test_every_section_draws_its_figures_with_alt_text(quick_report):
    _, out, data = quick_report
    names = sorted(p.name for p in (out / "figures").glob("*.svg"))
    for section, prefix in SECTION_FIGURES.items():
        assert any(n.startswith(prefix) for n in names), (section, names)
    page = _Images()
    text = (out / "report.html").read_text()
    page.feed(text)
    # Every figure file is in the page once: the dependency graph inline (its nodes are
    # links), every other figure as an image.
    assert len(page.images) == len(names) - 1 and text.count('class="depgraph"') == 1
    assert all(img.get("alt") and img["src"].startswith("data:image/svg+xml;base64,") for img in page.images)
    html_text = "".join(page.text)
    assert all(c["id"] in html_text for c in data["claims"])
    # Each claim has its section and a graph node linking to it; every figure sits in some section.
    for c in data["claims"]:
        assert (
            f'<section class="claim" id="{c["id"]}"' in text and f'<a href="#{c["id"]}" class="node">' in text
        )
    assert (out / "report.html").stat().st_size < 2_000_000  # the quick report stays light


def test_every_claim_is_explored_and_outcomes_are_recorded(quick_report):
    _, _, data = quick_report
    for c in data["claims"]:
        ex = c["exploration"]
        assert ex is not None and ex["explorers"], c["id"]
        assert all(e["tried"] >= 1 for e in ex["explorers"])
        if any(e["kind"] == "refuted" for e in ex["explorers"]):
            assert c["status"] == "refuted"
    # The structured two-cache model is the expected outside-hypothesis counterexample.
    two = next(c for c in data["claims"] if c["id"] == "thm:two-cache-lb")
    assert two["exploration"]["outcome"] == "hypothesis-necessary"


def test_the_harness_checks_of_the_frontier_pass(quick_report):
    _, _, data = quick_report
    checks = data["sweeps"]["frontier"]["checks"]
    assert checks and all(ck["passed"] for ck in checks), [ck["name"] for ck in checks if not ck["passed"]]
