"""Figures of the verification report, rendered as deterministic SVG.

Every figure is drawn from the report's JSON data (the report computes no mathematics
of its own). The sweeps' figures are drawn with matplotlib by their sections; the claim
dependency graph is laid out here by topological generation and written as SVG by hand
(:mod:`tensorkv_check.report._graph`), so its labels never overlap and, inlined in the
HTML, each node links to its claim.
"""

from __future__ import annotations

from collections.abc import Iterable

from tensorkv_check.report._graph import graph_svg
from tensorkv_check.report._style import STATUS_STYLE

__all__ = ["STATUS_COLOURS", "dependency_graph_svg"]

#: Colour per one-word claim status (colour-blind-safe Okabe–Ito palette).
STATUS_COLOURS = {status: style["colour"] for status, style in STATUS_STYLE.items()}


def dependency_graph_svg(claims: Iterable[dict]) -> str:
    """Claims as a layered DAG (dependencies left of what uses them) as a standalone SVG file:
    fill by proof status, border by evidence status, a symbol for each in the label."""
    return graph_svg(list(claims), standalone=True)
