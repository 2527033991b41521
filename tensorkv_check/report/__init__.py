"""The verification report: claim statuses, evidence, figures, findings.

:func:`build_report` runs a loaded claim registry and the sweeps of a profile into one
JSON-serialisable dict; :func:`write_report` renders it as ``report.json``,
``report.md`` (with ``figures/*.svg``) and a self-contained ``report.html``.

The report owns its output folder's ``report.*`` files, ``figures/`` and the sweep
runner's ``.checkpoint/``: a rerun replaces them as a set (the new set is written to a
sibling folder that is then swapped in), so a narrower rerun never leaves an older
report beside the new one; a folder holding anything else is refused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check.report.build import PROFILES, SCHEMA, build_report
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
    "OWNED",
    "check_out_dir",
]

FORMATS = ("html", "md", "json")
#: What the report owns in its output folder; anything else there makes it refuse the folder.
OWNED = ("report.html", "report.md", "report.json", "figures", ".checkpoint")


def check_out_dir(out_dir: str | Path) -> Path:
    """Check that the report may write ``out_dir``, without creating anything.

    Returns the folder as an absolute path. Raises ``ValueError`` when it exists and is
    not a directory, holds entries the report does not own (:data:`OWNED`), or cannot be
    created or replaced (its nearest existing ancestor, or its parent, is not writable).
    """
    out = Path(out_dir).expanduser().absolute()
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise ValueError(f"--out {out} exists and is not a directory")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OWNED)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise ValueError(
                f"--out {out} holds entries the report does not own ({shown}); a report replaces "
                f"its folder's {', '.join(OWNED[:3])} and figures/ as a set, so it needs a folder "
                "holding nothing else: choose a new or empty folder"
            )
        base = out.parent
    else:
        base = out.parent
        while not base.exists():
            base = base.parent
    if not base.is_dir() or not os.access(base, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out} is not writable: {base} is not a writable directory")
    return out


def _replace_dir(new: Path, out: Path) -> None:
    """Put the folder ``new`` in place of ``out`` (renames only; ``out``'s old contents go)."""
    if not out.exists():
        os.replace(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.replace(out, old / "dir")
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(old / "dir", out)  # put the previous report back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def write_report(report: dict[str, Any], out_dir: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Render ``report`` into ``out_dir`` in the given formats; returns the files written.

    Every text is rendered first and written into a new sibling folder, which then
    replaces ``out_dir`` (see :func:`check_out_dir` for the folders refused): a rendering
    error or an interruption leaves the previous report untouched, and a report in fewer
    formats never leaves the previous run's other files beside it.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown report format(s) {', '.join(bad)}; valid: {', '.join(FORMATS)}")
    out = check_out_dir(out_dir)
    texts: dict[str, str] = {}
    if "json" in formats:
        texts["report.json"] = render_json(report)
    # Drawn once for both renderings: the figures take longer than everything else here.
    figs = figures(report) if {"md", "html"} & set(formats) else []
    if "md" in formats:
        for fig in figs:
            texts["figures/" + fig["file"]] = fig["svg"]
        texts["report.md"] = render_markdown(report, figs=figs)
    if "html" in formats:
        texts["report.html"] = render_html(report, figs=figs)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        new.chmod(0o777 & ~mask)  # mkdtemp makes it private; the report folder is not
        for rel, text in texts.items():
            path = new / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text)
        _replace_dir(new, out)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return [Path(out_dir) / rel for rel in texts]
