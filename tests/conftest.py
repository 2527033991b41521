"""Shared test helpers: independent reference implementations and tolerances.

The references here are written straight from the spec (/work/shared/spec/paper-math.md,
def:softmax, def:tensor-attention) with ``np.einsum`` over all ``(j, k)`` pairs. They
share no code with :mod:`tensorkv_check` (not its validation, not its softmax, not its
``kron``), so agreeing with them is evidence about the engine rather than about itself.

They are exposed as session-scoped fixtures (not imported from this file) so that the
tests do not depend on ``tests/`` being on ``sys.path``, and so that hypothesis does
not object to function-scoped fixtures under ``@given``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

#: Relative tolerance demanded by the acceptance list of the engine issue.
RTOL = 1e-12


def _scale(scale: float | None, d: int) -> float:
    # The paper's (Alman and Song's) default scale is 1/d; tests pass None to mean it.
    return 1.0 / d if scale is None else float(scale)


def einsum_tensor_attention(Q, K1, K2, V1, V2, scale=None) -> np.ndarray:
    """Tensor attention by the definition: all n1*n2 scores, one stable softmax.

    ``scores = einsum('l,jl,kl->jk', q, K1, K2) * scale``; ``P`` = softmax over every
    entry of ``scores``; ``out = einsum('jk,jl,kl->l', P, V1, V2)``.
    """
    Q, K1, K2, V1, V2 = (np.asarray(x, dtype=np.float64) for x in (Q, K1, K2, V1, V2))
    c = _scale(scale, K1.shape[1])

    def one(q: np.ndarray) -> np.ndarray:
        s = np.einsum("l,jl,kl->jk", q, K1, K2) * c
        e = np.exp(s - s.max())
        P = e / e.sum()
        return np.einsum("jk,jl,kl->l", P, V1, V2)

    return one(Q) if Q.ndim == 1 else np.stack([one(q) for q in Q])


def einsum_attention(Q, K, V, scale=None) -> np.ndarray:
    """Standard attention ``softmax(K q * scale)^T V`` by the definition."""
    Q, K, V = (np.asarray(x, dtype=np.float64) for x in (Q, K, V))
    c = _scale(scale, K.shape[1])

    def one(q: np.ndarray) -> np.ndarray:
        s = np.einsum("l,jl->j", q, K) * c
        e = np.exp(s - s.max())
        return np.einsum("j,jl->l", e / e.sum(), V)

    return one(Q) if Q.ndim == 1 else np.stack([one(q) for q in Q])


def assert_close(actual, expected, value_scale: float) -> None:
    """``assert_allclose`` at rtol 1e-12 with an absolute floor tied to the output scale.

    Every output entry of (tensor) attention is a convex combination of value entries,
    so it is bounded by ``value_scale`` (max |V| or max |V1_j ∘ V2_k|). An output entry
    can still cancel to ~0, where a purely relative test is meaningless; its rounding
    error is then a few ulps of ``value_scale`` times the logit error (logits are kept
    below a few hundred by the tests, so that error is < 1e-13·value_scale). The floor
    ``1e-12·value_scale`` is therefore the same 1e-12 *relative to the output scale*.
    """
    atol = RTOL * max(float(value_scale), np.finfo(float).tiny)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=atol)


def value_scale_tensor(V1, V2) -> float:
    """max |V1_j ∘ V2_k| over all pairs: the bound on every tensor-attention output."""
    return float(np.max(np.abs(V1)) * np.max(np.abs(V2)))


def random_factors(rng: np.random.Generator, n1: int, d: int, n2: int | None = None):
    """Standard-normal ``(K1, K2, V1, V2)`` with ``n1`` and ``n2`` rows."""
    n2 = n1 if n2 is None else n2
    return (
        rng.standard_normal((n1, d)),
        rng.standard_normal((n2, d)),
        rng.standard_normal((n1, d)),
        rng.standard_normal((n2, d)),
    )


@pytest.fixture(scope="session")
def ref() -> SimpleNamespace:
    """The reference implementations and tolerance helpers of this file."""
    return SimpleNamespace(
        RTOL=RTOL,
        tensor_attention=einsum_tensor_attention,
        attention=einsum_attention,
        assert_close=assert_close,
        value_scale_tensor=value_scale_tensor,
        random_factors=random_factors,
    )


def _kernel_signal_state(signals) -> dict[str, str]:
    """Each signal's disposition as the kernel sees it (Linux): ignored, blocked or neither.

    ``signal.getsignal`` reports only what Python installed; a library that changes the
    disposition from C (or a mask left blocked) shows only here, and it is what a child
    process inherits.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            fields = dict(line.rstrip("\n").split(":\t", 1) for line in fh if line.startswith("Sig"))
    except OSError:  # not Linux: Python's view only
        return {}
    ignored, blocked = int(fields["SigIgn"], 16), int(fields["SigBlk"], 16)
    return {
        s.name: ("ignored" if ignored >> (s - 1) & 1 else "") + ("blocked" if blocked >> (s - 1) & 1 else "")
        for s in signals
    }


@pytest.fixture(autouse=True)
def _signal_dispositions_restored(request):
    """Fail a test that leaves SIGINT's or SIGTERM's handler changed in the pytest process.

    A leaked ``SIG_IGN`` is silent and far-reaching: every child started later inherits
    it, and a Python child then installs no ``KeyboardInterrupt`` handler, so Ctrl-C
    tests of the command would pass or fail by test order. (No test of the suite does so;
    a pytest started as a background job of a non-interactive shell, ``pytest &`` in a
    script, inherits SIGINT ignored from the shell, as POSIX specifies, which is why the
    signal tests give their children SIGINT's default disposition.)
    """
    import signal

    watched = (signal.SIGINT, signal.SIGTERM)
    before = {s: signal.getsignal(s) for s in watched}
    kernel_before = _kernel_signal_state(watched)
    yield
    changed = {
        signal.Signals(s).name: (before[s], signal.getsignal(s))
        for s in watched
        if signal.getsignal(s) != before[s]
    }
    kernel_after = _kernel_signal_state(watched)
    if kernel_after != kernel_before:
        changed["kernel"] = (kernel_before, kernel_after)
    if changed:  # restore (Python's view and the kernel's), so that a leak is reported once
        for s in watched:
            if before[s] is not None:
                signal.signal(s, before[s])
    assert not changed, f"{request.node.nodeid} left signal dispositions changed (before, after): {changed}"
