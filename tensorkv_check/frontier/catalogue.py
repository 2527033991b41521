"""The catalogue of practical KV-cache compressors run as Alice's algorithm in the Index reductions.

The compressibility frontier: Chen et al. 2025 (arXiv 2503.11108; thm:four-cache-lb,
thm:two-cache-lb) and Haris and Onak 2025 (thm:ho25-lb) prove that no compressor beats
``Ω(N)`` message bits on worst-case inputs; :data:`CATALOGUE` lists the compressors
practitioners use (the NVIDIA kvpress catalogue is the map) so that
:mod:`tensorkv_check.frontier.sweep` can place them against Fano's bound
``M ≥ (1 − h(p))·N`` (thm:index-lb). Each entry turns a budget value into a factory
``factory(d)`` of a cache algorithm:

``exact``
    The model's float64 decoder (:mod:`tensorkv_check.engine.caches`).
``random``, ``knorm``, ``window``, ``h2o``
    Eviction (:mod:`tensorkv_check.frontier.eviction`), budget the keep-fraction ``f``.
``quant``
    :class:`~tensorkv_check.frontier.quantization.UniformQuantizer`, budget bits ``b``.
``qjl``
    :class:`~tensorkv_check.frontier.sketch.SignSketch`, budget sketch rows per dimension.
``lowrank``
    :class:`~tensorkv_check.frontier.lowrank.LowRankSVD`, budget the rank fraction ``r/d``.
``subgen``
    SubGen, SubGen2Cache, SubGen4Cache (:mod:`tensorkv_check.subgen`), as they are.

The modes (:data:`MODES`) and the kind codes of the compressors' byte headers
(:data:`COMPRESSOR_KIND_CODES`) are re-exported here from the shared base.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tensorkv_check._util.validation import check_choice, check_int
from tensorkv_check.frontier._compressor import COMPRESSOR_KIND_CODES, MODES
from tensorkv_check.frontier.eviction import (
    AttentionScoreEviction,
    KeyNormEviction,
    RandomEviction,
    WindowEviction,
)
from tensorkv_check.frontier.lowrank import LowRankSVD
from tensorkv_check.frontier.quantization import UniformQuantizer
from tensorkv_check.frontier.sketch import SignSketch

__all__ = ["COMPRESSOR_KIND_CODES", "MODES", "CatalogueEntry", "CATALOGUE", "make_factory", "subgen_factory"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One compressor of the frontier: how a budget value becomes a factory.

    Attributes
    ----------
    name : str
        Catalogue key (figure label).
    family : str
        ``"exact"``, ``"eviction"``, ``"quantization"``, ``"sketch"``, ``"low-rank"``
        or ``"subgen"``.
    budget : str
        What the budget number means.
    build : callable
        ``build(mode, budget, seed, scale) -> factory(d)``.
    """

    name: str
    family: str
    budget: str
    build: Callable[[str, float, int, float | None], Callable[[int], Any]]


def _exact(mode: str, budget: float, seed: int, scale: float | None) -> Callable[[int], Any]:
    from tensorkv_check.engine.caches import FourCacheDecoder, StandardDecoder, TwoCacheDecoder

    cls = {"kv": StandardDecoder, "factors": FourCacheDecoder, "rows": TwoCacheDecoder}[mode]
    return lambda d: cls(d, scale) if scale is not None else cls(d)


def subgen_factory(
    mode: str, s: int, seed: int, scale: float | None = None, *, delta: float = 2.0, t: int = 4
) -> Callable[[int], Any]:
    """``factory(d)`` of SubGen (``kv``), SubGen2Cache (``rows``) or SubGen4Cache (``factors``).

    ``s`` value samples, clustering radius ``delta`` (both factors in the factor mode),
    ``t`` samples per cluster, generator seeded by ``seed`` (:mod:`tensorkv_check.subgen`).
    """
    from tensorkv_check.subgen import SubGen, SubGen2Cache, SubGen4Cache

    if mode not in MODES:
        raise ValueError(f"subgen: mode must be one of {sorted(MODES)}, got {mode!r}")
    s = check_int("s", s, minimum=1)
    if mode == "factors":
        return lambda d: SubGen4Cache(d, scale, delta1=delta, t1=t, s=s, rng=seed)
    cls = SubGen if mode == "kv" else SubGen2Cache
    return lambda d: cls(d, scale, delta=delta, t=t, s=s, rng=seed)


def _rank_of(budget: float, d: int) -> int:
    return max(1, min(d, int(round(budget * d))))


CATALOGUE: dict[str, CatalogueEntry] = {
    "exact": CatalogueEntry("exact", "exact", "none (float64 decoder of the model)", _exact),
    "random": CatalogueEntry(
        "random",
        "eviction",
        "keep-fraction f",
        lambda m, b, s, c: lambda d: RandomEviction(d, c, fraction=b, seed=s, mode=m),
    ),
    "knorm": CatalogueEntry(
        "knorm",
        "eviction",
        "keep-fraction f",
        lambda m, b, s, c: lambda d: KeyNormEviction(d, c, fraction=b, mode=m),
    ),
    "window": CatalogueEntry(
        "window",
        "eviction",
        "keep-fraction f (plus 4 sinks)",
        lambda m, b, s, c: lambda d: WindowEviction(d, c, fraction=b, sinks=4, mode=m),
    ),
    "h2o": CatalogueEntry(
        "h2o",
        "eviction",
        "keep-fraction f",
        lambda m, b, s, c: lambda d: AttentionScoreEviction(d, c, fraction=b, mode=m),
    ),
    "quant": CatalogueEntry(
        "quant",
        "quantization",
        "bits b per entry",
        lambda m, b, s, c: lambda d: UniformQuantizer(d, c, bits=int(b), mode=m),
    ),
    "qjl": CatalogueEntry(
        "qjl",
        "sketch",
        "sketch rows per head dimension m/d (values 4-bit)",
        lambda m, b, s, c: (
            lambda d: SignSketch(d, c, sketch_dim=max(1, int(round(b * d))), value_bits=4, seed=s, mode=m)
        ),
    ),
    "lowrank": CatalogueEntry(
        "lowrank",
        "low-rank",
        "rank fraction r/d",
        lambda m, b, s, c: lambda d: LowRankSVD(d, c, rank=_rank_of(b, d), mode=m),
    ),
    "subgen": CatalogueEntry(
        "subgen",
        "subgen",
        "value samples s (δ = 2, t = 4)",
        lambda m, b, s, c: subgen_factory(m, int(b), s, c),
    ),
}


def make_factory(
    name: str, mode: str, budget: float, *, seed: int = 0, scale: float | None = None
) -> Callable[[int], Any]:
    """``factory(d)`` for catalogue entry ``name`` at ``budget`` in ``mode``.

    Raises
    ------
    ValueError
        Unknown name or mode; the budget is validated when the factory is called
        (the compressor's constructor names the parameter).
    """
    entry = catalogue_entry(name)
    check_choice("mode", mode, MODES)
    return entry.build(mode, budget, seed, scale)


def catalogue_entry(name: str) -> CatalogueEntry:
    """The built-in family ``name`` of :data:`CATALOGUE`, else the installed plugin of that
    name (:mod:`tensorkv_check.frontier.plugins`, looked up when asked, so a worker process
    finds the same plugins as the process that planned the sweep).

    Raises
    ------
    ValueError
        If ``name`` is neither a built-in family nor a working plugin.
    """
    if name in CATALOGUE:
        return CATALOGUE[name]
    from tensorkv_check.frontier.plugins import plugin_entries

    plugins = plugin_entries()
    if name in plugins:
        return plugins[name]
    raise ValueError(
        f"compressor must be one of {sorted(CATALOGUE)} or an installed plugin "
        f"({', '.join(sorted(plugins)) or 'none installed'}), got {name!r}"
    )
