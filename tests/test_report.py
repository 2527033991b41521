"""Tests of the verification report (tensorkv_check.report): determinism, HTML validity,
atomic output, and that rendering shows every claim with its status and evidence."""

from __future__ import annotations

import copy
import json
import os
from html.parser import HTMLParser

import pytest

from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check.claims.registry import CheckContext, CheckResult, Registry
from tensorkv_check.engine.stats import clopper_pearson
from tensorkv_check.index import sweeps as index_sweeps
from tensorkv_check.report import build, build_report, render_json, write_report
from tensorkv_check.tradeoff import section as tradeoff_section


@pytest.fixture(scope="session")
def index_sweeps_once():
    # The real quick index sweeps (seconds); computed once and reused by every report.
    from tensorkv_check.index.sweeps import run_sweeps

    return run_sweeps(seed=0, progress=False)


@pytest.fixture(autouse=True)
def tiny_profile(monkeypatch, index_sweeps_once):
    # The real profiles time decoders up to n=256; the tests need the plumbing, not the sweep.
    # The SubGen, geometry, frontier and explore sections run for real in test_report_e2e.
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [4, 8], "d": 3, "repeats": 1})
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **kw: copy.deepcopy(index_sweeps_once))
    monkeypatch.setattr(
        build, "SECTIONS", [sec for sec in build.SECTIONS if sec.name in ("tradeoff", "index")]
    )


def toy_registry() -> Registry:
    reg = Registry()
    reg.claim(
        "def:a", paper_ref="Def 1", sources=("std",), statement="a <tag> & 'quote'", cited_reason="textbook"
    )
    b = reg.claim(
        "lem:b",
        paper_ref="Lemma 2",
        sources=("paper", "inferred"),
        statement="b holds",
        depends_on=("def:a",),
        caveats=("only for the representation",),
    )

    @b.symbolic("identity", scope="all n")
    def _(ctx):
        return CheckResult.ok("x - x = 0", scope="all n")

    @b.empirical("rate")
    def _(ctx):
        rng = ctx.rng("lem:b", "rate")
        hits = int((rng.random(200) < 0.99).sum())
        return CheckResult.ok(
            "rate", estimate=clopper_pearson(hits, 200, 0.99, seed=ctx.seed, parameters={"n": [1, 2]})
        )

    c = reg.claim("thm:c", paper_ref="Theorem 3", sources=("paper",), statement="c", depends_on=("lem:b",))

    @c.empirical("search", expect="counterexample")
    def _(ctx):
        return CheckResult.refute("c fails at n=2", {"n": 2}, "tensorkv-check check thm:c")

    return reg


def make(seed=0):
    return build_report(toy_registry(), CheckContext(seed=seed, profile="quick"))


def strip_timings(text: str) -> str:
    # sort_keys puts "timings" last; everything before it must match byte for byte.
    return text[: text.index('"timings"')]


def test_json_is_byte_identical_across_runs_apart_from_timings():
    a, b = render_json(make(3)), render_json(make(3))
    assert strip_timings(a) == strip_timings(b)
    assert json.loads(a)["timings"].keys() == {
        "wall_seconds",
        "checks",
        "proofs",
        "tradeoff_seconds",
        "sections",
        "runner",
        "findings",
    }


def test_seed_changes_the_evidence():
    a, b = make(0), make(1)
    rate = lambda r: r["claims"][1]["checks"]["rate"]["estimate"]["seed"]  # noqa: E731
    assert (rate(a), rate(b)) == (0, 1)


def test_statuses_summary_and_findings():
    rep = make()
    status = {c["id"]: c["status"] for c in rep["claims"]}
    assert status == {"def:a": "cited", "lem:b": "corroborated", "thm:c": "refuted"}
    assert rep["summary"] == {
        "proved": 0,
        "corroborated": 1,
        "partial": 0,
        "cited": 1,
        "refuted": 1,
        "failing": 0,
    }
    assert rep["summary_axes"] == {
        "proof": {"proved": 0, "partial": 0, "unproved": 1, "refuted": 1, "cited": 1},
        "evidence": {"corroborated": 1, "contradicted": 1, "none": 1},
    }
    b = rep["claims"][1]
    assert b["proof"] == {
        "status": "unproved",
        "reason": "no proof attached",
        "axioms": [],
        "obligations": [],
    }
    assert b["evidence"] == {
        "status": "corroborated",
        "checks": {
            "identity": {"role": "supports", "outcome": "pass"},
            "rate": {"role": "supports", "outcome": "pass"},
        },
    }
    kinds = {(f["claim"], f["kind"]) for f in rep["findings"]}
    assert ("thm:c", "refuted") in kinds and ("lem:b", "caveat") in kinds
    assert any("tensorkv-check check thm:c" in f["text"] for f in rep["findings"])
    assert any(f["kind"] == "inferred" and "lem:b" in f["text"] for f in rep["findings"])


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.imgs, self.text, self.errors = [], [], [], []

    VOID = {"meta", "img", "br", "link", "hr", "input"}

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_well_formed_with_alt_text_and_every_claim(tmp_path):
    rep = make()
    write_report(rep, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    p = _Collect()
    p.feed(page)
    p.close()
    assert p.errors == [] and p.stack == []
    assert p.imgs and all(img.get("alt") for img in p.imgs)
    assert all(img["src"].startswith("data:image/svg+xml;base64,") for img in p.imgs)  # self-contained
    text = "".join(p.text)
    for c in rep["claims"]:
        assert c["id"] in text
    assert "a <tag> & 'quote'" in text  # escaped in the markup, intact as text
    assert "http://" not in page.replace("http://www.w3.org", "")  # no network resources


def test_markdown_lists_every_claim_and_its_figures(tmp_path):
    rep = make()
    write_report(rep, tmp_path, ["md"])
    md = (tmp_path / "report.md").read_text()
    for c in rep["claims"]:
        assert f"`{c['id']}`" in md
    for name in (
        "dependencies.svg",
        "tradeoff-memory.svg",
        "tradeoff-flops.svg",
        "index-dimension.svg",
        "index-caveat.svg",
    ):
        assert (tmp_path / "figures" / name).read_text().startswith("<svg")
        assert f"figures/{name}" in md
    assert not (tmp_path / "report.html").exists()


def test_write_report_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="unknown report format.*pdf.*valid: html, md, json"):
        write_report(make(), tmp_path, ["pdf"])


def test_rendering_error_leaves_previous_report_intact(tmp_path, monkeypatch):
    write_report(make(), tmp_path, ["json", "html"])
    before = {p.name: p.read_bytes() for p in tmp_path.glob("report.*")}
    from tensorkv_check import report as report_pkg

    def boom(*_, **__):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(report_pkg, "render_html", boom)
    with pytest.raises(RuntimeError):
        write_report(make(5), tmp_path, ["json", "html"])
    assert {p.name: p.read_bytes() for p in tmp_path.glob("report.*")} == before
    assert not list(tmp_path.glob(".*tmp"))


def test_atomic_write_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write(target, "old")

    def fail(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_unwritable_out_is_reported(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        ensure_writable_dir(f)
    if os.geteuid() != 0:  # root can write anywhere, so only check permissions as a user
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="not writable"):
            ensure_writable_dir(ro / "sub")


def test_unknown_profile_rejected():
    with pytest.raises(ValueError, match="profile must be one of quick, full"):
        build_report(toy_registry(), CheckContext(profile="huge"))


def test_non_finite_numbers_in_evidence_do_not_break_the_json(tmp_path):
    reg = toy_registry()

    @reg["def:a"].empirical("nan-detail")
    def _(ctx):
        return CheckResult.ok("slope undefined", details={"slope": float("nan"), "tail": [float("-inf")]})

    rep = build_report(reg, CheckContext())
    text = render_json(rep)
    assert '"slope": "nan"' in text and '"-inf"' in text
    write_report(rep, tmp_path, ["json"])


def _explore_data(kind: str) -> dict:
    row = {
        "claim": "lem:b",
        "explorer": "edge",
        "region": "inside" if kind != "hypothesis-necessary" else "outside",
        "hypothesis": "n >= 1",
        "kind": kind,
        "tried": 7,
        "text": f"{kind} at n=2",
        "example": {"n": 2},
        "snippet": "print(2)",
    }
    return {"explorers": [row]}


@pytest.mark.parametrize(
    "kind, status, errored",
    [
        ("refuted", "refuted", []),
        ("hypothesis-necessary", "corroborated", []),
        ("explored", "corroborated", []),
        ("error", "failing", ["lem:b::explore:edge"]),
    ],
)
def test_exploration_outcomes_are_attached_to_claims(kind, status, errored):
    claims = [r.to_dict() for r in toy_registry().run(ctx=CheckContext(seed=0)).values()]
    crashed = build._attach_exploration(claims, _explore_data(kind))
    b = next(c for c in claims if c["id"] == "lem:b")
    assert b["status"] == status and crashed == errored
    assert b["exploration"]["outcome"] == kind
    assert next(c for c in claims if c["id"] == "def:a")["exploration"] is None
    if kind == "refuted":
        assert "explorer edge" in b["reason"]
        assert b["proof"]["status"] == "refuted" and b["evidence"]["status"] == "contradicted"
    else:
        assert b["proof"]["status"] == "unproved" and b["evidence"]["status"] == "corroborated"


def _proved_registry() -> Registry:
    import sympy as sp

    from tensorkv_check.claims.axioms import Exp
    from tensorkv_check.claims.obligations import Proof, Step

    reg = toy_registry()
    x, a = sp.Symbol("x", real=True), sp.Symbol("a", real=True)
    steps = (
        Step("double", (), sp.Gt(2 * x, 0), "smt", ("pos",)),
        Step("exp", (), sp.Gt(Exp(x), 0), "axiom", ("exp_pos",), {"exp_pos": ({a: x},)}),
        Step("final", (), sp.Gt(3 * x, 0), "smt", ("double", "pos")),
    )
    reg["lem:b"].proof = Proof("lem:b", {"pos": sp.Gt(x, 0)}, sp.Gt(3 * x, 0), steps)
    return reg


def test_a_proof_shows_on_both_axes_with_its_axioms_and_its_time_apart():
    rep = build_report(_proved_registry(), CheckContext(seed=0, profile="quick"))
    b = rep["claims"][1]
    assert (b["status"], b["proof"]["status"], b["evidence"]["status"]) == (
        "proved",
        "proved",
        "corroborated",
    )
    assert rep["summary"]["proved"] == 1 and rep["summary_axes"]["proof"]["proved"] == 1
    ids = [o["id"] for o in b["proof"]["obligations"]]
    assert ids[0] == "double" and ids[-1] == "final"
    assert all(
        {"id", "backend", "uses", "latex", "outcome", "smtlib2", "vacuity_smtlib2"} <= set(o)
        for o in b["proof"]["obligations"]
    )
    assert "seconds" not in json.dumps(b["proof"])
    assert set(rep["timings"]["proofs"]["lem:b"]["obligations"]) == set(ids)
    assert [(a["name"], a["used_by"]) for a in rep["axioms"]] == [("exp_pos", ["lem:b"])]
    assert [a["name"] for a in b["proof"]["axioms"]] == [a["name"] for a in rep["axioms"]]
    from tensorkv_check.report.render import proof_text, render_html, render_markdown

    md = render_markdown(rep, figs=[])
    assert "## Axioms" in md and "| 1 | `double` | $" in md and "| smt | pos | ✓ discharged |" in md
    assert "[exp_pos](#axiom-exp_pos)" in md  # the claim's axiom ledger links to the axiom
    assert proof_text(b) == f"proved ({len(ids)}/{len(ids)} obligations; axioms: exp_pos)"
    html_text = render_html(rep, figs=[])
    assert '<h2 id="axioms-h">Axioms</h2>' in html_text and '<li id="axiom-exp_pos">' in html_text
    # One table row per step: its formula as MathML, its backend, its uses as links, its time.
    row = html_text[html_text.index('<tr id="step-lem:b-final">') :]
    row = row[: row.index("</tr>")]
    assert "<math" in row and ">smt<" in row and 'href="#step-lem:b-double"' in row and " ms<" in row
    a, b2 = (
        render_json(build_report(_proved_registry(), CheckContext(seed=0, profile="quick"))) for _ in range(2)
    )
    assert strip_timings(a) == strip_timings(b2)


def test_html_is_a_blueprint_one_section_per_claim_in_dependency_order():
    from tensorkv_check.report.render import figures, render_html

    rep = make()
    page = render_html(rep, figs=figures(rep))
    # Sections in dependency order, each reachable from its graph node and the contents.
    pos = [page.index(f'<section class="claim" id="{cid}"') for cid in ("def:a", "lem:b", "thm:c")]
    assert pos == sorted(pos)
    for cid in ("def:a", "lem:b", "thm:c"):
        assert page.count(f'<a href="#{cid}" class="node">') == 1
    # Both axes as badges with a word and a symbol, not colour alone.
    c = page[page.index('<section class="claim" id="thm:c"') :]
    c = c[: c.index("</section>")]
    assert "✗</span> proof refuted" in c and "evidence contradicted" in c
    # Evidence grouped by role, each check one folded row with its outcome.
    b = page[page.index('<section class="claim" id="lem:b"') :]
    b = b[: b.index("</section>")]
    assert "<b>Supports</b>" in b and b.count('<details class="row">') == 2 and "99% CI [" in b
    # The summary lists the refutation and the caveat, linking to their claims.
    found = page[page.index('<h3 id="found">') : page.index('<section id="claims"')]
    assert 'href="#thm:c"' in found and 'href="#lem:b"' in found and "only for the representation" in found
    # The toy claims serve no section: the sweeps' figures are the report's other figures.
    other = page[page.index('<section id="other-figures"') :]
    assert other.count("<figure ") == len(figures(rep)) - 1  # all but the inline graph


def test_figures_sit_with_the_first_claim_they_name_and_are_linked_from_the_others():
    from tensorkv_check.report.render import figure_homes

    claims = [{"id": i, "depends_on": d} for i, d in (("a", []), ("b", ["a"]), ("c", ["a"]))]
    figs = [
        {"file": "x.svg", "claims": ["c", "b"]},
        {"file": "y.svg", "claims": ["gone"]},
        {"file": "g.svg", "claims": [], "role": "graph"},
    ]
    shown, see_also, other = figure_homes(figs, claims)
    assert {k: [f["file"] for f in v] for k, v in shown.items()} == {"c": ["x.svg"]}
    assert [(f["file"], home) for f, home in see_also["b"]] == [("x.svg", "c")]
    assert [f["file"] for f in other] == ["y.svg"]


def _claim(cid, deps, proof="proved", evidence="corroborated"):
    return {
        "id": cid,
        "depends_on": deps,
        "paper_ref": "Ref",
        "status": proof,
        "proof": {"status": proof},
        "evidence": {"status": evidence},
    }


def test_dependency_graph_is_laid_out_by_generation_without_overlapping_labels():
    import re

    from tensorkv_check.report._graph import _CHAR, generations, graph_svg

    claims = [_claim("def:a", []), _claim("def:a-very-long-definition-name", [], "cited", "none")]
    claims += [
        _claim(f"lem:{i}", ["def:a"] if i % 2 else ["def:a-very-long-definition-name"]) for i in range(7)
    ]
    claims += [_claim("thm:top", [f"lem:{i}" for i in range(7)], "refuted", "contradicted")]
    assert [len(g) for g in generations(claims)] == [2, 7, 1]
    svg = graph_svg(claims)
    assert svg == graph_svg(claims)  # deterministic
    nodes = re.findall(
        r'<a href="#([^"]+)" class="node">.*?<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
        r'height="([\d.]+)".*?<text[^>]*>([^<]*)</text>',
        svg,
        re.S,
    )
    assert sorted(n[0] for n in nodes) == sorted(c["id"] for c in claims)
    boxes = [(float(x), float(y), float(w), float(h), label) for _, x, y, w, h, label in nodes]
    for i, (x1, y1, w1, h1, label) in enumerate(boxes):
        assert len(label) * _CHAR < w1  # the label fits its box
        for x2, y2, w2, h2, _ in boxes[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1  # no overlap
    # A generation sits right of the one before it; symbols give both axes besides colour.
    x_of = {n[0]: float(n[1]) for n in nodes}
    assert x_of["def:a"] < x_of["lem:0"] < x_of["thm:top"]
    assert "✗✗ thm:top" in svg and "§· def:a-very-long-definition-name" in svg


def test_formulas_become_mathml_and_the_implication_splits_at_the_top_level():
    from tensorkv_check.report._math import mathml, split_implication

    tex = r"\left(a > 0 \wedge \left(b \Rightarrow c\right) \wedge {x \wedge y}\right)"
    tex += r" \Rightarrow P_{fail} \leq a"
    hyps, concl = split_implication(tex)
    assert hyps == ["a > 0", r"\left(b \Rightarrow c\right)", r"{x \wedge y}"]
    assert concl == r"P_{fail} \leq a"
    assert split_implication(r"a \leq b") == ([], r"a \leq b")
    out = mathml(concl)
    assert out.startswith('<math alttext="P_{fail} \\leq a"') and "≤" in out and "<mtext>fail</mtext>" in out
    assert mathml(r"\frac{1}{").startswith('<code class="tex">')  # shown as its source, not dropped
