"""Near-orthogonal packings: many unit vectors with pairwise ``|<u, v>| <= ε`` (lem:near-orthogonal).

Greedy over random candidates (or ``<u, v> <= ε`` one-sided), with sizes against
``e^{c d}`` (:func:`packing_growth`) and the known kissing numbers as a ceiling at
``ε = 1/2``. Spec item **lem:near-orthogonal** of Chen et al. 2025 (arXiv 2503.11108).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tensorkv_check._util.rng import RngLike, as_generator
from tensorkv_check._util.validation import check_int, check_probability
from tensorkv_check.geometry._checks import _readonly
from tensorkv_check.geometry.nets import _lex_first_independent

__all__ = [
    "KISSING_NUMBERS",
    "Packing",
    "near_orthogonal_packing",
    "PackingGrowth",
    "packing_growth",
]

#: Known kissing numbers tau_d: the largest number of unit vectors with pairwise
#: ``<u, v> <= 1/2`` (angles >= 60 degrees). d = 1, 2 trivial; d = 3 Schütte and
#: van der Waerden 1953; d = 4 Musin 2008; d = 8, 24 Levenshtein 1979 and
#: Odlyzko–Sloane 1979.
KISSING_NUMBERS = {1: 2, 2: 6, 3: 12, 4: 24, 8: 240, 24: 196560}


@dataclass(frozen=True, eq=False)
class Packing:
    """Unit vectors with pairwise ``|<u, v>| <= eps`` (or ``<u, v> <= eps``).

    Attributes
    ----------
    vectors : ndarray, shape (size, d)
        Unit rows; the best restart's set.
    d : int
    eps : float
    two_sided : bool
        True: the constraint is ``|<u, v>| <= eps`` (a set of lines: ``u`` and ``-u``
        never both appear). False: ``<u, v> <= eps`` (a spherical code with minimum
        angle ``arccos eps``).
    max_inner : float
        The largest ``|<u, v>|`` (two-sided) or ``<u, v>`` (one-sided) over pairs, as
        computed in float64 (``-inf`` for a single vector).
    restart_sizes : tuple of int
        Size reached by each restart.
    candidates_per_restart : int
    """

    vectors: np.ndarray
    d: int
    eps: float
    two_sided: bool
    max_inner: float
    restart_sizes: tuple[int, ...]
    candidates_per_restart: int

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])


def _greedy_code(
    d: int,
    eps: float,
    two_sided: bool,
    rng: np.random.Generator,
    n_candidates: int,
    batch: int,
    max_size: int | None,
) -> np.ndarray:
    A = np.empty((0, d))
    drawn = 0
    while drawn < n_candidates and (max_size is None or A.shape[0] < max_size):
        b = min(batch, n_candidates - drawn)
        C = rng.standard_normal((b, d))
        C /= np.linalg.norm(C, axis=1, keepdims=True)
        drawn += b
        if A.shape[0]:
            G = C @ A.T
            ok = (np.abs(G) if two_sided else G).max(axis=1) <= eps
            C = C[ok]
        if C.shape[0] == 0:
            continue
        G = C @ C.T
        conflict = (np.abs(G) if two_sided else G) > eps
        pi, pj = np.nonzero(np.triu(conflict, 1))
        keep = _lex_first_independent(pi, pj, C.shape[0])
        A = np.vstack([A, C[keep]])
    if max_size is not None:
        A = A[:max_size]
    return A


def near_orthogonal_packing(
    d: int,
    eps: float,
    rng: RngLike,
    *,
    two_sided: bool = True,
    n_candidates: int = 20_000,
    restarts: int = 3,
    batch: int = 1024,
    max_size: int | None = None,
) -> Packing:
    """A large set of unit vectors with pairwise ``|<u, v>| <= eps`` (lem:near-orthogonal).

    Greedy over a stream of uniform random unit vectors: a candidate is kept iff it
    satisfies the constraint with every vector kept before it (exact sequential
    greedy, vectorised per batch of candidates). ``restarts`` independent streams are
    run and the largest set is returned.

    What is counted: with ``two_sided=True`` the constraint ``|<u, v>| <= eps`` forbids
    ``u`` together with ``-u``, so the size counts *lines*. A set of ``L`` such lines
    gives ``2L`` unit vectors with pairwise ``<u, v> <= eps``, so for ``eps = 1/2``
    ``L <= tau_d / 2`` (``tau_d`` the kissing number: 3, 6, 12 for d = 2, 3, 4).
    With ``two_sided=False`` the constraint is one-sided and the set is a spherical
    code with minimum angle ``arccos eps``; for ``eps = 1/2`` its size is at most
    ``tau_d`` (:data:`KISSING_NUMBERS`).

    lem:near-orthogonal guarantees size ``n`` for random vectors when
    ``d >= 2 ln(n^2/δ)/eps^2``, i.e. ``n = sqrt(δ) e^{eps^2 d / 4}``; the greedy set
    is typically much larger (see :func:`packing_growth`).

    Parameters
    ----------
    d : int, ``>= 1``
    eps : float in (0, 1)
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
    two_sided : bool, keyword-only, default True
    n_candidates : int, keyword-only, default 20000
        Candidates drawn per restart.
    restarts : int, keyword-only, default 3
    batch : int, keyword-only, default 1024
    max_size : int, optional, keyword-only
        Stop a restart once it reaches this size.

    Returns
    -------
    Packing

    Raises
    ------
    TypeError, ValueError
        For ``d < 1``, ``eps`` outside (0, 1), non-positive counts, or a bad ``rng``.

    Examples
    --------
    In the plane at most 3 lines are pairwise at least 60 degrees apart:

    >>> p = near_orthogonal_packing(2, 0.5, np.random.default_rng(0))
    >>> p.size <= 3, p.max_inner <= 0.5
    (True, True)

    References
    ----------
    Haris and Onak 2025 (near-orthogonal keys); Conway, Hardin and Sloane 1996,
    "Packing lines, planes, etc."; spec lem:near-orthogonal, thm:covering.
    """
    d = check_int("d", d, minimum=1)
    eps = check_probability("eps", eps)
    rng = as_generator(rng)
    if not isinstance(two_sided, (bool, np.bool_)):
        raise TypeError(f"two_sided must be a bool, got {type(two_sided).__name__}")
    n_candidates = check_int("n_candidates", n_candidates, minimum=1)
    restarts = check_int("restarts", restarts, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    if max_size is not None:
        max_size = check_int("max_size", max_size, minimum=1)
    best: np.ndarray | None = None
    sizes = []
    for _ in range(restarts):
        A = _greedy_code(d, eps, bool(two_sided), rng, n_candidates, batch, max_size)
        sizes.append(int(A.shape[0]))
        if best is None or A.shape[0] > best.shape[0]:
            best = A
    assert best is not None  # restarts >= 1
    if best.shape[0] >= 2:
        G = best @ best.T
        G = np.abs(G) if two_sided else G
        max_inner = float(G[np.triu_indices(best.shape[0], 1)].max())
    else:
        max_inner = -math.inf
    return Packing(
        vectors=_readonly(best),
        d=d,
        eps=eps,
        two_sided=bool(two_sided),
        max_inner=max_inner,
        restart_sizes=tuple(sizes),
        candidates_per_restart=n_candidates,
    )


@dataclass(frozen=True)
class PackingGrowth:
    """Greedy packing sizes against the dimension, with a fitted ``e^{a + c d}``.

    Attributes
    ----------
    ds, sizes : tuple of int
    eps : float
    two_sided : bool
    c, a : float
        Least-squares fit of ``log(size) = a + c d``.
    lemma_sizes : tuple of float
        ``e^{eps^2 d / 4}``: the size lem:near-orthogonal guarantees for random
        vectors at failure probability ``δ = 1`` (multiply by ``sqrt(δ)``).
    """

    ds: tuple[int, ...]
    sizes: tuple[int, ...]
    eps: float
    two_sided: bool
    c: float
    a: float
    lemma_sizes: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def packing_growth(ds, eps: float, rng: RngLike, **kwargs: Any) -> PackingGrowth:
    """Run :func:`near_orthogonal_packing` for each ``d`` in ``ds`` and fit ``e^{a + c d}``.

    thm:covering: packings of size ``e^{Θ(d)}`` with pairwise ``|<u,v>| <= eps`` exist.

    Parameters
    ----------
    ds : sequence of int
        At least two distinct dimensions.
    eps : float in (0, 1)
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
    **kwargs
        Passed to :func:`near_orthogonal_packing`.

    Examples
    --------
    >>> g = packing_growth([2, 3, 4], 0.5, np.random.default_rng(1), n_candidates=2000)
    >>> g.sizes[0] <= 3 and g.c > 0
    True
    """
    ds = tuple(check_int("ds", x, minimum=1) for x in ds)
    if len(set(ds)) < 2:
        raise ValueError(f"ds must hold at least two distinct dimensions, got {ds}")
    eps = check_probability("eps", eps)
    rng = as_generator(rng)
    sizes = tuple(near_orthogonal_packing(x, eps, rng, **kwargs).size for x in ds)
    c, a = np.polyfit(np.asarray(ds, float), np.log(np.asarray(sizes, float)), 1)
    return PackingGrowth(
        ds=ds,
        sizes=sizes,
        eps=eps,
        two_sided=bool(kwargs.get("two_sided", True)),
        c=float(c),
        a=float(a),
        lemma_sizes=tuple(math.exp(eps * eps * x / 4) for x in ds),
    )
