from .engine import (
    attention as attention,
    attention_batch as attention_batch,
    kron as kron,
    naive_tensor_attention as naive_tensor_attention,
    softmax as softmax,
    tensor_attention as tensor_attention,
    FourCacheDecoder as FourCacheDecoder,
    NaiveFourCacheDecoder as NaiveFourCacheDecoder,
    RowBuffer as RowBuffer,
    StandardDecoder as StandardDecoder,
    TwoCacheDecoder as TwoCacheDecoder,
    four_cache_flops as four_cache_flops,
    naive_four_cache_flops as naive_four_cache_flops,
    standard_flops as standard_flops,
    two_cache_flops as two_cache_flops,
    BinomialEstimate as BinomialEstimate,
    binary_entropy as binary_entropy,
    clopper_pearson as clopper_pearson,
    gaussian_jl as gaussian_jl,
    jl_dimension as jl_dimension,
    max_abs_inner as max_abs_inner,
    near_orthogonal_dimension as near_orthogonal_dimension,
    near_orthogonal_keys as near_orthogonal_keys,
    sign_jl as sign_jl,
    CacheAlgorithm as CacheAlgorithm,
    check_algorithm as check_algorithm,
    message_bytes as message_bytes,
)
from .runner import (
    SweepRunner as SweepRunner,
    Task as Task,
    TaskResult as TaskResult,
    run_tasks as run_tasks,
    task_seed as task_seed,
)
from .index import (
    IndexResult as IndexResult,
    make_instance as make_instance,
    fano_bound as fano_bound,
    fano_success_ceiling as fano_success_ceiling,
    reduction_C as reduction_C,
    run_index as run_index,
    FactorKeepingTwoCache as FactorKeepingTwoCache,
    TruncatingRowCache as TruncatingRowCache,
)
from .subgen import (
    SubGen as SubGen,
    SubGen2Cache as SubGen2Cache,
    SubGen4Cache as SubGen4Cache,
    subgen_parameters as subgen_parameters,
    subgen4_parameters as subgen4_parameters,
    clustered_stream as clustered_stream,
    clustered_tensor_stream as clustered_tensor_stream,
    kron_cluster_diameters as kron_cluster_diameters,
)
from .geometry import (
    cluster_bracket as cluster_bracket,
    cluster_plateau as cluster_plateau,
    covering_bounds as covering_bounds,
    covering_number_estimate as covering_number_estimate,
    greedy_net as greedy_net,
    kron_cluster_bracket as kron_cluster_bracket,
    near_orthogonal_packing as near_orthogonal_packing,
    separated_set as separated_set,
    ball_memory as ball_memory,
    collapse_sweep as collapse_sweep,
    packing_index_run as packing_index_run,
    plateau_coverage as plateau_coverage,
)
from .frontier import (
    AttentionScoreEviction as AttentionScoreEviction,
    KeyNormEviction as KeyNormEviction,
    LowRankSVD as LowRankSVD,
    RandomEviction as RandomEviction,
    SignSketch as SignSketch,
    UniformQuantizer as UniformQuantizer,
    WindowEviction as WindowEviction,
    make_factory as make_factory,
)
from .tradeoff import (
    measure_tradeoff as measure_tradeoff,
    tradeoff_sweep as tradeoff_sweep,
)
from .claims import (
    CATALOGUE as CATALOGUE,
    explore as explore,
    replay_case as replay_case,
    run_case as run_case,
)

__version__: str
