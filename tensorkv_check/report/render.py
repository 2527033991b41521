"""Render the report dict as Markdown and as self-contained HTML.

Both renderings read only the report's JSON data, so they agree with it. The HTML
inlines its figures as ``data:`` URIs with alt text and loads nothing from the
network; the Markdown references the same figures as SVG files beside it.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from tensorkv_check.report import build as _build
from tensorkv_check.report.figures import STATUS_COLOURS, dependency_graph_svg
from tensorkv_check.tradeoff.plots import tradeoff_svg

__all__ = [
    "evidence_text",
    "exploration_text",
    "figures",
    "proof_text",
    "render_markdown",
    "render_html",
    "render_json",
]


def render_json(report: dict[str, Any]) -> str:
    """Canonical JSON text (sorted keys, fixed indentation): same data, same bytes."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def figures(report: dict[str, Any]) -> list[dict[str, str]]:
    """The report's figures: file name, title, alt text and SVG source."""
    out = [
        {
            "file": "dependencies.svg",
            "title": "Claim dependency graph",
            "alt": "Directed graph of the claims, each node coloured by its status: "
            + ", ".join(f"{c['id']} {c['status']}" for c in report["claims"]),
            "svg": dependency_graph_svg(report["claims"]),
        }
    ]
    for sec in _build.SECTIONS:  # each sweep section draws its own figures from its data
        data = report["sweeps"].get(sec.name)
        if data:
            out += sec.figures(data)
    times = report["timings"].get("tradeoff_seconds") or []
    if times:
        pts = [{"n": t["n"], "seconds": {k: v for k, v in t.items() if k not in ("n", "d")}} for t in times]
        out.append(
            {
                "file": "tradeoff-time.svg",
                "title": "Remark 3.9: measured step time (timings, not deterministic)",
                "alt": "Log-log plot of the median measured step time of each decoder against n.",
                "svg": tradeoff_svg(pts, "seconds", "seconds per step (median)", "Step time (measured)"),
            }
        )
    return out


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

#: Exploration outcomes whose shrunk instance is printed as a snippet.
_SHOW_SNIPPET = frozenset({"refuted", "hypothesis-necessary", "error"})


def _finding_groups(findings: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    """Findings grouped by kind, in :data:`_FINDING_GROUPS` order (unknown kinds last)."""
    known = {k for k, _ in _FINDING_GROUPS}
    groups = [(title, [f for f in findings if f["kind"] == kind]) for kind, title in _FINDING_GROUPS]
    rest = [f for f in findings if f["kind"] not in known]
    groups.append(("Other", rest))
    return [(t, items) for t, items in groups if items]


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


def _evidence_cell(claim: dict[str, Any]) -> str:
    ev = claim["evidence"]
    roles: dict[str, int] = {}
    for ck in ev["checks"].values():
        roles[ck["role"]] = roles.get(ck["role"], 0) + 1
    return ev["status"] + (
        " (" + ", ".join(f"{n} {r}" for r, n in sorted(roles.items())) + ")" if roles else ""
    )


def _obligation_lines(claim: dict[str, Any]) -> list[str]:
    """One line per proof obligation: outcome, id, backend, what it uses, and its formula (LaTeX)."""
    return [
        f"[{o['outcome']}] {o['id']} ({o['backend']}; uses {', '.join(o['uses']) or 'nothing'}): "
        f"${o['latex']}$"
        for o in claim["proof"].get("obligations") or []
    ]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    report: dict[str, Any], figure_dir: str = "figures", figs: list[dict[str, str]] | None = None
) -> str:
    p = report["paper"]
    lines = [
        "# tensorkv-check verification report",
        "",
        f"Paper: {p['authors']}, *{p['title']}*, arXiv {p['arxiv']} ({p['year']}).",
        f"Profile `{report['profile']}`, seed {report['seed']}.",
        "",
        "## Summary",
        "",
        "| status | claims |",
        "|---|---|",
        *[f"| {s} | {n} |" for s, n in report["summary"].items()],
        "",
        *[
            f"- {axis}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
            for axis, counts in report["summary_axes"].items()
        ],
        "",
        "| claim | paper | sources | status | proof | evidence axis | explored | evidence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in report["claims"]:
        ev = "<br>".join(
            f"**{name}** ({ck['kind']}, {ck['role']}): {evidence_text(ck)}"
            for name, ck in c["checks"].items()
        )
        if not c["checks"]:
            ev = f"cited: {c['cited_reason']}" if c["cited_reason"] else c["reason"]
        lines.append(
            f"| `{c['id']}` | {_md_cell(c['paper_ref'])} | {', '.join(c['sources'])} | **{c['status']}** "
            f"({_md_cell(c['reason'])}) | {_md_cell(proof_text(c))} | {_md_cell(_evidence_cell(c))} | "
            f"{_md_cell(exploration_text(c))} | {_md_cell(ev)} |"
        )
    lines += [
        "",
        "## Axioms",
        "",
        "Every axiom some proof rests on (transitively), with the claims using it.",
        "",
    ]
    lines += [
        f"- **{a['name']}** [{a['source']}]: ${a['latex']}$ ({_md_cell(a['reference'])}); used by "
        + ", ".join(f"`{u}`" for u in a["used_by"])
        for a in report.get("axioms", [])
    ] or ["- none"]
    lines += ["", "## Findings", ""]
    groups = _finding_groups(report["findings"])
    for title, items in groups:
        lines += [f"### {title}", ""] + [f"- {_md_cell(f['text'])}" for f in items] + [""]
    if not groups:
        lines.append("- none")
    lines += ["", "## Figures", ""]
    for fig in figures(report) if figs is None else figs:
        lines += [f"### {fig['title']}", "", f"![{fig['alt']}]({figure_dir}/{fig['file']})", ""]
    lines += ["## Claims in detail", ""]
    for c in report["claims"]:
        lines += [f"### `{c['id']}` ({c['paper_ref']}): {c['status']}", "", c["statement"], ""]
        if c["sympy_statement"]:
            lines += [f"Symbolic statement: `{c['sympy_statement']}`", ""]
        if c["hypotheses"]:
            lines += ["Hypotheses: " + "; ".join(c["hypotheses"]), ""]
        for k, v in c["explicit_constants"].items():
            lines.append(f"- explicit constant: {k} → {v}")
        if c["depends_on"]:
            lines += ["", "Depends on: " + ", ".join(f"`{d}`" for d in c["depends_on"]), ""]
        for cav in c["caveats"]:
            lines += [f"> Caveat: {cav}", ""]
        lines += [f"Proof: {c['proof']['status']} ({_md_cell(c['proof']['reason'])})", ""]
        lines += [f"- {ln}" for ln in _obligation_lines(c)]
        if c["proof"].get("obligations"):
            lines.append("")
        for name, ck in c["checks"].items():
            lines.append(f"- **{name}** ({ck['kind']}, {ck['role']}, {ck['outcome']}): {evidence_text(ck)}")
        lines.append("")
        for ex in _explorers(c):
            lines.append(
                f"- exploration **{ex['explorer']}** ({_explorer_scope(ex)}): {ex['kind']}; {ex['text']}"
            )
            if ex["kind"] in _SHOW_SNIPPET and ex.get("snippet"):
                lines += ["", "  ```python", *[f"  {ln}" for ln in ex["snippet"].splitlines()], "  ```"]
        if c.get("exploration"):
            lines.append("")
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


_CSS = (
    "\n"
    "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;"
    "padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;width:100%;font-size:0.9em}th,td{border:1px solid #ccc;"
    "padding:4px 6px;vertical-align:top;text-align:left}\n"
    "th{background:#f3f3f3}code{font-size:0.95em}.status{font-weight:bold;padding:1px 6px;"
    "border-radius:3px}\n"
    "figure{margin:1.5em 0}figure img{max-width:100%}blockquote{border-left:4px solid #E69F00;"
    "margin:0.5em 0;padding:0.2em 1em;background:#fff8e6}\n"
)


def _status_badge(status: str) -> str:
    col = STATUS_COLOURS.get(status, "#999999")
    return f'<span class="status" style="background:{col}">{html.escape(status)}</span>'


def render_html(report: dict[str, Any], figs: list[dict[str, str]] | None = None) -> str:
    e = html.escape
    p = report["paper"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>tensorkv-check verification report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>tensorkv-check verification report</h1>",
        f"<p>Paper: {e(p['authors'])}, <em>{e(p['title'])}</em>, arXiv {e(p['arxiv'])} ({p['year']}). "
        f"Profile <code>{e(report['profile'])}</code>, seed {report['seed']}.</p>",
        "<h2>Summary</h2><table><tr><th>status</th><th>claims</th></tr>",
        *[f"<tr><td>{_status_badge(s)}</td><td>{n}</td></tr>" for s, n in report["summary"].items()],
        "</table><ul>",
        *[
            f"<li>{e(axis)}: " + e(", ".join(f"{n} {s}" for s, n in counts.items())) + "</li>"
            for axis, counts in report["summary_axes"].items()
        ],
        "</ul>",
        "<h2>Claims</h2><table><tr><th>claim</th><th>paper</th><th>sources</th><th>status</th><th>proof</th>"
        "<th>evidence axis</th><th>explored</th><th>evidence</th></tr>",
    ]
    for c in report["claims"]:
        if c["checks"]:
            ev = "<br>".join(
                f"<b>{e(n)}</b> ({e(ck['kind'])}, {e(ck['role'])}): {e(evidence_text(ck))}"
                for n, ck in c["checks"].items()
            )
        else:
            ev = e(f"cited: {c['cited_reason']}" if c["cited_reason"] else c["reason"])
        out.append(
            f'<tr id="{e(c["id"])}"><td><code>{e(c["id"])}</code></td><td>{e(c["paper_ref"])}</td>'
            f"<td>{e(', '.join(c['sources']))}</td><td>{_status_badge(c['status'])}<br>"
            f"<small>{e(c['reason'])}</small></td><td>{e(proof_text(c))}</td><td>{e(_evidence_cell(c))}</td>"
            f"<td>{e(exploration_text(c))}</td><td>{ev}</td></tr>"
        )
    out.append("</table><h2>Axioms</h2><ul>")
    out += [
        f"<li><b>{e(a['name'])}</b> [{e(a['source'])}]: <code>{e(a['latex'])}</code> ({e(a['reference'])}); "
        "used by " + ", ".join(f'<a href="#{e(u)}"><code>{e(u)}</code></a>' for u in a["used_by"]) + "</li>"
        for a in report.get("axioms", [])
    ] or ["<li>none</li>"]
    out.append("</ul><h2>Findings</h2>")
    groups = _finding_groups(report["findings"])
    for title, items in groups:
        out.append(f"<h3>{e(title)}</h3><ul>" + "".join(f"<li>{e(f['text'])}</li>" for f in items) + "</ul>")
    out.append("<ul>" + ("" if groups else "<li>none</li>"))
    out.append("</ul><h2>Figures</h2>")
    for fig in figures(report) if figs is None else figs:
        data = base64.b64encode(fig["svg"].encode("utf-8")).decode("ascii")
        out.append(
            f'<figure><img alt="{e(fig["alt"])}" src="data:image/svg+xml;base64,{data}">'
            f"<figcaption>{e(fig['title'])}</figcaption></figure>"
        )
    out.append("<h2>Claims in detail</h2>")
    for c in report["claims"]:
        out.append(f"<h3><code>{e(c['id'])}</code> ({e(c['paper_ref'])}) {_status_badge(c['status'])}</h3>")
        out.append(f"<p>{e(c['statement'])}</p>")
        if c["sympy_statement"]:
            out.append(f"<p>Symbolic statement: <code>{e(c['sympy_statement'])}</code></p>")
        if c["hypotheses"]:
            out.append("<p>Hypotheses: " + e("; ".join(c["hypotheses"])) + "</p>")
        if c["explicit_constants"]:
            out.append(
                "<ul>"
                + "".join(
                    f"<li>explicit constant: {e(k)} → {e(v)}</li>" for k, v in c["explicit_constants"].items()
                )
                + "</ul>"
            )
        if c["depends_on"]:
            out.append(
                "<p>Depends on: "
                + ", ".join(f'<a href="#{e(d)}"><code>{e(d)}</code></a>' for d in c["depends_on"])
                + "</p>"
            )
        out += [f"<blockquote>Caveat: {e(cav)}</blockquote>" for cav in c["caveats"]]
        out.append(f"<p>Proof: {e(c['proof']['status'])} ({e(c['proof']['reason'])})</p>")
        if c["proof"].get("obligations"):
            out.append(
                "<ol>" + "".join(f"<li><code>{e(ln)}</code></li>" for ln in _obligation_lines(c)) + "</ol>"
            )
        if c["checks"]:
            out.append(
                "<ul>"
                + "".join(
                    f"<li><b>{e(n)}</b> ({e(ck['kind'])}, {e(ck['role'])}, {e(ck['outcome'])}): "
                    f"{e(evidence_text(ck))}</li>"
                    for n, ck in c["checks"].items()
                )
                + "</ul>"
            )
        if c.get("exploration"):
            explored: list[str] = []
            for ex in _explorers(c):
                item = (
                    f"<li>exploration <b>{e(ex['explorer'])}</b> ({e(_explorer_scope(ex))}): "
                    f"{e(ex['kind'])}; {e(ex['text'])}"
                )
                if ex["kind"] in _SHOW_SNIPPET and ex.get("snippet"):
                    item += f"<pre><code>{e(ex['snippet'])}</code></pre>"
                explored.append(item + "</li>")
            out.append("<ul>" + "".join(explored) + "</ul>")
    open_list = False
    for line in _md_reproducibility(report):
        if line.startswith("## "):
            out.append(("</ul>" if open_list else "") + f"<h2>{e(line[3:])}</h2><ul>")
            open_list = True
        elif line.startswith("- "):
            out.append(f"<li>{e(line[2:].replace('`', ''))}</li>")
    out.append(("</ul>" if open_list else "") + "</body></html>")
    return "\n".join(out) + "\n"
