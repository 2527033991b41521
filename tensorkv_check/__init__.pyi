from .claims import (
    CATALOGUE as CATALOGUE,
)
from .claims import (
    explore as explore,
)
from .claims import (
    replay_case as replay_case,
)
from .claims import (
    run_case as run_case,
)
from .engine import (
    BinomialEstimate as BinomialEstimate,
)
from .engine import (
    CacheAlgorithm as CacheAlgorithm,
)
from .engine import (
    FourCacheDecoder as FourCacheDecoder,
)
from .engine import (
    NaiveFourCacheDecoder as NaiveFourCacheDecoder,
)
from .engine import (
    RowBuffer as RowBuffer,
)
from .engine import (
    StandardDecoder as StandardDecoder,
)
from .engine import (
    TwoCacheDecoder as TwoCacheDecoder,
)
from .engine import (
    attention as attention,
)
from .engine import (
    attention_batch as attention_batch,
)
from .engine import (
    binary_entropy as binary_entropy,
)
from .engine import (
    check_algorithm as check_algorithm,
)
from .engine import (
    clopper_pearson as clopper_pearson,
)
from .engine import (
    four_cache_flops as four_cache_flops,
)
from .engine import (
    gaussian_jl as gaussian_jl,
)
from .engine import (
    jl_dimension as jl_dimension,
)
from .engine import (
    kron as kron,
)
from .engine import (
    max_abs_inner as max_abs_inner,
)
from .engine import (
    message_bytes as message_bytes,
)
from .engine import (
    naive_four_cache_flops as naive_four_cache_flops,
)
from .engine import (
    naive_tensor_attention as naive_tensor_attention,
)
from .engine import (
    near_orthogonal_dimension as near_orthogonal_dimension,
)
from .engine import (
    near_orthogonal_keys as near_orthogonal_keys,
)
from .engine import (
    sign_jl as sign_jl,
)
from .engine import (
    softmax as softmax,
)
from .engine import (
    standard_flops as standard_flops,
)
from .engine import (
    tensor_attention as tensor_attention,
)
from .engine import (
    two_cache_flops as two_cache_flops,
)
from .frontier import (
    AttentionScoreEviction as AttentionScoreEviction,
)
from .frontier import (
    KeyNormEviction as KeyNormEviction,
)
from .frontier import (
    LowRankSVD as LowRankSVD,
)
from .frontier import (
    RandomEviction as RandomEviction,
)
from .frontier import (
    SignSketch as SignSketch,
)
from .frontier import (
    UniformQuantizer as UniformQuantizer,
)
from .frontier import (
    WindowEviction as WindowEviction,
)
from .frontier import (
    make_factory as make_factory,
)
from .geometry import (
    ball_memory as ball_memory,
)
from .geometry import (
    cluster_bracket as cluster_bracket,
)
from .geometry import (
    cluster_plateau as cluster_plateau,
)
from .geometry import (
    collapse_sweep as collapse_sweep,
)
from .geometry import (
    covering_bounds as covering_bounds,
)
from .geometry import (
    covering_number_estimate as covering_number_estimate,
)
from .geometry import (
    greedy_net as greedy_net,
)
from .geometry import (
    kron_cluster_bracket as kron_cluster_bracket,
)
from .geometry import (
    near_orthogonal_packing as near_orthogonal_packing,
)
from .geometry import (
    packing_index_run as packing_index_run,
)
from .geometry import (
    plateau_coverage as plateau_coverage,
)
from .geometry import (
    separated_set as separated_set,
)
from .index import (
    FactorKeepingTwoCache as FactorKeepingTwoCache,
)
from .index import (
    IndexResult as IndexResult,
)
from .index import (
    TruncatingRowCache as TruncatingRowCache,
)
from .index import (
    fano_bound as fano_bound,
)
from .index import (
    fano_success_ceiling as fano_success_ceiling,
)
from .index import (
    make_instance as make_instance,
)
from .index import (
    reduction_C as reduction_C,
)
from .index import (
    run_index as run_index,
)
from .runner import (
    SweepRunner as SweepRunner,
)
from .runner import (
    Task as Task,
)
from .runner import (
    TaskResult as TaskResult,
)
from .runner import (
    run_tasks as run_tasks,
)
from .runner import (
    task_seed as task_seed,
)
from .subgen import (
    SubGen as SubGen,
)
from .subgen import (
    SubGen2Cache as SubGen2Cache,
)
from .subgen import (
    SubGen4Cache as SubGen4Cache,
)
from .subgen import (
    clustered_stream as clustered_stream,
)
from .subgen import (
    clustered_tensor_stream as clustered_tensor_stream,
)
from .subgen import (
    kron_cluster_diameters as kron_cluster_diameters,
)
from .subgen import (
    subgen4_parameters as subgen4_parameters,
)
from .subgen import (
    subgen_parameters as subgen_parameters,
)
from .tradeoff import (
    measure_tradeoff as measure_tradeoff,
)
from .tradeoff import (
    tradeoff_sweep as tradeoff_sweep,
)

__version__: str
