"""The compiled exp of the decode steps (tensorkv_check.engine._fastexp)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from tensorkv_check.engine import _fastexp as fe

att = importlib.import_module("tensorkv_check.engine.exact_attention")


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.spacing(want)


def test_kernel_is_compiled():
    # numba is a dependency: a silent fall-back to np.exp would lose the speed targets.
    assert fe.jit_available()


def test_within_two_ulps_of_numpy_over_the_whole_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            -np.geomspace(1e-300, 708.0, 50_000),  # every scale of |x|, tiny to the flush limit
            -rng.uniform(0.0, 708.0, 50_000),
            rng.uniform(0.0, 700.0, 20_000),  # positive shifts are allowed too
            [0.0, -0.0, -708.0, 5e-324, -5e-324],
        ]
    )
    S = x.reshape(4, -1).copy() if x.size % 4 == 0 else np.pad(x, (0, -x.size % 4)).reshape(4, -1)
    want = np.exp(S)
    got = S.copy()
    assert got.size >= fe.MIN_JIT_SIZE  # the compiled path, not the fall-back
    fe.exp_shifted_inplace(got, 0.0)
    assert _ulps(got, want).max() <= 2.0
    assert got[S == 0.0].tolist() == [1.0] * int((S == 0.0).sum())


def test_relative_error_on_the_engines_logit_range_is_below_2_5e_16():
    # The decode steps exponentiate scores shifted by their running maximum: arguments in
    # [-708, 0] (below, exactly 0). Measured: max |exp_jit - np.exp| / np.exp = 2.22e-16.
    rng = np.random.default_rng(2)
    x = np.concatenate(
        [-rng.uniform(0.0, 708.0, 1 << 18), -np.geomspace(1e-300, 708.0, 1 << 16), [0.0, -708.0]]
    )
    S = np.pad(x, (0, -x.size % 4)).reshape(4, -1).copy()
    got = S.copy()
    fe.exp_shifted_inplace(got, 0.0)
    rel = np.abs(got - np.exp(S)) / np.exp(S)
    assert rel.max() <= 2.5e-16


def test_shift_is_subtracted_and_tiny_results_flush_to_zero():
    S = np.full((1, fe.MIN_JIT_SIZE), 3.0)
    S[0, :4] = [3.0, 3.0 - 708.0, 3.0 - 708.5, -1e300]
    fe.exp_shifted_inplace(S, 3.0)
    assert S[0, 0] == 1.0
    assert _ulps(S[0, 1:2], np.exp([-708.0])).max() <= 2.0
    assert S[0, 2] == 0.0 and S[0, 3] == 0.0  # below e^-708 (< 3.3e-308): exactly 0


def test_small_arrays_use_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    S = -rng.random((3, 5)) * 50
    got = S.copy()
    fe.exp_shifted_inplace(got, 1.5)
    assert np.array_equal(got, np.exp(S - 1.5))


def test_fallback_without_numba_equals_numpy(monkeypatch):
    monkeypatch.setattr(fe, "_KERNEL", None)
    assert not fe.jit_available()
    S = -np.random.default_rng(2).random((4, fe.MIN_JIT_SIZE)) * 700
    got = S.copy()
    fe.exp_shifted_inplace(got, 0.25)
    assert np.array_equal(got, np.exp(S - 0.25))


def test_streamed_standard_attention_equals_direct(monkeypatch, ref):
    # Force the threaded, row-blocked path of one standard-attention query (the two-cache
    # step) at a small size, with several blocks per worker and a ragged last block.
    monkeypatch.setattr(att, "_PARALLEL_MIN_ROW_WORK", 1)
    monkeypatch.setattr(att, "_ROW_BLOCK", 97)
    monkeypatch.setattr(att._parallel, "workers", lambda: 2)
    rng = np.random.default_rng(3)
    n, d = 1000, 8
    K, V, q = rng.standard_normal((n, d)), rng.standard_normal((n, d)), rng.standard_normal(d)
    K[617] = q * 40  # the maximum sits in a late block: earlier blocks must be rescaled
    out = att._attention(q, K, V, 1.0)
    ref.assert_close(out, ref.attention(q, K, V, 1.0), np.abs(V).max())


def test_streamed_standard_attention_reports_overflow(monkeypatch):
    monkeypatch.setattr(att, "_PARALLEL_MIN_ROW_WORK", 1)
    monkeypatch.setattr(att, "_ROW_BLOCK", 16)
    monkeypatch.setattr(att._parallel, "workers", lambda: 2)
    K = np.ones((100, 2))
    K[50] = 1e200
    with pytest.raises(ValueError, match="logits overflow"):
        att._attention(np.array([1e200, 1e200]), K, np.ones((100, 2)), 1.0)


def test_one_shift_per_row():
    rng = np.random.default_rng(4)
    S = rng.standard_normal((8, fe.MIN_JIT_SIZE // 4)) * 30
    top = S.max(axis=1, keepdims=True)
    got = S.copy()
    fe.exp_shifted_inplace(got, top)
    want = np.exp(S - top)
    assert _ulps(got[want > 0], want[want > 0]).max() <= 2.0
    assert np.array_equal(got.max(axis=1), np.ones(8))
    with pytest.raises(ValueError, match="one value per row"):
        fe.exp_shifted_inplace(S.copy(), top[:3])


@pytest.mark.parametrize("jit", [True, False])
def test_row_dots_and_weighted_rows_equal_blas(monkeypatch, jit):
    if not jit:
        monkeypatch.setattr(fe, "_KERNEL", None)
    rng = np.random.default_rng(5)
    n, d = fe.MIN_JIT_SIZE // 8 + 3, 8  # odd n; large enough for the compiled path
    K, V, q, p = (
        rng.standard_normal((n, d)),
        rng.standard_normal((n, d)),
        rng.standard_normal(d),
        rng.random(n),
    )
    out = np.empty(n)
    fe.row_dots_into(K, q, out)
    np.testing.assert_allclose(out, K @ q, rtol=1e-13, atol=1e-13 * np.abs(K).max() * np.abs(q).sum())
    num = np.ones(d)
    fe.add_weighted_rows(p, V, num)
    np.testing.assert_allclose(num, 1.0 + p @ V, rtol=1e-13, atol=1e-13 * n)


def test_row_kernels_check_shapes():
    K = np.ones((4, 3))
    with pytest.raises(ValueError, match="row_dots_into needs"):
        fe.row_dots_into(K, np.ones(2), np.empty(4))
    with pytest.raises(ValueError, match="add_weighted_rows needs"):
        fe.add_weighted_rows(np.ones(3), K, np.zeros(3))


def test_large_steps_give_the_same_bits_on_one_thread_or_two(monkeypatch):
    # A runner task in a one-thread worker and the same task on a whole machine must agree
    # to the bit (the report's execution modes are byte-identical).
    monkeypatch.setattr(att, "_PARALLEL_MIN_PAIRS", 1)
    monkeypatch.setattr(att, "_PARALLEL_MIN_ROW_WORK", 1)
    monkeypatch.setattr(att, "_ROW_BLOCK", 97)
    rng = np.random.default_rng(6)
    K1, K2, V1, V2 = rng.standard_normal((4, 300, 8))
    K, V, q = rng.standard_normal((1000, 8)), rng.standard_normal((1000, 8)), rng.standard_normal(8)
    outs = []
    for threads in (1, 2):
        monkeypatch.setattr(att._parallel, "workers", lambda t=threads: t)
        outs.append(
            (
                att._tensor_attention(q, K1, K2, V1, V2, 0.5, block_bytes=8 * 300 * 7),
                att._attention(q, K, V, 0.5),
            )
        )
    for a, b in zip(*outs):
        assert np.array_equal(a, b)
