"""Tests of the sweep runner (tensorkv_check.runner.sweep_runner: the three back-ends give the
same bytes, failing and dying tasks are reported, checkpoints resume without recomputing,
Ctrl-C leaves the previous report intact, and a missing Dask says how to install it."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tensorkv_check.cli import _common as cli_common
from tensorkv_check.cli import command as cli
from tensorkv_check.index import sweeps as index_sweeps
from tensorkv_check.report import build, render_json
from tensorkv_check.runner import sweep_runner as runner
from tensorkv_check.runner.sweep_runner import (
    DaskUnavailableError,
    SweepRunner,
    Task,
    TaskResult,
    run_tasks,
    task_seed,
    values,
)
from tensorkv_check.tradeoff import section as tradeoff_section

#: How worker processes import this module's task functions (pytest puts tests/ on sys.path).
MOD = __name__


@pytest.fixture(autouse=True)
def _plumbing_sections(monkeypatch):
    # Reports run here test the command's plumbing; the heavy sections (SubGen, geometry,
    # frontier, explore) run for real once, in test_report_e2e.
    monkeypatch.setattr(build, "SECTIONS", [s for s in build.SECTIONS if s.name in ("tradeoff", "index")])


# ------------------------------------------------------------------ task functions


def _count(params: dict) -> int:
    """Append this task's key to the counter file; return how many times it ran before."""
    path = Path(params["counter"])
    before = path.read_text().split().count(params["name"]) if path.exists() else 0
    with open(path, "a") as fh:  # O_APPEND: one short line per call, atomic across processes
        fh.write(params["name"] + "\n")
    return before


def blas_threads(params: dict, seed: int) -> dict:
    """The BLAS thread count a task runs with."""
    from threadpoolctl import threadpool_info

    return {"threads": sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})}


def counted(params: dict, seed: int) -> dict:
    """A seeded task that records each call; misbehaves as ``params`` ask."""
    import numpy as np

    before = _count(params) if "counter" in params else 0
    if params.get("raise"):
        raise ValueError(f"planted failure in {params['name']}")
    if params.get("die") == "always" or (params.get("die") == "once" and before == 0):
        os._exit(17)  # a worker process dying mid-task, as a segfault or OOM kill would
    rng = np.random.default_rng(seed)
    return {
        "name": params["name"],
        "draw": float(rng.standard_normal()),
        "ints": (1, 2),
        "np": np.int64(3),
        "nan": float("nan"),
    }


def pool_children() -> list:
    """Live child processes of this one, apart from the Dask fixture's workers."""
    return [p for p in multiprocessing.active_children() if "Dask" not in p.name]


def counter_lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def tasks_of(n: int, counter: Path | None = None, **special) -> list[Task]:
    out = []
    for i in range(n):
        p = {"name": f"t{i}"}
        if counter is not None:
            p["counter"] = str(counter)
        p.update(special.get(f"t{i}", {}))
        out.append(Task(f"{MOD}:counted", p))
    return out


# ------------------------------------------------------------------ Dask cluster


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    import dask

    # One retry after a worker death (the scheduler's default is 3), as the runner promises.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


# ------------------------------------------------------------------ determinism


def test_task_seed_depends_on_seed_and_key_only():
    assert task_seed(3, "a") == task_seed(3, "a")
    assert len({task_seed(3, "a"), task_seed(3, "b"), task_seed(4, "a")}) == 3
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        task_seed(-1, "a")


def test_serial_pool_and_dask_give_the_same_bytes(dask_client):
    tasks = tasks_of(12)
    runs = {
        "serial": run_tasks(tasks, seed=5),
        "jobs2": run_tasks(tasks, seed=5, jobs=2),
        "dask": run_tasks(tasks, seed=5, scheduler=dask_client),
    }
    dumps = {k: json.dumps([(r.task.key, r.seed, r.value) for r in v]) for k, v in runs.items()}
    assert dumps["serial"] == dumps["jobs2"] == dumps["dask"]
    # Results come back in task order, values normalised through JSON (tuple -> list, np.int64 -> int).
    assert [r.value["name"] for r in runs["dask"]] == [f"t{i}" for i in range(12)]
    assert runs["serial"][0].value["ints"] == [1, 2] and type(runs["serial"][0].value["np"]) is int
    # Seeds come from the sweep seed and the key, not from the order of the tasks.
    rev = run_tasks(list(reversed(tasks)), seed=5)
    assert {r.task.key: r.value["draw"] for r in rev} == {r.task.key: r.value["draw"] for r in runs["serial"]}


def test_report_json_is_identical_serial_jobs2_and_dask(dask_client, monkeypatch):
    from tensorkv_check.claims.registry import CheckContext, load_all
    from tensorkv_check.index import sweeps as index_sweeps

    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [4, 8], "d": 3, "repeats": 1})
    monkeypatch.setattr(
        index_sweeps,
        "QUICK",
        {
            "dimension": {
                "standard": {"ns": (8,), "ratios": (0.5, 4)},
                "four-cache": {"ns": (4,), "ds": (2,)},
                "two-cache": {"ns": (3,), "ds": (2,)},
            },
            "C": {"model": "standard", "n": 8, "d": 32, "factors": (0.1, 1.0)},
            "memory": {"ns": (3,), "d": 8},
            "caveat": {"ns": (3,), "d": 8},
            "queries": 40,
        },
    )
    reg = load_all()
    ctx = CheckContext(seed=4, profile="quick")
    texts = {}
    for mode, r in {
        "serial": SweepRunner(jobs=1),
        "jobs2": SweepRunner(jobs=2),
        "dask": SweepRunner(scheduler=dask_client),
    }.items():
        with r:
            rep = build.build_report(reg, ctx, claim_ids=["lem:near-orthogonal", "def:kron"], runner=r)
        assert rep["timings"]["runner"]["mode"] == {"jobs2": "processes"}.get(mode, mode)
        text = render_json(rep)
        texts[mode] = text[: text.index('"timings"')]
    assert texts["serial"] == texts["jobs2"] == texts["dask"]
    data = json.loads(texts["serial"] + '"end": 0}')
    assert {c["id"] for c in data["claims"]} == {"lem:near-orthogonal", "def:kron"}
    assert data["errored_checks"] == [] and data["sweeps"]["index"]["C"]["points"]


# ------------------------------------------------------------------ faults


def test_a_raising_task_is_reported_with_params_and_seed_and_the_rest_finish():
    res = run_tasks(tasks_of(4, t2={"raise": True}), seed=1)
    assert [r.ok for r in res] == [True, True, False, True]
    bad = res[2]
    assert bad.error == "ValueError: planted failure in t2" and "Traceback" in bad.traceback
    assert bad.seed == task_seed(1, bad.task.key)
    assert '"name":"t2"' in bad.describe() and f"seed {bad.seed}" in bad.describe()
    with pytest.raises(RuntimeError, match=r"t2.*seed \d+.*planted failure"):
        values(res)


def test_a_dying_worker_is_retried_once_then_reported(tmp_path):
    counter = tmp_path / "calls"
    res = run_tasks(tasks_of(1, counter, t0={"die": "always"}), seed=0, jobs=2)
    assert counter_lines(counter) == ["t0", "t0"]  # first attempt + one retry, then given up
    assert not res[0].ok and "died" in res[0].error and "twice" in res[0].error
    assert pool_children() == []  # no worker outlives the sweep


def test_worker_deaths_among_other_tasks(tmp_path):
    counter = tmp_path / "calls"
    tasks = tasks_of(6, counter, t1={"die": "always"}, t4={"die": "once"})
    res = run_tasks(tasks, seed=0, jobs=2)
    calls = counter_lines(counter)
    # t1 may also have been a suspect while another task killed the pool (the pool kills every
    # worker when one dies): it then runs alone once more before its own retry.
    assert calls.count("t1") in (2, 3), calls
    assert calls.count("t4") == 2  # died once, succeeded on the retry
    assert [r.ok for r in res] == [True, False, True, True, True, True]
    assert "died" in res[1].error and res[4].value["name"] == "t4"
    assert pool_children() == []
    # Every value still comes from its own task seed, whichever attempt or pool produced it.
    assert all(r.value["draw"] == np.random.default_rng(r.seed).standard_normal() for r in res if r.ok)


@pytest.mark.slow  # the nanny restarts a dead worker in seconds, twice
def test_dask_worker_death_is_retried_by_the_scheduler_then_reported(dask_client, tmp_path):
    counter = tmp_path / "calls"
    res = run_tasks(tasks_of(3, counter, t0={"die": "always"}), seed=0, scheduler=dask_client)
    assert not res[0].ok and "KilledWorker" in res[0].error
    assert counter_lines(counter).count("t0") == 2  # allowed-failures = 1: one retry
    assert res[1].ok and res[2].ok


def test_claim_task_failure_makes_the_check_error_and_the_exit_code_1(tmp_path, monkeypatch, capsys):
    # A check whose worker dies cannot report an outcome itself: the runner's error becomes it.
    counter = DYING_COUNTER
    counter.unlink(missing_ok=True)
    monkeypatch.setattr(cli_common, "load_registry", dying_registry)
    monkeypatch.setattr(build, "SECTIONS", [])
    out = tmp_path / "rep"
    code = cli.main(["report", "--out", str(out), "--format", "json", "--jobs", "2", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "check errored: lem:dies::crash" in err
    data = json.loads((out / "report.json").read_text())
    status = {c["id"]: c for c in data["claims"]}
    ck = status["lem:dies"]["checks"]["crash"]
    assert ck["outcome"] == "error" and "task failed in the runner" in ck["summary"]
    assert ck["details"]["params"]["check"] == "crash" and isinstance(ck["details"]["task_seed"], int)
    assert status["lem:dies"]["status"] == "failing" and status["lem:fine"]["status"] == "corroborated"
    assert data["errored_checks"] == ["lem:dies::crash"]
    assert counter_lines(DYING_COUNTER).count("crash") in (2, 3)  # 3 if "fine" ran alongside


#: Where the dying check counts its attempts (worker processes rebuild the registry with no
#: arguments, and the forkserver's environment predates any monkeypatched variable).
DYING_COUNTER = Path(tempfile.gettempdir()) / f"tensorkv-test-runner-dying-{os.getuid()}.calls"


def dying_registry():
    """A registry rebuilt by name in every process (its ``loader``); one check kills its worker."""
    from tensorkv_check.claims.registry import CheckResult, Registry

    reg = Registry(loader=f"{MOD}:dying_registry")
    ok = reg.claim("lem:fine", paper_ref="Lemma 1", sources=("std",), statement="fine")

    @ok.symbolic("fine")
    def _(ctx):
        return CheckResult.ok("1 = 1")

    bad = reg.claim("lem:dies", paper_ref="Lemma 2", sources=("std",), statement="dies")

    @bad.symbolic("crash")
    def _(ctx):
        _count({"counter": str(DYING_COUNTER), "name": "crash"})
        os._exit(9)

    return reg


# ------------------------------------------------------------------ checkpoint and resume


class _Interrupt:
    """A progress callback that presses Ctrl-C after ``after`` tasks have finished."""

    def __init__(self, after: int) -> None:
        self.after = after

    def __call__(self, name, done, total, result):
        if result is not None and done >= self.after:
            raise KeyboardInterrupt


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_sweep_resumes_without_recomputing_finished_tasks(tmp_path, jobs):
    counter = tmp_path / "calls"
    ckpt = tmp_path / ".checkpoint" / "demo.jsonl"
    tasks = tasks_of(8, counter)
    with pytest.raises(KeyboardInterrupt):
        run_tasks(tasks, seed=2, jobs=jobs, checkpoint=ckpt, progress=_Interrupt(3))
    saved = [json.loads(line) for line in ckpt.read_text().splitlines()]
    assert len(saved) >= 3 and set(saved[0]) == {"fn", "key", "seed", "value"}
    finished = {rec["value"]["name"] for rec in saved}
    assert pool_children() == []
    with open(ckpt, "a") as fh:
        fh.write('{"fn": "torn by a cra')  # a crash mid-write leaves a partial line
    counter.write_text("")
    res = run_tasks(tasks, seed=2, jobs=jobs, checkpoint=ckpt, resume=True)
    recomputed = set(counter_lines(counter))
    assert recomputed == {f"t{i}" for i in range(8)} - finished  # nothing finished ran again
    assert {r.value["name"] for r in res if r.resumed} == finished
    fresh = run_tasks(tasks_of(8, counter), seed=2)
    # JSON round trip: resumed values (NaN included) render exactly as fresh ones.
    assert json.dumps([r.value for r in res]) == json.dumps([r.value for r in fresh])
    assert len(ckpt.read_text().splitlines()) == 8  # torn line dropped, every task recorded


def test_resume_ignores_entries_of_another_seed_and_failed_tasks(tmp_path):
    counter = tmp_path / "calls"
    ckpt = tmp_path / "s.jsonl"
    run_tasks(tasks_of(3, counter, t1={"raise": True}), seed=0, checkpoint=ckpt)
    counter.write_text("")
    run_tasks(tasks_of(3, counter), seed=0, checkpoint=ckpt, resume=True)
    assert counter_lines(counter) == ["t1"]  # errors are not checkpointed
    counter.write_text("")
    run_tasks(tasks_of(3, counter), seed=1, checkpoint=ckpt, resume=True)
    assert counter_lines(counter) == ["t0", "t1", "t2"]  # another seed: other task seeds
    counter.write_text("")
    run_tasks(tasks_of(3, counter), seed=1, checkpoint=ckpt)  # no --resume: start afresh
    assert counter_lines(counter) == ["t0", "t1", "t2"]


def test_report_resume_through_the_cli(tmp_path, monkeypatch, capsys):
    counter = tmp_path / "calls"
    monkeypatch.setattr(cli_common, "load_registry", lambda: counting_registry(counter))
    monkeypatch.setattr(build, "SECTIONS", [])
    out = tmp_path / "rep"
    calls = {"n": 0}
    real = runner.run_one

    def interrupt_second(task, seed):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(task, seed)

    monkeypatch.setattr(runner, "run_one", interrupt_second)
    argv = ["report", "--out", str(out), "--format", "json", "--jobs", "1", "--quiet"]
    assert cli.main(argv) == 130
    assert "rerun with --resume" in capsys.readouterr().err
    assert counter_lines(counter) == ["a"]
    monkeypatch.setattr(runner, "run_one", real)
    assert cli.main(argv + ["--resume"]) == 0
    assert counter_lines(counter) == ["a", "b", "c"]  # "a" was not run again
    resumed = (out / "report.json").read_text()
    assert not (out / ".checkpoint").exists()  # complete: nothing left to resume
    assert cli.main(argv) == 0
    fresh = (out / "report.json").read_text()
    assert resumed[: resumed.index('"timings"')] == fresh[: fresh.index('"timings"')]


def counting_registry(counter: Path, loader: bool = True):
    """Three checks that count their runs; with ``loader`` their tasks go through the runner
    (rebuilt from the environment, in this process: the tests using it run with --jobs 1)."""
    from tensorkv_check.claims.registry import CheckResult, Registry

    reg = Registry(loader=f"{MOD}:_counting_from_env" if loader else None)
    c = reg.claim("lem:three", paper_ref="Lemma 3", sources=("std",), statement="three checks")
    for name in "abc":

        def check(ctx, name=name):
            _count({"counter": str(counter), "name": name})
            return CheckResult.ok(f"{name} holds", details={"name": name, "pair": (1, 2)})

        c.symbolic(name)(check)
    os.environ["TENSORKV_TEST_COUNTER"] = str(counter)
    return reg


def _counting_from_env():
    return counting_registry(Path(os.environ["TENSORKV_TEST_COUNTER"]))


# ------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_in_the_runner_leaves_the_previous_report_intact(tmp_path, monkeypatch, capsys):
    # No loader: the checks run in-process; the sweeps go to the pool of 2.
    monkeypatch.setattr(
        cli_common, "load_registry", lambda: counting_registry(tmp_path / "calls", loader=False)
    )
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [3, 4], "d": 2, "repeats": 1})
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **kw: {})
    out = tmp_path / "rep"
    argv = ["report", "--out", str(out), "--jobs", "2", "--quiet"]
    assert cli.main(argv) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert Path("report.html") in before

    real = runner.SweepRunner._run

    def interrupted(self, tasks, seed, name, jobs, ckpt):
        if name == "tradeoff":  # Ctrl-C in the middle of the second sweep
            raise KeyboardInterrupt
        return real(self, tasks, seed, name, jobs, ckpt)

    monkeypatch.setattr(runner.SweepRunner, "_run", interrupted)
    assert cli.main(argv + ["--seed", "9"]) == 130
    after = {
        p.relative_to(out): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and ".checkpoint" not in p.parts
    }
    assert after == before
    assert pool_children() == []


def test_ctrl_c_kills_the_pool_workers(tmp_path):
    r = SweepRunner(jobs=2, progress=_Interrupt(1))
    with pytest.raises(KeyboardInterrupt):
        r.run(tasks_of(6), seed=0, name="x")
    assert r._pool is None and pool_children() == []


# ------------------------------------------------------------------ options and errors


def test_missing_dask_gives_the_install_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # "import distributed" now fails
    with pytest.raises(DaskUnavailableError, match=r"pip install '\.\[dask\]'"):
        SweepRunner(scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ImportError):
        run_tasks(tasks_of(1), scheduler="tcp://127.0.0.1:8786")
    code = cli.main(["report", "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:8786", "--quiet"])
    assert code == 2 and "pip install '.[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "0"], "expected a positive integer"),
        (["--jobs", "two"], "expected a positive integer"),
    ],
)
def test_report_jobs_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", *argv])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_runner_rejects_bad_arguments():
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        SweepRunner(jobs=0)
    with pytest.raises(TypeError, match="scheduler must be an address string"):
        SweepRunner(scheduler=8786)
    with pytest.raises(ValueError, match="sweep name"):
        SweepRunner().run([], seed=0, name="../x")
    with pytest.raises(ValueError, match="unique.*duplicated"):
        run_tasks([Task(f"{MOD}:counted", {"name": "a"})] * 2)
    with pytest.raises(ValueError, match="module:function"):
        Task("no_colon")
    with pytest.raises(ValueError, match=r"\.jsonl"):
        run_tasks([], checkpoint="x.txt")


def test_a_task_must_return_a_json_dict():
    res = run_tasks([Task("operator:eq", {"a": 1})], seed=0)  # eq(params, seed) -> False
    assert not res[0].ok and "a task must return a dict" in res[0].error
    assert isinstance(res[0], TaskResult) and res[0].task.label == "eq a=1"


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_task_runs_with_one_blas_thread(jobs):
    # OpenBLAS's results depend on its thread count: a task must see the same count in
    # serial mode (the whole machine) as in a worker process, or the modes' bytes differ.
    res = run_tasks([Task(f"{MOD}:blas_threads", {})], seed=0, jobs=jobs)
    assert res[0].value == {"threads": [1]}


def test_code_version_changes_with_any_source_file(tmp_path, monkeypatch):
    from tensorkv_check.runner.sweep_runner import code_version

    pkg = tmp_path / "pkg_for_code_version"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "m.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = code_version(["pkg_for_code_version"])
    assert code_version(["pkg_for_code_version"]) == before
    (pkg / "sub" / "m.py").write_text("x = 2\n")
    after = code_version(["pkg_for_code_version"])
    assert after["source_sha256"] != before["source_sha256"] and after["version"] == before["version"]
