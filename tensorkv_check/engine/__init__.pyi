from .caches import (
    RowBuffer as RowBuffer,
    BufferGroup as BufferGroup,
    FACTOR_NAMES as FACTOR_NAMES,
    token_blocks as token_blocks,
    StandardDecoder as StandardDecoder,
    standard_flops as standard_flops,
    FourCacheDecoder as FourCacheDecoder,
    TwoCacheDecoder as TwoCacheDecoder,
    NaiveFourCacheDecoder as NaiveFourCacheDecoder,
    four_cache_flops as four_cache_flops,
    two_cache_flops as two_cache_flops,
    naive_four_cache_flops as naive_four_cache_flops,
)
from .distances import (
    sq_distances as sq_distances,
    diameter as diameter,
)
from .exact_attention import (
    kron as kron,
    softmax as softmax,
    attention as attention,
    attention_batch as attention_batch,
    tensor_attention as tensor_attention,
    naive_tensor_attention as naive_tensor_attention,
    DEFAULT_BLOCK_BYTES as DEFAULT_BLOCK_BYTES,
)
from .jl import (
    gaussian_jl as gaussian_jl,
    sign_jl as sign_jl,
    jl_dimension as jl_dimension,
    near_orthogonal_keys as near_orthogonal_keys,
    near_orthogonal_dimension as near_orthogonal_dimension,
    max_abs_inner as max_abs_inner,
)
from .protocol import (
    INPUT_KINDS as INPUT_KINDS,
    KIND_CODES as KIND_CODES,
    HEADER_BYTES as HEADER_BYTES,
    CacheAlgorithm as CacheAlgorithm,
    HeadDimScale as HeadDimScale,
    check_algorithm as check_algorithm,
    check_factory as check_factory,
    message_bytes as message_bytes,
    pack_state as pack_state,
    unpack_state as unpack_state,
    unpack_param as unpack_param,
    state_size as state_size,
)
from .stats import (
    BinomialEstimate as BinomialEstimate,
    clopper_pearson as clopper_pearson,
    binary_entropy as binary_entropy,
)
