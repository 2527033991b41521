"""Bob in a fresh Python process (``audit --isolate``): he receives only the message and
the public data, so a compressor whose Bob relies on state in Alice's process stops
decoding there. The child process is :mod:`tensorkv_check.audit._bob`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tensorkv_check.audit.target import (
    Target,
)


def isolated_bob(target: Target, points: list[dict[str, Any]]) -> dict[str, Any]:
    """Run Bob of every point in one fresh Python process that gets only bytes and public data."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tkv-isolate-") as tmp:
        jobs = []
        for i, p in enumerate(points):
            if "_message" not in p:
                continue
            b = p["_bob"]
            f = Path(tmp) / f"point{i}.npz"
            np.savez(
                f,
                message=np.frombuffer(p["_message"], dtype=np.uint8),
                keys=b["keys"],
                bob_rows=b["bob_rows"],
                targets=b["targets"],
                C=np.float64(b["C"]),
                d=np.int64(b["d"]),
            )
            jobs.append(
                {
                    "file": str(f),
                    "out": str(f) + ".out.npy",
                    "model": p["model"],
                    "params": p["params"],
                    "index": i,
                }
            )
        spec_file = Path(tmp) / "jobs.json"
        spec_file.write_text(json.dumps({"spec": target.spec, "jobs": jobs}))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[2])]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        res = subprocess.run(
            [sys.executable, "-m", "tensorkv_check.audit._bob", str(spec_file)],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            cwd=os.getcwd(),
        )
        results = (
            json.loads(spec_file.with_suffix(".result.json").read_text())
            if spec_file.with_suffix(".result.json").exists()
            else {}
        )
        for job in jobs:
            p = points[job["index"]]
            r = results.get(str(job["index"]), {"error": f"the isolated process failed: {res.stderr[-500:]}"})
            row = {"model": p["model"], "params": p["params"], "in_process_rate": p.get("rate")}
            if r.get("error"):
                row.update({"decodes": False, "rate": None, "error": r["error"]})
            else:
                guesses = np.load(job["out"])
                rate = float(np.mean(guesses == p["_bob"]["truth"]))
                row.update({"decodes": True, "rate": rate, "error": None})
            rows.append(row)
    same = all(r["decodes"] and r["rate"] == r["in_process_rate"] for r in rows)
    return {
        "points": rows,
        "still_decodes": same,
        "text": (
            "Bob in a fresh process decodes exactly as in Alice's process"
            if same
            else "Bob in a fresh process does NOT decode as in Alice's process: the compressor relies on "
            "state outside its bytes"
        ),
    }
