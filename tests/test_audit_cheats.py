"""Planted dishonest compressors: the audit must flag each one, with evidence.

Each cheat answers queries exactly (Bob decodes every Index bit) while its ``to_bytes``
carries a few bytes: the rest of the cache reaches Bob outside the message. By Fano's
inequality (thm:index-lb) no compressor can do that, so the audit must call each of
them *impossible*; with ``--isolate`` (Bob in a fresh process) the in-memory cheats stop
decoding, while the temporary-file cheat still does (the file system is shared).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import sys
import tempfile
from typing import Any, ClassVar

import numpy as np
import pytest

from tensorkv_check.audit import check_compressor, run_audit, target_from_factory
from tensorkv_check.audit.command import add_parser
from tensorkv_check.engine.exact_attention import attention


class _Exact:
    """Shared honest part: keeps every token in float64 and attends exactly."""

    inputs: ClassVar[frozenset[str]] = frozenset({"kv", "rows"})

    def __init__(self, d: int, scale: float | None = None) -> None:
        self._d = int(d)
        self._K = np.zeros((0, self._d))
        self._V = np.zeros((0, self._d))

    @property
    def d(self) -> int:
        return self._d

    @property
    def scale(self) -> float:
        return 1.0 / self._d

    def ingest(self, k: np.ndarray, v: np.ndarray) -> None:
        self._K = np.vstack([self._K, np.atleast_2d(k)])
        self._V = np.vstack([self._V, np.atleast_2d(v)])

    def query(self, q: np.ndarray) -> np.ndarray:
        return attention(q, self._K, self._V, self.scale)

    @classmethod
    def _with(cls, d: int, K: np.ndarray, V: np.ndarray) -> Any:
        obj = cls(d)
        obj._K, obj._V = np.array(K), np.array(V)
        return obj


class ClassStash(_Exact):
    """Cheat 1: the full cache in a class attribute that ``from_bytes`` reads back."""

    _stash: ClassVar[dict[str, Any]] = {}

    def to_bytes(self) -> bytes:
        type(self)._stash["cache"] = (self._K.copy(), self._V.copy())
        return struct.pack("<I", self._d)

    @classmethod
    def from_bytes(cls, data: bytes) -> ClassStash:
        (d,) = struct.unpack("<I", data)
        K, V = cls._stash["cache"]
        return cls._with(d, K, V)


_REGISTRY: dict[int, tuple[np.ndarray, np.ndarray]] = {}


class RegistryId(_Exact):
    """Cheat 2: the cache in a module-level registry; the message is only its id."""

    def to_bytes(self) -> bytes:
        key = len(_REGISTRY) + 1
        for k, (K, V) in _REGISTRY.items():  # the same cache keeps its id (a stable message)
            if K.shape == self._K.shape and np.array_equal(K, self._K) and np.array_equal(V, self._V):
                key = k
                break
        _REGISTRY[key] = (self._K.copy(), self._V.copy())
        return struct.pack("<QI", key, self._d)

    @classmethod
    def from_bytes(cls, data: bytes) -> RegistryId:
        key, d = struct.unpack("<QI", data)
        K, V = _REGISTRY[key]
        return cls._with(d, K, V)


class TempFileTail(_Exact):
    """Cheat 3: sends the first 64 bytes of an honest message; the rest goes to a temporary file."""

    def _full(self) -> bytes:
        return struct.pack("<IQ", self._d, self._K.shape[0]) + self._K.tobytes() + self._V.tobytes()

    def to_bytes(self) -> bytes:
        full = self._full()
        head, tail = full[:64], full[64:]
        digest = hashlib.sha256(full).digest()[:16]
        with open(os.path.join(tempfile.gettempdir(), f"tkv-cheat-{digest.hex()}"), "wb") as fh:
            fh.write(tail)
        return digest + head

    @classmethod
    def from_bytes(cls, data: bytes) -> TempFileTail:
        digest, head = data[:16], data[16:]
        with open(os.path.join(tempfile.gettempdir(), f"tkv-cheat-{digest.hex()}"), "rb") as fh:
            full = head + fh.read()
        d, n = struct.unpack_from("<IQ", full, 0)
        arr = np.frombuffer(full, dtype=np.float64, offset=12).reshape(2, n, d)
        return cls._with(d, arr[0], arr[1])


class FrameSnoop(_Exact):
    """Cheat 4: sends only ``d`` and reads Alice's cache from the caller's stack frames."""

    def to_bytes(self) -> bytes:
        return struct.pack("<I", self._d)

    @classmethod
    def from_bytes(cls, data: bytes) -> FrameSnoop:
        (d,) = struct.unpack("<I", data)
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, cls) and value._K.shape[0] > 0:
                    return cls._with(d, value._K, value._V)
                stream = getattr(value, "stream", None)  # an Index instance: the raw input
                if isinstance(stream, tuple) and len(stream) == 2:
                    return cls._with(d, stream[0], stream[1])
            frame = frame.f_back
        raise RuntimeError("no Alice in the caller's frames")


CHEATS = [ClassStash, RegistryId, TempFileTail, FrameSnoop]


class HonestExact(_Exact):
    """The honest version: the whole float64 cache in the message."""

    def to_bytes(self) -> bytes:
        return struct.pack("<IQ", self._d, self._K.shape[0]) + self._K.tobytes() + self._V.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> HonestExact:
        d, n = struct.unpack_from("<IQ", data, 0)
        arr = np.frombuffer(data, dtype=np.float64, offset=12).reshape(2, n, d)
        return cls._with(d, arr[0], arr[1])


class ChangingMessage(HonestExact):
    """Protocol break: every ``to_bytes`` call appends a fresh counter."""

    def to_bytes(self) -> bytes:
        self._calls = getattr(self, "_calls", 0) + 1
        return super().to_bytes() + struct.pack("<Q", self._calls)

    @classmethod
    def from_bytes(cls, data: bytes) -> ChangingMessage:
        return super().from_bytes(data[:-8])


class DropsLastToken(HonestExact):
    """Protocol break: ``from_bytes`` loses the last token, so Bob's answers differ from Alice's."""

    @classmethod
    def from_bytes(cls, data: bytes) -> DropsLastToken:
        obj = super().from_bytes(data)
        obj._K, obj._V = obj._K[:-1], obj._V[:-1]
        return obj


# --------------------------------------------------------------------------- tests


@pytest.fixture(autouse=True)
def _remove_cheat_files():
    # The temporary-file cheat leaves its tails in the temp folder; remove new ones.
    import glob

    pattern = os.path.join(tempfile.gettempdir(), "tkv-cheat-*")
    before = set(glob.glob(pattern))
    yield
    for f in set(glob.glob(pattern)) - before:
        os.unlink(f)


@pytest.mark.parametrize("cheat", CHEATS, ids=lambda c: c.__name__)
def test_every_planted_cheat_is_impossible_with_evidence(cheat):
    audit = run_audit(
        target_from_factory(cheat, cheat.__name__), models=["standard"], reference=False, benign=False
    )
    v = audit["verdict"]
    assert v["status"] == "impossible", v
    assert v["exit_code"] == 1
    (b,) = v["beats"]
    # The evidence: a tiny message, every queried bit decoded, the instance, seed and replay.
    assert b["M"] <= 8 * 80 and b["successes"] == b["trials"] == 1000
    assert b["M"] < b["fano_bits"] and b["fano_bits"] > 0.9 * b["N"]
    assert b["seed"] == audit["models"]["standard"]["instance_seed"]
    assert b["replay"].startswith(f"tensorkv-check audit {cheat.__name__} --models standard")


def test_the_honest_twin_of_the_cheats_is_consistent():
    audit = run_audit(
        target_from_factory(HonestExact, "HonestExact"), models=["standard"], reference=False, benign=False
    )
    assert audit["verdict"]["status"] == "consistent", audit["verdict"]
    (p,) = audit["points"]
    assert p["successes"] == 1000 and p["M"] >= 2 * 64 * p["N"]  # keys and values in float64


def test_class_stash_also_leaks_between_instances():
    audit = run_audit(
        target_from_factory(ClassStash, "ClassStash"), models=["standard"], reference=False, benign=False
    )
    checks = {v["check"] for v in audit["verdict"]["violations"]}
    assert "no state leaks between instances" in checks


@pytest.mark.parametrize(
    "broken, check",
    [
        (ChangingMessage, "the message does not change after sending"),
        (DropsLastToken, "from_bytes(to_bytes()) reproduces query"),
        (ClassStash, "no state leaks between instances"),
    ],
)
def test_check_compressor_names_the_protocol_break(broken, check):
    with pytest.raises(AssertionError) as info:
        check_compressor(broken, models=["standard"])
    assert check in str(info.value)


def test_check_compressor_passes_an_honest_compressor_and_returns_the_audit():
    audit = check_compressor(HonestExact, models=["standard", "two-cache"])
    assert [p["model"] for p in audit["points"]] == ["standard", "two-cache"]


def _cli(argv):
    parser = argparse.ArgumentParser(prog="tensorkv-check")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_exit_1_prints_evidence_and_isolation(tmp_path, capsys):
    rc = _cli(
        [
            "audit",
            f"{__file__}:ClassStash",
            "--models",
            "standard",
            "--isolate",
            "--no-reference",
            "--no-benign",
            "--quiet",
            "--out",
            str(tmp_path),
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 1
    assert "impossible: beats Fano at these points" in out
    assert "beats Fano: standard" in out and "replay: tensorkv-check audit" in out
    assert "does NOT decode" in out and "KeyError" in out  # no stash in a fresh process


def test_isolation_says_the_temp_file_cheat_still_decodes(tmp_path):
    audit = run_audit(
        f"{__file__}:TempFileTail", models=["standard"], reference=False, benign=False, isolate=True
    )
    assert audit["verdict"]["status"] == "impossible"
    assert audit["isolation"]["still_decodes"] is True
    audit = run_audit(
        f"{__file__}:FrameSnoop", models=["standard"], reference=False, benign=False, isolate=True
    )
    assert audit["isolation"]["still_decodes"] is False
    assert "no Alice" in audit["isolation"]["points"][0]["error"]


def test_isolate_needs_a_loadable_target():
    from tensorkv_check.audit import AuditUsageError

    with pytest.raises(AuditUsageError, match="isolate needs a target a fresh process can load"):
        run_audit(target_from_factory(HonestExact, "HonestExact"), models=["standard"], isolate=True)
