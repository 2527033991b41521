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

The pieces: :mod:`~tensorkv_check.report._content` (what both renderings show: the
figures and where each is shown, the texts of checks, proofs, explorers and findings, the
reproducibility block), :mod:`~tensorkv_check.report._markdown` (the Markdown page) and
:mod:`~tensorkv_check.report._html` (the HTML page), over ``_math`` (LaTeX and MathML),
``_graph`` (the claim order and the dependency graph) and ``_style`` (the statuses'
colours and symbols, the CSS).
"""

from __future__ import annotations

import json
from typing import Any

from tensorkv_check.report._content import (
    evidence_text,
    exploration_text,
    figure_homes,
    figures,
    proof_text,
)
from tensorkv_check.report._html import render_html
from tensorkv_check.report._markdown import render_markdown

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


def render_json(report: dict[str, Any]) -> str:
    """Canonical JSON text (sorted keys, fixed indentation): same data, same bytes."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
