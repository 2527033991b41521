"""``tensorkv-check claims``: run the proof suite and list every claim with its status.

:func:`run_claims_command` is what :mod:`tensorkv_check.cli.command` calls. It loads the
registry (:func:`tensorkv_check.claims.registry.load_all`), runs the checks of the selected claims and
their dependencies in dependency order (a tqdm progress bar on stderr when stderr is a
terminal) and checks their proofs, and prints either a table (id, paper ref, sources, the
proof and evidence axes, the one-word status, checks run, deps; status coloured only on a
terminal) or JSON to stdout: per claim the two axes, ``proof`` (status, obligations with
``id``, ``backend``, ``uses``, ``latex`` and, for ``smt`` steps, ``smtlib2`` and
``vacuity_smtlib2``, and the transitive axiom ledger ``axioms``) and ``evidence`` (status
and each check's role).

Exit codes: 0 when every check ran (whatever the statuses: a refuted claim is a result,
not a crash), 1 when a check errored (outcome ``"error"``) or the registry could not be
loaded, 2 for unknown claim ids.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Any, TextIO

from tensorkv_check._util.io import json_default
from tensorkv_check.claims.registry import CheckContext, ClaimResult, Registry, load_all

__all__ = ["run_claims_command", "render_table", "render_json", "progress_bar", "summary_counts"]

_COLOURS = {
    "proved": "\x1b[32m",  # green
    "corroborated": "\x1b[36m",  # cyan
    "partial": "\x1b[33m",  # yellow
    "cited": "\x1b[34m",  # blue
    "refuted": "\x1b[35m",  # magenta
    "failing": "\x1b[31;1m",  # bold red
}
_RESET = "\x1b[0m"


def progress_bar(total: int | None, desc: str, unit: str, stream: TextIO | None = None) -> Any:
    """A tqdm bar on ``stream`` (default stderr), disabled unless it is a terminal.

    A terminal that reports 0 columns or rows (some CI runners and serial consoles) gets
    an 80-column bar: tqdm's own size detection would trim the bar to nothing.
    """
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    tty = _isatty(stream)
    width: dict[str, Any] = {"dynamic_ncols": True}
    if tty:
        try:
            size = os.get_terminal_size(stream.fileno())
            cols, rows = size.columns, size.lines
        except (OSError, ValueError, AttributeError):
            cols = rows = 0
        if cols <= 0 or rows <= 0:
            width = {"ncols": 80, "nrows": 24}
    return tqdm(total=total, desc=desc, unit=unit, file=stream, leave=False, disable=not tty, **width)


def _parse_ids(raw: str | list[str] | None) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str):  # already parsed by the command line's ``claim_ids`` type
        return list(raw) or None
    ids = [s.strip() for s in raw.split(",") if s.strip()]
    return ids or None


def run_claims_command(
    args: argparse.Namespace,
    *,
    registry: Registry | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the claims' checks and print their statuses.

    Parameters
    ----------
    args : argparse.Namespace
        ``format`` ("table" or "json"), ``claims`` (comma-separated ids or None),
        ``include_slow`` (bool); optional ``seed`` (int, default 0) and ``profile``
        ("quick" or "full", default "quick").
    registry : Registry, optional
        For tests: a registry to use instead of the loaded :data:`REGISTRY`.
    stdout, stderr : text streams, optional
        Default ``sys.stdout`` and ``sys.stderr``.

    Returns
    -------
    int
        0 when every check ran, 1 when a check errored or loading failed, 2 for
        unknown claim ids.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if registry is None:
        try:
            registry = load_all()
        except Exception as exc:
            print(
                f"tensorkv-check claims: loading the claim registry failed: {type(exc).__name__}: {exc}",
                file=err,
            )
            traceback.print_exc(file=err)
            return 1
    ids = _parse_ids(getattr(args, "claims", None))
    if ids is not None:
        unknown = [i for i in ids if i not in registry]
        if unknown:
            print(
                f"tensorkv-check claims: unknown claim id(s) {', '.join(unknown)}; "
                f"valid ids: {', '.join(sorted(registry.ids))}",
                file=err,
            )
            return 2
    include_slow = bool(getattr(args, "include_slow", False))
    ctx = CheckContext(
        seed=int(getattr(args, "seed", 0) or 0), profile=getattr(args, "profile", "quick") or "quick"
    )
    selected = registry.select(ids)
    total = sum(1 for cid in selected for ck in registry[cid].checks if include_slow or not ck.slow)

    bar = progress_bar(total, "claims", "check", err)
    started = [0]

    def on_check(check) -> None:
        if started[0]:
            bar.update(1)
        started[0] += 1
        bar.set_postfix_str(check.node_id, refresh=False)

    try:
        results = registry.run(ids, ctx=ctx, include_slow=include_slow, on_check=on_check)
    finally:
        if started[0]:
            bar.update(1)
        bar.close()

    if getattr(args, "format", "table") == "json":
        out.write(render_json(results, seed=ctx.seed, profile=ctx.profile, include_slow=include_slow))
    else:
        out.write(render_table(results, colour=_isatty(out)))
    errored = [
        f"{cid}::{name}"
        for cid, r in results.items()
        for name, res in r.results.items()
        if res.outcome == "error"
    ]
    if errored:
        print(f"tensorkv-check claims: {len(errored)} check(s) raised: {', '.join(errored)}", file=err)
        return 1
    return 0


def render_table(results: dict[str, ClaimResult], *, colour: bool = False) -> str:
    """A fixed-width table of claim results, then the reasons of refuted and failing
    claims and every claim's caveats (the JSON output has every reason).

    Examples
    --------
    >>> reg = Registry()
    >>> _ = reg.claim("def:a", paper_ref="Def 1", sources=("std",), statement="a", cited_reason="book")
    >>> print(render_table(reg.run()), end="")
    id     paper ref  sources  proof  evidence  status  checks  deps
    def:a  Def 1      std      cited  none      cited   0/0     -
    <BLANKLINE>
    1 claim: 1 cited
    proof: 1 cited; evidence: 1 none
    """
    header = ("id", "paper ref", "sources", "proof", "evidence", "status", "checks", "deps")
    rows = []
    for cid, r in results.items():
        c = r.claim
        proof = r.proof_status
        if r.proof_result is not None and proof == "partial":
            proof = f"partial {r.proof_result.discharged}/{len(r.proof_result.steps)}"
        rows.append(
            (
                cid,
                c.paper_ref,
                ",".join(c.sources),
                proof,
                r.evidence_status,
                r.status,
                f"{len(r.results)}/{len(c.checks)}",
                ",".join(c.depends_on) or "-",
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    for row in rows:
        cells = [v.ljust(w) for v, w in zip(row, widths)]
        if colour:
            cells[5] = _COLOURS.get(row[5], "") + cells[5] + _RESET
        lines.append("  ".join(cells).rstrip())
    notes = [
        f"  {cid}: {r.status}: {r.reason}"
        for cid, r in results.items()
        if r.status in ("refuted", "failing", "partial")
    ]
    for cid, r in results.items():
        notes += [f"  {cid}: caveat: {cv}" for cv in r.claim.caveats]
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    lines.append("")
    lines.append(
        f"{len(results)} claim{'' if len(results) == 1 else 's'}: "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    )
    axes = [
        ("proof", [r.proof_status for r in results.values()]),
        ("evidence", [r.evidence_status for r in results.values()]),
    ]
    if results:
        lines.append(
            "; ".join(
                f"{name}: " + ", ".join(f"{vals.count(v)} {v}" for v in sorted(set(vals)))
                for name, vals in axes
            )
        )
    if notes:
        lines.append("notes:")
        lines += notes
    return "\n".join(lines) + "\n"


def render_json(
    results: dict[str, ClaimResult], *, seed: int = 0, profile: str = "quick", include_slow: bool = False
) -> str:
    """JSON of the claim results: metadata and one entry per claim, in dependency order."""
    claims = []
    for r in results.values():
        entry = r.to_dict()
        entry["checks_not_run"] = [ck.name for ck in r.claim.checks if ck.name not in r.results]
        entry["seconds"] = dict(r.seconds)
        entry["proof_seconds"] = r.proof_seconds()
        claims.append(entry)
    doc = {
        "paper": "arXiv 2503.11108",
        "generated_by": "tensorkv-check claims",
        "seed": seed,
        "profile": profile,
        "include_slow": include_slow,
        "summary": summary_counts(results.values()),
        "claims": claims,
    }
    return json.dumps(doc, indent=2, default=json_default) + "\n"


def summary_counts(results: Any) -> dict[str, dict[str, int]]:
    """Counts of claims per one-word status and per value of each axis (every value listed)."""
    from tensorkv_check.claims.status import EVIDENCE_AXIS, PROOF_AXIS, STATUSES

    rs = list(results)
    return {
        "status": {s: sum(r.status == s for r in rs) for s in STATUSES},
        "proof": {s: sum(r.proof_status == s for r in rs) for s in PROOF_AXIS},
        "evidence": {s: sum(r.evidence_status == s for r in rs) for s in EVIDENCE_AXIS},
    }


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
