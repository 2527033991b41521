"""How an explored example is written down: its JSON encoding (arrays as nested lists of
floats at ``repr`` precision, so a case round-trips exactly), the Python snippet that
rebuilds it, and the case files of the examples database (``.tensorkv/examples/``)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "EXAMPLES_DIR",
    "ExploreError",
    "encode",
    "decode",
    "case_bytes",
    "snippet",
    "save_case",
    "load_case",
    "saved_cases",
]

#: The examples database, relative to the project root (the current directory).
EXAMPLES_DIR = Path(".tensorkv") / "examples"
#: Version of the case-file layout.
CASE_FORMAT = 1


class ExploreError(ValueError):
    """Bad use of the exploration API (unknown explorer, malformed case file)."""


# ----------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """A JSON-safe copy of an example: arrays become ``{"__ndarray__", "dtype", "shape"}``.

    Floats stay Python floats, which :mod:`json` writes with ``repr`` precision (the
    shortest string that reads back to the same double), so :func:`decode` of the JSON
    text gives bit-identical arrays (including ``-0.0``, subnormals, ``inf``).

    Examples
    --------
    >>> enc = encode({"z": np.array([0.1, 5e-324]), "n": np.int64(2)})
    >>> enc["n"], enc["z"]["__ndarray__"]
    (2, [0.1, 5e-324])
    >>> bool(np.array_equal(decode(json.loads(json.dumps(enc)))["z"], [0.1, 5e-324]))
    True
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiub":
            raise TypeError(f"example arrays must be numeric, got dtype {value.dtype}")
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (int, float, str)):
        return value
    raise TypeError(f"cannot encode an example value of type {type(value).__name__}")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode` (arrays rebuilt with their dtype and shape)."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.array(value["__ndarray__"], dtype=value["dtype"]).reshape(value["shape"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def example_key(example: Any) -> str:
    """The canonical JSON of an encoded example (memo key of the search)."""
    return json.dumps(encode(example), sort_keys=True, allow_nan=True)


def case_bytes(case: dict[str, Any]) -> bytes:
    """The canonical bytes of a case file (sorted keys, one-space indent, final newline)."""
    return (json.dumps(case, sort_keys=True, indent=1, allow_nan=True, ensure_ascii=False) + "\n").encode()


# ----------------------------------------------------------------- snippets and case files


def _literal(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict) and "__ndarray__" in value:
        body = _literal(value["__ndarray__"])
        shape = tuple(value["shape"])
        if 0 in shape:
            return f"np.zeros({shape!r}, dtype=np.{value['dtype']})"
        return f"np.array({body}, dtype=np.{value['dtype']})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def snippet(explorer: Any, example: dict[str, Any]) -> str:
    """Python lines reproducing a case: the parameters, the explorer's public-API lines,
    and the property's verdict through :func:`run_case`.

    ``example`` is the encoded form (as stored in a case file).
    """
    lines = ["import numpy as np", "import tensorkv_check as tk", "from tensorkv_check import run_case", ""]
    names = []
    for k, v in example.items():
        if _IDENT.match(k):
            lines.append(f"{k} = {_literal(v)}")
            names.append(k)
    if explorer.snippet is not None:
        lines.append(explorer.snippet(decode(example)).rstrip())
    args = ", ".join(f"{k}={k}" for k in names)
    lines.append(f"print(run_case({explorer.claim_id!r}, {explorer.name!r}, dict({args})))")
    return "\n".join(lines) + "\n"


def _case_path(root: Path, case: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(case["example"], sort_keys=True).encode()).hexdigest()[:12]
    folder = re.sub(r"[^A-Za-z0-9_.-]", "_", case["claim"])
    return root / folder / f"{case['explorer']}-{digest}.json"


def case_of(res: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": CASE_FORMAT,
        "claim": res["claim"],
        "explorer": res["explorer"],
        "region": res["region"],
        "hypothesis": res["hypothesis"],
        "seed": res["seed"],
        "outcome": res["outcome"],
        "example": res["example"],
        "failure": res["failure"],
    }


def save_case(res: dict[str, Any], root: str | Path = EXAMPLES_DIR) -> Path:
    """Write an explored failure (a result of :func:`explore`) as a JSON case file; returns its path."""
    from tensorkv_check._util.io import atomic_write

    if res.get("example") is None:
        raise ExploreError("only a result with a failing example can be saved")
    case = case_of(res)
    path = _case_path(Path(root), case)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, case_bytes(case))
    return path


def load_case(path: str | Path) -> dict[str, Any]:
    """Read a case file (the JSON dict; arrays still encoded)."""
    try:
        case = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExploreError(f"cannot read case file {path}: {exc}") from None
    missing = {"claim", "explorer", "example", "failure"} - set(case)
    if missing:
        raise ExploreError(f"case file {path} lacks {', '.join(sorted(missing))}")
    return case


def saved_cases(claim_id: str, root: str | Path = EXAMPLES_DIR) -> list[Path]:
    """The case files saved for ``claim_id``, sorted by name."""
    folder = Path(root) / re.sub(r"[^A-Za-z0-9_.-]", "_", claim_id)
    return sorted(folder.glob("*.json")) if folder.is_dir() else []
