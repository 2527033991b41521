"""Figures of the verification report, rendered as deterministic inline SVG.

Every figure is drawn from the report's JSON data (the report computes no mathematics
of its own) with matplotlib's object API (no pyplot state), and saved as SVG with a
fixed hash salt and no date, so the same data always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib
import networkx as nx
from matplotlib.figure import Figure

from tensorkv_check._util.svg import figure_style, svg_of

__all__ = ["STATUS_COLOURS", "dependency_graph_svg"]

#: Node colour per claim status (colour-blind-safe Okabe–Ito palette).
STATUS_COLOURS = {
    "proved": "#009E73",
    "corroborated": "#56B4E9",
    "partial": "#F0E442",
    "refuted": "#D55E00",
    "cited": "#BBBBBB",
    "failing": "#E69F00",
}


def dependency_graph_svg(claims: Iterable[dict]) -> str:
    """Claims as a layered DAG (dependencies left of what uses them), coloured by status."""
    claims = list(claims)
    g = nx.DiGraph()
    for c in claims:
        g.add_node(c["id"], status=c["status"])
    for c in claims:
        for dep in c["depends_on"]:
            if dep in g:
                g.add_edge(dep, c["id"])
    for layer, nodes in enumerate(nx.topological_generations(g)):
        for node in nodes:
            g.nodes[node]["layer"] = layer
    pos = nx.multipartite_layout(g, subset_key="layer", align="vertical")
    # multipartite_layout orders a layer by insertion; sort for a stable picture.
    layers: dict[int, list[str]] = {}
    for node in g.nodes:
        layers.setdefault(g.nodes[node]["layer"], []).append(node)
    for nodes in layers.values():
        ys = sorted(pos[n][1] for n in nodes)
        for node, y in zip(sorted(nodes), ys):
            pos[node] = (pos[node][0], y)
    n_layers = max(layers) + 1 if layers else 1
    tallest = max((len(v) for v in layers.values()), default=1)
    with figure_style():
        fig = Figure(figsize=(max(6.0, 2.4 * n_layers), max(3.0, 0.55 * tallest)))
        ax = fig.add_subplot()
        colours = [STATUS_COLOURS.get(g.nodes[n]["status"], "#000000") for n in g.nodes]
        nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=8, edge_color="#777777", node_size=900)
        nx.draw_networkx_nodes(
            g, pos, ax=ax, node_color=colours, node_size=900, linewidths=0.5, edgecolors="#333333"
        )
        nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
        handles = [
            matplotlib.lines.Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                markerfacecolor=col,
                markeredgecolor="#333333",
                label=status,
            )
            for status, col in STATUS_COLOURS.items()
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_title("Claim dependencies (edge: used by), coloured by status")
        ax.set_axis_off()
        return svg_of(fig)
