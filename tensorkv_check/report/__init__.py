"""The verification report: claim statuses, evidence, figures, findings (issue: report).

:func:`build_report` runs a loaded claim registry and the sweeps of a profile into one
JSON-serialisable dict; :func:`write_report` renders it as ``report.json``,
``report.md`` (with ``figures/*.svg``) and a self-contained ``report.html``, each file
written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tensorkv_check.report.build import PROFILES, SCHEMA, build_report
from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check.report.render import figures, render_html, render_json, render_markdown

__all__ = [
    "FORMATS",
    "PROFILES",
    "SCHEMA",
    "build_report",
    "write_report",
    "render_html",
    "render_json",
    "render_markdown",
    "atomic_write",
    "ensure_writable_dir",
]

FORMATS = ("html", "md", "json")


def write_report(report: dict[str, Any], out_dir: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Render ``report`` into ``out_dir`` in the given formats; returns the files written.

    Every text is rendered before the first file is replaced, so a rendering error
    leaves the previous report untouched.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown report format(s) {', '.join(bad)}; valid: {', '.join(FORMATS)}")
    out = ensure_writable_dir(out_dir)
    texts: dict[Path, str] = {}
    if "json" in formats:
        texts[out / "report.json"] = render_json(report)
    # Drawn once for both renderings: the figures take longer than everything else here.
    figs = figures(report) if {"md", "html"} & set(formats) else []
    if "md" in formats:
        for fig in figs:
            texts[out / "figures" / fig["file"]] = fig["svg"]
        texts[out / "report.md"] = render_markdown(report, figs=figs)
    if "html" in formats:
        texts[out / "report.html"] = render_html(report, figs=figs)
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    return list(texts)
