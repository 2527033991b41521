"""A check and what it returns: the :class:`CheckContext` a check sees (seed, profile,
keyed generators), the :class:`CheckResult` it gives (outcome and evidence) and the
:class:`Check` record a claim keeps, with the roles a check may declare (:data:`ROLES`)."""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from tensorkv_check.engine.stats import BinomialEstimate

__all__ = ["CHECK_PROFILES", "ROLES", "CheckContext", "CheckResult", "Check"]

#: What a check is for: it tests the statement, documents where the claim stops holding,
#: or checks that the implementation agrees with the mathematics.
ROLES = ("supports", "limits", "engine")
CheckKind = Literal["symbolic", "empirical"]
Outcome = Literal["pass", "counterexample", "fail", "error"]
Role = Literal["supports", "limits", "engine"]


#: The profiles a check may see. ``quick`` and ``full`` are the report's; ``smoke`` is for
#: crash-hunting only (see :class:`CheckContext`).
CHECK_PROFILES = ("quick", "full", "smoke")
Profile = Literal["quick", "full", "smoke"]
T = TypeVar("T")


@dataclass(frozen=True)
class CheckContext:
    """What a check may depend on besides its code: the seed and the profile.

    Checks derive all randomness from ``ctx.rng(*keys)``, a Generator keyed by the
    run seed and the check's own keys, so results do not depend on execution order.

    Profiles
    --------
    ``"quick"``
        The report's default sizes (each check well under 1.5 s).
    ``"full"``
        The report's large sizes (and, through the registry, the checks marked slow).
    ``"smoke"``
        The quick profile's code paths at the smallest sizes and trial counts that still
        run them, so that many seeds can be run in the default test run
        (``tests/test_claims_many_seeds.py``) to find checks that crash. Its verdicts are
        NOT meaningful (a Clopper–Pearson bound from 5 trials decides nothing), so it is
        never used by the report: :func:`tensorkv_check.report.build_report` and the
        command line accept only ``"quick"`` and ``"full"``. A check that does not ask
        :meth:`size` for a smoke size, or compares ``ctx.profile == "full"``, runs its
        quick sizes under smoke.
    """

    seed: int = 0
    profile: Profile = "quick"

    def size(self, quick: T, full: T | None = None, smoke: T | None = None) -> T:
        """The size (or trial count, or any per-profile value) for this context's profile.

        ``full`` defaults to ``quick`` (a check whose large run is a separate slow check)
        and ``smoke`` to ``quick`` (a check already fast, or one whose smallest working
        size is its quick size).
        """
        if self.profile == "full":
            return quick if full is None else full
        if self.profile == "smoke":
            return quick if smoke is None else smoke
        return quick

    def rng(self, *keys: int | str):
        import hashlib

        import numpy as np

        words = [self.seed]
        for k in keys:
            if isinstance(k, str):
                words.append(int.from_bytes(hashlib.sha256(k.encode()).digest()[:4], "little"))
            else:
                words.append(int(k))
        return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, with the evidence the report renders.

    Attributes
    ----------
    outcome : {"pass", "counterexample", "fail", "error"}
    summary : str
        One human sentence: the identity proved, or the rate and its interval.
    scope : str
        For what parameters the evidence holds ("all n, d", "n, d <= 3", ...).
    details : dict
        JSON-serialisable extra evidence.
    estimate : BinomialEstimate or None
        The empirical rate with its Clopper–Pearson interval.
    counterexample : dict or None
        The concrete instance, for outcome "counterexample".
    reproduce : str or None
        A command or snippet that replays the counterexample.
    """

    outcome: Outcome
    summary: str
    scope: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    estimate: BinomialEstimate | None = None
    counterexample: dict[str, Any] | None = None
    reproduce: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    @classmethod
    def ok(
        cls,
        summary: str,
        *,
        scope: str = "",
        details: dict | None = None,
        estimate: BinomialEstimate | None = None,
    ) -> CheckResult:
        return cls("pass", summary, scope, dict(details or {}), estimate)

    @classmethod
    def fail(
        cls,
        summary: str,
        *,
        scope: str = "",
        details: dict | None = None,
        estimate: BinomialEstimate | None = None,
    ) -> CheckResult:
        return cls("fail", summary, scope, dict(details or {}), estimate)

    @classmethod
    def refute(
        cls,
        summary: str,
        counterexample: dict,
        reproduce: str,
        *,
        scope: str = "",
        details: dict | None = None,
        estimate: BinomialEstimate | None = None,
    ) -> CheckResult:
        return cls(
            "counterexample", summary, scope, dict(details or {}), estimate, dict(counterexample), reproduce
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "summary": self.summary,
            "scope": self.scope,
            "details": self.details,
            "estimate": None if self.estimate is None else self.estimate.to_dict(),
            "counterexample": self.counterexample,
            "reproduce": self.reproduce,
        }


@dataclass(frozen=True)
class Check:
    """One check of a claim: a function of a :class:`CheckContext`."""

    claim_id: str
    name: str
    kind: CheckKind
    fn: Callable[[CheckContext], CheckResult]
    description: str = ""
    slow: bool = False
    expect: Literal["pass", "counterexample"] = "pass"
    scope: str = ""
    role: Role = "supports"

    @property
    def node_id(self) -> str:
        return f"{self.claim_id}::{self.name}"

    def run(self, ctx: CheckContext) -> tuple[CheckResult, float]:
        """Run the check, turning an exception into outcome ``error``."""
        start = time.perf_counter()
        try:
            result = self.fn(ctx)
            if not isinstance(result, CheckResult):
                raise TypeError(f"check {self.node_id} returned {type(result).__name__}, not CheckResult")
            if not result.scope and self.scope:
                result = dataclasses.replace(result, scope=self.scope)
        except Exception as exc:  # a crashing check is a finding, reported as failing
            result = CheckResult(
                "error",
                f"{type(exc).__name__}: {exc}",
                details={"traceback": traceback.format_exc()},
            )
        return result, time.perf_counter() - start
