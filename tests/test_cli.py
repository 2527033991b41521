"""Tests of the ``tensorkv-check`` command: sub-commands, help, exit codes, usage errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tensorkv_check.cli import _common as cli_common
from tensorkv_check.cli import command as cli
from tensorkv_check.index import sweeps as index_sweeps
from tensorkv_check.report import build
from tensorkv_check.tradeoff import section as tradeoff_section


@pytest.fixture(autouse=True)
def _plumbing_sections(monkeypatch):
    # Reports run here test the command's plumbing; the heavy sections (SubGen, geometry,
    # frontier, explore) run for real once, in test_report_e2e.
    monkeypatch.setattr(build, "SECTIONS", [s for s in build.SECTIONS if s.name in ("tradeoff", "index")])


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command", ["demo", "claims", "check", "proof", "report", "explore", "audit"])
def test_help_is_accurate_and_has_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    # "example: tensorkv-check CMD ..." or a list, "examples:" then "  tensorkv-check CMD ..."
    assert re.search(r"examples?:\s+tensorkv-check " + re.escape(command) + r"\b", out), out


def test_demo_reports_agreement_and_exact_memory(capsys):
    code, out, _ = run(capsys, "demo", "--n", "10", "--d", "4", "--seed", "3")
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("four", "two"))}
    assert rows["four-cache"][1] == f"{4 * 10 * 4 * 8:,}"
    assert rows["two-cache"][1] == f"{2 * 10 * 10 * 4 * 8:,}"
    assert all(float(r[-1]) < 1e-12 for r in rows.values())


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--n", "0"], "expected a positive integer"),
        (["report", "--seed", "-1"], "seed must be a non-negative integer"),
        (["report", "--format", "html,pdf"], "unknown format(s) pdf; valid: html, md, json"),
        (["report", "--profile", "huge"], "invalid choice: 'huge'"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_the_valid_values(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_report_unwritable_out_fails_before_work(capsys, tmp_path, monkeypatch):
    target = tmp_path / "a-file"
    target.write_text("x")
    called = []
    monkeypatch.setattr(tradeoff_section, "tradeoff_sweep", lambda *a, **k: called.append(1) or {})
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **k: called.append(1) or {})
    code, _, err = run(capsys, "report", "--out", str(target), "--quiet")
    assert code == 2 and "is not a directory" in err
    assert called == []


def test_report_unknown_claim_lists_valid_ids(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--out", str(tmp_path), "--claims", "thm:nope", "--quiet")
    assert code == 2
    assert "unknown claim id 'thm:nope'" in err and "valid ids:" in err
    assert not (tmp_path / "report.json").exists()


def test_report_writes_selected_formats(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [3], "d": 2, "repeats": 1})
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **kw: {})
    code, out, err = run(
        capsys, "report", "--out", str(tmp_path), "--format", "json", "--seed", "7", "--jobs", "1"
    )
    assert code == 0, err
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["seed"] == 7 and data["profile"] == "quick"
    assert [c["id"] for c in data["claims"]] == ["lem:ok"]
    assert not (tmp_path / "report.html").exists()
    assert "[stage] claim checks" in err  # plain progress lines when stderr is not a terminal
    assert "[tradeoff 1/1] tradeoff_task n=3 d=2 repeats=1 ok" in err
    assert "wrote" in out


def test_report_exit_1_when_a_check_errors(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [3], "d": 2, "repeats": 1})
    monkeypatch.setattr(cli_common, "load_registry", lambda: _toy_registry(broken=True))
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **kw: {})
    code, _, err = run(capsys, "report", "--out", str(tmp_path), "--quiet", "--jobs", "1")
    assert code == 1
    assert "check errored: lem:ok::fine" in err
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["claims"][0]["status"] == "failing"


def _toy_registry(broken: bool = False):
    from tensorkv_check.claims.registry import CheckResult, Registry

    reg = Registry()
    c = reg.claim("lem:ok", paper_ref="Lemma 1", sources=("std",), statement="ok")

    @c.symbolic("fine")
    def _(ctx):
        if broken:
            raise ZeroDivisionError("planted")
        return CheckResult.ok("fine")

    return reg


def test_check_prints_claim_dependencies_and_evidence(capsys, monkeypatch):
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    code, out, _ = run(capsys, "check", "lem:ok")
    assert code == 0
    assert "lem:ok [Lemma 1; std]: CORROBORATED" in out
    assert "  proof: unproved; evidence: corroborated" in out
    assert "- fine: pass\n      fine" in out


def test_check_error_and_unknown_id(capsys, monkeypatch):
    monkeypatch.setattr(cli_common, "load_registry", lambda: _toy_registry(broken=True))
    code, out, _ = run(capsys, "check", "lem:ok")
    assert code == 1 and "ZeroDivisionError: planted" in out
    code, _, err = run(capsys, "check", "lem:missing")
    assert code == 2 and "unknown claim id 'lem:missing'" in err


def test_bench_passes_runner_options_through(capfd, monkeypatch):
    # bench runs ``python -m benchmarks`` from a source checkout (the repository root).
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    code = cli.main(["bench", "--list"])
    out = capfd.readouterr().out
    assert code == 0
    assert "four_cache_gemm" in out and "index" in out


def test_bench_outside_a_checkout_is_a_usage_error(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "bench", "--list")
    assert code == 2 and "source checkout" in err


def test_unknown_options_rejected_outside_bench(capsys):
    code, _, err = run(capsys, "demo", "--bogus")
    assert code == 2 and "unrecognized arguments: --bogus" in err


def test_a_crashed_explorer_makes_its_claim_failing_in_the_report_and_the_exit_code(
    capsys, tmp_path, monkeypatch
):
    # One truth: the claims list, the summary and the exit code agree on a crash.
    crashed = {
        "claim": "lem:ok",
        "explorer": "boom",
        "region": "inside",
        "hypothesis": None,
        "kind": "error",
        "tried": 1,
        "text": "the exploration crashed",
        "example": None,
        "snippet": None,
    }
    monkeypatch.setattr(
        build,
        "SECTIONS",
        [build.Section("explore", lambda p, s, r: {"explorers": [crashed]}, lambda d: [], lambda d: [])],
    )
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    code, _, err = run(capsys, "report", "--out", str(tmp_path), "--quiet", "--jobs", "1", "--format", "json")
    data = json.loads((tmp_path / "report.json").read_text())
    assert code == 1 and "check errored: lem:ok::explore:boom" in err
    assert data["claims"][0]["status"] == "failing"
    assert data["summary"]["failing"] == 1 and data["summary"]["proved"] == 0


@pytest.mark.parametrize(
    "argv, size",
    [
        (["--d", "100000"], "7.3 GiB"),
        (["--n", "100000"], "4.7 TiB"),
        (["--n", "100", "--d", "8", "--max-memory", "1MiB"], "2.5 MiB"),
    ],
)
def test_demo_refuses_before_allocating_beyond_max_memory(capsys, monkeypatch, argv, size):
    import tensorkv_check as tk

    monkeypatch.setattr(tk, "TwoCacheDecoder", lambda *a: pytest.fail("allocated before the size check"))
    code, out, err = run(capsys, "demo", *argv)
    assert code == 2 and out == ""
    assert f"needs about {size}" in err and "more than the limit --max-memory" in err
    assert len(err.strip().splitlines()) == 1


def test_bench_help_lists_the_benchmark_options_and_errors_are_signed_by_the_command(capfd, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    code = cli.main(["bench", "--help"])
    out = capfd.readouterr().out
    assert code == 0
    assert out.startswith("usage: tensorkv-check bench") and "--only NAME" in out and "--quick" in out
    assert "example: tensorkv-check bench" in out
    code = cli.main(["bench", "--only", "nope"])
    err = capfd.readouterr().err
    assert code == 2 and "tensorkv-check bench: error: argument --only: invalid choice: 'nope'" in err
    assert "python -m benchmarks" not in err


def _tiny_report(monkeypatch):
    monkeypatch.setitem(tradeoff_section.PROFILES, "quick", {"ns": [3], "d": 2, "repeats": 1})
    monkeypatch.setattr(cli_common, "load_registry", _toy_registry)
    monkeypatch.setattr(index_sweeps, "run_sweeps", lambda **kw: {})


def test_a_narrower_rerun_replaces_the_whole_report_set(capsys, tmp_path, monkeypatch):
    _tiny_report(monkeypatch)
    out = tmp_path / "rep"
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1")
    assert code == 0, err
    assert (out / "report.html").exists() and (out / "figures").is_dir()
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1", "--format", "json")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no sibling left over


def test_a_folder_holding_other_files_is_refused_before_work(capsys, tmp_path, monkeypatch):
    _tiny_report(monkeypatch)
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.setattr(tradeoff_section, "tradeoff_sweep", lambda *a, **k: pytest.fail("work started"))
    code, _, err = run(capsys, "report", "--out", str(tmp_path), "--quiet", "--jobs", "1")
    assert code == 2 and "holds entries the report does not own (notes.txt)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    "argv", [["--claims", "thm:nope"], ["--claims", ""], ["--claims", " , "], ["--scheduler", ""]]
)
def test_a_report_usage_error_creates_no_output_folder(capsys, tmp_path, argv):
    out = tmp_path / "new" / "rep"
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", *argv)
    assert code == 2, err
    assert not (tmp_path / "new").exists()


def test_claims_with_an_empty_selection_is_a_usage_error(capsys):
    code, _, err = run(capsys, "claims", "--claims", "")
    assert code == 2 and "expected comma-separated claim ids" in err


def _interrupted_run(capsys, monkeypatch, out, *argv):
    """A report interrupted after its tradeoff sweep: its results stay checkpointed."""
    _tiny_report(monkeypatch)

    def stop(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(index_sweeps, "run_sweeps", stop)
        code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1", *argv)
    assert code == 130 and "--resume" in err
    assert (out / ".checkpoint" / "tradeoff.jsonl").exists()


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--seed", "1"], "seed: checkpoint 0, now 1"),
        (["--claims", "lem:ok"], 'claims: checkpoint null, now ["lem:ok"]'),
        (["--profile", "full"], 'profile: checkpoint "quick", now "full"'),
    ],
)
def test_resume_refuses_a_checkpoint_of_another_run_naming_the_difference(
    capsys, tmp_path, monkeypatch, argv, named
):
    out = tmp_path / "rep"
    _interrupted_run(capsys, monkeypatch, out)
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1", "--resume", *argv)
    assert code == 2 and named in err, err
    assert (out / ".checkpoint" / "tradeoff.jsonl").exists()  # refused: nothing discarded
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1", "--resume")
    assert code == 0, err


def test_resume_refuses_a_checkpoint_of_other_code(capsys, tmp_path, monkeypatch):
    from tensorkv_check.runner import sweep_runner

    out = tmp_path / "rep"
    _interrupted_run(capsys, monkeypatch, out)
    monkeypatch.setattr(
        sweep_runner, "code_version", lambda packages: {"version": "0.1.0", "source_sha256": "f00"}
    )
    code, _, err = run(capsys, "report", "--out", str(out), "--quiet", "--jobs", "1", "--resume")
    assert code == 2 and "code source_sha256: checkpoint" in err and "now f00" in err


def test_an_unreachable_scheduler_fails_fast_with_a_usage_error(capsys, tmp_path, monkeypatch):
    import socket
    import time

    from tensorkv_check.runner import sweep_runner

    pytest.importorskip("distributed")
    monkeypatch.setattr(sweep_runner, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "rep"
    t0 = time.perf_counter()
    code, _, err = run(
        capsys, "report", "--out", str(out), "--quiet", "--scheduler", f"tcp://127.0.0.1:{port}"
    )
    assert code == 2 and f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert time.perf_counter() - t0 < 10
    assert not out.exists()


def test_claims_narrows_the_sweeps_and_explorers_and_the_command_says_what_ran(capsys, tmp_path, monkeypatch):
    from tensorkv_check.claims import exploration
    from tensorkv_check.claims import section as explore_section

    ran = []
    monkeypatch.setattr(
        build,
        "SECTIONS",
        [
            build.Section(
                "tradeoff", lambda p, s, r: ran.append("tradeoff") or {}, lambda d: [], lambda d: []
            ),
            build.Section(
                "geometry", lambda p, s, r: ran.append("geometry") or {}, lambda d: [], lambda d: []
            ),
            explore_section.SECTION,
        ],
    )
    seen = []

    def explore(exp, *, budget, seed):
        seen.append(exp.claim_id)
        return dict(
            exploration._crashed(exp, budget, seed, ""),
            outcome="none-found",
            kind="explored",
            text="stub",
            timings={},
        )

    monkeypatch.setattr(exploration, "explore", explore)
    code, out, err = run(
        capsys, "report", "--out", str(tmp_path), "--jobs", "1", "--format", "json", "--claims", "def:softmax"
    )
    assert code == 0, err
    assert ran == [] and set(seen) == {"def:softmax"} and len(seen) == 2
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["narrowed"] == {"sections": ["explore"], "skipped_sections": ["tradeoff", "geometry"]}
    assert (
        "--claims def:softmax: ran the checks of 1 claim (with dependencies), the sweeps explore and "
        "2 explorers; skipped the sweeps tradeoff, geometry" in out
    )


def _explore_registry():
    import numpy as np

    from tensorkv_check.claims.registry import Registry

    reg = Registry()
    reg.claim("x:toy", paper_ref="-", sources=("std",), statement="x < 2", cited_reason="-")
    calls = reg.calls = []

    @reg.explorer(
        "x:toy",
        "holds",
        region="inside",
        ranges="x in [0, 1]",
        weight=3.0,
        space=lambda st: st.fixed_dictionaries({"x": st.floats(0, 1)}),
        score=lambda ex: ex["x"],
        score_label="x",
    )
    def _(ex):
        calls.append(ex["x"])
        np.exp(np.array([1000.0]))  # overflows on purpose: no RuntimeWarning may reach the user
        return None

    @reg.explorer(
        "x:toy",
        "fails",
        region="outside",
        hypothesis="x < 1",
        ranges="x in [0, 3]",
        space=lambda st: st.fixed_dictionaries({"x": st.floats(0, 3)}),
        score=lambda ex: ex["x"],
        score_label="x",
    )
    def _(ex):
        return None if ex["x"] < 2 else f"x = {ex['x']} >= 2"

    return reg


def test_explore_budget_is_the_number_of_examples_per_explorer(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    reg = _explore_registry()
    monkeypatch.setattr(cli_common, "load_registry", lambda: reg)
    code, out, err = run(capsys, "explore", "x:toy", "--budget", "7")
    assert code == 0, err
    assert len(reg.calls) == 7  # the explorer's weight (3) does not change it
    assert "in 7 examples" in out
    assert "RuntimeWarning" not in err and "overflow" not in err
    # A closest approach is shown only for the explorer that found nothing.
    assert out.count("closest approach") == 1
    fails_block = out[out.index("x:toy::fails") :]
    assert "closest approach" not in fails_block.split("\n\n")[0]
    assert "x:toy: 2 explorers at up to 7 examples each (seed 0): 1 explored, 1 hypothesis-necessary" in out


def test_explore_output_is_wrapped_to_the_terminal(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(cli_common, "load_registry", _explore_registry)
    code, out, _ = run(capsys, "explore", "x:toy", "--budget", "3")
    assert code == 0
    prose = [ln for ln in out.splitlines() if not ln.startswith("    ")]  # the snippet keeps its lines
    assert max(len(ln) for ln in prose) <= 60, max(prose, key=len)


def test_explorer_properties_raise_no_floating_point_warnings():
    import warnings

    from tensorkv_check.claims import exploration

    exp = _explore_registry().explorers("x:toy")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning reaching the user would raise here
        assert exploration.evaluate(exp, {"x": 0.5}) == ("holds", None)


def _check_registry():
    from tensorkv_check.claims.registry import CheckResult, Registry
    from tensorkv_check.engine.stats import BinomialEstimate

    reg = Registry()
    reg.claim("def:base", paper_ref="Def 1", sources=("std",), statement="base", cited_reason="a book")
    c = reg.claim(
        "lem:top", paper_ref="Lemma 2", sources=("paper",), statement="top " * 60, depends_on=("def:base",)
    )

    @c.empirical("rate")
    def _(ctx):
        est = BinomialEstimate(
            trials=400,
            successes=397,
            ci_low=0.9728,
            ci_high=0.9992,
            confidence=0.99,
            parameters={"n": 128, "note": "many words " * 20},
            seed=ctx.seed,
        )
        return CheckResult.ok("397/400, 99% CI [0.9728, 0.9992]", scope="n = 128, d = 97", estimate=est)

    return reg


def test_check_prints_the_claim_first_then_dependencies_then_a_summary_wrapped(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    monkeypatch.setattr(cli_common, "load_registry", _check_registry)
    code, out, _ = run(capsys, "check", "lem:top", "--seed", "2")
    assert code == 0
    assert out.startswith("lem:top [Lemma 2; paper]: CORROBORATED")
    assert out.index("lem:top [") < out.index("def:base: CITED")
    assert max(len(line) for line in out.splitlines()) <= 70
    assert out.count("[0.9728, 0.9992]") == 1 and out.count("n = 128, d = 97") == 1
    last = " ".join(out.strip().split("\n\n")[-1].split())
    assert last == (
        "lem:top: corroborated; 1 check run (1 pass); 1 dependency (1 cited); seed 2, quick profile"
    )


class _Terminal(__import__("io").StringIO):
    """A stderr that says it is a terminal but reports no size (0 columns)."""

    def isatty(self):
        return True

    def fileno(self):
        return 2


@pytest.mark.parametrize(
    "argv, bar",
    [
        (["check", "lem:ok"], "check:"),
        (["claims"], "claims:"),
        (["explore", "x:toy", "--budget", "2"], "explore:"),
        (["report", "--format", "json", "--jobs", "1"], "tasks:"),  # one bar over all sweeps
    ],
)
def test_progress_bars_on_a_terminal_even_one_reporting_zero_columns(
    capsys, monkeypatch, tmp_path, argv, bar
):
    import sys

    _tiny_report(monkeypatch)
    if argv[0] == "report":
        argv = [*argv, "--out", str(tmp_path / "rep")]
    if argv[0] == "claims":
        from tensorkv_check.claims import listing

        monkeypatch.setattr(listing, "load_all", _toy_registry)
    if argv[0] == "explore":
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(cli_common, "load_registry", _explore_registry)
    import os

    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(os, "get_terminal_size", lambda *a: os.terminal_size((0, 0)))
    code = cli.main(argv)
    assert code == 0
    shown = term.getvalue()
    assert bar in shown and "|" in shown and re.search(r" 0/[12] ", shown), shown


@pytest.mark.parametrize("command", ["demo", "claims", "check", "proof", "report", "explore", "audit"])
def test_help_is_wrapped_to_80_columns(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "a few minutes" not in out


def test_claims_format_and_check_profile_are_documented(capsys):
    _, out, _ = run(capsys, "claims", "--help")
    assert "table (default): one row per claim" in " ".join(out.split())
    _, out, _ = run(capsys, "check", "--help")
    assert "the checks marked slow too" in " ".join(out.split())


def test_the_claims_table_says_1_claim(capsys, monkeypatch):
    from tensorkv_check.claims import listing

    monkeypatch.setattr(listing, "load_all", _toy_registry)
    code, out, _ = run(capsys, "claims")
    assert code == 0 and "\n1 claim: 1 corroborated\n" in out
