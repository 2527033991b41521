"""The report's SubGen section: its sweeps as runner tasks, its figures and findings.

:data:`SECTION` is what :mod:`tensorkv_check.report.build` runs (it satisfies
:class:`tensorkv_check.report.section.ReportSection`): :func:`compute` runs the runner
tasks ``task_*`` (error against memory, memory against ``n``, the error-bound rates of
the three compressors with derived constants, SubGen4Cache's own product clusters),
:func:`figures` draws them and :func:`findings` states the measured numbers. Paper items:
thm:subgen, alg:subgen2cache, alg:subgen4cache, lem:kron-clusterable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tensorkv_check._util.io import json_safe
from tensorkv_check._util.validation import check_choice, check_int

# The checks (scipy, the compressors) are imported where they run: the report imports
# every section at start-up, and the command line imports the report for its list of
# formats.

__all__ = [
    "SECTION_PROFILES",
    "task_derived_memory",
    "task_pair_memory",
    "compute",
    "figures",
    "findings",
    "SECTION",
]

#: Sweep sizes of the SubGen section per profile.
SECTION_PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "em_ns": [2048, 8192],
        "em_tensor_ns": [32, 64],
        "mv_ns": [1024, 4096, 16384],
        "mv_tensor_ns": [16, 32, 64],
        "trials": 200,
        "kron_seeds": 3,
        "pair_memory": {"n": 4096, "d": 64, "t": 64, "s": 1024},
    },
    "full": {
        "em_ns": [2048, 8192, 32768],
        "em_tensor_ns": [32, 64, 96],
        "mv_ns": [1024, 4096, 16384, 65536],
        "mv_tensor_ns": [16, 32, 64, 128],
        "trials": 1000,
        "kron_seeds": 10,
        "pair_memory": {"n": 4096, "d": 64, "t": 64, "s": 1024},
    },
}


def task_error_memory(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`error_memory_data` with ``params`` (ns, tensor_ns)."""
    from tensorkv_check.subgen.memory_scaling import error_memory_data

    return error_memory_data(params["ns"], params["tensor_ns"], seed=seed)


def task_memory_vs_n(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`memory_vs_n_data` with ``params`` (ns, tensor_ns)."""
    from tensorkv_check.subgen.memory_scaling import memory_vs_n_data

    return memory_vs_n_data(params["ns"], params["tensor_ns"], seed=seed)


def task_error_rate(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`error_bound_rate` for the default setting named ``params["setting"]``."""
    from tensorkv_check.subgen.error_trials import default_settings, error_bound_rate

    S = {x.name: x for x in default_settings()}[params["setting"]]
    res = error_bound_rate(S, trials=params["trials"], seed=seed)
    return {
        "setting": S.to_dict(),
        "estimate": res.estimate.to_dict(),
        "holds": res.holds,
        "refuted": res.refuted,
        "failure_probability": res.failure_probability,
        "ratio_quantiles": res.ratio_quantiles,
        "compressor": res.parameters["compressor"],
        "note": res.parameters.get("note"),
        "seed": seed,
    }


def task_kron_own(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`kron_cluster_diameters` summarised (no per-pair records)."""
    from tensorkv_check.subgen.kron_diameters import kron_cluster_diameters

    out = kron_cluster_diameters(seed=seed)
    return {k: v for k, v in out.items() if k != "pairs"}


def task_derived_memory(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`derived_memory_scaling` of ``params["model"]`` (derived t(n), s)."""
    from tensorkv_check.subgen.memory_scaling import derived_memory_scaling

    return derived_memory_scaling(params["model"], seed=seed)


def task_pair_memory(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Runner task: :func:`pair_sampler_memory` (SubGen4Cache's samplers vs the exact four-cache)."""
    from tensorkv_check.subgen.memory_scaling import pair_sampler_memory

    return pair_sampler_memory(**params)


def compute(profile: str, seed: int, run: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Data of the report's SubGen section (thm:subgen, alg:subgen2cache, alg:subgen4cache).

    Parameters
    ----------
    profile : {"quick", "full"}
    seed : int, ``>= 0``
    run : callable, optional
        ``run(tasks, seed=seed, name="subgen") -> [TaskResult]``; default
        :func:`tensorkv_check.runner.sweep_runner.run_tasks`.

    Returns
    -------
    dict
        JSON-safe: ``error_memory`` (:func:`error_memory_data`), ``memory_vs_n``
        (:func:`memory_vs_n_data`), ``error_rates`` (violation rates of the three
        compressors with derived constants, Clopper–Pearson), ``kron_own`` (product
        clusters of SubGen4Cache's own clusters), ``memory_derived`` (bytes against
        ``8·d·(m·t(n) + s)`` with the derived t(n), per compressor), ``pair_memory``
        (SubGen4Cache's pair samplers against the exact four-cache), ``profile``, ``seed``.
    """
    from tensorkv_check.runner.sweep_runner import Task, run_tasks, values
    from tensorkv_check.subgen.error_trials import MODELS

    check_choice("profile", profile, SECTION_PROFILES)
    seed = check_int("seed", seed, minimum=0)
    run = run_tasks if run is None else run
    P = SECTION_PROFILES[profile]
    tasks = [
        Task.of(task_error_memory, {"ns": P["em_ns"], "tensor_ns": P["em_tensor_ns"]}),
        Task.of(task_memory_vs_n, {"ns": P["mv_ns"], "tensor_ns": P["mv_tensor_ns"]}),
    ]
    names = [f"{m}-derived" for m in MODELS]
    tasks += [Task.of(task_error_rate, {"setting": nm, "trials": P["trials"]}) for nm in names]
    tasks += [Task.of(task_kron_own, {"replica": j}) for j in range(P["kron_seeds"])]
    tasks += [Task.of(task_derived_memory, {"model": m}) for m in MODELS]
    pm = P.get("pair_memory", {"n": 4096, "d": 64, "t": 64, "s": 1024})
    tasks.append(Task.of(task_pair_memory, dict(pm)))
    vals = values(run(tasks, seed=seed, name="subgen"))
    k0 = 2 + len(names) + P["kron_seeds"]
    return json_safe(
        {
            "profile": profile,
            "seed": seed,
            "error_memory": vals[0],
            "memory_vs_n": vals[1],
            "error_rates": vals[2 : 2 + len(names)],
            "kron_own": vals[2 + len(names) : k0],
            "memory_derived": vals[k0 : k0 + len(MODELS)],
            "pair_memory": vals[k0 + len(MODELS)],
        }
    )


def figures(data: dict[str, Any]) -> list[dict[str, str]]:
    """The SubGen section's figures as ``{"file", "title", "alt", "svg"}`` dicts."""
    from tensorkv_check.subgen.plots import error_memory_svg, memory_vs_n_svg

    em, mv = data["error_memory"], data["memory_vs_n"]
    ns = sorted({p["n"] for p in em["points"] if p["model"] == "SubGen"})
    tns = sorted({p["n"] for p in em["points"] if p["model"] != "SubGen"})
    return [
        {
            "file": "subgen-error-memory.svg",
            "title": "SubGen compressors: error against memory",
            "alt": (
                "Log–log plot of the median normalised error ‖z − Attn‖/(‖softmax‖‖V‖_op) against message "
                f"bytes for SubGen at n = {ns} tokens and SubGen2Cache, SubGen4Cache at n = {tns} factor "
                "tokens, one point per budget (t, s); grey vertical lines mark the exact decoders' bytes "
                "(error 0). Error falls as the budget grows while bytes stay far below the exact decoders'."
            ),
            "svg": error_memory_svg(em),
        },
        {
            "file": "subgen-memory-vs-n.svg",
            "title": "Message bytes against n",
            "alt": (
                "Log–log plot of message bytes against n for SubGen, SubGen4Cache, SubGen2Cache (constant "
                f"and √n clusters) and the exact decoders, t = {mv['t']}, s = {mv['s']}, d = {mv['d']}; the "
                "legend gives each fitted slope: about 0 for the compressors with a constant number of "
                "clusters, about 1 for the exact standard and four-cache decoders, about 2 for the exact "
                "two-cache decoder."
            ),
            "svg": memory_vs_n_svg(mv),
        },
    ]


def _derived_text(md: dict[str, Any]) -> str:
    """A finding: bytes against 8·d·(m·t(n) + s) with the derived t(n), s."""
    ratios = ", ".join(f"{x:.3f}" for x in md["ratio"])
    text = (
        f"Memory with the derived t(n), s, {md['model']}: bytes {md['bytes']} against the prediction "
        f"{md['predicted_bytes']} for n = {md['ns']} (t = {md['t']}, s = {md['s']}); log–log slope "
        f"against the prediction {md['slope_vs_predicted']:.3f}, bytes/prediction {ratios}, slope in n "
        f"{md['slope_in_n']:.3f}"
    )
    if md["model"] == "subgen4cache":
        text += (
            f" (prediction with the pair sampler's 4d·s rows; against the spec's d(m1t1 + m2t2 + s) the "
            f"slope is {md['slope_vs_spec']:.3f})"
        )
    return text + "."


def _pair_memory_text(pm: dict[str, Any]) -> str:
    """A finding: SubGen4Cache's pair samplers against the exact four-cache's bytes."""
    b, rows = pm["bytes"], pm["pool_rows"]
    mb = {k: f"{v / 1e6:.2f} MB ({v} bytes)" for k, v in b.items()}
    return (
        f"SubGen4Cache vs the exact four-cache at n = {pm['n']} factor tokens, d = {pm['d']}, t = "
        f"{pm['t']}, s = {pm['s']}: exact four-cache {mb['exact-four-cache']}; SubGen4Cache with the "
        f"mixture pair sampler {mb['mixture']} (s·d reservoirs per factor, {rows['mixture']} sampled "
        f"factor rows); with the coordinate pair sampler {mb['coordinate']} ({rows['coordinate']} "
        f"rows). The guarantee's derived s at ε = 1/2, p = 0.1 is {pm['derived_s']}: at this n both "
        "samplers would then hold every factor row."
    )


def findings(data: dict[str, Any]) -> list[dict[str, str]]:
    """Measured SubGen slopes, error rates and product-cluster diameters."""
    claim_of = {
        "subgen": "thm:subgen",
        "subgen2cache": "alg:subgen2cache",
        "subgen4cache": "alg:subgen4cache",
    }
    out = []
    for r in data["error_rates"]:
        e = r["estimate"]
        model = r["setting"]["model"]
        out.append(
            {
                "claim": claim_of[model],
                "kind": "measurement",
                "text": (
                    f"{model} with derived constants {r['compressor']} (n = {r['setting']['n']}, d = "
                    f"{r['setting']['d']}, ε = {r['setting']['eps']}): the bound ‖z − Attn‖ ≤ "
                    f"ε‖softmax‖‖V‖_op was violated in {e['successes']}/{e['trials']} trials (99% CI "
                    f"[{e['ci_low']:.4f}, {e['ci_high']:.4f}]; stated failure {r['failure_probability']}: "
                    f"{'holds' if r['holds'] else 'not shown'}); error/bound median "
                    f"{r['ratio_quantiles']['q50']:.3f}, max {r['ratio_quantiles']['q100']:.3f}."
                ),
            }
        )
    for ser in data["memory_vs_n"]["series"]:
        model = ser["model"]
        claim = claim_of.get(model, "thm:subgen")
        out.append(
            {
                "claim": claim,
                "kind": "measurement",
                "text": (
                    f"Memory vs n, {model}"
                    + ("" if model.startswith("exact") else f" (clusters {ser['growth']})")
                    + f": bytes {ser['bytes']} for n = {ser['ns']}, log–log slope {ser['slope']:.3f}"
                    + (
                        ""
                        if ser.get("slope_vs_predicted") is None
                        else f", slope against predicted rows {ser['slope_vs_predicted']:.3f}"
                    )
                    + "."
                ),
            }
        )
    best: dict[str, dict[str, Any]] = {}
    for p in data["error_memory"]["points"]:
        key = f"{p['model']} n={p['n']}"
        if key not in best or p["bytes"] > best[key]["bytes"]:
            best[key] = p
    out.append(
        {
            "claim": "thm:subgen",
            "kind": "measurement",
            "text": "Error at the largest budget: "
            + "; ".join(
                f"{k}: median {p['error_median']:.4f} at {p['bytes']} bytes (t = {p['t']}, s = {p['s']})"
                for k, p in sorted(best.items())
            )
            + "; exact decoders: "
            + ", ".join(f"{e['model']} n={e['n']} {e['bytes']} bytes" for e in data["error_memory"]["exact"])
            + ".",
        }
    )
    for md in data.get("memory_derived", []):
        out.append({"claim": claim_of[md["model"]], "kind": "measurement", "text": _derived_text(md)})
    pmem = data.get("pair_memory")
    if pmem:
        out.append({"claim": "thm:subgen4cache", "kind": "measurement", "text": _pair_memory_text(pmem)})
    ko = data["kron_own"]
    out.append(
        {
            "claim": "lem:kron-clusterable",
            "kind": "measurement",
            "text": (
                f"SubGen4Cache's own factor clusters ({len(ko)} seeded streams, n = {ko[0]['n']}, d = "
                f"{ko[0]['d']}): largest product-cluster diameter / per-cluster bound "
                f"{max(k['max_ratio_cluster'] for k in ko):.3f}, / global bound "
                f"{max(k['max_ratio_global'] for k in ko):.3f}, / a-priori bound "
                f"{max(k['max_ratio_apriori'] for k in ko):.3f}; replay matched the compressor: "
                f"{all(k['centres_match'] and k['sizes_match'] for k in ko)}; SubGen2Cache at the product "
                f"radius opened {max(k['subgen2cache_clusters'] for k in ko)} ≤ m1·m2 = {ko[0]['m1m2']} "
                "clusters."
            ),
        }
    )
    return out


class SubGenSection:
    """The SubGen section of the report (a :class:`tensorkv_check.report.section.ReportSection`).

    Its data land in ``report["sweeps"]["subgen"]``; the methods are :func:`compute`,
    :func:`figures` and :func:`findings` of this module.
    """

    name: str = "subgen"
    #: The claims this section's sweep serves (``report --claims`` runs it only for them).
    claims: tuple[str, ...] | None = (
        "thm:subgen",
        "alg:subgen2cache",
        "alg:subgen4cache",
        "thm:subgen4cache",
        "lem:kron-clusterable",
    )

    def compute(self, profile: str, seed: int, run: Callable[..., Any]) -> dict[str, Any]:
        """The section's data: :func:`compute` run through the report's runner ``run``."""
        return compute(profile, seed, run)

    def figures(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """The section's figures: :func:`figures`."""
        return figures(data)

    def findings(self, data: dict[str, Any]) -> list[dict[str, str]]:
        """The section's findings: :func:`findings`."""
        return findings(data)


#: The SubGen section as :mod:`tensorkv_check.report.build` runs it.
SECTION = SubGenSection()
