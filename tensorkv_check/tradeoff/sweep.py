"""Measured time/memory trade-off of the four-cache and two-cache schemes (Remark 3.9).

Remark 3.9 and Figure 1 of Chen et al. 2025 say the four-cache scheme needs O(i·d)
memory and O(i²·d) time per step, and the two-cache scheme O(i²·d) memory and is
faster because the products are precomputed. This module measures, at each size,
the memory held (from the arrays), the flops each decoder's method performs, and the
step time of three decoders: the four-cache decoder through the decode identity,
the two-cache decoder, and a four-cache decoder that materialises K1⊘K2 each step.

Memory and flops are deterministic; times are not, and are kept apart
(:attr:`TradeoffPoint.seconds`) so that a report can separate them.

:func:`tradeoff_sweep` runs one task per size through the sweep runner
(:mod:`tensorkv_check.runner.sweep_runner`), always with ``jobs=1``: it is a timing sweep, and
timings taken while other tasks compete for the cores would be meaningless.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tensorkv_check._util.validation import check_int
from tensorkv_check.engine.caches import FourCacheDecoder, NaiveFourCacheDecoder, TwoCacheDecoder

__all__ = ["TradeoffPoint", "measure_tradeoff", "tradeoff_task", "tradeoff_sweep", "DECODERS"]

#: Decoder names in the order reports show them.
DECODERS = ("four-cache", "two-cache", "naive four-cache")


@dataclass(frozen=True)
class TradeoffPoint:
    """One size of the trade-off sweep.

    Attributes
    ----------
    n, d : int
    memory_bytes : dict
        Decoder name -> bytes of its live caches (as the paper counts memory).
    flops : dict
        Decoder name -> flops of one query step.
    max_abs_diff : float
        Largest difference between the decoders' outputs (they are all exact).
    seconds : dict
        Decoder name -> median step time over the repeats (not deterministic).
    """

    n: int
    d: int
    memory_bytes: dict[str, int]
    flops: dict[str, int]
    max_abs_diff: float
    seconds: dict[str, float]

    def deterministic(self) -> dict:
        out = asdict(self)
        del out["seconds"]
        return out


def measure_tradeoff(ns: list[int], d: int, seed: int = 0, repeats: int = 5) -> list[TradeoffPoint]:
    """Build the three decoders at each ``n`` and measure memory, flops and step time.

    Parameters
    ----------
    ns : list of int
        Token counts (each ≥ 1).
    d : int
        Head dimension.
    seed : int
        Seed of the random tokens and query.
    repeats : int
        Timed repetitions per decoder and size (the median is kept).
    """
    d = check_int("d", d, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    ns = [check_int("n", n, minimum=1) for n in ns]
    points = []
    for n in ns:
        rng = np.random.default_rng(np.random.SeedSequence([seed, n, d]))
        K1, K2, V1, V2 = rng.standard_normal((4, n, d))
        q = rng.standard_normal(d)
        decs: dict[str, FourCacheDecoder | TwoCacheDecoder | NaiveFourCacheDecoder] = {
            "four-cache": FourCacheDecoder(d),
            "two-cache": TwoCacheDecoder(d),
            "naive four-cache": NaiveFourCacheDecoder(d),
        }
        decs["four-cache"].append(K1, K2, V1, V2)
        decs["naive four-cache"].append(K1, K2, V1, V2)
        for i in range(n):  # the two-cache decoder takes tokens one at a time
            decs["two-cache"].append(K1[i], K2[i], V1[i], V2[i])
        outs, secs = {}, {}
        for name, dec in decs.items():
            outs[name] = dec.query(q)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                dec.query(q)
                times.append(time.perf_counter() - t0)
            secs[name] = float(np.median(times))
        ref = outs["naive four-cache"]
        points.append(
            TradeoffPoint(
                n=n,
                d=d,
                memory_bytes={k: int(v.memory_bytes) for k, v in decs.items()},
                flops={k: int(v.last_step_flops) for k, v in decs.items()},
                max_abs_diff=float(max(np.max(np.abs(o - ref)) for o in outs.values())),
                seconds=secs,
            )
        )
    return points


def tradeoff_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`measure_tradeoff` at one size ``params["n"]``, seeded by the task seed.

    Returns the point's deterministic record plus ``"seconds"`` (the caller moves the
    seconds to the report's timings section).
    """
    (p,) = measure_tradeoff([params["n"]], params["d"], seed=seed, repeats=params["repeats"])
    return {**p.deterministic(), "seconds": p.seconds}


def tradeoff_sweep(
    ns: list[int], d: int, *, seed: int, repeats: int = 5, run: Callable[..., list] | None = None
) -> dict[str, Any]:
    """The Remark 3.9 sweep: one runner task per ``n`` (serially, see the module docstring).

    Parameters
    ----------
    ns, d, repeats
        As :func:`measure_tradeoff`.
    seed : int
        Sweep seed; size ``n`` runs with ``task_seed(seed, key)``.
    run : callable, optional
        ``run(tasks, seed=..., name=..., jobs=1)``, e.g. a
        :class:`~tensorkv_check.runner.sweep_runner.SweepRunner`; default: serial :func:`run_tasks`.

    Returns
    -------
    dict
        ``{"d", "repeats", "points": [deterministic records], "timings": {"seconds":
        [{"n", "d", decoder: seconds, ...}]}}``.
    """
    from tensorkv_check.runner.sweep_runner import Task, run_tasks, values

    d = check_int("d", d, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    tasks = [
        Task.of(tradeoff_task, {"n": check_int("n", n, minimum=1), "d": d, "repeats": repeats}) for n in ns
    ]
    if run is None:
        res = run_tasks(tasks, seed=seed, desc="tradeoff")
    else:
        res = run(tasks, seed=seed, name="tradeoff", jobs=1)
    pts = values(res)
    seconds = [{"n": p["n"], "d": p["d"], **p.pop("seconds")} for p in pts]
    return {"d": d, "repeats": repeats, "points": pts, "timings": {"seconds": seconds}}
