"""The machine-checked proofs of the paper's claims, collected, and how they attach to claims.

The proof modules (``_proof_index``, ``_proof_jl``, ``_proof_tensor``, ``_proof_covering``,
``_proof_geometry``, ``_proof_subgen``, ``_proof_definitions``)
are private, so that :func:`tensorkv_check.claims.registry.load_all` does not load them as
claim definitions; :func:`all_proofs` gathers them and :func:`attach_proofs` sets each
claim's ``proof`` attribute.
"""

from __future__ import annotations

import importlib
from typing import Any

from tensorkv_check.claims.obligations import Proof

__all__ = ["PROOF_MODULES", "all_proofs", "attach_proofs"]

#: The modules holding proofs, each with ``proofs() -> dict[claim id, Proof]``.
PROOF_MODULES = (
    "proofs._proof_index",
    "proofs._proof_jl",
    "proofs._proof_tensor",
    "proofs._proof_covering",
    "proofs._proof_geometry",
    "proofs._proof_subgen",
    "proofs._proof_definitions",
)


def all_proofs() -> dict[str, Proof]:
    """Every proof, keyed by claim id.

    Raises
    ------
    ValueError
        If two modules prove the same claim.
    """
    out: dict[str, Proof] = {}
    for name in PROOF_MODULES:
        for cid, proof in importlib.import_module(name).proofs().items():
            if cid in out:
                raise ValueError(f"claim {cid} has a proof in two modules (the second in {name})")
            out[cid] = proof
    return out


def attach_proofs(registry: Any) -> list[str]:
    """Set ``claim.proof`` for every claim of ``registry`` that has a proof; returns their ids.

    Raises
    ------
    KeyError
        If a proof names a claim the registry does not have.
    """
    proofs = all_proofs()
    unknown = sorted(cid for cid in proofs if cid not in registry)
    if unknown:
        raise KeyError(f"proofs for unknown claim ids: {', '.join(unknown)}")
    for cid, proof in proofs.items():
        registry[cid].proof = proof
    return sorted(proofs)
