"""Covering numbers of the sphere and the ball: volumetric bounds and sampled estimates.

Spec item **thm:covering** (Chen et al. 2025, arXiv 2503.11108; Haris and Onak 2025,
arXiv 2502.15955). All covering numbers here are internal (centres in ``S``); an
external cover (centres anywhere) has ``N_ext(δ) <= N(δ) <= N_ext(δ/2)``, and a
maximal δ-separated subset is a δ-net, so ``M(S, 2δ) <= N(S, δ) <= M(S, δ)``.
:func:`covering_bounds` gives the volumetric bounds; :func:`covering_number_estimate`
a sampled greedy net and on which side of each bound it lands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special as _special
from scipy.spatial import SphericalVoronoi, cKDTree

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import as_float_array, check_int, check_real
from tensorkv_check.engine.stats import BinomialEstimate, clopper_pearson
from tensorkv_check.geometry._checks import _pow, _readonly, _side
from tensorkv_check.geometry.nets import greedy_net
from tensorkv_check.geometry.sampling import sample_ball, sample_sphere

__all__ = [
    "CoveringBounds",
    "covering_bounds",
    "CoveringEstimate",
    "covering_number_estimate",
    "SphereCover",
    "sphere_covering_radius",
    "sphere_cover",
]


def _cap_fraction(d: int, theta: float) -> float:
    """Normalised surface measure of a cap of angular radius ``theta`` on S^{d-1}.

    ``sigma(theta) = 1/2 I_{sin^2 theta}((d-1)/2, 1/2)`` for ``theta <= pi/2`` and
    ``1 - 1/2 I_{sin^2 theta}((d-1)/2, 1/2)`` beyond (I the regularised incomplete
    beta function), valid for ``d >= 2``.
    """
    if theta >= math.pi:
        return 1.0
    x = math.sin(theta) ** 2
    half = 0.5 * float(_special.betainc((d - 1) / 2.0, 0.5, x))
    return half if theta <= math.pi / 2 else 1.0 - half


def _log_sphere_over_disc(d: int) -> float:
    """``log(|S^{d-1}| / |B^{d-1}|) = log(2 sqrt(pi) Gamma((d+1)/2) / Gamma(d/2))``."""
    return math.log(2.0 * math.sqrt(math.pi)) + math.lgamma((d + 1) / 2.0) - math.lgamma(d / 2.0)


@dataclass(frozen=True)
class CoveringBounds:
    """Volumetric bounds on the internal covering number ``N(S, δ)``.

    ``S`` is the sphere ``r S^{d-1}`` (``sphere=True``) or the closed ball ``r B^d``.

    Attributes
    ----------
    lower : float
        A rigorous lower bound on ``N(S, δ)`` (see :func:`covering_bounds` for the
        derivation). For the ball it equals ``volumetric_lower``.
    lower_rule : str
        The formula behind ``lower``.
    volumetric_lower : float
        ``(r/δ)^d``. A theorem for the ball; for the sphere it is *not* a lower bound
        in general (the sphere is (d−1)-dimensional: for d = 2, ``N(S^1, δ) ≈ π/δ``,
        below ``1/δ^2`` once δ < 1/π). ``volumetric_lower_is_theorem`` says which.
    volumetric_lower_is_theorem : bool
    upper : float
        ``(1 + 2r/δ)^d``, a rigorous upper bound on the packing number ``M(S, δ)``
        and hence on ``N(S, δ)`` and on the size of any δ-separated subset of ``S``.
    upper_shell : float
        For the sphere and ``δ <= 2r``: ``(1 + 2r/δ)^d − (2r/δ − 1)^d``, the sharper
        bound from the shell (it grows like ``(2r/δ)^{d-1}``); else equal to
        ``upper``.
    """

    d: int
    delta: float
    r: float
    sphere: bool
    lower: float
    lower_rule: str
    volumetric_lower: float
    volumetric_lower_is_theorem: bool
    upper: float
    upper_shell: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def covering_bounds(d: int, delta: float, r: float = 1.0, sphere: bool = True) -> CoveringBounds:
    """Volumetric bounds on the covering number of the sphere or ball (thm:covering).

    Let ``S = r S^{d-1}`` (sphere) or ``S = r B^d`` (ball), ``N(δ)`` its internal
    covering number and ``M(δ)`` its packing number (pairwise distances ``> δ``).

    **Upper bound (both sets).** ``N(δ) <= M(δ) <= (1 + 2r/δ)^d``. A maximal
    δ-separated subset of ``S`` is a δ-net, and the open balls of radius ``δ/2``
    around a δ-separated subset of ``S`` are disjoint and lie in ``(r + δ/2) B^d``,
    so ``M (δ/2)^d <= (r + δ/2)^d``. For the sphere and ``δ <= 2r`` the balls lie in
    the shell ``r − δ/2 <= ||x|| <= r + δ/2``, which gives ``upper_shell =
    (1 + 2r/δ)^d − (2r/δ − 1)^d``, of order ``d (2r/δ)^{d-1}``.

    **Lower bound, ball.** ``N(δ) >= (r/δ)^d``: N balls of radius δ cover a set of
    volume ``r^d |B^d|``, so ``N δ^d >= r^d``. (This also holds for external covers.)

    **Lower bound, sphere.** A closed ball of radius δ centred at a point of ``S``
    meets ``S`` in a cap of angular radius ``θ = 2 arcsin(min(δ/2r, 1))``; a cover
    needs ``N σ(θ) >= 1``, with σ the normalised cap measure
    ``σ(θ) = ½ I_{sin²θ}((d−1)/2, ½)`` (θ <= π/2). So ``N(δ) >= 1/σ(θ)``. Since
    ``σ(θ) <= (|B^{d-1}|/|S^{d-1}|) θ^{d-1}`` and ``θ <= πδ/(2r)``, this is at least
    ``c_d (2r/(πδ))^{d-1}`` with ``c_d = 2√π Γ((d+1)/2)/Γ(d/2)`` (c_2 = π, c_3 = 4):
    the exponent for the sphere is ``d − 1``, not ``d``. (r/δ)^d is reported as
    ``volumetric_lower`` but is not a theorem for the sphere. For ``d = 1`` the
    "sphere" is two points and ``N = 2`` for ``δ < 2r``.

    Parameters
    ----------
    d : int, ``>= 1``
    delta : float, ``> 0``
    r : float, default 1.0
        Radius of the sphere or ball.
    sphere : bool, default True

    Returns
    -------
    CoveringBounds

    Examples
    --------
    On the circle the cap bound is the arc count ``π/θ``:

    >>> b = covering_bounds(2, 0.1)
    >>> round(b.lower, 3), round(math.pi / (2 * math.asin(0.05)), 3)
    (31.403, 31.403)
    >>> b.volumetric_lower, b.volumetric_lower_is_theorem, round(b.upper, 1)
    (100.0, False, 441.0)
    >>> covering_bounds(3, 0.5, sphere=False).lower
    8.0

    References
    ----------
    Vershynin (2018), Proposition 4.2.12 and Corollary 4.2.13; spec thm:covering.
    """
    d = check_int("d", d, minimum=1)
    delta = check_real("delta", delta, low=0.0)
    r = check_real("r", r, low=0.0)
    if not isinstance(sphere, (bool, np.bool_)):
        raise TypeError(f"sphere must be a bool, got {type(sphere).__name__}")
    sphere = bool(sphere)
    t = delta / r
    upper = _pow(1.0 + 2.0 / t, d)
    volumetric = _pow(1.0 / t, d)
    if not sphere:
        return CoveringBounds(
            d, delta, r, False, volumetric, "(r/delta)^d (volume)", volumetric, True, upper, upper
        )
    if d == 1:
        lower = 2.0 if t < 2.0 else 1.0
        rule = "exact: S^0 is two points at distance 2r"
    else:
        theta = 2.0 * math.asin(min(t / 2.0, 1.0))
        sigma = _cap_fraction(d, theta)
        if sigma > 0.0:
            lower = 1.0 / sigma
            rule = "1/sigma(theta), theta = 2 asin(delta/2r) (cap measure)"
        else:  # underflow: use sigma <= |B^{d-1}| theta^{d-1} / |S^{d-1}|
            log_lower = _log_sphere_over_disc(d) - (d - 1) * math.log(theta)
            lower = math.inf if log_lower > 700 else math.exp(log_lower)
            rule = "|S^{d-1}| / (|B^{d-1}| theta^{d-1}) (cap measure, closed form)"
    shell = upper
    if t <= 2.0:
        shell = upper - _pow(2.0 / t - 1.0, d) if t < 2.0 else upper
        if not math.isfinite(shell):
            shell = upper
    return CoveringBounds(d, delta, r, True, lower, rule, volumetric, False, upper, shell)


@dataclass(frozen=True)
class CoveringEstimate:
    """A sampled covering number of the sphere or ball, with the bounds around it.

    Attributes
    ----------
    d, delta, r, sphere, n_samples
        The set and the sample size.
    estimate : int
        Size of the greedy δ-net of ``n_samples`` uniform points of ``S``.
    certified_lower : int
        Size of the greedy 2δ-net of the same sample: a 2δ-separated subset of ``S``,
        hence a rigorous lower bound on ``N(S, δ)``.
    bounds : CoveringBounds
    vs_lower, vs_volumetric_lower, vs_upper, vs_upper_shell : str
        Where ``estimate`` lands relative to each bound ("above", "below", "equal").
        Landing above ``upper`` would be a bug (the net is δ-separated).
    holdout : BinomialEstimate
        Fresh uniform points of ``S`` within δ of the net (successes), with a
        Clopper–Pearson interval: an estimate of the measure the net covers.
    holdout_max_distance : float
        Largest distance from a fresh point to the net: an under-estimate of the
        net's covering radius on ``S``.
    """

    d: int
    delta: float
    r: float
    sphere: bool
    n_samples: int
    estimate: int
    certified_lower: int
    bounds: CoveringBounds
    vs_lower: str
    vs_volumetric_lower: str
    vs_upper: str
    vs_upper_shell: str
    holdout: BinomialEstimate
    holdout_max_distance: float

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("bounds", "holdout")}
        out["bounds"] = self.bounds.to_dict()
        out["holdout"] = self.holdout.to_dict()
        return out


def covering_number_estimate(
    d: int,
    delta: float,
    r: float = 1.0,
    sphere: bool = True,
    *,
    n_samples: int = 20_000,
    n_holdout: int = 2_000,
    rng: RngLike,
) -> CoveringEstimate:
    """Estimate ``N(S, δ)`` for the sphere ``r S^{d-1}`` or ball ``r B^d`` (thm:covering).

    Draws ``n_samples`` uniform points of ``S`` and runs :func:`greedy_net` on them.
    What the numbers do and do not show:

    * ``estimate`` = |greedy δ-net of the sample|. The net is a δ-separated subset of
      ``S``, so ``estimate <= M(S, δ) <= (1 + 2r/δ)^d`` is a theorem (the upper bound
      can never be exceeded). It is *not* a bound on ``N(S, δ)`` in either direction:
      it is a δ-cover of the *sample* only. If the sample is an η-net of ``S`` the net
      is a (δ+η)-cover of ``S`` and ``N(S, δ+η) <= estimate``; ``holdout`` measures
      how much of ``S`` the net covers within δ, which says how far that is from
      true. When the sample is sparse (the net keeps most of the sample) the estimate
      is capped near ``n_samples`` and says little.
    * ``certified_lower`` = |greedy 2δ-net of the sample| <= ``M(S, 2δ) <= N(S, δ)``
      (a closed δ-ball holds at most one point of a 2δ-separated set): a rigorous
      lower bound on the covering number, whatever the sample.
    * the volumetric bounds of :func:`covering_bounds`; for the sphere the right
      lower bound has exponent ``d − 1`` and ``(r/δ)^d`` may sit above the truth.

    Parameters
    ----------
    d : int, ``>= 1``
    delta : float, ``> 0``
    r : float, default 1.0
    sphere : bool, default True
        Sphere ``r S^{d-1}`` or closed ball ``r B^d``.
    n_samples : int, keyword-only, default 20000
    n_holdout : int, keyword-only, default 2000
        Fresh points for ``holdout``.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, keyword-only

    Returns
    -------
    CoveringEstimate

    Raises
    ------
    TypeError, ValueError
        For ``d < 1``, ``delta <= 0``, ``r <= 0``, non-positive sample sizes or an
        ``rng`` that is not an int seed, a SeedSequence or a Generator.

    Examples
    --------
    >>> est = covering_number_estimate(2, 0.5, n_samples=4000, rng=np.random.default_rng(0))
    >>> est.certified_lower <= 7 <= est.estimate <= est.bounds.upper   # N(S^1, 0.5) = 7
    True
    >>> est.vs_upper, est.vs_lower
    ('below', 'above')

    References
    ----------
    Vershynin (2018), Section 4.2; spec thm:covering.
    """
    bounds = covering_bounds(d, delta, r, sphere)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    n_holdout = check_int("n_holdout", n_holdout, minimum=1)
    rng = as_generator(rng)
    draw = sample_sphere if bounds.sphere else sample_ball
    X = draw(n_samples, bounds.d, rng, bounds.r)
    net = greedy_net(X, bounds.delta)
    certified = greedy_net(X, 2.0 * bounds.delta).size
    Y = draw(n_holdout, bounds.d, rng, bounds.r)
    dist, _ = cKDTree(X[net.indices]).query(Y, k=1)
    covered = int(np.count_nonzero(dist <= bounds.delta))
    holdout = clopper_pearson(
        covered,
        n_holdout,
        0.99,
        parameters={
            "d": bounds.d,
            "delta": bounds.delta,
            "r": bounds.r,
            "sphere": bounds.sphere,
            "net_size": net.size,
        },
    )
    est = net.size
    return CoveringEstimate(
        d=bounds.d,
        delta=bounds.delta,
        r=bounds.r,
        sphere=bounds.sphere,
        n_samples=n_samples,
        estimate=est,
        certified_lower=certified,
        bounds=bounds,
        vs_lower=_side(est, bounds.lower),
        vs_volumetric_lower=_side(est, bounds.volumetric_lower),
        vs_upper=_side(est, bounds.upper),
        vs_upper_shell=_side(est, bounds.upper_shell),
        holdout=holdout,
        holdout_max_distance=float(dist.max()),
    )


# ------------------------------------------------------------------ certified covers of S^1, S^2

#: Unit-norm tolerance of :func:`sphere_covering_radius`'s input.
_UNIT_TOL = 1e-9


def sphere_covering_radius(centres: np.ndarray) -> tuple[float, np.ndarray]:
    """Covering radius of a finite set on the circle or the 2-sphere, and a farthest point.

    The covering radius is ``max_{x ∈ S} min_c ‖x − c‖`` (Euclidean, i.e. chordal,
    distance), ``S = S^{d−1}``:

    * ``d = 2``: sort the centres' angles; the farthest point of the circle is the
      midpoint of the largest angular gap ``g`` and lies at chord ``2 sin(g/4)`` from
      its two neighbours. Exact.
    * ``d = 3``: the farthest point is a vertex of the spherical Voronoi diagram of the
      centres (scipy's ``SphericalVoronoi``) as long as the answer is below ``√2``
      (each Voronoi cell then lies in the open hemisphere about its centre, where the
      distance to the centre is geodesically convex, so its maximum over the convex
      cell sits at a vertex). Exact below ``√2``; above, a lower bound.

    Parameters
    ----------
    centres : ndarray, shape (m, d), d ∈ {2, 3}
        Unit rows (``| ‖c‖ − 1 | <= 1e-9``); for ``d = 3`` at least four, not all on
        one great circle.

    Returns
    -------
    (radius, farthest) : float, ndarray of shape (d,)

    Examples
    --------
    >>> r, x = sphere_covering_radius(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]))
    >>> round(r, 12) == round(2 * math.sin(math.pi / 8), 12)
    True

    References
    ----------
    Spec thm:covering (N(S^1, δ) = ⌈π/(2 arcsin(δ/2))⌉).
    """
    C = as_float_array("centres", centres, (2,))
    m, d = C.shape
    if d not in (2, 3) or m < 1:
        raise ValueError(f"centres must be a non-empty (m, 2) or (m, 3) array, got shape {C.shape}")
    if np.abs(np.linalg.norm(C, axis=1) - 1.0).max() > _UNIT_TOL:
        raise ValueError("centres must be unit vectors (within 1e-9)")
    if d == 2:
        ang = np.sort(np.mod(np.arctan2(C[:, 1], C[:, 0]), 2.0 * math.pi))
        gaps = np.diff(np.r_[ang, ang[0] + 2.0 * math.pi])
        k = int(np.argmax(gaps))
        mid = ang[k] + gaps[k] / 2.0
        return 2.0 * math.sin(gaps[k] / 4.0), np.array([math.cos(mid), math.sin(mid)])
    if m < 4 or np.linalg.matrix_rank(C, tol=1e-9) < 3:
        raise ValueError("centres on S^2 must be at least four points not on one great circle")
    sv = SphericalVoronoi(C / np.linalg.norm(C, axis=1, keepdims=True), radius=1.0, center=np.zeros(3))
    V = sv.vertices / np.linalg.norm(sv.vertices, axis=1, keepdims=True)
    dist, _ = cKDTree(C).query(V, k=1)
    k = int(np.argmax(dist))
    return float(dist[k]), V[k].copy()


@dataclass(frozen=True, eq=False)
class SphereCover:
    """A certified δ-cover of the circle or the 2-sphere (see :func:`sphere_cover`).

    Attributes
    ----------
    d, delta
        The sphere ``S^{d−1}`` and the radius.
    centres : ndarray, shape (size, d)
        Unit rows; every point of ``S^{d−1}`` lies within ``delta`` of one of them.
    covering_radius : float
        :func:`sphere_covering_radius` of ``centres`` (``<= delta``).
    separation : float
        Least pairwise distance of the centres (``> delta``: the cover is also a
        δ-separated set, so ``size <= M(S, δ)``).
    net_size, repairs : int
        Centres from the greedy δ-net of the sample, and points added to close gaps.
    """

    d: int
    delta: float
    centres: np.ndarray
    covering_radius: float
    separation: float
    net_size: int
    repairs: int

    @property
    def size(self) -> int:
        return int(self.centres.shape[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "d": self.d,
            "delta": self.delta,
            "size": self.size,
            "covering_radius": self.covering_radius,
            "separation": self.separation,
            "net_size": self.net_size,
            "repairs": self.repairs,
        }


def sphere_cover(d: int, delta: float, *, rng: RngLike, n_samples: int = 4000) -> SphereCover:
    """A δ-cover of ``S^1`` (d = 2) or ``S^2`` (d = 3) that is also δ-separated (thm:covering).

    The greedy δ-net of ``n_samples`` uniform points covers the sample, not the sphere;
    this closes the gap. While the covering radius of the centres
    (:func:`sphere_covering_radius`, exact here) exceeds δ, the farthest point of the
    sphere is added as a centre. It is more than δ from every centre, so the centres stay
    δ-separated and the loop stops (a δ-separated set of the sphere is finite). The
    result is a δ-cover of the whole sphere: ``N(S, δ) <= size <= M(S, δ) <= (1 + 2/δ)^d``.

    Parameters
    ----------
    d : int, 2 or 3
    delta : float
        In ``(0, 2)`` for the circle, ``(0, √2)`` for the 2-sphere (where the covering
        radius is exact).
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, keyword-only
    n_samples : int, keyword-only, default 4000

    Returns
    -------
    SphereCover

    Raises
    ------
    TypeError, ValueError
        For ``d`` not 2 or 3, ``delta`` outside its range, ``n_samples < 1`` or a bad
        ``rng``.

    Examples
    --------
    >>> c = sphere_cover(2, 0.5, rng=0)
    >>> c.covering_radius <= 0.5 < c.separation, c.size >= 7   # N(S^1, 0.5) = 7
    (True, True)
    """
    d = check_int("d", d, minimum=2)
    if d > 3:
        raise ValueError(f"d must be 2 or 3 (an exact covering radius is needed), got {d}")
    delta = check_real("delta", delta, low=0.0, high=2.0 if d == 2 else math.sqrt(2.0))
    n_samples = check_int("n_samples", n_samples, minimum=1)
    rng = as_generator(rng)
    X = sample_sphere(max(n_samples, 8), d, rng)
    C = X[greedy_net(X, delta).indices]
    net_size = C.shape[0]
    while C.shape[0] < 4 and d == 3:  # the Voronoi diagram needs four centres off one great circle
        far = X[np.argmax(cKDTree(C).query(X, k=1)[0])]
        C = np.vstack([C, far])
    radius, far = sphere_covering_radius(C)
    while radius > delta:
        C = np.vstack([C, far])
        radius, far = sphere_covering_radius(C)
    sep = math.inf
    if C.shape[0] > 1:
        sep = float(cKDTree(C).query(C, k=2)[0][:, 1].min())
    return SphereCover(
        d=d,
        delta=delta,
        centres=_readonly(C),
        covering_radius=float(radius),
        separation=sep,
        net_size=net_size,
        repairs=int(C.shape[0] - net_size),
    )
