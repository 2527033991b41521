"""Figures for covering numbers, cluster plateaus and packings (spec thm:covering).

Each function takes data computed by :mod:`~tensorkv_check.geometry.covering`,
:mod:`~tensorkv_check.geometry.plateau`, :mod:`~tensorkv_check.geometry.packing` and
:mod:`~tensorkv_check.geometry.lowdim` (the result
objects or their ``to_dict()`` form, so the report can pass JSON back in) and returns
deterministic SVG text: matplotlib's object API (a :class:`~matplotlib.figure.Figure`,
no pyplot state) serialised by :func:`tensorkv_check._util.svg.svg_of`, which
fixes ``svg.hashsalt`` and drops the date, so the same data always gives the same
bytes. The figures draw what was computed; they compute no mathematics of their own
beyond evaluating the closed-form bound curves they plot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from tensorkv_check._util.svg import rc_context, svg_of

__all__ = ["covering_svg", "plateau_svg", "packing_svg", "collapse_svg", "ball_memory_svg"]

_FONT = {"font.size": 9}
_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def _as_dict(item: Any) -> Mapping[str, Any]:
    return item if isinstance(item, Mapping) else item.to_dict()


def _finite(values: Iterable[float]) -> list[float]:
    return [v if v is not None and math.isfinite(v) else float("nan") for v in values]


def covering_svg(estimates: Iterable[Any]) -> str:
    """Covering number against δ, with the volumetric bounds, on log–log axes.

    Parameters
    ----------
    estimates : iterable of CoveringEstimate or dict
        Results of :func:`~tensorkv_check.geometry.covering.covering_number_estimate`; one
        series per (d, sphere, r), sorted by δ.

    Returns
    -------
    str
        SVG text. Per series: the greedy-net estimate (filled markers), the
        certified lower bound from the 2δ-separated set (open markers), the rigorous
        lower bound (solid), ``(r/δ)^d`` (dashed; a theorem only for the ball) and
        ``(1 + 2r/δ)^d`` (dotted).

    Examples
    --------
    >>> import numpy as np
    >>> from tensorkv_check.geometry.covering import covering_number_estimate
    >>> rng = np.random.default_rng(0)
    >>> ests = [covering_number_estimate(2, t, n_samples=500, n_holdout=50, rng=rng)
    ...         for t in (0.2, 0.5)]
    >>> covering_svg(ests).startswith("<svg")
    True
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for e in map(_as_dict, estimates):
        groups.setdefault((e["d"], e["sphere"], e["r"]), []).append(e)
    with rc_context(_FONT):
        fig = Figure(figsize=(6.0, 4.0))
        ax = fig.add_subplot()
        for i, (key, items) in enumerate(sorted(groups.items())):
            d, sphere, r = key
            items = sorted(items, key=lambda e: e["delta"])
            col = _COLOURS[i % len(_COLOURS)]
            x = [e["delta"] for e in items]
            name = f"{'S^' + str(d - 1) if sphere else 'B^' + str(d)} (r={r:g})"
            ax.plot(x, [e["estimate"] for e in items], "o", color=col, label=f"{name}: greedy net of sample")
            ax.plot(
                x,
                [e["certified_lower"] for e in items],
                "o",
                mfc="none",
                color=col,
                label=f"{name}: 2δ-separated (certified lower)",
            )
            ax.plot(
                x,
                _finite(e["bounds"]["lower"] for e in items),
                "-",
                color=col,
                lw=1,
                label=f"{name}: rigorous lower bound",
            )
            ax.plot(
                x,
                _finite(e["bounds"]["volumetric_lower"] for e in items),
                "--",
                color=col,
                lw=1,
                label=f"{name}: (r/δ)^d",
            )
            ax.plot(
                x,
                _finite(e["bounds"]["upper"] for e in items),
                ":",
                color=col,
                lw=1,
                label=f"{name}: (1+2r/δ)^d",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("scale δ")
        ax.set_ylabel("covering number N(δ)")
        ax.set_title("Covering numbers: sampled estimate against volumetric bounds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)


def plateau_svg(plateaus: Iterable[Any]) -> str:
    """Online cluster count against the number of keys, with fitted plateaus.

    Parameters
    ----------
    plateaus : iterable of Plateau or dict
        Results of :func:`~tensorkv_check.geometry.plateau.cluster_plateau`.

    Returns
    -------
    str
        SVG text: counts against ``n`` (log x), the fitted plateau (dashed) and the
        upper bound ``(1 + 4r/δ)^d`` (dotted) per series.

    Examples
    --------
    >>> import numpy as np
    >>> from tensorkv_check.geometry.plateau import cluster_plateau
    >>> p = cluster_plateau(2, [100, 1000, 4000], 0.5, rng=np.random.default_rng(0))
    >>> plateau_svg([p]).startswith("<svg")
    True
    """
    with rc_context(_FONT):
        fig = Figure(figsize=(6.0, 4.0))
        ax = fig.add_subplot()
        for i, p in enumerate(map(_as_dict, plateaus)):
            col = _COLOURS[i % len(_COLOURS)]
            label = f"d={p['d']}, δ={p['delta']:g}, r={p['r']:g}"
            ax.plot(p["ns"], p["counts"], "o-", color=col, ms=3, label=label)
            ax.axhline(p["plateau"], color=col, ls="--", lw=1)
            if math.isfinite(p["cover_upper"]):
                ax.axhline(p["cover_upper"], color=col, ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("keys n")
        ax.set_ylabel("online clusters (diameter ≤ δ)")
        ax.set_title("Cluster count plateaus (dashed: fitted limit; dotted: (1+4r/δ)^d)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=7)
        return svg_of(fig)


def packing_svg(growth: Any) -> str:
    """Greedy packing size against d, with the fitted ``e^{a + c d}`` and the lemma's size.

    Parameters
    ----------
    growth : PackingGrowth or dict
        Result of :func:`~tensorkv_check.geometry.packing.packing_growth`.

    Returns
    -------
    str
        SVG text (log y).

    Examples
    --------
    >>> import numpy as np
    >>> from tensorkv_check.geometry.packing import packing_growth
    >>> g = packing_growth([2, 3, 4], 0.5, np.random.default_rng(0), n_candidates=500)
    >>> packing_svg(g).startswith("<svg")
    True
    """
    g = _as_dict(growth)
    ds = np.asarray(g["ds"], float)
    with rc_context(_FONT):
        fig = Figure(figsize=(5.5, 3.6))
        ax = fig.add_subplot()
        kind = "|<u,v>|" if g["two_sided"] else "<u,v>"
        ax.plot(ds, g["sizes"], "o", color=_COLOURS[0], label=f"greedy set, {kind} ≤ {g['eps']:g}")
        grid = np.linspace(ds.min(), ds.max(), 50)
        ax.plot(
            grid,
            np.exp(g["a"] + g["c"] * grid),
            "-",
            color=_COLOURS[1],
            lw=1,
            label=f"fit e^({g['a']:.2f} + {g['c']:.3f} d)",
        )
        ax.plot(
            ds,
            g["lemma_sizes"],
            "s--",
            color=_COLOURS[2],
            ms=3,
            lw=1,
            label="lem:near-orthogonal: e^(ε² d / 4)",
        )
        ax.set_yscale("log")
        ax.set_xlabel("dimension d")
        ax.set_ylabel("set size")
        ax.set_title("Near-orthogonal packings grow like e^(c d)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=7)
        return svg_of(fig)


def collapse_svg(sweeps: Iterable[Mapping[str, Any]]) -> str:
    """Index reduction on packing keys: information over ``d·P(d)`` against ``n / P(d)``.

    Parameters
    ----------
    sweeps : iterable of dict
        Results of :func:`~tensorkv_check.geometry.lowdim.collapse_sweep` (one per d).

    Returns
    -------
    str
        SVG text: per d, ``(1 − h(p))·N / (d·P(d))`` for the fixed query norm ``C*``
        (solid) and the growing formula ``C`` (dashed), with the claimed shape
        ``min{n/P(d), 1}`` (thick grey).

    Examples
    --------
    >>> from tensorkv_check.geometry.lowdim import collapse_sweep
    >>> s = collapse_sweep(3, seed=0, mults=(1, 4), queries=50, n_candidates=300)
    >>> collapse_svg([s]).startswith("<svg")
    True
    """
    sweeps = list(sweeps)
    with rc_context(_FONT):
        fig = Figure(figsize=(6.4, 4.2))
        ax = fig.add_subplot()
        lo = min(min(r["n"] for r in s["runs"]["fixed"]) / s["P"] for s in sweeps)
        hi = max(max(r["n"] for r in s["runs"]["fixed"]) / s["P"] for s in sweeps)
        grid = np.geomspace(lo, hi, 100)
        ax.plot(
            grid,
            np.minimum(grid, 1.0),
            "-",
            color="#999999",
            lw=3,
            alpha=0.6,
            label="claimed shape d·min{n, P(d)}",
        )
        for i, s in enumerate(sweeps):
            col = _COLOURS[i % len(_COLOURS)]
            # More series than colours: the marker tells apart those sharing a colour.
            marker = "os^"[i // len(_COLOURS) % 3]
            scale = s["d"] * s["P"]
            for pol, ls in (("fixed", "-"), ("formula", "--")):
                rs = s["runs"][pol]
                ax.plot(
                    [r["n"] / s["P"] for r in rs],
                    [max(r["info_bits"], 1e-3) / scale for r in rs],
                    ls,
                    marker=marker,
                    ms=3,
                    lw=1,
                    color=col,
                    label=f"d={s['d']}, P={s['P']}" if pol == "fixed" else None,
                )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("n / P(d)  (keys per packing size)")
        ax.set_ylabel("(1 − h(p))·N / (d·P(d))")
        ax.set_title("Information Bob extracts (solid: C = C*, dashed: C grows with n)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_of(fig)


def ball_memory_svg(series: Iterable[Mapping[str, Any]]) -> str:
    """SubGen's message bytes against ``n`` for keys uniform in a ball (log–log).

    Parameters
    ----------
    series : iterable of dict
        Results of :func:`~tensorkv_check.geometry.lowdim.ball_memory`.

    Examples
    --------
    >>> from tensorkv_check.geometry.lowdim import ball_memory
    >>> ball_memory_svg([ball_memory(2, [1000, 2000], seed=0)]).startswith("<svg")
    True
    """
    with rc_context(_FONT):
        fig = Figure(figsize=(6.0, 4.0))
        ax = fig.add_subplot()
        for i, b in enumerate(series):
            col = _COLOURS[i % len(_COLOURS)]
            ax.plot(
                b["ns"],
                b["bytes"],
                "o-",
                ms=3,
                color=col,
                label=f"d={b['d']}, δ={b['delta']:g}: tail slope {b['tail_slope']:.3f}, "
                f"{b['clusters'][-1]} clusters ≤ {b['cluster_bound']:.0f}",
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("keys n (uniform in the unit ball)")
        ax.set_ylabel("SubGen message bytes")
        ax.set_title("SubGen memory stops growing in n (no planted clusters)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=7)
        return svg_of(fig)
