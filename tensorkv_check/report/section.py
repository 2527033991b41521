"""The contract of a report section: what every area's ``section`` module provides.

A section is one sweep of the verification report. :mod:`tensorkv_check.report.build`
runs the sections of :data:`tensorkv_check.report.build.SECTIONS` (at the same time when
the runner is parallel, see ``runs_alone``); for each it calls ``compute`` once, stores
the returned dict under ``report["sweeps"][name]`` and later asks that stored data for
its figures and findings. Each area (``subgen``, ``geometry``, ``index``, ...) declares
its section in its own ``section.py`` as a module constant ``SECTION``; the areas never
import this module (they sit below ``report``), they satisfy the protocol structurally.
To add a section, copy :mod:`tensorkv_check.subgen.section` and add its ``SECTION`` to
``SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

__all__ = ["ReportSection"]


@runtime_checkable
class ReportSection(Protocol):
    """One sweep of the report: a name and three functions of the seed, profile and data.

    Attributes
    ----------
    name : str
        Key of the section's data under ``report["sweeps"]`` and of its wall-clock
        timings under ``report["timings"]``; unique among the report's sections.
    claims : tuple of str or None
        The claim ids the section's sweep serves (the claims its findings name): with
        ``report --claims``, the sweep runs only when one of them is requested. ``None``
        marks a per-claim section whose ``compute`` also takes ``claims=`` (a list of ids)
        and then works for those claims only (the exploration).

    runs_alone : bool, optional
        When true, the section runs before the others and alone (it measures wall-clock
        times, which competing work would distort). Otherwise, with a parallel runner, the
        report runs it at the same time as the claim checks and the other sections, all
        sharing the runner's workers.

    Notes
    -----
    The report must be byte-identical for the same seed and profile outside its
    ``timings`` part, whatever runner executes it, so:

    * ``compute`` is a deterministic function of ``profile``, ``seed`` and the code: every
      random quantity is derived from ``seed`` (through runner tasks, whose seeds the
      runner derives from ``seed`` and the task's key);
    * wall-clock measurements go only into an optional ``"timings"`` entry of the dict
      ``compute`` returns, which the report moves out of the deterministic data to
      ``report["timings"]["sections"][name]``;
    * ``figures`` and ``findings`` read only the stored data (without ``"timings"``), so
      they can be re-run on a ``report.json`` read back from disk.
    """

    name: str
    claims: tuple[str, ...] | None

    def compute(self, profile: str, seed: int, run: Callable[..., list[Any]]) -> dict[str, Any]:
        """The section's data for ``profile`` (``"quick"`` or ``"full"``) and ``seed`` (``>= 0``).

        ``run(tasks, seed=..., name=...)`` is the report's configured sweep runner
        (:class:`tensorkv_check.runner.sweep_runner.SweepRunner` or a stand-in with its call
        signature); the section submits its work through it as
        :class:`tensorkv_check.runner.sweep_runner.Task` lists. Returns a JSON-safe dict
        (str keys; finite floats or their names), optionally with a ``"timings"`` entry.
        """
        ...

    def figures(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """The section's figures drawn from ``data``: dicts with keys ``"file"`` (a file
        name under ``figures/``), ``"title"``, ``"alt"`` (a text description) and ``"svg"``
        (deterministic SVG text), and optionally ``"claims"`` (the ids of the claims the
        figure supports, main one first; default: the section's ``claims``) and
        ``"caption"`` (what to look at; default: the alt text). The HTML report shows a
        figure in its first claim's section and links to it from the others. An empty list
        when the data hold nothing to draw."""
        ...

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """The section's findings from ``data``: dicts with keys ``"claim"`` (a spec id, or
        ``""``), ``"kind"`` (e.g. ``"measurement"``) and ``"text"``. Deterministic: they never
        quote timings."""
        ...
