"""Colours, symbols and the stylesheet of the HTML report.

Every status is shown as a word, a symbol and a colour together (the colours are from the
colour-blind-safe Okabe–Ito palette, lightened as fills so dark text stays readable), so no
reader depends on colour alone.
"""

from __future__ import annotations

import html

__all__ = ["CSS", "EVIDENCE_STYLE", "OUTCOME_STYLE", "PROOF_STYLE", "STATUS_STYLE", "badge", "claim_anchor"]

#: Proof axis: fill colour (light), border colour (strong) and symbol.
PROOF_STYLE: dict[str, dict[str, str]] = {
    "proved": {"fill": "#bfe8d9", "colour": "#009E73", "symbol": "∎"},
    "partial": {"fill": "#f7f1a6", "colour": "#b3a300", "symbol": "◐"},
    "unproved": {"fill": "#ececec", "colour": "#777777", "symbol": "○"},
    "refuted": {"fill": "#f5c9ad", "colour": "#D55E00", "symbol": "✗"},
    "cited": {"fill": "#dcd3ea", "colour": "#7b5aa6", "symbol": "§"},
}
#: Evidence axis: colour, dash pattern of the graph node's border, symbol.
EVIDENCE_STYLE: dict[str, dict[str, str]] = {
    "corroborated": {"fill": "#cfe6f5", "colour": "#0072B2", "dash": "", "symbol": "✓"},
    "contradicted": {"fill": "#f5c9ad", "colour": "#D55E00", "dash": "6 3", "symbol": "✗"},
    "none": {"fill": "#ffffff", "colour": "#999999", "dash": "2 2", "symbol": "·"},
}
#: The one-word summary status.
STATUS_STYLE: dict[str, dict[str, str]] = {
    "proved": PROOF_STYLE["proved"],
    "corroborated": {"fill": "#cfe6f5", "colour": "#0072B2", "symbol": "✓"},
    "partial": PROOF_STYLE["partial"],
    "cited": PROOF_STYLE["cited"],
    "refuted": PROOF_STYLE["refuted"],
    "failing": {"fill": "#f8dca8", "colour": "#E69F00", "symbol": "⚠"},
}
#: Outcomes of a check, of a proof obligation and of an explorer.
OUTCOME_STYLE: dict[str, dict[str, str]] = {
    "pass": {"fill": "#bfe8d9", "colour": "#009E73", "symbol": "✓"},
    "discharged": {"fill": "#bfe8d9", "colour": "#009E73", "symbol": "✓"},
    "cited": PROOF_STYLE["cited"],
    "explored": {"fill": "#ececec", "colour": "#777777", "symbol": "○"},
    "counterexample": {"fill": "#f5c9ad", "colour": "#D55E00", "symbol": "✗"},
    "refuted": {"fill": "#f5c9ad", "colour": "#D55E00", "symbol": "✗"},
    "hypothesis-necessary": {"fill": "#f7f1a6", "colour": "#b3a300", "symbol": "!"},
    "fail": {"fill": "#f5c9ad", "colour": "#D55E00", "symbol": "✗"},
    "error": {"fill": "#f8dca8", "colour": "#E69F00", "symbol": "⚠"},
}
_DEFAULT = {"fill": "#ffffff", "colour": "#777777", "symbol": "?"}


def claim_anchor(claim_id: str) -> str:
    """The HTML id of a claim's section: the claim id itself, so ``#thm:x`` links keep working."""
    return claim_id


def badge(word: str, styles: dict[str, dict[str, str]], prefix: str = "") -> str:
    """A status badge: symbol, word and colour (``prefix`` names the axis, e.g. ``proof``)."""
    st = styles.get(word, _DEFAULT)
    label = f"{prefix} {word}" if prefix else word
    return (
        f'<span class="badge" style="background:{st["fill"]};border-color:{st["colour"]}">'
        f'<span aria-hidden="true">{st["symbol"]}</span> {html.escape(label)}</span>'
    )


CSS = """
:root{--fg:#1d1d1d;--muted:#555;--rule:#d0d0d0;--soft:#f6f6f6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--fg);
line-height:1.45;margin:0;padding:0 1rem 3rem;max-width:1180px;margin-inline:auto;overflow-wrap:break-word}
h1{font-size:1.6rem;margin:1.2rem 0 .4rem}h2{font-size:1.35rem;border-bottom:2px solid var(--rule);
padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.15rem;margin:0 0 .4rem}h4{font-size:1rem;margin:1rem 0 .3rem}
a{color:#0b5cad}code,pre{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.9em}
pre{background:var(--soft);padding:.5rem;overflow-x:auto;white-space:pre}
.muted{color:var(--muted)}.small{font-size:.88em}
.badge{display:inline-block;border:2px solid #777;border-radius:4px;padding:0 .4em;margin:.1em .2em .1em 0;
font-size:.85em;white-space:nowrap;color:#111;print-color-adjust:exact;-webkit-print-color-adjust:exact}
nav.toc{background:var(--soft);border:1px solid var(--rule);padding:.5rem 1rem;margin:1rem 0}
nav.toc a{white-space:nowrap}
nav.toc ul.inline{display:inline;padding:0;margin:0}nav.toc ul.inline li{display:inline;margin-right:.9rem}
nav.toc ul.claims{columns:3 17rem;column-gap:1.5rem;margin:.2rem 0;padding-left:1.1rem}
nav.toc ul.claims li{break-inside:avoid;margin:.1rem 0}
.tag{font-size:.8em;color:var(--muted);border:1px solid var(--rule);border-radius:3px;padding:0 .3em}
ul.findings details>summary{list-style:none}
ul.findings details>summary::after{content:" …more";color:#0b5cad;font-size:.85em}
ul.findings details[open]>summary::after{content:""}
.graphbox{overflow-x:auto;border:1px solid var(--rule);background:#fff;padding:.3rem;margin:.5rem 0}
.graphbox svg{display:block;width:100%;height:auto}
.graphbox a.node:hover rect,.graphbox a.node:focus rect{stroke-width:4}
.legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.88em}
.counts{display:flex;flex-wrap:wrap;gap:1rem 2.5rem}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:.3rem 0}
th,td{border:1px solid var(--rule);padding:.25rem .4rem;vertical-align:top;text-align:left;
overflow-wrap:anywhere}
th{background:var(--soft)}
section.claim{border:1px solid var(--rule);border-left:6px solid #777;border-radius:4px;padding:.8rem 1rem;
margin:1.2rem 0;background:#fff}
.claimhead{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3rem .8rem}
.statement{font-size:1.02em}
.formula{overflow-x:auto;overflow-y:hidden;max-width:100%;padding:.15rem 0}
span.formula{display:inline-block;vertical-align:middle}
.formula math[display="block"]{margin:.2rem 0}
math{font-size:1.12em;font-family:"DejaVu Math TeX Gyre","STIX Two Math","Latin Modern Math",math}
.formula math{math-style:normal}
ul.hyps{margin:.2rem 0;padding-left:1.3rem}
table.steps{table-layout:fixed}
table.steps col.n{width:2.2rem}table.steps col.id{width:11rem}table.steps col.be{width:5.5rem}
table.steps col.uses{width:12rem}table.steps col.t{width:4.5rem}
details{margin:.15rem 0}
details>summary{cursor:pointer}
details.row{border-bottom:1px solid #e6e6e6;padding:.15rem 0}
details.row>summary{list-style-position:outside;margin-left:1rem}
details.row .more{padding:.3rem 0 .4rem 1rem}
.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem .8rem;font-size:.92em}
.kv dt{color:var(--muted)}.kv dd{margin:0;min-width:0}
figure{margin:1rem 0;border:1px solid var(--rule);padding:.5rem;background:#fff;break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{font-size:.92em;margin-top:.4rem}
ul.findings li{margin:.2rem 0}
.caveat{border-left:4px solid #E69F00;background:#fff8e6;padding:.2rem .7rem;margin:.4rem 0}
@media (max-width:700px){
 body{padding:0 .6rem 2rem}
 table.steps,table.steps tbody,table.steps tr,table.steps td{display:block;width:auto}
 table.steps colgroup,table.steps thead{display:none}
 table.steps tr{border:1px solid var(--rule);margin:.4rem 0}
 table.steps td{border:0;border-bottom:1px solid #eee}
 table.steps td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.9em}
 nav.toc ul.claims{columns:1}
}
@media print{
 body{max-width:none;padding:0;font-size:10.5pt}
 nav.toc,.noprint{display:none}
 section.claim,figure,tr{break-inside:avoid}
 h2,h3,h4{break-after:avoid}
 details>summary{list-style:none}
 details::details-content{content-visibility:visible;display:contents}
 .graphbox{overflow:visible;border:0}.graphbox svg{min-width:0 !important}
 .formula{overflow:visible;white-space:normal}
 a{color:inherit;text-decoration:none}
}
"""
