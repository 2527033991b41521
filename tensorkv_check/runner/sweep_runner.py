"""The sweep runner: every sweep of the project is a list of pure, seeded tasks.

A :class:`~tensorkv_check.runner.tasks.Task` names a top-level function by
``"module:function"`` and carries JSON-safe parameters; the function is called as
``fn(params, seed)`` and returns a JSON-safe dict. Each task's seed is derived from the
sweep seed and the task's key (:func:`task_seed`), never from the order in which workers
pick tasks up, and every value is normalised through JSON, so every execution mode gives
the same bytes.

Back-ends (one :class:`SweepRunner`, or :func:`run_tasks` for one sweep):

* serial, in this process (``jobs=1``);
* a local process pool (``jobs=N``): :class:`concurrent.futures.ProcessPoolExecutor`
  with the *forkserver* start method where the platform has it (else *spawn*). Not
  *fork*: the parent holds threads (BLAS pools, the attention thread pool, tqdm's
  monitor, Dask's event loop) whose locks a forked child would inherit in whatever
  state they were in; forkserver children are forked from a clean single-threaded
  server that has already imported numpy and this package, so they start in
  milliseconds, unlike spawn;
* Dask distributed (``scheduler=`` an address such as ``"tcp://host:8786"`` or a
  ``distributed.Client``); dask is imported only then (``pip install '.[dask]'``).

Faults: a task that raises gives a :class:`TaskResult` with ``error`` (the other
tasks finish); a worker process that dies is retried once (process pool: in a fresh
pool, alone, so that a second death is unambiguous; when several tasks were running as
the pool broke, each is first rerun alone to find the culprit, which then gets its one
retry; tasks that had not started are rerun uncharged; Dask: by the scheduler, which retries
tasks whose worker died up to its ``distributed.scheduler.allowed-failures`` setting,
plus ``retries=1`` for other failures), then reported as an error. ``KeyboardInterrupt``
cancels pending tasks, kills the pool's workers and propagates. With a checkpoint
file each finished value is appended (``fn``, ``key``, ``seed``, ``value``; flushed
and fsynced) as it arrives, and ``resume=True`` reuses the entries whose
``(fn, key, seed)`` match instead of recomputing them.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tensorkv_check._util.validation import check_int

# The tasks (tasks.py), the back-ends' worker side (backends.py) and the checkpoint files
# (checkpoint.py) live in their own modules; the names marked F401 stay importable from
# here, where the sweeps of every area import them.
from tensorkv_check.runner.backends import (
    DaskUnavailableError,  # noqa: F401
    default_jobs,
    error_result,
    import_distributed,
    mp_context,
    pool_call,
    pool_init,
    run_one,
)
from tensorkv_check.runner.checkpoint import (
    code_version,  # noqa: F401
    load_checkpoint,
    manifest_differences,  # noqa: F401
    record_line,
    rewrite_checkpoint,
    write_manifest,  # noqa: F401
)
from tensorkv_check.runner.tasks import (
    Task,
    TaskResult,
    resolve,  # noqa: F401
    task_seed,
    values,  # noqa: F401
)

__all__ = ["SweepRunner", "run_tasks"]

#: ``progress(name, done, total, result)``: called with ``done=0, result=None`` when a
#: sweep starts and after every task that finishes (resumed ones included).
Progress = Callable[[str, int, int, "TaskResult | None"], None]


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


#: Longest tasks of each sweep kept in its profile.
_SLOWEST = 5

#: Seconds :meth:`SweepRunner.connect` waits for a Dask scheduler.
CONNECT_TIMEOUT = 5.0


class SweepRunner:
    """Runs sweeps (lists of :class:`Task`) on one back-end, with checkpoints and resume.

    Parameters
    ----------
    jobs : int
        1 = serial in this process; N > 1 = a pool of N worker processes (kept open
        across sweeps until :meth:`close`). Ignored when ``scheduler`` is given.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or a connected client.
    checkpoint_dir : path, optional
        Where ``<name>.jsonl`` checkpoints go (one per sweep name).
    resume : bool
        Reuse checkpointed values whose ``(fn, key, seed)`` match.
    progress : callable, optional
        ``progress(name, done, total, result)``, see :data:`Progress`.

    Examples
    --------
    >>> with SweepRunner(jobs=1) as runner:
    ...     res = runner.run([Task("math:fsum", {})], seed=0, name="demo")  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        jobs: int = 1,
        scheduler: Any = None,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        progress: Progress | None = None,
    ) -> None:
        jobs = check_int("jobs", jobs, minimum=1)
        if scheduler is not None and not isinstance(scheduler, str) and not hasattr(scheduler, "submit"):
            raise TypeError(
                f"scheduler must be an address string or a distributed.Client, got {type(scheduler).__name__}"
            )
        if isinstance(scheduler, str) and not scheduler.strip():
            raise ValueError("scheduler address must not be empty")
        self.jobs = int(jobs)
        self.scheduler = scheduler
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.resume = bool(resume)
        self.progress = progress
        self._pool: ProcessPoolExecutor | None = None
        self._started = None
        self._client = None
        self._own_client = False
        self._runs = 0
        # Sweeps may run concurrently from several threads (build_report overlaps the
        # report's sections): the lock guards the pool, its replacement after a worker
        # died, the task-start announcements and the counters.
        self._lock = threading.RLock()
        self._announced: dict[str, set[int]] = {}
        self._stopped = False
        self._dask_live: set = set()
        self._pool_sweeps = 0  # pool sweeps running now (from several threads)
        self._t0 = time.perf_counter()
        #: Per sweep: what ran and how long (:meth:`profile`); timings, never results.
        self._profile: list[dict[str, Any]] = []
        if scheduler is not None:
            import_distributed()  # fail now, with the install hint, not after other work

    # -- description for reports (goes into the timings section: it must not change data)
    @property
    def mode(self) -> str:
        if self.scheduler is not None:
            return "dask"
        return "serial" if self.jobs == 1 else "processes"

    def describe(self) -> dict[str, Any]:
        sched = self.scheduler
        if sched is not None and not isinstance(sched, str):
            info: dict[str, Any] = getattr(sched, "scheduler_info", dict)()
            sched = info.get("address", "client")
        return {"mode": self.mode, "jobs": self.jobs, "scheduler": sched, "sweeps": self.profile()}

    def profile(self) -> list[dict[str, Any]]:
        """Per sweep run so far: tasks, computed tasks, wall seconds, the tasks' own seconds
        (in total, the longest, and per task function), their phases
        (:mod:`tensorkv_check._util.timing`), the workers it had, its start and end (seconds
        since the runner was made) and its parallel efficiency ``task_seconds /
        (wall_seconds · workers)``, which undercounts for sweeps that shared the workers
        with others running at once (:func:`tensorkv_check.report.timings_table.runner_efficiency`
        counts the union of their intervals)."""
        return [dict(p) for p in self._profile]

    def _record(self, name: str, results: list[TaskResult], start: float, end: float, workers: int) -> None:
        wall = end - start
        ran = [(r, r.seconds) for r in results if r.seconds is not None]
        task_s = sum(sec for _, sec in ran)
        by_fn: dict[str, dict[str, float]] = {}
        phases: dict[str, float] = {}
        for r, sec in ran:
            e = by_fn.setdefault(r.task.fn.rpartition(":")[2], {"tasks": 0, "seconds": 0.0, "max": 0.0})
            e["tasks"] += 1
            e["seconds"] += sec
            e["max"] = max(e["max"], sec)
            for k, v in r.phases.items():
                phases[k] = phases.get(k, 0.0) + v
        self._profile.append(
            {
                "name": name,
                "tasks": len(results),
                "computed": len(ran),
                "workers": workers,
                "wall_seconds": wall,
                # Seconds since the runner was made: sweeps that ran at once overlap.
                "start": start - self._t0,
                "end": end - self._t0,
                "task_seconds": task_s,
                "max_task_seconds": max((sec for _, sec in ran), default=0.0),
                "efficiency": task_s / (wall * workers) if wall > 0 and ran else None,
                "by_fn": by_fn,
                "phases": phases,
                # The longest tasks: where a sweep's tail (or a stage's critical path) is.
                "slowest": [
                    {"task": r.task.label, "seconds": sec}
                    for r, sec in sorted(ran, key=lambda rs: -rs[1])[:_SLOWEST]
                ],
            }
        )

    def __enter__(self) -> SweepRunner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def parallel(self) -> bool:
        """Whether tasks run outside this process (a pool or Dask): then several sweeps
        may run at once, from several threads, and share the workers."""
        return self.mode != "serial"

    def stop(self) -> None:
        """Abandon every running sweep now (Ctrl-C in another thread): kill the pool's
        workers, cancel Dask's tasks. The sweeps still waiting raise ``RuntimeError``
        instead of recovering; the runner takes no new sweep."""
        with self._lock:
            self._stopped = True
            live = list(self._dask_live)
        if live and self._client is not None:
            try:
                self._client.cancel(live)
            except Exception:  # pragma: no cover - the client is going away anyway
                pass
        self._discard_pool(kill=True)

    def _check_running(self) -> None:
        if self._stopped:
            raise RuntimeError("the sweep runner was stopped")

    def close(self, kill: bool = False) -> None:
        """Shut the process pool down (``kill``: without waiting for running tasks) and
        close a Dask client this runner opened."""
        self._discard_pool(kill=kill)
        if self._client is not None and self._own_client:
            self._client.close()
        self._client = None

    def __call__(
        self, tasks: Iterable[Task], *, seed: int, name: str = "sweep", jobs: int | None = None
    ) -> list[TaskResult]:
        return self.run(tasks, seed=seed, name=name, jobs=jobs)

    def run(
        self, tasks: Iterable[Task], *, seed: int, name: str = "sweep", jobs: int | None = None
    ) -> list[TaskResult]:
        """Run one sweep and return its results in task order.

        Parameters
        ----------
        tasks : iterable of Task
            Keys must be unique.
        seed : int
            The sweep seed; task ``i`` gets ``task_seed(seed, tasks[i].key)``.
        name : str
            Names the checkpoint file and the progress display (letters, digits, ``._-``).
        jobs : int, optional
            Override: ``jobs=1`` runs this sweep serially in this process whatever the
            back-end (timing sweeps, whose workers must not compete).
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"sweep name must match {_NAME.pattern}, got {name!r}")
        self._check_running()
        ckpt = None if self.checkpoint_dir is None else self.checkpoint_dir / f"{name}.jsonl"
        return self._run(list(tasks), seed, name, jobs, ckpt)

    def _run(
        self, tasks: list[Task], seed: int, name: str, jobs: int | None, ckpt: Path | None
    ) -> list[TaskResult]:
        if jobs is not None:
            jobs = check_int("jobs", jobs, minimum=1)
        for t in tasks:
            if not isinstance(t, Task):
                raise TypeError(f"tasks must be Task objects, got {type(t).__name__}")
        keys = [t.key for t in tasks]
        if len(set(keys)) != len(keys):
            dup = sorted({k for k in keys if keys.count(k) > 1})[0]
            raise ValueError(f"task keys must be unique within a sweep; duplicated: {dup}")
        seeds = [task_seed(seed, k) for k in keys]
        results: list[TaskResult | None] = [None] * len(tasks)
        total = len(tasks)
        done = 0
        if self.progress:
            self.progress(name, 0, total, None)

        if ckpt is not None:
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            saved = load_checkpoint(ckpt) if self.resume else {}
            for i, (t, s) in enumerate(zip(tasks, seeds)):
                v = saved.get((t.fn, t.key, s))
                if v is not None:
                    results[i] = TaskResult(t, s, value=v, resumed=True)
            # Rewrite the file with what is kept, so stale or torn entries disappear.
            rewrite_checkpoint(ckpt, [r for r in results if r is not None])
            fh = open(ckpt, "a", encoding="utf-8")
        else:
            fh = None

        def finished(i: int, r: TaskResult) -> None:
            nonlocal done
            results[i] = r
            done += 1
            if fh is not None and r.ok:
                fh.write(record_line(r) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if self.progress:
                self.progress(name, done, total, r)

        t_start = time.perf_counter()
        workers = 1
        try:
            for r in results:
                if r is not None:
                    done += 1
                    if self.progress:
                        self.progress(name, done, total, r)
            todo = [i for i, r in enumerate(results) if r is None]
            j = self.jobs if jobs is None else jobs
            if todo and j == 1 and (jobs == 1 or self.scheduler is None):
                for i in todo:
                    finished(i, run_one(tasks[i], seeds[i]))
            elif todo:
                # In parallel, costliest first (stable): the order tasks start in, never
                # the order of the results.
                todo.sort(key=lambda i: -tasks[i].cost)
                if self.scheduler is not None:
                    workers = self._dask_workers()
                    self._run_dask(todo, tasks, seeds, name, finished)
                else:
                    workers = self.jobs
                    self._run_pool(todo, tasks, seeds, finished)
        finally:
            if fh is not None:
                fh.close()
        assert all(r is not None for r in results)
        self._record(name, results, t_start, time.perf_counter(), workers)  # type: ignore[arg-type]
        return results  # type: ignore[return-value]

    def warm(self) -> None:
        """Start the worker processes now, in the background (they boot while the caller
        prepares its tasks). No-op for the serial and Dask back-ends."""
        if self.scheduler is None and self.jobs > 1:
            pool = self._get_pool()
            for _ in range(self.jobs):
                pool.submit(int)

    # -- process pool

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            self._check_running()
            return self._new_pool_if_none()

    def _new_pool_if_none(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = mp_context()
            self._started = ctx.SimpleQueue()
            blas = max(1, default_jobs() // self.jobs)
            self._pool = ProcessPoolExecutor(
                self.jobs, mp_context=ctx, initializer=pool_init, initargs=(self._started, blas)
            )
        return self._pool

    def _discard_pool(self, kill: bool = False, only: ProcessPoolExecutor | None = None) -> None:
        """Shut the pool down; with ``only``, just if the pool is still that one (a
        concurrent sweep may already have replaced a broken pool)."""
        with self._lock:
            if only is not None and self._pool is not only:
                return
            pool, self._pool = self._pool, None
            started, self._started = self._started, None
            if started is not None:
                self._collect_announcements(started)
        if pool is None:
            return
        if kill:
            for p in list((getattr(pool, "_processes", None) or {}).values()):
                try:
                    p.kill()
                except Exception:  # pragma: no cover - already gone
                    pass
        pool.shutdown(wait=True, cancel_futures=True)
        if started is not None:
            started.close()

    def _collect_announcements(self, q) -> None:
        # Called with the lock held: this thread is the queue's only reader.
        while not q.empty():
            tok, i = q.get()
            self._announced.setdefault(tok, set()).add(i)

    def _drain_started(self, token: str) -> set[int]:
        """The tasks of sweep ``token`` that a worker started (and forget them)."""
        with self._lock:
            if self._started is not None:
                self._collect_announcements(self._started)
            return self._announced.pop(token, set())

    def _run_pool(
        self,
        todo: list[int],
        tasks: list[Task],
        seeds: list[int],
        finished: Callable[[int, TaskResult], None],
    ) -> None:
        with self._lock:
            self._pool_sweeps += 1
        try:
            self._run_pool_sweep(todo, tasks, seeds, finished)
        finally:
            with self._lock:
                self._pool_sweeps -= 1

    def _run_pool_sweep(
        self,
        todo: list[int],
        tasks: list[Task],
        seeds: list[int],
        finished: Callable[[int, TaskResult], None],
    ) -> None:
        suspects: list[tuple[int, bool]] = []  # (task index, died alone in the pool)
        pending = list(todo)
        idle_breaks = 0
        while pending:
            with self._lock:
                self._runs += 1
                token = f"{os.getpid()}-{self._runs}"
            pool = self._get_pool()
            lost: list[int] = []
            try:
                # A window of tasks in the pool at a time, refilled as they finish: sweeps
                # running at once then take turns (the pool serves in submission order),
                # so each one's costliest tasks start early, not after another's queue.
                queue = deque(pending)
                futs: dict = {}
                broken = False
                while queue or futs:
                    while queue and not broken and len(futs) < self.jobs + 1:
                        i = queue[0]
                        try:
                            futs[pool.submit(pool_call, token, i, tasks[i], seeds[i])] = i
                        except (BrokenProcessPool, RuntimeError):
                            # The pool broke (or a concurrent sweep replaced the broken
                            # pool): the tasks not submitted never ran.
                            self._check_running()
                            broken = True
                            break
                        queue.popleft()
                    if broken and not futs:
                        break
                    done, _ = wait(futs, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futs.pop(fut)
                        try:
                            r = fut.result()
                        except BrokenProcessPool:
                            lost.append(i)
                            broken = True
                            continue
                        except Exception as exc:  # e.g. a value that does not unpickle
                            r = error_result(tasks[i], seeds[i], f"{type(exc).__name__}: {exc}")
                        finished(i, r)
                lost += queue
            except BaseException:  # Ctrl-C or a bug: no worker may outlive the sweep
                self._discard_pool(kill=True)
                raise
            if not lost:
                self._drain_started(token)  # forget this sweep's announcements
                break
            self._check_running()  # stopped: the pool was killed on purpose, nothing to retry
            started = self._drain_started(token)
            self._discard_pool(kill=True, only=pool)
            culprits = [i for i in lost if i in started]
            if not culprits:
                idle_breaks += 1
            if not culprits and idle_breaks <= 2 and self._pool_sweeps > 1:
                # None of this sweep's tasks was running: a task of a sweep running at
                # the same time broke the shared pool. Rerun them, uncharged.
                pending = list(lost)
                continue
            if not culprits:  # the pool broke with no task running: nothing to blame or retry
                for i in sorted(lost):
                    finished(
                        i, error_result(tasks[i], seeds[i], "the process pool broke before the task started")
                    )
                break
            # One running task when the pool broke: it killed its worker. Several: the
            # pool kills every worker when one dies, so which one did is unknown.
            suspects += [(i, len(culprits) == 1) for i in culprits]
            pending = [i for i in lost if i not in started]  # never ran: not charged
        for i, definite in sorted(suspects):
            retried = self._retry_alone(tasks[i], seeds[i])
            if retried is None and not definite:  # its first death alone: now it has one retry left
                retried = self._retry_alone(tasks[i], seeds[i])
            finished(
                i,
                retried
                or error_result(
                    tasks[i],
                    seeds[i],
                    "worker process died while running the task, "
                    "twice (retried once, alone in a fresh process)",
                ),
            )

    def _retry_alone(self, task: Task, seed: int) -> TaskResult | None:
        """Run a task alone in a fresh one-worker pool; ``None`` if its worker died."""
        self._check_running()
        pool = ProcessPoolExecutor(
            1,
            mp_context=mp_context(),
            initializer=pool_init,
            initargs=(None, max(1, default_jobs() // self.jobs)),
        )
        try:
            return pool.submit(pool_call, "", 0, task, seed).result()
        except BrokenProcessPool:
            return None
        except BaseException:
            for p in list((getattr(pool, "_processes", None) or {}).values()):
                p.kill()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- Dask

    def connect(self, timeout: float | None = None) -> None:
        """Connect to the Dask scheduler now (no-op for the other back-ends).

        Raises ``ConnectionError`` naming the address when the scheduler cannot be reached
        within ``timeout`` seconds (default :data:`CONNECT_TIMEOUT`), so that a wrong
        address fails at once instead of when the first sweep starts.
        """
        if self.scheduler is None:
            return
        try:
            self._get_client(CONNECT_TIMEOUT if timeout is None else timeout)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {self.scheduler} within "
                f"{CONNECT_TIMEOUT if timeout is None else timeout:g} s "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            ) from None

    def _get_client(self, timeout: float | None = None):
        distributed = import_distributed()
        if self._client is None:
            if isinstance(self.scheduler, str):
                kw = {} if timeout is None else {"timeout": timeout}
                self._client = distributed.Client(self.scheduler, set_as_default=False, **kw)
                self._own_client = True
            else:
                self._client = self.scheduler
        return self._client, distributed

    def _dask_workers(self) -> int:
        client, _ = self._get_client()
        try:
            return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        except Exception:  # an old or odd client: the profile then reads per worker
            return 1

    def _run_dask(
        self,
        todo: list[int],
        tasks: list[Task],
        seeds: list[int],
        name: str,
        finished: Callable[[int, TaskResult], None],
    ) -> None:
        client, distributed = self._get_client()
        with self._lock:
            self._runs += 1
            run_no = self._runs
        token = hashlib.sha256(f"{os.getpid()}-{id(self)}-{run_no}".encode()).hexdigest()[:12]
        futs = {}
        try:
            for rank, i in enumerate(todo):
                f = client.submit(
                    run_one,
                    tasks[i],
                    seeds[i],
                    key=f"tensorkv-{name}-{token}-{i}",
                    pure=False,
                    retries=1,
                    priority=len(todo) - rank,  # the runner's costliest-first order
                )
                futs[f.key] = (i, f)
                with self._lock:
                    self._dask_live.add(f)
            for f in distributed.as_completed([f for _, f in futs.values()], loop=client.loop):
                i = futs[f.key][0]
                self._check_running()
                try:
                    r = f.result()
                except Exception as exc:  # KilledWorker: the scheduler gave up on the task
                    r = error_result(tasks[i], seeds[i], f"{type(exc).__name__}: {exc}")
                finished(i, r)
        except BaseException:
            client.cancel([f for _, f in futs.values()])
            raise
        finally:
            with self._lock:
                self._dask_live.difference_update(f for _, f in futs.values())


def run_tasks(
    tasks: Iterable[Task],
    *,
    seed: int = 0,
    jobs: int = 1,
    scheduler: Any = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    desc: str = "",
    name: str = "",
) -> list[TaskResult]:
    """Run one sweep and return its results in task order.

    Parameters
    ----------
    tasks : iterable of Task
    seed : int
        Sweep seed (task ``i`` runs with ``task_seed(seed, key_i)``).
    jobs : int
        1 serial; N > 1 a local pool of N processes.
    scheduler : str or distributed.Client, optional
        Run on Dask instead.
    checkpoint : path, optional
        A ``.jsonl`` file; each finished value is appended to it as it arrives.
    resume : bool
        Reuse the checkpoint's matching entries instead of recomputing them.
    progress : callable, optional
        ``progress(name, done, total, result)``.
    desc : str
        Name shown by ``progress`` (default: the checkpoint's stem, or ``"sweep"``).
    name : str
        The sweep's name, as :meth:`SweepRunner.run` takes it (so the two are
        interchangeable as a section's ``run``): used as ``desc`` when that is not given.

    Examples
    --------
    >>> from tensorkv_check.runner.sweep_runner import Task, run_tasks
    >>> [r.value for r in run_tasks([Task.of(_echo, {"x": 1})], seed=0)]
    [{'x': 1}]
    """
    ckpt = None if checkpoint is None else Path(checkpoint)
    if ckpt is not None and ckpt.suffix != ".jsonl":
        raise ValueError(f"checkpoint must be a .jsonl file, got {ckpt}")
    name = _safe_name(desc or name or (ckpt.stem if ckpt is not None else "sweep"))
    with SweepRunner(jobs=jobs, scheduler=scheduler, resume=resume, progress=progress) as runner:
        return runner._run(list(tasks), seed, name, None, ckpt)


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "sweep"
    return s


def _echo(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """A trivial task (doctests, smoke tests): returns its parameters."""
    return dict(params)
