"""Proof mutants: logical mistakes planted in the machine-checked proofs must be caught.

Each mutant changes one thing in one proof (an inequality flipped, a hypothesis dropped, a
constant changed, an axiom removed from a step's ``uses``, a sum's range off by one, a
dependency's statement weakened, an unnamed fact used, contradictory hypotheses) and the
proof must then check as *not* proved. A surviving mutant fails the run; the kill rate is
printed (``pytest -s``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import pytest
import sympy as sp

from proofs._proofs import all_proofs
from tensorkv_check.claims.axioms import H2, Every, Exp, Ln
from tensorkv_check.claims.obligations import Proof, check_proofs

R = sp.Rational
S = lambda name: sp.Symbol(name, real=True)  # noqa: E731
n, eps, Cs, d, delta, M, N = (S(s) for s in ("n", "epsilon", "Cstar", "d", "delta", "M", "N"))
k = sp.Symbol("k", integer=True)
j = sp.Symbol("j", integer=True)


def _step(proof: Proof, sid: str, **changes) -> Proof:
    steps = tuple(dataclasses.replace(s, **changes) if s.id == sid else s for s in proof.steps)
    assert any(s.id == sid for s in proof.steps), sid
    return dataclasses.replace(proof, steps=steps)


def _hyp(proof: Proof, name: str, value=None) -> Proof:
    hyps = dict(proof.hypotheses)
    assert name in hyps or value is not None, name
    if value is None:
        del hyps[name]
    else:
        hyps[name] = value
    return dataclasses.replace(proof, hypotheses=hyps)


def _uses(proof: Proof, sid: str, drop: str = "", add: str = "") -> Proof:
    step = next(s for s in proof.steps if s.id == sid)
    assert not drop or drop in step.uses, (sid, drop)
    uses = tuple(u for u in step.uses if u != drop) + ((add,) if add else ())
    return _step(proof, sid, uses=uses)


def _flip(rel):
    return {
        sp.LessThan: sp.GreaterThan,
        sp.GreaterThan: sp.LessThan,
        sp.StrictLessThan: sp.StrictGreaterThan,
        sp.StrictGreaterThan: sp.StrictLessThan,
    }[type(rel)](*rel.args)


def _conclusion(proof: Proof, sid: str, fn: Callable) -> Proof:
    step = next(s for s in proof.steps if s.id == sid)
    return _step(proof, sid, conclusion=fn(step.conclusion))


def _weaken_index_dependency(p: Proof) -> Proof:
    dep = p.dependencies[0]
    weak = dataclasses.replace(dep, statement=sp.Ge(M, n * d * (1 - H2(S("pbar"))) / 2))
    return dataclasses.replace(p, dependencies=(weak,))


#: (claim id, what is planted, mutation of its proof)
MUTANTS: list[tuple[str, str, Callable[[Proof], Proof]]] = [
    (
        "thm:ho25-lb",
        "inequality flipped: x >= (n-1)e^{-C(1-2eps)}",
        lambda p: _conclusion(p, "x_le_count", _flip),
    ),
    ("thm:ho25-lb", "hypothesis C >= C* dropped", lambda p: _hyp(p, "C_ge_Cstar")),
    (
        "thm:ho25-lb",
        "constant changed in the definition of C*: 1-2eps -> 1-eps",
        lambda p: _hyp(p, "Cstar_def", sp.Eq((n - 1) * Exp(-Cs * (1 - eps)), R(1, 4))),
    ),
    (
        "thm:ho25-lb",
        "axiom exp_mono removed from a step's uses",
        lambda p: _uses(p, "off_weight_le", drop="exp_mono"),
    ),
    (
        "thm:ho25-lb",
        "sum range off by one: x = sum over k = 1..n",
        lambda p: _hyp(p, "x_def", sp.Eq(S("x"), sp.Sum(sp.IndexedBase("w")[k], (k, 1, n)))),
    ),
    (
        "thm:ho25-lb",
        "a step uses an unnamed fact",
        lambda p: _uses(p, "x_le_quarter", drop="Cstar_def", add="Cstar_is_large"),
    ),
    (
        "thm:ho25-lb",
        "approximation constant changed: within 1/4 -> within 1/3",
        lambda p: _hyp(p, "approx", sp.Le(sp.Abs(S("a") - S("o")), R(1, 3))),
    ),
    ("thm:ho25-lb", "dependency thm:index-lb's statement weakened (halved)", _weaken_index_dependency),
    (
        "thm:ho25-lb",
        "hypothesis eps < 1/2 dropped from a step (sign of 1-2eps unknown)",
        lambda p: _uses(p, "exp_C_le_Cstar", drop="eps_range"),
    ),
    ("thm:ho25-lb", "contradictory hypotheses (vacuous proof)", lambda p: _hyp(p, "n_small", sp.Lt(n, 1))),
    (
        "thm:ho25-lb",
        "statement strengthened: M >= 2nd",
        lambda p: dataclasses.replace(
            p, statement=p.statement.xreplace({sp.Ge(M, n * d): sp.Ge(M, 2 * n * d)})
        ),
    ),
    (
        "thm:index-lb",
        "sum range off by one in the index-form identity",
        lambda p: _conclusion(
            p, "sum_split", lambda c: sp.Eq(sp.Sum(c.lhs.function, (c.lhs.limits[0][0], 1, N + 1)), c.rhs)
        ),
    ),
    ("thm:index-lb", "Fano's axiom removed", lambda p: _uses(p, "sum_fano", drop="fano_bit")),
    (
        "lem:near-orthogonal",
        "constant changed: d >= ln(n^2/delta)/eps^2 (2 dropped)",
        lambda p: _hyp(p, "d_bound", sp.Ge(d, Ln(n**2 / delta) / eps**2)),
    ),
    ("lem:near-orthogonal", "Hoeffding removed", lambda p: _uses(p, "pair_tail", drop="hoeffding_pm1")),
    (
        "lem:jl-gaussian",
        "constant changed: 2 ln(2f/delta) -> 2 ln(f/delta)",
        lambda p: _hyp(p, "k_bound", sp.Ge(S("k"), 2 * Ln(S("f") / delta) / (eps**2 / 2 - eps**3 / 3))),
    ),
    (
        "lem:jl-projection",
        "inequality flipped in the ln comparison",
        lambda p: _conclusion(p, "ln_compare", _flip),
    ),
    (
        "thm:four-cache-lb",
        "pair sum's range off by one (n+1 copies in the numerator)",
        lambda p: _hyp(
            p,
            "tensor_out",
            sp.Eq(
                p.hypotheses["tensor_out"].lhs,
                p.hypotheses["tensor_out"].rhs.replace(
                    lambda e: (
                        isinstance(e, sp.Sum)
                        and e.limits[0][0].name == "kk"
                        and e.function.has(sp.IndexedBase("c"))
                    ),
                    lambda e: sp.Sum(e.function, (e.limits[0][0], 1, n + 1)),
                ),
            ),
        ),
    ),
    (
        "thm:two-cache-lb",
        "dependency thm:ho25-lb instantiated at n instead of n^2",
        lambda p: dataclasses.replace(
            p,
            dependencies=(
                dataclasses.replace(
                    p.dependencies[0], subs={}, statement=p.dependencies[0].statement.xreplace({n**2: n})
                ),
            ),
        ),
    ),
    (
        "rem:tradeoff",
        "constant changed: four - two = n^2 + 2nd",
        lambda p: _conclusion(p, "identity_gap", lambda c: sp.Eq(c.lhs, n**2 + 2 * n * d)),
    ),
    (
        "rem:tradeoff",
        "hypothesis d >= 2 dropped from the ordering step",
        lambda p: _uses(p, "ordering", drop="d_ge2"),
    ),
    (
        "thm:covering",
        "constant changed: (1 + 1/delta)^d",
        lambda p: _conclusion(p, "ratio", lambda c: sp.Eq(c.lhs, (1 + 1 / delta) ** d, evaluate=False)),
    ),
    ("lem:kron-clusterable", "sup-norm hypothesis on b dropped", lambda p: _hyp(p, "sup_b")),
    (
        "lem:kron-clusterable",
        "constant changed in the statement: delta1 R2 + R1 delta2 / 2",
        lambda p: dataclasses.replace(
            p, statement=sp.Le(S("D"), S("delta1") * S("R2") + S("R1") * S("delta2") / 2)
        ),
    ),
    (
        "lem:kron-clusterable",
        "Minkowski's inequality removed",
        lambda p: _uses(p, "triangle", drop="minkowski"),
    ),
    (
        "thm:subgen",
        "constant changed: s >= 9 sr/(eps^2 p)",
        lambda p: _hyp(p, "s_choice", sp.Ge(S("s"), 9 * S("sr") / (eps**2 * S("p")))),
    ),
    (
        "thm:subgen",
        "constant changed: denominator within eps/2 instead of eps/3",
        lambda p: _hyp(
            p, "den_ok", sp.And(sp.Gt(S("Z"), 0), sp.Le(sp.Abs(S("tau") - S("Z")), eps / 2 * S("Z")))
        ),
    ),
    ("thm:subgen", "Bernstein removed", lambda p: _uses(p, "denominator_fails", drop="bernstein_mean")),
    (
        "thm:subgen4cache",
        "constant changed: clusters m1, m2 >= 1 (memory comparison)",
        lambda p: _hyp(p, "clusters", sp.And(sp.Ge(S("m1"), 1), sp.Ge(S("m2"), 1), sp.Ge(S("s"), 0))),
    ),
    (
        "thm:subgen4cache",
        "spread bound uses delta1 R2 only (R1 delta2 dropped)",
        lambda p: _hyp(
            p, "spread_bar", sp.Eq(S("ratio_bar"), Exp(2 * S("c") * S("r") * S("delta1") * S("R2")))
        ),
    ),
    (
        "thm:lowdim-tensor-lb",
        "constant changed: key budget 2T^2 <= e^{d eps^2} (exponent doubled)",
        lambda p: _hyp(p, "budget", sp.Le(2 * S("T") ** 2, Exp(d * eps**2))),
    ),
    (
        "thm:covering",
        "volume-scaling axiom removed",
        lambda p: _uses(p, "packing_bound", drop="volume_scaling"),
    ),
]


# Mutants of the definitions' proofs (proofs/_proof_definitions.py).
_zi, _zj = sp.IndexedBase("z"), sp.IndexedBase("w_c")
_ii, _jj = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)


def _sum_range(expr, index_name: str, hi):
    """Every single-limit sum over ``index_name`` in ``expr`` with its upper bound replaced by ``hi``."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1 and e.limits[0][0].name == index_name,
        lambda e: sp.Sum(e.function, (e.limits[0][0], e.limits[0][1], hi)),
    )


def _stride(formula):
    """The row index (j - 1) n2 + k of a kron formula with the stride n2 replaced by n2 - 1."""
    n2 = S("n2")
    return formula.replace(
        lambda e: isinstance(e, sp.Mul) and n2 in e.args and len(e.args) == 2,
        lambda e: (n2 - 1) * next(a for a in e.args if a != n2),
    )


MUTANTS += [
    (
        "def:softmax",
        "shift sign flipped in a definition: w_c = exp(z + c)",
        lambda p: _hyp(p, "wc_def", Every(sp.Eq(_zj[_jj], Exp(_zi[_jj] + S("c"))), _jj, 1, n)),
    ),
    (
        "def:softmax",
        "axiom sum_pos removed (denominator not shown positive)",
        lambda p: _uses(p, "S_pos", drop="sum_pos"),
    ),
    (
        "def:softmax",
        "inequality flipped: the max shift gives exponentials >= 1",
        lambda p: _conclusion(
            p,
            "no_overflow",
            lambda c: sp.Implies(c.args[0], Every(_flip(c.args[1].args[0]), *c.args[1].args[1:])),
        ),
    ),
    (
        "def:kron",
        "row order with stride n2 - 1: (j - 1)(n2 - 1) + k is not injective",
        lambda p: _conclusion(p, "injective", _stride),
    ),
    (
        "def:kron",
        "row order off by one: r(j, k) = j n2 + k",
        lambda p: _conclusion(
            p,
            "in_range",
            lambda c: c.xreplace({sp.Symbol("j", integer=True) - 1: sp.Symbol("j", integer=True)}),
        ),
    ),
    (
        "def:tensor-attention",
        "step normalise removed from the final step's uses",
        lambda p: _uses(p, "assemble", drop="normalise"),
    ),
    (
        "def:tensor-attention",
        "sum range off by one: the collapse's pair numerator runs k to n2 + 1",
        lambda p: _conclusion(
            p,
            "collapse",
            lambda c: sp.Eq(
                sp.numer(c.lhs).xreplace({S("n2"): S("n2") + 1}) / sp.denom(c.lhs),
                c.rhs,
            ),
        ),
    ),
    (
        "def:four-cache",
        "constant changed: three caches (memory = 3 r d)",
        lambda p: _hyp(p, "memory_def", sp.Eq(S("memory"), 3 * S("r") * d)),
    ),
    (
        "def:two-cache",
        "sum range off by one: rows = sum of 2t - 1 for t = 1..i+1",
        lambda p: _hyp(p, "rows_def", _sum_range(p.hypotheses["rows_def"], "t", S("i") + 1)),
    ),
    (
        "def:two-cache",
        "hypothesis i, d >= 1 dropped from the append-work bound",
        lambda p: _uses(p, "append_work", drop="sizes"),
    ),
    (
        "def:jlt",
        "constant changed: inner-product error within eps/2",
        lambda p: dataclasses.replace(
            p, statement=p.statement.xreplace({eps * S("nx") * S("ny"): eps * S("nx") * S("ny") / 2})
        ),
    ),
    ("def:jlt", "norm form on x^ - y^ dropped", lambda p: _uses(p, "inner_product", drop="norm_minus")),
]


@pytest.fixture(scope="module")
def proofs():
    return all_proofs()


@pytest.fixture(scope="module")
def baseline(proofs):
    return check_proofs(proofs.values())


@pytest.fixture(scope="module")
def mutant_statuses(proofs, baseline):
    """Each mutant's status and seconds, its proof checked against the unmutated dependencies."""
    out = {}
    for cid, what, mutate in MUTANTS:
        start = time.perf_counter()
        result = mutate(proofs[cid]).check(proofs, baseline)
        out[(cid, what)] = (result.status, result.reason, time.perf_counter() - start)
    return out


def test_unmutated_proofs_are_proved(baseline):
    assert {cid for cid, _, _ in MUTANTS} <= {cid for cid, r in baseline.items() if r.status == "proved"}


@pytest.mark.parametrize(
    "cid, what", [(c, w) for c, w, _ in MUTANTS], ids=[f"{c}: {w}" for c, w, _ in MUTANTS]
)
def test_mutant_is_killed(mutant_statuses, cid, what):
    status, reason, _ = mutant_statuses[(cid, what)]
    assert status != "proved", f"surviving mutant: {cid}: {what}"
    assert reason


def test_kill_rate(mutant_statuses):
    killed = sum(status != "proved" for status, _, _ in mutant_statuses.values())
    seconds = sum(s for _, _, s in mutant_statuses.values())
    print(f"\nproof mutants killed: {killed}/{len(MUTANTS)} ({seconds:.1f} s)")
    for (cid, what), (status, reason, sec) in mutant_statuses.items():
        print(f"  {cid:22s} {status:9s} {sec:5.2f}s  {what}  <- {reason[:120]}")
    assert len(MUTANTS) >= 12
    assert killed == len(MUTANTS)
