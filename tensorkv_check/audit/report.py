"""The audit report: ``audit.json``, ``audit.md`` (with ``figures/*.svg``) and ``audit.html``.

Same conventions as the verification report (:mod:`tensorkv_check.report`): canonical
JSON (sorted keys, fixed indentation), every number in the Markdown and HTML read from
that JSON, figures drawn through :func:`tensorkv_check._util.svg.svg_of` (deterministic
bytes), the HTML self-contained (figures inlined as ``data:`` URIs with alt text),
every file written atomically (:func:`tensorkv_check._util.io.atomic_write`) after all
of them are rendered. Everything is a deterministic function of the target, the grid,
the profile and the seed, except the ``timings`` entry, which is kept apart.

Figures: the compressor on the frontier (Bob's success against ``M/N``) beside the
built-in families and Fano's curve, one panel per model; ``M/N`` at ``p = 0.9`` against
Fano's ``1 − h(0.9)``; the attention error against memory on benign inputs.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from tensorkv_check._util.io import atomic_write, ensure_writable_dir
from tensorkv_check._util.svg import svg_of
from tensorkv_check.index import fano_success_ceiling

__all__ = [
    "FORMATS",
    "audit_figures",
    "render_json",
    "render_markdown",
    "render_html",
    "write_audit",
    "summary_lines",
]

FORMATS = ("html", "md", "json")
_MARKERS = ("s", "^", "D", "v", "P", "X", "h", "<", ">")


def render_json(audit: dict[str, Any]) -> str:
    """Canonical JSON text of the audit (sorted keys, fixed indentation)."""
    return json.dumps(audit, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _pstr(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "(no parameters)"


def _frontier_svg(audit: dict[str, Any], model: str) -> str:
    pts = [p for p in audit["points"] if p["model"] == model and p.get("error") is None]
    refs = [p for p in audit["reference"] if p["model"] == model and p.get("error") is None]
    with matplotlib.rc_context({"font.size": 8}):
        fig = Figure(figsize=(7.0, 4.2))
        ax = fig.add_subplot()
        xs = [p["bits_per_bit"] for p in pts + refs]
        lo = min([x for x in xs if x > 0] + [0.05]) / 2
        hi = max(xs + [2.0]) * 2
        grid = np.geomspace(lo, hi, 300)
        ceil = np.array([fano_success_ceiling(x * 1e6, int(1e6)) for x in grid])
        ax.fill_between(
            grid,
            ceil,
            1.05,
            color="#D55E00",
            alpha=0.15,
            linewidth=0,
            label="impossible: M < (1 − h(p))·N (Fano)",
        )
        ax.plot(grid, ceil, color="#D55E00", linewidth=1.0)
        cmap = matplotlib.colormaps["tab10"]
        fams = sorted({p["family"] for p in refs})
        for i, fam in enumerate(fams):
            fp = sorted((p for p in refs if p["family"] == fam), key=lambda p: p["bits_per_bit"])
            ax.plot(
                [p["bits_per_bit"] for p in fp],
                [p["rate"] for p in fp],
                marker=_MARKERS[i % len(_MARKERS)],
                markersize=3,
                linewidth=0.8,
                color=cmap((i + 1) % 10),
                alpha=0.8,
                label=f"built-in {fam}",
            )
        pts = sorted(pts, key=lambda p: p["bits_per_bit"])
        if pts:
            err = [[max(0.0, p["rate"] - p["ci_low"]) for p in pts], [0.0 for _ in pts]]
            ax.errorbar(
                [p["bits_per_bit"] for p in pts],
                [p["rate"] for p in pts],
                yerr=err,
                marker="o",
                markersize=5,
                linewidth=1.6,
                capsize=2,
                color="black",
                label=f"{audit['target']['label']} (bars: one-sided CP lower)",
            )
            bad = [p for p in pts if p["beats_fano"]]
            if bad:
                ax.plot(
                    [p["bits_per_bit"] for p in bad],
                    [p["rate"] for p in bad],
                    "x",
                    color="#D55E00",
                    markersize=11,
                    markeredgewidth=2,
                    label="beats Fano (impossible)",
                )
        ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=":")
        ax.axhline(0.9, color="#999999", linewidth=0.6, linestyle="--")
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.4, 1.03)
        info = audit["models"][model]
        ax.set_xlabel("message bits per input bit, M / N (measured from to_bytes)")
        ax.set_ylabel("Bob's success on the Index instance")
        ax.set_title(f"{model} model: n = {info['n']}, d = {info['d']}, N = {info['N']:,} bits")
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return svg_of(fig)


def _gap_svg(audit: dict[str, Any]) -> str:
    rows = []
    for model, g in audit["m_over_n"].items():
        rows.append((f"{audit['target']['label']} · {model}", g["m_over_n"], True))
        for fam, per in sorted(audit["reference_m_over_n"].items()):
            if model in per:
                rows.append((f"{fam} · {model}", per[model]["m_over_n"], False))
    fano = next(iter(audit["m_over_n"].values()))["fano_m_over_n"] if audit["m_over_n"] else 0.531
    with matplotlib.rc_context({"font.size": 8}):
        fig = Figure(figsize=(6.4, 0.3 * len(rows) + 1.2))
        ax = fig.add_subplot()
        ys = np.arange(len(rows))[::-1]
        top = max([r[1] for r in rows if r[1] is not None] + [1.0]) * 2
        for y, (_label, v, mine) in zip(ys, rows):
            if v is None:
                ax.text(fano * 1.05, y, "p = 0.9 not reached", va="center", fontsize=6, color="#555555")
                continue
            ax.barh(y, v, color="black" if mine else "#8899AA", height=0.6)
        ax.axvline(fano, color="#D55E00", linewidth=1.2, label=f"Fano: 1 − h(0.9) = {fano:.3f}")
        ax.set_yticks(ys, [r[0] for r in rows])
        ax.set_xscale("log")
        vals = [r[1] for r in rows if r[1] is not None]
        ax.set_xlim(min([0.1, fano / 2] + [v / 2 for v in vals]), top)
        ax.set_xlabel("smallest measured M / N with success ≥ 0.9")
        ax.set_title("M / N at p = 0.9 (no bar: never reached at the budgets tried)")
        ax.legend(frameon=False, fontsize=6, loc="lower right")
        ax.grid(True, axis="x", which="both", alpha=0.25)
        return svg_of(fig)


def _benign_svg(audit: dict[str, Any]) -> str:
    pts = [p for p in audit["benign"] if p.get("error") is None and p.get("rel_error_mean") is not None]
    kinds = ("gaussian", "clustered", "heavy-tailed")
    with matplotlib.rc_context({"font.size": 7}):
        fig = Figure(figsize=(9.0, 3.2))
        axes = fig.subplots(1, 3, sharey=True)
        cmap = matplotlib.colormaps["tab10"]
        floor = 1e-6
        for ax, kind in zip(axes, kinds):
            kp = [p for p in pts if p["kind"] == kind]
            fams = sorted(
                {(p["family"], p["input"]) for p in kp}, key=lambda f: (f[0] != audit["target"]["spec"], f)
            )
            for i, (fam, inp) in enumerate(fams):
                fp = sorted((p for p in kp if p["family"] == fam and p["input"] == inp), key=lambda p: p["M"])
                mine = fp[0]["audited"]
                ax.plot(
                    [p["M"] / p["M_float64"] for p in fp],
                    [max(p["rel_error_mean"], floor) for p in fp],
                    marker="o" if mine else _MARKERS[i % len(_MARKERS)],
                    markersize=4 if mine else 3,
                    linewidth=1.6 if mine else 0.8,
                    color="black" if mine else cmap((i + 1) % 10),
                    label=(audit["target"]["label"] if mine else fam)
                    + (f" ({inp})" if inp == "factors" else ""),
                )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{kind} keys")
            ax.set_xlabel("M / float64 cache")
            ax.grid(True, which="both", alpha=0.25)
        axes[0].set_ylabel("mean ‖z − Attn‖ / ‖Attn‖ (floor 1e-6)")
        axes[-1].legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return svg_of(fig)


def audit_figures(audit: dict[str, Any]) -> list[dict[str, str]]:
    """The audit's figures: ``{"file", "title", "alt", "svg"}`` each."""
    out = []
    for model in audit["models"]:
        if not any(p["model"] == model for p in audit["points"]):
            continue
        families = ", ".join(sorted({p["family"] for p in audit["reference"] if p["model"] == model}))
        out.append(
            {
                "file": f"audit_frontier_{model}.svg",
                "title": f"{audit['target']['label']} on the frontier: {model} model",
                "alt": (
                    f"Bob's success against measured message bits per input bit (log scale) on the {model} "
                    f"Index instance for {audit['target']['label']} (black) beside the built-in families "
                    f"{families or 'none'}; the shaded region above Fano's curve is impossible for any "
                    "protocol; crosses mark points that beat it."
                ),
                "svg": _frontier_svg(audit, model),
            }
        )
    if audit["m_over_n"]:
        out.append(
            {
                "file": "audit_m_over_n.svg",
                "title": "M / N at p = 0.9 against Fano's 1 − h(0.9)",
                "alt": "Horizontal bars: the smallest measured M/N with success at least 0.9, per model, "
                "for the audited compressor (black) and the built-in families (grey); vertical line at "
                "Fano's 1 − h(0.9).",
                "svg": _gap_svg(audit),
            }
        )
    if any(p.get("rel_error_mean") is not None for p in audit["benign"]):
        out.append(
            {
                "file": "audit_benign.svg",
                "title": "Benign inputs: attention error against memory",
                "alt": "Three panels (Gaussian, clustered, heavy-tailed keys): mean relative "
                "attention-output error against message size as a fraction of the float64 cache, log-log, "
                "the audited compressor in black and the built-in families in colour.",
                "svg": _benign_svg(audit),
            }
        )
    return out


def summary_lines(audit: dict[str, Any]) -> list[str]:
    """The verdict and its evidence as plain lines (printed by the command)."""
    v = audit["verdict"]
    t = audit["target"]
    lines = [f"verdict for {t['spec']}: {v['text']}"]
    for b in v["beats"]:
        lines.append(
            f"  beats Fano: {b['model']} {_pstr(b['params'])}: M = {b['M']} bits < {b['fano_bits']:.0f} = "
            f"(1 − h({max(b['ci_low'], 0.5):.4f}))·N with N = {b['N']}; Bob decoded {b['successes']}/"
            f"{b['trials']} bits (one-sided CP lower {b['ci_low']:.4f}); instance n={b['n']} d={b['d']} "
            f"seed {b['seed']}; replay: {b['replay']}"
        )
    for x in v["violations"]:
        lines.append(f"  protocol: {x['check']} fails on {x['model']} {_pstr(x['params'])}: {x['evidence']}")
    for model, g in audit["m_over_n"].items():
        mn = "not reached" if g["m_over_n"] is None else f"{g['m_over_n']:.4g} ({_pstr(g['params'])})"
        lines.append(f"  M/N at p = 0.9, {model}: {mn}; Fano needs {g['fano_m_over_n']:.4f}")
    iso = audit.get("isolation")
    if iso:
        lines.append(f"  isolated Bob: {iso['text']}")
        for r in iso["points"]:
            if not r["decodes"] or r["rate"] != r["in_process_rate"]:
                what = (
                    r["error"]
                    if r["error"]
                    else f"success {r['rate']:.4f} vs {r['in_process_rate']:.4f} in-process"
                )
                lines.append(f"    {r['model']} {_pstr(r['params'])}: {what}")
    if audit.get("plugins_broken"):
        for name, err in sorted(audit["plugins_broken"].items()):
            lines.append(f"  plugin {name} skipped (broken): {err}")
    lines.append(f"  decision: {audit['decision']}")
    return lines


def _points_table(points: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for p in points:
        if p.get("error"):
            rows.append([p["model"], _pstr(p["params"]), "–", "–", "–", "–", f"error: {p['error']}"])
            continue
        rows.append(
            [
                p["model"],
                _pstr(p["params"]),
                f"{p['M']:,}",
                f"{p['bits_per_bit']:.4g}",
                f"{p['successes']}/{p['trials']} (≥ {p['ci_low']:.4f})",
                f"{p['fano_bits']:,.0f}",
                "**beats Fano**" if p["beats_fano"] else "consistent",
            ]
        )
    return rows


_HEAD = ["model", "parameters", "M (bits)", "M/N", "Bob's success (CP low)", "Fano needs (bits)", "decision"]


def render_markdown(
    audit: dict[str, Any], figs: list[dict[str, str]] | None = None, figure_dir: str = "figures"
) -> str:
    """The audit as Markdown (figures referenced as ``figures/*.svg``)."""
    t = audit["target"]
    lines = [
        f"# Audit of `{t['spec']}` against the KV-cache lower bounds",
        "",
        f"Verdict: **{audit['verdict']['text']}**.",
        "",
        f"Profile `{audit['profile']}`, seed {audit['seed']}; models: "
        + ", ".join(f"{m} (n = {i['n']}, d = {i['d']}, N = {i['N']:,})" for m, i in audit["models"].items())
        + ".",
        "",
        audit["decision"],
        "",
        "## Evidence",
        "",
    ]
    lines += [f"- {ln.strip()}" for ln in summary_lines(audit)[1:]]
    lines += ["", "## Index points", "", "| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    lines += [
        "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in _points_table(audit["points"])
    ]
    lines += ["", "## Protocol checks", ""]
    for pp in audit["protocol"]:
        status = (
            "ok"
            if not pp["violations"]
            else "; ".join(f"{v['check']}: {v['evidence']}" for v in pp["violations"])
        )
        lines.append(f"- {pp['model']} {_pstr(pp['params'])}: {status}")
    lines += ["", "## Figures", ""]
    for fig in audit_figures(audit) if figs is None else figs:
        lines += [f"### {fig['title']}", "", f"![{fig['alt']}]({figure_dir}/{fig['file']})", ""]
    lines += ["## Reproduce", "", f"- `{_command(audit)}`", ""]
    return "\n".join(lines) + "\n"


def _command(audit: dict[str, Any]) -> str:
    ps = " ".join(
        f"--param {k}={','.join(map(str, v))}" for k, v in sorted((audit.get("grid") or {}).items())
    )
    ms = ",".join(audit["models"])
    return (
        f"tensorkv-check audit {audit['target']['spec']} {ps} --models {ms} --profile {audit['profile']} "
        f"--seed {audit['seed']}".replace("  ", " ")
    )


_CSS = (
    "\n"
    "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;"
    "padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;width:100%;font-size:0.9em}th,td{border:1px solid #ccc;"
    "padding:4px 6px;text-align:left}\n"
    "th{background:#f3f3f3}.ok{background:#009E73;color:#fff}.bad{background:#D55E00;color:#fff}\n"
    ".verdict{font-weight:bold;padding:2px 8px;border-radius:3px}figure img{max-width:100%}\n"
)


def render_html(audit: dict[str, Any], figs: list[dict[str, str]] | None = None) -> str:
    """The audit as one self-contained HTML page."""
    e = html.escape
    t = audit["target"]
    ok = audit["verdict"]["status"] == "consistent"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Audit of {e(t['spec'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Audit of <code>{e(t['spec'])}</code> against the KV-cache lower bounds</h1>",
        f'<p>Verdict: <span class="verdict {"ok" if ok else "bad"}">{e(audit["verdict"]["text"])}</span></p>',
        f"<p>Profile <code>{e(audit['profile'])}</code>, seed {audit['seed']}. {e(audit['decision'])}</p>",
        "<h2>Evidence</h2><ul>",
    ]
    out += [f"<li>{e(ln.strip())}</li>" for ln in summary_lines(audit)[1:]]
    out += ["</ul><h2>Index points</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in _HEAD) + "</tr>"]
    out += [
        "<tr>" + "".join(f"<td>{e(c.replace('**', ''))}</td>" for c in r) + "</tr>"
        for r in _points_table(audit["points"])
    ]
    out += ["</table><h2>Protocol checks</h2><ul>"]
    for pp in audit["protocol"]:
        status = (
            "ok"
            if not pp["violations"]
            else "; ".join(f"{v['check']}: {v['evidence']}" for v in pp["violations"])
        )
        out.append(f"<li>{e(pp['model'])} {e(_pstr(pp['params']))}: {e(status)}</li>")
    out.append("</ul><h2>Figures</h2>")
    for fig in audit_figures(audit) if figs is None else figs:
        data = base64.b64encode(fig["svg"].encode("utf-8")).decode("ascii")
        out.append(
            f'<figure><img alt="{e(fig["alt"])}" src="data:image/svg+xml;base64,{data}">'
            f"<figcaption>{e(fig['title'])}</figcaption></figure>"
        )
    out.append(f"<h2>Reproduce</h2><p><code>{e(_command(audit))}</code></p></body></html>")
    return "\n".join(out) + "\n"


def write_audit(audit: dict[str, Any], out_dir: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Render the audit into ``out_dir`` (``audit.json``, ``audit.md`` + ``figures/``, ``audit.html``).

    The timings are written apart, to ``timings.json``, so ``audit.json`` is
    byte-identical for the same target, grid, profile and seed. Every text is rendered
    before the first file is replaced.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown audit format(s) {', '.join(bad)}; valid: {', '.join(FORMATS)}")
    out = ensure_writable_dir(out_dir)
    data = {k: v for k, v in audit.items() if k != "timings"}
    texts: dict[Path, str] = {}
    if "json" in formats:
        texts[out / "audit.json"] = render_json(data)
        texts[out / "timings.json"] = json.dumps(audit.get("timings", {}), indent=2, sort_keys=True) + "\n"
    figs = audit_figures(data) if {"md", "html"} & set(formats) else []
    if "md" in formats:
        for fig in figs:
            texts[out / "figures" / fig["file"]] = fig["svg"]
        texts[out / "audit.md"] = render_markdown(data, figs=figs)
    if "html" in formats:
        texts[out / "audit.html"] = render_html(data, figs=figs)
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    return list(texts)
