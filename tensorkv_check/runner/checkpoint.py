"""Checkpoint files: the manifest that says which run a checkpoint folder belongs to
(seed, profile, claims, code version) and the ``<sweep>.jsonl`` files of finished values
(``fn``, ``key``, ``seed``, ``value``, one line each) that ``resume`` reads back."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tensorkv_check.runner.tasks import TaskResult

__all__ = ["code_version", "manifest_differences", "write_manifest"]


#: The file of a checkpoint folder that records what its results belong to.
MANIFEST = "manifest.json"


def code_version(packages: Iterable[str] = ("tensorkv_check",)) -> dict[str, Any]:
    """The installed version of tensorkv-check and a SHA-256 of the packages' source files.

    A checkpoint records it: results computed by other code are never reused. The
    packages (by default only this one; the command adds the claim packages) are found
    with :func:`importlib.util.find_spec`, and every ``.py`` file below them is hashed
    with its relative path, in sorted order.
    """
    from importlib import metadata, util

    digest = hashlib.sha256()
    for name in sorted(set(packages)):
        spec = util.find_spec(name)
        roots = list(spec.submodule_search_locations or []) if spec is not None else []
        for root in roots:
            for path in sorted(Path(root).rglob("*.py")):
                digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    try:
        version = metadata.version("tensorkv-check")
    except metadata.PackageNotFoundError:
        version = "not installed"
    return {"version": version, "source_sha256": digest.hexdigest()}


def manifest_differences(checkpoint_dir: str | os.PathLike, expected: dict[str, Any]) -> list[str]:
    """How a checkpoint folder's manifest differs from ``expected`` (empty: it matches).

    ``expected`` is what the new run would write (e.g. seed, profile, claims and
    :func:`code_version`); a missing or unreadable manifest is one difference.
    """
    path = Path(checkpoint_dir) / MANIFEST
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"{path} is missing or unreadable, so the checkpoint cannot be matched to this run"]
    out = []
    for key, want in expected.items():
        have = saved.get(key, "(not recorded)")
        if key == "code" and isinstance(want, dict) and isinstance(have, dict):
            for k, w in want.items():
                if have.get(k) != w:
                    out.append(f"code {k}: checkpoint {have.get(k, '(not recorded)')}, now {w}")
        elif have != want:
            out.append(f"{key}: checkpoint {json.dumps(have)}, now {json.dumps(want)}")
    return out


def write_manifest(checkpoint_dir: str | os.PathLike, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` (JSON) into the checkpoint folder, creating it; returns the file."""
    from tensorkv_check._util.io import atomic_write

    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def record_line(r: TaskResult) -> str:
    # NaN allowed: a value with a NaN must checkpoint (and reload) like any other. Keys
    # keep their order, so that a resumed value is the fresh one, order included.
    return json.dumps(
        {"fn": r.task.fn, "key": r.task.key, "seed": r.seed, "value": r.value}, separators=(",", ":")
    )


def load_checkpoint(path: Path) -> dict[tuple[str, str, int], dict[str, Any]]:
    out: dict[tuple[str, str, int], dict[str, Any]] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
                out[(rec["fn"], rec["key"], int(rec["seed"]))] = rec["value"]
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a crash mid-write: recompute that task
    return out


def rewrite_checkpoint(path: Path, kept: list[TaskResult]) -> None:
    from tensorkv_check._util.io import atomic_write

    atomic_write(path, "".join(record_line(r) + "\n" for r in kept))
