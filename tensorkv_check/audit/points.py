"""The audit's measurements at one point of the budget grid: Bob's success on an Index
instance against Fano's bound (:func:`index_point`), the three protocol breaks that show
state outside the bytes (:func:`protocol_point`), and the attention error on benign
inputs (:func:`benign_point`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorkv_check.audit.target import AuditUsageError, Target
from tensorkv_check.engine.exact_attention import attention, tensor_attention
from tensorkv_check.engine.stats import clopper_pearson
from tensorkv_check.index import (
    MODEL_INPUT,
    bob_decode,
    fano_bound,
    fano_success_ceiling,
    key_coherence,
    make_instance,
    reduction_C,
)

__all__ = ["index_point", "protocol_point", "benign_point"]

#: Relative tolerance of the "from_bytes(to_bytes()) reproduces query" check.
REPRODUCE_RTOL = 1e-9
#: The benign inputs on which the attention error is measured.
BENIGN_KINDS = ("gaussian", "clustered", "heavy-tailed")
_CHUNK = 4096


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
    rng = np.random.default_rng([seed, BENIGN_KINDS.index(kind), 3])
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
