"""The sub-packages' ``__init__.pyi`` stubs are generated from the modules' ``__all__``.

The stub is what ``lazy_loader`` and the type checkers read, so a name added to a module's
``__all__`` without regenerating would be missing from the package's flat API.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "gen_stubs.py"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "gen_stubs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=root,
    )


def test_stubs_are_up_to_date():
    if not TOOL.exists():
        pytest.skip("tools/ is not installed; the check runs from a checkout")
    r = _check(ROOT)
    assert r.returncode == 0, r.stderr


def test_a_new_public_name_makes_the_stub_stale(tmp_path):
    if not TOOL.exists():
        pytest.skip("tools/ is not installed; the check runs from a checkout")
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "tensorkv_check", copy / "tensorkv_check", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "tools", copy / "tools")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    stats = copy / "tensorkv_check" / "engine" / "stats.py"
    stats.write_text(stats.read_text().replace("__all__ = [", '__all__ = [\n    "planted_name",', 1))
    r = _check(copy)
    assert r.returncode == 1 and "engine/__init__.pyi" in r.stderr
    subprocess.run([sys.executable, str(copy / "tools" / "gen_stubs.py")], check=True, cwd=copy)
    assert "planted_name as planted_name" in (copy / "tensorkv_check" / "engine" / "__init__.pyi").read_text()
    assert _check(copy).returncode == 0
