"""Figures of the SubGen checks: error against memory, message bytes against ``n``.

SVG renderers (matplotlib's object API, no pyplot state, serialised by
:func:`tensorkv_check._util.svg.svg_of`) of the data of
:func:`~tensorkv_check.subgen.memory_scaling.error_memory_data` and
:func:`~tensorkv_check.subgen.memory_scaling.memory_vs_n_data`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "error_memory_svg",
    "memory_vs_n_svg",
]


def error_memory_svg(data: dict[str, Any]) -> str:
    """Error against message bytes (log–log), one marker per model, exact decoders as lines."""
    from matplotlib.figure import Figure

    from tensorkv_check._util.svg import figure_style, svg_of

    markers = {"SubGen": "o", "SubGen2Cache": "s", "SubGen4Cache": "^"}
    with figure_style():
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        for model, mk in markers.items():
            for n in sorted({p["n"] for p in data["points"] if p["model"] == model}):
                pts = sorted(
                    (p for p in data["points"] if p["model"] == model and p["n"] == n),
                    key=lambda p: p["bytes"],
                )
                ax.plot(
                    [p["bytes"] for p in pts],
                    [p["error_median"] for p in pts],
                    marker=mk,
                    label=f"{model}, n={n}",
                )
        styles = {"exact standard": ":", "exact four-cache": "--", "exact two-cache": "-."}
        for e in data["exact"]:
            ax.axvline(e["bytes"], linestyle=styles.get(e["model"], ":"), color="#777777", linewidth=0.8)
            ax.annotate(
                f"{e['model']} n={e['n']}",
                (e["bytes"], 1.0),
                rotation=90,
                fontsize=6,
                xycoords=("data", "axes fraction"),
                va="top",
                ha="right",
                color="#555555",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("message bytes (len(to_bytes()))")
        ax.set_ylabel("median ‖z − Attn‖ / (‖softmax‖ ‖V‖_op)")
        ax.set_title("SubGen compressors: error vs memory (exact decoders: error 0, grey lines)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)


def memory_vs_n_svg(data: dict[str, Any]) -> str:
    """Message bytes against tokens ``n`` (log–log), one line per model and cluster growth."""
    from matplotlib.figure import Figure

    from tensorkv_check._util.svg import figure_style, svg_of

    with figure_style():
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
        colours = {
            "subgen": "#0072B2",
            "subgen2cache": "#D55E00",
            "subgen4cache": "#009E73",
            "exact-standard": "#56B4E9",
            "exact-four-cache": "#E69F00",
            "exact-two-cache": "#CC79A7",
        }
        for ser in data["series"]:
            exact = ser["model"].startswith("exact")
            ls = ":" if exact else ("-" if ser["growth"] == "constant" else "--")
            label = ser["model"] if exact else f"{ser['model']} (m {ser['growth']})"
            ax.plot(
                ser["ns"],
                ser["bytes"],
                linestyle=ls,
                marker="o",
                markersize=3,
                color=colours.get(ser["model"], "#000000"),
                label=f"{label}, slope {ser['slope']:.2f}",
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("tokens n (factor tokens for the tensor models)")
        ax.set_ylabel("message bytes")
        ax.set_title(f"Memory vs n (t = {data['t']}, s = {data['s']}, d = {data['d']})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)
