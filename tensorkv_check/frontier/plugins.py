"""Compressors from installed packages, found through the ``tensorkv_check.compressors`` entry points.

A package makes its KV-cache compressor available to the compressibility frontier and to
``tensorkv-check audit`` by declaring, in its ``pyproject.toml``::

    [project.entry-points."tensorkv_check.compressors"]
    mycache = "mypackage.cache:MyCache"

The object is a *factory* called as ``obj(d, **params)`` that returns an object
implementing the cache-algorithm protocol (:mod:`tensorkv_check.engine.protocol`), e.g.
a class ``MyCache(d, scale=None, *, bits=4)`` or one made by the adapters of
:mod:`tensorkv_check.audit.adapters`. It may carry a default budget grid as an attribute
``audit_params = {"bits": [1, 2, 4]}``.

A plugin that cannot be imported, or whose object is not callable, is *broken*: it is
reported by name with the error and skipped, never raised, so one bad package cannot
crash a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

__all__ = ["ENTRY_POINT_GROUP", "Plugin", "PluginScan", "load_plugins", "plugin_entries", "plugin_frontier"]

#: Entry-point group under which packages register compressors.
ENTRY_POINT_GROUP = "tensorkv_check.compressors"


@dataclass(frozen=True)
class Plugin:
    """One loaded compressor plugin.

    Attributes
    ----------
    name : str
        Entry-point name (what ``audit NAME`` and the frontier call it).
    value : str
        ``"module:object"`` as declared.
    distribution : str or None
        The installed distribution declaring it.
    factory : callable
        The loaded object, called ``factory(d, **params)``.
    params : dict
        Default budget grid (the object's ``audit_params``; empty if none).
    """

    name: str
    value: str
    distribution: str | None
    factory: Callable[..., Any] = field(compare=False, repr=False)
    params: dict[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class PluginScan:
    """Result of :func:`load_plugins`: the loaded plugins and the broken ones (name -> error)."""

    plugins: dict[str, Plugin]
    broken: dict[str, str]

    def summary(self) -> list[str]:
        """One line per plugin, broken ones marked and explained."""
        lines = [
            f"{p.name}  {p.value}  ({p.distribution or 'unknown distribution'})"
            for p in sorted(self.plugins.values(), key=lambda p: p.name)
        ]
        lines += [f"{name}  BROKEN, skipped: {err}" for name, err in sorted(self.broken.items())]
        return lines


def _grid(obj: Any) -> dict[str, tuple[Any, ...]]:
    raw = getattr(obj, "audit_params", None)
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise TypeError(f"audit_params must be a dict of parameter name -> list of values, got {raw!r}")
    out = {}
    for k, v in raw.items():
        vals = tuple(v) if isinstance(v, (list, tuple)) else (v,)
        if not vals:
            raise ValueError(f"audit_params[{k!r}] is empty")
        out[k] = vals
    return out


def load_plugins(group: str = ENTRY_POINT_GROUP, entry_points: Iterable[Any] | None = None) -> PluginScan:
    """Load every compressor registered under ``group``; report and skip broken ones.

    Parameters
    ----------
    group : str
        Entry-point group (default :data:`ENTRY_POINT_GROUP`).
    entry_points : iterable, optional
        Entry points to load instead of the installed ones (for tests); each needs
        ``name``, ``value`` and ``load()``.

    Returns
    -------
    PluginScan
        Never raises for a plugin's fault: an import error, a non-callable object, a bad
        ``audit_params`` or a name registered twice lands in ``broken`` with the reason.
    """
    eps = list(metadata.entry_points(group=group) if entry_points is None else entry_points)
    plugins: dict[str, Plugin] = {}
    broken: dict[str, str] = {}
    seen: dict[str, int] = {}
    for ep in eps:
        seen[ep.name] = seen.get(ep.name, 0) + 1
    for ep in sorted(eps, key=lambda e: (e.name, e.value)):
        name = ep.name
        if seen[name] > 1:
            broken[name] = (
                f"registered {seen[name]} times (values: "
                + ", ".join(sorted(e.value for e in eps if e.name == name))
                + ")"
            )
            continue
        try:
            obj = ep.load()
            if not callable(obj):
                raise TypeError(
                    f"{ep.value} is a {type(obj).__name__}, not a factory callable as obj(d, **params)"
                )
            grid = _grid(obj)
        except Exception as exc:  # a plugin's fault must never crash the caller
            broken[name] = f"{type(exc).__name__}: {exc}"
            continue
        dist = getattr(getattr(ep, "dist", None), "name", None)
        plugins[name] = Plugin(name=name, value=ep.value, distribution=dist, factory=obj, params=grid)
    return PluginScan(plugins=plugins, broken=broken)


def plugin_entries(scan: PluginScan | None = None) -> dict[str, Any]:
    """Plugins as frontier catalogue entries (:class:`tensorkv_check.frontier.CatalogueEntry`).

    Only plugins with exactly one budget parameter in ``audit_params`` become entries:
    ``build(mode, budget, seed, scale) -> factory(d)`` calls ``obj(d, scale, **{param:
    budget})`` (``scale`` passed only when given). The mode is not passed: a plugin
    ingests the input kinds it declares in ``inputs``. The entry's ``budget`` text names
    the parameter and its default values; its family is ``"plugin"``.
    """
    from tensorkv_check.frontier import CatalogueEntry

    scan = load_plugins() if scan is None else scan
    out: dict[str, Any] = {}
    for name, p in sorted(scan.plugins.items()):
        if len(p.params) != 1:
            continue
        ((param, values),) = p.params.items()

        def build(mode: str, budget: float, seed: int, scale: float | None, *, _f=p.factory, _k=param):
            if scale is None:
                return lambda d: _f(d, **{_k: budget})
            return lambda d: _f(d, scale, **{_k: budget})

        out[name] = CatalogueEntry(name, "plugin", f"{param} in {list(values)} (plugin {p.value})", build)
    return out


def plugin_frontier(scan: PluginScan | None = None, d: int = 8) -> dict[str, dict[str, Any]]:
    """What the frontier sweep needs to run each plugin: entry, budgets and input kinds.

    Returns
    -------
    dict
        ``{name: {"entry": CatalogueEntry, "budgets": [...], "inputs": [...]}}`` for every
        plugin of :func:`plugin_entries`; ``inputs`` are the input kinds of an object built
        at the first budget (``obj(d)``), so a sweep adds a plugin only to the models whose
        kind it ingests. A plugin whose object cannot be built lands in ``scan.broken``
        (the returned scan is mutated in place) and is skipped.
    """
    scan = load_plugins() if scan is None else scan
    out: dict[str, dict[str, Any]] = {}
    for name, entry in plugin_entries(scan).items():
        p = scan.plugins[name]
        ((param, values),) = p.params.items()
        try:
            inputs = sorted(p.factory(d, **{param: values[0]}).inputs)
        except Exception as exc:  # a plugin's fault must never crash the sweep
            scan.broken[name] = f"{type(exc).__name__}: {exc}"
            continue
        out[name] = {"entry": entry, "budgets": list(values), "inputs": inputs}
    return out
