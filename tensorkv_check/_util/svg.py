"""Deterministic SVG output of matplotlib figures (no date, fixed hash salt).

Every figure of the report and of the sweeps goes through :func:`svg_of`, so the same
data always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, cast

import matplotlib
from matplotlib.figure import Figure

__all__ = ["RC", "figure_style", "rc_context", "svg_of"]

#: matplotlib settings under which every figure is drawn and saved.
RC: dict[str, Any] = {"svg.hashsalt": "tensorkv-check", "svg.fonttype": "none", "font.size": 9}


def rc_context(settings: Mapping[str, Any]) -> AbstractContextManager[None]:
    """:func:`matplotlib.rc_context` for a settings dict typed ``dict[str, Any]``.

    matplotlib's stubs type the keys as a ``Literal`` union of every rc name, which a
    module-level settings dict cannot satisfy; an unknown key still fails at run time.
    """
    return matplotlib.rc_context(cast(Any, dict(settings)))


def figure_style() -> AbstractContextManager[None]:
    """The matplotlib settings of :data:`RC`, as a context to draw and save a figure in."""
    return rc_context(RC)


def svg_of(fig: Figure) -> str:
    """Serialise a figure to SVG text without the XML prologue or a date."""
    buf = io.StringIO()
    with figure_style():
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
