"""The report section of the compressibility frontier (practical compressors against Fano's bound).

:data:`SECTION` (name ``"frontier"``) runs :func:`tensorkv_check.frontier.sweep.compute`,
draws :func:`tensorkv_check.frontier.plots.figures` and writes
:func:`tensorkv_check.frontier.sweep.findings`. It satisfies the report's section
protocol (``name``, ``compute(profile, seed, run)``, ``figures(data)``,
``findings(data)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FrontierSection", "SECTION"]


class FrontierSection:
    """Report section: the frontier sweep, one figure per model plus the benign one, findings."""

    name = "frontier"
    #: The claims this section's sweep serves (``report --claims`` runs it only for them).
    claims: tuple[str, ...] | None = ("thm:index-lb", "thm:ho25-lb", "thm:four-cache-lb", "thm:two-cache-lb")

    # The sweep pulls in scipy and matplotlib; it is imported when the section runs,
    # so that importing the report's section list stays cheap.
    def compute(self, profile: str, seed: int, run: Callable[..., list]) -> dict[str, Any]:
        """The sweep's data for ``profile`` ("quick" or "full")."""
        from tensorkv_check.frontier import sweep

        return sweep.compute(profile, seed, run)

    def figures(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """``{"file", "title", "alt", "svg", "claims"}`` per figure (``claims``: those it supports)."""
        from tensorkv_check.frontier import plots

        return [
            {**f, "claims": list(_FIGURE_CLAIMS.get(f["file"], self.claims or ()))}
            for f in plots.figures(data)
        ]

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """``{"claim", "kind", "text"}`` per finding."""
        from tensorkv_check.frontier import summary

        return summary.findings(data)


#: The claims each model's frontier supports (a figure not listed: every claim of the section).
_FIGURE_CLAIMS = {
    "frontier_standard.svg": ("thm:index-lb", "thm:ho25-lb"),
    "frontier_four-cache.svg": ("thm:four-cache-lb",),
    "frontier_two-cache.svg": ("thm:two-cache-lb",),
}

#: The section object :mod:`tensorkv_check.report.build` lists.
SECTION = FrontierSection()
