"""Where the claims come from: the one hook between the framework and the claim packages.

The framework never imports a claim package by name. Installed distributions declare
theirs under the entry-point group :data:`ENTRY_POINT_GROUP` (this project's
``pyproject.toml``: ``paper = "proofs"``); ``$TENSORKV_CLAIMS`` (comma-separated package
names) overrides them. This module uses only the standard library, so the pytest plugin
can ask for the packages without importing the engine.
"""

from __future__ import annotations

import os
from importlib import metadata

__all__ = ["ENTRY_POINT_GROUP", "claim_packages"]

#: Entry-point group whose values name the packages holding claim modules.
ENTRY_POINT_GROUP = "tensorkv_check.claims"


def claim_packages() -> list[str]:
    """The claim packages: ``$TENSORKV_CLAIMS`` if set, else the :data:`ENTRY_POINT_GROUP`
    entry points of the installed distributions (sorted, without duplicates)."""
    env = os.environ.get("TENSORKV_CLAIMS", "").strip()
    if env:
        return [p.strip() for p in env.split(",") if p.strip()]
    return sorted({ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})
