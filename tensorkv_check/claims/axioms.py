"""Axioms: the cited facts a machine-checked proof may rest on, and the symbols they constrain.

A proof of a paper item (:mod:`tensorkv_check.claims.obligations`) decides each step by
sympy or by an SMT solver. What neither can decide, a textbook fact such as Hoeffding's
inequality, Fano's inequality or ``exp(a + b) = exp(a) exp(b)``, enters as an
:class:`Axiom`: a short standard statement with its citation ([std], [HO25], [ZHMK24]).
Nothing specific to Chen et al. 2025 (arXiv 2503.11108) may be an axiom; the ledger of
axioms a theorem rests on is printed next to it, as Lean's ``#print axioms`` does.

The transcendental functions are *uninterpreted* here: :class:`Exp`, :class:`Ln` and the
binary entropy :class:`H2` are sympy functions that never evaluate, so that
``Exp(a) * Exp(b)`` is not silently rewritten to ``Exp(a + b)``; every property used
comes from a named axiom. :class:`Every` is the bounded universal statement
``for all j in [lo, hi]: body(j)`` over an integer index, used for statements about a
symbolic number of terms (a sum of ``n - 1`` terms each ``<= a``).

References
----------
[std] W. Hoeffding, "Probability inequalities for sums of bounded random variables", JASA 1963;
T. Cover and J. Thomas, *Elements of Information Theory*, 2nd ed., 2006 (Fano: Thm 2.10.1;
chain rule: Thm 2.5.2; Jensen: Thm 2.6.2); D. Woodruff, *Sketching as a Tool for Numerical
Linear Algebra*, 2014, Thm 4 (JL, chi-squared tail); R. Vershynin, *High-Dimensional
Probability*, 2018, Cor. 4.2.13 (volumetric covering bound).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanFunction

__all__ = [
    "AXIOM_SOURCES",
    "Exp",
    "Ln",
    "H2",
    "Every",
    "Axiom",
    "STANDARD_AXIOMS",
    "axiom",
]

#: Where an axiom may come from: textbooks and the two papers this one builds on. "paper"
#: and "inferred" are deliberately absent: nothing paper-specific may be an axiom.
AXIOM_SOURCES = ("std", "HO25", "ZHMK24")


class Exp(sp.Function):
    """The exponential as an uninterpreted function (never evaluated or combined by sympy)."""

    nargs = 1

    def _latex(self, printer: Any) -> str:
        return r"e^{" + printer._print(self.args[0]) + "}"


class Ln(sp.Function):
    """The natural logarithm as an uninterpreted function."""

    nargs = 1

    def _latex(self, printer: Any) -> str:
        return r"\ln\left(" + printer._print(self.args[0]) + r"\right)"


class H2(sp.Function):
    """The binary entropy h(p) = -p log2 p - (1-p) log2 (1-p), uninterpreted."""

    nargs = 1

    def _latex(self, printer: Any) -> str:
        return r"h\left(" + printer._print(self.args[0]) + r"\right)"


class Every(BooleanFunction):
    """``Every(body, j, lo, hi)``: ``body`` holds for every integer ``j`` with ``lo <= j <= hi``.

    ``j`` is bound; ``body`` is a relation in which indexed terms ``x[j]`` depend on it.
    The SMT printer renders it as ``(forall ((j Int)) (=> (and (<= lo j) (<= j hi)) body))``.
    """

    @classmethod
    def eval(cls, *args: Any) -> None:
        if len(args) != 4:
            raise TypeError(f"Every takes (body, index, lo, hi), got {len(args)} arguments")
        if not isinstance(args[1], sp.Symbol):
            raise TypeError(f"Every: the index must be a Symbol, got {args[1]!r}")
        return None

    @property
    def free_symbols(self) -> set:
        body, j, lo, hi = self.args
        return (body.free_symbols - {j}) | lo.free_symbols | hi.free_symbols

    def _latex(self, printer: Any) -> str:
        body, j, lo, hi = self.args
        j_, lo_, hi_, body_ = (printer._print(a) for a in (j, lo, hi, body))
        return rf"\forall {j_} \in [{lo_}, {hi_}]:\ {body_}"


@dataclass(frozen=True)
class Axiom:
    """A cited fact: a short standard statement a proof may use but never checks.

    Parameters
    ----------
    name : str
        The name steps list in ``uses`` (``"exp_add"``).
    statement : sympy Boolean
        The fact, universally quantified over ``variables``.
    reference : str
        The citation (book and theorem, or paper and section).
    source_tag : {"std", "HO25", "ZHMK24"}
        One of :data:`AXIOM_SOURCES`.
    variables : tuple of sympy.Symbol
        The universally quantified variables (rendered ``forall`` in SMT-LIB2 unless a
        step gives instances).
    schematic : tuple of str
        Names of functions or indexed bases the statement is schematic in (e.g. the
        summand of a finite sum); such an axiom is only usable through instances.

    Notes
    -----
    Free symbols of ``statement`` that are not in ``variables`` name the particular
    quantities the fact is about (``I_X`` for I(X; Msg), ``M`` for the message length);
    a proof refers to the same quantities by the same real symbols.

    Raises
    ------
    ValueError
        If ``source_tag`` is not a standard source or ``name`` is empty.
    """

    name: str
    statement: Any
    reference: str
    source_tag: str
    variables: tuple = ()
    schematic: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"axiom name must be a non-empty identifier, got {self.name!r}")
        if self.source_tag not in AXIOM_SOURCES:
            raise ValueError(
                f"axiom {self.name}: source_tag must be one of {AXIOM_SOURCES} "
                f"(nothing paper-specific may be an axiom), got {self.source_tag!r}"
            )
        if not isinstance(self.statement, sp.logic.boolalg.Boolean):
            raise TypeError(f"axiom {self.name}: statement must be a sympy Boolean, got {self.statement!r}")

    def instance(self, subs: Mapping[Any, Any]) -> Any:
        """The statement with some quantified variables (or schematic parts) replaced.

        Parameters
        ----------
        subs : mapping
            ``{variable: expression}`` for quantified variables, and for a schematic
            ``IndexedBase`` of the axiom either another ``IndexedBase`` or a
            ``sympy.Lambda`` of the index (``t -> Lambda(k, q[k] * (c[k] - b))``).

        Raises
        ------
        ValueError
            If a key is neither a variable nor schematic.
        """
        allowed = set(self.variables)
        plain, schematic = {}, {}
        for key, value in subs.items():
            if key in allowed:
                plain[key] = value
            elif str(key) in self.schematic:
                schematic[str(key)] = value
            else:
                raise ValueError(
                    f"axiom {self.name}: {key} is not one of its variables "
                    f"{[str(v) for v in self.variables]} or schematic parts {list(self.schematic)}"
                )
        out = self.statement
        named = {str(sym): sym for sym in self.statement.free_symbols}
        for base, value in schematic.items():
            if isinstance(value, sp.Lambda):
                out = out.replace(
                    lambda e, b=base: isinstance(e, sp.Indexed) and str(e.base) == b,
                    lambda e, f=value: f(*e.indices),
                )
            elif isinstance(value, sp.IndexedBase):
                out = out.replace(
                    lambda e, b=base: isinstance(e, sp.Indexed) and str(e.base) == b,
                    lambda e, v=value: sp.IndexedBase(str(v))[e.indices],
                )
            elif base in named:
                out = out.xreplace({named[base]: sp.sympify(value)})  # a named quantity renamed
            else:
                raise ValueError(f"axiom {self.name}: schematic part {base} needs an IndexedBase or a Lambda")
        return out.xreplace(plain)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, source tag, reference and the LaTeX of the statement."""
        return {
            "name": self.name,
            "source": self.source_tag,
            "reference": self.reference,
            "latex": self.latex(),
        }

    def latex(self) -> str:
        """LaTeX of the statement with its quantifier prefix."""
        body = sp.latex(self.statement)
        if self.variables:
            return r"\forall " + ", ".join(sp.latex(v) for v in self.variables) + r":\ " + body
        return body


def _catalogue() -> dict[str, Axiom]:
    a, b, u, v, p, q = sp.symbols("a b u v p q", real=True)
    _vol = sp.Function("vol_ball")

    def _S(name: str) -> sp.Symbol:
        return sp.Symbol(name, real=True)

    m, hi = sp.symbols("m hi", real=True)
    j = sp.Symbol("j", integer=True)
    t, x = sp.IndexedBase("t"), sp.IndexedBase("x")
    R = sp.Rational
    items = [
        Axiom(
            "exp_add",
            sp.Eq(Exp(a + b), Exp(a) * Exp(b)),
            "exp(a + b) = exp(a) exp(b) (functional equation of exp)",
            "std",
            (a, b),
        ),
        Axiom("exp_pos", sp.Gt(Exp(a), 0), "exp(a) > 0 for real a", "std", (a,)),
        Axiom(
            "exp_mono",
            sp.Implies(sp.Le(a, b), sp.Le(Exp(a), Exp(b))),
            "exp is non-decreasing on R",
            "std",
            (a, b),
        ),
        Axiom("exp_zero", sp.Eq(Exp(0), 1), "exp(0) = 1", "std"),
        Axiom(
            "exp_ln", sp.Implies(sp.Gt(a, 0), sp.Eq(Exp(Ln(a)), a)), "exp(ln a) = a for a > 0", "std", (a,)
        ),
        Axiom("ln_exp", sp.Eq(Ln(Exp(a)), a), "ln(exp(a)) = a for real a", "std", (a,)),
        Axiom(
            "ln_mono",
            sp.Implies(sp.And(sp.Gt(a, 0), sp.Le(a, b)), sp.Le(Ln(a), Ln(b))),
            "ln is non-decreasing on (0, inf)",
            "std",
            (a, b),
        ),
        Axiom(
            "ln_mul",
            sp.Implies(sp.And(sp.Gt(a, 0), sp.Gt(b, 0)), sp.Eq(Ln(a * b), Ln(a) + Ln(b))),
            "ln(ab) = ln a + ln b for a, b > 0",
            "std",
            (a, b),
        ),
        Axiom("ln_pos", sp.Implies(sp.Gt(a, 1), sp.Gt(Ln(a), 0)), "ln a > 0 for a > 1", "std", (a,)),
        Axiom("h_half", sp.Eq(H2(R(1, 2)), 1), "binary entropy h(1/2) = 1 bit", "std"),
        Axiom("h_one", sp.Eq(H2(1), 0), "binary entropy h(1) = 0 (a certain outcome)", "std"),
        Axiom(
            "h_range",
            sp.Implies(sp.And(sp.Ge(p, 0), sp.Le(p, 1)), sp.And(sp.Ge(H2(p), 0), sp.Le(H2(p), 1))),
            "0 <= h(p) <= 1 on [0, 1] (Cover-Thomas, Sec. 2.1)",
            "std",
            (p,),
        ),
        Axiom(
            "h_mono",
            sp.Implies(sp.And(sp.Le(R(1, 2), p), sp.Le(p, q), sp.Le(q, 1)), sp.Ge(H2(p), H2(q))),
            "h is non-increasing on [1/2, 1] (symmetric to non-decreasing on [0, 1/2])",
            "std",
            (p, q),
        ),
        # A finite sum of terms each bounded above by a is at most (number of terms) * a.
        Axiom(
            "sum_le_count",
            sp.Implies(
                sp.And(sp.Ge(hi, 0), Every(sp.Le(t[j], a), j, 1, hi)), sp.Le(sp.Sum(t[j], (j, 1, hi)), hi * a)
            ),
            "a sum of hi >= 0 terms each <= a is <= hi * a (monotonicity of finite sums)",
            "std",
            (a, hi),
            ("t",),
        ),
        Axiom(
            "sum_nonneg",
            sp.Implies(Every(sp.Ge(t[j], 0), j, 1, hi), sp.Ge(sp.Sum(t[j], (j, 1, hi)), 0)),
            "a finite sum of non-negative terms is non-negative",
            "std",
            (hi,),
            ("t",),
        ),
        # Minkowski's inequality in R^hi, for norms given by their squares.
        Axiom(
            "minkowski",
            sp.Implies(
                sp.And(
                    sp.Ge(_S("D"), 0),
                    sp.Ge(_S("E1"), 0),
                    sp.Ge(_S("E2"), 0),
                    sp.Eq(_S("D") ** 2, sp.Sum((t[j] + x[j]) ** 2, (j, 1, hi))),
                    sp.Eq(_S("E1") ** 2, sp.Sum(t[j] ** 2, (j, 1, hi))),
                    sp.Eq(_S("E2") ** 2, sp.Sum(x[j] ** 2, (j, 1, hi))),
                ),
                sp.Le(_S("D"), _S("E1") + _S("E2")),
            ),
            "Minkowski (triangle) inequality for the Euclidean norm: |t + x| <= |t| + |x| with "
            "D = |t + x|, E1 = |t|, E2 = |x| given by their squares",
            "std",
            (_S("D"), _S("E1"), _S("E2"), hi),
            ("t", "x"),
        ),
        Axiom(
            "sum_mono",
            sp.Implies(
                Every(sp.Le(t[j], x[j]), j, 1, hi), sp.Le(sp.Sum(t[j], (j, 1, hi)), sp.Sum(x[j], (j, 1, hi)))
            ),
            "termwise <= implies <= of the finite sums",
            "std",
            (hi,),
            ("t", "x"),
        ),
        # Hoeffding for a sum of d independent +-1/d terms, two-sided:
        # Pr[|<u, v>| > eps] <= 2 exp(-d eps^2 / 2).
        Axiom(
            "hoeffding_pm1",
            sp.Implies(sp.And(sp.Gt(u, 0), sp.Gt(v, 0)), sp.Le(_S("P_dev"), 2 * Exp(-u * v**2 / 2))),
            "Hoeffding: for u_i, u_j uniform in {+-1/sqrt(d)}^d, P_dev = Pr[|<u_i,u_j>| > eps] <= "
            "2 exp(-d eps^2/2) (u = d, v = eps); Hoeffding 1963, Thm 2",
            "std",
            (u, v),
        ),
        Axiom(
            "union_bound",
            sp.Implies(sp.Ge(m, 0), sp.Le(_S("P_any"), m * _S("P_each"))),
            "union bound: P_any = Pr[any of m events] <= m * P_each when each event has probability "
            "<= P_each",
            "std",
            (m,),
            ("P_any", "P_each"),
        ),
        Axiom(
            "union_two",
            sp.Le(_S("P_any"), _S("P_A") + _S("P_B")),
            "union bound for two events: Pr[A or B] <= Pr[A] + Pr[B]",
            "std",
            (),
            ("P_any", "P_A", "P_B"),
        ),
        # Bernstein for a mean of t samples in [mu_lo, mu_lo * ratio] (variance <= mu^2 (ratio - 1),
        # range <= mu (ratio - 1)); without replacement by Hoeffding 1963, Thm 4.
        Axiom(
            "bernstein_mean",
            sp.Implies(
                sp.And(sp.Gt(u, 0), sp.Gt(v, 0), sp.Gt(_S("ratio"), 1)),
                sp.Le(_S("P_bern"), 2 * Exp(-(v**2) * u / (2 * (_S("ratio") - 1) * (1 + v / 3)))),
            ),
            "Bernstein: the mean of u samples with values in [m, m*ratio] has relative error > v with "
            "probability P_bern <= 2 exp(-v^2 u / (2 (ratio - 1)(1 + v/3))) (Boucheron-Lugosi-Massart "
            "2013, Cor. 2.11; without replacement: Hoeffding 1963, Thm 4)",
            "std",
            (u, v, _S("ratio")),
            ("P_bern",),
        ),
        # Chebyshev for the l2-sampling estimator of sum_j e_j v_j with s samples [ZHMK24]:
        # E|N^ - N|^2 <= |e|^2 |V|_F^2 / s and |V|_F^2 = sr |V|_op^2.
        Axiom(
            "chebyshev_l2_sampling",
            sp.Implies(
                sp.And(sp.Gt(u, 0), sp.Gt(v, 0), sp.Gt(_S("sr"), 0)),
                sp.Le(_S("P_cheb"), _S("sr") / (v**2 * u)),
            ),
            "Chebyshev with the variance of l2 sampling: with u samples, Pr[|N^ - N| > v |e| |V|_op] = "
            "P_cheb <= sr/(v^2 u), sr the stable rank of V (ZHMK24, Sec. 3; Chebyshev)",
            "ZHMK24",
            (u, v, _S("sr")),
            ("P_cheb",),
        ),
        # The quotient estimate's error: N^/tau^ - N/Z = (N^ - N)/tau^ + N (1/tau^ - 1/Z).
        Axiom(
            "quotient_triangle",
            sp.Implies(
                sp.And(sp.Gt(_S("tau"), 0), sp.Gt(_S("Z"), 0)),
                sp.Le(_S("Err"), _S("E_N") / _S("tau") + _S("N_norm") * sp.Abs(1 / _S("tau") - 1 / _S("Z"))),
            ),
            "triangle inequality and homogeneity of the norm: Err = |N^/tau - N/Z| <= |N^ - N|/tau + "
            "|N| |1/tau - 1/Z| with E_N = |N^ - N|, N_norm = |N|",
            "std",
        ),
        # Chi-squared MGF / JL tail for one vector (Woodruff 2014, Thm 4; Dasgupta-Gupta 2003).
        Axiom(
            "jl_chi2_tail",
            sp.Implies(
                sp.And(sp.Gt(u, 0), sp.Gt(v, 0), sp.Lt(v, 1)),
                sp.Le(_S("P_jl"), 2 * Exp(-u * (v**2 / 2 - v**3 / 3) / 2)),
            ),
            "JL tail from the chi-squared MGF: for S with N(0,1/k) entries and a fixed x, "
            "P_jl = Pr[| |Sx|^2 - |x|^2 | > eps |x|^2] <= 2 exp(-k(eps^2/2 - eps^3/3)/2) (u = k, v = eps); "
            "Woodruff 2014, Thm 4",
            "std",
            (u, v),
        ),
        # Cover-Thomas: entropy of an M-bit message and mutual information.
        Axiom(
            "info_le_bits",
            sp.Le(_S("I_X"), _S("M")),
            "I(X; Msg) <= H(Msg) <= M for an M-bit message (Cover-Thomas Thm 2.6.4, 2.4)",
            "std",
        ),
        Axiom(
            "chain_rule_indep",
            sp.Ge(_S("I_X"), sp.Sum(sp.IndexedBase("I")[j], (j, 1, _S("N")))),
            "I(X; Msg) >= sum_k I(X_k; Msg) for independent X_1..X_N (chain rule, Cover-Thomas Thm 2.5.2)",
            "std",
        ),
        Axiom(
            "fano_bit",
            Every(sp.Ge(sp.IndexedBase("I")[j], 1 - H2(sp.IndexedBase("p")[j])), j, 1, _S("N")),
            "Fano for a uniform bit X_k decoded with success p_k: I(X_k; Msg) >= 1 - h(p_k) "
            "(Cover-Thomas Thm 2.10.1 with |X| = 2)",
            "std",
        ),
        Axiom(
            "jensen_entropy",
            sp.Le(sp.Sum(H2(sp.IndexedBase("p")[j]), (j, 1, _S("N"))), _S("N") * H2(_S("pbar"))),
            "Jensen for the concave h: sum_k h(p_k) <= N h(pbar), pbar the mean of the p_k "
            "(Cover-Thomas Thm 2.6.2)",
            "std",
        ),
        # Volumetric covering bound (Vershynin 2018, Cor. 4.2.13): balls of radius delta/2 around a
        # maximal delta-separated set are disjoint and lie in (1 + delta/2) B.
        Axiom(
            "volume_scaling",
            sp.Implies(sp.Gt(u, 0), sp.Eq(_vol(u), u ** _S("d") * _vol(1))),
            "vol(u B^d) = u^d vol(B^d) for u > 0 (scaling of Lebesgue measure)",
            "std",
            (u,),
        ),
        Axiom(
            "packing_volume",
            sp.Le(_S("N_pack") * _vol(_S("delta") / 2), _vol(1 + _S("delta") / 2)),
            "N disjoint balls of radius delta/2 centred in B^d lie in (1 + delta/2)B^d, so "
            "N vol((delta/2)B) <= vol((1 + delta/2)B) (Vershynin 2018, proof of Cor. 4.2.13)",
            "std",
        ),
        Axiom("ball_volume_pos", sp.Gt(_vol(1), 0), "the unit ball of R^d has positive volume", "std"),
        Axiom(
            "rpow_pos",
            sp.Implies(sp.Gt(u, 0), sp.Gt(u ** _S("d"), 0)),
            "u^d > 0 for u > 0 and real d",
            "std",
            (u,),
        ),
        Axiom(
            "maximal_packing_covers",
            sp.Le(_S("N_cover"), _S("N_pack")),
            "a maximal delta-separated subset of B^d is a delta-net: N(delta) <= its size "
            "(Vershynin 2018, Lemma 4.2.6)",
            "std",
        ),
        Axiom(
            "sum_pos",
            sp.Implies(
                sp.And(sp.Ge(hi, 1), Every(sp.Gt(t[j], 0), j, 1, hi)), sp.Gt(sp.Sum(t[j], (j, 1, hi)), 0)
            ),
            "a finite sum of hi >= 1 positive terms is positive (monotonicity of finite sums)",
            "std",
            (hi,),
            ("t",),
        ),
    ]
    return {ax.name: ax for ax in items}


#: The named standard facts proofs may cite, by name.
STANDARD_AXIOMS: dict[str, Axiom] = _catalogue()


def axiom(name: str) -> Axiom:
    """The standard axiom called ``name``.

    Raises
    ------
    KeyError
        With the list of known names, if there is none.
    """
    try:
        return STANDARD_AXIOMS[name]
    except KeyError:
        raise KeyError(f"unknown axiom {name!r}; known: {', '.join(sorted(STANDARD_AXIOMS))}") from None
