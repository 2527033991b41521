"""The low-dimensional regime of thm:covering: online cluster counts of keys in a ball level off.

For keys of norm ``<= r`` in ``R^d`` the online clustering with centre radius ``δ/2``
opens at most ``N(rB^d, δ/2)`` clusters whatever ``n`` is; :func:`cluster_plateau`
measures the counts as ``n`` grows and fits the plateau (spec item **thm:covering**,
Chen et al. 2025, arXiv 2503.11108).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import check_int, check_real
from tensorkv_check.geometry._checks import _pow, _side
from tensorkv_check.geometry.nets import greedy_net
from tensorkv_check.geometry.sampling import sample_ball

__all__ = [
    "Plateau",
    "cluster_plateau",
    "fit_plateau",
]


@dataclass(frozen=True)
class Plateau:
    """Online cluster counts of keys in a ball as the number of keys grows.

    Attributes
    ----------
    d, delta, r
        Dimension, cluster diameter, ball radius.
    ns, counts : tuple of int
        ``counts[i]`` clusters after the first ``ns[i]`` keys of one stream.
    plateau : float
        Fitted limit ``P`` of ``count(n) = P − A n^{-1/d}`` on the second half of
        ``ns`` (the approach to jamming of random sequential adsorption, Feder's law;
        an extrapolation, not a bound).
    slope : float
        The fitted ``A``.
    cover_lower, cover_upper : float
        ``(2r/δ)^d`` and ``(1 + 4r/δ)^d``: volumetric bounds on ``N(δ/2r)`` of the unit
        ball (``= N(rB^d, δ/2)``). The cluster centres are δ/2-separated points of
        the ball, so every count is ``<= cover_upper`` (theorem); once they δ/2-cover
        the ball, the count is ``>= N(δ/2r) >= cover_lower``.
    plateau_vs_lower, plateau_vs_upper : str
        Where ``plateau`` lands relative to the two bounds.
    """

    d: int
    delta: float
    r: float
    ns: tuple[int, ...]
    counts: tuple[int, ...]
    plateau: float
    slope: float
    cover_lower: float
    cover_upper: float
    plateau_vs_lower: str
    plateau_vs_upper: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def cluster_plateau(d: int, ns, delta: float, r: float = 1.0, *, rng: RngLike) -> Plateau:
    """Online cluster counts of ``n`` uniform keys in ``r B^d`` for each ``n`` in ``ns``.

    thm:covering (low-dimensional regime): keys of norm ``<= r`` are
    ``(N(δ/2r), δ)``-clusterable whatever ``n`` is, so SubGen's cluster count stops
    growing. One stream of ``max(ns)`` keys is clustered online with centre radius
    ``δ/2`` (diameter ``<= δ``, as in :func:`cluster_bracket`) and the count is read
    after each prefix; a plateau is fitted (see :class:`Plateau`).

    Parameters
    ----------
    d : int, ``>= 1``
    ns : sequence of int
        Increasing prefix lengths (at least two).
    delta : float, ``> 0``
        Cluster diameter.
    r : float, default 1.0
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, keyword-only

    Returns
    -------
    Plateau

    Examples
    --------
    >>> p = cluster_plateau(2, [100, 1000, 10000], 0.5, rng=np.random.default_rng(0))
    >>> p.counts[0] <= p.counts[1] <= p.counts[2] <= p.cover_upper
    True
    """
    d = check_int("d", d, minimum=1)
    ns = tuple(check_int("ns", x, minimum=1) for x in ns)
    if len(ns) < 2 or any(b <= a for a, b in zip(ns, ns[1:])):
        raise ValueError(f"ns must be at least two strictly increasing lengths, got {ns}")
    delta = check_real("delta", delta, low=0.0)
    r = check_real("r", r, low=0.0)
    rng = as_generator(rng)
    X = sample_ball(ns[-1], d, rng, r)
    centres = greedy_net(X, delta / 2.0).indices
    counts = tuple(int(np.searchsorted(centres, n)) for n in ns)
    return fit_plateau(d, delta, r, ns, counts)


def fit_plateau(d: int, delta: float, r: float, ns: tuple[int, ...], counts: tuple[int, ...]) -> Plateau:
    """Fit :class:`Plateau` to online cluster counts measured elsewhere.

    :func:`cluster_plateau` and the low-dimensional sweep
    (:func:`tensorkv_check.geometry.lowdim.plateau_coverage`) both count clusters after the
    first ``ns[i]`` keys of one stream; this fits ``counts ≈ plateau − slope·n^{-1/d}`` on
    the last half of the points and places the plateau against the covering bounds
    ``(2r/δ)^d`` and ``(1 + 4r/δ)^d`` of thm:covering.

    Parameters
    ----------
    d : int
        Dimension.
    delta, r : float
        Cluster diameter and ball radius.
    ns, counts : tuple of int
        Stream lengths (strictly increasing, at least two) and the cluster counts after each.
    """
    half = max(2, len(ns) // 2)
    tail = np.arange(len(ns) - half, len(ns))
    x = np.asarray(ns, float)[tail] ** (-1.0 / d)
    y = np.asarray(counts, float)[tail]
    slope, intercept = np.polyfit(x, y, 1)  # y = intercept + slope * x
    plateau = float(intercept)
    lower = _pow(2.0 * r / delta, d)
    upper = _pow(1.0 + 4.0 * r / delta, d)
    return Plateau(
        d=d,
        delta=delta,
        r=r,
        ns=ns,
        counts=counts,
        plateau=plateau,
        slope=float(-slope),
        cover_lower=lower,
        cover_upper=upper,
        plateau_vs_lower=_side(plateau, lower),
        plateau_vs_upper=_side(plateau, upper),
    )
