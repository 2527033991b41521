"""Deterministic SVG output of matplotlib figures (no date, fixed hash salt).

Every figure of the report and of the sweeps goes through :func:`svg_of`, so the same
data always gives the same bytes.
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

__all__ = ["RC", "svg_of"]

#: matplotlib settings under which every figure is drawn and saved.
RC = {"svg.hashsalt": "tensorkv-check", "svg.fonttype": "none", "font.size": 9}


def svg_of(fig: Figure) -> str:
    """Serialise a figure to SVG text without the XML prologue or a date."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
