"""Atomic file output for reports and benchmark results.

A report run must never leave a half-written file: every file is written to a
temporary sibling and moved into place with :func:`os.replace`, which is atomic on
POSIX and Windows, so an interrupted run leaves the previous report intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "ensure_writable_dir"]


def ensure_writable_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` if needed and prove it is writable, before any work starts.

    Raises
    ------
    ValueError
        If ``path`` exists and is not a directory, or a file cannot be created in it.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"--out {p} exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=p)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"--out {p} is not writable: {exc.strerror or exc}") from None
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + rename)."""
    p = Path(path)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")  # text as UTF-8, "\n" kept
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p
