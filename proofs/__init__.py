"""The paper as claims: Chen et al. 2025 (arXiv 2503.11108), one module per area.

Each module declares claims (``REGISTRY.claim(...)``), their checks and the explorers
that search for counterexamples, with the claim framework of :mod:`tensorkv_check.claims`.
The framework finds this package through the ``tensorkv_check.claims`` entry point of
``pyproject.toml``; modules whose names start with ``_`` hold shared helpers.
"""

from tensorkv_check.claims.registry import REGISTRY
from tensorkv_check.claims.registry import load_all as _load_all

__all__ = ["REGISTRY", "load_all"]


def load_all():
    """Import every claim module of this package into :data:`REGISTRY` and return it."""
    return _load_all([__name__])
