"""Every explorer of the proof suite on many seeds: a property that raises on valid input is a bug.

The report explores every claim with one seed per run; a crash there (an explorer whose
property or score raises instead of holding or failing) makes ``tensorkv-check report
--seed S`` exit 1 for that seed. A crash on valid input is a failure of the tool, never
a finding.

* Default run: every registered explorer on seeds 0..24. Each seed draws, with that
  hypothesis seed, :data:`EXAMPLES` examples from the explorer's search space (hypothesis
  starts with the simplest example, the same for every seed, then draws at random) and
  evaluates the property and the score with :func:`tensorkv_check.claims.evaluate`
  (hypothesis' example generation is the one :func:`tensorkv_check.claims.explore` uses). Failing examples
  are findings and are not shrunk (shrinking a legitimate failure, e.g. the n = 257
  finding of thm:two-cache-lb, costs seconds per seed and says nothing about crashes).
* ``-m slow``: the full path of the report, :func:`tensorkv_check.claims.explore` with
  shrinking, replay, snippet and the side study (``extra``), on seeds 0..99.
"""

from __future__ import annotations

import pytest

from tensorkv_check.claims import evaluate, explore, load_all

#: Seeds of the default run and of the slow run.
SEEDS = range(25)
#: Examples drawn per seed in the default run: the simplest one and one random draw.
EXAMPLES = 2
SLOW_SEEDS = range(100)
#: Example budget of each explore() call of the slow run (the quick report uses 8).
SLOW_BUDGET = 2


def _explorer_keys() -> list[str]:
    return [e.key for e in load_all().explorers()]


def _explorer(key: str):
    return next(e for e in load_all().explorers() if e.key == key)


def _crashes_drawn(exp, seed: int) -> list[str]:
    """Crashes of the property or score on the examples drawn with hypothesis seed ``seed``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hyp_seed
    from hypothesis import strategies as st

    found: list[str] = []

    @hyp_seed(seed)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(exp.space(st))
    def run(example):
        status, text = evaluate(exp, example)
        if status == "holds" and exp.score is not None:
            try:
                float(exp.score(example))
            except Exception as exc:  # the report counts a crashing score as a crash too
                status, text = "crash", f"{type(exc).__name__} in score: {exc}"
        if status == "crash":
            found.append(f"seed {seed}: {text} (example {example!r})")

    run()
    return found


# Adversarial inputs (entries up to 1e150, subnormals, infinite logits) overflow or
# underflow on purpose inside the properties; numpy's warnings about it are not findings.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("key", _explorer_keys())
def test_explorer_does_not_crash_on_25_seeds(key):
    exp = _explorer(key)
    crashes = [c for seed in SEEDS for c in _crashes_drawn(exp, seed)]
    assert not crashes, f"{key} crashed on valid input:\n" + "\n".join(crashes)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("key", _explorer_keys())
def test_explorer_and_side_study_do_not_crash_on_100_seeds(key):
    exp = _explorer(key)
    crashes = []
    for seed in SLOW_SEEDS:
        res = explore(exp, budget=SLOW_BUDGET, seed=seed)
        if res["kind"] == "error":
            crashes.append(f"seed {seed}: {res['failure'] or res['observations']} (example {res['example']})")
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
