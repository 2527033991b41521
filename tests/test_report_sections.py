"""Every report section satisfies :class:`tensorkv_check.report.section.ReportSection`.

The report runs :data:`tensorkv_check.report.build.SECTIONS` by name; two sections with
one name would overwrite each other's data under ``report["sweeps"]``, and an object
missing one of the protocol's methods would fail only when the report reaches it.
"""

from __future__ import annotations

import pytest

from tensorkv_check.report import build
from tensorkv_check.report.section import ReportSection


def test_every_section_satisfies_the_protocol():
    assert build.SECTIONS
    for sec in build.SECTIONS:
        assert isinstance(sec, ReportSection), f"{sec!r} does not implement ReportSection"
        assert isinstance(sec.name, str) and sec.name


def test_section_names_are_unique():
    names = [sec.name for sec in build.SECTIONS]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize(
    "module, name",
    [
        ("tensorkv_check.geometry.section", "geometry"),
        ("tensorkv_check.subgen.section", "subgen"),
        ("tensorkv_check.claims.section", "explore"),
    ],
)
def test_area_sections_are_the_reports(module, name):
    import importlib

    section = importlib.import_module(module).SECTION
    assert section.name == name
    assert [s for s in build.SECTIONS if s.name == name] == [section]


def test_the_protocol_rejects_an_incomplete_section():
    class NoFindings:
        name = "x"

        def compute(self, profile, seed, run):
            return {}

        def figures(self, data):
            return []

    assert not isinstance(NoFindings(), ReportSection)
