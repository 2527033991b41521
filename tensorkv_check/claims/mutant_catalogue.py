"""The planted engine bugs of the self-test (:data:`CATALOGUE`).

A checker that never fails proves nothing. Each :class:`~tensorkv_check.claims.mutant_patching.Mutant`
here breaks one piece of the engine the way a plausible bug would (patched by identity,
restored on exit); :func:`tensorkv_check.claims.mutants.run_selftest` runs the claim checks
under each and reports which claim caught it.

``softmax-no-shift``
    ``_softmax`` computes ``exp(z) / Σ exp(z)`` without subtracting ``max z``
    (def:softmax); only large logits reveal it (overflow to inf/NaN). Affects
    standard attention (one query or a batch, also through ``StandardDecoder``), the
    naive tensor attention and the two-cache decoder; the
    streaming decode identity has its own running maximum and is unaffected.
``tensor-value-order``
    the decode step of def:tensor-attention pairs the key of pair ``(j, k)`` with the
    value of pair ``(j, n2+1-k)`` (V2's rows reversed relative to K2's): values ordered
    differently from keys in ⊘. Affects ``tensor_attention`` and the four-cache decoder.
``two-cache-value-order``
    :meth:`TwoCacheDecoder.append` appends the new value rows as ``(j, new)`` then
    ``(new, k)`` while the key rows are ``(new, k)`` then ``(j, new)`` (def:two-cache).
``four-cache-drops-newest``
    :meth:`FourCacheDecoder.caches` omits the newest token (also in the naive
    four-cache decoder, which inherits it).
``two-cache-drops-newest``
    :meth:`TwoCacheDecoder.products` omits the ``2i-1`` rows of the newest token.
``two-cache-forgets-cross-rows``
    :meth:`TwoCacheDecoder.append` keeps the ``(new, k)`` rows but forgets the ``i``
    rows ``(j, new)``, ``j < new``: ``i(i+1)/2`` rows instead of ``i²``.
``tensor-ignores-scale``
    the decode step uses scale 1 instead of the given scale (default ``1/d``).
``kron-shifted``
    ``_kron`` pairs ``A_j`` with ``B_{k+1 mod n2}``: rows are still products of one row
    of each factor, keys and values shift alike, so attention outputs do not change;
    only a check of def:kron's row identity sees it.
``four-cache-flops-off``
    :func:`four_cache_flops` counts ``2n²d`` for the two products instead of ``4n²d``.
``four-cache-memory-off``
    :attr:`FourCacheDecoder.memory_bytes` counts three caches (forgets V2).
``jl-scale-1/d``
    :func:`tensorkv_check.engine.jl.gaussian_jl` draws entries ``N(0, 1/d)`` instead of
    ``N(0, 1/k)`` (lem:jl-gaussian).
``reduction-C-ln(r-1)``
    :func:`tensorkv_check.index.bounds.reduction_C` drops the 4 in ``ln(4(r − 1))``:
    ``C = ln(r − 1)/(1 − 2ε)``, so the off-key softmax mass may reach 1 instead of 1/4
    (thm:ho25-lb; ``C = 0`` for two keys). ``IndexResult.guaranteed`` recomputes the
    same function, so only a check of the formula itself sees it.
``keys-half-scale``
    :func:`tensorkv_check.engine.jl.near_orthogonal_keys` returns Rademacher keys
    ``±1/(2√d)`` instead of ``±1/√d``: norms 1/2, not 1 (lem:near-orthogonal; the key
    family of every Index reduction).
``subgen-numerator-bias``
    :class:`tensorkv_check.subgen.standard.SubGen` weighs its ℓ2-sampled value rows by
    ``1.25×`` the importance weight ``‖V‖²_F/(s‖v‖²)``: the numerator estimate ``N̂``
    is biased by +25% (thm:subgen).
``cp-wrong-confidence``
    :func:`tensorkv_check.engine.stats.clopper_pearson` computes the interval at 50%
    confidence whatever it is asked, and reports the asked confidence: every interval
    is too narrow (the statistical verdicts of all claims).
``sketch-estimator-bias``
    :class:`tensorkv_check.frontier.sketch.SignSketch` reconstructs keys with
    ``√(2/π)`` where QJL's unbiased estimator has ``√(π/2)``: inner products shrink by
    ``2/π``.
``quantizer-levels-off-by-one``
    :func:`tensorkv_check.frontier.bitpack.quantize_rows` divides the row range into
    ``2^b − 2`` steps instead of ``2^b − 1``: codes use one level less than ``b`` bits
    hold and the error bound ``step/2`` grows (no step at all at ``b = 1``).
``fano-in-nats``
    :func:`tensorkv_check.index.bounds.fano_bound` uses the binary entropy in nats
    (``ln``) instead of bits: ``(1 − h_e(p))·N`` overstates the message bits Fano
    requires (thm:index-lb).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from tensorkv_check.claims.mutant_patching import Mutant, Patch

__all__ = ["CATALOGUE"]


def _softmax_no_shift(orig):
    def softmax_no_shift(z, axis=-1):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)

    return softmax_no_shift


def _tensor_value_order(orig):
    def misordered(q, K1, K2, V1, V2, scale, block_bytes):
        return orig(q, K1, K2, V1, np.ascontiguousarray(V2[::-1]), scale, block_bytes)

    return misordered


def _tensor_ignores_scale(orig):
    def unscaled(q, K1, K2, V1, V2, scale, block_bytes):
        return orig(q, K1, K2, V1, V2, 1.0, block_bytes)

    return unscaled


def _kron_shifted(orig):
    def shifted(A, B):
        return orig(A, np.roll(B, -1, axis=0))

    return shifted


def _two_cache_value_order(orig):
    def append(self, k1, k2, v1, v2):
        orig(self, k1, k2, v1, v2)
        i = self.n_tokens - 1  # tokens before this one; new rows: (new,k) x (i+1), then (j,new) x i
        tail = self._vt.view[-(2 * i + 1) :]
        tail[:] = np.concatenate([tail[i + 1 :], tail[: i + 1]])

    return append


def _two_cache_forgets_cross_rows(orig):
    def append(self, k1, k2, v1, v2):
        orig(self, k1, k2, v1, v2)
        i = self.n_tokens - 1
        self._kt._size -= i  # drop the trailing (j, new) rows, j < new
        self._vt._size -= i

    return append


def _four_cache_drops_newest(orig):
    def caches(self):
        return tuple(a[:-1] for a in orig(self))

    return caches


def _two_cache_drops_newest(orig):
    def products(self):
        Kt, Vt = orig(self)
        drop = 2 * self.n_tokens - 1 if self.n_tokens else 1
        return Kt[:-drop], Vt[:-drop]

    return products


def _four_cache_flops_off(orig):
    def four_cache_flops(n, d):
        return 2 * n * n * d + 5 * n * n + 3 * n * d + 2 * d

    return four_cache_flops


def _four_cache_memory_off(orig):
    def memory_bytes(self):
        if self._bufs.empty:
            return 0
        return sum(v.nbytes for name, v in zip(self._bufs.names, self._bufs.views()) if name != "v2")

    return property(memory_bytes)


def _jl_scale_1_over_d(orig):
    def gaussian_jl(k, d, rng, *args, **kwargs):
        return orig(k, d, rng, *args, **kwargs) * np.sqrt(k / d)

    return gaussian_jl


def _reduction_C_without_4(orig):
    def reduction_C(rows, eps):
        orig(rows, eps)  # the original's argument checks
        return math.log(rows - 1) / (1.0 - 2.0 * eps)

    return reduction_C


def _keys_half_scale(orig):
    def near_orthogonal_keys(n, d, rng, kind="rademacher"):
        K = orig(n, d, rng, kind)
        return 0.5 * K if kind == "rademacher" else K

    return near_orthogonal_keys


def _subgen_numerator_bias(orig):
    def _prepared(self):
        X, w, Ks, Vs, coef = orig(self)
        return X, w, Ks, Vs, 1.25 * coef

    return _prepared


def _cp_wrong_confidence(orig):
    def clopper_pearson(successes, trials, confidence=0.99, **kwargs):
        asked = orig(successes, trials, confidence, **kwargs)  # the original's argument checks
        return dataclasses.replace(orig(successes, trials, 0.5, **kwargs), confidence=asked.confidence)

    return clopper_pearson


def _sketch_estimator_bias(orig):
    def _reconstruct(self):
        out = orig(self)
        return [a * (2.0 / math.pi) if i in self._signs else a for i, a in enumerate(out)]

    return _reconstruct


def _quantizer_levels_off(orig):
    def quantize_rows(X, bits):
        X = np.asarray(X, dtype=np.float64)
        levels = (1 << bits) - 2  # off by one: 2^b - 1 steps fit in b bits
        lo = X.min(axis=1).astype(np.float32)
        step = ((X.max(axis=1) - lo.astype(np.float64)) / levels).astype(np.float32)
        st = step.astype(np.float64)
        safe = np.where(st > 0, st, 1.0)
        codes = np.rint((X - lo.astype(np.float64)[:, None]) / safe[:, None])
        codes = np.clip(np.nan_to_num(codes), 0, max(levels, 0)).astype(np.uint32)
        codes[st == 0] = 0
        return codes, lo, step

    return quantize_rows


def _fano_in_nats(orig):
    def fano_bound(p, N):
        orig(p, N)  # the original's argument checks
        q = max(float(p), 0.5)
        h = 0.0 if q == 1 else -(q * math.log(q) + (1 - q) * math.log(1 - q))
        return (1.0 - h) * N

    return fano_bound


_ATT, _CACHES = "tensorkv_check.engine.exact_attention", "tensorkv_check.engine.caches"

#: The planted bugs, in the order the report lists them.
CATALOGUE: tuple[Mutant, ...] = (
    Mutant(
        "softmax-no-shift",
        "softmax without the max shift: exp(z)/Σexp(z) overflows for large logits",
        (Patch(_ATT, "_softmax", _softmax_no_shift),),
        ("def:softmax",),
    ),
    Mutant(
        "tensor-value-order",
        "decode identity pairs key (j,k) with value (j,n+1-k): values ordered differently from keys",
        (Patch(_ATT, "_tensor_attention_one", _tensor_value_order),),
        ("def:tensor-attention", "def:four-cache"),
    ),
    Mutant(
        "two-cache-value-order",
        "two-cache append orders the new value rows differently from the key rows",
        (Patch(_CACHES, "TwoCacheDecoder.append", _two_cache_value_order),),
        ("def:two-cache",),
    ),
    Mutant(
        "four-cache-drops-newest",
        "four-cache decoder answers from all tokens but the newest",
        (Patch(_CACHES, "FourCacheDecoder.caches", _four_cache_drops_newest),),
        ("def:four-cache",),
    ),
    Mutant(
        "two-cache-drops-newest",
        "two-cache decoder answers from all rows but the newest token's",
        (Patch(_CACHES, "TwoCacheDecoder.products", _two_cache_drops_newest),),
        ("def:two-cache",),
    ),
    Mutant(
        "two-cache-forgets-cross-rows",
        "two-cache append forgets the (j,new) rows, j < new",
        (Patch(_CACHES, "TwoCacheDecoder.append", _two_cache_forgets_cross_rows),),
        ("def:two-cache",),
    ),
    Mutant(
        "tensor-ignores-scale",
        "decode step ignores the logit scale (uses 1)",
        (Patch(_ATT, "_tensor_attention_one", _tensor_ignores_scale),),
        ("def:tensor-attention",),
    ),
    Mutant(
        "kron-shifted",
        "⊘ pairs A_j with B_{k+1 mod n2}",
        (Patch(_ATT, "_kron", _kron_shifted),),
        ("def:kron",),
    ),
    Mutant(
        "four-cache-flops-off",
        "four-cache flop count has 2n²d instead of 4n²d for the two products",
        (Patch(_CACHES, "four_cache_flops", _four_cache_flops_off),),
        ("rem:tradeoff",),
    ),
    Mutant(
        "four-cache-memory-off",
        "four-cache memory_bytes forgets the V2 cache",
        (Patch(_CACHES, "FourCacheDecoder.memory_bytes", _four_cache_memory_off),),
        ("def:four-cache",),
    ),
    Mutant(
        "jl-scale-1/d",
        "Gaussian JL matrix with N(0, 1/d) entries instead of N(0, 1/k)",
        (Patch("tensorkv_check.engine.jl", "gaussian_jl", _jl_scale_1_over_d),),
        ("lem:jl-gaussian", "lem:jl-projection"),
    ),
    Mutant(
        "reduction-C-ln(r-1)",
        "the reduction's query scale C = ln(r-1)/(1-2ε) instead of ln(4(r-1))/(1-2ε)",
        (Patch("tensorkv_check.index.bounds", "reduction_C", _reduction_C_without_4),),
        ("thm:ho25-lb", "thm:four-cache-lb", "thm:two-cache-lb"),
    ),
    Mutant(
        "keys-half-scale",
        "near-orthogonal Rademacher keys ±1/(2√d) instead of ±1/√d (norm 1/2)",
        (Patch("tensorkv_check.engine.jl", "near_orthogonal_keys", _keys_half_scale),),
        ("lem:near-orthogonal", "thm:ho25-lb"),
    ),
    Mutant(
        "subgen-numerator-bias",
        "SubGen's numerator estimate weighs each sampled value row 1.25x too much",
        (Patch("tensorkv_check.subgen.standard", "SubGen._prepared", _subgen_numerator_bias),),
        ("thm:subgen",),
    ),
    Mutant(
        "cp-wrong-confidence",
        "Clopper–Pearson intervals computed at 50% confidence, reported at the asked one",
        (Patch("tensorkv_check.engine.stats", "clopper_pearson", _cp_wrong_confidence),),
        ("thm:ho25-lb",),
    ),
    Mutant(
        "sketch-estimator-bias",
        "SignSketch reconstructs keys with √(2/π) instead of √(π/2): inner products x 2/π",
        (Patch("tensorkv_check.frontier.sketch", "SignSketch._reconstruct", _sketch_estimator_bias),),
        ("thm:index-lb",),
    ),
    Mutant(
        "quantizer-levels-off-by-one",
        "uniform quantizer with 2^b - 2 steps instead of 2^b - 1",
        (Patch("tensorkv_check.frontier.bitpack", "quantize_rows", _quantizer_levels_off),),
        ("thm:index-lb",),
    ),
    Mutant(
        "fano-in-nats",
        "Fano's bound (1 - h(p))·N with the entropy in nats instead of bits",
        (Patch("tensorkv_check.index.bounds", "fano_bound", _fano_in_nats),),
        ("thm:index-lb",),
    ),
)
