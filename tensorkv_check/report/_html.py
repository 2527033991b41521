"""The report as one self-contained HTML page: no JavaScript, nothing loaded from the network.

Formulas are typeset as MathML, the dependency graph is inlined as SVG (each node a link to
its claim) and the figures as ``data:`` URIs with alt text. The layout is described in
:mod:`tensorkv_check.report.render`.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from tensorkv_check.report._content import (
    AXIS_STYLES,
    HEADLINE_KINDS,
    SHOW_SNIPPET,
    checks_by_role,
    claim_explorers,
    exploration_text,
    explorer_scope,
    fig_caption,
    fig_id,
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
from tensorkv_check.report._graph import claim_order, generations, graph_svg
from tensorkv_check.report._math import mathml
from tensorkv_check.report._style import (
    CSS,
    EVIDENCE_STYLE,
    OUTCOME_STYLE,
    PROOF_STYLE,
    STATUS_STYLE,
    badge,
    claim_anchor,
)

#: A finding longer than this (characters) shows its first sentence, the rest folded.
_FINDING_LINE = 200

#: A formal hypothesis list longer than this is folded.
_HYPS_OPEN = 8


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
        f'<figure id="{_e(fig_id(fig))}"><img alt="{_e(fig["alt"])}" '
        f'src="data:image/svg+xml;base64,{data}">'
        f"<figcaption><b>Figure {number}. {_e(fig['title'])}.</b> What to look at: "
        f"{_e(fig_caption(fig))}</figcaption></figure>"
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
    secs = step_seconds(report, cid)
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
        head.append(_e(rate_text(est)))
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
        _e(explorer_scope(ex)),
    ]
    more = f"<p>{_e(ex['text'])}</p>"
    if ex.get("example") is not None:
        example = json.dumps(ex["example"], sort_keys=True, ensure_ascii=False)
        more += f"<p>example: <code>{_e(example)}</code></p>"
    if ex["kind"] in SHOW_SNIPPET and ex.get("snippet"):
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
    hyps, concl = formal_statement(c)
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
    for _role, title, why, items in checks_by_role(c):
        out.append(
            f'<p><b>{_e(title)}</b> <span class="small muted">({len(items)}; {_e(why)})</span></p>'
            if why
            else f"<p><b>{_e(title)}</b></p>"
        )
        out += [_check_html(name, ck) for name, ck in items]
    if claim_explorers(c):
        out += [
            "<h4>Exploration</h4>",
            f"<p>Outcome: {badge(c['exploration']['outcome'], OUTCOME_STYLE)} "
            f'<span class="small muted">{_e(exploration_text(c))}; '
            "a bounded search, never a proof</span></p>",
        ]
        out += [_explorer_html(ex) for ex in claim_explorers(c)]
    if shown or see_also:
        out.append("<h4>Figures</h4>")
        out += [_figure_html(fig, numbers[fig["file"]]) for fig in shown]
        if see_also:
            out.append(
                "<ul>"
                + "".join(
                    f'<li><a href="#{_e(fig_id(fig))}">'
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


def _counts_html(report: dict[str, Any]) -> str:
    styles = AXIS_STYLES
    blocks = [
        '<div><p><b>Status</b></p><table><thead><tr><th scope="col">status</th><th scope="col">claims</th>'
        "</tr></thead><tbody>"
        + "".join(
            f"<tr><td>{badge(s, STATUS_STYLE)}</td><td>{n}</td></tr>"
            for s, n in ordered_counts(report["summary"], STATUS_STYLE)
        )
        + "</tbody></table></div>"
    ]
    for axis, counts in status_axes(report):
        blocks.append(
            f"<div><p><b>{_e(axis.capitalize())} axis</b></p><table><thead><tr>"
            f'<th scope="col">{_e(axis)}</th>'
            '<th scope="col">claims</th></tr></thead><tbody>'
            + "".join(
                f"<tr><td>{badge(s, styles.get(axis, STATUS_STYLE))}</td><td>{n}</td></tr>"
                for s, n in ordered_counts(counts, styles.get(axis, STATUS_STYLE))
            )
            + "</tbody></table></div>"
        )
    return '<div class="counts">' + "".join(blocks) + "</div>"


def _finding_li(f: dict[str, str], known: set[str]) -> str:
    """One line per finding: its kind, its claim (a link) and its first sentence; the rest folded."""
    who = f"{_link(f['claim'], known)}: " if f.get("claim") else ""
    text = finding_text(f)
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
    used_by = users_of(claims)
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
        f"{sym(c['proof']['status'], PROOF_STYLE)}{sym(c['evidence']['status'], EVIDENCE_STYLE)}</span> "
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
    headline = [f for f in report["findings"] if f["kind"] in HEADLINE_KINDS]
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
    groups = finding_groups(report["findings"])
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
    for line in reproducibility_lines(report):
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
