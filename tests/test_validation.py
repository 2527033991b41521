"""Tests of input validation (:mod:`tensorkv_check._util.validation` and its callers).

Every public entry point (``kron``, ``softmax``, ``attention``, ``tensor_attention``,
``naive_tensor_attention``, the three decoders' constructors, ``append``,
``append_rows`` and ``query``) must reject bad input at the boundary with an error that
names the offending parameter:

* wrong number of dimensions, empty arrays, NaN/inf anywhere -> ``ValueError``;
* non-numeric dtypes (strings, object, complex) -> ``TypeError``;
* mismatched head dimension ``d`` or row counts between arguments -> ``ValueError``;
* ``scale`` negative, zero, NaN or infinite -> ``ValueError``; bool or non-real ->
  ``TypeError``; ``block_bytes`` not a positive integer -> an error naming it;
* querying an empty cache -> ``ValueError``;
* finite inputs whose products overflow float64 (entries ~1e200) -> ``ValueError``
  rather than an inf/NaN result (the engine's numerical code assumes finite float64).

Paper items: the inputs of def:kron, def:softmax, def:tensor-attention,
def:four-cache and def:two-cache (arXiv 2503.11108). Engine gaps found by these tests were
fixed; a gap still open is marked ``xfail(strict=True)`` with its reason, so fixing it turns the test into a
failure that asks for the mark to be removed.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

from tensorkv_check import (
    FourCacheDecoder,
    NaiveFourCacheDecoder,
    TwoCacheDecoder,
    attention,
    kron,
    naive_tensor_attention,
    softmax,
    tensor_attention,
)

D, N = 3, 4
DECODERS = [FourCacheDecoder, TwoCacheDecoder, NaiveFourCacheDecoder]

#: Valid argument shapes per function; the first array fixes d (so a width mismatch in
#: it is reported against the next argument, see test_first_argument_width_mismatch).
FUNCTIONS = {
    "kron": (kron, {"A": (N, D), "B": (N + 1, D)}),
    "softmax": (softmax, {"z": (N,)}),
    "attention": (attention, {"K": (N, D), "q": (D,), "V": (N, D)}),
    "tensor_attention": (
        tensor_attention,
        {"K1": (N, D), "Q": (D,), "K2": (N + 1, D), "V1": (N, D), "V2": (N + 1, D)},
    ),
    "naive_tensor_attention": (
        naive_tensor_attention,
        {"K1": (N, D), "Q": (D,), "K2": (N + 1, D), "V1": (N, D), "V2": (N + 1, D)},
    ),
}
ARRAY_PARAMS = [(f, p) for f, (_, shapes) in FUNCTIONS.items() for p in shapes]
SCALED = ["attention", "tensor_attention", "naive_tensor_attention"]


def _valid(fname: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {p: rng.standard_normal(s) for p, s in FUNCTIONS[fname][1].items()}


def _call(fname: str, **overrides):
    func = FUNCTIONS[fname][0]
    return func(**{**_valid(fname), **overrides})


def _with(a: np.ndarray, value: float) -> np.ndarray:
    a = a.copy()
    a.flat[a.size // 2] = value
    return a


def _bad_values(a: np.ndarray, allow_3d: bool = False):
    """(label, bad value, exception, message tail) for a valid array ``a``.

    The wrong-ndim case is 3-D, or 0-D for ``softmax`` (which accepts 1-D to 32-D).
    """
    wrong_ndim = np.float64(1.0) if allow_3d else a.reshape((1,) * (3 - a.ndim) + a.shape)
    cases = [
        ("nan", _with(a, np.nan), ValueError, "must be finite"),
        ("inf", _with(a, np.inf), ValueError, "must be finite"),
        ("-inf", _with(a, -np.inf), ValueError, "must be finite"),
        ("wrong-ndim", wrong_ndim, ValueError, "must be"),
        ("empty-rows", np.empty((0,) + a.shape[1:]), ValueError, "must not be empty"),
        ("strings", a.astype(str), TypeError, "must be a real numeric array"),
        ("object", a.astype(object), TypeError, "must be a real numeric array"),
        ("complex", a.astype(complex), TypeError, "must be real"),
        ("bytes", np.full(a.shape, b"x"), TypeError, "must be a real numeric array"),
    ]
    if a.ndim == 2:
        cases.append(("empty-width", np.empty((a.shape[0], 0)), ValueError, "must not be empty"))
    return cases


def _names(param: str, tail: str) -> str:
    # The message must start with the parameter's name, so it names the culprit.
    return rf"^{re.escape(param)} {re.escape(tail)}"


# ------------------------------------------------------------ functional API


@pytest.mark.parametrize("fname,param", ARRAY_PARAMS)
def test_bad_arrays_are_rejected_naming_the_parameter(fname, param):
    good = _valid(fname)[param]
    for _label, bad, exc, tail in _bad_values(good, allow_3d=fname == "softmax"):
        with pytest.raises(exc, match=_names(param, tail)):
            _call(fname, **{param: bad})


@pytest.mark.parametrize("fname", [f for f in FUNCTIONS if f != "softmax"])
def test_width_mismatch_names_the_parameter(fname):
    shapes = FUNCTIONS[fname][1]
    rng = np.random.default_rng(1)
    for param in list(shapes)[1:]:
        shape = shapes[param][:-1] + (D + 1,)
        with pytest.raises(ValueError, match=rf"^{param} has width {D + 1} but the head dimension d is {D}"):
            _call(fname, **{param: rng.standard_normal(shape)})


@pytest.mark.parametrize("fname", [f for f in FUNCTIONS if f != "softmax"])
def test_first_argument_width_mismatch(fname):
    # d is taken from the first array, so a wrong first array is reported against the
    # next one; the message still names a parameter and says what must agree.
    first, second = list(FUNCTIONS[fname][1])[:2]
    shape = FUNCTIONS[fname][1][first][:-1] + (D + 1,)
    with pytest.raises(ValueError, match=rf"^{second} has width {D} .*all arguments must share d"):
        _call(fname, **{first: np.ones(shape)})


@pytest.mark.parametrize(
    "fname,param,pattern",
    [
        ("attention", "V", r"K and V must have the same number of rows"),
        ("tensor_attention", "V1", r"K1 and V1 must have the same number of rows"),
        ("tensor_attention", "V2", r"K2 and V2 must have the same number of rows"),
        ("naive_tensor_attention", "V1", r"\bV1\b"),
    ],
)
def test_row_count_mismatch_names_the_parameters(fname, param, pattern):
    shape = FUNCTIONS[fname][1][param]
    with pytest.raises(ValueError, match=pattern):
        _call(fname, **{param: np.ones((shape[0] + 1, D))})


def test_non_float_numeric_input_is_accepted():
    # The boundary converts real numeric arrays (ints, bools, float32) to float64.
    K = np.array([[1, 0], [0, 1]])
    V = np.array([[1, 2], [3, 4]], dtype=np.int32)
    expected = attention(np.array([1.0, 0.0]), K.astype(float), V.astype(float))
    np.testing.assert_array_equal(attention(np.array([1, 0]), K, V), expected)
    np.testing.assert_allclose(attention(np.array([1, 0], dtype=np.float32), K, V), expected)
    np.testing.assert_array_equal(softmax([True, False]), softmax([1.0, 0.0]))


BAD_SCALES_VALUE = [-1.0, -1, 0, 0.0, -0.0, np.nan, np.inf, -np.inf, -1e-300]
BAD_SCALES_TYPE = [True, False, np.bool_(True), "1.0", 1j, [1.0], object()]


@pytest.mark.parametrize("fname", SCALED)
@pytest.mark.parametrize("scale", BAD_SCALES_VALUE, ids=repr)
def test_bad_scale_value(fname, scale):
    with pytest.raises(ValueError, match=r"^scale must be finite and > 0"):
        _call(fname, scale=scale)


@pytest.mark.parametrize("fname", SCALED)
@pytest.mark.parametrize("scale", BAD_SCALES_TYPE, ids=repr)
def test_bad_scale_type(fname, scale):
    with pytest.raises(TypeError, match=r"^scale must be a real number or None"):
        _call(fname, scale=scale)


@pytest.mark.parametrize("block_bytes", [0, -1, 1.5, "x", None])
def test_bad_block_bytes(block_bytes):
    with pytest.raises((ValueError, TypeError), match=r"^block_bytes"):
        _call("tensor_attention", block_bytes=block_bytes)


# ----------------------------------------------------------------- decoders


def _token(rng=None):
    rng = rng or np.random.default_rng(2)
    return dict(zip(("k1", "k2", "v1", "v2"), rng.standard_normal((4, D))))


@pytest.mark.parametrize("cls", DECODERS)
def test_decoder_constructor_rejects_bad_d_and_scale(cls):
    for d in (0, -2):
        with pytest.raises(ValueError, match=r"^d must be >= 1, got "):
            cls(d)
    for d in (2.5, True, "3"):
        with pytest.raises(TypeError, match=r"^d must be an integer"):
            cls(d)
    with pytest.raises(ValueError, match=r"^d must be >= 1, got "):
        cls(0)
    for scale in BAD_SCALES_VALUE:
        with pytest.raises(ValueError, match=r"^scale"):
            cls(D, scale)
    for scale in BAD_SCALES_TYPE:
        with pytest.raises(TypeError, match=r"^scale"):
            cls(D, scale)


@pytest.mark.parametrize("block_bytes", [0, "x"])
def test_four_cache_decoder_rejects_bad_block_bytes(block_bytes):
    with pytest.raises((ValueError, TypeError), match=r"block_bytes"):
        FourCacheDecoder(D, block_bytes=block_bytes)


@pytest.mark.parametrize("cls", DECODERS)
@pytest.mark.parametrize("param", ["k1", "k2", "v1", "v2"])
def test_decoder_append_rejects_bad_token_and_stays_unchanged(cls, param):
    rng = np.random.default_rng(3)
    dec = cls(D)
    dec.append(**_token(rng))
    q = rng.standard_normal(D)
    before = (dec.n_tokens, dec.memory_bytes, dec.query(q).copy())
    good = _token(rng)
    cases = _bad_values(good[param])
    cases.append(("width", rng.standard_normal(D + 1), ValueError, "has width"))
    for label, bad, exc, tail in cases:
        with pytest.raises(exc, match=_names(param, tail)):
            dec.append(**{**good, param: bad})
        # A refused append must not leave a half-written token behind.
        assert (dec.n_tokens, dec.memory_bytes) == before[:2], label
        np.testing.assert_array_equal(dec.query(q), before[2])


@pytest.mark.parametrize("cls", [FourCacheDecoder, NaiveFourCacheDecoder])
def test_four_cache_block_token_count_mismatch(cls):
    dec = cls(D)
    t = _token()
    with pytest.raises(ValueError, match=r"^k2 has 2 tokens but k1 has 1"):
        dec.append(t["k1"], np.ones((2, D)), t["v1"], t["v2"])
    assert dec.n_tokens == 0


@pytest.mark.parametrize("param", ["k1", "k2", "v1", "v2"])
def test_two_cache_append_takes_one_token(param):
    dec = TwoCacheDecoder(D)
    with pytest.raises(ValueError, match=rf"^{param} must be a single token"):
        dec.append(**{**_token(), param: np.ones((2, D))})
    assert dec.n_rows == 0 and dec.n_tokens == 0


@pytest.mark.parametrize("param", ["kt_rows", "vt_rows"])
def test_two_cache_append_rows_rejects_bad_rows(param):
    rng = np.random.default_rng(4)
    dec = TwoCacheDecoder(D)
    good = {"kt_rows": rng.standard_normal((2, D)), "vt_rows": rng.standard_normal((2, D))}
    for _label, bad, exc, tail in _bad_values(good[param]):
        with pytest.raises(exc, match=_names(param, tail)):
            dec.append_rows(**{**good, param: bad})
    with pytest.raises(ValueError, match=rf"^{param} has width"):
        dec.append_rows(**{**good, param: np.ones((2, D + 1))})
    with pytest.raises(ValueError, match=r"^kt_rows has 2 rows but vt_rows has 3"):
        dec.append_rows(good["kt_rows"], np.ones((3, D)))
    assert dec.n_rows == 0


@pytest.mark.parametrize("cls", DECODERS)
@pytest.mark.parametrize("d", [None, D])
def test_query_on_empty_cache(cls, d):
    dec = cls(d)
    with pytest.raises(ValueError, match="empty cache"):
        dec.query(np.ones(D))
    with pytest.raises(ValueError, match="empty"):
        dec.products() if cls is TwoCacheDecoder else dec.caches()
    assert dec.total_flops == 0


@pytest.mark.parametrize("cls", DECODERS)
def test_query_rejects_bad_q(cls):
    dec = cls(D)
    dec.append(**_token())
    good = np.ones(D)
    for _label, bad, exc, tail in _bad_values(good):
        with pytest.raises(exc, match=_names("q", tail)):
            dec.query(bad)
    with pytest.raises(ValueError, match=r"^q must be 1-D or 2-D"):
        dec.query(np.ones((1, 1, D)))
    with pytest.raises(ValueError, match=rf"^q has width {D + 1}"):
        dec.query(np.ones(D + 1))
    assert dec.total_flops == 0  # refused queries are not accounted


# ----------------------------------------------------------------- overflow

BIG = 1e200  # finite, but a product of two such entries exceeds float64's 1.8e308


def _overflow_guard():
    # The contract is the ValueError; numpy may or may not warn on the way there.
    return np.errstate(over="ignore", invalid="ignore")


@pytest.mark.parametrize(
    "case",
    [
        "attention",
        "tensor_attention",
        "tensor_attention_k2",
        "naive_tensor_attention",
        *[c.__name__ for c in DECODERS],
    ],
)
def test_overflowing_logits_raise(case):
    big, one = np.full((2, D), BIG), np.ones((2, D))
    q = np.full(D, BIG)
    with _overflow_guard(), pytest.raises(ValueError, match="overflow"):
        if case == "attention":
            attention(q, big, one)
        elif case == "tensor_attention":
            tensor_attention(q, big, one, one, one)
        elif case == "tensor_attention_k2":
            tensor_attention(np.ones(D), one, big, one, one, scale=BIG)
        elif case == "naive_tensor_attention":
            naive_tensor_attention(q, big, one, one, one)
        else:
            dec = {c.__name__: c for c in DECODERS}[case](D)
            dec.append(big[0], one[0], one[0], one[0])
            dec.query(q)


@pytest.mark.parametrize(
    "case",
    ["kron", "tensor_attention", "naive_tensor_attention", *[c.__name__ for c in DECODERS]],
)
def test_overflowing_value_products_raise(case):
    # Keys are harmless; only V1 ∘ V2 overflows. The exact output (≈ 1e400) is not a
    # float64, so the only correct answer is an error.
    big, one = np.full((2, D), BIG), np.ones((2, D))
    q = np.ones(D)
    with _overflow_guard(), pytest.raises(ValueError, match="overflow"):
        if case == "kron":
            kron(big, big)
        elif case == "tensor_attention":
            tensor_attention(q, one, one, big, big)
        elif case == "naive_tensor_attention":
            naive_tensor_attention(q, one, one, big, big)
        else:
            dec = {c.__name__: c for c in DECODERS}[case](D)
            dec.append(one[0], one[0], big[0], big[0])  # may raise here or at the query
            dec.query(q)


# --------------------------------------------------- one rule, one exception, one wording
#
# The same bad argument must get the same exception type and the same message from
# every area's public functions (engine, index, geometry, SubGen, frontier, JL).


def _boundaries():
    """``name -> call(d=..., n=..., eps=...)``: public entry points of several areas."""
    import tensorkv_check as tk
    from tensorkv_check.frontier import UniformQuantizer

    g = np.random.default_rng(0)
    return {
        "FourCacheDecoder": lambda d=4, **_: tk.FourCacheDecoder(d=d),
        "TwoCacheDecoder": lambda d=4, **_: tk.TwoCacheDecoder(d=d),
        "run_index": lambda d=4, n=8, eps=0.25, **_: tk.run_index(
            "exact", "standard", n, d, queries=4, seed=0, eps=eps
        ),
        "covering_number_estimate": lambda d=2, n=100, **_: tk.covering_number_estimate(
            d, 0.5, n_samples=n, n_holdout=10, rng=g
        ),
        "SubGen": lambda d=4, n=2, **_: tk.SubGen(d=d, delta=1.0, t=n, s=2, rng=0),
        "UniformQuantizer": lambda d=4, **_: UniformQuantizer(d, bits=4),
        "gaussian_jl": lambda d=4, n=2, **_: tk.gaussian_jl(n, d, g),
        "jl_dimension": lambda eps=0.5, n=10, **_: tk.jl_dimension(eps, 0.1, n),
        "near_orthogonal_packing": lambda d=3, eps=0.5, **_: tk.near_orthogonal_packing(d, eps, g),
    }


TAKES_D = [
    "FourCacheDecoder",
    "TwoCacheDecoder",
    "run_index",
    "covering_number_estimate",
    "SubGen",
    "UniformQuantizer",
    "gaussian_jl",
    "near_orthogonal_packing",
]


@pytest.mark.parametrize("where", TAKES_D)
@pytest.mark.parametrize(
    "bad, exc, message",
    [
        (2.5, TypeError, "d must be an integer, got float"),
        (4.0, TypeError, "d must be an integer, got float"),
        (True, TypeError, "d must be an integer, got bool"),
        ("3", TypeError, "d must be an integer, got str"),
        (-2, ValueError, "d must be >= "),
    ],
)
def test_bad_d_reads_the_same_in_every_area(where, bad, exc, message):
    with pytest.raises(exc) as info:
        _boundaries()[where](d=bad)
    assert str(info.value).startswith(message), (where, str(info.value))


@pytest.mark.parametrize(
    "where", ["run_index", "covering_number_estimate", "SubGen", "gaussian_jl", "jl_dimension"]
)
@pytest.mark.parametrize(
    "bad, exc, message",
    [
        (-1, ValueError, "must be >= "),
        (1.5, TypeError, "must be an integer, got float"),
        (False, TypeError, "must be an integer, got bool"),
    ],
)
def test_bad_count_reads_the_same_in_every_area(where, bad, exc, message):
    with pytest.raises(exc, match=r"^\w+ " + re.escape(message)):
        _boundaries()[where](n=bad)


@pytest.mark.parametrize(
    "where, upper", [("run_index", "0.5"), ("jl_dimension", "1"), ("near_orthogonal_packing", "1")]
)
@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.1, float("inf")])
def test_bad_eps_reads_the_same_in_every_area(where, upper, bad):
    with pytest.raises(ValueError, match=rf"^eps must be in \(0, {upper}\), got {re.escape(str(bad))}$"):
        _boundaries()[where](eps=bad)


@pytest.mark.parametrize("where", ["run_index", "jl_dimension", "near_orthogonal_packing"])
@pytest.mark.parametrize("bad, got", [("0.1", "str"), (True, "bool"), (1j, "complex")])
def test_non_real_eps_is_a_type_error_everywhere(where, bad, got):
    with pytest.raises(TypeError, match=rf"^eps must be a real number, got {got}$"):
        _boundaries()[where](eps=bad)


def test_shared_rules_directly():
    from tensorkv_check._util.validation import check_choice, check_int, check_probability, check_real

    assert check_int("n", np.int64(3), minimum=1) == 3 and type(check_int("n", np.int64(3))) is int
    with pytest.raises(ValueError, match=r"^n must be in \[1, 4\], got 5$"):
        check_int("n", 5, minimum=1, maximum=4)
    assert check_real("r", 0, low=0.0, low_open=False) == 0.0
    with pytest.raises(ValueError, match=r"^r must be finite and > 0, got 0.0$"):
        check_real("r", 0, low=0.0)
    with pytest.raises(ValueError, match=r"^x must be finite, got inf$"):
        check_real("x", np.inf)
    with pytest.raises(ValueError, match=r"^p must be in \(0, 1\), got 0.0$"):
        check_probability("p", 0.0)
    with pytest.raises(ValueError, match=r"^mode must be one of \['a', 'b'\], got 'c'$"):
        check_choice("mode", "c", ("b", "a"))
    with pytest.raises(ValueError, match=r"^mode must be one of"):
        check_choice("mode", [], ("b", "a"))  # unhashable: not a choice, not a crash


# ------------------------------------------------------------------- the one rng policy


def test_as_generator_policy():
    from tensorkv_check._util.rng import as_generator

    g = np.random.default_rng(5)
    assert as_generator(g) is g
    assert as_generator(7).random() == np.random.default_rng(7).random()
    assert as_generator(np.int64(7)).random() == np.random.default_rng(7).random()
    ss = np.random.SeedSequence(3)
    assert as_generator(ss).random() == np.random.default_rng(np.random.SeedSequence(3)).random()
    for bad in (None, True, 1.0, "0", np.random.RandomState(0)):
        with pytest.raises(
            TypeError,
            match=r"^seed must be an integer seed, a numpy SeedSequence or a numpy "
            r"Generator, got \w+$",
        ):
            as_generator(bad, "seed")
    with pytest.raises(ValueError, match=r"^rng must be >= 0, got -1$"):
        as_generator(-1)


@pytest.mark.parametrize(
    "call",
    [
        lambda tk, rng: tk.gaussian_jl(3, 4, rng),
        lambda tk, rng: importlib.import_module("tensorkv_check.geometry").sample_sphere(3, 4, rng),
        lambda tk, rng: tk.covering_number_estimate(2, 0.5, n_samples=50, n_holdout=10, rng=rng),
        lambda tk, rng: tk.near_orthogonal_packing(3, 0.5, rng, n_candidates=50),
        lambda tk, rng: tk.SubGen(d=2, delta=1.0, t=1, s=1, rng=rng),
    ],
)
def test_every_rng_parameter_follows_the_policy(call):
    import tensorkv_check as tk

    for ok in (0, np.random.SeedSequence(0), np.random.default_rng(0)):
        call(tk, ok)
    for bad in (None, 0.5, True):
        with pytest.raises(TypeError, match=r"^rng must be an integer seed, a numpy SeedSequence"):
            call(tk, bad)
