"""The report as GitHub-flavoured Markdown, in the HTML page's structure.

Formulas are LaTeX in ``$...$``; the figures are SVG files beside the page (``figures/``).
The layout is described in :mod:`tensorkv_check.report.render`.
"""

from __future__ import annotations

from typing import Any

from tensorkv_check.report._content import (
    AXIS_STYLES,
    HEADLINE_KINDS,
    SHOW_SNIPPET,
    checks_by_role,
    claim_explorers,
    explorer_scope,
    fig_caption,
    figure_homes,
    figures,
    finding_groups,
    finding_text,
    formal_statement,
    ordered_counts,
    rate_text,
    reproducibility_lines,
    status_axes,
    step_seconds,
    sym,
    users_of,
)
from tensorkv_check.report._graph import claim_order, generations
from tensorkv_check.report._style import (
    EVIDENCE_STYLE,
    OUTCOME_STYLE,
    PROOF_STYLE,
    STATUS_STYLE,
    claim_anchor,
)

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


def _md_badges(c: dict[str, Any]) -> str:
    return (
        f"{sym(c['status'], STATUS_STYLE)} **{c['status']}** · "
        f"proof {sym(c['proof']['status'], PROOF_STYLE)} "
        f"{c['proof']['status']} · evidence {sym(c['evidence']['status'], EVIDENCE_STYLE)} "
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
    used_by = users_of(claims)
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
        *[
            f"| {sym(s, STATUS_STYLE)} {s} | {n} |"
            for s, n in ordered_counts(report["summary"], STATUS_STYLE)
        ],
        "",
        *[
            f"- {axis} axis: "
            + ", ".join(
                f"{n} {sym(s, AXIS_STYLES.get(axis, STATUS_STYLE))} {s}"
                for s, n in ordered_counts(counts, AXIS_STYLES.get(axis, STATUS_STYLE))
            )
            for axis, counts in status_axes(report)
        ],
        "",
        "### What this report found that the paper does not say",
        "",
    ]
    headline = [f for f in report["findings"] if f["kind"] in HEADLINE_KINDS]
    lines += [
        f"- {f['kind']}: "
        + (f"{_md_link(f['claim'])}: " if f.get("claim") else "")
        + _md_cell(finding_text(f))
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
        hyps, concl = formal_statement(c)
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
            f"{sym(c['proof']['status'], PROOF_STYLE)} **{c['proof']['status']}**: "
            f"{_md_cell(c['proof']['reason'])}",
            "",
        ]
        obs = c["proof"].get("obligations") or []
        secs = step_seconds(report, cid)
        if obs:
            lines += [
                "| # | step | formula | backend | uses | outcome | time |",
                "|---|---|---|---|---|---|---|",
            ]
            for i, o in enumerate(obs, 1):
                t = secs.get(o["id"])
                lines.append(
                    f"| {i} | `{o['id']}` | {_md_math(o['latex'])} | {o['backend']} | "
                    f"{_md_cell(', '.join(o['uses']) or '—')} | {sym(o['outcome'], OUTCOME_STYLE)} "
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
        for _role, title, why, items in checks_by_role(c):
            lines += [f"**{title}** ({why}):" if why else f"**{title}**:", ""]
            for name, ck in items:
                est = ck.get("estimate")
                bits = [rate_text(est)] if est else []
                if ck.get("scope"):
                    bits.append(f"scope: {ck['scope']}")
                if est:
                    bits.append(f"seed {est['seed']}")
                lines.append(
                    f"- {sym(ck['outcome'], OUTCOME_STYLE)} {ck['outcome']} **{name}** ({ck['kind']}): "
                    + _md_cell("; ".join([ck["summary"], *bits]))
                )
            lines.append("")
        if claim_explorers(c):
            lines += ["#### Exploration", ""]
            for ex in claim_explorers(c):
                lines.append(
                    f"- {sym(ex['kind'], OUTCOME_STYLE)} {ex['kind']} **{ex['explorer']}** "
                    f"({explorer_scope(ex)}): {_md_cell(ex['text'])}"
                )
                if ex["kind"] in SHOW_SNIPPET and ex.get("snippet"):
                    lines += ["", "  ```python", *[f"  {ln}" for ln in ex["snippet"].splitlines()], "  ```"]
            lines.append("")
        if shown.get(cid) or see_also.get(cid):
            lines += ["#### Figures", ""]
            for fig in shown.get(cid, []):
                lines += [
                    f"![{fig['alt']}]({figure_dir}/{fig['file']})",
                    "",
                    f"*{fig['title']}.* {_md_cell(fig_caption(fig))}",
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
    groups = finding_groups(report["findings"])
    for _kind, title, found in groups:
        lines += (
            [f"### {title}", ""]
            + [
                "- " + (f"{_md_link(f['claim'])}: " if f.get("claim") else "") + _md_cell(finding_text(f))
                for f in found
            ]
            + [""]
        )
    if not groups:
        lines += ["- none", ""]
    lines += reproducibility_lines(report)
    return "\n".join(lines) + "\n"
