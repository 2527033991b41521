"""Bob in a fresh process: ``python -m tensorkv_check.audit._bob JOBS.json``.

Receives only what the Index protocol gives Bob: Alice's message and the public data
(keys, which key reads which bit-row, his indices, the constant ``C``). Rebuilds the
compressor's class by loading the target afresh (no Alice has run in this process),
calls ``from_bytes`` and writes his guesses; an exception is recorded, not raised.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def main(path: str) -> int:
    from tensorkv_check.audit.target import load_target
    from tensorkv_check.index import bob_decode

    spec = json.loads(Path(path).read_text())
    target = load_target(spec["spec"])
    results: dict[str, dict[str, str | None]] = {}
    for job in spec["jobs"]:
        try:
            with np.load(job["file"]) as z:
                message = z["message"].tobytes()
                d = int(z["d"])
                cls = type(target.make(job["model"], job["params"])(d))
                bob = cls.from_bytes(message)
                guesses = bob_decode(bob, z["keys"], z["bob_rows"], d, z["targets"], float(z["C"]))
            np.save(job["out"], np.asarray(guesses))
            results[str(job["index"])] = {"error": None}
        except Exception as exc:  # recorded: "does not decode in a fresh process"
            results[str(job["index"])] = {"error": f"{type(exc).__name__}: {exc}"}
    Path(path).with_suffix(".result.json").write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
