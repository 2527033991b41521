"""The runner's profile of a run (per sweep, per task function, phases inside tasks) and
its Markdown rendering (``tensorkv-check report --timings``)."""

from __future__ import annotations

import time

import pytest

from tensorkv_check._util import timing
from tensorkv_check.report.timings_table import runner_efficiency, timings_table
from tensorkv_check.runner.sweep_runner import SweepRunner, Task

MOD = __name__


def sleepy(params: dict, seed: int) -> dict:
    """A task that marks two phases and sleeps as long as asked."""
    with timing.phase("setup"):
        time.sleep(params["setup"])
    timing.add_phase("work", params["work"])
    time.sleep(params["work"])
    return {"i": params["i"]}


def _tasks(n: int, setup: float = 0.01, work: float = 0.02) -> list[Task]:
    return [Task(f"{MOD}:sleepy", {"i": i, "setup": setup, "work": work}) for i in range(n)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_profile_counts_tasks_seconds_and_phases(jobs):
    timing.add_phase("left over from outside a task", 5.0)  # must not be charged to a task
    with SweepRunner(jobs=jobs) as runner:
        res = runner.run(_tasks(4), seed=0, name="demo")
        (p,) = runner.profile()
    assert [r.value for r in res] == [{"i": i} for i in range(4)]
    assert p["name"] == "demo" and p["tasks"] == p["computed"] == 4 and p["workers"] == jobs
    assert p["phases"]["work"] == pytest.approx(4 * 0.02)
    assert 4 * 0.01 <= p["phases"]["setup"] < 4 * 0.01 + 0.5
    assert "left over from outside a task" not in p["phases"]
    assert p["by_fn"]["sleepy"]["tasks"] == 4
    assert p["task_seconds"] == pytest.approx(sum(r.seconds for r in res))
    assert p["task_seconds"] >= 4 * 0.03 and p["max_task_seconds"] >= 0.03
    assert p["efficiency"] == pytest.approx(p["task_seconds"] / (p["wall_seconds"] * jobs))
    assert 0 < p["efficiency"] <= 1.0
    assert runner.describe()["sweeps"] == runner.profile()
    assert len(p["slowest"]) == 4 and p["slowest"][0]["seconds"] == p["max_task_seconds"]
    assert [t["seconds"] for t in p["slowest"]] == sorted((t["seconds"] for t in p["slowest"]), reverse=True)


def test_resumed_tasks_are_not_counted_as_computed(tmp_path):
    with SweepRunner(jobs=1, checkpoint_dir=tmp_path) as runner:
        runner.run(_tasks(3), seed=0, name="s")
    with SweepRunner(jobs=1, checkpoint_dir=tmp_path, resume=True) as runner:
        res = runner.run(_tasks(5), seed=0, name="s")
        (p,) = runner.profile()
    assert [r.resumed for r in res] == [True, True, True, False, False]
    assert p["tasks"] == 5 and p["computed"] == 2 and p["by_fn"]["sleepy"]["tasks"] == 2


def _sweep(name, workers, wall, task_s, phases=None, start=0.0):
    return {
        "start": start,
        "end": start + wall,
        "name": name,
        "tasks": 2,
        "computed": 2,
        "workers": workers,
        "wall_seconds": wall,
        "task_seconds": task_s,
        "max_task_seconds": task_s / 2,
        "efficiency": task_s / (wall * workers),
        "by_fn": {"f": {"tasks": 2, "seconds": task_s, "max": task_s / 2}},
        "phases": phases or {},
        "slowest": [{"task": f"{name}-long", "seconds": task_s / 2}],
    }


def test_runner_efficiency_pools_only_multi_worker_sweeps_and_merges_overlaps():
    sweeps = [
        _sweep("a", 2, 10.0, 18.0, start=0.0),
        _sweep("b", 2, 5.0, 5.0, start=20.0),
        _sweep("timing", 1, 100.0, 100.0, start=30.0),
    ]
    assert runner_efficiency(sweeps) == pytest.approx(23.0 / 30.0)
    # b inside a's interval: the workers were shared, the time counts once.
    inside = [_sweep("a", 2, 10.0, 14.0, start=0.0), _sweep("b", 2, 4.0, 4.0, start=3.0)]
    assert runner_efficiency(inside) == pytest.approx(18.0 / 20.0)
    assert runner_efficiency([_sweep("timing", 1, 1.0, 1.0)]) is None


def test_timings_table_lists_stages_sweeps_functions_and_phases():
    report = {
        "profile": "full",
        "seed": 0,
        "timings": {
            "wall_seconds": {"claims": 30.0, "index": 70.0, "total": 100.0},
            "runner": {
                "mode": "processes",
                "jobs": 2,
                "sweeps": [_sweep("index-C", 2, 10.0, 18.0, {"run_index: eps": 7.5})],
            },
        },
    }
    text = timings_table(report)
    assert "| index | 70.0 | 70% |" in text and "| total | 100.0 |  |" in text
    assert "| index-C | 2 | 2 | 10.00 | 18.00 | 9.00 | 0.90 |" in text
    assert "**0.90**" in text  # one sweep: its interval, its efficiency
    assert "| run_index: eps | 7.5 |" in text
    assert "| index-C-long | index-C | 9.00 |" in text
    assert text.index("| index |") < text.index("| claims |")  # longest stage first


def test_index_runs_mark_their_phases():
    from tensorkv_check.index import reduction
    from tensorkv_check.index.sweeps import index_point

    params = {"algorithm": "exact", "model": "standard", "n": 64, "d": 32, "queries": 100, "eps": 0.25}
    with SweepRunner(jobs=1) as runner:
        runner.run([Task.of(index_point, params)], seed=0, name="one")
        (p,) = runner.profile()
    assert set(p["phases"]) == set(reduction._PHASE_NAMES.values())
    assert sum(p["phases"].values()) <= p["task_seconds"]


# ------------------------------------------------------------------ stages at the same time


class _StoppableRunner:
    """A stand-in runner: ``stop()`` releases the stages that wait on it."""

    parallel = True

    def __init__(self):
        import threading

        self.stopped = threading.Event()

    def stop(self):
        self.stopped.set()


def test_the_first_failing_stage_stops_the_runner_and_its_error_propagates():
    from tensorkv_check.runner.stages import run_concurrently

    runner = _StoppableRunner()

    def bad():
        raise ValueError("planted stage failure")

    def waits():  # a long stage: it ends only when the runner is stopped
        if not runner.stopped.wait(10.0):
            return "never stopped"
        raise RuntimeError("the sweep runner was stopped")

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="planted stage failure"):
        run_concurrently({"waits": waits, "bad": bad}, runner)
    assert runner.stopped.is_set() and time.perf_counter() - t0 < 5.0


def test_stages_run_at_the_same_time_on_a_parallel_runner_and_in_order_otherwise():
    import threading

    from tensorkv_check.runner.stages import run_stages

    both = threading.Barrier(2, timeout=5.0)  # passes only if the two stages overlap
    out = run_stages({"a": lambda: both.wait() * 0 + 1, "b": lambda: both.wait() * 0 + 2}, _StoppableRunner())
    assert out == {"a": 1, "b": 2}
    order: list[str] = []
    serial = SweepRunner(jobs=1)
    run_stages({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, serial)
    assert order == ["a", "b"] and not serial.parallel


def dies_once(params: dict, seed: int) -> dict:
    """Kills its worker the first time (a marker file records it), then returns."""
    import os
    from pathlib import Path

    mark = Path(params["mark"])
    if params.get("die") and not mark.exists():
        mark.write_text("died")
        os._exit(17)
    time.sleep(params.get("sleep", 0.0))
    return {"i": params["i"]}


def test_a_worker_death_in_one_sweep_spares_a_sweep_running_beside_it(tmp_path):
    import threading

    mark = str(tmp_path / "mark")
    a = [Task(f"{MOD}:dies_once", {"i": i, "mark": mark, "die": i == 2, "sleep": 0.2}) for i in range(4)]
    b = [Task(f"{MOD}:dies_once", {"i": i, "mark": mark, "sleep": 0.3}) for i in range(6)]
    results = {}
    with SweepRunner(jobs=2) as runner:
        runner.run(a[:1], seed=0, name="warm")
        tb = threading.Thread(target=lambda: results.setdefault("b", runner.run(b, seed=0, name="b")))
        tb.start()
        results["a"] = runner.run(a, seed=0, name="a")
        tb.join(60)
    assert [r.value for r in results["a"]] == [{"i": i} for i in range(4)]  # the dead task retried alone
    assert [r.value for r in results["b"]] == [{"i": i} for i in range(6)], [r.error for r in results["b"]]
