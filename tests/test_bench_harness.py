"""The benchmarks' CPU monitor counts the benchmark's own worker processes as its own."""

from __future__ import annotations

import multiprocessing
import sys
import time

import pytest

from benchmarks._harness import CpuMonitor

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _share_while_a_child_spins() -> float:
    mon = CpuMonitor()
    child = multiprocessing.get_context("fork").Process(target=_spin, args=(1.5,))
    child.start()
    time.sleep(1.2)  # sampled while the child still runs
    share = mon.stop()["other_share"]
    child.join()
    return share


def test_a_spinning_worker_process_is_not_other_processes(monkeypatch):
    # One of the CPUs busy for the whole window: half of a 2-core machine, a quarter of 4.
    counted = _share_while_a_child_spins()
    monkeypatch.setattr(CpuMonitor, "_descendants", staticmethod(lambda: {}))
    uncounted = _share_while_a_child_spins()
    n = multiprocessing.cpu_count()
    assert uncounted - counted >= 0.6 / n  # without the descendants, the child is "other"
    assert counted < uncounted
