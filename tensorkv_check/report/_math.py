"""Formulas of the report typeset as MathML (HTML) from the claims' LaTeX and sympy text.

The claims carry their formal statement as LaTeX (``proof.statement_latex``, written by
sympy from the proof's hypotheses and conclusion), each proof step's formula as LaTeX, and
the statement as sympy text (``sympy_statement``). The HTML shows them as presentation
MathML converted by :mod:`latex2mathml` (pure Python, no JavaScript, no network: the page
stays self-contained); text that does not convert is shown as code, never dropped.
"""

from __future__ import annotations

import functools
import html
import re

__all__ = ["mathml", "split_implication", "sympy_latex"]

# A LaTeX token: a control word, a control symbol, or one character.
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)


_WORD_SUB = re.compile(r"_\{([A-Za-z]{2,})\}")
_CHAR_REF = re.compile(r"&#x([0-9A-Fa-f]+);")


def _unref(m: re.Match[str]) -> str:
    ch = chr(int(m.group(1), 16))
    return m.group(0) if ch in "<>&\"'" or not ch.isprintable() else ch


@functools.lru_cache(maxsize=4096)
def mathml(latex: str, display: bool = False) -> str:
    """``latex`` as a ``<math>`` element (block when ``display``); as code when it does not convert.

    Converted once per distinct formula (the axioms recur in every claim's ledger).
    """
    try:
        from latex2mathml.converter import convert

        # A multi-letter subscript is a name (P_{fail}), not a product of variables: upright.
        tex = _WORD_SUB.sub(r"_{\\text{\1}}", latex)
        out = convert(tex, display="block" if display else "inline")
    except Exception:  # a formula the converter rejects is shown as its source
        return f'<code class="tex">{html.escape(latex)}</code>'
    # Characters as themselves, not as numeric references: a third of the markup's size.
    out = _CHAR_REF.sub(_unref, out)
    # The LaTeX source as alttext: what a screen reader without MathML support reads.
    return out.replace("<math ", f'<math alttext="{html.escape(latex)}" ', 1)


def _top_level_split(tokens: list[str], sep: str) -> list[list[str]]:
    """Split a token list at ``sep`` where no brace or ``\\left``/``\\right`` group is open."""
    parts: list[list[str]] = [[]]
    depth = 0
    for tok in tokens:
        if tok in ("{", "\\left"):
            depth += 1
        elif tok in ("}", "\\right"):
            depth -= 1
        if tok == sep and depth == 0:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _strip_parens(tokens: list[str]) -> list[str]:
    """Drop one ``\\left( ... \\right)`` pair that encloses the whole token list."""
    toks = [t for t in tokens]
    while toks and toks[0].isspace():
        toks.pop(0)
    while toks and toks[-1].isspace():
        toks.pop()
    if len(toks) >= 4 and toks[:2] == ["\\left", "("] and toks[-2:] == ["\\right", ")"]:
        inner = toks[2:-2]
        depth = 0
        for tok in inner:  # the pair must enclose everything, not close early
            depth += tok == "\\left"
            depth -= tok == "\\right"
            if depth < 0:
                return toks
        return inner
    return toks


def split_implication(latex: str) -> tuple[list[str], str]:
    """``(H_1 \\wedge ... \\wedge H_k) \\Rightarrow C`` as ``([H_1, ..., H_k], C)``.

    The split is made at the top level only (outside braces and ``\\left``/``\\right``
    groups), so a formula without a top-level implication comes back as ``([], latex)``.
    """
    tokens = _TOKEN.findall(latex)
    parts = _top_level_split(tokens, "\\Rightarrow")
    if len(parts) != 2:
        return [], latex
    hyps = _top_level_split(_strip_parens(parts[0]), "\\wedge")
    hyp_tex = ["".join(h).strip() for h in hyps]
    return [h for h in hyp_tex if h], "".join(parts[1]).strip()


@functools.lru_cache(maxsize=1024)
def sympy_latex(text: str) -> str | None:
    """LaTeX of a sympy expression given as text, or ``None`` when it does not parse."""
    try:
        import sympy as sp

        return str(sp.latex(sp.sympify(text, evaluate=False)))
    except Exception:  # a statement sympy cannot read back is shown as text
        return None
