"""Every explorer of the proof suite on many seeds: a property that raises on valid input is a bug.

The report explores every claim with one seed per run; a crash there (an explorer whose
property raises instead of holding or failing) makes ``tensorkv-check report --seed S``
exit 1 for that seed. These tests run every registered explorer through the public
exploration API (:func:`tensorkv_check.claims.explore`) on seeds 0..24 at a small
budget in the default run, and on seeds 0..99 behind ``-m slow``. A crash on valid
input is a failure of the tool, never a finding, so the only accepted kinds are
``refuted``, ``hypothesis-necessary`` and ``explored``.

The explorers' side studies (``extra``: dimension scans, timing searches) do not depend
on the drawn examples; the default run leaves them out to stay fast, the slow run
includes them.
"""

from __future__ import annotations

import dataclasses

import pytest

from tensorkv_check.claims import explore
from tensorkv_check.claims.registry import load_all

#: Examples per explorer (times its weight) and seeds of the default run.
BUDGET = 2
SEEDS = range(25)
#: Seeds of the slow run.
SLOW_SEEDS = range(100)


def _explorer_keys() -> list[str]:
    return [e.key for e in load_all().explorers()]


def _explorer(key: str, *, with_extra: bool):
    exp = next(e for e in load_all().explorers() if e.key == key)
    return exp if with_extra else dataclasses.replace(exp, extra=None)


def _crashes(key: str, seeds: range, *, with_extra: bool) -> list[str]:
    exp = _explorer(key, with_extra=with_extra)
    out = []
    for seed in seeds:
        res = explore(exp, budget=BUDGET, seed=seed)
        if res["kind"] == "error":
            detail = res["failure"] or res["observations"]
            out.append(f"seed {seed}: {detail} (example {res['example']})")
    return out


# Adversarial inputs (entries up to 1e150, subnormals, infinite logits) overflow or
# underflow on purpose inside the properties; numpy's warnings about it are not findings.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("key", _explorer_keys())
def test_explorer_does_not_crash_on_25_seeds(key):
    crashes = _crashes(key, SEEDS, with_extra=False)
    assert not crashes, f"{key} crashed on valid input:\n" + "\n".join(crashes)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("key", _explorer_keys())
def test_explorer_and_side_study_do_not_crash_on_100_seeds(key):
    crashes = _crashes(key, SLOW_SEEDS, with_extra=True)
    assert not crashes, f"{key} crashed on valid input:\n" + "\n".join(crashes)


def test_covering_grid_points_are_never_empty():
    # A grid of side 2 in d >= 2 is only the corners {-1, 1}^d, all outside the unit ball;
    # the explorers of thm:covering crashed on it with "points must not be empty".
    from tensorkv_check.claims import run_case

    for name, radius in (("separated-sets-below-volumetric", 1.0), ("points-outside-unit-ball", 2.0)):
        for d in (2, 3, 4):
            ex = {"kind": "grid", "n": 1, "d": d, "delta": 1.0, "seed": 0, "radius": radius}
            assert run_case("thm:covering", name, ex) is None


def test_covering_inside_points_lie_in_the_unit_ball():
    # The inside explorer of thm:covering must draw only keys of norm <= 1 (its hypothesis):
    # clustered and near-duplicate points come from Gaussian offsets that can leave the ball.
    import numpy as np

    from proofs.covering import _points

    for kind in ("sphere", "ball", "clustered", "grid", "near-duplicate"):
        for n, d, seed in ((1, 1, 0), (1, 1, 3), (1, 2, 0), (7, 1, 3), (40, 2, 1), (300, 4, 2), (5, 1, 11)):
            P = _points(kind, n, d, seed, 1.0)
            assert P.shape[0] >= 1 and P.shape[1] == d, (kind, n, d, seed)
            assert np.linalg.norm(P, axis=1).max() <= 1 + 1e-12, (kind, n, d, seed)
