"""What an audit runs: a compressor named on the command line, checked against the protocol.

A *target* is one of

* ``MODULE:OBJECT``: ``MODULE`` a dotted module name or a path to a ``.py`` file,
  ``OBJECT`` a factory called as ``OBJECT(d, **params)`` (a class such as
  ``MyCache(d, scale=None, *, bits=4)``, or a class made by
  :mod:`tensorkv_check.audit.adapters`) returning an object of the cache-algorithm
  protocol (:mod:`tensorkv_check.engine.protocol`);
* the name of a plugin registered under the ``tensorkv_check.compressors`` entry points
  (:mod:`tensorkv_check.frontier.plugins`);
* the name of a built-in frontier family (:data:`tensorkv_check.frontier.CATALOGUE`),
  with one parameter ``budget``.

:func:`check_protocol` exercises a target once on a tiny input and raises
:class:`AuditUsageError` naming the member that is missing or wrong, so ``audit``
exits 2 before any measurement.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import itertools
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tensorkv_check.engine.protocol import INPUT_KINDS
from tensorkv_check.index import MODEL_INPUT, MODELS

__all__ = [
    "AuditUsageError",
    "Target",
    "BUILTIN_GRIDS",
    "load_target",
    "target_from_factory",
    "parse_param",
    "param_grid",
    "check_protocol",
    "models_for",
]


class AuditUsageError(ValueError):
    """A usage error of the audit: bad target, bad ``--param``, protocol not implemented (exit 2)."""


#: Default budget grids of the built-in frontier families (parameter ``budget``).
BUILTIN_GRIDS: dict[str, tuple[float, ...]] = {
    "exact": (0,),
    "random": (0.25, 0.5, 0.9),
    "knorm": (0.25, 0.5, 0.9),
    "window": (0.25, 0.5, 0.9),
    "h2o": (0.25, 0.5, 0.9),
    "quant": (1, 2, 4, 8),
    "qjl": (0.25, 1.0, 4.0),
    "lowrank": (0.125, 0.5, 1.0),
    "subgen": (16, 256),
}

#: Compressor mode of the built-in families on each model.
_BUILTIN_MODE = {
    "standard": "kv",
    "four-cache": "factors",
    "two-cache": "rows",
    "two-cache-structured": "factors",
}


@dataclass(frozen=True)
class Target:
    """A compressor under audit.

    Attributes
    ----------
    spec : str
        How the command line names it (used in replay commands).
    label : str
        Short name for figures.
    kind : str
        ``"object"`` (``MODULE:OBJECT``), ``"plugin"`` or ``"builtin"``.
    models : tuple of str
        The Index models whose input kind it ingests (:data:`tensorkv_check.index.MODELS` order).
    default_params : dict
        Default budget grid (``audit_params`` of the object, or :data:`BUILTIN_GRIDS`).
    make : callable
        ``make(model, params) -> factory(d)``.
    """

    spec: str
    label: str
    kind: str
    models: tuple[str, ...]
    default_params: dict[str, tuple[Any, ...]]
    make: Callable[[str, dict[str, Any]], Callable[[int], Any]] = field(compare=False, repr=False)


# ------------------------------------------------------------------ parameters


def _value(text: str) -> Any:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        v = float(t)
    except ValueError:
        if t in ("True", "False"):
            return t == "True"
        return t
    if not math.isfinite(v):
        raise AuditUsageError(f"bad --param value {text!r}: must be finite")
    return v


def parse_param(text: str) -> tuple[str, tuple[Any, ...]]:
    """``"NAME=V1,V2,..."`` -> ``(NAME, (V1, V2, ...))``; numbers become int or float.

    Raises
    ------
    AuditUsageError
        No ``=``, an empty or non-identifier name, or an empty value.

    Examples
    --------
    >>> parse_param("bits=1,2,4")
    ('bits', (1, 2, 4))
    """
    if "=" not in text:
        raise AuditUsageError(f"bad --param {text!r}: expected NAME=V1,V2,...")
    name, _, vals = text.partition("=")
    name = name.strip()
    if not name.isidentifier():
        raise AuditUsageError(f"bad --param {text!r}: {name!r} is not a parameter name")
    parts = [p for p in vals.split(",")]
    if not parts or any(not p.strip() for p in parts):
        raise AuditUsageError(f"bad --param {text!r}: empty value (expected NAME=V1,V2,...)")
    return name, tuple(_value(p) for p in parts)


def param_grid(params: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of the parameter values, names in sorted order (``[{}]`` if none)."""
    names = sorted(params)
    return [dict(zip(names, combo)) for combo in itertools.product(*(params[n] for n in names))]


def models_for(inputs: Any) -> tuple[str, ...]:
    """The Index models whose input kind is in ``inputs``."""
    return tuple(m for m in MODELS if MODEL_INPUT[m] in set(inputs))


# ------------------------------------------------------------------ loading


def _load_module(module: str) -> Any:
    path = Path(module)
    if module.endswith(".py") or path.suffix == ".py" or "/" in module or "\\" in module:
        if not path.is_file():
            raise AuditUsageError(f"cannot load {module!r}: no such file")
        path = path.resolve()
        # A stable module name per file, so classes pickle and re-imports find the same module.
        modname = (
            "tensorkv_audit_target_"
            + "_".join(p for p in path.with_suffix("").parts if p.isidentifier())[-80:]
        )
        if modname in sys.modules and getattr(sys.modules[modname], "__file__", None) == str(path):
            return sys.modules[modname]
        spec = importlib.util.spec_from_file_location(modname, path)
        if spec is None or spec.loader is None:
            raise AuditUsageError(f"cannot load {module!r} as a Python file")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        try:
            spec.loader.exec_module(mod)
        except Exception as exc:
            del sys.modules[modname]
            raise AuditUsageError(f"importing {module!r} failed: {type(exc).__name__}: {exc}") from exc
        return mod
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise AuditUsageError(f"cannot import module {module!r}: {exc}") from exc


def _object_params(obj: Any) -> dict[str, tuple[Any, ...]]:
    raw = getattr(obj, "audit_params", None)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AuditUsageError(f"audit_params must be a dict NAME -> list of values, got {type(raw).__name__}")
    return {str(k): tuple(v) if isinstance(v, (list, tuple)) else (v,) for k, v in raw.items()}


def target_from_factory(
    factory: Callable[..., Any], spec: str, *, kind: str = "object", label: str | None = None
) -> Target:
    """A :class:`Target` for a factory ``factory(d, **params)``.

    The supported models come from the ``inputs`` of an object built with the first
    point of the default grid (or no parameters).

    Raises
    ------
    AuditUsageError
        ``factory`` is not callable, or its product does not declare valid ``inputs``.
    """
    if not callable(factory):
        raise AuditUsageError(
            f"{spec}: a {type(factory).__name__} instance is not a factory; give a class or a function "
            "called as OBJECT(d, **params) that returns a cache-algorithm object"
        )
    if isinstance(factory, type):
        missing = [
            m
            for m in ("ingest", "to_bytes", "from_bytes", "query")
            if not callable(getattr(factory, m, None))
        ]
        if missing:
            raise AuditUsageError(
                f"{spec}: {factory.__qualname__} does not implement the cache-algorithm protocol "
                f"(tensorkv_check.engine.protocol): missing method(s) {', '.join(missing)}"
            )
    defaults = _object_params(factory)
    first = param_grid(defaults)[0]
    probe = _build(factory, spec, 8, first)
    inputs = getattr(probe, "inputs", None)
    if (
        not isinstance(inputs, (set, frozenset, tuple, list))
        or not set(inputs)
        or not set(inputs) <= set(INPUT_KINDS)
    ):
        raise AuditUsageError(
            f"{spec}: inputs must be a non-empty set of input kinds from {sorted(INPUT_KINDS)}, "
            f"got {inputs!r}"
        )
    name = label or getattr(factory, "__name__", None) or spec
    return Target(
        spec=spec,
        label=name,
        kind=kind,
        models=models_for(inputs),
        default_params=defaults,
        make=lambda model, params: lambda d: factory(d, **params),
    )


def _build(factory: Callable[..., Any], spec: str, d: int, params: dict[str, Any]) -> Any:
    try:
        return factory(d, **params)
    except TypeError as exc:
        msg = str(exc)
        if "unexpected keyword" in msg or "got an unexpected" in msg or "positional argument" in msg:
            raise AuditUsageError(f"bad --param for {spec}: {spec}(d, **{params}) failed: {msg}") from None
        raise AuditUsageError(
            f"{spec}: constructing {spec}(d={d}, **{params}) failed: TypeError: {msg}"
        ) from None
    except ValueError as exc:
        raise AuditUsageError(
            f"bad --param for {spec}: {spec}(d={d}, **{params}) rejected it: {exc}"
        ) from None


def _builtin(name: str) -> Target:
    from tensorkv_check.frontier import CATALOGUE, make_factory

    entry = CATALOGUE[name]

    def make(model: str, params: dict[str, Any]) -> Callable[[int], Any]:
        extra = set(params) - {"budget", "seed"}
        if extra:
            raise AuditUsageError(
                f"bad --param for built-in {name!r}: it takes budget (and seed), not {sorted(extra)}"
            )
        return make_factory(
            name,
            _BUILTIN_MODE[model],
            params.get("budget", BUILTIN_GRIDS[name][0]),
            seed=int(params.get("seed", 0)),
        )

    return Target(
        spec=name,
        label=f"{name} ({entry.family})",
        kind="builtin",
        models=tuple(MODELS),
        default_params={"budget": BUILTIN_GRIDS.get(name, (1,))},
        make=make,
    )


def load_target(spec: str) -> Target:
    """Resolve ``spec`` (``MODULE:OBJECT``, a plugin name or a built-in family name).

    Raises
    ------
    AuditUsageError
        Unknown name, unimportable module, missing object, or an object that is not a
        protocol factory (the message names what is missing).
    """
    if not isinstance(spec, str) or not spec:
        raise AuditUsageError(
            "the compressor must be given as MODULE:OBJECT, a plugin name or a built-in name"
        )
    if ":" in spec and not (len(spec) > 1 and spec[1] == ":" and spec.count(":") == 1):
        module, _, attr = spec.rpartition(":")
        mod = _load_module(module)
        obj: Any = mod
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise AuditUsageError(f"{module!r} has no attribute {attr!r}")
            obj = getattr(obj, part)
        return target_from_factory(obj, spec, label=attr)
    from tensorkv_check.frontier import CATALOGUE
    from tensorkv_check.frontier.plugins import load_plugins

    scan = load_plugins()
    if spec in scan.plugins:
        p = scan.plugins[spec]
        return target_from_factory(p.factory, spec, kind="plugin", label=spec)
    if spec in scan.broken:
        raise AuditUsageError(f"plugin {spec!r} is broken: {scan.broken[spec]}")
    if spec in CATALOGUE:
        return _builtin(spec)
    raise AuditUsageError(
        f"unknown compressor {spec!r}: give MODULE:OBJECT (a module or a .py file), "
        f"a plugin ({', '.join(sorted(scan.plugins)) or 'none installed'}) or a built-in "
        f"({', '.join(sorted(CATALOGUE))})"
    )


# ------------------------------------------------------------------ protocol check


def _fail(spec: str, what: str) -> AuditUsageError:
    return AuditUsageError(
        f"{spec} does not implement the cache-algorithm protocol (tensorkv_check.engine.protocol): {what}"
    )


def check_protocol(target: Target, params: dict[str, Any], model: str | None = None, d: int = 8) -> None:
    """Exercise the protocol once on a tiny seeded input; raise naming the broken member.

    Checks, in order: the factory builds an object for ``params``; ``inputs`` is a set of
    input kinds; ``ingest`` accepts a ``(t, d)`` block per array of the kind; ``to_bytes``
    returns ``bytes``; ``from_bytes`` is a classmethod (or staticmethod) of the object's
    class returning a protocol object; ``query`` returns shape ``(d,)`` for one query and
    ``(m, d)`` for a batch, finite.

    Raises
    ------
    AuditUsageError
        The first member that is missing or wrong, named.
    """
    spec = target.spec
    model = model or target.models[0]
    factory = target.make(model, params)
    try:
        obj = factory(d)
    except AuditUsageError:
        raise
    except TypeError as exc:
        raise AuditUsageError(f"bad --param for {spec}: building it with {params} failed: {exc}") from None
    except ValueError as exc:
        raise AuditUsageError(f"bad --param for {spec}: {params} rejected: {exc}") from None
    cls = type(obj)
    for member in ("inputs", "ingest", "to_bytes", "from_bytes", "query"):
        if not hasattr(obj, member):
            raise _fail(spec, f"{cls.__qualname__} has no {member!r}")
    for member in ("ingest", "to_bytes", "query"):
        if not callable(getattr(obj, member)):
            raise _fail(spec, f"{cls.__qualname__}.{member} is not callable")
    static = inspect.getattr_static(cls, "from_bytes", None)
    if not isinstance(static, (classmethod, staticmethod)):
        raise _fail(
            spec,
            f"{cls.__qualname__}.from_bytes must be a classmethod (Bob has only the bytes, "
            "not Alice's object)",
        )
    kind = MODEL_INPUT[model]
    if kind not in set(obj.inputs):
        raise _fail(spec, f"inputs {sorted(obj.inputs)} do not include {kind!r} needed by model {model!r}")
    rng = np.random.default_rng(12345)
    blocks = [rng.standard_normal((64, d)) for _ in INPUT_KINDS[kind]]
    try:
        obj.ingest(*blocks)
    except Exception as exc:
        raise _fail(
            spec, f"ingest(*{len(blocks)} arrays of shape (64, {d})) raised {type(exc).__name__}: {exc}"
        ) from exc
    try:
        data = obj.to_bytes()
    except Exception as exc:
        raise _fail(spec, f"to_bytes() raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, bytes):
        raise _fail(spec, f"to_bytes() must return bytes, got {type(data).__name__}")
    try:
        bob = cls.from_bytes(data)
    except Exception as exc:
        raise _fail(spec, f"from_bytes(to_bytes()) raised {type(exc).__name__}: {exc}") from exc
    if not callable(getattr(bob, "query", None)):
        raise _fail(spec, f"from_bytes returned a {type(bob).__name__}, which has no query method")
    for who, o in (("query", obj), ("from_bytes(...).query", bob)):
        q = rng.standard_normal(d)
        try:
            one = np.asarray(o.query(q))
            many = np.asarray(o.query(np.stack([q, q])))
        except Exception as exc:
            raise _fail(spec, f"{who} raised {type(exc).__name__}: {exc}") from exc
        if one.shape != (d,) or many.shape != (2, d):
            raise _fail(
                spec,
                f"{who} returned shapes {one.shape} and {many.shape} for a query (d,) and a batch "
                f"(2, d); need ({d},) and (2, {d})",
            )
        if not (np.all(np.isfinite(one)) and np.all(np.isfinite(many))):
            raise _fail(spec, f"{who} returned non-finite values")
