"""Tests of tensorkv_check.engine.jl: JL matrices, near-orthogonal keys and their dimensions.

Chen et al. 2025 (arXiv 2503.11108), Lemmas 3.4 and 3.5, and the near-orthogonal keys
of the Haris–Onak reduction. The dimension formulas are tested against hand-computed
values and against their defining inequalities (the returned dimension satisfies the
union bound, one less does not).
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from tensorkv_check.engine.jl import (
    gaussian_jl,
    jl_dimension,
    max_abs_inner,
    near_orthogonal_dimension,
    near_orthogonal_keys,
    sign_jl,
)
from tensorkv_check.engine.stats import clopper_pearson

jlmod = importlib.import_module("tensorkv_check.engine.jl")


# ------------------------------------------------------------------------ JL matrices
@pytest.mark.parametrize("make", [gaussian_jl, sign_jl])
def test_shapes_and_determinism(make):
    a = make(7, 11, np.random.default_rng(3))
    b = make(7, 11, np.random.default_rng(3))
    assert a.shape == (7, 11) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(make(7, 11, 3), a)  # an int is a seed


def test_gaussian_entries_have_variance_one_over_k():
    k, d = 50, 20_000
    S = gaussian_jl(k, d, np.random.default_rng(0))
    # 10^6 entries: the sample variance of k·S has standard error sqrt(2/10^6) ≈ 0.0014.
    assert abs((S * math.sqrt(k)).var() - 1.0) < 0.01
    assert abs(S.mean()) < 0.01 / math.sqrt(k)


def test_gaussian_norm_is_unbiased():
    # k‖Sx‖²/‖x‖² ~ χ²_k: over 2000 draws the mean of ‖Sx‖²/‖x‖² is 1 ± 3·sqrt(2/(k·2000)).
    rng = np.random.default_rng(1)
    k, d = 20, 64
    x = rng.standard_normal(d)
    r = np.array([np.sum((gaussian_jl(k, d, rng) @ x) ** 2) for _ in range(2000)]) / (x @ x)
    assert abs(r.mean() - 1.0) < 3 * math.sqrt(2 / (k * 2000))


def test_sign_entries_are_plus_minus_one_over_sqrt_k():
    k = 9
    S = sign_jl(k, 1000, np.random.default_rng(2))
    assert set(np.unique(S)) == {-1 / 3, 1 / 3}
    assert abs((S > 0).mean() - 0.5) < 0.02  # 9000 fair signs: standard error 0.005


def test_sign_jl_preserves_sparse_vectors_exactly():
    # ±1/√k entries: ‖S e_1‖² = k · 1/k = 1 for every draw.
    S = sign_jl(16, 5, np.random.default_rng(4))
    assert np.isclose(np.sum(S[:, 0] ** 2), 1.0)


# ------------------------------------------------------------------------- dimensions
def test_jl_dimension_hand_values():
    # 2 ln(400) / (1/8 − 1/24) = 24 ln 400 = 143.79...
    assert jl_dimension(0.5, 0.1, 20) == 144
    # ε = 0.1: a = 0.005 − 0.000333... = 0.0046666...; 2 ln(2/0.05)/a = 1581.0...
    assert jl_dimension(0.1, 0.05, 1) == math.ceil(2 * math.log(40) / (0.005 - 0.001 / 3))


@pytest.mark.parametrize("eps", [0.05, 0.2, 0.5, 0.9])
@pytest.mark.parametrize("delta", [1e-6, 0.01, 0.3])
@pytest.mark.parametrize("f", [1, 10, 10_000])
def test_jl_dimension_is_the_least_k_of_the_union_bound(eps, delta, f):
    a = eps**2 / 2 - eps**3 / 3
    k = jl_dimension(eps, delta, f)
    assert 2 * f * math.exp(-k * a / 2) <= delta * (1 + 1e-12)
    assert 2 * f * math.exp(-(k - 1) * a / 2) > delta
    if eps <= 0.5:  # the explicit O-constant of lem:jl-gaussian
        assert k <= 6 * math.log(2 * f / delta) / eps**2 + 1


def test_jl_dimension_monotone():
    assert jl_dimension(0.2, 0.1, 10) > jl_dimension(0.3, 0.1, 10)
    assert jl_dimension(0.2, 0.01, 10) > jl_dimension(0.2, 0.1, 10)
    assert jl_dimension(0.2, 0.1, 100) > jl_dimension(0.2, 0.1, 10)


def test_near_orthogonal_dimension_hand_value_and_least():
    assert near_orthogonal_dimension(64, 0.5, 0.1) == 85  # 8 ln 40960 = 84.9...
    for n, eps, delta in [(2, 0.3, 0.5), (100, 0.25, 0.01), (5000, 0.1, 1e-3)]:
        d = near_orthogonal_dimension(n, eps, delta)
        assert n * n * math.exp(-d * eps**2 / 2) <= delta * (1 + 1e-12)
        assert n * n * math.exp(-(d - 1) * eps**2 / 2) > delta


# ------------------------------------------------------------------------ near-orthogonal
def test_rademacher_keys_are_unit_sign_vectors():
    K = near_orthogonal_keys(30, 49, np.random.default_rng(5))
    assert K.shape == (30, 49)
    assert set(np.unique(K)) == {-1 / 7, 1 / 7}
    np.testing.assert_allclose((K**2).sum(axis=1), 1.0)


def test_gaussian_keys_are_unit():
    K = near_orthogonal_keys(30, 8, 6, kind="gaussian")
    np.testing.assert_allclose(np.linalg.norm(K, axis=1), 1.0)


def _max_abs_inner_loop(K):
    n = len(K)
    return max((abs(float(K[i] @ K[j])) for i in range(n) for j in range(n) if i != j), default=0.0)


@pytest.mark.parametrize("n, d", [(1, 3), (2, 2), (7, 5), (40, 3)])
def test_max_abs_inner_matches_the_pairwise_loop(n, d):
    K = np.random.default_rng(n * 10 + d).standard_normal((n, d))
    assert max_abs_inner(K) == pytest.approx(_max_abs_inner_loop(K), rel=1e-12, abs=0)


def test_max_abs_inner_in_several_blocks(monkeypatch):
    K = np.random.default_rng(8).standard_normal((37, 4))
    monkeypatch.setattr(jlmod, "_GRAM_BLOCK_BYTES", 8 * 37 * 5)  # blocks of 5 rows
    assert max_abs_inner(K) == pytest.approx(_max_abs_inner_loop(K), rel=1e-12)


def test_max_abs_inner_ignores_the_diagonal_only():
    assert max_abs_inner(np.eye(4)) == 0.0
    assert max_abs_inner([[1.0, 0.0], [1.0, 0.0]]) == 1.0  # a repeated key is a pair


def test_near_orthogonality_rate_at_the_explicit_dimension():
    n, eps, delta = 50, 0.5, 0.1
    d = near_orthogonal_dimension(n, eps, delta)
    rng = np.random.default_rng(9)
    ok = sum(max_abs_inner(near_orthogonal_keys(n, d, rng)) <= eps for _ in range(200))
    assert clopper_pearson(int(ok), 200, 0.99).ci_low >= 1 - delta


def test_too_small_dimension_is_not_near_orthogonal():
    # Control: at d = 4 most sets of 50 sign keys have a pair with |⟨u, v⟩| = 1 > 0.5.
    rng = np.random.default_rng(10)
    assert all(max_abs_inner(near_orthogonal_keys(50, 4, rng)) > 0.5 for _ in range(20))


# ------------------------------------------------------------------------- validation
@pytest.mark.parametrize("make", [gaussian_jl, sign_jl])
def test_jl_matrix_validation(make):
    with pytest.raises(ValueError, match="k must be >= 1"):
        make(0, 3, 0)
    with pytest.raises(TypeError, match="d must be an integer"):
        make(3, 2.5, 0)
    with pytest.raises(TypeError, match="rng must be"):
        make(3, 3, None)
    with pytest.raises(TypeError, match="rng must be"):
        make(3, 3, True)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (dict(eps=0.0), ValueError, "eps must be in \\(0, 1\\)"),
        (dict(eps=1.0), ValueError, "eps must be in \\(0, 1\\)"),
        (dict(eps="0.5"), TypeError, "eps must be a real number"),
        (dict(delta=1.5), ValueError, "delta must be in \\(0, 1\\)"),
        (dict(delta=True), TypeError, "delta must be a real number"),
        (dict(f=0), ValueError, "f must be >= 1"),
        (dict(f=2.0), TypeError, "f must be an integer"),
    ],
)
def test_jl_dimension_validation(bad, exc, match):
    args = dict(eps=0.5, delta=0.1, f=3) | bad
    with pytest.raises(exc, match=match):
        jl_dimension(**args)


def test_near_orthogonal_validation():
    with pytest.raises(ValueError, match="n must be >= 1"):
        near_orthogonal_dimension(0, 0.5, 0.1)
    with pytest.raises(ValueError, match="eps must be in \\(0, 1\\)"):
        near_orthogonal_dimension(5, 1.2, 0.1)
    with pytest.raises(ValueError, match="kind must be"):
        near_orthogonal_keys(3, 3, 0, kind="uniform")
    with pytest.raises(ValueError, match="K must be 2-D"):
        max_abs_inner(np.ones(3))
    with pytest.raises(ValueError, match="K must be finite"):
        max_abs_inner([[np.nan, 1.0]])
    with pytest.raises(TypeError, match="K must be real"):
        max_abs_inner(np.ones((2, 2), dtype=complex))
