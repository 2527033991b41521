"""Every planted engine bug of :mod:`tensorkv_check.claims.mutants` reaches the compressors.

The mutants patch engine functions and decoder methods by identity. A compressor that
answered queries with its own copy of attention would hide them: the frontier's
compressors would keep giving the right answers while the engine was broken. This
test runs a fixed set of compressors (the catalogue's exact decoders and lossless or
near-lossless members of every family, in every mode, a sign sketch and SubGen) on one
small instance, once unmutated and once under each mutant, and requires that each mutant changes what the
compressors in :data:`MUST_CHANGE` give (query answers, bytes, measured memory or
counted flops): a bug in an attention kernel reaches every family that queries through
it, a bug in a decoder reaches that decoder's catalogue entry.

Some mutants break engine parts no compressor uses (the reductions' side of the
Index game, the statistics, the bounds); they are listed in
:data:`OUTSIDE_COMPRESSORS` with the reason; the test checks that they indeed change
nothing here, so that a change which makes them reachable also moves them out of it.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorkv_check.claims.mutants import CATALOGUE as MUTANTS
from tensorkv_check.frontier import LowRankSVD, SignSketch, UniformQuantizer, WindowEviction, make_factory
from tensorkv_check.subgen.standard import SubGen

D, N = 4, 6

#: Mutants of engine code that no compressor calls, with the reason.
OUTSIDE_COMPRESSORS = {
    # Only the naive four-cache decoder (not a catalogue entry) calls _kron, and the
    # shift permutes keys and values alike, so no attention output can see it.
    "kron-shifted": "only NaiveFourCacheDecoder builds K1 ⊘ K2; outputs are invariant by design",
    # SignSketch draws its sketch with rng.standard_normal and stores only signs.
    "jl-scale-1/d": "no compressor draws a JL matrix",
    # The reductions' side of the Index game: Bob's query scale, the public keys, the
    # statistics and the bound; compressors only see the data they are given.
    "reduction-C-ln(r-1)": "no compressor computes the reduction's query scale C",
    "keys-half-scale": "no compressor draws keys; the Index instances do",
    "cp-wrong-confidence": "no compressor computes a confidence interval",
    "fano-in-nats": "no compressor computes Fano's bound",
}


def _instance() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(20250311)
    k1, k2, v1, v2 = (rng.standard_normal((N, D)) for _ in range(4))
    kt, vt = rng.standard_normal((N * N, D)), rng.standard_normal((N * N, D))
    return {"kv": [k1, v1], "factors": [k1, k2, v1, v2], "rows": [kt, vt]}


def _compressors() -> list[tuple[str, object, list[np.ndarray]]]:
    """(label, compressor, blocks to ingest), built fresh for each run."""
    data = _instance()
    out = []
    for mode in ("kv", "factors", "rows"):
        out += [
            (f"exact/{mode}", make_factory("exact", mode, 0)(D), data[mode]),
            (f"quant16/{mode}", UniformQuantizer(D, bits=16, mode=mode), data[mode]),
            (f"lowrank/{mode}", LowRankSVD(D, rank=D, mode=mode), data[mode]),
            (f"window/{mode}", WindowEviction(D, fraction=1.0, mode=mode), data[mode]),
        ]
    # The exact two-cache decoder also takes factor tokens and builds its rows itself.
    out.append(("exact/rows-from-factors", make_factory("exact", "rows", 0)(D), data["factors"]))
    out.append(("sketch/kv", SignSketch(D, sketch_dim=64, value_bits=16, seed=0), data["kv"]))
    out.append(("subgen/kv", SubGen(D, delta=0.5, t=2, s=8, rng=np.random.default_rng(0)), data["kv"]))
    return out


def _observe() -> dict[str, tuple]:
    """What each compressor gives: answers to ordinary and to large-logit queries, bytes,
    memory and flops (an exception counts as an answer)."""
    rng = np.random.default_rng(7)
    Q = rng.standard_normal((3, D))
    seen = {}
    for label, comp, blocks in _compressors():
        comp.ingest(*blocks)
        answers = []
        for q in (Q, 400.0 * Q):  # the second pushes logits past exp's float64 range
            try:
                answers.append(comp.query(q).tobytes())
            except (ValueError, FloatingPointError) as exc:
                answers.append(f"{type(exc).__name__}: {exc}")
        seen[label] = (
            tuple(answers),
            comp.to_bytes(),
            getattr(comp, "memory_bytes", None),
            getattr(comp, "total_flops", None),
        )
    return seen


@pytest.fixture(scope="module")
def baseline() -> dict[str, tuple]:
    base = _observe()
    assert base == _observe(), "the observation must be deterministic"
    return base


_FAMILIES = ("quant16", "lowrank", "window")

#: Compressors each mutant must change. A bug in an attention kernel must reach every
#: compressor family in every mode that queries through that kernel (standard
#: attention: ``kv`` and ``rows``; the decode identity: ``factors``), not just the
#: exact decoders; a bug in a decoder must reach that decoder's catalogue entry.
MUST_CHANGE = {
    # StandardDecoder (exact/kv) answers batches through the same kernel as attention_batch.
    "softmax-no-shift": {f"{f}/{m}" for f in _FAMILIES for m in ("kv", "rows")} | {"exact/kv", "exact/rows"},
    "tensor-value-order": {f"{f}/factors" for f in (*_FAMILIES, "exact")},
    "tensor-ignores-scale": {f"{f}/factors" for f in (*_FAMILIES, "exact")},
    "two-cache-value-order": {"exact/rows-from-factors"},
    "two-cache-forgets-cross-rows": {"exact/rows-from-factors"},
    "two-cache-drops-newest": {"exact/rows", "exact/rows-from-factors"},
    "four-cache-drops-newest": {"exact/factors"},
    "four-cache-flops-off": {"exact/factors"},
    "four-cache-memory-off": {"exact/factors"},
    "subgen-numerator-bias": {"subgen/kv"},
    "sketch-estimator-bias": {"sketch/kv"},
    # Every user of the per-token quantizer: its codes (bytes) change.
    "quantizer-levels-off-by-one": {f"quant16/{m}" for m in ("kv", "factors", "rows")} | {"sketch/kv"},
}


@pytest.mark.parametrize(
    "mutant", [m for m in MUTANTS if m.name not in OUTSIDE_COMPRESSORS], ids=lambda m: m.name
)
def test_engine_mutant_changes_the_compressors(baseline, mutant):
    with mutant.apply():
        mutated = _observe()
    changed = {label for label in baseline if mutated[label] != baseline[label]}
    assert changed, f"mutant {mutant.name} changes no compressor's answers, bytes, memory or flops"
    missed = MUST_CHANGE[mutant.name] - changed
    assert not missed, f"mutant {mutant.name} does not reach {sorted(missed)}"


@pytest.mark.parametrize("name", sorted(OUTSIDE_COMPRESSORS))
def test_mutants_outside_the_compressors_change_nothing(baseline, name):
    mutant = next(m for m in MUTANTS if m.name == name)
    with mutant.apply():
        assert _observe() == baseline


def test_every_mutant_is_classified():
    # A new mutant must say which compressors it reaches (or why none).
    assert {m.name for m in MUTANTS} == set(MUST_CHANGE) | set(OUTSIDE_COMPRESSORS)
    assert not set(MUST_CHANGE) & set(OUTSIDE_COMPRESSORS)


@pytest.mark.parametrize("batched", [False, True], ids=["one-query", "batch"])
def test_softmax_mutant_reaches_the_standard_decoder(batched):
    # The decoder of thm:ho25-lb's reduction has no softmax of its own: one query and a
    # batch both go through exact_attention's max-shifted softmax, so the unshifted
    # softmax overflows there too (logits ~ 1e3).
    from tensorkv_check.engine.caches import StandardDecoder

    mutant = next(m for m in MUTANTS if m.name == "softmax-no-shift")
    dec = StandardDecoder(2, scale=1.0)
    dec.append([[1000.0, 0.0], [0.0, 1000.0]], [[1.0, 0.0], [0.0, 1.0]])
    q = np.array([[1.0, 0.0], [0.0, 1.0]]) if batched else np.array([1.0, 0.0])
    want = np.eye(2) if batched else np.array([1.0, 0.0])
    assert np.array_equal(dec.query(q), want)
    with mutant.apply(), np.errstate(all="ignore"):
        try:
            got = dec.query(q)
        except ValueError:
            got = None
    assert got is None or not np.array_equal(got, want)
