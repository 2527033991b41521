"""Tests of :mod:`tensorkv_check.engine.stats`: exact Clopper–Pearson intervals, binary entropy.

The intervals are compared with values nobody here computed: the closed forms of the
edge cases, published textbook intervals, and the beta-quantile definition of the
Clopper–Pearson interval evaluated by ``scipy.stats.beta`` (a different scipy code
path from the ``binomtest`` the module uses).
"""

from __future__ import annotations

import dataclasses
import doctest
import json
import math

import pytest
from scipy import stats as st

from tensorkv_check.engine import stats as stats
from tensorkv_check.engine.stats import BinomialEstimate, binary_entropy, clopper_pearson


def beta_interval(k: int, n: int, conf: float) -> tuple[float, float]:
    """Clopper and Pearson 1934: Beta(k, n-k+1) and Beta(k+1, n-k) quantiles."""
    a = 1 - conf
    low = 0.0 if k == 0 else st.beta.ppf(a / 2, k, n - k + 1)
    high = 1.0 if k == n else st.beta.ppf(1 - a / 2, k + 1, n - k)
    return float(low), float(high)


@pytest.mark.parametrize(
    "k, n, conf",
    [
        (5, 10, 0.95),
        (1, 3, 0.9),
        (17, 100, 0.99),
        (999, 1000, 0.99),
        (3, 2000, 0.95),
        (50, 50, 0.999),
        (0, 7, 0.5),
        (250, 500, 0.99),
    ],
)
def test_interval_matches_the_beta_quantile_definition(k, n, conf):
    est = clopper_pearson(k, n, conf)
    low, high = beta_interval(k, n, conf)
    assert est.ci_low == pytest.approx(low, rel=1e-9, abs=1e-12)
    assert est.ci_high == pytest.approx(high, rel=1e-9, abs=1e-12)
    assert est.ci_low <= k / n <= est.ci_high


def test_textbook_values():
    # 5/10 at 95%: (0.1871, 0.8129), the classic exact interval (e.g. Agresti & Coull 1998).
    est = clopper_pearson(5, 10, 0.95)
    assert (round(est.ci_low, 4), round(est.ci_high, 4)) == (0.1871, 0.8129)


def test_edge_k_zero_closed_form():
    # k = 0: the interval is [0, 1 - (α/2)^(1/n)] exactly.
    est = clopper_pearson(0, 10, 0.95)
    assert est.ci_low == 0.0
    assert est.ci_high == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-10)
    assert round(est.ci_high, 4) == 0.3085


def test_edge_k_equals_n_closed_form():
    # k = n: [(α/2)^(1/n), 1]; the module docstring's example (0.9638 for 100/100).
    est = clopper_pearson(100, 100, 0.95)
    assert est.ci_high == 1.0
    assert est.ci_low == pytest.approx(0.025 ** (1 / 100), rel=1e-10)
    assert est.rate == 1.0


def test_single_trial():
    assert clopper_pearson(0, 1, 0.9).ci_high == pytest.approx(0.95, rel=1e-10)
    assert clopper_pearson(1, 1, 0.9).ci_low == pytest.approx(0.05, rel=1e-10)


def test_intervals_widen_with_confidence():
    a, b = clopper_pearson(30, 100, 0.9), clopper_pearson(30, 100, 0.999)
    assert b.ci_low < a.ci_low < 0.3 < a.ci_high < b.ci_high


def test_estimate_fields_and_serialisation():
    est = clopper_pearson(3, 12, parameters={"n": 8, "eps": 0.25}, seed=7)
    assert (est.trials, est.successes, est.confidence, est.seed) == (12, 3, 0.99, 7)
    assert est.rate == 0.25
    d = est.to_dict()
    assert d["method"] == "clopper-pearson" and d["parameters"] == {"n": 8, "eps": 0.25}
    assert d["rate"] == 0.25 and d["seed"] == 7
    json.dumps(d)  # JSON-serialisable as the report needs
    assert str(est).startswith("3/12 = 0.2500, 99% CI [")
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.successes = 4  # type: ignore[misc]
    assert isinstance(est, BinomialEstimate)


def test_parameters_are_copied():
    params = {"n": 1}
    est = clopper_pearson(1, 2, parameters=params)
    params["n"] = 2
    assert est.parameters == {"n": 1}


@pytest.mark.parametrize(
    "k, n, conf, exc, message",
    [
        (0, 0, 0.9, ValueError, "trials must be >= 1"),
        (0, -3, 0.9, ValueError, "trials must be >= 1"),
        (1, 2.0, 0.9, TypeError, "trials must be an integer"),
        (1, True, 0.9, TypeError, "trials must be an integer"),
        (-1, 5, 0.9, ValueError, "successes must be in [0, 5], got -1"),
        (6, 5, 0.9, ValueError, "successes must be in [0, 5], got 6"),
        (1.0, 5, 0.9, TypeError, "successes must be an integer, got float"),
        (True, 5, 0.9, TypeError, "successes must be an integer, got bool"),
        (1, 5, 0.0, ValueError, "confidence must be in (0, 1)"),
        (1, 5, 1.0, ValueError, "confidence must be in (0, 1)"),
        (1, 5, 1.5, ValueError, "confidence must be in (0, 1)"),
        (1, 5, float("nan"), ValueError, "confidence must be in (0, 1)"),
        (1, 5, "0.9", TypeError, "confidence must be a real number, got str"),
    ],
)
def test_bad_input_is_rejected_with_a_named_message(k, n, conf, exc, message):
    with pytest.raises(exc, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        clopper_pearson(k, n, conf)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_binary_entropy_endpoints(p):
    assert binary_entropy(p) == 0.0


@pytest.mark.parametrize("p", [1e-9, 0.01, 0.11, 0.25, 0.5, 0.7, 0.999])
def test_binary_entropy_matches_scipy(p):
    assert binary_entropy(p) == pytest.approx(st.entropy([p, 1 - p], base=2), rel=1e-12)
    assert binary_entropy(p) == pytest.approx(binary_entropy(1 - p), rel=1e-12)


def test_binary_entropy_known_values():
    assert binary_entropy(0.5) == 1.0
    assert binary_entropy(0.11) == pytest.approx(0.4999, abs=1e-4)  # h(0.11) ≈ 1/2
    assert binary_entropy(0.25) == pytest.approx(2 - 0.75 * math.log2(3), rel=1e-14)


@pytest.mark.parametrize("p", [-0.01, 1.01, float("nan")])
def test_binary_entropy_rejects_non_probabilities(p):
    with pytest.raises(ValueError, match="p must be in"):
        binary_entropy(p)


def test_module_doctests():
    failed, attempted = doctest.testmod(stats, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failed == 0
