"""Proof mutants: logical mistakes planted in the machine-checked proofs (issue's "proof mutants").

Each mutant changes one thing in one proof (an inequality flipped, a hypothesis dropped, a
constant changed, an axiom removed from a step's ``uses``, a sum's range off by one, a
dependency's statement weakened, an unnamed fact used, contradictory hypotheses); checked
against the unmutated dependencies, the proof must then be *not* proved. A mutant that
stays ``proved`` means the proof checker (or the proof) does not decide what it claims to.

The package's :func:`proofs.proof_mutants` hands them to the framework's self-test
(``tensorkv-check selftest``) without the framework naming this package;
``tests/test_proof_mutants.py`` runs them under pytest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import NamedTuple

import sympy as sp

from tensorkv_check.claims.axioms import H2, Every, Exp, Ln
from tensorkv_check.claims.obligations import Proof

__all__ = ["ProofMutant", "proof_mutants"]

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


#: (name, claim id, what is planted, mutation of its proof)
_MUTANTS: list[tuple[str, str, str, Callable[[Proof], Proof]]] = [
    (
        "ho25-flip-x-le-count",
        "thm:ho25-lb",
        "inequality flipped: x >= (n-1)e^{-C(1-2eps)}",
        lambda p: _conclusion(p, "x_le_count", _flip),
    ),
    ("ho25-drop-C-ge-Cstar", "thm:ho25-lb", "hypothesis C >= C* dropped", lambda p: _hyp(p, "C_ge_Cstar")),
    (
        "ho25-Cstar-1-eps",
        "thm:ho25-lb",
        "constant changed in the definition of C*: 1-2eps -> 1-eps",
        lambda p: _hyp(p, "Cstar_def", sp.Eq((n - 1) * Exp(-Cs * (1 - eps)), R(1, 4))),
    ),
    (
        "ho25-no-exp-mono",
        "thm:ho25-lb",
        "axiom exp_mono removed from a step's uses",
        lambda p: _uses(p, "off_weight_le", drop="exp_mono"),
    ),
    (
        "ho25-sum-off-by-one",
        "thm:ho25-lb",
        "sum range off by one: x = sum over k = 1..n",
        lambda p: _hyp(p, "x_def", sp.Eq(S("x"), sp.Sum(sp.IndexedBase("w")[k], (k, 1, n)))),
    ),
    (
        "ho25-unnamed-fact",
        "thm:ho25-lb",
        "a step uses an unnamed fact",
        lambda p: _uses(p, "x_le_quarter", drop="Cstar_def", add="Cstar_is_large"),
    ),
    (
        "ho25-approx-one-third",
        "thm:ho25-lb",
        "approximation constant changed: within 1/4 -> within 1/3",
        lambda p: _hyp(p, "approx", sp.Le(sp.Abs(S("a") - S("o")), R(1, 3))),
    ),
    (
        "ho25-weak-index-lb",
        "thm:ho25-lb",
        "dependency thm:index-lb's statement weakened (halved)",
        _weaken_index_dependency,
    ),
    (
        "ho25-no-eps-range",
        "thm:ho25-lb",
        "hypothesis eps < 1/2 dropped from a step (sign of 1-2eps unknown)",
        lambda p: _uses(p, "exp_C_le_Cstar", drop="eps_range"),
    ),
    (
        "ho25-vacuous",
        "thm:ho25-lb",
        "contradictory hypotheses (vacuous proof)",
        lambda p: _hyp(p, "n_small", sp.Lt(n, 1)),
    ),
    (
        "ho25-statement-2nd",
        "thm:ho25-lb",
        "statement strengthened: M >= 2nd",
        lambda p: dataclasses.replace(
            p, statement=p.statement.xreplace({sp.Ge(M, n * d): sp.Ge(M, 2 * n * d)})
        ),
    ),
    (
        "index-lb-sum-off-by-one",
        "thm:index-lb",
        "sum range off by one in the index-form identity",
        lambda p: _conclusion(
            p, "sum_split", lambda c: sp.Eq(sp.Sum(c.lhs.function, (c.lhs.limits[0][0], 1, N + 1)), c.rhs)
        ),
    ),
    (
        "index-lb-no-fano",
        "thm:index-lb",
        "Fano's axiom removed",
        lambda p: _uses(p, "sum_fano", drop="fano_bit"),
    ),
    (
        "near-orth-constant-2",
        "lem:near-orthogonal",
        "constant changed: d >= ln(n^2/delta)/eps^2 (2 dropped)",
        lambda p: _hyp(p, "d_bound", sp.Ge(d, Ln(n**2 / delta) / eps**2)),
    ),
    (
        "near-orth-no-hoeffding",
        "lem:near-orthogonal",
        "Hoeffding removed",
        lambda p: _uses(p, "pair_tail", drop="hoeffding_pm1"),
    ),
    (
        "jl-gaussian-2f",
        "lem:jl-gaussian",
        "constant changed: 2 ln(2f/delta) -> 2 ln(f/delta)",
        lambda p: _hyp(p, "k_bound", sp.Ge(S("k"), 2 * Ln(S("f") / delta) / (eps**2 / 2 - eps**3 / 3))),
    ),
    (
        "jl-projection-flip-ln",
        "lem:jl-projection",
        "inequality flipped in the ln comparison",
        lambda p: _conclusion(p, "ln_compare", _flip),
    ),
    (
        "four-cache-pair-sum-n-plus-1",
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
        "two-cache-dep-at-n",
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
        "tradeoff-gap-constant",
        "rem:tradeoff",
        "constant changed: four - two = n^2 + 2nd",
        lambda p: _conclusion(p, "identity_gap", lambda c: sp.Eq(c.lhs, n**2 + 2 * n * d)),
    ),
    (
        "tradeoff-no-d-ge-2",
        "rem:tradeoff",
        "hypothesis d >= 2 dropped from the ordering step",
        lambda p: _uses(p, "ordering", drop="d_ge2"),
    ),
    (
        "covering-1-plus-1-over-delta",
        "thm:covering",
        "constant changed: (1 + 1/delta)^d",
        lambda p: _conclusion(p, "ratio", lambda c: sp.Eq(c.lhs, (1 + 1 / delta) ** d, evaluate=False)),
    ),
    (
        "kron-clust-no-sup-b",
        "lem:kron-clusterable",
        "sup-norm hypothesis on b dropped",
        lambda p: _hyp(p, "sup_b"),
    ),
    (
        "kron-clust-statement-half",
        "lem:kron-clusterable",
        "constant changed in the statement: delta1 R2 + R1 delta2 / 2",
        lambda p: dataclasses.replace(
            p, statement=sp.Le(S("D"), S("delta1") * S("R2") + S("R1") * S("delta2") / 2)
        ),
    ),
    (
        "kron-clust-no-minkowski",
        "lem:kron-clusterable",
        "Minkowski's inequality removed",
        lambda p: _uses(p, "triangle", drop="minkowski"),
    ),
    (
        "subgen-s-9",
        "thm:subgen",
        "constant changed: s >= 9 sr/(eps^2 p)",
        lambda p: _hyp(p, "s_choice", sp.Ge(S("s"), 9 * S("sr") / (eps**2 * S("p")))),
    ),
    (
        "subgen-den-eps-2",
        "thm:subgen",
        "constant changed: denominator within eps/2 instead of eps/3",
        lambda p: _hyp(
            p, "den_ok", sp.And(sp.Gt(S("Z"), 0), sp.Le(sp.Abs(S("tau") - S("Z")), eps / 2 * S("Z")))
        ),
    ),
    (
        "subgen-no-bernstein",
        "thm:subgen",
        "Bernstein removed",
        lambda p: _uses(p, "denominator_fails", drop="bernstein_mean"),
    ),
    (
        "subgen4cache-clusters-1",
        "thm:subgen4cache",
        "constant changed: clusters m1, m2 >= 1 (memory comparison)",
        lambda p: _hyp(p, "clusters", sp.And(sp.Ge(S("m1"), 1), sp.Ge(S("m2"), 1), sp.Ge(S("s"), 0))),
    ),
    (
        "subgen4cache-spread-delta1",
        "thm:subgen4cache",
        "spread bound uses delta1 R2 only (R1 delta2 dropped)",
        lambda p: _hyp(
            p, "spread_bar", sp.Eq(S("ratio_bar"), Exp(2 * S("c") * S("r") * S("delta1") * S("R2")))
        ),
    ),
    (
        "lowdim-budget-2T2",
        "thm:lowdim-tensor-lb",
        "constant changed: key budget 2T^2 <= e^{d eps^2} (exponent doubled)",
        lambda p: _hyp(p, "budget", sp.Le(2 * S("T") ** 2, Exp(d * eps**2))),
    ),
    (
        "covering-no-volume-scaling",
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


_MUTANTS += [
    (
        "softmax-shift-sign",
        "def:softmax",
        "shift sign flipped in a definition: w_c = exp(z + c)",
        lambda p: _hyp(p, "wc_def", Every(sp.Eq(_zj[_jj], Exp(_zi[_jj] + S("c"))), _jj, 1, n)),
    ),
    (
        "softmax-no-sum-pos",
        "def:softmax",
        "axiom sum_pos removed (denominator not shown positive)",
        lambda p: _uses(p, "S_pos", drop="sum_pos"),
    ),
    (
        "softmax-flip-overflow",
        "def:softmax",
        "inequality flipped: the max shift gives exponentials >= 1",
        lambda p: _conclusion(
            p,
            "no_overflow",
            lambda c: sp.Implies(c.args[0], Every(_flip(c.args[1].args[0]), *c.args[1].args[1:])),
        ),
    ),
    (
        "kron-stride",
        "def:kron",
        "row order with stride n2 - 1: (j - 1)(n2 - 1) + k is not injective",
        lambda p: _conclusion(p, "injective", _stride),
    ),
    (
        "kron-row-off-by-one",
        "def:kron",
        "row order off by one: r(j, k) = j n2 + k",
        lambda p: _conclusion(
            p,
            "in_range",
            lambda c: c.xreplace({sp.Symbol("j", integer=True) - 1: sp.Symbol("j", integer=True)}),
        ),
    ),
    (
        "tensor-attn-no-normalise",
        "def:tensor-attention",
        "step normalise removed from the final step's uses",
        lambda p: _uses(p, "assemble", drop="normalise"),
    ),
    (
        "tensor-attn-sum-off-by-one",
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
        "four-cache-memory-3rd",
        "def:four-cache",
        "constant changed: three caches (memory = 3 r d)",
        lambda p: _hyp(p, "memory_def", sp.Eq(S("memory"), 3 * S("r") * d)),
    ),
    (
        "two-cache-rows-off-by-one",
        "def:two-cache",
        "sum range off by one: rows = sum of 2t - 1 for t = 1..i+1",
        lambda p: _hyp(p, "rows_def", _sum_range(p.hypotheses["rows_def"], "t", S("i") + 1)),
    ),
    (
        "two-cache-no-sizes",
        "def:two-cache",
        "hypothesis i, d >= 1 dropped from the append-work bound",
        lambda p: _uses(p, "append_work", drop="sizes"),
    ),
    (
        "jlt-eps-half",
        "def:jlt",
        "constant changed: inner-product error within eps/2",
        lambda p: dataclasses.replace(
            p, statement=p.statement.xreplace({eps * S("nx") * S("ny"): eps * S("nx") * S("ny") / 2})
        ),
    ),
    (
        "jlt-no-norm-minus",
        "def:jlt",
        "norm form on x^ - y^ dropped",
        lambda p: _uses(p, "inner_product", drop="norm_minus"),
    ),
]


class ProofMutant(NamedTuple):
    """One planted mistake: its ``name``, the ``claim_id`` whose proof it mutates, the mutated
    ``proof`` and a ``description`` of what was planted."""

    name: str
    claim_id: str
    proof: Proof
    description: str


def proof_mutants(proofs: Mapping[str, Proof] | None = None) -> list[ProofMutant]:
    """Every proof mutant, built from ``proofs`` (default: :func:`proofs._proofs.all_proofs`).

    Parameters
    ----------
    proofs : mapping of claim id to Proof, optional
        The unmutated proofs (a registry's attached proofs, say); each mutant is its
        claim's proof with one change.

    Returns
    -------
    list of ProofMutant
        In a fixed order, names unique.

    Raises
    ------
    KeyError
        If ``proofs`` lacks the proof a mutant changes.
    """
    if proofs is None:
        from proofs._proofs import all_proofs

        proofs = all_proofs()
    return [ProofMutant(name, cid, mutate(proofs[cid]), what) for name, cid, what, mutate in _MUTANTS]
