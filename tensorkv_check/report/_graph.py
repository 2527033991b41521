"""The claim dependency graph as hand-laid SVG: one column per topological generation.

networkx gives the generations (a claim sits one column right of its deepest dependency);
the positions are computed here, not by a force layout, so labels never overlap: every node
is a box as wide as the longest label of its column (monospace text, whose width is known
from its length), stacked with a fixed gap. Within a column the nodes are ordered by the
mean row of their dependencies (a few barycentre sweeps, ties by report order), which keeps
most edges short and uncrossed. Each node is a link to its claim's section, filled with the
colour of its proof status, bordered with the colour and line style of its evidence status,
and labelled with a symbol for each axis, so colour never carries a status alone.
"""

from __future__ import annotations

import html
from typing import Any

import networkx as nx

from tensorkv_check.report._style import EVIDENCE_STYLE, PROOF_STYLE, claim_anchor

__all__ = ["claim_order", "generations", "graph_svg"]

_FONT = 12.0  # px, monospace
_CHAR = 0.6 * _FONT  # DejaVu Sans Mono / Liberation Mono advance width
_PAD_X, _NODE_H, _GAP_Y, _GAP_X, _MARGIN = 8.0, 24.0, 10.0, 44.0, 10.0
_HEAD = 22.0  # room above the columns for the generation labels


def _digraph(claims: list[dict[str, Any]]) -> nx.DiGraph:
    g = nx.DiGraph()
    for c in claims:
        g.add_node(c["id"])
    for c in claims:
        for dep in c["depends_on"]:
            if dep in g and dep != c["id"]:
                g.add_edge(dep, c["id"])
    return g


def claim_order(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims in dependency order (each after what it depends on), else in report order."""
    g = _digraph(claims)
    rank = {c["id"]: i for i, c in enumerate(claims)}
    by_id = {c["id"]: c for c in claims}
    try:
        order = list(nx.lexicographical_topological_sort(g, key=rank.__getitem__))
    except nx.NetworkXUnfeasible:  # a cycle: keep the report's order
        return list(claims)
    return [by_id[i] for i in order]


def generations(claims: list[dict[str, Any]]) -> list[list[str]]:
    """Claim ids per topological generation (a cycle puts everything in one generation)."""
    g = _digraph(claims)
    rank = {c["id"]: i for i, c in enumerate(claims)}
    try:
        gens = [sorted(gen, key=rank.__getitem__) for gen in nx.topological_generations(g)]
    except nx.NetworkXUnfeasible:
        return [[c["id"] for c in claims]]
    # Barycentre ordering: each column sorted by the mean row of its neighbours in the
    # column before (forward sweep) and after (backward sweep); ties keep report order.
    row = {n: i for gen in gens for i, n in enumerate(gen)}
    for _ in range(3):
        for sweep in (range(1, len(gens)), range(len(gens) - 2, -1, -1)):
            for k in sweep:
                forward = sweep.step == 1

                def key(n: str, forward: bool = forward) -> tuple[float, int]:
                    nbrs = list(g.predecessors(n) if forward else g.successors(n))
                    mean = sum(row[m] for m in nbrs) / len(nbrs) if nbrs else row[n]
                    return (mean, rank[n])

                gens[k] = sorted(gens[k], key=key)
                row.update({n: i for i, n in enumerate(gens[k])})
    return gens


def _label(c: dict[str, Any]) -> str:
    return f"{PROOF_STYLE.get(c['proof']['status'], PROOF_STYLE['unproved'])['symbol']}" + (
        f"{EVIDENCE_STYLE.get(c['evidence']['status'], EVIDENCE_STYLE['none'])['symbol']} {c['id']}"
    )


def graph_svg(claims: list[dict[str, Any]], *, standalone: bool = False) -> str:
    """The dependency graph as SVG text; ``standalone`` adds the XML namespace for a file.

    Deterministic: the same claims give the same bytes.
    """
    by_id = {c["id"]: c for c in claims}
    gens = generations(claims)
    g = _digraph(claims)
    widths = [max(len(_label(by_id[n])) for n in gen) * _CHAR + 2 * _PAD_X for gen in gens]
    xs: list[float] = []
    x = _MARGIN
    for w in widths:
        xs.append(x)
        x += w + _GAP_X
    width = x - _GAP_X + _MARGIN
    tallest = max(len(gen) for gen in gens)
    height = _HEAD + tallest * (_NODE_H + _GAP_Y) - _GAP_Y + 2 * _MARGIN
    box: dict[str, tuple[float, float, float]] = {}  # id -> (x, y, w)
    for k, gen in enumerate(gens):
        col_h = len(gen) * (_NODE_H + _GAP_Y) - _GAP_Y
        y0 = _MARGIN + _HEAD + (height - 2 * _MARGIN - _HEAD - col_h) / 2  # centre each column
        for i, n in enumerate(gen):
            box[n] = (xs[k], y0 + i * (_NODE_H + _GAP_Y), widths[k])
    # Inline, the graph shrinks to its box down to 80% of its size (labels stay legible),
    # below which the box scrolls sideways instead of the page.
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else f' style="min-width:{0.8 * width:.0f}px"'
    out = [
        f'<svg{ns} class="depgraph" role="group" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" aria-labelledby="depgraph-title" '
        f'font-family="DejaVu Sans Mono, Liberation Mono, monospace" font-size="{_FONT:g}">',
        '<title id="depgraph-title">Claim dependency graph: an arrow runs from a claim to the claims '
        "that use it; each node links to its claim</title>",
        '<defs><marker id="depgraph-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#666"/></marker></defs>',
    ]
    if standalone:
        out.append(f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>')
    for k in range(len(gens)):
        out.append(
            f'<text x="{xs[k] + widths[k] / 2:.1f}" y="{_MARGIN + 12:.1f}" text-anchor="middle" '
            f'fill="#555" font-size="11">generation {k}</text>'
        )
    out.append('<g fill="none" stroke="#888" stroke-width="1.2">')
    for src, dst in sorted(g.edges, key=lambda e: (box[e[0]][0], box[e[0]][1], box[e[1]][1])):
        x1, y1, w1 = box[src]
        x2, y2, _ = box[dst]
        ax, ay = x1 + w1, y1 + _NODE_H / 2
        bx, by = x2 - 1, y2 + _NODE_H / 2
        mid = (ax + bx) / 2 if bx - ax < 2 * _GAP_X else ax + _GAP_X
        out.append(
            f'<path d="M{ax:.1f},{ay:.1f} C{mid:.1f},{ay:.1f} {bx - _GAP_X / 2:.1f},{by:.1f} '
            f'{bx:.1f},{by:.1f}" marker-end="url(#depgraph-arrow)"/>'
        )
    out.append("</g>")
    for gen in gens:
        for n in gen:
            c = by_id[n]
            x0, y0, w = box[n]
            ps = PROOF_STYLE.get(c["proof"]["status"], PROOF_STYLE["unproved"])
            es = EVIDENCE_STYLE.get(c["evidence"]["status"], EVIDENCE_STYLE["none"])
            tip = (
                f"{c['id']} ({c['paper_ref']}): proof {c['proof']['status']}, evidence "
                f"{c['evidence']['status']}; status {c['status']}"
            )
            out.append(
                f'<a href="#{html.escape(claim_anchor(n))}" class="node">'
                f"<title>{html.escape(tip)}</title>"
                f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{_NODE_H:g}" rx="5" '
                f'fill="{ps["fill"]}" stroke="{es["colour"]}" stroke-width="2.5"'
                + (f' stroke-dasharray="{es["dash"]}"' if es["dash"] else "")
                + "/>"
                f'<text x="{x0 + _PAD_X:.1f}" y="{y0 + _NODE_H / 2 + 4:.1f}" fill="#111">'
                f"{html.escape(_label(c))}</text></a>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"
