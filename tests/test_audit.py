"""The audit of outside compressors: adapters, usage errors, built-ins, the example, the report, plugins."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from tensorkv_check.audit import (
    ALPHA,
    AuditUsageError,
    check_compressor,
    codec,
    eviction,
    load_target,
    parse_param,
    run_audit,
    target_from_factory,
    tensor_codec,
    write_audit,
)
from tensorkv_check.audit.command import add_parser, list_lines
from tensorkv_check.engine.exact_attention import attention, tensor_attention
from tensorkv_check.frontier import CATALOGUE
from tensorkv_check.frontier.plugins import load_plugins, plugin_entries, plugin_frontier
from tensorkv_check.index import fano_bound, run_index

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "int8_cache.py"


def _cli(argv):
    parser = argparse.ArgumentParser(prog="tensorkv-check")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


# --------------------------------------------------------------------------- adapters


def _f32_encode(K, V):
    return np.stack([K, V]).astype("<f4").tobytes()


def _f32_decode(data):
    a = np.frombuffer(data, dtype="<f4").reshape(2, -1, 4)
    return a[0], a[1]


def test_codec_adapter_measures_only_the_bytes_and_round_trips():
    F32 = codec(_f32_encode, _f32_decode, name="F32")
    rng = np.random.default_rng(0)
    K, V = rng.standard_normal((10, 4)), rng.standard_normal((10, 4))
    c = F32(4)
    c.ingest(K[:6], V[:6])
    c.ingest(K[6:], V[6:])
    data = c.to_bytes()
    assert len(data) == 32 + 2 * 10 * 4 * 4  # header + float32 K and V, nothing else
    bob = F32.from_bytes(data)
    Q = rng.standard_normal((3, 4))
    ref = attention(Q, K.astype(np.float32).astype(np.float64), V.astype(np.float32).astype(np.float64), 0.25)
    np.testing.assert_allclose(bob.query(Q), ref, rtol=1e-12)
    np.testing.assert_array_equal(c.query(Q), bob.query(Q))
    assert bob.query(Q[0]).shape == (4,)


def test_eviction_adapter_keeps_the_top_scores_in_arrival_order():
    Big = eviction(lambda K, V: np.linalg.norm(K, axis=1), name="KeepBigKeys")
    K = np.diag([1.0, 5.0, 2.0, 4.0])
    V = np.eye(4)
    c = Big(4, keep=0.5)
    c.ingest(K, V)
    bob = Big.from_bytes(c.to_bytes())
    np.testing.assert_array_equal(bob._K, K[[1, 3]])  # the two largest, in arrival order
    assert len(c.to_bytes()) == 32 + 8 + 2 * 2 * 4 * 8
    assert bob.kept_fraction == 0.5
    with pytest.raises(ValueError, match=r"^keep must be in \(0, 1\], got 1.5"):
        Big(4, keep=1.5)


def test_tensor_codec_queries_by_exact_tensor_attention():
    enc = lambda K1, K2, V1, V2: np.stack([K1, K2, V1, V2]).tobytes()  # noqa: E731
    dec = lambda b: tuple(np.frombuffer(b).reshape(4, -1, 3))  # noqa: E731
    T = tensor_codec(enc, dec, name="Lossless4")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((5, 3)) for _ in range(4)]
    t = T(3)
    t.ingest(*arrays)
    Q = rng.standard_normal((2, 3))
    np.testing.assert_allclose(
        T.from_bytes(t.to_bytes()).query(Q), tensor_attention(Q, *arrays, 1 / 3), rtol=1e-12
    )
    assert T.inputs == frozenset({"factors"})


def test_a_tensor_codec_is_audited_on_the_factor_models_only():
    enc = lambda K1, K2, V1, V2: np.stack([K1, K2, V1, V2]).tobytes()  # noqa: E731
    T = tensor_codec(enc, lambda b: tuple(np.frombuffer(b).reshape(4, -1, 8)), name="T")
    t = target_from_factory(T, "T")
    assert t.models == ("four-cache", "two-cache-structured")


# --------------------------------------------------------------------------- usage errors (exit 2)


class NoQuery:
    inputs = frozenset({"kv"})

    def __init__(self, d):
        self.d = d

    def ingest(self, k, v):
        pass

    def to_bytes(self):
        return b""

    @classmethod
    def from_bytes(cls, data):
        return cls(1)


class FromBytesNotClassmethod(NoQuery):
    def query(self, q):
        return np.zeros_like(q)

    def from_bytes(self, data):  # an instance method: Bob would need Alice's object
        return self


class WrongShape(FromBytesNotClassmethod):
    from_bytes = classmethod(lambda cls, data: cls(4))

    def query(self, q):
        return np.zeros(3)


@pytest.mark.parametrize(
    "obj, needle",
    [
        ("NoQuery", "missing method(s) query"),
        ("FromBytesNotClassmethod", "from_bytes must be a classmethod"),
        ("WrongShape", "query returned shapes (3,) and (3,)"),
    ],
)
def test_cli_exit_2_names_the_missing_or_wrong_member(tmp_path, capsys, obj, needle):
    rc = _cli(["audit", f"{__file__}:{obj}", "--out", str(tmp_path), "--no-reference", "--no-benign"])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and "does not implement the cache-algorithm protocol" in err


@pytest.mark.parametrize(
    "param, needle",
    [
        ("bits", "expected NAME=V1,V2"),
        ("bits=", "empty value"),
        ("bits=1,,2", "empty value"),
        ("1x=2", "not a parameter name"),
        ("rank=2", "bad --param"),  # the codec's encode takes no `rank`
    ],
)
def test_cli_exit_2_on_a_bad_param(tmp_path, capsys, param, needle):
    rc = _cli(["audit", f"{EXAMPLE}:TokenQuantizer", "--param", param, "--out", str(tmp_path)])
    assert rc == 2
    assert needle in capsys.readouterr().err


def test_cli_exit_2_on_unknown_target_and_model(tmp_path, capsys):
    assert _cli(["audit", "no_such_module_xyz:Obj", "--out", str(tmp_path)]) == 2
    assert "cannot import module" in capsys.readouterr().err
    assert _cli(["audit", f"{EXAMPLE}:TokenQuantizer", "--models", "four-cache", "--out", str(tmp_path)]) == 2
    assert "cannot run model(s) ['four-cache']" in capsys.readouterr().err


def test_parse_param_types():
    assert parse_param("bits=1,2") == ("bits", (1, 2))
    assert parse_param("keep=0.5,1") == ("keep", (0.5, 1))
    assert parse_param("mode=kv") == ("mode", ("kv",))
    with pytest.raises(AuditUsageError, match="must be finite"):
        parse_param("x=nan")


# --------------------------------------------------------------------------- built-ins


@pytest.mark.parametrize("name", ["quant", "random", "window", "subgen"])
def test_builtin_families_are_consistent(name):
    audit = run_audit(name, reference=False, benign=False, plugins=False)
    assert audit["verdict"]["status"] == "consistent", audit["verdict"]
    assert {p["model"] for p in audit["points"]} == {
        "standard",
        "four-cache",
        "two-cache",
        "two-cache-structured",
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_builtin_family_is_consistent(name):
    audit = run_audit(name, reference=False, benign=False, plugins=False)
    assert audit["verdict"]["status"] == "consistent", audit["verdict"]


def test_decision_matches_fano_and_run_index():
    # The audit's M and success equal run_index's on the same instance, and the decision
    # recomputes Fano's bound from its own numbers.
    audit = run_audit("quant", {"budget": [1]}, models=["standard"], reference=False, benign=False)
    (p,) = audit["points"]
    assert p["fano_bits"] == pytest.approx(fano_bound(max(p["ci_low"], 0.5), p["N"]))
    assert p["beats_fano"] is (p["M"] < p["fano_bits"])
    assert audit["confidence_per_point"] == 1 - ALPHA / 1
    from tensorkv_check.frontier import make_factory

    r = run_index(make_factory("quant", "kv", 1), "standard", p["n"], p["d"], queries=10, seed=p["seed"])
    assert r.message_bits == p["M"]


# --------------------------------------------------------------------------- the example and the report


def test_the_example_is_consistent_and_writes_a_deterministic_report(tmp_path, capsys):
    rc = _cli(
        [
            "audit",
            f"{EXAMPLE}:TokenQuantizer",
            "--param",
            "bits=1,4",
            "--out",
            str(tmp_path / "a"),
            "--quiet",
            "--seed",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "consistent with the bounds" in out and "M/N at p = 0.9, standard: 2.601 (bits=1)" in out
    files = {p.name for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert {
        "audit.json",
        "audit.md",
        "audit.html",
        "timings.json",
        "audit_frontier_standard.svg",
        "audit_frontier_two-cache.svg",
        "audit_m_over_n.svg",
        "audit_benign.svg",
    } <= files
    data = json.loads((tmp_path / "a" / "audit.json").read_text())
    assert data["verdict"]["status"] == "consistent" and "timings" not in data
    assert {p["family"] for p in data["reference"]} >= {"quant", "random", "lowrank"}
    assert {p["kind"] for p in data["benign"]} == {"gaussian", "clustered", "heavy-tailed"}
    html = (tmp_path / "a" / "audit.html").read_text()
    assert "data:image/svg+xml;base64," in html and "http" not in html.replace("http://www.w3.org", "")
    # Same seed, same bytes (the timings live apart).
    assert (
        _cli(
            [
                "audit",
                f"{EXAMPLE}:TokenQuantizer",
                "--param",
                "bits=1,4",
                "--out",
                str(tmp_path / "b"),
                "--quiet",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    for name in ("audit.json", "audit.md", "audit.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_example_file_runs_as_a_test(tmp_path):
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import int8_cache
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    audit = check_compressor(int8_cache.TokenQuantizer, budgets={"bits": [1, 8]}, models=["standard"])
    (p1, p8) = audit["points"]
    assert p1["rate"] == 1.0 and p8["M"] > p1["M"]


# --------------------------------------------------------------------------- plugins


def _install_plugin(tmp_path: Path, monkeypatch, entries: str, module: str) -> None:
    """A tiny installed distribution: a module plus a .dist-info with entry_points.txt on sys.path."""
    (tmp_path / "tkv_demo_plugin.py").write_text(module)
    info = tmp_path / "tkv_demo_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tkv-demo-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tensorkv_check.compressors]\n" + entries)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tkv_demo_plugin", raising=False)


_PLUGIN = """
import numpy as np
from tensorkv_check.audit import codec

def enc(K, V, dtype="f2"):
    return dtype.encode() + np.uint32(K.shape[1]).tobytes() + np.stack([K, V]).astype("<" + dtype).tobytes()

def dec(b):
    d = int(np.frombuffer(b[2:6], "<u4")[0])
    return tuple(np.frombuffer(b[6:], "<" + b[:2].decode()).astype(float).reshape(2, -1, d))

Half = codec(enc, dec, name="Half")
Half.audit_params = {"dtype": ["f2", "f4"]}
"""


def test_an_installed_plugin_is_listed_audited_and_in_the_frontier_catalogue(tmp_path, monkeypatch, capsys):
    _install_plugin(
        tmp_path,
        monkeypatch,
        "halfcache = tkv_demo_plugin:Half\nbroken = tkv_demo_plugin:DoesNotExist\n",
        _PLUGIN,
    )
    scan = load_plugins()
    assert "halfcache" in scan.plugins and scan.plugins["halfcache"].distribution == "tkv-demo-plugin"
    assert "broken" in scan.broken and "DoesNotExist" in scan.broken["broken"]
    lines = "\n".join(list_lines())
    assert "halfcache  tkv_demo_plugin:Half" in lines and "broken  BROKEN, skipped" in lines
    assert _cli(["audit", "--list"]) == 0
    assert "halfcache" in capsys.readouterr().out
    # In the frontier's catalogue form: build(mode, budget, seed, scale) -> factory(d).
    entry = plugin_entries(scan)["halfcache"]
    assert entry.family == "plugin"
    r = run_index(entry.build("kv", "f4", 0, None), "standard", 64, 128, queries=200, seed=0)
    assert r.successes == 200 and r.message_bits == 8 * (32 + 6 + 2 * 64 * 128 * 4)
    fr = plugin_frontier(scan)
    assert fr["halfcache"]["budgets"] == ["f2", "f4"] and fr["halfcache"]["inputs"] == ["kv", "rows"]
    # In the frontier sweep: its points on the models whose input kind it ingests, the
    # built-in points (and their seeds) unchanged, and a point that runs in a fresh lookup.
    from tensorkv_check.frontier import sweep as frontier_sweep

    plain = frontier_sweep.build_tasks("quick", 0)
    with_plugin = frontier_sweep.build_tasks("quick", 0, fr)
    mine = [t for t in with_plugin if t.params.get("compressor") == "halfcache"]
    assert {t.params["model"] for t in mine} == {"standard", "two-cache"}
    assert {t.params["budget"] for t in mine} == {"f2", "f4"}
    assert [t.key for t in with_plugin if t not in mine] == [t.key for t in plain]
    point = frontier_sweep.frontier_point(next(t.params for t in mine if t.params["model"] == "standard"), 0)
    assert point["family"] == "plugin" and point["rate"] > 0.9
    found = frontier_sweep.findings(
        {
            "points": [],
            "benign": [],
            "gaps": [],
            "plugins": {"loaded": ["halfcache"], "broken": dict(scan.broken)},
        }
    )
    assert any(f["kind"] == "plugin-broken" and "'broken'" in f["text"] for f in found)
    # Audited by name; and drawn beside the audited compressor as a reference family.
    audit = run_audit("halfcache", models=["standard"], reference=True, benign=False)
    assert audit["verdict"]["status"] == "consistent"
    assert "halfcache" in {p["family"] for p in audit["reference"]}
    assert audit["plugins_broken"]["broken"].startswith("AttributeError")


def test_a_broken_plugin_never_crashes_the_scan(tmp_path, monkeypatch):
    _install_plugin(
        tmp_path,
        monkeypatch,
        "bad = tkv_demo_plugin:X\nnotcallable = tkv_demo_plugin:Y\n",
        "raise ImportError('planted')\n",
    )
    scan = load_plugins()
    assert set(scan.broken) == {"bad", "notcallable"} and not scan.plugins
    assert "planted" in scan.broken["bad"]
    with pytest.raises(AuditUsageError, match="plugin 'bad' is broken"):
        load_target("bad")


def test_alpha_is_family_wise_over_the_points():
    audit = run_audit(
        "random", {"budget": [0.5, 0.9]}, models=["standard", "two-cache"], reference=False, benign=False
    )
    assert audit["points_tested"] == 4
    assert math.isclose(audit["confidence_per_point"], 1 - ALPHA / 4)
    assert all(p["confidence"] == audit["confidence_per_point"] for p in audit["points"])
    assert "family-wise α = 0.001" in audit["decision"]
    # write_audit rejects an unknown format before writing anything.
    with pytest.raises(ValueError, match="unknown audit format"):
        write_audit(audit, "/nonexistent-dir-xyz", ["pdf"])
