"""The audit's decision: the verdict on the measured points (``consistent``,
``impossible`` or ``protocol-broken``, with the evidence) and the smallest memory per
Alice bit at which Bob reaches a success level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensorkv_check.engine.stats import binary_entropy
from tensorkv_check.index import (
    MODELS,
)

__all__ = ["GAP_P", "verdict", "m_over_n_at"]

#: The success level at which M/N is reported.
GAP_P = 0.9


def m_over_n_at(points: Sequence[dict[str, Any]], p_level: float = GAP_P) -> dict[str, Any]:
    """Smallest measured ``M/N`` with success rate ``≥ p_level``, per model (``None`` if never reached).

    No interpolation: an upper bound on what the compressor needs at the budgets tried.
    Fano's ``(1 − h(p_level))`` is given beside it.
    """
    out: dict[str, Any] = {}
    fano = 1.0 - binary_entropy(p_level)
    for model in MODELS:
        pts = [p for p in points if p["model"] == model and p.get("error") is None]
        if not pts:
            continue
        hit = [p for p in pts if p["rate"] >= p_level]
        best = min(hit, key=lambda p: (p["bits_per_bit"], sorted(p["params"].items()))) if hit else None
        out[model] = {
            "m_over_n": best["bits_per_bit"] if best else None,
            "params": best["params"] if best else None,
            "rate": best["rate"] if best else max(p["rate"] for p in pts),
            "fano_m_over_n": fano,
            "ratio": best["bits_per_bit"] / fano if best else None,
        }
    return out


def verdict(
    points: Sequence[dict[str, Any]],
    protocol: Sequence[dict[str, Any]],
    isolation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``consistent``, ``impossible`` (some point beats Fano) or ``protocol-broken``, with the evidence.

    The isolated run (``isolation``) is reported beside the verdict, not decided on: a
    compressor that stops decoding in a fresh process has already been caught in Alice's.
    """
    beats = [p for p in points if p.get("beats_fano")]
    violations = [
        dict(v, model=pp["model"], params=pp["params"]) for pp in protocol for v in pp["violations"]
    ]
    violations += [
        {
            "check": "the message does not change after sending",
            "model": p["model"],
            "params": p["params"],
            "evidence": "to_bytes() differed after Bob's queries on the Index instance",
        }
        for p in points
        if p.get("message_changed")
    ]
    violations += [
        {
            "check": "the compressor runs on the Index instance",
            "model": p["model"],
            "params": p["params"],
            "evidence": p["error"],
        }
        for p in points
        if p.get("error")
    ]
    if beats:
        status = "impossible"
        text = "impossible: beats Fano at these points"
    elif violations:
        status = "protocol-broken"
        text = "protocol broken: state outside the bytes (see the evidence)"
    else:
        status = "consistent"
        text = "consistent with the bounds"
    return {
        "status": status,
        "text": text,
        "exit_code": 0 if status == "consistent" else 1,
        "beats": [
            {
                k: p[k]
                for k in (
                    "model",
                    "params",
                    "n",
                    "d",
                    "N",
                    "M",
                    "successes",
                    "trials",
                    "rate",
                    "ci_low",
                    "fano_bits",
                    "seed",
                    "replay",
                )
                if k in p
            }
            for p in beats
        ],
        "violations": violations,
    }
