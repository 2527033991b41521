"""The report section of the Index reductions (thm:ho25-lb, thm:four-cache-lb, thm:two-cache-lb).

:data:`SECTION` (name ``"index"``) runs the four sweeps of
:func:`tensorkv_check.index.sweeps.run_sweeps` (decoding success against the dimension
and against the query scale ``C``, message bits per Index bit, the two-cache caveat)
and draws one figure each. It satisfies the report's section protocol (``name``,
``compute(profile, seed, run)``, ``figures(data)``, ``findings(data)``); the claims
these sweeps support report their own verdicts, so the section adds no findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["IndexSection", "SECTION"]


class IndexSection:
    """Report section: the Index sweeps and their four figures."""

    name = "index"
    #: The claims this section's sweep serves (``report --claims`` runs it only for them).
    claims: tuple[str, ...] | None = (
        "thm:index-lb",
        "thm:ho25-lb",
        "thm:four-cache-lb",
        "thm:two-cache-lb",
        "lem:near-orthogonal",
    )

    def compute(self, profile: str, seed: int, run: Callable[..., list]) -> dict[str, Any]:
        """``run_sweeps`` of the ``"full"`` profile, or its small default for any other."""
        # Imported (and looked up) at call time: the sweeps pull in matplotlib, and tests
        # stand in for ``run_sweeps`` on its module.
        from tensorkv_check.index import sweeps

        return sweeps.run_sweeps(full=profile == "full", seed=seed, progress=False, run=run)

    def figures(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """Four figures (``{"file", "title", "alt", "svg"}`` each); none without data."""
        if not data:
            return []
        from tensorkv_check.index import sweeps as isw

        return [
            {
                "file": "index-dimension.svg",
                "title": "Index reductions: decoding success versus dimension",
                "alt": "Bob's decoding success with Clopper-Pearson intervals against d (or d / ln n) for "
                "the standard, four-cache and two-cache models, with the near-orthogonality threshold "
                "dashed: success is near 1/2 at tiny d and reaches 1 at and above the threshold.",
                "svg": isw.figure_dimension(data["dimension"]),
            },
            {
                "file": "index-C.svg",
                "title": "Index reductions: decoding success versus the query scale C",
                "alt": "Decoding success against the query scale C, with the formula's C marked.",
                "svg": isw.figure_C(data["C"]),
            },
            {
                "file": "index-memory.svg",
                "title": "Index reductions: message bits per Index bit (M/N)",
                "alt": "Log-log plot of M/N against n for the exact algorithms of each model.",
                "svg": isw.figure_memory(data["memory"]),
            },
            {
                "file": "index-caveat.svg",
                "title": "thm:two-cache-lb caveat: structured versus free rows",
                "alt": "Success against n: the factor-keeping algorithm on Kronecker-structured rows and "
                "the exact decoder on free rows stay at 1, a truncating cache with the same memory on free "
                "rows falls to 1/2.",
                "svg": isw.figure_caveat(data["caveat"]),
                "claims": ["thm:two-cache-lb"],
            },
        ]

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """None: the Index claims' own checks report on these sweeps."""
        return []


#: The section object :mod:`tensorkv_check.report.build` lists.
SECTION = IndexSection()
