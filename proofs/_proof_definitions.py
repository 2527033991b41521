"""Machine-checked proofs of the definitions' stated properties: Definitions 3.1, 3.2, 3.3, 3.6, 3.7, 3.8.

Chen et al. 2025 (arXiv 2503.11108). A definition cannot be false; what is proved is what
each claim's statement says the definition *has*, for every size (index form: sympy
``Sum``/``Indexed`` over symbolic bounds, z3 over bounded integer quantifiers):

- ``def:softmax``: shift invariance softmax(z - c) = softmax(z) for every real c, entries
  positive, summing to 1, and with c >= every z_j each shifted exponential is <= 1 (the max
  shift cannot overflow). exp is the uninterpreted ``Exp``; its laws come from the axioms
  exp_add, exp_pos, exp_mono, exp_zero, and a sum of n >= 1 positive terms is positive from
  sum_pos.
- ``def:kron``: the row-major row index r(j, k) = (j - 1) n2 + k [inferred] maps the pairs
  [1, n1] x [1, n2] injectively into [1, n1 n2], and the row R = A_j o B_k of that pair has
  score <R, q> = sum_l A_jl q_l B_kl = (A diag(q) B^T)_jk. (Injective into a set of n1 n2
  elements, as many as the pairs; the counting step to "bijective" is not in the formula.)
- ``def:tensor-attention``: the decode identity. The definition's numerator, the sum over
  all n1 n2 pairs of E_jk (V1_j o V2_k)_l with E_jk = exp(c <q, K1_j o K2_k>), equals the
  four-cache form 1^T((E V2) o V1)_l, and numerator / (sum over pairs of E) equals
  1^T((P V2) o V1)_l with P = E / Z; with K2 = V2 = 1 it is standard attention on (K1, V1).
  The pair sum is taken over pairs (j, k); that the Kronecker rows enumerate the pairs is
  def:kron's.
- ``def:four-cache``: 4 i d stored numbers (32 i d bytes) when each of the i appends adds one
  row of width d to each of the four caches, and 4 d new numbers per token.
- ``def:two-cache``: with token t appending the 2t - 1 new pairs (t, k <= t), (j < t, t) to
  each product, the products have i^2 rows, 2 i^2 d numbers, token i adds
  i^2 - (i - 1)^2 = 2i - 1 rows, and filling them, 2(2i - 1)d products, is <= 4id (O(id)).
- ``def:jlt``: the polarization identity in any dimension, and the inner-product form for
  the normalised vectors: if the norm form (distortion eps) holds on x^ + y^ and x^ - y^ for
  unit x^, y^ and S linear (S(x^ +- y^) = u +- v), then |<u, v> - <x^, y^>| <= eps, and
  rescaled by bilinearity (x = |x| x^, S x = |x| u) |<Sx, Sy> - <x, y>| <= eps |x| |y|;
  conversely the inner-product form at the pair (x, x) is the norm form on x.

Private module: not loaded as claim definitions; attached by :func:`proofs._proofs.attach_proofs`.
"""

from __future__ import annotations

import sympy as sp

from tensorkv_check.claims.axioms import Every, Exp
from tensorkv_check.claims.obligations import Pointwise, Proof, Step

__all__ = [
    "proofs",
    "softmax_proof",
    "kron_proof",
    "tensor_attention_proof",
    "four_cache_proof",
    "two_cache_proof",
    "jlt_proof",
]

# Variables of the axioms, for instances.
_a, _b, _hi = (sp.Symbol(s, real=True) for s in ("a", "b", "hi"))
_t = sp.IndexedBase("t")


def softmax_proof() -> Proof:
    """def:softmax: shift invariance, positivity, total 1, and the max shift keeps exponents <= 0."""
    n, c = sp.symbols("n c", real=True)
    i, j, k = (sp.Symbol(s, integer=True) for s in "ijk")
    z, w, wc = (sp.IndexedBase(s) for s in ("z", "w", "w_c"))

    def rng(v: sp.Symbol) -> tuple:
        return (v, 1, n)

    S = sp.Sum(Exp(z[k]), rng(k))
    Sc = sp.Sum(Exp(z[k] - c), rng(k))
    hyps = {
        "n_ge1": sp.Ge(n, 1),
        # names for the exponentials, so that sympy may unfold them inside the sums
        "w_def": Every(sp.Eq(w[j], Exp(z[j])), *rng(j)),
        "wc_def": Every(sp.Eq(wc[j], Exp(z[j] - c)), *rng(j)),
    }
    shift = Every(sp.Eq(Exp(z[i] - c) / Sc, Exp(z[i]) / S), *rng(i))
    positive = Every(sp.Gt(Exp(z[i]) / S, 0), *rng(i))
    total = sp.Eq(sp.Sum(Exp(z[i]) / S, rng(i)), 1)
    no_overflow = sp.Implies(Every(sp.Le(z[i], c), *rng(i)), Every(sp.Le(Exp(z[i] - c), 1), *rng(i)))
    statement = sp.And(shift, positive, total, no_overflow)
    steps = (
        Step(
            "term_shift",
            (),
            Every(sp.Eq(wc[j], w[j] * Exp(-c)), *rng(j)),
            "smt",
            ("w_def", "wc_def", "exp_add"),
            {"exp_add": (Pointwise({_a: z[j], _b: -c}, j, 1, n),)},
        ),
        Step(
            "sum_shift",
            (),
            sp.Eq(sp.Sum(wc[k], rng(k)), Exp(-c) * sp.Sum(w[k], rng(k))),
            "identity",
            ("term_shift",),
            note="index form, every n: the constant e^{-c} leaves the sum",
        ),
        Step("name_Sc", (), sp.Eq(sp.Sum(wc[k], rng(k)), Sc), "identity", ("wc_def",)),
        Step("name_S", (), sp.Eq(sp.Sum(w[k], rng(k)), S), "identity", ("w_def",)),
        Step(
            "w_pos",
            (),
            Every(sp.Gt(w[j], 0), *rng(j)),
            "smt",
            ("w_def", "exp_pos"),
            {"exp_pos": (Pointwise({_a: z[j]}, j, 1, n),)},
        ),
        Step(
            "S_pos",
            (),
            sp.Gt(S, 0),
            "smt",
            ("n_ge1", "w_pos", "name_S", "sum_pos"),
            {"sum_pos": ({_t: w, _hi: n},)},
            note="n >= 1 positive terms (lemma over a symbolic count)",
        ),
        Step(
            "shift",
            (),
            shift,
            "smt",
            ("sum_shift", "name_Sc", "name_S", "S_pos", "exp_add", "exp_pos"),
            {"exp_add": (Pointwise({_a: z[i], _b: -c}, i, 1, n),), "exp_pos": ({_a: -c},)},
            note="numerator and denominator both gain the factor e^{-c} > 0",
        ),
        Step(
            "positive",
            (),
            positive,
            "smt",
            ("S_pos", "exp_pos"),
            {"exp_pos": (Pointwise({_a: z[i]}, i, 1, n),)},
        ),
        Step(
            "sum_linear",
            (),
            sp.Eq(sp.Sum(Exp(z[i]) / S, rng(i)), sp.Sum(Exp(z[i]), rng(i)) / S),
            "identity",
            (),
            note="1/S leaves the sum (index form, every n)",
        ),
        Step("sum_one", (), total, "smt", ("sum_linear", "S_pos")),
        Step(
            "no_overflow",
            (),
            no_overflow,
            "smt",
            ("exp_mono", "exp_zero"),
            {"exp_mono": (Pointwise({_a: z[i] - c, _b: 0}, i, 1, n),)},
            note="z_i - c <= 0, so e^{z_i - c} <= e^0 = 1",
        ),
        Step("assemble", (), statement, "smt", ("shift", "positive", "sum_one", "no_overflow")),
    )
    return Proof("def:softmax", hyps, statement, steps)


def kron_proof() -> Proof:
    """def:kron: the row-major order is injective into [1, n1 n2]; a row's score is (A diag(q) B^T)_jk."""
    n1, n2, d = sp.symbols("n1 n2 d", real=True)
    j, k, j2, k2, l = (sp.Symbol(s, integer=True) for s in ("j", "k", "j'", "k'", "l"))
    # R: row r(j, k) of A ⊘ B; a, b: rows A_j, B_k of one (arbitrary) pair
    R, a, b, q = (sp.IndexedBase(s) for s in ("R", "a", "b", "q"))

    def r(jj: sp.Expr, kk: sp.Expr) -> sp.Expr:
        return (jj - 1) * n2 + kk

    def pairs(body: sp.Basic, jj: sp.Symbol = j, kk: sp.Symbol = k) -> Every:
        return Every(Every(body, kk, 1, n2), jj, 1, n1)

    hyps = {
        "sizes": sp.And(sp.Ge(n1, 1), sp.Ge(n2, 1), sp.Ge(d, 1)),
        "row_def": Every(sp.Eq(R[l], a[l] * b[l]), l, 1, d),
    }
    in_range = pairs(sp.And(sp.Le(1, r(j, k)), sp.Le(r(j, k), n1 * n2)))
    injective = pairs(
        pairs(sp.Implies(sp.Eq(r(j, k), r(j2, k2)), sp.And(sp.Eq(j, j2), sp.Eq(k, k2))), j2, k2)
    )
    # (A diag(q) B^T)_jk = sum_l (A diag(q))_jl B_kl with (A diag(q))_jl = A_jl q_l
    layout = sp.Eq(sp.Sum(R[l] * q[l], (l, 1, d)), sp.Sum((a[l] * q[l]) * b[l], (l, 1, d)))
    statement = sp.And(in_range, injective, layout)
    steps = (
        Step("in_range", (), in_range, "smt", ("sizes",), note="integer j, k; 0 <= (j-1) n2 <= (n1-1) n2"),
        Step(
            "injective",
            (),
            injective,
            "smt",
            (),
            note="k, k' in [1, n2]: |k - k'| < n2, so (j - j') n2 = k' - k forces j = j'",
        ),
        Step("layout", (), layout, "identity", ("row_def",), note="index form, every d"),
        Step("assemble", (), statement, "smt", ("in_range", "injective", "layout")),
    )
    return Proof("def:kron", hyps, statement, steps)


def tensor_attention_proof() -> Proof:
    """def:tensor-attention: the pair softmax's output equals the four-cache form, all n1, n2, d."""
    n1, n2, d, c = sp.symbols("n1 n2 d c", real=True)
    j, k, l, m = (sp.Symbol(s, integer=True) for s in ("j", "k", "l", "m"))
    q, K1, K2, V1, V2 = (sp.IndexedBase(s) for s in ("q", "K1", "K2", "V1", "V2"))
    J, K = (j, 1, n1), (k, 1, n2)
    # score(j, k) = c <q, K1_j o K2_k> = c (K1 diag(q) K2^T)_jk (def:kron's row r(j, k))
    E = Exp(c * sp.Sum(K1[j, m] * q[m] * K2[k, m], (m, 1, d)))
    Z = sp.Sum(E, K, J)  # sum over all pairs = 1^T E 1
    N = sp.Sum(E * V1[j, l] * V2[k, l], K, J)  # sum over pairs of E_jk (V1 ⊘ V2)_{r(j,k), l}
    four = sp.Sum(V1[j, l] * sp.Sum(E * V2[k, l], K), J)  # 1^T((E V2) o V1)_l
    P_form = sp.Sum(V1[j, l] * sp.Sum(E / Z * V2[k, l], K), J)  # 1^T((P V2) o V1)_l, P = E/Z
    # K2 = V2 = 1 (all-ones rows): pair (j, k) has score c <q, K1_j> and value V1_j for each k
    E1 = Exp(c * sp.Sum(K1[j, m] * q[m], (m, 1, d)))
    collapse = sp.Eq(
        sp.Sum(E1 * V1[j, l] * 1, K, J) / sp.Sum(E1, K, J),
        sp.Sum(E1 * V1[j, l], J) / sp.Sum(E1, J),
    )
    hyps = {"sizes": sp.And(sp.Ge(n1, 1), sp.Ge(n2, 1), sp.Ge(d, 1)), "scale": sp.Gt(c, 0)}
    statement = sp.And(sp.Eq(N, four), sp.Eq(N / Z, P_form), collapse)
    steps = (
        Step(
            "numerator",
            (),
            sp.Eq(N, four),
            "identity",
            (),
            note="the pair sum is the iterated sum; V1_jl does not depend on k (index form)",
        ),
        Step(
            "normalise",
            (),
            sp.Eq(P_form, four / Z),
            "identity",
            (),
            note="1/Z leaves both sums (index form)",
        ),
        Step(
            "collapse",
            (),
            collapse,
            "identity",
            (),
            note="a k-free summand counts n2 times in both sums; n2 cancels (standard attention)",
        ),
        Step("assemble", (), statement, "smt", ("numerator", "normalise", "collapse")),
    )
    return Proof("def:tensor-attention", hyps, statement, steps)


def four_cache_proof() -> Proof:
    """def:four-cache: 4 i d numbers after i appends of one row per cache; 4 d per token."""
    i, d, r, r_prev, mem, mem_prev = sp.symbols("i d r r_prev memory memory_prev", real=True)
    t = sp.Symbol("t", integer=True)
    hyps = {
        "sizes": sp.And(sp.Ge(i, 1), sp.Ge(d, 1)),
        # each append adds one row to each cache: rows after i tokens and after i - 1
        "rows_def": sp.Eq(r, sp.Sum(1, (t, 1, i))),
        "rows_prev_def": sp.Eq(r_prev, sp.Sum(1, (t, 1, i - 1))),
        # four caches K1, K2, V1, V2 of r rows of width d
        "memory_def": sp.Eq(mem, 4 * r * d),
        "memory_prev_def": sp.Eq(mem_prev, 4 * r_prev * d),
    }
    statement = sp.And(sp.Eq(mem, 4 * i * d), sp.Eq(mem - mem_prev, 4 * d), sp.Eq(8 * mem, 32 * i * d))
    steps = (
        Step("rows", (), sp.Eq(r, i), "identity", ("rows_def",), note="index form, every i"),
        Step("memory", (), sp.Eq(mem, 4 * i * d), "identity", ("memory_def", "rows_def")),
        Step(
            "per_token",
            (),
            sp.Eq(mem - mem_prev, 4 * d),
            "identity",
            ("memory_def", "memory_prev_def", "rows_def", "rows_prev_def"),
        ),
        Step("assemble", (), statement, "smt", ("memory", "per_token"), note="8 bytes per float64"),
    )
    return Proof("def:four-cache", hyps, statement, steps)


def two_cache_proof() -> Proof:
    """def:two-cache: i^2 rows per product (2 i^2 d numbers); token i appends 2i - 1 rows."""
    i, d, r, r_prev, mem = sp.symbols("i d r r_prev memory", real=True)
    t = sp.Symbol("t", integer=True)
    hyps = {
        "sizes": sp.And(sp.Ge(i, 1), sp.Ge(d, 1)),
        # token t appends the 2t - 1 new pairs (t, k <= t) and (j < t, t) to each product
        "rows_def": sp.Eq(r, sp.Sum(2 * t - 1, (t, 1, i))),
        "rows_prev_def": sp.Eq(r_prev, sp.Sum(2 * t - 1, (t, 1, i - 1))),
        # two products K~, V~ of r rows of width d
        "memory_def": sp.Eq(mem, 2 * r * d),
    }
    statement = sp.And(
        sp.Eq(r, i**2),
        sp.Eq(mem, 2 * i**2 * d),
        sp.Eq(r - r_prev, 2 * i - 1),
        sp.Eq(i**2 - (i - 1) ** 2, 2 * i - 1),
        sp.Le(2 * (2 * i - 1) * d, 4 * i * d),
    )
    steps = (
        Step(
            "rows",
            (),
            sp.Eq(r, i**2),
            "identity",
            ("rows_def",),
            note="sum of the first i odd numbers (index form, every i): as many rows as pairs, i * i",
        ),
        Step("memory", (), sp.Eq(mem, 2 * i**2 * d), "identity", ("memory_def", "rows_def")),
        Step("appended", (), sp.Eq(r - r_prev, 2 * i - 1), "identity", ("rows_def", "rows_prev_def")),
        Step("new_pairs", (), sp.Eq(i**2 - (i - 1) ** 2, 2 * i - 1), "identity", ()),
        Step(
            "append_work",
            (),
            sp.Le(2 * (2 * i - 1) * d, 4 * i * d),
            "smt",
            ("sizes",),
            note="one multiplication per number of the 2i - 1 new rows of both products: O(id)",
        ),
        Step("assemble", (), statement, "smt", ("rows", "memory", "appended", "new_pairs", "append_work")),
    )
    return Proof("def:two-cache", hyps, statement, steps)


def jlt_proof() -> Proof:
    """def:jlt: polarization, and the norm form on x^ +- y^ gives |<u, v> - <x^, y^>| <= eps."""
    dim, k, eps, nx, ny = sp.symbols("d k epsilon nx ny", real=True)
    l = sp.Symbol("l", integer=True)
    x, y, u, v = (sp.IndexedBase(s) for s in ("x", "y", "u", "v"))  # x^, y^; u = S x^, v = S y^
    X, Y, SX, SY = (sp.IndexedBase(s) for s in ("X", "Y", "SX", "SY"))  # x, y; S x, S y

    def sq(f: sp.Expr, n: sp.Expr) -> sp.Sum:
        return sp.Sum(f**2, (l, 1, n))

    def ip(f: sp.IndexedBase, g: sp.IndexedBase, n: sp.Expr) -> sp.Sum:
        return sp.Sum(f[l] * g[l], (l, 1, n))

    plus_S, minus_S = sq(u[l] + v[l], k), sq(u[l] - v[l], k)
    plus_x, minus_x = sq(x[l] + y[l], dim), sq(x[l] - y[l], dim)
    hyps = {
        "sizes": sp.And(sp.Ge(dim, 1), sp.Ge(k, 1)),
        "eps_range": sp.And(sp.Gt(eps, 0), sp.Lt(eps, 1)),
        "unit": sp.And(sp.Eq(sq(x[l], dim), 1), sp.Eq(sq(y[l], dim), 1)),
        # the norm form of Definition 3.3 on x^ + y^ and x^ - y^, with S(x^ +- y^) = u +- v (S linear)
        "norm_plus": sp.Le(sp.Abs(plus_S - plus_x), eps * plus_x),
        "norm_minus": sp.Le(sp.Abs(minus_S - minus_x), eps * minus_x),
        # x = |x| x^, y = |y| y^ and, S being linear, S x = |x| S x^, S y = |y| S y^
        "norms": sp.And(sp.Gt(nx, 0), sp.Gt(ny, 0)),
        "x_def": Every(sp.Eq(X[l], nx * x[l]), l, 1, dim),
        "y_def": Every(sp.Eq(Y[l], ny * y[l]), l, 1, dim),
        "Sx_def": Every(sp.Eq(SX[l], nx * u[l]), l, 1, k),
        "Sy_def": Every(sp.Eq(SY[l], ny * v[l]), l, 1, k),
    }
    polarization = sp.Eq((plus_S - minus_S) / 4, ip(u, v, k))
    unit_error = ip(u, v, k) - ip(x, y, dim)
    error = ip(SX, SY, k) - ip(X, Y, dim)
    # conversely the inner-product form at the pair (x, x) is the norm form on x
    converse = sp.Implies(
        sp.Le(sp.Abs(ip(SX, SX, k) - ip(X, X, dim)), eps * nx * nx),
        sp.Le(sp.Abs(sq(SX[l], k) - sq(X[l], dim)), eps * sq(X[l], dim)),
    )
    statement = sp.And(polarization, sp.Le(sp.Abs(error), eps * nx * ny), converse)
    steps = (
        Step("polar_S", (), polarization, "identity", (), note="index form, every dimension k"),
        Step("polar_x", (), sp.Eq((plus_x - minus_x) / 4, ip(x, y, dim)), "identity", ()),
        Step(
            "parallelogram",
            (),
            sp.Eq(plus_x + minus_x, 2 * sq(x[l], dim) + 2 * sq(y[l], dim)),
            "identity",
            (),
        ),
        Step(
            "inner_product",
            (),
            sp.Le(sp.Abs(unit_error), eps),
            "smt",
            ("polar_S", "polar_x", "parallelogram", "unit", "norm_plus", "norm_minus", "eps_range"),
            note="error (e_+ - e_-)/4 with |e_+-| <= eps N_+-, N_+ + N_- = 4",
        ),
        Step(
            "rescale",
            (),
            sp.Eq(error, nx * ny * unit_error),
            "identity",
            ("x_def", "y_def", "Sx_def", "Sy_def"),
            note="bilinearity of the inner product (index form, every dimension)",
        ),
        Step("norm_x", (), sp.Eq(sq(X[l], dim), nx**2 * sq(x[l], dim)), "identity", ("x_def",)),
        Step("converse", (), converse, "smt", ("norm_x", "unit"), note="|x|^2 = |x|^2 |x^|^2 = sum_l X_l^2"),
        Step(
            "assemble",
            (),
            statement,
            "smt",
            ("polar_S", "inner_product", "rescale", "converse", "norms", "eps_range"),
        ),
    )
    return Proof("def:jlt", hyps, statement, steps)


def proofs() -> dict[str, Proof]:
    """The proofs of this module, keyed by claim id."""
    return {
        p.claim_id: p
        for p in (
            softmax_proof(),
            kron_proof(),
            tensor_attention_proof(),
            four_cache_proof(),
            two_cache_proof(),
            jlt_proof(),
        )
    }
