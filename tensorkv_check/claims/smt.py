"""SMT-LIB2 from sympy, and the solver that reads it back: the ``smt`` backend of a proof.

An implication over the reals, ``facts => conclusion``, is proved by asserting the facts
and the *negated* conclusion and asking an SMT solver for ``unsat``. This module writes
that question as a self-contained SMT-LIB2 script (:func:`obligation_script`) and the
matching *vacuity* script, the facts alone, which must be ``sat``: facts that contradict
each other would prove anything, so an ``unsat`` there is a failure, never a proof.
:func:`run_smtlib2` hands the script's text, not a Python object, to z3, so the exported
scripts are exactly what was decided and any SMT-LIB2 solver can re-check them.

Translation (:class:`SmtPrinter`), over the sort ``Real``:

- ``+ * /`` and powers with integer exponents; rationals as ``(/ p.0 q.0)``;
- relations ``= < <= > >= !=`` and ``And Or Not Implies``;
- :class:`~tensorkv_check.claims.axioms.Exp`, ``Ln``, ``H2`` and any undefined sympy
  function as *uninterpreted* functions (``(declare-fun exp (Real) Real)``), constrained
  only by the axioms a step asserts; sympy's own ``exp``/``log`` are refused, because
  sympy would have applied their laws silently;
- ``x[j]`` (``Indexed``) as an uninterpreted function of an ``Int`` index, and
  :class:`~tensorkv_check.claims.axioms.Every` as a bounded ``forall`` over ``Int``;
- anything else that is not arithmetic (a ``Sum`` over a symbolic range, a power with a
  symbolic exponent) as an *opaque* real constant ``o1, o2, ...``, one per distinct
  sympy term, named in a comment: a sound abstraction (the solver may assume any value),
  tied to other terms only by identities that sympy decided in earlier steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from tensorkv_check.claims.axioms import H2, Every, Exp, Ln

__all__ = [
    "SmtError",
    "Forall",
    "SmtPrinter",
    "canonical_sums",
    "normalize_sums",
    "obligation_script",
    "vacuity_script",
    "run_smtlib2",
]

_RESERVED = {
    "exp",
    "ln",
    "h",
    "and",
    "or",
    "not",
    "ite",
    "forall",
    "exists",
    "let",
    "true",
    "false",
    "assert",
    "distinct",
    "abs",
    "div",
    "mod",
    "to_real",
    "to_int",
    "is_int",
}
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class SmtError(ValueError):
    """A formula the SMT translation refuses (sympy's exp/log, a non-integer power over a bound
    variable, ...)."""


def _level(e: Any) -> int:
    """1 + the deepest nesting of sums inside ``e`` (0 when there is none)."""
    inner = [x for x in sp.preorder_traversal(e) if isinstance(x, sp.Sum) and x is not e]
    return max((_level(x) + 1 for x in inner), default=0)


def canonical_sums(expr: Any) -> Any:
    """Rename every single-limit sum's index by its nesting level (``_i0`` innermost).

    Alpha-equivalent sums (``Sum(w[j], (j, 1, m))`` and ``Sum(w[k], (k, 1, m))``) become
    the same sympy term, so they get one SMT constant and sympy can cancel them.
    """

    def rename(s: sp.Sum) -> sp.Sum:
        if len(s.limits) != 1:
            return s
        k, a, b = s.limits[0]
        new = sp.Symbol(f"_i{_level(s)}", integer=True)
        if new == k:
            return s
        return sp.Sum(s.function.xreplace({k: new}), (new, a, b))

    return sp.sympify(expr).replace(lambda e: isinstance(e, sp.Sum), rename)


def normalize_sums(expr: Any) -> Any:
    """Linear normal form of single-limit sums: summands expanded, split over ``+``, factors
    free of the index pulled out, constant summands counted, indices canonical.

    Exact rewriting (linearity of finite sums, valid for every symbolic bound); used by the
    ``identity`` backend before ``simplify``.
    """

    def lin(s: sp.Sum) -> Any:
        if len(s.limits) != 1:
            # A sum over several indices is the iterated sum, innermost limit first; it is
            # kept whole when nothing leaves the inner sum (sympy would merge it back).
            inner = lin(sp.Sum(s.function, s.limits[0]))
            return s if isinstance(inner, sp.Sum) else lin(sp.Sum(inner, *s.limits[1:]))
        k, a, b = s.limits[0]
        out = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(s.function)):
            indep = [f for f in sp.Mul.make_args(term) if k not in f.free_symbols]
            dep = [f for f in sp.Mul.make_args(term) if k in f.free_symbols]
            out += sp.Mul(*indep) * (sp.Sum(sp.Mul(*dep), (k, a, b)) if dep else (b - a + 1))
        return out

    return canonical_sums(sp.sympify(expr).replace(lambda e: isinstance(e, sp.Sum), lin))


@dataclass(frozen=True)
class Forall:
    """``forall variables: body`` over the reals (a quantified axiom), for :class:`SmtPrinter`."""

    variables: tuple
    body: Any


@dataclass
class SmtPrinter:
    """Translate sympy formulas to SMT-LIB2 terms, collecting the declarations they need.

    One printer serves one script, so that the same sympy term always becomes the same
    SMT constant or function. Use :meth:`term` per assertion, then :meth:`declarations`.
    """

    constants: dict[str, str] = field(default_factory=dict)  # smt name -> sort
    functions: dict[str, tuple[int, str]] = field(default_factory=dict)  # smt name -> (arity, arg sort)
    opaque: dict[sp.Basic, str] = field(default_factory=dict)  # sympy term -> constant name
    _names: dict[Any, str] = field(default_factory=dict)
    _bound: dict[sp.Symbol, str] = field(default_factory=dict)
    quantified: bool = False
    integers: bool = False

    # -- names ------------------------------------------------------------------------------------
    def _name_of(self, key: Any, base: str) -> str:
        if key in self._names:
            return self._names[key]
        cand = (
            base
            if _IDENT.match(base) and base.lower() not in _RESERVED
            else "v_" + re.sub(r"[^A-Za-z0-9_]", "_", base.encode("ascii", "backslashreplace").decode())
        )
        taken = set(self._names.values()) | _RESERVED
        name, k = cand, 1
        while name in taken:
            k += 1
            name = f"{cand}_{k}"
        self._names[key] = name
        return name

    def _symbol(self, s: sp.Symbol) -> str:
        if s in self._bound:
            return self._bound[s]
        name = self._name_of(("sym", s), s.name)
        self.constants[name] = "Real"
        return name

    def _function(self, fname: str, arity: int, arg_sort: str = "Real") -> str:
        fixed = {"Exp": "exp", "Ln": "ln", "H2": "h"}
        name = fixed.get(fname) or self._name_of(("fun", fname), fname)
        prev = self.functions.get(name)
        if prev is not None and prev != (arity, arg_sort):
            raise SmtError(f"function {fname} used with signatures {prev} and {(arity, arg_sort)}")
        self.functions[name] = (arity, arg_sort)
        return name

    # -- terms ------------------------------------------------------------------------------------
    def term(self, e: Any) -> str:
        """The SMT-LIB2 text of a sympy expression or Boolean."""
        if isinstance(e, Forall):
            return self._forall(e)
        e = sp.sympify(e)
        if e is sp.true:
            return "true"
        if e is sp.false:
            return "false"
        if isinstance(e, sp.Symbol):
            return self._symbol(e)
        if isinstance(e, sp.Integer):
            return f"{int(e)}.0" if e >= 0 else f"(- {-int(e)}.0)"
        if isinstance(e, sp.Rational):
            p, q = int(e.p), int(e.q)
            return f"(/ {p}.0 {q}.0)" if p >= 0 else f"(- (/ {-p}.0 {q}.0))"
        if isinstance(e, sp.Add):
            return "(+ " + " ".join(self.term(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = [], []
            for a in e.args:
                if isinstance(a, sp.Pow) and a.exp.is_Integer and a.exp < 0:
                    den.append(self.term(a.base ** (-a.exp)))
                elif isinstance(a, sp.Rational) and not isinstance(a, sp.Integer):
                    num.append(f"{int(a.p)}.0" if a.p >= 0 else f"(- {-int(a.p)}.0)")
                    den.append(f"{int(a.q)}.0")
                else:
                    num.append(self.term(a))
            top = num[0] if len(num) == 1 else "(* " + " ".join(num or ["1.0"]) + ")"
            if not den:
                return top
            bottom = den[0] if len(den) == 1 else "(* " + " ".join(den) + ")"
            return f"(/ {top} {bottom})"
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            k = int(e.exp)
            if k == 0:
                return "1.0"
            base = self.term(e.base)
            prod = base if abs(k) == 1 else "(* " + " ".join([base] * abs(k)) + ")"
            return prod if k > 0 else f"(/ 1.0 {prod})"
        if isinstance(e, sp.Pow) and e.base is not sp.E and e.exp.could_extract_minus_sign():
            # b^(-t) with a symbolic t is 1 / b^t, so that b^t keeps one opaque constant
            return f"(/ 1.0 {self.term(sp.Pow(e.base, -e.exp))})"
        if isinstance(e, (sp.exp, sp.log)) or (isinstance(e, sp.Pow) and e.base is sp.E):
            raise SmtError(
                f"{e}: use the uninterpreted Exp/Ln of tensorkv_check.claims.axioms, "
                "whose laws come from named axioms"
            )
        if isinstance(e, sp.Abs):
            t = self.term(e.args[0])
            return f"(ite (>= {t} 0.0) {t} (- {t}))"
        if isinstance(e, (Exp, Ln, H2)) or isinstance(e, AppliedUndef):
            name = self._function(type(e).__name__, len(e.args))
            return f"({name} " + " ".join(self.term(a) for a in e.args) + ")"
        if isinstance(e, sp.Indexed):
            self.integers = True
            name = self._function(str(e.base), len(e.indices), "Int")
            return f"({name} " + " ".join(self._index(i) for i in e.indices) + ")"
        if isinstance(e, Every):
            body, j, lo, hi = e.args
            if j in self._bound:
                raise SmtError(f"index {j} bound twice in {e}")
            self.quantified = self.integers = True
            name = self._name_of(("bound", j, len(self._bound)), "i_" + j.name)
            self._bound[j] = name
            try:
                inner = self.term(body)
            finally:
                del self._bound[j]
            return (
                f"(forall (({name} Int)) (=> (and (<= {self.term(lo)} (to_real {name})) "
                f"(<= (to_real {name}) {self.term(hi)})) {inner}))"
            )
        if isinstance(e, sp.Eq):
            return f"(= {self.term(e.lhs)} {self.term(e.rhs)})"
        if isinstance(e, sp.Ne):
            return f"(not (= {self.term(e.lhs)} {self.term(e.rhs)}))"
        ops = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">="}
        for cls, op in ops.items():
            if isinstance(e, cls):
                return f"({op} {self.term(e.lhs)} {self.term(e.rhs)})"
        if isinstance(e, sp.And):
            return "(and " + " ".join(self.term(a) for a in e.args) + ")"
        if isinstance(e, sp.Or):
            return "(or " + " ".join(self.term(a) for a in e.args) + ")"
        if isinstance(e, sp.Not):
            return f"(not {self.term(e.args[0])})"
        if isinstance(e, sp.Implies):
            return f"(=> {self.term(e.args[0])} {self.term(e.args[1])})"
        if isinstance(e, sp.Basic) and not e.is_Boolean:
            return self._opaque(e)
        raise SmtError(f"cannot translate {e!r} ({type(e).__name__}) to SMT-LIB2")

    def _forall(self, f: Forall) -> str:
        names = []
        for v in f.variables:
            if v in self._bound:
                raise SmtError(f"variable {v} bound twice")
            names.append(self._name_of(("bound", v, len(self._bound)), "q_" + v.name))
            self._bound[v] = names[-1]
        try:
            inner = self.term(f.body)
        finally:
            for v in f.variables:
                del self._bound[v]
        if not names:
            return inner
        self.quantified = True
        return "(forall (" + " ".join(f"({n} Real)" for n in names) + ") " + inner + ")"

    def _index(self, i: Any) -> str:
        i = sp.sympify(i)
        if isinstance(i, sp.Symbol) and i in self._bound:
            return self._bound[i]
        if isinstance(i, sp.Integer):
            return str(int(i)) if i >= 0 else f"(- {-int(i)})"
        raise SmtError(f"index {i} must be a bound index or an integer literal")

    def _opaque(self, e: sp.Basic) -> str:
        bound = set(self._bound)
        if e.free_symbols & bound:
            raise SmtError(f"{e} depends on a bound index and cannot be abstracted as a constant")
        e = canonical_sums(e)
        if e not in self.opaque:
            name = self._name_of(("opaque", e), f"o{len(self.opaque) + 1}")
            self.opaque[e] = name
            self.constants[name] = "Real"
        return self.opaque[e]

    def logic(self) -> str:
        """The SMT-LIB logic of what was printed: uninterpreted functions and non-linear
        real (or mixed integer-real) arithmetic, quantified only if needed. Naming it,
        rather than ``ALL``, lets z3 pick its non-linear decision procedure."""
        return ("" if self.quantified else "QF_") + "UF" + ("NIRA" if self.integers else "NRA")

    def declarations(self) -> list[str]:
        """``declare-fun`` lines for everything the printed terms used."""
        out = []
        for name, (arity, sort) in sorted(self.functions.items()):
            out.append(f"(declare-fun {name} (" + " ".join([sort] * arity) + ") Real)")
        for name, sort in sorted(self.constants.items()):
            out.append(f"(declare-fun {name} () {sort})")
        for e, name in self.opaque.items():
            out.append(f"; {name} := {sp.sstr(e)}")
        return out


def _comment(text: str) -> str:
    return "; " + " ".join(str(text).split())


def _script(title: str, facts: Sequence[tuple[str, Any]], goal: Any | None) -> str:
    printer = SmtPrinter()
    body = []
    for label, f in facts:
        body.append(_comment(label))
        body.append(f"(assert {printer.term(f)})")
    if goal is not None:
        body.append(_comment("negated conclusion: the obligation holds iff this script is unsat"))
        body.append(f"(assert (not {printer.term(goal)}))")
    head = [_comment(title), f"(set-logic {printer.logic()})"] + printer.declarations()
    return "\n".join(head + body + ["(check-sat)", ""])


def obligation_script(title: str, facts: Iterable[tuple[str, Any]], conclusion: Any) -> str:
    """The SMT-LIB2 script asserting ``facts`` and ``not conclusion``; ``unsat`` proves the step.

    Parameters
    ----------
    title : str
        A comment line naming the obligation.
    facts : iterable of (label, sympy Boolean)
        Hypotheses, axiom instances, earlier conclusions; each label becomes a comment.
    conclusion : sympy Boolean

    Raises
    ------
    SmtError
        If a formula cannot be translated.
    """
    return _script(title, list(facts), conclusion)


def vacuity_script(title: str, facts: Iterable[tuple[str, Any]]) -> str:
    """The SMT-LIB2 script asserting ``facts`` alone; it must be ``sat`` (the facts are consistent)."""
    return _script(title + " (vacuity: the facts alone must be satisfiable)", list(facts), None)


def run_smtlib2(text: str, *, timeout_ms: int = 20_000) -> str:
    """Run z3 on an SMT-LIB2 script's *text*; returns ``"sat"``, ``"unsat"`` or ``"unknown"``.

    Parameters
    ----------
    text : str
        A script with its declarations and assertions (``(check-sat)`` lines are ignored:
        the solver is asked once, after every assertion).
    timeout_ms : int
        Solver timeout; a timeout answers ``"unknown"``.
    """
    import z3

    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.from_string(text)
    answer = str(solver.check())
    # z3 turns a Ctrl-C during check() into an "unknown" answer; pass it on as the
    # interruption it was, so that a command stops instead of recording a failed step.
    reason = solver.reason_unknown().lower() if answer == "unknown" else ""
    if "keyboard" in reason or "cancel" in reason:
        raise KeyboardInterrupt
    return answer
