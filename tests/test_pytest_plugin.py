"""Tests of the claims pytest plugin (:mod:`tensorkv_check.claims.plugin`) with ``pytester``.

Each test writes a small claims package ``claimpkg`` into a temporary project (its
``pytest.ini`` sets ``claims_package = claimpkg``) and runs pytest on it in-process, so
the tests do not depend on the project's own claim modules:

* ``def:base``  cited;
* ``lem:alpha`` (defs.py) depends on def:base: symbolic ``identity`` (pass), empirical
  ``rate`` (always fails, with an estimate and an instance drawn from ``ctx.rng``),
  slow empirical ``sweep`` (pass);
* ``lem:beta``  (defs.py) depends on lem:alpha: symbolic ``exact`` (pass);
* ``lem:jl-toy`` (jl.py) depends on def:base: empirical ``finding`` (a recorded
  counterexample, ``expect="counterexample"``), symbolic ``boom`` (raises);
* ``thm:top`` (top.py) depends on lem:beta: symbolic ``fine`` (pass).
"""

from __future__ import annotations

import json

import pytest

# The in-process runs below restore sys.modules afterwards; numpy/scipy extension
# modules cannot be imported twice in one process, so everything the toy claims use
# is imported (and scipy's lazy parts warmed up) here, before any snapshot.
from tensorkv_check.claims.registry import CheckContext
from tensorkv_check.engine.stats import clopper_pearson

clopper_pearson(1, 2)
CheckContext().rng("warm-up").standard_normal(1)

pytest_plugins = ["pytester"]

#: Plugins the toy runs do not need; hypothesis's would re-import hypothesis in every
#: in-process run (sys.modules is restored after each), which costs seconds.
QUIET = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:cacheprovider")

REGISTRY_PY = """
import importlib, pkgutil
from tensorkv_check.claims.registry import Registry
REGISTRY = Registry()

def load_all():
    import claimpkg
    for m in pkgutil.iter_modules(claimpkg.__path__):
        if m.name not in {"registry", "cli", "conftest"} and not m.name.startswith("_"):
            importlib.import_module(f"claimpkg.{m.name}")
    REGISTRY.graph()
    return REGISTRY
"""

DEFS_PY = '''
"""Claims of the toy package.

>>> 1 + 1
2
"""
from claimpkg.registry import REGISTRY
from tensorkv_check.claims.registry import CheckResult
from tensorkv_check.engine.stats import clopper_pearson

REGISTRY.claim("def:base", paper_ref="Definition 1", sources=("std",), statement="base",
               cited_reason="textbook")
alpha = REGISTRY.claim("lem:alpha", paper_ref="Lemma 2", sources=("paper",), statement="alpha holds",
                       hypotheses=("d >= 2 ln(n^2/delta)/eps^2",), depends_on=("def:base",))
beta = REGISTRY.claim("lem:beta", paper_ref="Lemma 3", sources=("paper",), statement="beta",
                      depends_on=("lem:alpha",))

@alpha.symbolic("identity")
def _(ctx):
    return CheckResult.ok("1 = 1", scope="all n")

@alpha.empirical("rate")
def _(ctx):
    instance = ctx.rng("alpha").integers(0, 10**6, 2).tolist()
    return CheckResult.fail("rate below the bound", scope="n <= 8",
                            details={"parameters": {"n": 8, "eps": 0.5}, "instance": instance},
                            estimate=clopper_pearson(3, 10, parameters={"n": 8}, seed=ctx.seed))

@alpha.empirical("sweep", slow=True)
def _(ctx):
    return CheckResult.ok("sweep fine")

@beta.symbolic("exact")
def _(ctx):
    return CheckResult.ok("exact")
'''

JL_PY = """
from claimpkg.registry import REGISTRY
from tensorkv_check.claims.registry import CheckResult

jl = REGISTRY.claim("lem:jl-toy", paper_ref="Lemma 3.4", sources=("std",), statement="jl",
                    depends_on=("def:base",))

@jl.empirical("finding", expect="counterexample")
def _(ctx):
    return CheckResult.refute("found a bad x", {"x": [1, 2], "seed": ctx.seed}, "python -c 'print(12)'")

@jl.symbolic("boom")
def _(ctx):
    raise RuntimeError("kaboom planted")
"""

TOP_PY = """
from claimpkg.registry import REGISTRY
from tensorkv_check.claims.registry import CheckResult

top = REGISTRY.claim("thm:top", paper_ref="Theorem 4", sources=("paper",), statement="top",
                     depends_on=("lem:beta",))

@top.symbolic("fine")
def _(ctx):
    return CheckResult.ok("fine")
"""

INI = "[pytest]\nclaims_package = claimpkg\n"


@pytest.fixture
def project(pytester):
    """The toy claims project, importable, with an ordinary test beside it."""
    pytester.makeini(INI)
    pkg = pytester.mkpydir("claimpkg")
    (pkg / "registry.py").write_text(REGISTRY_PY)
    # A claims package exposes its registry and loader at its top, as proofs/ does.
    (pkg / "__init__.py").write_text("from claimpkg.registry import REGISTRY, load_all\n")
    (pkg / "defs.py").write_text(DEFS_PY)
    (pkg / "jl.py").write_text(JL_PY)
    (pkg / "top.py").write_text(TOP_PY)
    (pkg / "_helpers.py").write_text("X = 1\n")
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    pytester.syspathinsert()
    return pytester


ALL_CLAIM_ITEMS = [
    "claimpkg/defs.py::lem:alpha::identity",
    "claimpkg/defs.py::lem:alpha::rate",
    "claimpkg/defs.py::lem:alpha::sweep",
    "claimpkg/defs.py::lem:beta::exact",
    "claimpkg/jl.py::lem:jl-toy::finding",
    "claimpkg/jl.py::lem:jl-toy::boom",
    "claimpkg/top.py::thm:top::fine",
]


def nodeids(reprec, when="call"):
    return [r.nodeid for r in reprec.getreports("pytest_runtest_logreport") if r.when == when]


def test_items_are_collected_as_claim_and_check(project):
    items, _ = project.inline_genitems(*QUIET)
    ids = [it.nodeid for it in items]
    assert ids == ALL_CLAIM_ITEMS + ["test_plain.py::test_plain"]
    # registry.py, __init__.py and _helpers.py are not claim modules
    assert not any("registry.py" in i or "_helpers" in i for i in ids)


def test_items_carry_kind_and_slow_markers(project):
    items, _ = project.inline_genitems(*QUIET)
    marks = {
        it.nodeid.split("::", 1)[1]: sorted(m.name for m in it.iter_markers())
        for it in items
        if it.nodeid.startswith("claimpkg")
    }
    assert marks["lem:alpha::identity"] == ["symbolic"]
    assert marks["lem:alpha::rate"] == ["empirical"]
    assert marks["lem:alpha::sweep"] == ["empirical", "slow"]
    assert marks["lem:jl-toy::boom"] == ["symbolic"]


def test_marker_selection(project):
    reprec = project.inline_run(*QUIET, "-m", "symbolic")
    assert nodeids(reprec) == [
        "claimpkg/defs.py::lem:alpha::identity",
        "claimpkg/defs.py::lem:beta::exact",
        "claimpkg/jl.py::lem:jl-toy::boom",
        "claimpkg/top.py::thm:top::fine",
    ]
    reprec = project.inline_run(*QUIET, "-m", "slow")
    assert nodeids(reprec) == ["claimpkg/defs.py::lem:alpha::sweep"]


def test_markers_are_registered_for_strict_markers(project):
    result = project.runpytest(*QUIET, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.symbolic: exact sympy proof checks of a claim",
            "@pytest.mark.empirical: numeric checks of a claim through the engine",
            "@pytest.mark.slow: *",
        ]
    )
    result = project.runpytest(*QUIET, "--strict-markers", "-m", "empirical and not slow")
    result.assert_outcomes(passed=1, failed=1, deselected=6)


def test_keyword_selection_matches_file_and_claim_id(project):
    reprec = project.inline_run(*QUIET, "-k", "jl")
    assert nodeids(reprec) == ["claimpkg/jl.py::lem:jl-toy::finding", "claimpkg/jl.py::lem:jl-toy::boom"]
    reprec = project.inline_run(*QUIET, "-k", "lem:beta")
    assert nodeids(reprec) == ["claimpkg/defs.py::lem:beta::exact"]


def test_node_id_runs_one_check(project):
    reprec = project.inline_run(*QUIET, "claimpkg/defs.py::lem:alpha::identity")
    assert nodeids(reprec) == ["claimpkg/defs.py::lem:alpha::identity"]
    reprec.assertoutcome(passed=1)


def test_outcomes_pass_iff_equal_to_expect(project):
    reprec = project.inline_run(*QUIET, "-m", "not slow")
    passed, skipped, failed = reprec.listoutcomes()
    assert sorted(r.nodeid for r in failed) == [
        "claimpkg/defs.py::lem:alpha::rate",
        "claimpkg/jl.py::lem:jl-toy::boom",
    ]
    assert "claimpkg/jl.py::lem:jl-toy::finding" in [r.nodeid for r in passed]  # expected counterexample


def test_claims_option_selects_the_claim_and_its_dependencies(project):
    reprec = project.inline_run(*QUIET, "--claims", "lem:beta", "-m", "not slow")
    assert nodeids(reprec) == [
        "claimpkg/defs.py::lem:alpha::identity",
        "claimpkg/defs.py::lem:alpha::rate",
        "claimpkg/defs.py::lem:beta::exact",
    ]
    # everything else, including the ordinary test, is deselected
    deselected = [it.nodeid for rep in reprec.getcalls("pytest_deselected") for it in rep.items]
    assert "test_plain.py::test_plain" in deselected and "claimpkg/top.py::thm:top::fine" in deselected


def test_claims_option_with_several_ids(project):
    reprec = project.inline_run(*QUIET, "--claims", "thm:top, lem:jl-toy", "-m", "not slow")
    assert set(nodeids(reprec)) == set(ALL_CLAIM_ITEMS) - {"claimpkg/defs.py::lem:alpha::sweep"}


def test_unknown_claim_id_is_a_usage_error_listing_valid_ids(project):
    result = project.runpytest(*QUIET, "--claims", "lem:beta,thm:nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--claims: unknown claim id(s) thm:nope; valid ids: def:base, lem:alpha, lem:beta, lem:jl-toy, "
            "thm:top*"
        ]
    )


def test_claims_report_json(project):
    report = project.path / "out" / "claims.json"
    result = project.runpytest(*QUIET, "--claims-report", str(report), "-m", "not slow", "--claims-seed", "5")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"claims report written to {report}"])
    doc = json.loads(report.read_text())
    assert doc["seed"] == 5 and doc["package"] == "claimpkg"
    claims = {c["id"]: c for c in doc["claims"]}
    assert list(claims) == ["def:base", "lem:alpha", "lem:beta", "lem:jl-toy", "thm:top"]  # dependency order
    status = {k: v["status"] for k, v in claims.items()}
    # lem:alpha's supporting check failed (evidence contradicted); lem:jl-toy's boom raised.
    assert status == {
        "def:base": "cited",
        "lem:alpha": "refuted",
        "lem:beta": "corroborated",
        "lem:jl-toy": "failing",
        "thm:top": "corroborated",
    }
    assert claims["lem:alpha"]["evidence"]["status"] == "contradicted"
    assert claims["lem:jl-toy"]["proof"]["status"] == "refuted" and "boom" in claims["lem:jl-toy"]["reason"]
    alpha = claims["lem:alpha"]
    assert alpha["checks_not_run"] == ["sweep"]
    assert alpha["checks"]["rate"]["estimate"]["successes"] == 3
    assert alpha["checks"]["rate"]["estimate"]["seed"] == 5
    assert claims["lem:jl-toy"]["checks"]["finding"]["counterexample"] == {"x": [1, 2], "seed": 5}
    assert claims["lem:jl-toy"]["checks"]["boom"]["outcome"] == "error"
    assert doc["counts"] == {"cited": 1, "failing": 1, "corroborated": 2, "refuted": 1}
    assert sorted(p.name for p in report.parent.iterdir()) == ["claims.json"]  # no temp file left


def test_claims_report_marks_deselected_claims_not_run(project):
    report = project.path / "r.json"
    project.runpytest(*QUIET, "--claims-report", str(report), "-k", "lem:beta or thm:top")
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    assert claims["lem:alpha"]["status"] == "not run"
    assert claims["lem:jl-toy"]["status"] == "not run"
    # a passing symbolic check is evidence, never a proof
    assert claims["lem:beta"]["status"] == "corroborated"
    assert claims["lem:beta"]["proof"]["status"] == "unproved"


def test_claims_report_proved_chain(project):
    report = project.path / "r.json"
    project.runpytest(
        *QUIET, "--claims-report", str(report), "-m", "symbolic", "--claims", "lem:beta", "-k", "not rate"
    )
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    assert claims["lem:alpha"]["status"] == "corroborated"  # its failing empirical check did not run
    assert claims["thm:top"]["status"] == "not run"


def test_failure_report_names_claim_hypotheses_seed_instance_and_reproduce(project):
    result = project.runpytest(*QUIET, "--claims-seed", "7", "-k", "rate")
    text = result.stdout.str()
    assert "lem:alpha::rate: fail (expected pass): rate below the bound" in text
    assert "claim lem:alpha (Lemma 2) [sources: paper]" in text
    assert "check 'rate' (empirical): expected outcome 'pass', got 'fail'" in text
    assert "  - d >= 2 ln(n^2/delta)/eps^2" in text
    assert "scope: n <= 8" in text
    assert 'parameters: {"n": 8, "eps": 0.5}' in text
    instance = CheckContext(seed=7).rng("alpha").integers(0, 10**6, 2).tolist()
    assert f"instance: {json.dumps(instance)}" in text  # the instance drawn with --claims-seed 7
    assert "estimate: 3/10 = 0.3000, 99% Clopper-Pearson CI [" in text
    assert "seed: 7 (profile quick)" in text
    assert "reproduce: pytest 'claimpkg/defs.py::lem:alpha::rate' --claims-seed 7" in text
    assert "pytest --claims lem:alpha --claims-seed 7" in text
    assert "tensorkv-check check lem:alpha --seed 7" in text


def test_error_report_shows_the_checks_traceback(project):
    result = project.runpytest(*QUIET, "-k", "boom")
    result.stdout.fnmatch_lines(
        [
            "*lem:jl-toy::boom: error (expected pass): RuntimeError: kaboom planted*",
            "*traceback of the check:*",
            "*claimpkg/jl.py*in _*",
            "*RuntimeError: kaboom planted*",
        ]
    )


def test_recorded_finding_passes_and_is_shown(project):
    result = project.runpytest(*QUIET, "-k", "finding", "--junitxml", "junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*recorded findings (expected counterexamples)*",
            "claimpkg/jl.py::lem:jl-toy::finding: found a bad x",
            '    instance: {"x": [1, 2], "seed": 0}',
            "    reproduce: python -c 'print(12)'",
            "*claims: 1 refuted (seed 0, profile quick)*",
        ]
    )
    junit = (project.path / "junit.xml").read_text()
    assert 'name="counterexample"' in junit and 'name="outcome" value="counterexample"' in junit


def test_seed_reaches_the_check_context(project):
    reprec = project.inline_run(*QUIET, "-k", "finding", "--claims-seed", "11")
    (rep,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call"]
    props = dict(rep.user_properties)
    assert props["seed"] == "11" and json.loads(props["counterexample"])["seed"] == 11


def test_doctest_modules_still_work(project):
    result = project.runpytest(*QUIET, "--doctest-modules", "-m", "not slow", "-k", "not rate and not boom")
    result.assert_outcomes(passed=6, deselected=3)
    result.stdout.no_fnmatch_line("*ERROR*")


def test_broken_claim_module_is_a_collection_error_of_that_file_only(project):
    (project.path / "claimpkg" / "top.py").write_text("raise ImportError('top is broken')\n")
    result = project.runpytest(*QUIET, "--continue-on-collection-errors", "-m", "not slow")
    result.stdout.fnmatch_lines(["*ERROR collecting claimpkg/top.py*", "*top is broken*"])
    result.assert_outcomes(passed=4, failed=2, errors=1)
    result = project.runpytest(*QUIET, "--claims", "lem:beta")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims: loading the claim registry failed: ImportError: top is broken*"])


def test_invalid_graph_is_reported(project):
    (project.path / "claimpkg" / "top.py").write_text(TOP_PY.replace('("lem:beta",)', '("lem:ghost",)'))
    result = project.runpytest(*QUIET, "-m", "not slow", "-k", "top")
    result.stdout.fnmatch_lines(
        ["*claim registry is invalid: RegistryError: claim thm:top depends on unknown claim id 'lem:ghost'*"]
    )


def test_negative_seed_is_a_usage_error(project):
    result = project.runpytest(*QUIET, "--claims-seed", "-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-seed must be a non-negative integer, got -1*"])


def test_inert_outside_the_claims_package(pytester):
    # No claims_package ini: the default package is the installed ``proofs``; files of
    # this project, even in a directory named proofs, are ordinary files.
    pytester.mkpydir("proofs")
    (pytester.path / "proofs" / "lemma.py").write_text("raise RuntimeError('must not be imported')\n")
    (pytester.path / "proofs" / "registry.py").write_text("raise RuntimeError('must not be imported')\n")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=1)
    items, _ = pytester.inline_genitems(*QUIET)
    assert [it.nodeid for it in items] == ["test_x.py::test_x"]


def test_report_option_without_a_claims_package_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nclaims_package = no_such_package_here\n")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest(*QUIET, "--claims-report", "r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*claims package 'no_such_package_here' is not importable*"])


PROVED_PY = """
import sympy as sp
from claimpkg.registry import REGISTRY
from tensorkv_check.claims.obligations import Proof, Step

x = sp.Symbol("x", real=True)
c = REGISTRY.claim("thm:proved", paper_ref="Theorem 5", sources=("std",), statement="x > 0 => 3x > 0")
c.proof = Proof("thm:proved", {"pos": sp.Gt(x, 0)}, sp.Gt(3 * x, 0),
                (Step("double", (), sp.Gt(2 * x, 0), "smt", ("pos",)),
                 Step("final", (), sp.Gt(3 * x, 0), "smt", ("double", "pos"))))
"""


def test_a_proof_is_one_more_symbolic_item_that_passes_iff_proved(project):
    (project.path / "claimpkg" / "proved.py").write_text(PROVED_PY)
    report = project.path / "r.json"
    result = project.runpytest(*QUIET, "-m", "symbolic", "-k", "proved", "--claims-report", str(report), "-v")
    result.stdout.fnmatch_lines(["*claimpkg/proved.py::thm:proved::proof PASSED*"])
    assert result.ret == pytest.ExitCode.OK
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    assert (claims["thm:proved"]["status"], claims["thm:proved"]["proof"]["status"]) == ("proved", "proved")
    assert [o["id"] for o in claims["thm:proved"]["proof"]["obligations"]] == ["double", "final"]


def test_a_broken_proof_fails_its_item_and_prints_the_proof(project):
    broken = PROVED_PY.replace(
        'Step("double", (), sp.Gt(2 * x, 0), "smt", ("pos",))',
        'Step("double", (), sp.Gt(2 * x, 1), "smt", ("pos",))',
    )
    assert broken != PROVED_PY
    (project.path / "claimpkg" / "proved.py").write_text(broken)
    result = project.runpytest(*QUIET, "-k", "proved")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*thm:proved::proof: partial (1 of 2 obligations discharged; double: z3 answered sat*",
            "*[[]failed] double  (smt, * ms)*",
            "*2*x > 1*",
            "*reproduce: tensorkv-check proof thm:proved*",
        ]
    )
