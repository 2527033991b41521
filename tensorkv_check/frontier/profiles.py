"""The frontier sweep's profiles (models, sizes, compressors and budgets of the quick and
full runs) and the constants its tasks, checks and findings share."""

from __future__ import annotations

from typing import Any

from tensorkv_check.engine.jl import near_orthogonal_dimension

__all__ = ["PROFILES", "MODEL_MODE", "model_dimension"]

#: Compressor mode for each reduction model.
MODEL_MODE = {"standard": "kv", "four-cache": "factors", "two-cache": "rows"}
#: Significance of the two-sided exact binomial test of :func:`check_eviction`.
EVICTION_ALPHA = 1e-3
#: Confidence of every Clopper–Pearson interval of the sweep.
CONFIDENCE = 0.99
#: The success level at which gaps to the bound are reported.
GAP_P = 0.9

#: The eviction policies (their kept fraction is tested against uniform by check_eviction).
EVICTION = ("random", "knorm", "window", "h2o")

PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "queries": 1000,
        "models": {"standard": 1024, "four-cache": 64, "two-cache": 16},
        # The exact FourCacheDecoder answers query by query (~ms each): fewer queries.
        "model_queries": {"four-cache": 500},
        "budgets": {
            "exact": [0],
            "random": [0.25, 0.5, 0.9],
            "knorm": [0.25, 0.5, 0.9],
            "window": [0.25, 0.5, 0.9],
            "h2o": [0.25, 0.5, 0.9],
            "quant": [1, 2, 4, 8],
            "qjl": [0.25, 1.0, 4.0],
            "lowrank": [0.125, 0.5, 1.0],
        },
        # SubGen as Alice on the lower-bound instances: (model, n, delta, t, s values).
        "subgen": [
            ("standard", 4096, 2.0, 1, [1, 2, 4, 16, 256]),
            ("standard", 1024, 0.5, 1, [16, 256, 1024]),
            ("two-cache", 64, 2.0, 1, [1, 2, 4, 16, 256]),
            ("two-cache", 32, 0.5, 1, [16, 256, 1024]),
            ("four-cache", 256, 2.0, 1, [1, 16]),
            ("four-cache", 128, 0.5, 1, [64, 512]),
        ],
        "benign": {
            "n": 1024,
            "d": 64,
            "m": 16,
            "delta": 0.3,
            "rank": 4,
            "r": 8.0,
            "queries": 64,
            "budgets": {
                "exact": [0],
                "random": [0.25, 0.5],
                "knorm": [0.25, 0.5],
                "window": [0.25, 0.5],
                "h2o": [0.25, 0.5],
                "quant": [2, 4, 8],
                "qjl": [1.0, 4.0],
                "lowrank": [0.125, 0.5],
                "subgen": [64, 1024],
            },
        },
    },
    "full": {
        "queries": 2000,
        "models": {"standard": 16384, "four-cache": 1024, "two-cache": 64},
        "model_queries": {"four-cache": 200},
        "budgets": {
            "exact": [0],
            "random": [0.1, 0.25, 0.5, 0.8, 1.0],
            "knorm": [0.1, 0.25, 0.5, 0.8],
            "window": [0.1, 0.25, 0.5, 0.8],
            "h2o": [0.1, 0.25, 0.5, 0.8],
            "quant": [1, 2, 3, 4, 6, 8, 16],
            "qjl": [0.125, 0.25, 1.0, 4.0],
            "lowrank": [0.0625, 0.125, 0.25, 0.5, 1.0],
        },
        "subgen": [
            ("standard", 16384, 2.0, 1, [1, 4, 16, 64, 256, 4096]),
            ("standard", 2048, 0.5, 1, [64, 1024, 4096]),
            ("two-cache", 128, 2.0, 1, [1, 4, 16, 64, 256, 4096]),
            ("two-cache", 32, 0.5, 1, [64, 1024, 2048]),
            ("four-cache", 1024, 2.0, 1, [1, 4, 16]),
            ("four-cache", 256, 0.5, 1, [64, 256, 1024]),
        ],
        "benign": {
            "n": 8192,
            "d": 64,
            "m": 32,
            "delta": 0.3,
            "rank": 4,
            "r": 8.0,
            "queries": 256,
            "budgets": {
                "exact": [0],
                "random": [0.1, 0.25, 0.5],
                "knorm": [0.1, 0.25, 0.5],
                "window": [0.1, 0.25, 0.5],
                "h2o": [0.1, 0.25, 0.5],
                "quant": [1, 2, 4, 8],
                "qjl": [0.25, 1.0, 4.0],
                "lowrank": [0.0625, 0.125, 0.5],
                "subgen": [64, 1024, 8192],
            },
        },
    },
}


def model_rows(model: str, n: int) -> int:
    """The rows Alice holds: ``n`` keys, or the ``n²`` key products of the two-cache model."""
    return n * n if model == "two-cache" else n


def model_dimension(model: str, n: int) -> int:
    """``d`` of a model's instances: ``near_orthogonal_dimension(rows, 0.4, 0.01)`` (lem:near-orthogonal)."""
    return near_orthogonal_dimension(model_rows(model, n), 0.4, 0.01)
