"""What the Markdown and HTML renderings of the report both show, read from its JSON data.

The figures (:func:`figures`) and the claim section each is shown under
(:func:`figure_homes`); the one-line texts of checks, proofs, explorers and findings; the
order of check roles, finding groups and status axes; the reproducibility block. The pages
themselves are :mod:`tensorkv_check.report._markdown` and :mod:`tensorkv_check.report._html`.
"""

from __future__ import annotations

import json
from typing import Any

from tensorkv_check.report import build as _build
from tensorkv_check.report._graph import claim_order
from tensorkv_check.report._math import split_implication, sympy_latex
from tensorkv_check.report._style import (
    EVIDENCE_STYLE,
    PROOF_STYLE,
)
from tensorkv_check.report.figures import dependency_graph_svg
from tensorkv_check.tradeoff.plots import tradeoff_svg

#: Check roles in the order a claim's evidence shows them, with their headings.
ROLES = (
    ("supports", "Supports", "checks that test the statement"),
    ("limits", "Limits", "where the claim stops holding: shown, never counted as support"),
    ("engine", "Engine", "the implementation agrees with the mathematics"),
)

#: Finding kinds in the order the report groups them, with the group's heading.
FINDING_GROUPS = (
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
HEADLINE_KINDS = (
    "refuted",
    "failing",
    "hypothesis-necessary",
    "caveat",
    "finding",
    "measurement",
    "inferred",
)

#: Exploration outcomes whose shrunk instance is printed as a snippet.
SHOW_SNIPPET = frozenset({"refuted", "hypothesis-necessary", "error"})

#: Each status axis's styles, in the order the summary shows the axes.
AXIS_STYLES: dict[str, dict[str, dict[str, str]]] = {"proof": PROOF_STYLE, "evidence": EVIDENCE_STYLE}


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


def fig_id(fig: dict[str, Any]) -> str:
    return "fig-" + fig["file"].rsplit(".", 1)[0]


def fig_caption(fig: dict[str, Any]) -> str:
    """What to look at: the section's caption, else its alt text (which describes the plot)."""
    return str(fig.get("caption") or fig.get("alt") or "")


# ------------------------------------------------------------------ text helpers


def finding_groups(findings: list[dict[str, str]]) -> list[tuple[str, str, list[dict[str, str]]]]:
    """Findings grouped by kind, in :data:`FINDING_GROUPS` order (unknown kinds last)."""
    known = {k for k, _ in FINDING_GROUPS}
    groups = [(kind, title, [f for f in findings if f["kind"] == kind]) for kind, title in FINDING_GROUPS]
    rest = [f for f in findings if f["kind"] not in known]
    groups.append(("other", "Other", rest))
    return [(k, t, items) for k, t, items in groups if items]


def finding_text(f: dict[str, str]) -> str:
    """The finding's text without a leading ``"<claim id>: "`` (the link names the claim)."""
    text = f["text"]
    prefix = f"{f['claim']}: " if f.get("claim") else ""
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def claim_explorers(claim: dict[str, Any]) -> list[dict[str, Any]]:
    return (claim.get("exploration") or {}).get("explorers", [])


def exploration_text(claim: dict[str, Any]) -> str:
    """One cell: the strongest exploration outcome and how much was tried (never "proved")."""
    exps = claim_explorers(claim)
    if not exps:
        return "not explored"
    tried = sum(ex["tried"] for ex in exps)
    return (
        f"{claim['exploration']['outcome']} ({len(exps)} explorer{'s' if len(exps) > 1 else ''}, "
        f"{tried} examples)"
    )


def explorer_scope(ex: dict[str, Any]) -> str:
    where = (
        "inside its hypotheses"
        if ex["region"] == "inside"
        else f"outside: {ex.get('hypothesis') or 'a hypothesis'}"
    )
    return f"{where}, {ex['tried']} examples"


def rate_text(est: dict[str, Any] | None) -> str:
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


def checks_by_role(claim: dict[str, Any]) -> list[tuple[str, str, str, list[tuple[str, dict[str, Any]]]]]:
    """The claim's checks grouped by role (:data:`ROLES` order, unknown roles last)."""
    known = {r for r, _, _ in ROLES}
    items = list(claim["checks"].items())
    groups = [(r, t, why, [(n, ck) for n, ck in items if ck["role"] == r]) for r, t, why in ROLES]
    groups.append(("other", "Other", "", [(n, ck) for n, ck in items if ck["role"] not in known]))
    return [g for g in groups if g[3]]


def step_seconds(report: dict[str, Any], claim_id: str) -> dict[str, float]:
    return ((report["timings"].get("proofs") or {}).get(claim_id) or {}).get("obligations") or {}


def formal_statement(claim: dict[str, Any]) -> tuple[list[str], str | None]:
    """The formal hypotheses and conclusion as LaTeX (``([], None)`` without a formal statement)."""
    latex = claim["proof"].get("statement_latex") or ""
    if latex:
        return split_implication(latex)
    if claim.get("sympy_statement"):
        tex = sympy_latex(claim["sympy_statement"])
        if tex is not None:
            return [], tex
    return [], None


def users_of(claims: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in claims:
        for d in c["depends_on"]:
            out.setdefault(d, []).append(c["id"])
    return out


def sym(word: str, styles: dict[str, dict[str, str]]) -> str:
    return styles.get(word, {"symbol": "?"})["symbol"]


def reproducibility_lines(report: dict[str, Any]) -> list[str]:
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
        f"- runner: {runner_text(t.get('runner') or {})}",
        *[f"- {f}" for f in t.get("findings", [])],
    ]


def runner_text(r: dict[str, Any]) -> str:
    if r.get("mode") == "dask":
        return f"Dask scheduler {r.get('scheduler')}"
    if r.get("mode") == "processes":
        return f"{r.get('jobs')} local processes"
    return str(r.get("mode", "serial"))


def ordered_counts(counts: dict[str, int], styles: dict[str, Any]) -> list[tuple[str, int]]:
    """Counts in the styles' (the status axis's) order, unknown statuses last."""
    return [(s, counts[s]) for s in styles if s in counts] + [
        (s, n) for s, n in counts.items() if s not in styles
    ]


def status_axes(report: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    """The status axes in :data:`AXIS_STYLES` order (proof, evidence), any other after."""
    axes = report["summary_axes"]
    return [(a, axes[a]) for a in AXIS_STYLES if a in axes] + [
        (a, axes[a]) for a in sorted(axes) if a not in AXIS_STYLES
    ]
