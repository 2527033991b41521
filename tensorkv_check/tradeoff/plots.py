"""Figures of Remark 3.9's trade-off: one log–log curve per decoder against the tokens ``n``.

Drawn with matplotlib's object API and saved through :func:`tensorkv_check._util.svg.svg_of`
(fixed hash salt, no date), so the same points always give the same SVG bytes.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from tensorkv_check._util.svg import figure_style, svg_of

__all__ = ["tradeoff_svg"]


def tradeoff_svg(points: list[dict], key: str, ylabel: str, title: str) -> str:
    """Log–log plot of ``point[key][decoder]`` against ``n`` for each decoder."""
    with figure_style():
        fig = Figure(figsize=(5.5, 3.6))
        ax = fig.add_subplot()
        names = list(points[0][key]) if points else []
        markers = ["o", "s", "^", "D"]
        for i, name in enumerate(names):
            ax.plot(
                [p["n"] for p in points],
                [p[key][name] for p in points],
                marker=markers[i % len(markers)],
                label=name,
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("tokens n")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False)
        return svg_of(fig)
