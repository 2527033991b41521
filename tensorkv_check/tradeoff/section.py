"""The report section of Remark 3.9's time and memory trade-off.

:data:`SECTION` (name ``"tradeoff"``) runs :func:`tensorkv_check.tradeoff.sweep.tradeoff_sweep`
at the sizes of :data:`PROFILES`, draws the memory and flop curves of the four-cache,
two-cache and materialising four-cache decoders and writes one measurement finding.
It satisfies the report's section protocol (``name``, ``compute(profile, seed, run)``,
``figures(data)``, ``findings(data)``); the step times are wall-clock measurements and
stay in the report's timings, outside the deterministic data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tensorkv_check._util.validation import check_choice
from tensorkv_check.tradeoff.sweep import tradeoff_sweep

__all__ = ["PROFILES", "TradeoffSection", "SECTION"]

#: Sweep sizes per report profile: token counts ``ns``, head dimension ``d`` and timing
#: ``repeats`` (the median is reported). The quick profile is the README's default job.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"ns": [16, 32, 64, 128, 256], "d": 32, "repeats": 5},
    "full": {"ns": [64, 128, 256, 512, 1024], "d": 64, "repeats": 7},
}


class TradeoffSection:
    """Report section: memory and flops of the three decoders against ``n`` (Remark 3.9)."""

    name = "tradeoff"
    #: The claims this section's sweep serves (``report --claims`` runs it only for them).
    claims: tuple[str, ...] | None = ("rem:tradeoff",)
    #: It times decode steps: the report runs it first, with no other sweep competing.
    runs_alone = True

    def compute(self, profile: str, seed: int, run: Callable[..., list]) -> dict[str, Any]:
        """Run the sweep of ``profile`` (``{"points": [...]}`` plus ``"timings"``)."""
        check_choice("profile", profile, PROFILES)
        conf = PROFILES[profile]
        return tradeoff_sweep(conf["ns"], conf["d"], seed=seed, repeats=conf["repeats"], run=run)

    def figures(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """The memory and the flops figure (``{"file", "title", "alt", "svg"}`` each)."""
        from tensorkv_check.tradeoff.plots import tradeoff_svg

        tr = data.get("points") or []
        if not tr:
            return []
        return [
            {
                "file": "tradeoff-memory.svg",
                "title": "Remark 3.9: memory held by each decoder",
                "alt": "Log-log plot of cache bytes against tokens n: the two-cache decoder grows as n "
                "squared, the four-cache decoders linearly.",
                "svg": tradeoff_svg(tr, "memory_bytes", "cache bytes", "Memory per decoder (measured)"),
            },
            {
                "file": "tradeoff-flops.svg",
                "title": "Remark 3.9: flops of one decode step",
                "alt": "Log-log plot of flops per step against n: four-cache (decode identity) and two-cache "
                "coincide near 4 n^2 d; the materialising four-cache step is above both.",
                "svg": tradeoff_svg(tr, "flops", "flops per step", "Flops per decode step (counted)"),
            },
        ]

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """One ``rem:tradeoff`` measurement at the largest ``n``: flops and memory ratios."""
        tr = data.get("points") or []
        if not tr:
            return []
        last = tr[-1]
        f4, f2, fn = (last["flops"][k] for k in ("four-cache", "two-cache", "naive four-cache"))
        m4, m2 = last["memory_bytes"]["four-cache"], last["memory_bytes"]["two-cache"]
        return [
            {
                "claim": "rem:tradeoff",
                "kind": "measurement",
                "text": (
                    f"At n={last['n']}, d={last['d']}: the four-cache step through the decode "
                    f"identity performs {f4:,} flops and the two-cache step {f2:,} "
                    f"(ratio {f4 / f2:.3f}); both are ~4·n²·d, so the two-cache scheme saves no "
                    f"arithmetic against it, only against the materialising step ({fn:,} flops, "
                    f"ratio {fn / f2:.3f}). Memory: two-cache holds {m2 / m4:.1f}× the four-cache "
                    f"bytes (n/2 = {last['n'] / 2:g}). Step times are in the timings section."
                ),
            }
        ]


#: The section object :mod:`tensorkv_check.report.build` lists.
SECTION = TradeoffSection()
