"""The bounds of the Index reductions: the query scale ``C`` and Fano's bound on the message.

Index (spec def:index, thm:index-lb): any one-message protocol for ``N`` bits with
average success ``p ≥ 1/2`` sends ``M ≥ (1 − h(p))·N`` bits (Fano). :func:`fano_bound`
gives that ``M`` for a ``p`` and :func:`fano_success_ceiling` the largest ``p`` an
``M``-bit message allows.

The decoding constant: with ``ε ≥ max(max_{i≠j} |⟨k_i, k_j⟩|, max_i |‖k_i‖² − 1|)``, the
logit of Bob's key exceeds every other by ``C(1 − 2ε)``, so with
``C ≥ ln(4(r − 1))/(1 − 2ε)`` (``r`` competing keys) the softmax mass off the key is at
most ``1/5`` and every output coordinate lies within ``1/5`` of its bit (spec
thm:ho25-lb). :func:`reduction_C` computes it;
:func:`tensorkv_check.index.instances.key_coherence` measures the ``ε`` a key set achieves
(both terms are exposed).
"""

from __future__ import annotations

import math

from tensorkv_check._util.validation import check_int
from tensorkv_check.engine.stats import binary_entropy

__all__ = ["reduction_C", "fano_bound", "fano_success_ceiling"]


def reduction_C(rows: int, eps: float) -> float:
    """The query scale ``C = ln(4(r − 1)) / (1 − 2ε)`` of thm:ho25-lb's reduction.

    With ``r`` competing keys whose norms and pairwise inner products are within ``ε``
    of 1 and 0, a query ``C·k_i`` puts softmax mass at most ``1/5`` off key ``i``.

    Parameters
    ----------
    rows : int
        Number of distinct competing keys, ``>= 2``.
    eps : float
        Near-orthogonality, ``0 <= eps < 1/2``.

    Examples
    --------
    >>> round(reduction_C(2, 0.25), 6)  # ln 4 / (1/2)
    2.772589

    References
    ----------
    Haris and Onak 2025; spec thm:ho25-lb.
    """
    rows = check_int("rows", rows, minimum=2)
    if not 0 <= eps < 0.5:
        raise ValueError(f"eps must be in [0, 1/2) for the reduction's C, got {eps}")
    return math.log(4.0 * (rows - 1)) / (1.0 - 2.0 * eps)


def fano_bound(p: float, N: int) -> float:
    """Fano's lower bound ``(1 − h(max(p, 1/2)))·N`` on the message bits (thm:index-lb).

    Fano's form of the Index bound holds for average success ``p ≥ 1/2`` (``h`` is
    decreasing there); a success below 1/2 implies nothing, so ``p`` is clipped at
    1/2 and the bound is then 0.

    Examples
    --------
    >>> fano_bound(1.0, 100), fano_bound(0.3, 100)
    (100.0, 0.0)
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    return (1.0 - binary_entropy(max(float(p), 0.5))) * N


def fano_success_ceiling(M: float, N: int) -> float:
    """Largest average success Fano allows an ``M``-bit message on ``N`` bits.

    The ``p ∈ [1/2, 1]`` with ``(1 − h(p))·N = M``, or 1 when ``M ≥ N``.

    Examples
    --------
    >>> round(fano_success_ceiling(50, 100), 4)  # h(p) = 1/2
    0.89
    """
    if M >= N:
        return 1.0
    if M <= 0:
        return 0.5
    target = 1.0 - M / N  # h(p) = target on [1/2, 1]
    lo, hi = 0.5, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if binary_entropy(mid) > target:
            lo = mid
        else:
            hi = mid
    return lo
