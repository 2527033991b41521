"""Interruption and pipes: every sub-command of ``tensorkv-check``, run as a real process.

SIGINT and SIGTERM end a sub-command with one line on stderr and status 130 or 143 (no
traceback, nothing half-written); a reader that closes stdout early ends it quietly with
status 0. The processes run side by side, so the whole file takes a few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _default_sigint() -> None:
    # A child inherits an ignored SIGINT from its parent, and Python then installs no
    # KeyboardInterrupt handler; a pytest started as a background job of a non-interactive
    # shell (``pytest &`` in a script) has SIGINT ignored from its start (POSIX), and no test
    # changes it (tests/conftest.py checks). A user's terminal delivers SIGINT with the
    # default disposition, which is what these commands are tested under.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(argv: list[str], *, cwd: Path, stdout=subprocess.PIPE) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-m", "tensorkv_check", *argv],
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _wait_until_running(proc: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until the command's main() runs: it has installed its SIGTERM handler (Linux
    /proc shows the caught signals), then give it a moment to start working."""
    deadline = time.monotonic() + timeout
    status = Path(f"/proc/{proc.pid}/status")
    while time.monotonic() < deadline and proc.poll() is None:
        if status.exists():
            caught = next(
                (ln.split()[1] for ln in status.read_text().splitlines() if ln.startswith("SigCgt:")), "0"
            )
            if int(caught, 16) & (1 << (signal.SIGTERM - 1)):
                return
        time.sleep(0.1)


def test_sigint_and_sigterm_end_every_sub_command_with_one_line(tmp_path):
    # Each command runs for well over the few seconds it is given before the signal.
    jobs = {
        "report": (["report", "--out", str(tmp_path / "rep"), "--quiet", "--jobs", "1"], signal.SIGTERM),
        "claims": (["claims"], signal.SIGINT),
        "check": (["check", "thm:covering"], signal.SIGTERM),
        "explore": (["explore", "thm:covering", "--budget", "100000"], signal.SIGINT),
        "demo": (["demo", "--n", "2500", "--d", "4"], signal.SIGTERM),
        "selftest": (["selftest"], signal.SIGINT),
        "bench": (["bench", "--only", "geometry", "--out", str(tmp_path / "bench")], signal.SIGINT),
    }
    procs = {
        name: _start(argv, cwd=ROOT if name == "bench" else tmp_path) for name, (argv, _) in jobs.items()
    }
    for proc in procs.values():
        _wait_until_running(proc)
    time.sleep(3)
    for name, proc in procs.items():
        assert proc.poll() is None, f"{name} ended before it was interrupted"
        proc.send_signal(jobs[name][1])
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=60)
        sig = jobs[name][1]
        parent = signal.getsignal(signal.SIGINT)
        assert proc.returncode == 128 + sig, (name, proc.returncode, err, f"pytest's SIGINT: {parent}")
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"tensorkv-check {name}: "), (name, err)
        assert ("terminated" if sig == signal.SIGTERM else "interrupted") in lines[0]
    assert not (tmp_path / "rep").exists() or not any((tmp_path / "rep").glob("report.*"))
    assert not (tmp_path / "bench").exists() or not any((tmp_path / "bench").iterdir())


def test_a_closed_stdout_ends_quietly_with_status_0(tmp_path):
    procs = {
        name: _start(argv, cwd=tmp_path)
        for name, argv in {
            "claims": ["claims", "--claims", "def:softmax"],
            "check": ["check", "def:tensor-attention"],
            "explore": ["explore", "def:softmax", "--budget", "5"],
            "demo": ["demo", "--n", "8", "--d", "2"],
            "selftest": ["selftest", "--only", "ho25-vacuous", "--claims", "thm:ho25-lb"],
        }.items()
    }
    for proc in procs.values():
        proc.stdout.close()  # the reader is gone before the first line (like `| head -0`)
    for name, proc in procs.items():
        err = proc.stderr.read()
        proc.wait(timeout=120)
        assert proc.returncode == 0, (name, err)
        assert "Traceback" not in err and "BrokenPipeError" not in err, (name, err)
