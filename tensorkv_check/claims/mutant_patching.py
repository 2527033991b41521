"""Patching by identity, for planted bugs: replace an engine object everywhere, restore it after.

:func:`patched_function` replaces a function in every loaded module of this project
(``tensorkv_check``, ``proofs``, ``benchmarks``) that binds it, so
``from tensorkv_check.engine.exact_attention import _kron`` in another module is patched
too; :func:`patched_attribute` replaces a method or property on its class. A reference
held in a closure or default argument cannot be patched and would let a mutant escape.
:class:`Patch` names one replaced object and how to build its replacement;
:class:`Mutant` is one planted bug, a set of patches applied together (the catalogue is
:mod:`tensorkv_check.claims.mutant_catalogue`, the runner :mod:`tensorkv_check.claims.mutants`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["PATCH_PREFIXES", "patched_function", "patched_attribute", "Patch", "Mutant"]

#: Packages whose modules :func:`patched_function` rebinds.
PATCH_PREFIXES = ("tensorkv_check", "proofs", "benchmarks")


@contextmanager
def patched_function(
    original: Callable, replacement: Callable, prefixes: Iterable[str] = PATCH_PREFIXES
) -> Iterator[int]:
    """Rebind every module-level name bound to ``original`` to ``replacement``.

    Scans the loaded modules whose name starts with one of ``prefixes``; yields the
    number of bindings replaced and restores them all on exit.

    Examples
    --------
    >>> att = importlib.import_module("tensorkv_check.engine.exact_attention")  # the package re-exports
    >>> # a function named ``attention``, which hides the submodule from ``import ... as``
    >>> orig = att._kron
    >>> with patched_function(att._kron, lambda A, B: "mutated") as n:
    ...     att._kron(1, 2), n >= 2   # attention and caches both bind _kron
    ('mutated', True)
    >>> att._kron is orig
    True
    """
    prefixes = tuple(prefixes)
    saved: list[tuple[Any, str]] = []
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(prefixes):
            continue
        for attr, value in list(vars(mod).items()):
            if value is original:
                saved.append((mod, attr))
    try:
        for mod, attr in saved:
            setattr(mod, attr, replacement)
        yield len(saved)
    finally:
        for mod, attr in saved:
            setattr(mod, attr, original)


@contextmanager
def patched_attribute(cls: type, name: str, replacement: Any) -> Iterator[None]:
    """Set ``cls.name`` (a method or property) for the duration; restore on exit."""
    had_own = name in cls.__dict__
    old = cls.__dict__.get(name)
    setattr(cls, name, replacement)
    try:
        yield
    finally:
        if had_own:
            setattr(cls, name, old)
        else:
            delattr(cls, name)


def _module(name: str):
    # ``tensorkv_check.engine.exact_attention`` is also the name of a function the package
    # re-exports, so the submodule is fetched by import, never by attribute.
    return importlib.import_module(name)


@dataclass(frozen=True)
class Patch:
    """One replaced object: ``module.name`` (a function) or ``module.Class.attr``.

    ``mutate(original)`` returns the replacement; for a class attribute ``original``
    is the raw class-dict entry (a function or a property).
    """

    module: str
    qualname: str
    mutate: Callable[[Any], Any]

    @property
    def key(self) -> str:
        return f"{self.module}.{self.qualname}"

    def original(self) -> Any:
        """The current object; raises ImportError if the module or name is missing."""
        mod = _module(self.module)
        owner_name, _, attr = self.qualname.rpartition(".")
        try:
            if owner_name:
                # The raw entry where the class finds it: its own dict or a base class's
                # (patched_attribute then shadows an inherited one and removes it after).
                cls = getattr(mod, owner_name)
                return next(vars(k)[attr] for k in cls.__mro__ if attr in vars(k))
            return getattr(mod, attr)
        except (AttributeError, StopIteration):
            raise ImportError(f"{self.key} does not exist") from None

    def enter(self, stack: ExitStack, replacement_of: Callable[[Any], Any]) -> None:
        """Install ``replacement_of(original)`` on ``stack`` (restored when it closes)."""
        orig = self.original()
        owner_name, _, attr = self.qualname.rpartition(".")
        if owner_name:
            cls = getattr(_module(self.module), owner_name)
            stack.enter_context(patched_attribute(cls, attr, replacement_of(orig)))
        else:
            stack.enter_context(patched_function(orig, replacement_of(orig)))


@dataclass(frozen=True)
class Mutant:
    """One planted bug.

    Attributes
    ----------
    name : str
    description : str
        What is broken and which paper item it violates.
    patches : tuple of Patch
    targets : tuple of str
        Claim ids that ought to catch it (documentation; not used to filter).
    """

    name: str
    description: str
    patches: tuple[Patch, ...]
    targets: tuple[str, ...] = ()

    @contextmanager
    def apply(self) -> Iterator[None]:
        """Context manager: the engine is mutated inside, restored after.

        Raises ImportError (before changing anything it cannot restore) when the code
        it mutates does not exist.
        """
        with ExitStack() as stack:
            for p in self.patches:
                p.enter(stack, p.mutate)
            yield

    def available(self) -> bool:
        try:
            for p in self.patches:
                p.original()
        except ImportError:
            return False
        return True
