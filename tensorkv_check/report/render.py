"""Render the report dict as Markdown and as self-contained HTML, laid out as a blueprint.

Both renderings read only the report's JSON data, so they agree with it, and share one
structure: a summary (the claim dependency graph, the counts on both status axes, and what
the report found that the paper does not say), a table of contents, then one section per
claim in dependency order (statement typeset as math, hypotheses, paper reference and
sources, both status axes, the proof step by step with its axiom ledger, the evidence
grouped by role, the explorers' outcomes, and the figures that belong to the claim), then
the axioms, the remaining figures and the reproducibility block.

The HTML typesets formulas as MathML, inlines the dependency graph as SVG (each node a
link to its claim) and the figures as ``data:`` URIs with alt text: it runs no JavaScript
and loads nothing from the network. The Markdown writes formulas as LaTeX in ``$...$`` and
references the same figures as SVG files beside it.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from tensorkv_check.report import build as _build
from tensorkv_check.report._graph import claim_order, generations, graph_svg
from tensorkv_check.report._math import mathml, split_implication, sympy_latex
from tensorkv_check.report._style import (
    CSS,
    EVIDENCE_STYLE,
    OUTCOME_STYLE,
    PROOF_STYLE,
    STATUS_STYLE,
    badge,
    claim_anchor,
)
from tensorkv_check.report.figures import dependency_graph_svg
from tensorkv_check.tradeoff.plots import tradeoff_svg

__all__ = [
    "evidence_text",
    "exploration_text",
    "figure_homes",
    "figures",
    "proof_text",
    "render_markdown",
    "render_html",
    "render_json",
]

#: Check roles in the order a claim's evidence shows them, with their headings.
_ROLES = (
    ("supports", "Supports", "checks that test the statement"),
    ("limits", "Limits", "where the claim stops holding: shown, never counted as support"),
    ("engine", "Engine", "the implementation agrees with the mathematics"),
)

#: Finding kinds in the order the report groups them, with the group's heading.
_FINDING_GROUPS = (
    ("refuted", "Refuted claims"),
    ("failing", "Failing checks (bugs to fix)"),
    ("hypothesis-necessary", "Hypotheses shown necessary (counterexamples outside them)"),
    ("measurement", "Measurements"),
    ("finding", "Findings of the sweeps"),
    ("check", "Checks of the harness itself"),
    ("caveat", "Modelling caveats"),
    ("inferred", "Our reconstructions [inferred]"),
    ("explored", "Explored without a counterexample"),
)
#: Finding kinds the summary lists as "what the paper does not say"; the rest are folded.
_HEADLINE_KINDS = (
    "refuted",
    "failing",
    "hypothesis-necessary",
    "caveat",
    "finding",
    "measurement",
    "inferred",
)

#: Exploration outcomes whose shrunk instance is printed as a snippet.
_SHOW_SNIPPET = frozenset({"refuted", "hypothesis-necessary", "error"})

#: Each status axis's styles, in the order the summary shows the axes.
_AXIS_STYLES: dict[str, dict[str, dict[str, str]]] = {"proof": PROOF_STYLE, "evidence": EVIDENCE_STYLE}

#: A finding longer than this (characters) shows its first sentence, the rest folded.
_FINDING_LINE = 200

#: A formal hypothesis list longer than this is folded.
_HYPS_OPEN = 8


def render_json(report: dict[str, Any]) -> str:
    """Canonical JSON text (sorted keys, fixed indentation): same data, same bytes."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------ figures


def figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's figures: file name, title, alt text, SVG source and the claims they support.

    A figure's ``claims`` are its own (a section may name them per figure) or else the
    claims its section serves; the dependency graph (``role: "graph"``) belongs to the
    summary, and a figure of no claim to the report's other figures.
    """
    out: list[dict[str, Any]] = [
        {
            "file": "dependencies.svg",
            "title": "Claim dependency graph",
            "alt": "Directed graph of the claims laid out by generation, each node showing its proof "
            "and evidence status: "
            + "; ".join(
                f"{c['id']} proof {c['proof']['status']}, evidence {c['evidence']['status']}"
                for c in report["claims"]
            ),
            "svg": dependency_graph_svg(report["claims"]),
            "claims": [],
            "role": "graph",
        }
    ]
    for sec in _build.SECTIONS:  # each sweep section draws its own figures from its data
        data = report["sweeps"].get(sec.name)
        if data:
            for fig in sec.figures(data):
                own = fig.get("claims")
                out.append({**fig, "claims": list(own if own is not None else (sec.claims or ()))})
    times = report["timings"].get("tradeoff_seconds") or []
    if times:
        pts = [{"n": t["n"], "seconds": {k: v for k, v in t.items() if k not in ("n", "d")}} for t in times]
        out.append(
            {
                "file": "tradeoff-time.svg",
                "title": "Remark 3.9: measured step time (timings, not deterministic)",
                "alt": "Log-log plot of the median measured step time of each decoder against n.",
                "svg": tradeoff_svg(pts, "seconds", "seconds per step (median)", "Step time (measured)"),
                # The claims of the tradeoff section, whose decoders were timed.
                "claims": [c for s in _build.SECTIONS if s.name == "tradeoff" for c in s.claims or ()],
            }
        )
    return out


def figure_homes(
    figs: list[dict[str, Any]], claims: list[dict[str, Any]]
) -> tuple[
    dict[str, list[dict[str, Any]]], dict[str, list[tuple[dict[str, Any], str]]], list[dict[str, Any]]
]:
    """Where each figure is shown: ``(shown, see_also, other)``.

    A figure is drawn once, in the section of the first claim it names (a section lists
    its main claim first) that is in the report (``shown[claim id]``); every other claim it
    supports links to it
    (``see_also[claim id]`` holds ``(figure, home claim id)``); a figure of no claim in
    the report goes to ``other``. The dependency graph is in none of them.
    """
    order = {c["id"]: i for i, c in enumerate(claim_order(claims))}
    shown: dict[str, list[dict[str, Any]]] = {}
    see_also: dict[str, list[tuple[dict[str, Any], str]]] = {}
    other: list[dict[str, Any]] = []
    for fig in figs:
        if fig.get("role") == "graph":
            continue
        mine = list(dict.fromkeys(c for c in fig.get("claims") or () if c in order))
        if not mine:
            other.append(fig)
            continue
        shown.setdefault(mine[0], []).append(fig)
        for cid in mine[1:]:
            see_also.setdefault(cid, []).append((fig, mine[0]))
    return shown, see_also, other


def _fig_id(fig: dict[str, Any]) -> str:
    return "fig-" + fig["file"].rsplit(".", 1)[0]


def _fig_caption(fig: dict[str, Any]) -> str:
    """What to look at: the section's caption, else its alt text (which describes the plot)."""
    return str(fig.get("caption") or fig.get("alt") or "")


# ------------------------------------------------------------------ text helpers


def _finding_groups(findings: list[dict[str, str]]) -> list[tuple[str, str, list[dict[str, str]]]]:
    """Findings grouped by kind, in :data:`_FINDING_GROUPS` order (unknown kinds last)."""
    known = {k for k, _ in _FINDING_GROUPS}
    groups = [(kind, title, [f for f in findings if f["kind"] == kind]) for kind, title in _FINDING_GROUPS]
    rest = [f for f in findings if f["kind"] not in known]
    groups.append(("other", "Other", rest))
    return [(k, t, items) for k, t, items in groups if items]


def _finding_text(f: dict[str, str]) -> str:
    """The finding's text without a leading ``"<claim id>: "`` (the link names the claim)."""
    text = f["text"]
    prefix = f"{f['claim']}: " if f.get("claim") else ""
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def _explorers(claim: dict[str, Any]) -> list[dict[str, Any]]:
    return (claim.get("exploration") or {}).get("explorers", [])


def exploration_text(claim: dict[str, Any]) -> str:
    """One cell: the strongest exploration outcome and how much was tried (never "proved")."""
    exps = _explorers(claim)
    if not exps:
        return "not explored"
    tried = sum(ex["tried"] for ex in exps)
    return (
        f"{claim['exploration']['outcome']} ({len(exps)} explorer{'s' if len(exps) > 1 else ''}, "
        f"{tried} examples)"
    )


def _explorer_scope(ex: dict[str, Any]) -> str:
    where = (
        "inside its hypotheses"
        if ex["region"] == "inside"
        else f"outside: {ex.get('hypothesis') or 'a hypothesis'}"
    )
    return f"{where}, {ex['tried']} examples"


def _rate_text(est: dict[str, Any] | None) -> str:
    """``k/n = rate, 99% CI [lo, hi]`` of a Clopper–Pearson estimate ("" without one)."""
    if not est:
        return ""
    return (
        f"{est['successes']}/{est['trials']} = {est['rate']:.4f}, {100 * est['confidence']:g}% CI "
        f"[{est['ci_low']:.4f}, {est['ci_high']:.4f}]"
    )


def evidence_text(check: dict[str, Any]) -> str:
    """One line of evidence for a check result dict (summary, scope, interval, instance)."""
    parts = [check["summary"]]
    if check.get("scope"):
        parts.append(f"scope: {check['scope']}")
    est = check.get("estimate")
    if est:
        parts.append(
            f"{est['successes']}/{est['trials']} (rate {est['rate']:.4f}), {100 * est['confidence']:g}% "
            f"Clopper–Pearson [{est['ci_low']:.4f}, {est['ci_high']:.4f}], seed {est['seed']}, parameters "
            f"{json.dumps(est['parameters'], sort_keys=True, ensure_ascii=False)}"
        )
    if check.get("counterexample"):
        parts.append(
            "counterexample: " + json.dumps(check["counterexample"], sort_keys=True, ensure_ascii=False)
        )
    if check.get("reproduce"):
        parts.append(f"reproduce: `{check['reproduce']}`")
    return "; ".join(parts)


def proof_text(claim: dict[str, Any]) -> str:
    """One cell of the proof axis: the status, k/m obligations discharged, and the axioms."""
    pr = claim["proof"]
    obs = pr.get("obligations") or []
    if not obs:
        return pr["status"]
    k = sum(o["outcome"] in ("discharged", "cited") for o in obs)
    axioms = ", ".join(a["name"] for a in pr.get("axioms", []))
    return f"{pr['status']} ({k}/{len(obs)} obligations" + (f"; axioms: {axioms})" if axioms else ")")


def _roles(claim: dict[str, Any]) -> list[tuple[str, str, str, list[tuple[str, dict[str, Any]]]]]:
    """The claim's checks grouped by role (:data:`_ROLES` order, unknown roles last)."""
    known = {r for r, _, _ in _ROLES}
    items = list(claim["checks"].items())
    groups = [(r, t, why, [(n, ck) for n, ck in items if ck["role"] == r]) for r, t, why in _ROLES]
    groups.append(("other", "Other", "", [(n, ck) for n, ck in items if ck["role"] not in known]))
    return [g for g in groups if g[3]]


def _step_seconds(report: dict[str, Any], claim_id: str) -> dict[str, float]:
    return ((report["timings"].get("proofs") or {}).get(claim_id) or {}).get("obligations") or {}


def _formal(claim: dict[str, Any]) -> tuple[list[str], str | None]:
    """The formal hypotheses and conclusion as LaTeX (``([], None)`` without a formal statement)."""
    latex = claim["proof"].get("statement_latex") or ""
    if latex:
        return split_implication(latex)
    if claim.get("sympy_statement"):
        tex = sympy_latex(claim["sympy_statement"])
        if tex is not None:
            return [], tex
    return [], None


def _used_by(claims: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in claims:
        for d in c["depends_on"]:
            out.setdefault(d, []).append(c["id"])
    return out


# ------------------------------------------------------------------ Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_math(latex: str) -> str:
    """Inline LaTeX for GitHub's ``$...$`` (a table-safe, single-line form)."""
    return "$" + latex.replace("\n", " ").replace("|", "\\vert ").strip() + "$"


def _md_anchor(text: str) -> str:
    """GitHub's heading anchor of ``text`` (lower case; spaces to dashes; punctuation dropped)."""
    keep = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return keep.replace(" ", "-")


def _sym(word: str, styles: dict[str, dict[str, str]]) -> str:
    return styles.get(word, {"symbol": "?"})["symbol"]


def _md_badges(c: dict[str, Any]) -> str:
    return (
        f"{_sym(c['status'], STATUS_STYLE)} **{c['status']}** · "
        f"proof {_sym(c['proof']['status'], PROOF_STYLE)} "
        f"{c['proof']['status']} · evidence {_sym(c['evidence']['status'], EVIDENCE_STYLE)} "
        f"{c['evidence']['status']}"
    )


def _md_link(cid: str) -> str:
    return f"[`{cid}`](#{claim_anchor(cid)})"


def render_markdown(
    report: dict[str, Any], figure_dir: str = "figures", figs: list[dict[str, Any]] | None = None
) -> str:
    """The report as GitHub-flavoured Markdown, in the HTML's structure (math as ``$...$`` LaTeX)."""
    p = report["paper"]
    figs = figures(report) if figs is None else figs
    claims = claim_order(report["claims"])
    shown, see_also, other = figure_homes(figs, report["claims"])
    used_by = _used_by(claims)
    graph = [f for f in figs if f.get("role") == "graph"]
    lines = [
        "# tensorkv-check verification report",
        "",
        f"Paper: {p['authors']}, *{p['title']}*, arXiv {p['arxiv']} ({p['year']}).",
        f"Profile `{report['profile']}`, seed {report['seed']}.",
        "",
        "Contents: [Summary](#summary) · [Claims](#claims) · [Axioms](#axioms) · "
        "[Other figures](#other-figures) · [All findings](#all-findings) · "
        "[Reproducibility](#reproducibility)",
        "",
        "## Summary",
        "",
        "### Dependency graph",
        "",
        "An arrow runs from a claim to the claims that use it. Fill: proof status; border: "
        "evidence status; the two symbols before each id say the same.",
        "",
    ]
    lines += [f"![{g['alt']}]({figure_dir}/{g['file']})" for g in graph] + [""] if graph else []
    lines += [
        "Symbols: proof "
        + ", ".join(f"{s['symbol']} {w}" for w, s in PROOF_STYLE.items())
        + "; evidence "
        + ", ".join(f"{s['symbol']} {w}" for w, s in EVIDENCE_STYLE.items())
        + ".",
        "",
        "### Counts",
        "",
        "| status | claims |",
        "|---|---|",
        *[f"| {_sym(s, STATUS_STYLE)} {s} | {n} |" for s, n in _ordered(report["summary"], STATUS_STYLE)],
        "",
        *[
            f"- {axis} axis: "
            + ", ".join(
                f"{n} {_sym(s, _AXIS_STYLES.get(axis, STATUS_STYLE))} {s}"
                for s, n in _ordered(counts, _AXIS_STYLES.get(axis, STATUS_STYLE))
            )
            for axis, counts in _axes(report)
        ],
        "",
        "### What this report found that the paper does not say",
        "",
    ]
    headline = [f for f in report["findings"] if f["kind"] in _HEADLINE_KINDS]
    lines += [
        f"- {f['kind']}: "
        + (f"{_md_link(f['claim'])}: " if f.get("claim") else "")
        + _md_cell(_finding_text(f))
        for f in headline
    ] or ["- none"]
    lines += ["", "## Claims", ""]
    for gen, ids in enumerate(generations(report["claims"])):
        lines.append(f"- generation {gen}: " + ", ".join(_md_link(i) for i in ids))
    lines.append("")
    for c in claims:
        cid = c["id"]
        lines += [
            f'<a id="{claim_anchor(cid)}"></a>',
            "",
            f"### `{cid}` ({c['paper_ref']})",
            "",
            _md_badges(c),
            "",
        ]
        meta = [f"Sources: {', '.join(c['sources']) or 'none'}"]
        if c["depends_on"]:
            meta.append("depends on " + ", ".join(_md_link(d) for d in c["depends_on"]))
        if used_by.get(cid):
            meta.append("used by " + ", ".join(_md_link(u) for u in used_by[cid]))
        lines += ["; ".join(meta) + ".", "", "#### Statement", "", c["statement"], ""]
        hyps, concl = _formal(c)
        if concl is not None:
            lines += ["Formally:", "", "$$", concl, "$$", ""]
        if c["hypotheses"]:
            lines += ["Hypotheses:", "", *[f"- {h}" for h in c["hypotheses"]], ""]
        if hyps:
            lines += [f"Formal hypotheses ({len(hyps)}): " + ", ".join(_md_math(h) for h in hyps), ""]
        for k, v in c["explicit_constants"].items():
            lines.append(f"- explicit constant: {k} → {v}")
        if c["explicit_constants"]:
            lines.append("")
        for cav in c["caveats"]:
            lines += [f"> Caveat: {cav}", ""]
        if c.get("cited_reason"):
            lines += [f"Cited: {c['cited_reason']}", ""]
        lines += [
            "#### Proof",
            "",
            f"{_sym(c['proof']['status'], PROOF_STYLE)} **{c['proof']['status']}**: "
            f"{_md_cell(c['proof']['reason'])}",
            "",
        ]
        obs = c["proof"].get("obligations") or []
        secs = _step_seconds(report, cid)
        if obs:
            lines += [
                "| # | step | formula | backend | uses | outcome | time |",
                "|---|---|---|---|---|---|---|",
            ]
            for i, o in enumerate(obs, 1):
                t = secs.get(o["id"])
                lines.append(
                    f"| {i} | `{o['id']}` | {_md_math(o['latex'])} | {o['backend']} | "
                    f"{_md_cell(', '.join(o['uses']) or '—')} | {_sym(o['outcome'], OUTCOME_STYLE)} "
                    f"{o['outcome']} | {'' if t is None else f'{1e3 * t:.0f} ms'} |"
                )
            lines.append("")
        if c["proof"].get("axioms"):
            lines += [
                "Axiom ledger: "
                + ", ".join(f"[{a['name']}](#axiom-{a['name']})" for a in c["proof"]["axioms"]),
                "",
            ]
        lines += ["#### Evidence", ""]
        if not c["checks"]:
            lines += [f"No checks: {c['cited_reason'] or c['reason']}", ""]
        for _role, title, why, items in _roles(c):
            lines += [f"**{title}** ({why}):" if why else f"**{title}**:", ""]
            for name, ck in items:
                est = ck.get("estimate")
                bits = [_rate_text(est)] if est else []
                if ck.get("scope"):
                    bits.append(f"scope: {ck['scope']}")
                if est:
                    bits.append(f"seed {est['seed']}")
                lines.append(
                    f"- {_sym(ck['outcome'], OUTCOME_STYLE)} {ck['outcome']} **{name}** ({ck['kind']}): "
                    + _md_cell("; ".join([ck["summary"], *bits]))
                )
            lines.append("")
        if _explorers(c):
            lines += ["#### Exploration", ""]
            for ex in _explorers(c):
                lines.append(
                    f"- {_sym(ex['kind'], OUTCOME_STYLE)} {ex['kind']} **{ex['explorer']}** "
                    f"({_explorer_scope(ex)}): {_md_cell(ex['text'])}"
                )
                if ex["kind"] in _SHOW_SNIPPET and ex.get("snippet"):
                    lines += ["", "  ```python", *[f"  {ln}" for ln in ex["snippet"].splitlines()], "  ```"]
            lines.append("")
        if shown.get(cid) or see_also.get(cid):
            lines += ["#### Figures", ""]
            for fig in shown.get(cid, []):
                lines += [
                    f"![{fig['alt']}]({figure_dir}/{fig['file']})",
                    "",
                    f"*{fig['title']}.* {_md_cell(_fig_caption(fig))}",
                    "",
                ]
            for fig, home in see_also.get(cid, []):
                lines += [f"- {fig['title']}: shown under {_md_link(home)}"]
            if see_also.get(cid):
                lines.append("")
    lines += [
        "## Axioms",
        "",
        "Every axiom some proof rests on (transitively), with the claims using it.",
        "",
    ]
    for a in report.get("axioms", []):
        lines += [
            f'<a id="axiom-{a["name"]}"></a>',
            "",
            f"- **{a['name']}** [{a['source']}]: ${a['latex']}$ ({_md_cell(a['reference'])}); used by "
            + ", ".join(_md_link(u) for u in a["used_by"]),
            "",
        ]
    if not report.get("axioms"):
        lines += ["- none", ""]
    lines += ["## Other figures", ""]
    for fig in other:
        lines += [f"### {fig['title']}", "", f"![{fig['alt']}]({figure_dir}/{fig['file']})", ""]
    if not other:
        lines += ["- none", ""]
    lines += ["## All findings", ""]
    groups = _finding_groups(report["findings"])
    for _kind, title, found in groups:
        lines += (
            [f"### {title}", ""]
            + [
                "- " + (f"{_md_link(f['claim'])}: " if f.get("claim") else "") + _md_cell(_finding_text(f))
                for f in found
            ]
            + [""]
        )
    if not groups:
        lines += ["- none", ""]
    lines += _md_reproducibility(report)
    return "\n".join(lines) + "\n"


def _md_reproducibility(report: dict[str, Any]) -> list[str]:
    env = report["environment"]
    t = report["timings"]
    pk = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    return [
        "## Reproducibility",
        "",
        f"- command: `tensorkv-check report --profile {report['profile']} --seed {report['seed']}`",
        f"- git commit: {env['git_commit']}",
        f"- Python {env['python']} on {env['platform']} ({env['machine']}), {env['cpu_count']} CPUs",
        f"- packages: {pk}",
        "",
        "## Timings (not deterministic)",
        "",
        f"- wall time: {t['wall_seconds']['total']:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in t["wall_seconds"].items() if k != "total")
        + ")",
        f"- runner: {_runner_text(t.get('runner') or {})}",
        *[f"- {f}" for f in t.get("findings", [])],
    ]


def _runner_text(r: dict[str, Any]) -> str:
    if r.get("mode") == "dask":
        return f"Dask scheduler {r.get('scheduler')}"
    if r.get("mode") == "processes":
        return f"{r.get('jobs')} local processes"
    return str(r.get("mode", "serial"))


# ------------------------------------------------------------------ HTML

_e = html.escape


def _link(cid: str, known: set[str] | None = None) -> str:
    if known is not None and cid not in known:
        return f"<code>{_e(cid)}</code>"
    return f'<a href="#{_e(claim_anchor(cid))}"><code>{_e(cid)}</code></a>'


def _axiom_id(name: str) -> str:
    return f"axiom-{name}"


def _step_id(claim_id: str, step: str) -> str:
    return f"step-{claim_id}-{step}"


def _badges(c: dict[str, Any]) -> str:
    return (
        badge(c["status"], STATUS_STYLE)
        + badge(c["proof"]["status"], PROOF_STYLE, "proof")
        + badge(c["evidence"]["status"], EVIDENCE_STYLE, "evidence")
    )


def _figure_html(fig: dict[str, Any], number: int) -> str:
    data = base64.b64encode(fig["svg"].encode("utf-8")).decode("ascii")
    return (
        f'<figure id="{_e(_fig_id(fig))}"><img alt="{_e(fig["alt"])}" '
        f'src="data:image/svg+xml;base64,{data}">'
        f"<figcaption><b>Figure {number}. {_e(fig['title'])}.</b> What to look at: "
        f"{_e(_fig_caption(fig))}</figcaption></figure>"
    )


def _uses_html(o: dict[str, Any], claim_id: str, steps: set[str], axioms: set[str], known: set[str]) -> str:
    """A step's ``uses``: earlier steps, axioms and claims as links, hypotheses as code."""
    out = []
    for u in o["uses"]:
        if u in steps:
            out.append(f'<a href="#{_e(_step_id(claim_id, u))}"><code>{_e(u)}</code></a>')
        elif u in axioms:
            out.append(f'<a href="#{_e(_axiom_id(u))}"><code>{_e(u)}</code></a> (axiom)')
        elif u in known:
            out.append(_link(u) + " (claim)")
        else:
            out.append(f"<code>{_e(u)}</code>")
    return ", ".join(out) or "—"


def _proof_html(report: dict[str, Any], c: dict[str, Any], known: set[str]) -> list[str]:
    pr = c["proof"]
    cid = c["id"]
    out = [
        "<h4>Proof</h4>",
        f"<p>{badge(pr['status'], PROOF_STYLE, 'proof')} {_e(pr['reason'])}</p>",
    ]
    obs = pr.get("obligations") or []
    secs = _step_seconds(report, cid)
    axioms = {a["name"] for a in pr.get("axioms", [])}
    steps = {o["id"] for o in obs}
    if obs:
        out.append(
            '<table class="steps"><colgroup><col class="n"><col class="id"><col class="f"><col class="be">'
            '<col class="uses"><col class="t"></colgroup><thead><tr><th scope="col">#</th>'
            '<th scope="col">step</th><th scope="col">formula</th><th scope="col">backend</th>'
            '<th scope="col">uses</th><th scope="col">time</th></tr></thead><tbody>'
        )
        for i, o in enumerate(obs, 1):
            t = secs.get(o["id"])
            note = f'<div class="small muted">{_e(o["note"])}</div>' if o.get("note") else ""
            out.append(
                f'<tr id="{_e(_step_id(cid, o["id"]))}"><td data-label="step">{i}</td>'
                f'<td data-label="id"><code>{_e(o["id"])}</code><br>{badge(o["outcome"], OUTCOME_STYLE)}</td>'
                f'<td data-label="formula"><div class="formula">{mathml(o["latex"])}</div>{note}</td>'
                f'<td data-label="backend">{_e(o["backend"])}</td>'
                f'<td data-label="uses">{_uses_html(o, cid, steps, axioms, known)}</td>'
                f'<td data-label="time">{"—" if t is None else f"{1e3 * t:.0f} ms"}</td></tr>'
            )
        out.append("</tbody></table>")
    if pr.get("axioms"):
        out.append(
            '<details class="ledger"><summary>Axiom ledger: '
            f"{len(pr['axioms'])} cited standard fact{'s' if len(pr['axioms']) != 1 else ''} this proof "
            "rests on (transitively)</summary><ul>"
            + "".join(
                f'<li><a href="#{_e(_axiom_id(a["name"]))}"><b>{_e(a["name"])}</b></a> [{_e(a["source"])}]: '
                f"{_e(a['reference'])}</li>"
                for a in pr["axioms"]
            )
            + "</ul></details>"
        )
    return out


def _check_html(name: str, ck: dict[str, Any]) -> str:
    est = ck.get("estimate")
    head = [
        badge(ck["outcome"], OUTCOME_STYLE),
        f"<b>{_e(name)}</b>",
        f'<span class="muted">{_e(ck["kind"])}</span>',
    ]
    if est:
        head.append(_e(_rate_text(est)))
    if ck.get("scope"):
        head.append(f'<span class="small">scope: {_e(ck["scope"])}</span>')
    if est:
        head.append(f'<span class="small muted">seed {est["seed"]}</span>')
    rows = [("result", _e(ck["summary"]))]
    if ck.get("description"):
        rows.append(("checks", _e(ck["description"])))
    rows.append(("expected", _e(str(ck.get("expect", "")))))
    if est:
        rows.append(
            (
                "estimate",
                _e(
                    f"{est.get('method', 'clopper-pearson')}, seed {est['seed']}, parameters "
                    + json.dumps(est["parameters"], sort_keys=True, ensure_ascii=False)
                ),
            )
        )
    if ck.get("details"):
        rows.append(
            ("details", f"<code>{_e(json.dumps(ck['details'], sort_keys=True, ensure_ascii=False))}</code>")
        )
    if ck.get("counterexample"):
        rows.append(
            (
                "counterexample",
                f"<code>{_e(json.dumps(ck['counterexample'], sort_keys=True, ensure_ascii=False))}</code>",
            )
        )
    if ck.get("reproduce"):
        rows.append(("reproduce", f"<code>{_e(ck['reproduce'])}</code>"))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f'<details class="row"><summary>{" · ".join(head)}</summary>'
        f'<div class="more"><dl class="kv">{body}</dl></div></details>'
    )


def _explorer_html(ex: dict[str, Any]) -> str:
    head = [
        badge(ex["kind"], OUTCOME_STYLE),
        f"<b>{_e(ex['explorer'])}</b>",
        _e(_explorer_scope(ex)),
    ]
    more = f"<p>{_e(ex['text'])}</p>"
    if ex.get("example") is not None:
        example = json.dumps(ex["example"], sort_keys=True, ensure_ascii=False)
        more += f"<p>example: <code>{_e(example)}</code></p>"
    if ex["kind"] in _SHOW_SNIPPET and ex.get("snippet"):
        more += f"<pre><code>{_e(ex['snippet'])}</code></pre>"
    return (
        f'<details class="row"><summary>{" · ".join(head)}</summary><div class="more">{more}</div></details>'
    )


def _claim_html(
    report: dict[str, Any],
    c: dict[str, Any],
    known: set[str],
    used_by: dict[str, list[str]],
    shown: list[dict[str, Any]],
    see_also: list[tuple[dict[str, Any], str]],
    numbers: dict[str, int],
) -> list[str]:
    cid = c["id"]
    colour = PROOF_STYLE.get(c["proof"]["status"], PROOF_STYLE["unproved"])["colour"]
    out = [
        f'<section class="claim" id="{_e(claim_anchor(cid))}" style="border-left-color:{colour}" '
        f'aria-labelledby="h-{_e(cid)}">',
        f'<div class="claimhead"><h3 id="h-{_e(cid)}"><code>{_e(cid)}</code> · {_e(c["paper_ref"])}</h3>'
        f'<div>{_badges(c)}</div><a class="noprint small" href="#graph">↑ graph</a></div>',
    ]
    meta = [f"sources: {_e(', '.join(c['sources']) or 'none')}"]
    if c["depends_on"]:
        meta.append("depends on " + ", ".join(_link(d, known) for d in c["depends_on"]))
    if used_by.get(cid):
        meta.append("used by " + ", ".join(_link(u, known) for u in used_by[cid]))
    out.append(f'<p class="small muted">{"; ".join(meta)}</p>')
    out += ["<h4>Statement</h4>", f'<p class="statement">{_e(c["statement"])}</p>']
    hyps, concl = _formal(c)
    if concl is not None:
        out.append(
            f'<div class="formula" role="group" aria-label="formal statement">{mathml(concl, True)}</div>'
        )
    elif c.get("sympy_statement"):
        out.append(f"<p>Symbolic statement: <code>{_e(c['sympy_statement'])}</code></p>")
    if c["hypotheses"]:
        out.append(
            '<p>Hypotheses:</p><ul class="hyps">'
            + "".join(f"<li>{_e(h)}</li>" for h in c["hypotheses"])
            + "</ul>"
        )
    if hyps:
        hyp_items = "".join(f'<li><span class="formula">{mathml(h)}</span></li>' for h in hyps)
        opened = " open" if len(hyps) <= _HYPS_OPEN else ""
        out.append(
            f"<details{opened}><summary>Formal hypotheses of the proof ({len(hyps)})</summary>"
            f'<ul class="hyps">{hyp_items}</ul></details>'
        )
    if c["explicit_constants"]:
        out.append(
            '<dl class="kv">'
            + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in c["explicit_constants"].items())
            + "</dl>"
        )
    out += [f'<p class="caveat">Caveat: {_e(cav)}</p>' for cav in c["caveats"]]
    if c.get("cited_reason"):
        out.append(f"<p>Cited: {_e(c['cited_reason'])}</p>")
    out.append(f'<p class="small muted">Status: {_e(c["reason"])}</p>')
    out += _proof_html(report, c, known)
    out.append("<h4>Evidence</h4>")
    if not c["checks"]:
        out.append(f"<p>No checks: {_e(c['cited_reason'] or c['reason'])}</p>")
    for _role, title, why, items in _roles(c):
        out.append(
            f'<p><b>{_e(title)}</b> <span class="small muted">({len(items)}; {_e(why)})</span></p>'
            if why
            else f"<p><b>{_e(title)}</b></p>"
        )
        out += [_check_html(name, ck) for name, ck in items]
    if _explorers(c):
        out += [
            "<h4>Exploration</h4>",
            f"<p>Outcome: {badge(c['exploration']['outcome'], OUTCOME_STYLE)} "
            f'<span class="small muted">{_e(exploration_text(c))}; '
            "a bounded search, never a proof</span></p>",
        ]
        out += [_explorer_html(ex) for ex in _explorers(c)]
    if shown or see_also:
        out.append("<h4>Figures</h4>")
        out += [_figure_html(fig, numbers[fig["file"]]) for fig in shown]
        if see_also:
            out.append(
                "<ul>"
                + "".join(
                    f'<li><a href="#{_e(_fig_id(fig))}">'
                    f"Figure {numbers[fig['file']]}: {_e(fig['title'])}</a> "
                    f"(shown under {_link(home)})</li>"
                    for fig, home in see_also
                )
                + "</ul>"
            )
    out.append("</section>")
    return out


def _legend_html() -> str:
    return (
        '<div class="legend"><span>Fill, proof:</span>'
        + "".join(badge(w, PROOF_STYLE) for w in PROOF_STYLE)
        + '</div><div class="legend"><span>Border, evidence:</span>'
        + "".join(
            f'<span class="badge" style="background:#fff;border-color:{s["colour"]};'
            f'border-style:{"dashed" if s["dash"] else "solid"}">'
            f'<span aria-hidden="true">{s["symbol"]}</span> '
            f"{_e(w)}</span>"
            for w, s in EVIDENCE_STYLE.items()
        )
        + "</div>"
    )


def _ordered(counts: dict[str, int], styles: dict[str, Any]) -> list[tuple[str, int]]:
    """Counts in the styles' (the status axis's) order, unknown statuses last."""
    return [(s, counts[s]) for s in styles if s in counts] + [
        (s, n) for s, n in counts.items() if s not in styles
    ]


def _axes(report: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    """The status axes in :data:`_AXIS_STYLES` order (proof, evidence), any other after."""
    axes = report["summary_axes"]
    return [(a, axes[a]) for a in _AXIS_STYLES if a in axes] + [
        (a, axes[a]) for a in sorted(axes) if a not in _AXIS_STYLES
    ]


def _counts_html(report: dict[str, Any]) -> str:
    styles = _AXIS_STYLES
    blocks = [
        '<div><p><b>Status</b></p><table><thead><tr><th scope="col">status</th><th scope="col">claims</th>'
        "</tr></thead><tbody>"
        + "".join(
            f"<tr><td>{badge(s, STATUS_STYLE)}</td><td>{n}</td></tr>"
            for s, n in _ordered(report["summary"], STATUS_STYLE)
        )
        + "</tbody></table></div>"
    ]
    for axis, counts in _axes(report):
        blocks.append(
            f"<div><p><b>{_e(axis.capitalize())} axis</b></p><table><thead><tr>"
            f'<th scope="col">{_e(axis)}</th>'
            '<th scope="col">claims</th></tr></thead><tbody>'
            + "".join(
                f"<tr><td>{badge(s, styles.get(axis, STATUS_STYLE))}</td><td>{n}</td></tr>"
                for s, n in _ordered(counts, styles.get(axis, STATUS_STYLE))
            )
            + "</tbody></table></div>"
        )
    return '<div class="counts">' + "".join(blocks) + "</div>"


def _finding_li(f: dict[str, str], known: set[str]) -> str:
    """One line per finding: its kind, its claim (a link) and its first sentence; the rest folded."""
    who = f"{_link(f['claim'], known)}: " if f.get("claim") else ""
    text = _finding_text(f)
    kind = f'<span class="tag">{_e(f["kind"])}</span> '
    if len(text) <= _FINDING_LINE:
        return f"<li>{kind}{who}{_e(text)}</li>"
    # The first sentence when it is short enough, else the words that fit, then "…".
    cut = text.find(". ", 40, _FINDING_LINE)
    head, rest = (text[: cut + 1], text[cut + 2 :]) if cut > 0 else _word_cut(text, _FINDING_LINE)
    return (
        f'<li><details><summary>{kind}{who}{_e(head)}</summary><p class="more">{_e(rest)}</p></details></li>'
    )


def _word_cut(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut at the last space before ``limit``: ``(head + " …", "… " + rest)``."""
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    return text[:cut] + " …", "… " + text[cut:].lstrip()


def render_html(report: dict[str, Any], figs: list[dict[str, Any]] | None = None) -> str:
    """The report as one self-contained HTML page (no JavaScript, no network resources)."""
    p = report["paper"]
    figs = figures(report) if figs is None else figs
    claims = claim_order(report["claims"])
    known = {c["id"] for c in claims}
    used_by = _used_by(claims)
    shown, see_also, other = figure_homes(figs, report["claims"])
    numbers: dict[str, int] = {}
    for c in claims:
        for fig in shown.get(c["id"], []):
            numbers[fig["file"]] = len(numbers) + 1
    for fig in other:
        numbers[fig["file"]] = len(numbers) + 1
    gens = generations(report["claims"])
    toc_claims = "".join(
        f'<li><a href="#{_e(claim_anchor(c["id"]))}"><span aria-hidden="true">'
        f"{_sym(c['proof']['status'], PROOF_STYLE)}{_sym(c['evidence']['status'], EVIDENCE_STYLE)}</span> "
        f'<code>{_e(c["id"])}</code></a> <span class="small muted">{_e(c["paper_ref"])}</span></li>'
        for c in claims
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>tensorkv-check verification report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>tensorkv-check verification report</h1>",
        f"<p>Paper: {_e(p['authors'])}, <em>{_e(p['title'])}</em>, arXiv {_e(p['arxiv'])} ({p['year']}). "
        f"Profile <code>{_e(report['profile'])}</code>, seed {report['seed']}; "
        f"{len(claims)} claims.</p></header>",
        '<nav class="toc" aria-label="Contents"><b>Contents:</b> <ul class="inline">'
        '<li><a href="#summary">Summary</a> (<a href="#graph">dependency graph</a>, '
        '<a href="#counts">counts</a>, <a href="#found">what the paper does not say</a>)</li>'
        '<li><a href="#claims">Claims</a></li><li><a href="#axioms">Axioms</a></li>'
        '<li><a href="#other-figures">Other figures</a></li><li><a href="#all-findings">All findings</a></li>'
        '<li><a href="#reproducibility">Reproducibility</a></li></ul></nav>',
        "<main>",
        '<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>',
        '<h3 id="graph">Dependency graph</h3>',
        f"<p>{len(gens)} generations, left to right: each claim sits right of everything it depends on; an "
        "arrow runs from a claim to the claims that use it. Click a node to open its claim. The two symbols "
        "before each id give its proof and evidence status.</p>",
        _legend_html(),
        f'<div class="graphbox">{graph_svg(report["claims"])}</div>',
        '<h3 id="counts">Counts on both axes</h3>',
        _counts_html(report),
        '<h3 id="found">What this report found that the paper does not say</h3>',
    ]
    headline = [f for f in report["findings"] if f["kind"] in _HEADLINE_KINDS]
    out.append(
        '<ul class="findings">'
        + ("".join(_finding_li(f, known) for f in headline) or "<li>none</li>")
        + "</ul>"
    )
    out.append(
        '<p class="small">Every finding, grouped by kind (also the harness\'s own checks and the claims '
        'explored without a counterexample): <a href="#all-findings">all findings</a>.</p></section>'
    )
    out.append('<section id="claims" aria-labelledby="claims-h"><h2 id="claims-h">Claims</h2>')
    out.append(
        "<p>One section per claim, in dependency order. Badges give the one-word status, the proof axis and "
        "the evidence axis; each check and explorer is one line, with its details folded.</p>"
    )
    out.append(f'<nav class="toc" aria-label="Claims"><ul class="claims">{toc_claims}</ul></nav>')
    for c in claims:
        out += _claim_html(
            report, c, known, used_by, shown.get(c["id"], []), see_also.get(c["id"], []), numbers
        )
    out.append("</section>")
    out.append(
        '<section id="axioms" aria-labelledby="axioms-h"><h2 id="axioms-h">Axioms</h2>'
        "<p>Every axiom some proof rests on (transitively), with the claims using it.</p><ul>"
    )
    out += [
        f'<li id="{_e(_axiom_id(a["name"]))}"><b>{_e(a["name"])}</b> [{_e(a["source"])}]: '
        f'<span class="formula">{mathml(a["latex"])}</span> ({_e(a["reference"])}); used by '
        + ", ".join(_link(u, known) for u in a["used_by"])
        + "</li>"
        for a in report.get("axioms", [])
    ] or ["<li>none</li>"]
    out.append("</ul></section>")
    out.append('<section id="other-figures" aria-labelledby="other-h"><h2 id="other-h">Other figures</h2>')
    out += [_figure_html(fig, numbers[fig["file"]]) for fig in other] or ["<p>none</p>"]
    out.append("</section>")
    out.append(
        '<section id="all-findings" aria-labelledby="findings-h"><h2 id="findings-h">All findings</h2>'
    )
    groups = _finding_groups(report["findings"])
    for _kind, title, found in groups:
        out.append(
            f'<h3>{_e(title)}</h3><ul class="findings">'
            + "".join(_finding_li(f, known) for f in found)
            + "</ul>"
        )
    if not groups:
        out.append("<p>none</p>")
    out.append("</section>")
    open_list = False
    for line in _md_reproducibility(report):
        if line.startswith("## "):
            title = line[3:]
            sid = "reproducibility" if title == "Reproducibility" else "timings"
            out.append(
                ("</ul></section>" if open_list else "") + f'<section id="{sid}"><h2>{_e(title)}</h2><ul>'
            )
            open_list = True
        elif line.startswith("- "):
            out.append(f"<li>{_e(line[2:].replace('`', ''))}</li>")
    out.append(("</ul></section>" if open_list else "") + "</main></body></html>")
    return "\n".join(out) + "\n"
