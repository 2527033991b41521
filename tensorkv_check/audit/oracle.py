"""The lower bounds as a test oracle: audit a KV-cache compressor on the Index instances.

Chen et al. 2025 (arXiv 2503.11108; thm:four-cache-lb, thm:two-cache-lb) and Haris and
Onak 2025 (thm:ho25-lb) reduce Index (spec def:index) to KV-cache compression: a cache
whose answers let Bob decode Alice's ``N`` bits with average success ``p ≥ 1/2`` must
hold ``M ≥ (1 − h(p))·N`` bits (Fano; thm:index-lb), public randomness included. So a
compressor *measured* below that bound cannot exist: its memory accounting is wrong
(state kept outside its bytes, a side channel between Alice and Bob, data read from
elsewhere). This module runs a compressor as Alice on the adversarial Index instances
of every model it ingests (:func:`tensorkv_check.index.make_instance`), over its
budget grid, and decides.

Decision (fixed seeds, so the same audit always gives the same verdict): at each of the
``K`` Index points of an audit, Bob's ``q`` queries give a one-sided Clopper–Pearson
lower bound ``p_low`` on his success at confidence ``1 − α/K``; the point *beats Fano*
iff ``M < (1 − h(max(p_low, 1/2)))·N``. If the compressor's true success at the point
is ``p`` and ``M ≥ (1 − h(p))·N`` (what the bound guarantees when Bob's bits come only
from the message), ``p_low > p`` has probability at most ``α/K``, so an honest
compressor is flagged with probability at most ``α`` = :data:`ALPHA` (family-wise, by
Bonferroni) over Bob's query draw. (As in :func:`tensorkv_check.index.run_index`, the
success is measured on one seeded instance per model: Fano bounds the average over
Alice's uniform bits, whose per-instance fluctuation is not part of ``α``.)

Besides the bound, each point is checked for three protocol breaks, each a sign of
state outside the bytes: ``from_bytes(to_bytes())`` does not reproduce Alice's
``query``; ``to_bytes()`` changes after Bob has used the message; a Bob rebuilt from
message A answers differently after a second Alice has run on another instance
(state leaking between instances).

Bob runs in Alice's process by default, so a leak shows up as an impossible result;
with ``isolate=True`` Bob also runs in a fresh Python process that receives only the
message and public data, and the audit records whether he still decodes there.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tensorkv_check.audit.target import (
    AuditUsageError,
    Target,
    check_protocol,
    load_target,
    param_grid,
    target_from_factory,
)
from tensorkv_check.engine.exact_attention import attention, tensor_attention
from tensorkv_check.engine.jl import near_orthogonal_dimension
from tensorkv_check.engine.protocol import INPUT_KINDS
from tensorkv_check.engine.stats import binary_entropy, clopper_pearson
from tensorkv_check.index import (
    MODEL_INPUT,
    MODELS,
    bob_decode,
    fano_bound,
    fano_success_ceiling,
    key_coherence,
    make_instance,
    reduction_C,
)

__all__ = [
    "ALPHA",
    "GAP_P",
    "PROFILES",
    "REFERENCE",
    "SCHEMA",
    "model_size",
    "instance_seed",
    "index_point",
    "protocol_point",
    "benign_point",
    "run_audit",
    "verdict",
    "m_over_n_at",
    "replay_command",
]

SCHEMA = "tensorkv-check-audit/1"
#: Family-wise probability that an honest compressor is flagged (over Bob's queries).
ALPHA = 1e-3
#: The success level at which M/N is reported.
GAP_P = 0.9
#: Relative tolerance of the "from_bytes(to_bytes()) reproduces query" check.
REPRODUCE_RTOL = 1e-9

#: Built-in families drawn beside the audited compressor, with their budgets.
REFERENCE: dict[str, tuple[float, ...]] = {
    "quant": (1, 2, 4, 8),
    "random": (0.25, 0.5, 0.9),
    "lowrank": (0.125, 0.5, 1.0),
}

PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "models": {"standard": 512, "four-cache": 64, "two-cache": 16, "two-cache-structured": 32},
        "queries": 1000,
        "protocol": {"n": 24, "d": 16},
        "benign": {"n": 1024, "d": 64, "factor_n": 48, "factor_d": 32, "queries": 32},
    },
    "full": {
        "models": {"standard": 4096, "four-cache": 256, "two-cache": 48, "two-cache-structured": 128},
        "queries": 4000,
        "protocol": {"n": 64, "d": 32},
        "benign": {"n": 8192, "d": 64, "factor_n": 128, "factor_d": 64, "queries": 128},
    },
}

_BENIGN_KINDS = ("gaussian", "clustered", "heavy-tailed")
_CHUNK = 4096


def _rows(model: str, n: int) -> int:
    return n * n if model in ("two-cache", "two-cache-structured") else n


def model_size(model: str, profile: str) -> tuple[int, int]:
    """``(n, d)`` of ``model``'s instance in ``profile``; ``d = near_orthogonal_dimension(rows, 0.4, 0.01)``.

    lem:near-orthogonal: ``d`` random sign keys of the ``rows`` competing keys are
    0.4-near-orthogonal with probability ≥ 0.99, so Bob's decoding constant is defined.
    """
    n = PROFILES[profile]["models"][model]
    return n, near_orthogonal_dimension(_rows(model, n), 0.4, 0.01)


def instance_seed(seed: int, model: str) -> int:
    """Seed of ``model``'s Index instance in an audit of seed ``seed`` (one instance per model)."""
    return int(np.random.SeedSequence([seed, MODELS.index(model)]).generate_state(1)[0] % (1 << 31))


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def replay_command(spec: str, model: str, params: dict[str, Any], seed: int, profile: str) -> str:
    """The command that reruns one point of an audit."""
    ps = " ".join(f"--param {k}={_fmt(v)}" for k, v in sorted(params.items()))
    return (f"tensorkv-check audit {spec} --models {model} {ps} --profile {profile} --seed {seed}").replace(
        "  ", " "
    )


# --------------------------------------------------------------------------- one Index point


def _stream_into(alice: Any, stream: Sequence[np.ndarray]) -> None:
    total = stream[0].shape[0]
    for s in range(0, total, _CHUNK):
        alice.ingest(*(a[s : s + _CHUNK] for a in stream))


def index_point(
    target: Target,
    model: str,
    params: dict[str, Any],
    *,
    n: int,
    d: int,
    queries: int,
    seed: int,
    confidence: float,
    keep_message: bool = False,
) -> dict[str, Any]:
    """One Index run of ``target`` at ``params`` on ``model``, with the decision's numbers.

    Alice (a fresh ``target.make(model, params)(d)``) streams the seeded instance and
    sends ``to_bytes()``; Bob rebuilds ``type(alice).from_bytes(message)`` in this
    process and decodes ``queries`` uniform bits (:func:`tensorkv_check.index.bob_decode`,
    ``C = reduction_C(rows, measured ε)``).

    Returns
    -------
    dict
        ``model, params, n, d, N, M, bits_per_bit, successes, trials, rate, ci_low``
        (one-sided at ``confidence``), ``fano_bits`` (``(1 − h(max(ci_low, 1/2)))·N``),
        ``fano_ceiling`` (largest success Fano allows ``M``), ``beats_fano``,
        ``message_changed`` (``to_bytes()`` differs after Bob's queries), ``eps``, ``C``,
        ``seed`` and ``error`` (the compressor's exception text, else ``None``).
        With ``keep_message``, also ``"_message"`` and ``"_bob"`` (public data for an
        isolated Bob; not JSON).
    """
    inst = make_instance(model, n, d, seed=seed)
    out: dict[str, Any] = {
        "model": model,
        "params": dict(params),
        "n": n,
        "d": d,
        "N": inst.N,
        "seed": seed,
        "error": None,
    }
    rng = np.random.default_rng([seed, 7])
    targets = rng.integers(0, inst.N, size=queries, dtype=np.int64)
    max_inner, max_dev = key_coherence(inst.keys, inst.bob_rows[targets // d])
    eps = max(max_inner, max_dev)
    if eps >= 0.5:  # pragma: no cover - d is chosen so that even eps >= 0.4 has probability <= 1%
        raise RuntimeError(f"instance {model} n={n} d={d} seed={seed}: measured eps {eps:.3f} >= 1/2")
    C = reduction_C(inst.rows, eps)
    try:
        alice = target.make(model, params)(d)
        _stream_into(alice, inst.stream)
        message = alice.to_bytes()
        if not isinstance(message, bytes):
            raise TypeError(f"to_bytes() returned {type(message).__name__}, not bytes")
        bob = type(alice).from_bytes(bytes(message))
        guesses = bob_decode(bob, inst.keys, inst.bob_rows, d, targets, C)
        again = alice.to_bytes()
    except AuditUsageError:
        raise
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    successes = int(np.count_nonzero(guesses == inst.bits.reshape(-1)[targets]))
    M = 8 * len(message)
    # One-sided lower bound at `confidence`: the two-sided interval at 2·confidence − 1.
    est = clopper_pearson(successes, queries, 2.0 * confidence - 1.0)
    fano_bits = fano_bound(max(est.ci_low, 0.5), inst.N)
    out.update(
        {
            "M": M,
            "bits_per_bit": M / inst.N,
            "successes": successes,
            "trials": queries,
            "rate": successes / queries,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
            "confidence": confidence,
            "fano_bits": fano_bits,
            "fano_ceiling": fano_success_ceiling(M, inst.N),
            "beats_fano": bool(M < fano_bits),
            "message_changed": bool(again != message),
            "eps": eps,
            "C": C,
            "kept_fraction": getattr(alice, "kept_fraction", None),
        }
    )
    if keep_message:
        out["_message"] = message
        out["_bob"] = {
            "keys": inst.keys,
            "bob_rows": inst.bob_rows,
            "targets": targets,
            "C": C,
            "d": d,
            "truth": inst.bits.reshape(-1)[targets],
        }
    return out


# --------------------------------------------------------------------------- protocol breaks


def _max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(a)))))


def protocol_point(
    target: Target, model: str, params: dict[str, Any], *, n: int, d: int, seed: int
) -> dict[str, Any]:
    """Check the three protocol breaks of ``target`` at ``params`` on two small instances.

    Alice A streams instance A and sends ``mA``; Bob A = ``from_bytes(mA)`` answers
    probe queries ``P``. Checked: (1) Alice A's and Bob A's answers agree to
    :data:`REPRODUCE_RTOL` (relative to the largest answer); (2) Alice A's ``to_bytes()``
    is unchanged after Bob's queries; (3) after Alice B has streamed instance B (other
    bits) and sent ``mB``, Bob A and a fresh ``from_bytes(mA)`` still give Bob A's first
    answers to the same tolerance.

    Returns
    -------
    dict
        ``model, params, violations`` (list of ``{"check", "evidence"}``), ``error``.
    """
    out: dict[str, Any] = {
        "model": model,
        "params": dict(params),
        "n": n,
        "d": d,
        "seed": seed,
        "violations": [],
        "error": None,
    }
    inst_a = make_instance(model, n, d, seed=seed, key_family="gaussian")
    inst_b = make_instance(model, n, d, seed=seed + 1, key_family="gaussian")
    P = np.random.default_rng([seed, 11]).standard_normal((8, d)) * 2.0
    viol = out["violations"]
    try:
        factory = target.make(model, params)
        alice_a = factory(d)
        _stream_into(alice_a, inst_a.stream)
        m_a = alice_a.to_bytes()
        bob_a = type(alice_a).from_bytes(bytes(m_a))
        y_bob = np.asarray(bob_a.query(P), dtype=np.float64)
        y_alice = np.asarray(alice_a.query(P), dtype=np.float64)
        diff = _max_rel_diff(y_alice, y_bob)
        if not diff <= REPRODUCE_RTOL:
            viol.append(
                {
                    "check": "from_bytes(to_bytes()) reproduces query",
                    "evidence": f"Alice's and Bob's answers to 8 probe queries differ by {diff:.3g} "
                    f"(relative; allowed {REPRODUCE_RTOL:g}) on {model} n={n} d={d} seed={seed}",
                }
            )
        m_a2 = alice_a.to_bytes()
        if m_a2 != m_a:
            viol.append(
                {
                    "check": "the message does not change after sending",
                    "evidence": f"to_bytes() gave {len(m_a)} bytes, then {len(m_a2)} bytes "
                    f"({'same length, different content' if len(m_a) == len(m_a2) else 'other length'}) "
                    "after Bob's queries, with no new token",
                }
            )
        alice_b = factory(d)
        _stream_into(alice_b, inst_b.stream)
        m_b = alice_b.to_bytes()
        type(alice_b).from_bytes(bytes(m_b)).query(P)
        y_again = np.asarray(bob_a.query(P), dtype=np.float64)
        y_fresh = np.asarray(type(alice_a).from_bytes(bytes(m_a)).query(P), dtype=np.float64)
        for label, y in (("the same Bob", y_again), ("a Bob rebuilt from message A", y_fresh)):
            dd = _max_rel_diff(y_bob, y)
            if not dd <= REPRODUCE_RTOL:
                viol.append(
                    {
                        "check": "no state leaks between instances",
                        "evidence": f"after a second Alice ran on instance B (seed {seed + 1}), {label} "
                        f"answers the probe queries differently by {dd:.3g} (relative) although message A "
                        f"({len(m_a)} bytes) did not change",
                    }
                )
    except AuditUsageError:
        raise
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        viol.append({"check": "the protocol runs", "evidence": f"raised {out['error']}"})
    return out


# --------------------------------------------------------------------------- benign inputs


def _benign_kv(kind: str, n: int, d: int, m: int, rng: np.random.Generator, power: float = 2.0):
    # Entries of std σ give logits q·k/d of std σ²/√d (power 2) or σ³/√d for the
    # factor product (power 3): σ is chosen so that std is 2, a peaked but not one-hot softmax.
    sigma = (2.0 * math.sqrt(d)) ** (1.0 / power)
    if kind == "gaussian":
        K = sigma * rng.standard_normal((n, d))
    elif kind == "clustered":
        centres = sigma * rng.standard_normal((16, d))
        K = centres[rng.integers(0, 16, size=n)] + 0.1 * sigma * rng.standard_normal((n, d))
    else:  # heavy-tailed: Student t with 3 degrees of freedom, variance σ²
        K = sigma / math.sqrt(3.0) * rng.standard_t(3, size=(n, d))
    V = rng.standard_normal((n, d))
    Q = sigma * rng.standard_normal((m, d))
    return K, V, Q


def benign_point(
    target: Target, model: str, params: dict[str, Any], kind: str, *, n: int, d: int, queries: int, seed: int
) -> dict[str, Any]:
    """Relative attention error against memory on a benign input of ``kind``.

    ``kind`` is ``"gaussian"``, ``"clustered"`` (16 clusters, radius 0.1σ) or
    ``"heavy-tailed"`` (Student t, 3 degrees of freedom) keys, Gaussian values and
    queries. The model fixes the input kind: ``"kv"``/``"rows"`` stream ``(K, V)``
    (reference: softmax attention, Definition 3.1); ``"factors"`` streams
    ``(K1, K2, V1, V2)`` (reference: tensor attention, Definition 3.6). The error is
    ``‖z − Attn‖/‖Attn‖`` per query, of Bob's answers (rebuilt from the bytes).
    """
    rng = np.random.default_rng([seed, _BENIGN_KINDS.index(kind), 3])
    input_kind = MODEL_INPUT[model]
    out: dict[str, Any] = {
        "model": model,
        "input": input_kind,
        "params": dict(params),
        "kind": kind,
        "n": n,
        "d": d,
        "seed": seed,
        "error": None,
    }
    if input_kind == "factors":
        K1, V1, Q = _benign_kv(kind, n, d, queries, rng, power=3.0)
        K2, V2, _ = _benign_kv(kind, n, d, 1, rng, power=3.0)
        stream: tuple[np.ndarray, ...] = (K1, K2, V1, V2)
    else:
        K, V, Q = _benign_kv(kind, n, d, queries, rng)
        stream = (K, V)
    try:
        alice = target.make(model, params)(d)
        _stream_into(alice, stream)
        data = alice.to_bytes()
        bob = type(alice).from_bytes(bytes(data))
        z = np.asarray(bob.query(Q), dtype=np.float64)
        scale = float(getattr(bob, "scale", 1.0 / d))
    except AuditUsageError:
        raise
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    if input_kind == "factors":
        K1, K2, V1, V2 = stream
        ref = tensor_attention(Q, K1, K2, V1, V2, scale=scale)
    else:
        K, V = stream
        ref = attention(Q, K, V, scale=scale)
    rel = np.linalg.norm(z - ref, axis=1) / np.linalg.norm(ref, axis=1)
    out.update(
        {
            "M": 8 * len(data),
            "M_float64": 64 * len(stream) * n * d,
            "rel_error_mean": float(np.mean(rel)) if np.all(np.isfinite(rel)) else None,
            "rel_error_max": float(np.max(rel)) if np.all(np.isfinite(rel)) else None,
        }
    )
    return out


# --------------------------------------------------------------------------- the audit


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


def _reference_targets(
    models: Sequence[str], plugins: bool
) -> tuple[list[tuple[Target, dict[str, Any]]], dict[str, str]]:
    out: list[tuple[Target, dict[str, Any]]] = []
    for name, budgets in REFERENCE.items():
        t = load_target(name)
        out += [(t, {"budget": b}) for b in budgets]
    broken: dict[str, str] = {}
    if plugins:
        from tensorkv_check.frontier.plugins import load_plugins

        scan = load_plugins()
        broken.update(scan.broken)
        for name, p in sorted(scan.plugins.items()):
            try:
                t = target_from_factory(p.factory, name, kind="plugin", label=name)
            except AuditUsageError as exc:
                broken[name] = str(exc)
                continue
            if not set(t.models) & set(models):
                continue
            out += [(t, params) for params in param_grid(t.default_params)]
    return out, broken


def run_audit(
    target: Target | str,
    params: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None = None,
    *,
    models: Sequence[str] | None = None,
    profile: str = "quick",
    seed: int = 0,
    isolate: bool = False,
    reference: bool = True,
    plugins: bool = True,
    benign: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Audit a compressor: Index points, protocol checks, benign errors, verdict.

    Parameters
    ----------
    target : Target or str
        The compressor (a spec string is resolved by :func:`load_target`).
    params : dict or list of dict, optional
        Budget grid ``{name: values}`` (every combination is run) or an explicit list
        of parameter dicts; default ``target.default_params``.
    models : sequence of str, optional
        Models to audit (default: every model the compressor ingests).
    profile : {"quick", "full"}
    seed : int
        Seed of the instances and of Bob's queries.
    isolate : bool
        Also run Bob in a fresh process (``--isolate``).
    reference, plugins : bool
        Run the built-in reference families (:data:`REFERENCE`) and the installed
        plugins on the same instances, for the frontier figure.
    benign : bool
        Measure the attention error on benign inputs.
    progress : callable, optional
        Called with one line of text per step.

    Returns
    -------
    dict
        JSON-safe audit data; ``"verdict"`` holds the decision, ``"timings"`` the only
        non-deterministic values.

    Raises
    ------
    AuditUsageError
        Unknown target, bad parameter, unsupported model, or the protocol not implemented.
    """
    t_start = time.perf_counter()
    if isinstance(target, str):
        target = load_target(target)
    if profile not in PROFILES:
        raise AuditUsageError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AuditUsageError(f"seed must be a non-negative integer, got {seed!r}")
    prof = PROFILES[profile]
    grid_spec: dict[str, Any]
    if params is None or isinstance(params, Mapping):
        grid_spec = dict(target.default_params if params is None else params)
        grid = param_grid(grid_spec)
    else:  # explicit points instead of a grid
        grid = [dict(p) for p in params] or [{}]
        grid_spec = {k: sorted({repr(p[k]) for p in grid}) for k in sorted({k for p in grid for k in p})}
    if models is None:
        models = target.models
    models = list(models)
    bad = [m for m in models if m not in MODELS]
    if bad:
        raise AuditUsageError(f"unknown model(s) {bad}; valid: {', '.join(MODELS)}")
    unsupported = [m for m in models if m not in target.models]
    if unsupported:
        raise AuditUsageError(
            f"{target.spec} ingests {sorted({MODEL_INPUT[m] for m in target.models}) or 'nothing'}, "
            f"so it cannot run model(s) {unsupported} (input kinds: "
            + ", ".join(f"{m}: {MODEL_INPUT[m]!r} {INPUT_KINDS[MODEL_INPUT[m]]}" for m in unsupported)
            + ")"
        )
    if not models:
        raise AuditUsageError(f"{target.spec} supports no Index model")
    if isolate and target.kind == "object" and ":" not in target.spec:
        raise AuditUsageError(
            f"isolate needs a target a fresh process can load (MODULE:OBJECT, a plugin or a "
            f"built-in name), got {target.spec!r}"
        )
    say = progress or (lambda _line: None)
    for model in models:
        for p in grid:
            check_protocol(target, p, model)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    K = len(models) * len(grid)
    confidence = 1.0 - ALPHA / K
    sizes = {m: model_size(m, profile) for m in models}
    points: list[dict[str, Any]] = []
    for model in models:
        n, d = sizes[model]
        q = prof["queries"]
        for p in grid:
            pt = index_point(
                target,
                model,
                p,
                n=n,
                d=d,
                queries=q,
                seed=instance_seed(seed, model),
                confidence=confidence,
                keep_message=isolate,
            )
            pt["replay"] = replay_command(target.spec, model, p, seed, profile)
            points.append(pt)
            say(_point_line(target.label, pt))
    timings["index"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pc = prof["protocol"]
    protocol = []
    for model in models:
        n_small = (
            pc["n"]
            if model not in ("two-cache", "two-cache-structured")
            else max(3, int(math.isqrt(pc["n"] * 4)))
        )
        for p in grid:
            protocol.append(
                protocol_point(target, model, p, n=n_small, d=pc["d"], seed=instance_seed(seed, model))
            )
    timings["protocol"] = time.perf_counter() - t0

    isolation = None
    if isolate:
        t0 = time.perf_counter()
        isolation = _isolated(target, points)
        timings["isolate"] = time.perf_counter() - t0
    for pt in points:
        pt.pop("_message", None)
        pt.pop("_bob", None)

    t0 = time.perf_counter()
    ref_points: list[dict[str, Any]] = []
    broken: dict[str, str] = {}
    if reference:
        refs, broken = _reference_targets(models, plugins)
        for rt, rp in refs:
            for model in models:
                if model not in rt.models:
                    continue
                n, d = sizes[model]
                try:
                    pt = index_point(
                        rt,
                        model,
                        rp,
                        n=n,
                        d=d,
                        queries=prof["queries"],
                        seed=instance_seed(seed, model),
                        confidence=confidence,
                    )
                except AuditUsageError as exc:
                    broken[rt.spec] = str(exc)
                    continue
                pt["family"] = rt.spec
                ref_points.append(pt)
        say(f"reference families: {len(ref_points)} points")
    timings["reference"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    benign_pts: list[dict[str, Any]] = []
    if benign:
        bn = prof["benign"]
        bench_models: list[tuple[str, str]] = []  # (model, input kind)
        for m in models:  # one model per input kind: kv-like inputs share their benign data
            kind = "factors" if MODEL_INPUT[m] == "factors" else "kv"
            if kind not in [k for _, k in bench_models]:
                bench_models.append((m, kind))
        for model, kind in bench_models:
            n, d = (bn["factor_n"], bn["factor_d"]) if kind == "factors" else (bn["n"], bn["d"])
            entries = [(target, p, target.spec) for p in grid]
            if reference:
                entries += [
                    (rt, rp, rt.spec)
                    for rt, rp in _reference_targets([model], False)[0]
                    if model in rt.models
                ]
            for t, p, fam in entries:
                for bk in _BENIGN_KINDS:
                    bp = benign_point(t, model, p, bk, n=n, d=d, queries=bn["queries"], seed=seed)
                    bp["family"] = fam
                    bp["audited"] = t is target
                    benign_pts.append(bp)
        say(f"benign inputs: {len(benign_pts)} points")
    timings["benign"] = time.perf_counter() - t0

    v = verdict(points, protocol, isolation)
    timings["total"] = time.perf_counter() - t_start
    return {
        "schema": SCHEMA,
        "target": {
            "spec": target.spec,
            "label": target.label,
            "kind": target.kind,
            "models": list(target.models),
        },
        "profile": profile,
        "seed": seed,
        "alpha": ALPHA,
        "points_tested": K,
        "confidence_per_point": confidence,
        "grid": grid_spec and {k: list(v) for k, v in sorted(grid_spec.items())},
        "models": {
            m: {
                "n": sizes[m][0],
                "d": sizes[m][1],
                "N": _n_bits(m, *sizes[m]),
                "instance_seed": instance_seed(seed, m),
            }
            for m in models
        },
        "points": points,
        "protocol": protocol,
        "isolation": isolation,
        "reference": ref_points,
        "benign": benign_pts,
        "m_over_n": m_over_n_at(points),
        "reference_m_over_n": {
            fam: m_over_n_at([p for p in ref_points if p["family"] == fam])
            for fam in sorted({p["family"] for p in ref_points})
        },
        "plugins_broken": broken,
        "verdict": v,
        "decision": (
            f"A point beats Fano iff M < (1 − h(max(p_low, 1/2)))·N, p_low the one-sided "
            f"Clopper–Pearson lower bound at confidence 1 − α/K = {confidence:.6g} (K = {K} points, "
            f"family-wise α = {ALPHA:g}); an honest compressor is flagged with probability ≤ {ALPHA:g}."
        ),
        "timings": timings,
    }


def _n_bits(model: str, n: int, d: int) -> int:
    return 2 * (n - 1) * d if model == "two-cache-structured" else _rows(model, n) * d


def _point_line(label: str, p: dict[str, Any]) -> str:
    if p.get("error"):
        return f"{label} {p['model']} {p['params']}: ERROR {p['error']}"
    flag = "  BEATS FANO" if p["beats_fano"] else ""
    return (
        f"{label} {p['model']} {p['params']}: M/N = {p['bits_per_bit']:.4g}, success "
        f"{p['successes']}/{p['trials']} (p_low {p['ci_low']:.4f}), Fano needs M >= {p['fano_bits']:.0f} "
        f"bits, M = {p['M']}{flag}"
    )


# --------------------------------------------------------------------------- isolated Bob


def _isolated(target: Target, points: list[dict[str, Any]]) -> dict[str, Any]:
    """Run Bob of every point in one fresh Python process that gets only bytes and public data."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tkv-isolate-") as tmp:
        jobs = []
        for i, p in enumerate(points):
            if "_message" not in p:
                continue
            b = p["_bob"]
            f = Path(tmp) / f"point{i}.npz"
            np.savez(
                f,
                message=np.frombuffer(p["_message"], dtype=np.uint8),
                keys=b["keys"],
                bob_rows=b["bob_rows"],
                targets=b["targets"],
                C=np.float64(b["C"]),
                d=np.int64(b["d"]),
            )
            jobs.append(
                {
                    "file": str(f),
                    "out": str(f) + ".out.npy",
                    "model": p["model"],
                    "params": p["params"],
                    "index": i,
                }
            )
        spec_file = Path(tmp) / "jobs.json"
        spec_file.write_text(json.dumps({"spec": target.spec, "jobs": jobs}))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[2])]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        res = subprocess.run(
            [sys.executable, "-m", "tensorkv_check.audit._bob", str(spec_file)],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            cwd=os.getcwd(),
        )
        results = (
            json.loads(spec_file.with_suffix(".result.json").read_text())
            if spec_file.with_suffix(".result.json").exists()
            else {}
        )
        for job in jobs:
            p = points[job["index"]]
            r = results.get(str(job["index"]), {"error": f"the isolated process failed: {res.stderr[-500:]}"})
            row = {"model": p["model"], "params": p["params"], "in_process_rate": p.get("rate")}
            if r.get("error"):
                row.update({"decodes": False, "rate": None, "error": r["error"]})
            else:
                guesses = np.load(job["out"])
                rate = float(np.mean(guesses == p["_bob"]["truth"]))
                row.update({"decodes": True, "rate": rate, "error": None})
            rows.append(row)
    same = all(r["decodes"] and r["rate"] == r["in_process_rate"] for r in rows)
    return {
        "points": rows,
        "still_decodes": same,
        "text": (
            "Bob in a fresh process decodes exactly as in Alice's process"
            if same
            else "Bob in a fresh process does NOT decode as in Alice's process: the compressor relies on "
            "state outside its bytes"
        ),
    }
