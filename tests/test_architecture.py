"""The layer order of ``ARCHITECTURE.md``, enforced by import-linter's contracts
(``[tool.importlinter]`` in ``pyproject.toml``), the lazy flat public API, and the most
lines a module may have."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tensorkv_check"
AREAS = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("import-linter is not installed (it is in the test extra: pip install -e '.[test]')")
    return subprocess.run([exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    res = _lint_imports(ROOT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


def test_a_layer_violation_breaks_the_contract(tmp_path):
    # Copy the tree, plant one upward import (engine -> report) and one import of the
    # paper's claims, and watch both contracts break.
    for name in ("tensorkv_check", "proofs", "benchmarks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bad = tmp_path / "tensorkv_check" / "engine" / "stats.py"
    bad.write_text(
        bad.read_text() + "\nimport tensorkv_check.report.build  # planted\nimport proofs  # planted\n"
    )
    res = subprocess.run(
        [shutil.which("lint-imports") or "lint-imports", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode != 0
    assert "tensorkv_check.engine is not allowed to import tensorkv_check.report" in res.stdout
    assert "tensorkv_check is not allowed to import proofs" in res.stdout


@pytest.mark.parametrize("area", AREAS)
def test_every_re_exported_name_resolves(area):
    mod = importlib.import_module(f"tensorkv_check.{area}")
    assert mod.__all__, f"tensorkv_check.{area} exports nothing"
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_the_flat_api_resolves_and_lists_every_name():
    import tensorkv_check as tk

    stub = ast.parse((PACKAGE / "__init__.pyi").read_text())
    names = {a.name for node in stub.body if isinstance(node, ast.ImportFrom) for a in node.names}
    assert names <= set(tk.__all__)
    for name in names:
        assert getattr(tk, name) is not None
    assert tk.tensor_attention.__module__ == "tensorkv_check.engine.exact_attention"


def test_importing_the_package_is_lazy():
    code = (
        "import sys, tensorkv_check, tensorkv_check.claims.plugin; "
        "heavy = [m for m in ('numpy', 'scipy', 'matplotlib', 'sympy', 'networkx', 'numba', "
        "'hypothesis', 'tensorkv_check.engine') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


#: The most lines a module of the package or of the claims may have: past it, a module
#: holds more than one job and is split along its seams (``ARCHITECTURE.md``).
MAX_MODULE_LINES = 700


def oversized_modules(roots: list[Path], limit: int = MAX_MODULE_LINES) -> list[tuple[str, int]]:
    """Every ``*.py`` under ``roots`` longer than ``limit`` lines, as (path, lines), longest first."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append((str(path.relative_to(root.parent)), lines))
    return sorted(found, key=lambda f: -f[1])


def test_no_module_is_over_the_line_limit():
    big = oversized_modules([PACKAGE, ROOT / "proofs"])
    assert not big, f"modules over {MAX_MODULE_LINES} lines (split them by job): " + ", ".join(
        f"{path} ({lines} lines)" for path, lines in big
    )


def test_the_line_limit_flags_a_planted_long_module(tmp_path):
    pkg = tmp_path / "tensorkv_check" / "area"
    pkg.mkdir(parents=True)
    (pkg / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    (pkg / "at_limit.py").write_text("x = 1\n" * MAX_MODULE_LINES)
    assert oversized_modules([tmp_path / "tensorkv_check"]) == [("tensorkv_check/area/long.py", 701)]
