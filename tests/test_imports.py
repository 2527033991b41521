"""Every module of the package imports on its own, whatever is imported first.

A circular import (report.build -> index_sweeps -> report.figures -> report) only shows
when a particular module is the first one imported; this imports each module first in
turn, with the package's modules cleared from ``sys.modules`` in between.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import pytest

import tensorkv_check

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(tensorkv_check.__path__, "tensorkv_check.")
    # pytest_plugin is loaded by pytest itself; __main__ runs the command when imported.
    if m.name not in ("tensorkv_check.claims.plugin", "tensorkv_check.__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_first(name, monkeypatch):
    saved = {k: v for k, v in sys.modules.items() if k == "tensorkv_check" or k.startswith("tensorkv_check.")}
    for k in saved:
        monkeypatch.delitem(sys.modules, k)
    try:
        importlib.import_module(name)
    finally:
        for k in [k for k in sys.modules if k == "tensorkv_check" or k.startswith("tensorkv_check.")]:
            del sys.modules[k]
        sys.modules.update(saved)
