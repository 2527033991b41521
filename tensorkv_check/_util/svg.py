"""Deterministic SVG output of matplotlib figures (no date, fixed hash salt).

Every figure of the report and of the sweeps goes through :func:`svg_of`, so the same
data always gives the same bytes.
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from typing import Any, cast

import matplotlib
from matplotlib.figure import Figure

__all__ = ["RC", "figure_style", "svg_of"]

#: matplotlib settings under which every figure is drawn and saved.
RC: dict[str, Any] = {"svg.hashsalt": "tensorkv-check", "svg.fonttype": "none", "font.size": 9}


def figure_style() -> AbstractContextManager[None]:
    """The matplotlib settings of :data:`RC`, as a context to draw and save a figure in."""
    # matplotlib types rc keys as a Literal union; RC holds valid keys only.
    return matplotlib.rc_context(cast(Any, RC))


def svg_of(fig: Figure) -> str:
    """Serialise a figure to SVG text without the XML prologue or a date."""
    buf = io.StringIO()
    with figure_style():
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
