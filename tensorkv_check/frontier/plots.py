"""Figures of the compressibility frontier: Bob's success against message bits, and benign errors.

One figure per model places every compressor's points ``(M/N, p)`` (with Clopper–Pearson
bars) against the region that Fano's bound (thm:index-lb) makes infeasible for every
protocol, shaded; one more shows the relative attention error of every compressor on
benign, clusterable inputs against its measured memory. Drawn from the section's data
(:func:`tensorkv_check.frontier.sweep.compute`) with matplotlib's object API and saved
through :func:`tensorkv_check._util.svg.svg_of`, so the same data give the same bytes.
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from tensorkv_check._util.svg import svg_of
from tensorkv_check.frontier.checks import index_points
from tensorkv_check.frontier.profiles import CONFIDENCE, GAP_P, MODEL_MODE
from tensorkv_check.frontier.summary import curves
from tensorkv_check.index.bounds import fano_success_ceiling

__all__ = ["figures"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">")


def _frontier_svg(model: str, curves: dict[str, list[dict[str, Any]]]) -> str:
    with matplotlib.rc_context({"font.size": 8}):
        fig = Figure(figsize=(7.0, 4.4))
        ax = fig.add_subplot()
        xs_all = [p["bits_per_bit"] for pts in curves.values() for p in pts]
        lo = min(xs_all + [0.05]) / 2
        hi = max(xs_all + [2.0]) * 2
        grid = np.geomspace(lo, hi, 400)
        ceil = np.array([fano_success_ceiling(x * 1e6, int(1e6)) for x in grid])
        ax.fill_between(
            grid, ceil, 1.05, color="#D55E00", alpha=0.15, linewidth=0, label="infeasible: M < (1 − h(p))·N"
        )
        ax.plot(grid, ceil, color="#D55E00", linewidth=1.0)
        cmap = matplotlib.colormaps["tab10"]
        for i, (name, pts) in enumerate(sorted(curves.items())):
            x = [p["bits_per_bit"] for p in pts]
            y = [p["rate"] for p in pts]
            err = [[p["rate"] - p["ci_low"] for p in pts], [p["ci_high"] - p["rate"] for p in pts]]
            ns = sorted({p["n"] for p in pts})
            ax.errorbar(
                x,
                y,
                yerr=err,
                marker=_MARKERS[i % len(_MARKERS)],
                markersize=3.5,
                linewidth=1,
                capsize=2,
                color=cmap(i % 10),
                label=f"{name} (n = {', '.join(map(str, ns))})",
            )
        ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=":")
        ax.axhline(GAP_P, color="#999999", linewidth=0.6, linestyle="--")
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.4, 1.03)
        ax.set_xlabel("message bits per input bit, M / N (measured)")
        ax.set_ylabel(f"Bob's success ({int(CONFIDENCE * 100)}% Clopper–Pearson)")
        ax.set_title(f"Compressibility frontier, {model} model (Index instances); dashed: p = {GAP_P}")
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return svg_of(fig)


def _benign_svg(pts: list[dict[str, Any]]) -> str:
    with matplotlib.rc_context({"font.size": 8}):
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        by: dict[str, list[dict[str, Any]]] = {}
        for p in pts:
            by.setdefault(p["compressor"], []).append(p)
        cmap = matplotlib.colormaps["tab10"]
        floor = 1e-6  # lossless points (error ~1e-16) are drawn on this floor
        for i, (name, ps) in enumerate(sorted(by.items())):
            ps = sorted(ps, key=lambda p: p["M"])
            ax.plot(
                [p["M"] / p["M_float64"] for p in ps],
                [max(p["rel_error_mean"], floor) for p in ps],
                marker=_MARKERS[i % len(_MARKERS)],
                markersize=3.5,
                color=cmap(i % 10),
                label=name,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("M / (float64 K and V), measured")
        ax.set_ylabel("mean relative error ‖z − Attn‖ / ‖Attn‖ (floored at 1e-6)")
        p0 = pts[0]
        ax.set_title(
            f"Benign inputs: n = {p0['n']}, d = {p0['d']}, {p0['m']} key clusters, rank-{p0['rank']} values"
        )
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return svg_of(fig)


def figures(data: dict[str, Any]) -> list[dict[str, str]]:
    """One frontier figure per model and the benign error-versus-memory figure.

    Returns
    -------
    list of dict
        ``{"file", "title", "alt", "svg"}`` each.
    """
    out = []
    by_curve = curves(index_points(data))
    for model in MODEL_MODE:
        cs = {name: pts for (m, name), pts in by_curve.items() if m == model}
        if not cs:
            continue
        info = data.get("models", {}).get(model, {})
        out.append(
            {
                "file": f"frontier_{model}.svg",
                "title": f"Compressibility frontier: {model} model",
                "alt": (
                    "Bob's success with 99% Clopper–Pearson bars against measured message bits per input "
                    f"bit (log scale) for {len(cs)} compressors ({', '.join(sorted(cs))}) on {model} Index "
                    f"instances (n = {info.get('n')}, d = {info.get('d')}; SubGen curves at their own n). "
                    "The shaded region above the curve p = Fano ceiling of M/N is infeasible for any "
                    "protocol; no point lies in it. Dotted line: chance; dashed line: p = 0.9."
                ),
                "svg": _frontier_svg(model, cs),
            }
        )
    if data.get("benign"):
        out.append(
            {
                "file": "frontier_benign.svg",
                "title": "Benign inputs: relative attention error versus memory",
                "alt": (
                    "Mean relative attention-output error (log scale) against measured message bytes as a "
                    "fraction of the float64 keys and values (log scale), one curve per compressor, on "
                    "clusterable keys with low-rank values; errors below 1e-6 (the lossless exact cache) "
                    "are drawn at 1e-6."
                ),
                "svg": _benign_svg(data["benign"]),
            }
        )
    return out
