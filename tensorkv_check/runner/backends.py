"""Where a task runs: in this process with one BLAS thread, in a process-pool worker
(the worker side of the pool and its start method), or on Dask (imported only then).

The :class:`~tensorkv_check.runner.sweep_runner.SweepRunner` drives these; every back-end
runs each task through :func:`run_one`, so they give the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback

from tensorkv_check._util import timing
from tensorkv_check.runner.tasks import Task, TaskResult, normalise_value, resolve

__all__ = ["DaskUnavailableError", "default_jobs"]


_BLAS = None  # threadpoolctl controller of the BLAS libraries, made on first use


def _one_blas_thread():
    """A context holding BLAS to one thread while a task runs.

    OpenBLAS's results depend on its thread count (it picks other kernels and splits
    for small products), so a task that ran on a whole machine in serial mode and in a
    one-thread worker process would differ in the last bits. Every back-end runs every
    task with one BLAS thread; parallelism comes from running tasks side by side.
    """
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController().select(user_api="blas")
    return _BLAS.limit(limits=1)


def run_one(task: Task, seed: int) -> TaskResult:
    timing.collect()  # phases left over from work outside a task are not this task's
    t0 = time.perf_counter()
    try:
        with _one_blas_thread():
            value = normalise_value(resolve(task.fn)(dict(task.params), seed))
    except Exception as exc:  # a failing task is reported, the sweep goes on
        return TaskResult(
            task,
            seed,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - t0,
            phases=timing.collect(),
        )
    return TaskResult(task, seed, value=value, seconds=time.perf_counter() - t0, phases=timing.collect())


def error_result(task: Task, seed: int, message: str) -> TaskResult:
    return TaskResult(task, seed, error=message, traceback=None)


def default_jobs() -> int:
    """The number of CPUs this process may use (the ``--jobs`` default)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class DaskUnavailableError(ImportError):
    """The Dask back-end was asked for but ``dask.distributed`` is not installed."""


def import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise DaskUnavailableError(
            "the Dask back-end (--scheduler) needs dask.distributed, which is not installed: "
            "pip install '.[dask]'  (or pip install 'dask[distributed]>=2024.1')"
        ) from exc
    return distributed


# ------------------------------------------------------------------ process-pool worker side

_STARTED = None  # the queue on which a pool worker announces the task it starts


def pool_init(started, blas_threads: int) -> None:
    global _STARTED
    _STARTED = started
    # The parent owns Ctrl-C: it cancels and kills the workers; a worker that also
    # caught SIGINT would send back a half-finished KeyboardInterrupt instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(blas_threads)  # N workers × all-core BLAS would oversubscribe
    except Exception:  # pragma: no cover - threadpoolctl is a dependency
        pass


def pool_call(token: str, index: int, task: Task, seed: int) -> TaskResult:
    if _STARTED is not None:
        _STARTED.put((token, index))  # SimpleQueue.put is synchronous: it survives os._exit
    return run_one(task, seed)


#: What the forkserver imports before forking workers: what the report's tasks need.
_PRELOAD = [
    "numpy",
    "tensorkv_check",
    "tensorkv_check.runner.sweep_runner",
    "tensorkv_check.runner.backends",
    "tensorkv_check.runner.tasks",
    "tensorkv_check.index.sweeps",
    "tensorkv_check.claims.registry",
]


def mp_context():
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        # Imported once by the server, inherited by every forked worker (and by the
        # fresh pools of retries). No effect if this process already started its
        # forkserver. A module that does not import there is skipped silently.
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx
