"""The report's exploration section: every claim explored at a profile's budget.

:data:`SECTION` is what :mod:`tensorkv_check.report.build` runs under the name
``"explore"`` (it satisfies :class:`tensorkv_check.report.section.ReportSection`). Its
methods are :func:`tensorkv_check.claims.exploration.compute`,
:func:`~tensorkv_check.claims.exploration.figures` and
:func:`~tensorkv_check.claims.exploration.findings`; the report then records each claim's
exploration outcome on the claim (:func:`~tensorkv_check.claims.exploration.claim_outcomes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["SECTION"]


class ExploreSection:
    """The exploration section of the report (a :class:`tensorkv_check.report.section.ReportSection`).

    Its data land in ``report["sweeps"]["explore"]``; the wall times of the searches go to
    the ``"timings"`` entry, outside the deterministic part.
    """

    name: str = "explore"
    #: Per claim: ``compute(..., claims=ids)`` runs the explorers of those claims only.
    claims: tuple[str, ...] | None = None

    def compute(
        self, profile: str, seed: int, run: Callable[..., Any], *, claims: list[str] | None = None
    ) -> dict[str, Any]:
        """The explorers of ``claims`` (default: every claim) at ``profile``'s budget, seeded
        by ``seed``, through ``run``."""
        from tensorkv_check.claims import exploration  # hypothesis: imported when the section runs

        return exploration.compute(profile, seed, run, claims=claims)

    def figures(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """Examples tried per explorer, coloured by outcome."""
        from tensorkv_check.claims import exploration

        return exploration.figures(data)

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """One finding per explorer: refuted, hypothesis-necessary or explored."""
        from tensorkv_check.claims import exploration

        return exploration.findings(data)


#: The exploration section as :mod:`tensorkv_check.report.build` runs it.
SECTION = ExploreSection()
