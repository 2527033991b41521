"""Counterexample exploration: hypothesis searches against each claim, shrunk and replayable.

Every claim of the proof suite (Chen et al. 2025, arXiv
2503.11108, and the results it builds on; ids of ``shared/spec/paper-math.md``) has one
or more *explorers* (:class:`tensorkv_check.claims.registry.Explorer`, declared in
the claim modules of ``proofs/``, beside the claims): a hypothesis strategy over the claim's parameters and
inputs (n, d, ε, δ, C, scale, seeds, adversarial matrices) and a property of a drawn
example. An explorer searches either

* **inside** the claim's hypotheses: a failing example is a counterexample and the
  claim is *refuted* by it; or
* **outside** one named hypothesis, deliberately violated: a failing example shows
  the hypothesis is *necessary* (the claim is not refuted).

This module is the engine:

:func:`explore`
    runs one explorer for a bounded number of examples with a fixed seed
    (``hypothesis.seed`` + no example database ⇒ the same seed gives the same examples,
    the same minimal failure and the same result dict), lets hypothesis shrink a
    failure to a minimal example, and reports how many examples were tried over which
    ranges when nothing is found: never "proved".
:func:`replay_case`, :func:`run_case`
    rerun a saved case, or a registered property on one example. The examples
    database (one JSON file per failure under ``.tensorkv/examples/``, arrays written
    with ``repr`` precision so a case round-trips exactly), the encoding and the
    reproducing snippet live in :mod:`tensorkv_check.claims.cases`.
:func:`compute`, :func:`figures`, :func:`findings`, :func:`claim_outcomes`
    the report section: every claim explored at a profile's budget; deterministic
    for a seed except the ``"timings"`` sub-dict (wall times, measured ratios).

Properties return ``None``/``True`` when they hold and a failure description (``str``)
when they do not; ``AssertionError`` also counts as a failure. Any other exception is
a *crash* of the property (outcome ``"error"``, a bug to fix), reported with its
minimal example too. Evaluations are memoised per example, so hypothesis' final
replay of the shrunk example always agrees with the search; shrinking stops after a
per-explorer number of evaluations (the minimal example is then the smallest found).
"""

from __future__ import annotations

import json
import math
import time
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# How examples are encoded and saved lives in cases.py; the names marked F401 stay
# importable from here.
from tensorkv_check.claims.cases import (
    EXAMPLES_DIR,  # noqa: F401
    ExploreError,
    case_bytes,  # noqa: F401
    decode,
    encode,
    example_key,
    load_case,
    save_case,  # noqa: F401
    saved_cases,  # noqa: F401
    snippet,
)

__all__ = [
    "PROFILES",
    "DEFAULT_BUDGET",
    "KINDS",
    "evaluate",
    "explore",
    "run_case",
    "replay_case",
    "compute",
    "figures",
    "findings",
    "claim_outcomes",
]

#: Examples per explorer (before its weight) for the report profiles.
PROFILES = {"quick": 8, "full": 60}
#: Default ``--budget`` of ``tensorkv-check explore``.
DEFAULT_BUDGET = 20
#: Finding kinds of :func:`findings`, from an explorer's region and outcome.
KINDS = ("refuted", "hypothesis-necessary", "explored")


class _Failure(Exception):
    """Raised inside the hypothesis test when the property fails."""


class _Crash(Exception):
    """Raised inside the hypothesis test when the property itself crashed."""


# ----------------------------------------------------------------- evaluation


def evaluate(explorer: Any, example: dict[str, Any]) -> tuple[str, str | None]:
    """Run an explorer's property once: ``("holds", None)``, ``("fails", text)`` or ``("crash", text)``.

    The crash text is ``ExceptionType: message`` (no traceback, so that it is the same
    on every machine); the traceback is not part of the deterministic result.
    """
    status, text, _ = _evaluate_scored(explorer, example)
    return status, text


def _evaluate_scored(explorer: Any, example: dict[str, Any]) -> tuple[str, str | None, float | None]:
    """:func:`evaluate` plus the explorer's target score when the property holds.

    A score that raises makes the example a crash (so search and replay agree).
    Floating-point warnings are silenced: outside-hypothesis explorers overflow on
    purpose, and their verdict is the property's return value, not a warning on the
    user's terminal.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _evaluate_quietly(explorer, example)


def _evaluate_quietly(explorer: Any, example: dict[str, Any]) -> tuple[str, str | None, float | None]:
    try:
        out = explorer.fn(example)
    except AssertionError as exc:
        return "fails", f"AssertionError: {exc}", None
    except Exception as exc:  # a crashing property is a bug, reported as such
        return "crash", f"{type(exc).__name__}: {exc}", None
    if isinstance(out, str):
        return "fails", out, None
    if not (out is None or out is True):
        return (
            "crash",
            (
                f"TypeError: property {explorer.key} returned {type(out).__name__}; "
                "expected None, True or a failure description (str)"
            ),
            None,
        )
    score = None
    if explorer.score is not None:
        try:
            score = float(explorer.score(example))
        except Exception as exc:
            return "crash", f"{type(exc).__name__} in score: {exc}", None
    return "holds", None, score


def _examples_for(explorer: Any, budget: int) -> int:
    return max(1, int(math.ceil(budget * float(getattr(explorer, "weight", 1.0)))))


def _shrink_cap(explorer: Any) -> int:
    # Expensive explorers (small weight) get fewer shrink evaluations.
    return max(12, int(150 * min(1.0, float(getattr(explorer, "weight", 1.0)))))


@contextmanager
def _examples_from_the_seed_only() -> Iterator[None]:
    """Keep hypothesis from drawing literals of the loaded modules into its examples.

    hypothesis (6.131 and later) sometimes draws an example from the numbers and strings
    written in every *local* module that happens to be imported (``proofs/``, this
    package, a user's own code), so the examples, and the report's bytes, would depend on
    which modules a process has loaded and on their source text, not only on the seed. An
    explorer searches its stated parameter space; the literals of unrelated modules have
    no place in it. hypothesis' own constants (edge-case floats and integers) stay.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = providers.Constants()
    except (ImportError, AttributeError):  # another hypothesis version: nothing to switch off
        yield
        return
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)

    def _clear() -> None:
        if cache is not None:
            cache.clear()

    providers._get_local_constants = lambda: empty
    _clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        _clear()


def _search(explorer: Any, examples: int, seed: int) -> dict[str, Any]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hyp_seed
    from hypothesis import strategies as st

    strategy = explorer.space(st)
    memo: dict[str, tuple[str, str | None, float | None]] = {}
    state: dict[str, Any] = {"evaluated": 0, "generation": 0, "bad": None, "best": None, "first_bad_at": None}
    cap = examples + _shrink_cap(explorer)

    def run(ex: dict[str, Any]) -> None:
        k = example_key(ex)
        if k in memo:
            status, text, score = memo[k]
        elif state["evaluated"] >= cap:
            return  # shrink budget spent: unseen candidates are not evaluated
        else:
            status, text, score = _evaluate_scored(explorer, ex)
            memo[k] = (status, text, score)
            state["evaluated"] += 1
            if state["bad"] is None and status != "holds":
                state["first_bad_at"] = state["evaluated"]
            if score is not None and math.isfinite(score):
                if state["best"] is None or score > state["best"][0]:
                    state["best"] = (score, encode(ex))
        if score is not None and math.isfinite(score):
            target(score, label=explorer.score_label or "score")
        if status != "holds":
            state["bad"] = (status, text, ex)
            raise (_Failure if status == "fails" else _Crash)(text)

    test = hyp_seed(seed)(
        settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(given(strategy)(run))
    )
    harness_error = None
    try:
        with _examples_from_the_seed_only():
            test()
    except (_Failure, _Crash):
        pass
    except Exception as exc:  # hypothesis itself complained (flaky, unsatisfiable, ...)
        harness_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    state["harness_error"] = harness_error
    return state


def explore(
    explorer: Any, *, budget: int = DEFAULT_BUDGET, seed: int = 0, examples: int | None = None
) -> dict[str, Any]:
    """Search one explorer for a counterexample.

    Parameters
    ----------
    explorer : tensorkv_check.claims.registry.Explorer
    budget : int, ``>= 1``
        Example budget; the explorer runs ``ceil(budget · weight)`` examples (its
        ``weight`` reflects its cost), then shrinks a failure.
    seed : int, ``>= 0``
        The hypothesis seed (and the seed of the explorer's side study).
    examples : int, optional
        Exactly this many examples (hypothesis' ``max_examples``) instead of the
        weighted budget: ``tensorkv-check explore --budget N`` passes ``N``. Fewer are
        tried when the search stops at a failure or runs out of distinct examples.

    Returns
    -------
    dict
        Deterministic for a seed except ``"timings"``: ``claim``, ``explorer``,
        ``region``, ``hypothesis``, ``ranges``, ``seed``, ``examples`` (the planned
        number), ``tried`` (distinct examples evaluated while searching),
        ``shrink_evaluations``, ``outcome`` (``"counterexample"``, ``"none-found"`` or
        ``"error"``), ``kind`` (``"refuted"``, ``"hypothesis-necessary"``, ``"explored"``
        or ``"error"``), ``failure``, ``example`` (encoded minimal example), ``snippet``,
        ``best`` (closest approach of the target score), ``observations`` (side study),
        ``replay_identical`` and ``text`` (one sentence); ``timings`` (seconds, measured
        ratios of the side study).

    Examples
    --------
    >>> from tensorkv_check.claims.registry import Registry
    >>> reg = Registry()
    >>> _ = reg.claim("x:false", paper_ref="-", sources=("std",), statement="x < 0.9", cited_reason="-")
    >>> @reg.explorer("x:false", "below", region="inside", ranges="x in [0, 1]",
    ...               space=lambda st: st.fixed_dictionaries({"x": st.floats(0, 1)}))
    ... def explore_below(ex):
    ...     return None if ex["x"] < 0.9 else f"x = {ex['x']!r} >= 0.9"
    >>> res = explore(reg.explorers("x:false")[0], budget=50, seed=0)
    >>> res["kind"], res["failure"]  # hypothesis shrinks towards the simplest float, here 1.0
    ('refuted', 'x = 1.0 >= 0.9')
    """
    from tensorkv_check._util.validation import check_positive_int

    budget = check_positive_int("budget", budget)
    seed = check_positive_int("seed", seed, minimum=0)
    t0 = time.perf_counter()
    examples = (
        _examples_for(explorer, budget) if examples is None else check_positive_int("examples", examples)
    )
    with _serial_blas():
        state = _search(explorer, examples, seed)
    search_seconds = time.perf_counter() - t0
    res: dict[str, Any] = {
        "claim": explorer.claim_id,
        "explorer": explorer.name,
        "region": explorer.region,
        "hypothesis": explorer.hypothesis,
        "description": explorer.description,
        "ranges": explorer.ranges,
        "seed": seed,
        "budget": budget,
        "examples": examples,
        "failure": None,
        "example": None,
        "snippet": None,
        "best": None,
        "observations": None,
        "replay_identical": None,
    }
    bad = state["bad"]
    if bad is not None:
        status, text, ex = bad
        tried = state["first_bad_at"]
        res["tried"] = tried
        res["shrink_evaluations"] = state["evaluated"] - tried
        res["outcome"] = "counterexample" if status == "fails" else "error"
        res["failure"] = text
        res["example"] = encode(ex)
        # The saved form must reproduce the failure exactly: replay it from the JSON text.
        again = evaluate(explorer, decode(json.loads(example_key(ex))))
        res["replay_identical"] = again == (status, text)
        res["snippet"] = snippet(explorer, res["example"])
    else:
        res["tried"] = state["evaluated"]
        res["shrink_evaluations"] = 0
        res["outcome"] = "error" if state["harness_error"] else "none-found"
    if state["harness_error"] and bad is None:
        res["failure"] = f"hypothesis: {state['harness_error']}"
    if state["best"] is not None:
        res["best"] = {
            "label": explorer.score_label or "score",
            "score": state["best"][0],
            "example": state["best"][1],
        }
    timings: dict[str, Any] = {"search_seconds": search_seconds}
    if explorer.extra is not None:
        t1 = time.perf_counter()
        try:
            with _serial_blas():
                obs = dict(explorer.extra(budget, seed))
        except Exception as exc:
            obs = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
            res["outcome"] = "error"
        timings.update(obs.pop("timings", {}) or {})
        timings["extra_seconds"] = time.perf_counter() - t1
        res["observations"] = obs
    res["kind"] = _kind(res)
    res["text"] = _text(res)
    res["timings"] = timings
    return res


def _kind(res: dict[str, Any]) -> str:
    if res["outcome"] == "error":
        return "error"
    if res["outcome"] == "counterexample":
        return "refuted" if res["region"] == "inside" else "hypothesis-necessary"
    return "explored"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _text(res: dict[str, Any]) -> str:
    where = (
        "inside the hypotheses"
        if res["region"] == "inside"
        else f"outside the hypothesis '{res['hypothesis']}'"
    )
    if res["kind"] == "refuted":
        return (
            f"counterexample {where} after {_plural(res['tried'], 'example')} (seed {res['seed']}), "
            f"shrunk in {_plural(res['shrink_evaluations'], 'evaluation')}: {res['failure']}"
        )
    if res["kind"] == "hypothesis-necessary":
        return (
            f"the conclusion fails {where} after {_plural(res['tried'], 'example')} "
            f"(seed {res['seed']}), shrunk in {_plural(res['shrink_evaluations'], 'evaluation')}: "
            f"{res['failure']}"
        )
    if res["kind"] == "error":
        return f"the exploration crashed (a bug, not a finding): {res['failure'] or res['observations']}"
    return (
        f"no counterexample {where} in {_plural(res['tried'], 'example')} over {res['ranges']} "
        f"(seed {res['seed']}); a bounded search, not a proof"
    )


class _serial_blas:
    """BLAS limited to one thread: properties do many tiny products (see proofs._common)."""

    def __enter__(self):
        from threadpoolctl import threadpool_limits

        self._lim = threadpool_limits(limits=1, user_api="blas")
        return self

    def __exit__(self, *exc):
        self._lim.restore_original_limits()
        return False


# ----------------------------------------------------------------- replay


def _explorer_of(claim_id: str, name: str, registry: Any = None) -> Any:
    if registry is None:
        from tensorkv_check.claims.registry import load_all

        registry = load_all()
    for e in registry.explorers(claim_id):
        if e.name == name:
            return e
    raise ExploreError(
        f"claim {claim_id} has no explorer named {name!r}; its explorers: "
        f"{', '.join(e.name for e in registry.explorers(claim_id))}"
    )


def run_case(claim_id: str, explorer: str, example: dict[str, Any], *, registry: Any = None) -> str | None:
    """Evaluate a registered explorer's property on ``example``: ``None`` or the failure text.

    Examples
    --------
    >>> run_case("def:softmax", "probability-vector", {"z": np.array([0.0, 1e6])}) is None
    True
    """
    exp = _explorer_of(claim_id, explorer, registry)
    status, text = evaluate(exp, decode(encode(example)))
    if status == "crash":
        raise ExploreError(f"the property of {exp.key} crashed: {text}")
    return text


def replay_case(path: str | Path, *, registry: Any = None) -> dict[str, Any]:
    """Re-run a saved case; returns the case as recomputed now plus ``reproduced``.

    ``reproduced`` is True iff the property gives the same outcome and the same
    failure text, in which case :func:`case_bytes` of the returned case (without
    ``reproduced`` and ``path``) equals the file's bytes.
    """
    saved = load_case(path)
    exp = _explorer_of(saved["claim"], saved["explorer"], registry)
    with _serial_blas():
        status, text = evaluate(exp, decode(saved["example"]))
    now = dict(saved)
    now["failure"] = text
    now["outcome"] = {"holds": "none-found", "fails": "counterexample", "crash": "error"}[status]
    now["reproduced"] = now["outcome"] == saved.get("outcome") and text == saved["failure"]
    now["path"] = str(path)
    return now


# ----------------------------------------------------------------- report section


def compute(profile: str, seed: int, run: Any = None, *, claims: Any = None) -> dict[str, Any]:
    """Explore every claim at a profile's budget (the report's exploration section).

    Parameters
    ----------
    profile : {"quick", "full"}
        Example budget per explorer: :data:`PROFILES` (times each explorer's weight).
    seed : int
        Hypothesis seed of every search; no example database is read or written, so
        the same seed gives an identical dict outside its ``"timings"`` key.
    run : tensorkv_check.claims.registry.Registry, optional
        The registry to explore; default :func:`tensorkv_check.claims.registry.load_all`. Anything
        else (e.g. claim-run results) is ignored.
    claims : iterable of str, optional
        Explore only these claims (``report --claims``); default every claim.

    Returns
    -------
    dict
        ``profile``, ``seed``, ``budget``, ``explorers`` (one :func:`explore` result per
        explorer, without its timings, in registry order) and ``timings``
        (``{explorer key: {...}}`` plus ``"total_seconds"``; not deterministic).
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    from tensorkv_check._util.validation import check_positive_int

    seed = check_positive_int("seed", seed, minimum=0)
    registry = run if hasattr(run, "explorers") else None
    if registry is None:
        from tensorkv_check.claims.registry import load_all

        registry = load_all()
    t0 = time.perf_counter()
    budget = PROFILES[profile]
    results, timings = [], {}
    wanted = None if claims is None else set(claims)
    explorers = [e for e in registry.explorers() if wanted is None or e.claim_id in wanted]
    if registry is not None and run is not None and callable(run) and not hasattr(run, "explorers"):
        # Through the sweep runner: one task per explorer of the project's registry. Each
        # explorer searches with the run's seed (not its task seed), so the data equal
        # those of the in-process path.
        from tensorkv_check.runner.sweep_runner import Task

        tasks = [
            Task.of(explore_task, {"key": e.key, "budget": budget, "seed": seed}, key=e.key)
            for e in explorers
        ]
        for exp, r in zip(explorers, run(tasks, seed=seed, name="explore")):
            res = dict(r.value) if r.ok else _crashed(exp, budget, seed, r.error or "task failed")
            timings[exp.key] = res.pop("timings", None)
            results.append(res)
    else:
        for exp in explorers:
            res = explore(exp, budget=budget, seed=seed)
            timings[exp.key] = res.pop("timings")
            results.append(res)
    timings["total_seconds"] = time.perf_counter() - t0
    return {"profile": profile, "seed": seed, "budget": budget, "explorers": results, "timings": timings}


def explore_task(params: dict[str, Any], task_seed: int) -> dict[str, Any]:
    """Runner task: :func:`explore` one explorer of the project's registry by its key."""
    from tensorkv_check.claims.registry import load_all

    exp = next((e for e in load_all().explorers() if e.key == params["key"]), None)
    if exp is None:
        raise ValueError(f"no explorer with key {params['key']!r}")
    return explore(exp, budget=params["budget"], seed=params["seed"])


def _crashed(exp: Any, budget: int, seed: int, error: str) -> dict[str, Any]:
    """The record of an explorer whose runner task failed (shown as an error, never hidden)."""
    return {
        "claim": exp.claim_id,
        "explorer": exp.name,
        "region": exp.region,
        "hypothesis": getattr(exp, "hypothesis", None),
        "seed": seed,
        "examples": budget,
        "tried": 0,
        "shrink_evaluations": 0,
        "outcome": "error",
        "kind": "error",
        "failure": error,
        "example": None,
        "snippet": None,
        "ranges": {},
        "text": f"the exploration task failed: {error}",
        "observations": {},
        "best": None,
        "description": "",
        "replay_identical": None,
    }


_KIND_ORDER = ("error", "refuted", "hypothesis-necessary", "explored")


def claim_outcomes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per claim: the strongest exploration outcome and one line per explorer.

    ``outcome`` is the first of ``error``, ``refuted``, ``hypothesis-necessary``,
    ``explored`` that any of its explorers reached.
    """
    out: dict[str, dict[str, Any]] = {}
    for r in data["explorers"]:
        entry = out.setdefault(r["claim"], {"outcome": "explored", "explorers": []})
        entry["explorers"].append(
            {
                "explorer": r["explorer"],
                "region": r["region"],
                "hypothesis": r["hypothesis"],
                "kind": r["kind"],
                "tried": r["tried"],
                "text": r["text"],
                "example": r["example"],
                "snippet": r["snippet"],
            }
        )
    for entry in out.values():
        kinds = {e["kind"] for e in entry["explorers"]}
        entry["outcome"] = next(k for k in _KIND_ORDER if k in kinds)
    return out


def findings(data: dict[str, Any]) -> list[dict[str, str]]:
    """One finding per explorer: kind ``refuted``, ``hypothesis-necessary`` or ``explored``.

    A crashed exploration is reported with kind ``explored`` and a text saying so
    (the report has no crash kind; the CLI exits 1 for it).
    """
    out = []
    for r in data["explorers"]:
        kind = r["kind"] if r["kind"] in KINDS else "explored"
        text = f"{r['explorer']} ({r['region']}): {r['text']}"
        obs = r.get("observations") or {}
        if obs.get("summary"):
            text += f" Side study: {obs['summary']}"
        out.append({"claim": r["claim"], "kind": kind, "text": text})
    return out


_FIG_COLOURS = {
    "refuted": "#D55E00",
    "hypothesis-necessary": "#E69F00",
    "explored": "#56B4E9",
    "error": "#000000",
}


def figures(data: dict[str, Any]) -> list[dict[str, str]]:
    """One summary figure: examples tried per explorer, coloured by outcome."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from tensorkv_check._util.svg import svg_of

    rows = data["explorers"]
    if not rows:
        return []
    fig = Figure(figsize=(7.0, 0.22 * len(rows) + 1.2))
    ax = fig.add_subplot()
    labels = [f"{r['claim']} · {r['explorer']}" for r in rows]
    ys = np.arange(len(rows))[::-1]
    ax.barh(ys, [max(r["tried"], 0) for r in rows], color=[_FIG_COLOURS[r["kind"]] for r in rows])
    ax.set_yticks(ys, labels, fontsize=6)
    ax.set_xlabel("examples tried before the first failure (or in all, if none)")
    ax.set_title(f"Counterexample exploration ({data['profile']} profile, seed {data['seed']})")
    ax.legend(
        handles=[Patch(color=c, label=k) for k, c in _FIG_COLOURS.items()], fontsize=6, loc="lower right"
    )
    n_bad = sum(r["kind"] in ("refuted", "hypothesis-necessary") for r in rows)
    return [
        {
            "file": "explore_summary.svg",
            "title": "Counterexample exploration",
            "alt": (
                f"Bar chart of examples tried by each of {len(rows)} explorers; {n_bad} found a failing "
                "example (refuted inside the hypotheses, or hypothesis necessary outside)."
            ),
            "svg": svg_of(fig),
        }
    ]
