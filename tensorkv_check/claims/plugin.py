"""pytest plugin that runs the proof suite's claim checks as test items.

Registered under the ``pytest11`` entry point ``tensorkv_claims``, so it is active
wherever ``tensorkv-check`` is installed. Following pytest's "Working with non-python
tests" pattern, every claim module of :mod:`proofs` (``proofs/jl.py``, ...) is
collected by a :class:`ClaimModule`, which yields one :class:`ClaimNode` per claim
and one :class:`ClaimItem` per check, with node ids ::

    proofs/jl.py::lem:jl-gaussian::rate
    <module file>::<claim id>::<check name>

A check is collected under the module that defines its function
(``check.fn.__module__``). ``-k jl`` matches the file name and the claim id, and the
items carry the markers ``symbolic`` or ``empirical`` (the check's kind) and ``slow``.
A claim with a machine-checked proof gets one more item, ``<module>::<claim id>::proof``
(collected under the module that declares the claim, marked ``symbolic``), which passes iff
the claim's proof status is ``proved``: every obligation discharged, the statement derived,
and every dependency the proof uses proved or cited; its failure report is the proof as
``tensorkv-check proof ID`` prints it.
A check item passes iff the check's outcome equals its ``expect``: ``"pass"``, or
``"counterexample"`` for a recorded finding, which is then listed in the terminal
summary with its instance and reproduce command. A failing item's report gives the
claim (id, paper ref, sources, statement, hypotheses, explicit constants, caveats), the
check (name, kind, expected and actual outcome), the result's summary, scope, details
(parameters, instance, ...), estimate (successes/trials, Clopper–Pearson interval,
confidence), the seed and profile, commands that reproduce it (the node id,
``pytest --claims ID``, ``tensorkv-check check ID --seed N``) and, for an error, the
check's traceback. The terminal summary ends with the claims' derived statuses (one
line per claim with ``-v`` or ``--claims``).

Slow checks carry the ``slow`` marker, which this project's ``addopts`` deselect; run
them with ``-m slow`` (or ``-m ""``), whatever ``--claims-profile`` says.

Options
-------
``--claims ID[,ID...]``
    Run only these claims and every claim they depend on
    (:meth:`tensorkv_check.claims.registry.Registry.select`). All other items, *including ordinary
    tests*, are deselected: ``--claims`` turns the run into a run of the proof suite.
    Unknown ids are a usage error that lists the valid ids.
``--claims-seed N``
    Seed of the :class:`~tensorkv_check.claims.registry.CheckContext` (default 0).
``--claims-profile {quick,full}``
    Profile of the :class:`~tensorkv_check.claims.registry.CheckContext` (default quick).
``--claims-report PATH``
    At session end, write JSON with the derived status of every claim of the registry
    (:func:`tensorkv_check.claims.registry.claim_status` applied, in dependency order, to the results
    of the checks that ran in this session; a claim none of whose checks ran is
    ``"not run"``). Written atomically (temporary file + ``os.replace``).

The ini option ``claims_package`` names the package holding the claim modules (default:
the first package registered under the ``tensorkv_check.claims`` entry-point group, this
project's ``proofs``); the package exposes ``REGISTRY`` and ``load_all`` at its top. Only
``.py`` files directly inside that package's directory are collected (not ``__init__``,
``registry``, ``cli``, ``conftest`` or ``_private`` modules), so the plugin does nothing in
unrelated projects; importing it imports nothing heavy (no numpy, no engine) until such a
file is collected or a ``--claims*`` option is given.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from tensorkv_check.claims.loader import claim_packages

__all__ = ["ClaimModule", "ClaimNode", "ClaimItem", "ClaimProofItem", "ClaimCheckFailed"]

_NOT_CLAIM_MODULES = frozenset({"__init__", "registry", "cli", "conftest"})
_MARKERS = {
    "symbolic": "symbolic: exact sympy proof checks of a claim",
    "empirical": "empirical: numeric checks of a claim through the engine",
    "slow": "slow: long sweeps, excluded from the default run (select with -m slow)",
}
_NOT_RUN = "not run"


# --------------------------------------------------------------------------- state


@dataclass
class _State:
    """Per-session plugin state, kept in ``config.stash``."""

    package: str
    seed: int
    profile: Literal["quick", "full"]
    claim_ids: list[str] | None
    report_path: str | None
    _pkg_dir: Path | None = None
    _resolved: bool = False
    selected: list[str] | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # claim -> check -> CheckResult
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    findings: list[tuple[str, Any]] = field(default_factory=list)  # (nodeid, CheckResult)
    registry_error: str | None = None
    report_written: str | None = None
    proofs: dict[str, Any] = field(default_factory=dict)  # claim -> ProofResult checked in this session
    _loaded: bool = False

    @property
    def pkg_dir(self) -> Path | None:
        """Directory of the claims package, or None when it is not importable."""
        if not self._resolved:
            self._resolved = True
            try:
                spec = importlib.util.find_spec(self.package)
            except (ImportError, ValueError):
                spec = None
            locs = list(spec.submodule_search_locations or []) if spec is not None else []
            if len(locs) == 1 and Path(locs[0]).is_dir():
                self._pkg_dir = Path(locs[0]).resolve()
        return self._pkg_dir

    def registry_module(self):
        """The claims package itself: it exposes ``REGISTRY`` and ``load_all``."""
        return importlib.import_module(self.package)

    def registry(self):
        return self.registry_module().REGISTRY

    def load_all(self):
        return self.registry_module().load_all()

    def load_once(self) -> None:
        """Load the whole package once per session (attaching the proofs); a failure is left
        to :func:`pytest_collection_modifyitems`, which reports it."""
        if not self._loaded:
            self._loaded = True
            try:
                self.load_all()
            except Exception:  # noqa: BLE001 - reported once the collection is done
                pass


_STATE = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State | None:
    return config.stash.get(_STATE, None)


def _active_state(config: pytest.Config) -> _State:
    """The session state of a run that collected claim items (always configured then)."""
    state = _state(config)
    if state is None:
        raise RuntimeError("the tensorkv claims plugin was not configured for this session")
    return state


# --------------------------------------------------------------------------- hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tensorkv-claims", "tensorkv-check proof-suite claims")
    group.addoption(
        "--claims",
        action="store",
        default=None,
        metavar="ID[,ID...]",
        help="run only these claims and their dependencies (all other tests are deselected)",
    )
    group.addoption(
        "--claims-seed",
        action="store",
        type=int,
        default=0,
        metavar="N",
        help="seed of the claim checks' CheckContext (default 0)",
    )
    group.addoption(
        "--claims-profile",
        action="store",
        choices=("quick", "full"),
        default="quick",
        help="profile of the claim checks' CheckContext (default quick)",
    )
    group.addoption(
        "--claims-report",
        action="store",
        default=None,
        metavar="PATH",
        help="write the claims' derived statuses as JSON to PATH at session end",
    )
    parser.addini(
        "claims_package",
        "package holding the claim modules (default: the first "
        "package of the tensorkv_check.claims entry points)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    opt = config.option
    seed = getattr(opt, "claims_seed", 0)
    if seed is None or seed < 0:
        raise pytest.UsageError(f"--claims-seed must be a non-negative integer, got {seed}")
    raw = getattr(opt, "claims", None)
    ids = None
    if raw is not None:
        ids = [s.strip() for s in raw.split(",") if s.strip()]
        if not ids:
            raise pytest.UsageError("--claims needs at least one claim id")
    config.stash[_STATE] = _State(
        package=str(config.getini("claims_package") or next(iter(claim_packages()), "proofs")),
        seed=int(seed),
        profile=getattr(opt, "claims_profile", "quick") or "quick",
        claim_ids=ids,
        report_path=getattr(opt, "claims_report", None),
    )
    declared = {str(line).split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    for name, line in _MARKERS.items():
        if name not in declared:
            config.addinivalue_line("markers", line)


def pytest_sessionstart(session: pytest.Session) -> None:
    state = _state(session.config)
    if state is None or (state.claim_ids is None and state.report_path is None):
        return
    if state.pkg_dir is None:
        raise pytest.UsageError(
            f"--claims/--claims-report: claims package {state.package!r} is not importable; "
            "set the ini option claims_package"
        )
    if state.claim_ids is None:
        return
    try:
        reg = state.load_all()
    except Exception as exc:  # a broken claim module: selection is impossible
        raise pytest.UsageError(
            f"--claims: loading the claim registry failed: {type(exc).__name__}: {exc}"
        ) from exc
    unknown = [i for i in state.claim_ids if i not in reg]
    if unknown:
        raise pytest.UsageError(
            f"--claims: unknown claim id(s) {', '.join(unknown)}; valid ids: {', '.join(sorted(reg.ids))}"
        )
    state.selected = reg.select(state.claim_ids)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = _state(parent.config)
    if state is None or file_path.suffix != ".py":
        return None
    stem = file_path.stem
    if stem in _NOT_CLAIM_MODULES or stem.startswith("_"):
        return None
    if file_path.parent.name != state.package.rpartition(".")[2]:
        return None  # cheap test first: unrelated files never trigger an import
    pkg_dir = state.pkg_dir
    if pkg_dir is None or file_path.parent.resolve() != pkg_dir:
        return None
    return ClaimModule.from_parent(parent, path=file_path)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = _state(config)
    if state is None:
        return
    claim_items = [it for it in items if isinstance(it, (ClaimItem, ClaimProofItem))]
    if claim_items or state.report_path is not None:
        try:
            state.load_all()  # validate the whole graph once (unknown deps, cycles)
        except Exception as exc:
            state.registry_error = f"{type(exc).__name__}: {exc}"
    if state.selected is None:
        return
    wanted = set(state.selected)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for it in items:
        (keep if isinstance(it, (ClaimItem, ClaimProofItem)) and it.claim.id in wanted else drop).append(it)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state is None or state.report_path is None:
        return
    report = _build_report(state)
    path = Path(state.report_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, default=_json_default)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    state.report_written = str(path)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if state is None:
        return
    tr = terminalreporter
    if state.registry_error:
        tr.write_sep("=", "claim registry", red=True)
        tr.write_line(f"claim registry is invalid: {state.registry_error}", red=True)
    if state.findings:
        tr.write_sep("=", "recorded findings (expected counterexamples)", yellow=True)
        for nodeid, result in state.findings:
            tr.write_line(f"{nodeid}: {result.summary}")
            if result.counterexample is not None:
                tr.write_line(
                    "    instance: " + _short(json.dumps(result.counterexample, default=_json_default), 400)
                )
            if result.reproduce:
                tr.write_line(f"    reproduce: {result.reproduce}")
    if state.results or state.proofs:
        statuses = _statuses(state)
        ran = {cid: st for cid, st in statuses.items() if cid in state.results or cid in state.proofs}
        counts: dict[str, int] = {}
        for st, _ in ran.values():
            counts[st] = counts.get(st, 0) + 1
        line = ", ".join(f"{n} {st}" for st, n in sorted(counts.items()))
        tr.write_sep("-", f"claims: {line} (seed {state.seed}, profile {state.profile})")
        if state.claim_ids is not None or config.option.verbose > 0:
            for cid, (st, reason) in ran.items():
                tr.write_line(f"{cid:<28} {st:<12} {reason}")
    if state.report_written:
        tr.write_line(f"claims report written to {state.report_written}")


# --------------------------------------------------------------------------- nodes


class ClaimModule(pytest.File):
    """A claim module of the proofs package: one :class:`ClaimNode` per claim."""

    def collect(self):
        state = _active_state(self.config)
        modname = f"{state.package}.{self.path.stem}"
        importlib.import_module(modname)
        state.load_once()
        for claim in state.registry():
            checks = [ck for ck in claim.checks if getattr(ck.fn, "__module__", None) == modname]
            proof_here = claim.proof is not None and claim.module == modname
            if checks or proof_here:
                yield ClaimNode.from_parent(self, name=claim.id, claim=claim, checks=checks, proof=proof_here)


class ClaimNode(pytest.Collector):
    """One claim; its children are its checks defined in this module."""

    def __init__(self, *, claim, checks, proof: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.checks = list(checks)
        self.proof = proof

    def collect(self):
        if self.proof:
            yield ClaimProofItem.from_parent(self, name="proof", claim=self.claim)
        for ck in self.checks:
            yield ClaimItem.from_parent(self, name=ck.name, claim=self.claim, check=ck)


class ClaimProofFailed(Exception):
    """Raised by :meth:`ClaimProofItem.runtest` when the claim's proof status is not ``proved``."""


class ClaimProofItem(pytest.Item):
    """A claim's machine-checked proof: passes iff its proof status is ``proved``."""

    def __init__(self, *, claim, **kwargs) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.add_marker("symbolic")
        self._text = ""

    def runtest(self) -> None:
        from tensorkv_check.claims.proof_text import format_proof
        from tensorkv_check.claims.status import claim_axes

        state = _active_state(self.config)
        reg = state.registry()
        checked = reg.check_proofs([self.claim.id])
        result, ledger = checked[self.claim.id]
        deps = {
            d: (checked[d][0].status if d in checked else "cited" if reg[d].cited_reason else "unproved")
            for d in self.claim.depends_on
            if d in reg
        }
        status, reason, _ = claim_axes(self.claim, {}, deps, result)
        state.proofs[self.claim.id] = result
        self.user_properties.extend(
            [
                ("claim", self.claim.id),
                ("proof_status", status),
                ("obligations", f"{result.discharged}/{len(result.steps)}"),
            ]
        )
        if status != "proved":
            self._text = (
                f"{self.claim.id}::proof: {status} ({reason})\n"
                + format_proof(self.claim.proof, result, ledger)
                + f"\nreproduce: tensorkv-check proof {self.claim.id}"
            )
            raise ClaimProofFailed(reason)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimProofFailed):
            return self._text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"{self.claim.id}::proof ({self.claim.paper_ref}, machine-checked proof)"


class ClaimCheckFailed(Exception):
    """Raised by :meth:`ClaimItem.runtest` when the outcome is not the expected one."""

    def __init__(self, result, seconds: float) -> None:
        super().__init__(result.summary)
        self.result = result
        self.seconds = seconds


class ClaimItem(pytest.Item):
    """One check of a claim, run with the session's :class:`~tensorkv_check.claims.registry.CheckContext`."""

    def __init__(self, *, claim, check, **kwargs) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.check = check
        self.add_marker(check.kind)
        if check.slow:
            self.add_marker("slow")

    def runtest(self) -> None:
        from tensorkv_check.claims.registry import CheckContext

        state = _active_state(self.config)
        ctx = CheckContext(seed=state.seed, profile=state.profile)
        result, seconds = self.check.run(ctx)
        state.results.setdefault(self.claim.id, {})[self.check.name] = result
        state.seconds.setdefault(self.claim.id, {})[self.check.name] = seconds
        self.user_properties.extend(
            [
                ("claim", self.claim.id),
                ("paper_ref", self.claim.paper_ref),
                ("check_kind", self.check.kind),
                ("expect", self.check.expect),
                ("outcome", result.outcome),
                ("summary", result.summary),
                ("seed", str(state.seed)),
            ]
        )
        if result.counterexample is not None:
            self.user_properties.append(
                ("counterexample", json.dumps(result.counterexample, default=_json_default))
            )
        if result.reproduce:
            self.user_properties.append(("reproduce", result.reproduce))
        if result.outcome != self.check.expect:
            raise ClaimCheckFailed(result, seconds)
        if result.outcome == "counterexample":
            state.findings.append((self.nodeid, result))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimCheckFailed):
            return self._render(excinfo.value.result)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return (
            self.path,
            None,
            f"{self.claim.id}::{self.check.name} ({self.claim.paper_ref}, {self.check.kind})",
        )

    def _render(self, result) -> str:
        state = _active_state(self.config)
        c, ck = self.claim, self.check
        lines = [
            f"{c.id}::{ck.name}: {result.outcome} (expected {ck.expect}): {result.summary}",
            f"claim {c.id} ({c.paper_ref}) [sources: {', '.join(c.sources)}]",
            f"  statement: {c.statement}",
            f"check {ck.name!r} ({ck.kind}{', slow' if ck.slow else ''}): "
            f"expected outcome {ck.expect!r}, got {result.outcome!r}",
        ]
        if ck.description:
            lines.append(f"  description: {ck.description}")
        lines.append("hypotheses:" if c.hypotheses else "hypotheses: (none declared)")
        lines += [f"  - {h}" for h in c.hypotheses]
        for k, v in c.explicit_constants.items():
            lines.append(f"  explicit constant: {k} -> {v}")
        lines.append(f"summary: {result.summary}")
        lines.append(f"scope: {result.scope or '(not stated)'}")
        details = {k: v for k, v in result.details.items() if k != "traceback"}
        if details:
            lines.append("details:")
            for k, v in details.items():
                lines.append(f"  {k}: {_short(json.dumps(v, default=_json_default), 2000)}")
        est = result.estimate
        if est is not None:
            lines.append(
                f"estimate: {est.successes}/{est.trials} = {est.rate:.4f}, "
                f"{100 * est.confidence:g}% Clopper-Pearson CI [{est.ci_low:.4f}, {est.ci_high:.4f}]; "
                f"trials={est.trials}, successes={est.successes}, confidence={est.confidence}, "
                f"estimate seed={est.seed}"
            )
            if est.parameters:
                lines.append(
                    f"  parameters: {_short(json.dumps(est.parameters, default=_json_default), 2000)}"
                )
        if result.counterexample is not None:
            lines.append(
                "counterexample: " + _short(json.dumps(result.counterexample, default=_json_default), 4000)
            )
        if result.reproduce:
            lines.append(f"reproduce the instance: {result.reproduce}")
        if c.caveats:
            lines.append("caveats:")
            lines += [f"  - {cv}" for cv in c.caveats]
        lines.append(f"seed: {state.seed} (profile {state.profile})")
        opts = (
            (f" --claims-seed {state.seed}" if state.seed else "")
            + (f" --claims-profile {state.profile}" if state.profile != "quick" else "")
            + (" -m slow" if ck.slow else "")
        )
        lines.append(f"reproduce: pytest '{self.nodeid}'{opts}")
        lines.append(f"       or: pytest --claims {c.id}{opts}   (the claim with its dependencies)")
        cli_profile = " --profile full" if (ck.slow or state.profile == "full") else ""
        lines.append(f"       or: tensorkv-check check {c.id} --seed {state.seed}{cli_profile}")
        tb = result.details.get("traceback")
        if result.outcome == "error" and tb:
            lines.append("traceback of the check:")
            lines += ["  " + ln for ln in str(tb).rstrip().splitlines()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- report


def _axes(state: _State) -> dict[str, tuple[str, str, str, str, Any]]:
    """``(status, reason, proof status, evidence status, proof result)`` per claim of the
    registry, in dependency order, from what ran in this session (a proof counts when its
    item ran)."""
    from tensorkv_check.claims.registry import RegistryError
    from tensorkv_check.claims.status import claim_axes, summary_status

    reg = state.registry()
    try:
        order = reg.select(None)
    except RegistryError:
        order = reg.ids  # invalid graph: registration order; the error is reported
    out: dict[str, tuple[str, str, str, str, Any]] = {}
    for cid in order:
        claim = reg[cid]
        results = state.results.get(cid, {})
        pres = state.proofs.get(cid)
        if (claim.checks or claim.proof is not None) and not results and pres is None:
            out[cid] = (
                _NOT_RUN,
                "no check of this claim ran in this session (deselected or skipped)",
                _NOT_RUN,
                _NOT_RUN,
                None,
            )
            continue
        deps = {d: out[d][2] for d in claim.depends_on if d in out}
        proof, preason, evidence = claim_axes(claim, results, deps, pres)
        status, reason = summary_status(claim, results, proof, preason, evidence)
        out[cid] = (status, reason, proof, evidence, pres)
    return out


def _statuses(state: _State) -> dict[str, tuple[str, str]]:
    """(status, reason) per claim of the registry, in dependency order."""
    return {cid: (v[0], v[1]) for cid, v in _axes(state).items()}


def _build_report(state: _State) -> dict[str, Any]:
    from tensorkv_check.claims.registry import ClaimResult

    if state.registry_error is None:
        try:
            state.load_all()
        except Exception as exc:
            state.registry_error = f"{type(exc).__name__}: {exc}"
    reg = state.registry()
    claims = []
    counts: dict[str, int] = {}
    for cid, (status, reason, proof, evidence, pres) in _axes(state).items():
        claim = reg[cid]
        results = state.results.get(cid, {})
        entry = ClaimResult(
            claim, status, reason, results, state.seconds.get(cid, {}), proof, "", evidence, pres
        ).to_dict()
        entry["checks_not_run"] = [ck.name for ck in claim.checks if ck.name not in results]
        entry["seconds"] = state.seconds.get(cid, {})
        claims.append(entry)
        counts[status] = counts.get(status, 0) + 1
    return {
        "paper": "arXiv 2503.11108",
        "generated_by": "pytest --claims-report",
        "package": state.package,
        "seed": state.seed,
        "profile": state.profile,
        "claims_selected": state.claim_ids,
        "registry_error": state.registry_error,
        "counts": counts,
        "claims": claims,
    }


def _json_default(obj: Any) -> Any:
    """``default=`` hook of the plugin's JSON: the package's numpy conversion
    (:func:`tensorkv_check._util.io.json_default`), and for anything else a list (sets) or
    its ``str``: a failure report or the session's claim report must never raise.

    The helper is imported here, when a value needs it, because importing the plugin must
    not import numpy.
    """
    from tensorkv_check._util.io import json_default

    try:
        return json_default(obj)
    except TypeError:
        return list(obj) if isinstance(obj, (set, frozenset, tuple)) else str(obj)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"
