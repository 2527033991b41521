"""The paper as claims: Chen et al. 2025 (arXiv 2503.11108), one module per area.

Each module declares claims (``REGISTRY.claim(...)``), their checks and the explorers
that search for counterexamples, with the claim framework of :mod:`tensorkv_check.claims`.
The framework finds this package through the ``tensorkv_check.claims`` entry point of
``pyproject.toml``; modules whose names start with ``_`` hold shared helpers. The
machine-checked proofs live in the private ``_proof_*`` modules; :func:`attach_proofs`
(called by :func:`tensorkv_check.claims.registry.load_all` after the claim modules load)
gives each claim its proof.
"""

import importlib
import pkgutil

from tensorkv_check.claims.registry import REGISTRY
from tensorkv_check.claims.registry import load_all as _load_all

__all__ = [
    "REGISTRY",
    "CHECK_MODULES",
    "attach_proofs",
    "import_claim_modules",
    "load_all",
    "proof_mutants",
]

#: Modules that only attach checks to claims declared elsewhere; they load after the
#: claim modules (:func:`import_claim_modules`).
CHECK_MODULES = ("engine_conformance",)


def import_claim_modules() -> None:
    """Import every claim module (public, not in :data:`CHECK_MODULES`) in the registry's
    load order, so a check module can attach checks without changing the claims' order."""
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_") and mod.name not in CHECK_MODULES:
            importlib.import_module(f"{__name__}.{mod.name}")


def load_all():
    """Import every claim module of this package into :data:`REGISTRY` and return it."""
    return _load_all([__name__])


_ATTACHED: dict[int, list[str]] = {}


def attach_proofs(registry):
    """Set ``claim.proof`` for every claim of ``registry`` that has a proof; returns their ids.

    Building the proofs costs about half a second, and :func:`load_all` runs again in every
    process that rebuilds the registry (each runner task), so a registry whose claims
    already carry their proofs is left as it is: the same proof objects keep the
    registry's cache of checked proofs valid.
    """
    ids = _ATTACHED.get(id(registry))
    if ids is not None and all(cid in registry and registry[cid].proof is not None for cid in ids):
        return list(ids)
    from proofs._proofs import attach_proofs as _attach

    _ATTACHED[id(registry)] = _attach(registry)
    return list(_ATTACHED[id(registry)])


def proof_mutants(proofs=None):
    """The planted mistakes in the proofs (:mod:`proofs._proof_mutants`), each its claim's proof
    with one change; the self-test (``tensorkv-check selftest``) finds this optional hook on
    the loaded package and checks that each mutant is no longer proved."""
    from proofs._proof_mutants import proof_mutants as _proof_mutants

    return _proof_mutants(proofs)
