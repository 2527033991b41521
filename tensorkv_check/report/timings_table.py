"""Where a report run's time went, as Markdown tables (``tensorkv-check report --timings``).

Read from the report's ``timings`` section only (wall-clock data, outside the
deterministic part): the stages, each sweep of the runner (tasks, workers, wall seconds,
the tasks' own seconds and the parallel efficiency ``task seconds / (wall · workers)``),
the task functions, and the phases tasks marked inside themselves
(:mod:`tensorkv_check._util.timing`, e.g. ``run_index: eps``, the key Gram maximum of an
Index reduction).
"""

from __future__ import annotations

from typing import Any

__all__ = ["runner_efficiency", "timings_table"]


def runner_efficiency(sweeps: list[dict[str, Any]]) -> float | None:
    """Parallel efficiency of the sweeps that had more than one worker: their summed task
    seconds over ``workers ·`` the time during which at least one of them ran (sweeps
    that overlap share the workers, so their intervals are merged, not added); ``None``
    when no such sweep ran."""
    pooled = [s for s in sweeps if s["workers"] > 1 and s["computed"]]
    if not pooled:
        return None
    busy, end = 0.0, float("-inf")
    for s in sorted(pooled, key=lambda s: s["start"]):
        if s["end"] > end:
            busy += s["end"] - max(s["start"], end)
            end = s["end"]
    workers = max(s["workers"] for s in pooled)
    return sum(s["task_seconds"] for s in pooled) / (busy * workers) if busy > 0 else None


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(head: list[str], rows: list[list[Any]], align: str) -> list[str]:
    sep = ["---:" if a == "r" else "---" for a in align]
    return [_row(head), _row(sep), *(_row(r) for r in rows)]


def timings_table(report: dict[str, Any], *, top: int = 25) -> str:
    """The report's profile as Markdown: stages, sweeps (longest ``top``), task functions, phases."""
    t = report.get("timings") or {}
    wall = t.get("wall_seconds") or {}
    runner = t.get("runner") or {}
    sweeps = list(runner.get("sweeps") or [])
    lines = [
        f"# Where the time went (profile {report.get('profile')}, seed {report.get('seed')}, "
        f"runner {runner.get('mode', '?')}"
        + (f" x{runner['jobs']}" if runner.get("mode") == "processes" else "")
        + ")",
        "",
        "## Stages",
        "",
    ]
    total = wall.get("total")
    if total and sum(v for k, v in wall.items() if k != "total") > 1.01 * total:
        lines += ["Stages ran at the same time (sharing the workers): their times overlap.", ""]
    lines += _table(
        ["stage", "wall s", "share"],
        [
            [k, f"{v:.1f}", f"{v / total:.0%}" if total else ""]
            for k, v in sorted(wall.items(), key=lambda kv: -kv[1])
            if k != "total"
        ]
        + [["total", f"{total:.1f}" if total is not None else "?", ""]],
        "lrr",
    )
    if sweeps:
        eff = runner_efficiency(sweeps)
        lines += ["", f"## Sweeps (the {min(top, len(sweeps))} longest of {len(sweeps)})", ""]
        lines += _table(
            ["sweep", "tasks", "workers", "wall s", "task s", "longest task s", "efficiency"],
            [
                [
                    s["name"],
                    s["computed"] if s["computed"] == s["tasks"] else f"{s['computed']}/{s['tasks']}",
                    s["workers"],
                    f"{s['wall_seconds']:.2f}",
                    f"{s['task_seconds']:.2f}",
                    f"{s['max_task_seconds']:.2f}",
                    "" if s["efficiency"] is None else f"{s['efficiency']:.2f}",
                ]
                for s in sorted(sweeps, key=lambda s: -s["wall_seconds"])[:top]
            ],
            "lrrrrrr",
        )
        lines += [
            "",
            "Parallel efficiency of the runner (task seconds / (workers · time with a pooled "
            "sweep running)): "
            + ("n/a" if eff is None else f"**{eff:.2f}**")
            + ". A sweep's own efficiency undercounts when other sweeps shared its workers.",
        ]
        fns: dict[str, dict[str, float]] = {}
        phases: dict[str, float] = {}
        for s in sweeps:
            for fn, e in s["by_fn"].items():
                f = fns.setdefault(fn, {"tasks": 0, "seconds": 0.0, "max": 0.0})
                f["tasks"] += e["tasks"]
                f["seconds"] += e["seconds"]
                f["max"] = max(f["max"], e["max"])
            for k, v in s["phases"].items():
                phases[k] = phases.get(k, 0.0) + v
        busy = sum(f["seconds"] for f in fns.values())
        lines += ["", "## Task functions (all sweeps)", ""]
        lines += _table(
            ["function", "tasks", "task s", "share", "longest s"],
            [
                [
                    fn,
                    int(f["tasks"]),
                    f"{f['seconds']:.1f}",
                    f"{f['seconds'] / busy:.0%}" if busy else "",
                    f"{f['max']:.2f}",
                ]
                for fn, f in sorted(fns.items(), key=lambda kv: -kv[1]["seconds"])
            ],
            "lrrrr",
        )
        slow = sorted(
            ((t["seconds"], s["name"], t["task"]) for s in sweeps for t in s.get("slowest", [])), reverse=True
        )[:10]
        if slow:
            lines += ["", "## The longest tasks", ""]
            lines += _table(
                ["task", "sweep", "s"], [[task, name, f"{sec:.2f}"] for sec, name, task in slow], "llr"
            )
        if phases:
            lines += ["", "## Phases inside tasks (summed over tasks)", ""]
            lines += _table(
                ["phase", "s"],
                [[k, f"{v:.1f}"] for k, v in sorted(phases.items(), key=lambda kv: -kv[1])],
                "lr",
            )
    return "\n".join(lines) + "\n"
