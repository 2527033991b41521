"""A pytest helper for compressor authors: the lower bounds as an assertion.

    from tensorkv_check.audit import check_compressor

    def test_my_cache_is_honest():
        check_compressor(MyCache, budgets={"bits": [1, 2, 4]})

:func:`check_compressor` runs the audit of :mod:`tensorkv_check.audit.oracle` (Index
instances of every model the compressor ingests, Bob in the same process, fixed seeds,
family-wise α = :data:`tensorkv_check.audit.oracle.ALPHA`) and raises
``AssertionError`` with the evidence when the compressor beats Fano's bound
``M ≥ (1 − h(p))·N`` (thm:index-lb via thm:ho25-lb, thm:four-cache-lb,
thm:two-cache-lb) or breaks the protocol: ``from_bytes(to_bytes())`` not reproducing
``query``, a message that changes after sending, state leaking between instances, a
missing or wrong protocol member.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tensorkv_check.audit.oracle import run_audit
from tensorkv_check.audit.report import summary_lines
from tensorkv_check.audit.target import AuditUsageError, target_from_factory

__all__ = ["check_compressor"]


def check_compressor(
    factory: Callable[..., Any],
    budgets: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None = None,
    models: Sequence[str] | None = None,
    *,
    seed: int = 0,
    profile: str = "quick",
    name: str | None = None,
) -> dict[str, Any]:
    """Assert that ``factory``'s compressor is consistent with the Index lower bounds.

    Parameters
    ----------
    factory : callable
        ``factory(d, **params)`` returning a cache-algorithm object (a protocol class,
        or one made by :func:`tensorkv_check.audit.codec`, :func:`~tensorkv_check.audit.eviction`
        or :func:`~tensorkv_check.audit.tensor_codec`).
    budgets : dict or list of dict, optional
        ``{"bits": [1, 2, 4]}`` (every combination) or explicit parameter dicts; default
        the factory's ``audit_params`` (or no parameters).
    models : sequence of str, optional
        Index models (default: all the compressor ingests).
    seed : int
        Seed of the instances and of Bob's queries.
    profile : {"quick", "full"}
    name : str, optional
        Name shown in the evidence (default the factory's ``__qualname__``).

    Returns
    -------
    dict
        The audit data (:func:`tensorkv_check.audit.run_audit`), when consistent.

    Raises
    ------
    AssertionError
        With the verdict and its evidence (point, instance, seed, replay command) when
        a point beats Fano's bound or the protocol is broken or not implemented.
    """
    label = name or getattr(factory, "__qualname__", None) or repr(factory)
    try:
        target = target_from_factory(factory, label, label=label)
        params: Any = (
            None
            if budgets is None
            else (dict(budgets) if isinstance(budgets, Mapping) else [dict(b) for b in budgets])
        )
        audit = run_audit(
            target,
            params,
            models=models,
            profile=profile,
            seed=seed,
            reference=False,
            plugins=False,
            benign=False,
        )
    except AuditUsageError as exc:
        raise AssertionError(f"{label}: {exc}") from None
    if audit["verdict"]["status"] != "consistent":
        raise AssertionError("\n".join(summary_lines(audit)))
    return audit
