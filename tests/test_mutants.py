"""Planted-bug self-test: the proof suite must catch each mutant of :mod:`tensorkv_check.claims.mutants`.

Two layers:

* the *machinery* (patching restores everything, reports are right) and the
  *realness* of every mutant are shown on a small registry built here, whose checks
  compare the engine with this file's own einsum references; each mutant must break
  at least one of them, and the unmutated engine must pass all of them;
* the *proof suite*: every fast check of :func:`tensorkv_check.claims.registry.load_all` is run
  unmutated (each must have its expected outcome; the run is traced to learn which
  checks call each mutated object), then, under each mutant, the checks that call the
  mutated code are re-run, in a fixed order, until one catches it. A mutant that no claim
  check catches fails ``test_proof_suite_catches_mutant[...]``, naming the check that
  would catch it. The table is printed (``pytest -s tests/test_mutants.py``).
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib

import numpy as np
import pytest

from tensorkv_check import (
    FourCacheDecoder,
    NaiveFourCacheDecoder,
    TwoCacheDecoder,
    kron,
    softmax,
    tensor_attention,
)
from tensorkv_check.claims.mutants import (
    CATALOGUE,
    Mutant,
    Patch,
    format_mutant_table,
    patched_attribute,
    patched_function,
    run_baseline,
    run_checks,
    run_mutants,
    run_selftest,
)
from tensorkv_check.claims.registry import CheckResult, Registry, load_all

# ``tensorkv_check.engine.exact_attention`` the attribute is the re-exported function; fetch the modules.
att = importlib.import_module("tensorkv_check.engine.exact_attention")
caches = importlib.import_module("tensorkv_check.engine.caches")
bounds = importlib.import_module("tensorkv_check.index.bounds")

# --------------------------------------------------------------------------- references


def ref_tensor(q, K1, K2, V1, V2, scale):
    s = np.einsum("l,jl,kl->jk", q, K1, K2) * scale
    p = np.exp(s - s.max())
    p /= p.sum()
    return np.einsum("jk,jl,kl->l", p, V1, V2)


def _close(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12))


def toy_registry() -> Registry:
    """Small engine checks, one per piece a mutant breaks, against einsum references."""
    reg = Registry()
    c = reg.claim("toy:engine", paper_ref="self-test", sources=("inferred",), statement="engine is right")
    rng_data = lambda ctx, n=5, d=3: ctx.rng("toy", n, d).standard_normal((5, n, d))  # noqa: E731

    def verdict(ok: bool, what: str) -> CheckResult:
        return CheckResult.ok(what) if ok else CheckResult.fail(what)

    @c.empirical("softmax-large-logits")
    def _(ctx):
        return verdict(_close(softmax([1e4, 1e4 - np.log(3.0)]), [0.75, 0.25]), "softmax of huge logits")

    @c.empirical("tensor-vs-reference")
    def _(ctx):
        q, K1, K2, V1, V2 = rng_data(ctx)
        q = q[0]
        return verdict(
            _close(tensor_attention(q, K1, K2, V1, V2), ref_tensor(q, K1, K2, V1, V2, 1 / 3)),
            "tensor attention = einsum reference",
        )

    @c.empirical("kron-rows")
    def _(ctx):
        _, A, B, _, _ = rng_data(ctx)
        KB = kron(A, B)
        return verdict(
            all(_close(KB[j * 5 + k], A[j] * B[k]) for j in range(5) for k in range(5)),
            "row (j,k) of A⊘B is A_j∘B_k",
        )

    @c.empirical("decoders-vs-reference")
    def _(ctx):
        q, K1, K2, V1, V2 = rng_data(ctx)
        q = q[0]
        decs = [FourCacheDecoder(3), NaiveFourCacheDecoder(3), TwoCacheDecoder(3)]
        ok = True
        for i in range(5):
            for dec in decs:
                dec.append(K1[i], K2[i], V1[i], V2[i])
            want = ref_tensor(q, K1[: i + 1], K2[: i + 1], V1[: i + 1], V2[: i + 1], 1 / 3)
            ok &= all(_close(dec.query(q), want) for dec in decs)
        ok &= decs[2].n_rows == 25
        return verdict(ok, "decoders = einsum reference after every token")

    @c.empirical("accounting")
    def _(ctx):
        dec = FourCacheDecoder(4)
        for _ in range(6):
            dec.append(*np.ones((4, 4)))
        ok = dec.memory_bytes == 4 * 6 * 4 * 8
        # through the module: the mutants rebind names inside tensorkv_check/proofs only
        ok &= abs(caches.four_cache_flops(1000, 64) / (4 * 1000**2 * 64) - 1) < 0.05  # leading term 4n²d
        return verdict(ok, "memory 4·i·d·8 bytes, flops ~ 4n²d")

    @c.empirical("jl-norm")
    def _(ctx):
        from tensorkv_check.engine.jl import gaussian_jl

        S = gaussian_jl(400, 50, ctx.rng("jl"))
        x = ctx.rng("x").standard_normal(50)
        return verdict(abs(np.sum((S @ x) ** 2) / np.sum(x**2) - 1) < 0.5, "‖Sx‖² ≈ ‖x‖²")

    @c.empirical("reduction-C")
    def _(ctx):
        want = [np.log(4 * (r - 1)) / (1 - 2 * e) for r in (2, 5) for e in (0.0, 0.3)]
        got = [bounds.reduction_C(r, e) for r in (2, 5) for e in (0.0, 0.3)]
        return verdict(_close(got, want), "C = ln(4(r−1))/(1−2ε)")

    @c.empirical("rademacher-keys")
    def _(ctx):
        from tensorkv_check.engine.jl import near_orthogonal_keys

        K = near_orthogonal_keys(5, 16, ctx.rng("keys"))
        return verdict(bool(np.all(np.abs(K) == 0.25)), "entries ±1/√d")

    @c.empirical("subgen-identical-tokens")
    def _(ctx):
        # Every token the same: attention is v, and every sample of SubGen's estimators
        # is the same row, so the estimate is exact whatever the random draws.
        from tensorkv_check.subgen.standard import SubGen

        sg = SubGen(3, delta=0.1, t=2, s=4, rng=np.random.default_rng(0))
        v = np.array([1.0, -2.0, 0.5])
        sg.ingest(np.tile([0.3, 0.1, -0.2], (8, 1)), np.tile(v, (8, 1)))
        return verdict(_close(sg.query(np.array([1.0, 2.0, 3.0])), v), "SubGen on identical tokens = v")

    @c.empirical("clopper-pearson")
    def _(ctx):
        from scipy.stats import beta

        from tensorkv_check.engine.stats import clopper_pearson

        est = clopper_pearson(7, 20, 0.9)
        want = (beta.ppf(0.05, 7, 14), beta.ppf(0.95, 8, 13))
        return verdict(_close((est.ci_low, est.ci_high), want), "CP interval = beta quantiles")

    @c.empirical("sign-sketch")
    def _(ctx):
        from tensorkv_check.frontier.sketch import SignSketch

        k = ctx.rng("sk").standard_normal((3, 4))
        sk = SignSketch(4, sketch_dim=64, seed=5)
        sk.ingest(k, np.ones((3, 4)))
        S = np.random.default_rng(5).standard_normal((64, 4))
        want = (
            np.linalg.norm(k, axis=1)[:, None] * np.sqrt(np.pi / 2) / 64 * (np.where(k @ S.T >= 0, 1, -1) @ S)
        )
        return verdict(np.allclose(sk.reconstruct()[0], want, rtol=1e-6), "k̂ = ‖k‖√(π/2)/m Sᵀsign(Sk)")

    @c.empirical("quantizer-grid")
    def _(ctx):
        from tensorkv_check.frontier import UniformQuantizer

        qz = UniformQuantizer(4, bits=2)
        qz.ingest([[0.0, 1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0, 0.0]])
        return verdict(
            np.allclose(qz.reconstruct()[0], [[0.0, 1.0, 2.0, 3.0]]), "a 4-point grid is exact at 2 bits"
        )

    @c.empirical("fano-bound")
    def _(ctx):
        h = -(0.9 * np.log2(0.9) + 0.1 * np.log2(0.1))
        return verdict(_close(bounds.fano_bound(0.9, 100), (1 - h) * 100), "(1 − h₂(p))·N")

    return reg


#: Checks of the toy registry.
N_TOY = 13


@pytest.fixture(scope="module")
def toy():
    reg = toy_registry()
    return reg, run_baseline(reg)


# --------------------------------------------------------------------------- machinery


def test_toy_baseline_passes_and_is_traced(toy):
    _, base = toy
    assert {nid: r.outcome for nid, (_, r) in base.results.items()} == {nid: "pass" for nid in base.results}
    t = base.touched
    assert t["tensorkv_check.engine.exact_attention._softmax"] == {
        "toy:engine::softmax-large-logits",
        "toy:engine::decoders-vs-reference",
    }
    assert t["tensorkv_check.engine.caches.FourCacheDecoder.memory_bytes"] == {"toy:engine::accounting"}
    assert t["tensorkv_check.engine.jl.gaussian_jl"] == {"toy:engine::jl-norm"}


def test_restricted_and_full_sweeps_agree(toy):
    reg, base = toy
    fast = run_mutants(reg, baseline=base)
    full = run_mutants(reg, restrict=False)
    assert [(r.name, r.caught, {c.node_id for c in r.changes}) for r in fast] == [
        (r.name, r.caught, {c.node_id for c in r.changes}) for r in full
    ]
    assert all(r.n_checks == N_TOY and r.n_untouched == 0 for r in full)
    assert any(r.n_untouched > 0 for r in fast)
    assert all(r.n_checks + r.n_untouched == N_TOY for r in fast)


def test_stop_at_first_runs_in_a_fixed_order_and_says_so(toy):
    reg, base = toy
    full = {r.name: r for r in run_mutants(reg, baseline=base)}
    fast = {r.name: r for r in run_mutants(reg, baseline=base, stop_at_first=True)}
    # The order does not depend on measured times: reversed timings, same catchers.
    slow_first = {nid: -t for nid, t in base.seconds.items()}
    again = {
        r.name: r
        for r in run_mutants(reg, baseline=dataclasses.replace(base, seconds=slow_first), stop_at_first=True)
    }
    ids = list(base.results)
    for name, r in fast.items():
        assert r.caught == full[name].caught
        assert len(r.changes) == 1 and r.changes[0] in full[name].changes
        assert [c.node_id for c in again[name].changes] == [c.node_id for c in r.changes]
    r = fast["tensor-ignores-scale"]  # caught by two checks; the first in registry order runs first
    both = sorted((c.node_id for c in full["tensor-ignores-scale"].changes), key=ids.index)
    assert len(both) == 2
    assert (r.n_checks, r.complete) == (1, False)
    assert r.changes[0].node_id == both[0]
    assert "1+" in format_mutant_table([r]) and full["tensor-ignores-scale"].complete


@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: m.name)
def test_every_mutant_is_real_and_restored(toy, mutant):
    reg, base = toy
    # Every object any mutant replaces, as its module or class holds it.
    originals = {p.key: p.original() for m in CATALOGUE for p in m.patches}
    bindings = (att._softmax, att._kron, att._tensor_attention_one, caches._kron, caches.four_cache_flops)
    (report,) = run_mutants(reg, [mutant], baseline=base)
    assert report.available, report.description
    assert report.caught, f"mutant {mutant.name} breaks nothing in the toy registry: it is not a real bug"
    assert all(p.original() is originals[p.key] for m in CATALOGUE for p in m.patches)
    after = (att._softmax, att._kron, att._tensor_attention_one, caches._kron, caches.four_cache_flops)
    assert all(a is b for a, b in zip(bindings, after))
    # Inherited from the shared cache base: a patch shadows them and is removed again.
    assert not {"caches", "memory_bytes"} & set(FourCacheDecoder.__dict__)
    assert "caches" not in NaiveFourCacheDecoder.__dict__
    again = run_checks(reg)
    assert all(r.outcome == "pass" for _, r in again.values())
    assert report.to_dict()["changes"][0]["expect"] == "pass"


def test_patched_function_rebinds_every_import_and_restores_on_error():
    orig = att._kron
    with pytest.raises(RuntimeError, match="inside"):
        with patched_function(orig, lambda A, B: "mut") as n:
            assert att._kron is caches._kron is not orig
            assert n >= 2
            raise RuntimeError("inside")
    assert att._kron is orig and caches._kron is orig


def test_patched_attribute_restores_own_and_inherited_attributes():
    own = NaiveFourCacheDecoder.__dict__["query"]
    with patched_attribute(NaiveFourCacheDecoder, "query", lambda self, q: "mut"):
        assert NaiveFourCacheDecoder(2).query(None) == "mut"
    assert NaiveFourCacheDecoder.__dict__["query"] is own
    with patched_attribute(NaiveFourCacheDecoder, "caches", lambda self: "mut"):
        assert NaiveFourCacheDecoder(2).caches() == "mut"
    assert "caches" not in NaiveFourCacheDecoder.__dict__  # inherited again, not copied down


def test_escaping_and_unavailable_mutants_are_reported(toy):
    reg, _ = toy
    harmless = Mutant(
        "no-op", "changes nothing", (Patch("tensorkv_check.engine.exact_attention", "_kron", lambda f: f),)
    )
    absent = Mutant(
        "absent",
        "mutates missing code",
        (Patch("tensorkv_check.engine.jl", "no_such_function", lambda f: f),),
    )
    gone = Mutant("gone", "mutates a missing module", (Patch("tensorkv_check.nothing", "f", lambda f: f),))
    reports = run_mutants(reg, [harmless, absent, gone], restrict=False)
    assert [(r.name, r.available, r.caught) for r in reports] == [
        ("no-op", True, False),
        ("absent", False, False),
        ("gone", False, False),
    ]
    assert "unavailable: tensorkv_check.engine.jl.no_such_function does not exist" in reports[1].description
    assert "No module named 'tensorkv_check.nothing'" in reports[2].description
    assert not absent.available() and harmless.available()
    table = format_mutant_table(reports)
    assert "no-op" in table and "ESCAPED" in table and "n/a" in table
    assert "0/1 engine mutants caught by the claim checks; 2 unavailable" in table


def test_catch_requires_the_baseline_outcome():
    # A check already failing at baseline cannot "catch" a mutant.
    reg = Registry()
    c = reg.claim("toy:broken", paper_ref="x", sources=("inferred",), statement="x")

    @c.empirical("always-fails")
    def _(ctx):
        return CheckResult.fail("broken anyway")

    (report,) = run_mutants(reg, [CATALOGUE[0]], restrict=False)
    assert report.available and not report.caught and report.n_checks == 1


@pytest.mark.parametrize("module", ["mutants", "mutant_patching", "mutant_catalogue"])
def test_mutants_doctests(module):
    mod = importlib.import_module(f"tensorkv_check.claims.{module}")
    failed, attempted = doctest.testmod(mod)
    assert failed == 0 and (attempted > 0 or module == "mutant_catalogue")


# --------------------------------------------------------------------------- proof suite

#: Which proof-suite check should catch each mutant, shown when one escapes.
WANTED = {
    "softmax-no-shift": "def:softmax: softmax / standard attention on logits ~1e3 (overflow without the "
    "shift)",
    "tensor-value-order": "def:tensor-attention: tensor_attention vs an einsum reference on random, n >= 2 "
    "data",
    "two-cache-value-order": "def:two-cache: TwoCacheDecoder.query vs a reference after >= 2 appends",
    "four-cache-drops-newest": "def:four-cache: FourCacheDecoder.query vs a reference on all i tokens",
    "two-cache-drops-newest": "def:two-cache: TwoCacheDecoder vs a reference; n_rows == i²",
    "two-cache-forgets-cross-rows": "def:two-cache: n_rows == i² and memory_bytes == 2·i²·d·8",
    "tensor-ignores-scale": "def:tensor-attention: compare with the reference at the default scale 1/d, d "
    ">= 2",
    "kron-shifted": "def:kron: row (j,k) of kron(A, B) equals A_j ∘ B_k",
    "four-cache-flops-off": "rem:tradeoff: four_cache_flops vs an independent count (leading term 4n²d)",
    "four-cache-memory-off": "def:four-cache: memory_bytes == 4·i·d·8",
    "jl-scale-1/d": "lem:jl-gaussian: E‖Sx‖²/‖x‖² = 1 (rate of |‖Sx‖²-‖x‖²| <= ε‖x‖²)",
    "reduction-C-ln(r-1)": "thm:ho25-lb::engine-reduction-C: reduction_C = ln(4(r-1))/(1-2ε), tail bound 1/4",
    "keys-half-scale": "lem:near-orthogonal::engine-key-family: Rademacher entries exactly ±1/√d",
    "subgen-numerator-bias": "thm:subgen::engine-estimator-formula: N̂/τ̂ recomputed from SubGen's samples",
    "cp-wrong-confidence": "thm:ho25-lb::engine-clopper-pearson: intervals = scipy.stats.beta quantiles",
    "sketch-estimator-bias": "thm:index-lb::engine-sign-sketch: keys = ‖k‖√(π/2)/m Sᵀsign(Sk)",
    "quantizer-levels-off-by-one": "thm:index-lb::engine-quantizer: 2^b-point integer grid exact at b bits",
    "fano-in-nats": "thm:index-lb::engine-fano: fano_bound = (1 - h₂(p))·N in bits",
}


def test_every_mutant_has_a_wanted_check():
    assert set(WANTED) == {m.name for m in CATALOGUE}


@pytest.fixture(scope="module")
def suite():
    reg = load_all()
    checks = [ck for c in reg for ck in c.checks if not ck.slow]
    if not checks:
        pytest.skip("the proof suite has no fast checks yet (claim modules not written)")
    # Target claims' checks first, stop at the first catch: the question is whether
    # each mutant is caught, and this keeps the sweep to a few seconds.
    st = run_selftest(reg, CATALOGUE, seed=0)
    print("\n" + st.table())
    return reg, st.baseline, {r.name: r for r in st.reports}, st


def test_proof_suite_baseline_has_expected_outcomes(suite):
    _, base, _, st = suite
    wrong = {
        nid: f"{r.outcome} (expected {ck.expect}): {r.summary}"
        for nid, (ck, r) in base.results.items()
        if r.outcome != ck.expect
    }
    assert not wrong, f"unmutated engine: checks off their expected outcome: {wrong}"


@pytest.mark.parametrize("name", [m.name for m in CATALOGUE])
def test_proof_suite_catches_mutant(suite, name, record_property):
    _, _, reports, _ = suite
    r = reports[name]
    if not r.available:
        pytest.skip(r.description)
    record_property("caught_by", ", ".join(c.node_id for c in r.changes))
    assert r.caught, (
        f"mutant {name!r} ({r.description}) escaped all {r.n_checks} fast checks; wanted: {WANTED[name]}"
    )


def test_memory_mutant_miscounts_instead_of_crashing():
    # A mutant written against internals a refactor later changed raises instead of
    # miscounting; the checks then "catch" a crash, not the planted bug.
    (p,) = next(m for m in CATALOGUE if m.name == "four-cache-memory-off").patches
    dec = FourCacheDecoder(4)
    dec.append(*np.ones((4, 6, 4)))
    assert p.mutate(p.original()).fget(dec) == 3 * 6 * 4 * 8 != dec.memory_bytes


def test_selftest_names_the_catching_claim_and_the_kill_rate(suite):
    _, _, reports, st = suite
    table = st.table()
    for r in reports.values():
        row = next(line for line in table.splitlines() if line.startswith(r.name + " "))
        for c in r.changes[:3]:
            assert f"{c.claim_id} :: {c.check_name} ({c.outcome}" in row
    caught = sum(r.caught for r in st.reports)
    assert f"{caught}/{len(CATALOGUE)} engine mutants caught by the claim checks" in table
    d = st.to_dict()
    assert d["caught"] == caught and d["available"] == len(CATALOGUE) and d["ok"] == st.ok
    assert not st.off_baseline or not st.ok


def test_selftest_prefers_evidence_to_limits_checks(suite):
    # A mutant caught by a supports or engine check is reported by it, not by a
    # ``limits`` check that happens to be cheaper: limits checks never count as support.
    _, _, reports, _ = suite
    assert all(c.role != "limits" for r in reports.values() for c in r.changes)


def test_stop_at_first_runs_limits_checks_last():
    reg = Registry()
    c = reg.claim("toy:roles", paper_ref="x", sources=("inferred",), statement="x")

    def huge_logits(ctx):
        ok = _close(softmax([1e4, 1e4 - np.log(3.0)]), [0.75, 0.25])
        return CheckResult.ok("softmax") if ok else CheckResult.fail("softmax")

    c.empirical("boundary", role="limits")(huge_logits)
    c.empirical("statement", role="supports")(huge_logits)
    base = run_baseline(reg, [CATALOGUE[0]])
    base = dataclasses.replace(base, seconds={"toy:roles::boundary": 0.0, "toy:roles::statement": 1.0})
    (r,) = run_mutants(reg, [CATALOGUE[0]], baseline=base, stop_at_first=True)
    assert [(ch.check_name, ch.role) for ch in r.changes] == [("statement", "supports")]
    assert "toy:roles :: statement (fail)" in format_mutant_table([r])
