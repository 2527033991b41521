"""Every claim check of the proof suite on many seeds: a check that raises is a tool bug.

A crash on valid input, on any seed, makes ``tensorkv-check report --seed S`` exit 1 and
its claim ``failing``; it is never a finding. The explorers have their own many-seeds test
(``test_explorers_many_seeds.py``); this one runs the claim checks, which the report runs
once per seed.

* Default run: every (non-slow) claim check on seeds 1..20 under the ``smoke`` profile of
  :class:`~tensorkv_check.claims.registry.CheckContext` (the quick profile's code paths at
  the smallest sizes: about 3 s of CPU a seed), the seeds spread over a two-process pool.
  Smoke verdicts are not meaningful (5 trials decide nothing), so only errors and escaping
  warnings are judged; the quick profile's verdicts are the report's (seed 0) and the
  quick report on seed 7 (``test_report_seed.py``).
* ``-m slow``: the quick profile, as the report runs it, on seeds 0..99.

Two assertions: no check ends with outcome ``"error"`` (the message carries the error and
where it was raised), and no check lets a Python warning escape (numpy's overflow
``RuntimeWarning`` and the like reach the user's terminal in ``tensorkv-check check``).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from tensorkv_check.claims import load_all
from tensorkv_check.claims.registry import CheckContext, CheckResult, Registry
from tensorkv_check.runner.backends import mp_context

#: Seeds of the default (smoke) run and of the slow (quick-profile) run.
SEEDS = range(1, 21)
SLOW_SEEDS = range(100)
#: Worker processes of the default run (the machine the suite targets has two cores).
WORKERS = 2


def problems(seed: int, profile: str = "smoke", registry: Registry | None = None) -> dict[str, list[str]]:
    """Errors and escaping warnings of every non-slow check of ``registry`` on ``seed``.

    Each check runs as the report runs it (:meth:`Check.run` turns an exception into
    outcome ``"error"``), inside its own ``warnings.catch_warnings`` so that every
    warning is attributed to the check that raised it.
    """
    registry = load_all() if registry is None else registry
    ctx = CheckContext(seed=seed, profile=profile)  # type: ignore[arg-type]
    errors: list[str] = []
    warned: list[str] = []
    for cid in registry.select(None):
        for ck in registry[cid].checks:
            if ck.slow:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result, _ = ck.run(ctx)
            if result.outcome == "error":
                where = result.details.get("traceback", "").strip().splitlines()[-3:-1]
                errors.append(
                    f"seed {seed} {ck.node_id}: {result.summary} [{' | '.join(s.strip() for s in where)}]"
                )
            warned += [
                f"seed {seed} {ck.node_id}: {w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                for w in caught
            ]
    return {"errors": errors, "warnings": warned}


def _smoke_problems(seed: int) -> dict[str, list[str]]:
    # A pool task: the worker loads the proof suite once and keeps it for its next seeds.
    return problems(seed, "smoke")


def run_seeds(seeds, workers: int = WORKERS) -> dict[int, dict[str, list[str]]]:
    """:func:`problems` of every seed under smoke, over ``workers`` processes.

    The sweep runner's start method and forkserver preload (never fork from a threaded
    parent): the forkserver is shared by the whole test session, and the first pool to
    start it fixes what every later worker inherits.
    """
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context()) as pool:
        return dict(zip(seeds, pool.map(_smoke_problems, seeds)))


def assert_no_errors(found: dict[int, dict[str, list[str]]]) -> None:
    errors = [e for seed in sorted(found) for e in found[seed]["errors"]]
    assert not errors, f"{len(errors)} claim check(s) crashed on valid input:\n" + "\n".join(errors)


def assert_no_warnings(found: dict[int, dict[str, list[str]]]) -> None:
    warned = [w for seed in sorted(found) for w in found[seed]["warnings"]]
    assert not warned, f"{len(warned)} warning(s) escaped from claim checks:\n" + "\n".join(warned[:20])


@pytest.fixture(scope="module")
def smoke_run() -> dict[int, dict[str, list[str]]]:
    return run_seeds(list(SEEDS))


def test_no_claim_check_crashes_on_20_seeds(smoke_run):
    assert sorted(smoke_run) == list(SEEDS)
    assert_no_errors(smoke_run)


def test_no_claim_check_lets_a_warning_escape_on_20_seeds(smoke_run):
    assert_no_warnings(smoke_run)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_no_claim_check_crashes_on_100_seeds(seed):
    found = {seed: problems(seed, "quick")}
    assert_no_errors(found)
    assert_no_warnings(found)


# ----------------------------------------------------------------- the test of the test
def _planted_registry() -> Registry:
    """A toy registry whose check raises on seed 7 only and warns (overflow) on seed 3 only."""
    reg = Registry()
    c = reg.claim("toy:seeds", paper_ref="self-test", sources=("inferred",), statement="holds on every seed")

    @c.empirical("fragile")
    def _(ctx):
        if ctx.seed == 7:
            raise IndexError("index 3 is out of bounds for axis 0 with size 3")
        return CheckResult.ok("fine")

    @c.empirical("overflowing")
    def _(ctx):
        x = np.float64(1000.0 if ctx.seed == 3 else 1.0)
        return CheckResult.ok(f"exp = {np.exp(x)}")

    return reg


def test_a_check_crashing_on_one_seed_fails_the_many_seeds_test():
    reg = _planted_registry()
    found = {seed: problems(seed, "smoke", reg) for seed in SEEDS}
    assert [s for s in found if found[s]["errors"]] == [7]
    with pytest.raises(
        AssertionError, match=r"seed 7 toy:seeds::fragile: IndexError: index 3 is out of bounds"
    ):
        assert_no_errors(found)
    assert [s for s in found if found[s]["warnings"]] == [3]
    with pytest.raises(AssertionError, match=r"seed 3 toy:seeds::overflowing: RuntimeWarning: overflow"):
        assert_no_warnings(found)
