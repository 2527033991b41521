"""Planted bugs: deliberately broken engines that the proof suite must catch.

A checker that never fails proves nothing. Each :class:`Mutant` here breaks one piece
of the engine the way a plausible bug would, by monkeypatching inside a context
manager that restores the original on exit. :func:`run_mutants` runs a registry's
checks once unmutated (the baseline) and once under each mutant; a mutant is
*caught* when at least one check that has its expected outcome at the baseline
(``"pass"``, or ``"counterexample"`` for a recorded finding) ends with another outcome
(``fail``, ``counterexample`` or ``error``) under the mutant.

To keep the sweep fast, the baseline run is traced: every object a mutant replaces
is first wrapped in a behaviour-preserving spy that records which checks call it
(:func:`run_baseline`). Under a mutant only those checks are re-run; a check that
never calls the mutated code computes exactly what it computed at the baseline
(``run_mutants(..., restrict=False)`` re-runs everything, for a cross-check).

Patching is by identity: :func:`patched_function` replaces a function in every
loaded module of this project (``tensorkv_check``, ``proofs``, ``benchmarks``) that
binds it, so ``from tensorkv_check.engine.exact_attention import _kron`` in another module is
patched too; methods and properties are replaced on their class. A reference held in
a closure or default argument cannot be patched and would let a mutant escape.

The catalogue (:data:`CATALOGUE`):

``softmax-no-shift``
    ``_softmax`` computes ``exp(z) / Σ exp(z)`` without subtracting ``max z``
    (def:softmax); only large logits reveal it (overflow to inf/NaN). Affects
    standard attention, the naive tensor attention and the two-cache decoder; the
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
import functools
import importlib
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Mutant",
    "MutantReport",
    "CheckChange",
    "CATALOGUE",
    "patched_function",
    "patched_attribute",
    "Patch",
    "Baseline",
    "run_checks",
    "run_baseline",
    "run_mutants",
    "format_mutant_table",
    "SelfTest",
    "run_selftest",
]

#: Packages whose modules :func:`patched_function` rebinds.
PATCH_PREFIXES = ("tensorkv_check", "proofs", "benchmarks")


# --------------------------------------------------------------------------- patching


@contextmanager
def patched_function(
    original: Callable, replacement: Callable, prefixes: Iterable[str] = PATCH_PREFIXES
) -> Iterator[int]:
    """Rebind every module-level name bound to ``original`` to ``replacement``.

    Scans the loaded modules whose name starts with one of ``prefixes``; yields the
    number of bindings replaced and restores them all on exit.

    Examples
    --------
    >>> att = importlib.import_module("tensorkv_check.engine.exact_attention")  # the package re-exports
    >>> # a function named ``attention``, which hides the submodule from ``import ... as``
    >>> orig = att._kron
    >>> with patched_function(att._kron, lambda A, B: "mutated") as n:
    ...     att._kron(1, 2), n >= 2   # attention and caches both bind _kron
    ('mutated', True)
    >>> att._kron is orig
    True
    """
    prefixes = tuple(prefixes)
    saved: list[tuple[Any, str]] = []
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(prefixes):
            continue
        for attr, value in list(vars(mod).items()):
            if value is original:
                saved.append((mod, attr))
    try:
        for mod, attr in saved:
            setattr(mod, attr, replacement)
        yield len(saved)
    finally:
        for mod, attr in saved:
            setattr(mod, attr, original)


@contextmanager
def patched_attribute(cls: type, name: str, replacement: Any) -> Iterator[None]:
    """Set ``cls.name`` (a method or property) for the duration; restore on exit."""
    had_own = name in cls.__dict__
    old = cls.__dict__.get(name)
    setattr(cls, name, replacement)
    try:
        yield
    finally:
        if had_own:
            setattr(cls, name, old)
        else:
            delattr(cls, name)


# --------------------------------------------------------------------------- mutants


def _module(name: str):
    # ``tensorkv_check.engine.exact_attention`` is also the name of a function the package
    # re-exports, so the submodule is fetched by import, never by attribute.
    return importlib.import_module(name)


@dataclass(frozen=True)
class Patch:
    """One replaced object: ``module.name`` (a function) or ``module.Class.attr``.

    ``mutate(original)`` returns the replacement; for a class attribute ``original``
    is the raw class-dict entry (a function or a property).
    """

    module: str
    qualname: str
    mutate: Callable[[Any], Any]

    @property
    def key(self) -> str:
        return f"{self.module}.{self.qualname}"

    def original(self) -> Any:
        """The current object; raises ImportError if the module or name is missing."""
        mod = _module(self.module)
        owner_name, _, attr = self.qualname.rpartition(".")
        try:
            if owner_name:
                # The raw entry where the class finds it: its own dict or a base class's
                # (patched_attribute then shadows an inherited one and removes it after).
                cls = getattr(mod, owner_name)
                return next(vars(k)[attr] for k in cls.__mro__ if attr in vars(k))
            return getattr(mod, attr)
        except (AttributeError, StopIteration):
            raise ImportError(f"{self.key} does not exist") from None

    def enter(self, stack: ExitStack, replacement_of: Callable[[Any], Any]) -> None:
        """Install ``replacement_of(original)`` on ``stack`` (restored when it closes)."""
        orig = self.original()
        owner_name, _, attr = self.qualname.rpartition(".")
        if owner_name:
            cls = getattr(_module(self.module), owner_name)
            stack.enter_context(patched_attribute(cls, attr, replacement_of(orig)))
        else:
            stack.enter_context(patched_function(orig, replacement_of(orig)))


@dataclass(frozen=True)
class Mutant:
    """One planted bug.

    Attributes
    ----------
    name : str
    description : str
        What is broken and which paper item it violates.
    patches : tuple of Patch
    targets : tuple of str
        Claim ids that ought to catch it (documentation; not used to filter).
    """

    name: str
    description: str
    patches: tuple[Patch, ...]
    targets: tuple[str, ...] = ()

    @contextmanager
    def apply(self) -> Iterator[None]:
        """Context manager: the engine is mutated inside, restored after.

        Raises ImportError (before changing anything it cannot restore) when the code
        it mutates does not exist.
        """
        with ExitStack() as stack:
            for p in self.patches:
                p.enter(stack, p.mutate)
            yield

    def available(self) -> bool:
        try:
            for p in self.patches:
                p.original()
        except ImportError:
            return False
        return True


def _spy_into(original: Any, *, seen: set[str], current: list[str]) -> Any:
    """A spy on ``original`` recording into ``seen`` the check named by ``current[0]``."""
    return _spy(original, lambda: seen.add(current[0]))


def _spy(original: Any, hit: Callable[[], None]) -> Any:
    """A behaviour-preserving wrapper of a function or property that calls ``hit()``."""
    if isinstance(original, property):
        return property(_spy(original.fget, hit), original.fset, original.fdel, original.__doc__)

    @functools.wraps(original)
    def spy(*args, **kwargs):
        hit()
        return original(*args, **kwargs)

    return spy


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


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class CheckChange:
    """A check whose outcome under a mutant differs from its expected outcome.

    ``node_id`` is ``"claim-id::check-name"``; ``role`` the check's role
    (``supports``, ``limits`` or ``engine``).
    """

    node_id: str
    expect: str
    outcome: str
    summary: str
    role: str = "supports"

    @property
    def claim_id(self) -> str:
        return self.node_id.partition("::")[0]

    @property
    def check_name(self) -> str:
        return self.node_id.partition("::")[2]


@dataclass(frozen=True)
class MutantReport:
    """What the proof suite did under one mutant.

    Attributes
    ----------
    name, description : str
    available : bool
        False when the mutated code does not exist (nothing was run).
    caught : bool
        Some check at its expected outcome at baseline left it under the mutant.
    changes : tuple of CheckChange
        Those checks.
    n_checks : int
        Checks run under the mutant.
    seconds : float
    targets : tuple of str
    n_untouched : int
        Checks not re-run because they never call the mutated code (their outcome
        is the baseline's).
    complete : bool
        False when the run stopped at the first catching check (``stop_at_first``).
    """

    name: str
    description: str
    available: bool
    caught: bool
    changes: tuple[CheckChange, ...] = ()
    n_checks: int = 0
    seconds: float = 0.0
    targets: tuple[str, ...] = field(default_factory=tuple)
    n_untouched: int = 0
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "available": self.available,
            "caught": self.caught,
            "n_checks": self.n_checks,
            "n_untouched": self.n_untouched,
            "complete": self.complete,
            "seconds": self.seconds,
            "targets": list(self.targets),
            "changes": [vars(c) for c in self.changes],
        }


@dataclass(frozen=True)
class Baseline:
    """The unmutated run: results, and which checks touched which patched object.

    Attributes
    ----------
    results : dict
        ``{node_id: (check, CheckResult)}``.
    touched : dict or None
        ``{Patch.key: set of node_ids}`` recorded by spies (behaviour-preserving
        wrappers) during the run; None when the run was not traced.
    """

    results: dict[str, tuple[Any, Any]]
    touched: dict[str, set[str]] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def run_checks(
    registry,
    ids: Iterable[str] | None = None,
    *,
    ctx=None,
    include_slow: bool = False,
    only: set[str] | None = None,
    spy_on: Iterable[Patch] = (),
    touched: dict[str, set[str]] | None = None,
    seconds: dict[str, float] | None = None,
    cost: dict[str, float] | None = None,
    stop: Callable[[Any, Any], bool] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Run the selected checks quietly: ``{node_id: (check, CheckResult)}``.

    NumPy floating-point warnings and Python warnings are silenced: a mutant's
    overflow must show up as a check outcome, not as noise.

    Parameters
    ----------
    only : set of str, optional
        Run only these node ids.
    spy_on, touched
        Record in ``touched[patch.key]`` the node id of every check that calls a
        patch's object (through a behaviour-preserving spy).
    seconds : dict, optional
        Filled with each check's run time.
    cost : dict, optional
        Run the checks in increasing ``cost[node_id]`` (unknown last) instead of
        dependency order.
    stop : callable, optional
        ``stop(check, result)``; the run ends after the first check for which it is true.
    """
    if ctx is None:
        # The registry's own module supplies the default context: this module does not
        # import proofs (data flows from proofs to tensorkv_check, not back).
        ctx = sys.modules[type(registry).__module__].CheckContext()
    selected = [
        ck
        for cid in registry.select(ids)
        for ck in registry[cid].checks
        if (include_slow or not ck.slow) and (only is None or ck.node_id in only)
    ]
    if cost is not None:
        selected.sort(key=lambda ck: cost.get(ck.node_id, float("inf")))
    current = [""]
    out: dict[str, tuple[Any, Any]] = {}
    with ExitStack() as stack:
        for p in {p.key: p for p in spy_on}.values():
            seen = touched.setdefault(p.key, set()) if touched is not None else set()
            p.enter(stack, functools.partial(_spy_into, seen=seen, current=current))
        stack.enter_context(warnings.catch_warnings())
        stack.enter_context(np.errstate(all="ignore"))
        warnings.simplefilter("ignore")
        for ck in selected:
            current[0] = ck.node_id
            result, secs = ck.run(ctx)
            out[ck.node_id] = (ck, result)
            if seconds is not None:
                seconds[ck.node_id] = secs
            if stop is not None and stop(ck, result):
                break
    return out


def run_baseline(
    registry,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    ids: Iterable[str] | None = None,
    ctx=None,
    include_slow: bool = False,
    trace: bool = True,
) -> Baseline:
    """Run the checks unmutated, recording (``trace=True``) which touch each mutated object."""
    seconds: dict[str, float] = {}
    if not trace:
        return Baseline(
            run_checks(registry, ids, ctx=ctx, include_slow=include_slow, seconds=seconds), None, seconds
        )
    patches = [p for m in mutants if m.available() for p in m.patches]
    touched: dict[str, set[str]] = {p.key: set() for p in patches}
    results = run_checks(
        registry, ids, ctx=ctx, include_slow=include_slow, spy_on=patches, touched=touched, seconds=seconds
    )
    return Baseline(results, touched, seconds)


def run_mutants(
    registry,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    ids: Iterable[str] | None = None,
    ctx=None,
    include_slow: bool = False,
    baseline: Baseline | None = None,
    restrict: bool = True,
    stop_at_first: bool = False,
) -> list[MutantReport]:
    """Run the registry's checks under each mutant and report which are caught.

    Parameters
    ----------
    registry : tensorkv_check.claims.registry.Registry
    mutants : iterable of Mutant, default :data:`CATALOGUE`
    ids : iterable of str, optional
        Restrict to these claims and their dependencies (default: all).
    ctx : CheckContext, optional
    include_slow : bool
    baseline : Baseline, optional
        A previous :func:`run_baseline` of the same selection and mutants.
    restrict : bool, default True
        Re-run under a mutant only the checks that called the mutated object in the
        (traced) baseline; a check that never calls it cannot see the mutant, so its
        outcome is the baseline's. ``False`` re-runs every check under every mutant.
    stop_at_first : bool, default False
        Run a mutant's checks cheapest first (baseline times) and stop at the first
        that catches it; the report then has ``complete=False`` and one change.

    Returns
    -------
    list of MutantReport
    """
    mutants = list(mutants)
    ids = None if ids is None else list(ids)
    if baseline is None:
        baseline = run_baseline(
            registry, mutants, ids=ids, ctx=ctx, include_slow=include_slow, trace=restrict
        )
    sound = {nid for nid, (ck, res) in baseline.results.items() if res.outcome == ck.expect}
    # Cheapest first, but checks that count as evidence (supports, engine) before the
    # ``limits`` ones, which are shown and never counted as support.
    order = {
        nid: baseline.seconds.get(nid, float("inf")) + (1e9 if getattr(ck, "role", "") == "limits" else 0.0)
        for nid, (ck, _) in baseline.results.items()
    }
    reports = []
    for m in mutants:
        if not m.available():
            missing = "; ".join(str(e) for e in _missing(m))
            reports.append(
                MutantReport(
                    m.name, f"{m.description} (unavailable: {missing})", False, False, targets=m.targets
                )
            )
            continue
        only = None
        if restrict and baseline.touched is not None:
            only = set().union(*(baseline.touched.get(p.key, set()) for p in m.patches))

        def catches(ck, res) -> bool:
            return ck.node_id in sound and res.outcome != ck.expect

        start = time.perf_counter()
        with m.apply():
            mutated = run_checks(
                registry,
                ids,
                ctx=ctx,
                include_slow=include_slow,
                only=only,
                cost=order if stop_at_first else None,
                stop=catches if stop_at_first else None,
            )
        changes = tuple(
            CheckChange(nid, ck.expect, res.outcome, res.summary, getattr(ck, "role", "supports"))
            for nid, (ck, res) in mutated.items()
            if catches(ck, res)
        )
        n_scope = len(only) if only is not None else len(baseline.results)
        reports.append(
            MutantReport(
                m.name,
                m.description,
                True,
                bool(changes),
                changes,
                len(mutated),
                time.perf_counter() - start,
                m.targets,
                len(baseline.results) - n_scope,
                complete=len(mutated) == n_scope,
            )
        )
    return reports


def _missing(m: Mutant) -> list[ImportError]:
    errs = []
    for p in m.patches:
        try:
            p.original()
        except ImportError as exc:
            errs.append(exc)
    return errs


def format_mutant_table(reports: Iterable[MutantReport]) -> str:
    """A plain-text table, one row per mutant: caught, checks that caught it ("1+": the run
    stopped at the first), checks re-run, seconds, and the claim and check that caught it
    (``claim-id :: check-name (outcome)``, the role when it is ``limits``); the last line
    is the kill rate."""
    reports = list(reports)
    lines = [f"{'mutant':<30} {'caught':<8} {'by':>4} {'run':>4}  {'seconds':>7}  caught by (claim :: check)"]
    for r in reports:
        state = "n/a" if not r.available else ("yes" if r.caught else "ESCAPED")
        first = ", ".join(
            f"{c.claim_id} :: {c.check_name} ({c.outcome}{', limits' if c.role == 'limits' else ''})"
            for c in r.changes[:3]
        )
        if len(r.changes) > 3:
            first += f", +{len(r.changes) - 3} more"
        by = f"{len(r.changes)}{'' if r.complete else '+'}"
        lines.append(f"{r.name:<30} {state:<8} {by:>4} {r.n_checks:>4}  {r.seconds:>7.2f}  {first}")
    avail = [r for r in reports if r.available]
    lines.append(
        f"{sum(r.caught for r in avail)}/{len(avail)} engine mutants caught by the claim checks"
        + (f"; {len(reports) - len(avail)} unavailable" if len(avail) < len(reports) else "")
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class SelfTest:
    """One run of the planted-bug self-test (:func:`run_selftest`).

    Attributes
    ----------
    reports : tuple of MutantReport
        One per mutant, in catalogue order.
    baseline : Baseline
        The unmutated run.
    off_baseline : dict
        ``{node_id: "outcome (expected ...): summary"}`` for checks that are not at their
        expected outcome unmutated (they cannot catch anything; the self-test is not
        trustworthy while any is listed).
    seconds : float
        Wall time of the whole run.
    """

    reports: tuple[MutantReport, ...]
    baseline: Baseline
    off_baseline: dict[str, str]
    seconds: float

    @property
    def escaped(self) -> list[str]:
        """Names of the available mutants no check caught."""
        return [r.name for r in self.reports if r.available and not r.caught]

    @property
    def ok(self) -> bool:
        """Every available mutant caught and every check at its expected outcome unmutated."""
        return not self.escaped and not self.off_baseline

    def table(self) -> str:
        """:func:`format_mutant_table` of the reports, with the baseline's state and the time."""
        out = format_mutant_table(self.reports)
        n = len(self.baseline.results)
        if self.off_baseline:
            out += (
                f"\n{len(self.off_baseline)}/{n} checks off their expected outcome unmutated: "
                + ", ".join(sorted(self.off_baseline))
            )
        return out + f"\n{n} checks at baseline; {self.seconds:.1f} s"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "caught": sum(r.caught for r in self.reports),
            "available": sum(r.available for r in self.reports),
            "escaped": self.escaped,
            "off_baseline": dict(self.off_baseline),
            "seconds": self.seconds,
            "mutants": [r.to_dict() for r in self.reports],
        }


def run_selftest(
    registry=None,
    mutants: Iterable[Mutant] = CATALOGUE,
    *,
    seed: int = 0,
    profile: str = "quick",
    ids: Iterable[str] | None = None,
    include_slow: bool = False,
    stop_at_first: bool = True,
) -> SelfTest:
    """The planted-bug self-test: the claim checks alone, unmutated and under each mutant.

    Runs the (fast, unless ``include_slow``) checks of ``registry`` (default: every claim
    package, :func:`tensorkv_check.claims.registry.load_all`) once unmutated, traced, and
    then under each mutant the checks that call the mutated code, cheapest evidence first,
    stopping at the first that catches it (``stop_at_first=False`` runs them all).

    Examples
    --------
    >>> st = run_selftest(seed=0)  # doctest: +SKIP
    >>> print(st.table())  # doctest: +SKIP
    >>> st.ok  # doctest: +SKIP
    True
    """
    start = time.perf_counter()
    if registry is None:
        from tensorkv_check.claims.registry import load_all

        registry = load_all()
    ctx = sys.modules[type(registry).__module__].CheckContext(seed=seed, profile=profile)
    mutants = list(mutants)
    ids = None if ids is None else list(ids)
    base = run_baseline(registry, mutants, ids=ids, ctx=ctx, include_slow=include_slow)
    off = {
        nid: f"{res.outcome} (expected {ck.expect}): {res.summary}"
        for nid, (ck, res) in base.results.items()
        if res.outcome != ck.expect
    }
    reports = run_mutants(
        registry,
        mutants,
        ids=ids,
        ctx=ctx,
        include_slow=include_slow,
        baseline=base,
        stop_at_first=stop_at_first,
    )
    return SelfTest(tuple(reports), base, off, time.perf_counter() - start)
