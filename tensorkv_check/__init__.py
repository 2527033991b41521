"""tensorkv-check: machine checks of Chen et al. 2025, arXiv 2503.11108.

"Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer Decoding".
The public API is re-exported here; see the module docstrings for the paper item each
piece implements. Note that ``tensorkv_check.attention`` names the *function* here;
use ``importlib.import_module("tensorkv_check.attention")`` for the module.
"""

from tensorkv_check.attention import (
    attention,
    kron,
    naive_tensor_attention,
    softmax,
    tensor_attention,
)
from tensorkv_check.caches import (
    FourCacheDecoder,
    NaiveFourCacheDecoder,
    RowBuffer,
    StandardDecoder,
    TwoCacheDecoder,
    four_cache_flops,
    naive_four_cache_flops,
    standard_flops,
    two_cache_flops,
)
from tensorkv_check.stats import (
    BinomialEstimate,
    binary_entropy,
    clopper_pearson,
)
from tensorkv_check.jl import (
    gaussian_jl,
    jl_dimension,
    max_abs_inner,
    near_orthogonal_dimension,
    near_orthogonal_keys,
    sign_jl,
)
from tensorkv_check.protocol import (
    CacheAlgorithm,
    check_algorithm,
    message_bytes,
)
from tensorkv_check.index import (
    IndexResult,
    make_instance,
    fano_bound,
    fano_success_ceiling,
    reduction_C,
    run_index,
)
from tensorkv_check.index_algorithms import (
    FactorKeepingTwoCache,
    TruncatingRowCache,
)
from tensorkv_check.subgen import (
    SubGen,
    SubGen2Cache,
    SubGen4Cache,
    subgen_parameters,
    subgen4_parameters,
)
from tensorkv_check.compressors import (
    CATALOGUE,
    AttentionScoreEviction,
    KeyNormEviction,
    LowRankSVD,
    RandomEviction,
    SignSketch,
    UniformQuantizer,
    WindowEviction,
    make_factory,
)
from tensorkv_check.clustered_data import (
    clustered_stream,
    clustered_tensor_stream,
)
from tensorkv_check.geometry import (
    cluster_bracket,
    cluster_plateau,
    covering_bounds,
    covering_number_estimate,
    greedy_net,
    kron_cluster_bracket,
    near_orthogonal_packing,
    separated_set,
)
from tensorkv_check.lowdim import (
    ball_memory,
    collapse_sweep,
    packing_index_run,
    plateau_coverage,
)
from tensorkv_check.subgen_checks import (
    kron_cluster_diameters,
)
from tensorkv_check.tradeoff import (
    measure_tradeoff,
    tradeoff_sweep,
)
from tensorkv_check.runner import (
    SweepRunner,
    Task,
    TaskResult,
    run_tasks,
    task_seed,
)
from tensorkv_check.search import (
    explore,
    replay_case,
    run_case,
)

__version__ = "0.1.0"

__all__ = [
    "attention",
    "kron",
    "naive_tensor_attention",
    "softmax",
    "tensor_attention",
    "FourCacheDecoder",
    "NaiveFourCacheDecoder",
    "RowBuffer",
    "StandardDecoder",
    "TwoCacheDecoder",
    "four_cache_flops",
    "naive_four_cache_flops",
    "standard_flops",
    "two_cache_flops",
    "BinomialEstimate",
    "binary_entropy",
    "clopper_pearson",
    "gaussian_jl",
    "jl_dimension",
    "max_abs_inner",
    "near_orthogonal_dimension",
    "near_orthogonal_keys",
    "sign_jl",
    "CacheAlgorithm",
    "check_algorithm",
    "message_bytes",
    "IndexResult",
    "make_instance",
    "fano_bound",
    "fano_success_ceiling",
    "reduction_C",
    "run_index",
    "FactorKeepingTwoCache",
    "TruncatingRowCache",
    "SubGen",
    "SubGen2Cache",
    "SubGen4Cache",
    "subgen_parameters",
    "subgen4_parameters",
    "clustered_stream",
    "clustered_tensor_stream",
    "CATALOGUE",
    "AttentionScoreEviction",
    "KeyNormEviction",
    "LowRankSVD",
    "RandomEviction",
    "SignSketch",
    "UniformQuantizer",
    "WindowEviction",
    "make_factory",
    "cluster_bracket",
    "cluster_plateau",
    "covering_bounds",
    "covering_number_estimate",
    "greedy_net",
    "kron_cluster_bracket",
    "near_orthogonal_packing",
    "separated_set",
    "ball_memory",
    "collapse_sweep",
    "packing_index_run",
    "plateau_coverage",
    "kron_cluster_diameters",
    "measure_tradeoff",
    "explore",
    "replay_case",
    "run_case",
    "tradeoff_sweep",
    "SweepRunner",
    "Task",
    "TaskResult",
    "run_tasks",
    "task_seed",
    "__version__",
]
