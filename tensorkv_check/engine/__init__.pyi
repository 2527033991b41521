from .caches import (
    FACTOR_NAMES as FACTOR_NAMES,
)
from .caches import (
    BufferGroup as BufferGroup,
)
from .caches import (
    FourCacheDecoder as FourCacheDecoder,
)
from .caches import (
    NaiveFourCacheDecoder as NaiveFourCacheDecoder,
)
from .caches import (
    RowBuffer as RowBuffer,
)
from .caches import (
    StandardDecoder as StandardDecoder,
)
from .caches import (
    TwoCacheDecoder as TwoCacheDecoder,
)
from .caches import (
    four_cache_flops as four_cache_flops,
)
from .caches import (
    naive_four_cache_flops as naive_four_cache_flops,
)
from .caches import (
    standard_flops as standard_flops,
)
from .caches import (
    token_blocks as token_blocks,
)
from .caches import (
    two_cache_flops as two_cache_flops,
)
from .distances import (
    diameter as diameter,
)
from .distances import (
    sq_distances as sq_distances,
)
from .exact_attention import (
    DEFAULT_BLOCK_BYTES as DEFAULT_BLOCK_BYTES,
)
from .exact_attention import (
    attention as attention,
)
from .exact_attention import (
    attention_batch as attention_batch,
)
from .exact_attention import (
    kron as kron,
)
from .exact_attention import (
    naive_tensor_attention as naive_tensor_attention,
)
from .exact_attention import (
    softmax as softmax,
)
from .exact_attention import (
    tensor_attention as tensor_attention,
)
from .jl import (
    gaussian_jl as gaussian_jl,
)
from .jl import (
    jl_dimension as jl_dimension,
)
from .jl import (
    max_abs_inner as max_abs_inner,
)
from .jl import (
    near_orthogonal_dimension as near_orthogonal_dimension,
)
from .jl import (
    near_orthogonal_keys as near_orthogonal_keys,
)
from .jl import (
    sign_jl as sign_jl,
)
from .protocol import (
    HEADER_BYTES as HEADER_BYTES,
)
from .protocol import (
    INPUT_KINDS as INPUT_KINDS,
)
from .protocol import (
    KIND_CODES as KIND_CODES,
)
from .protocol import (
    CacheAlgorithm as CacheAlgorithm,
)
from .protocol import (
    HeadDimScale as HeadDimScale,
)
from .protocol import (
    check_algorithm as check_algorithm,
)
from .protocol import (
    check_factory as check_factory,
)
from .protocol import (
    message_bytes as message_bytes,
)
from .protocol import (
    pack_state as pack_state,
)
from .protocol import (
    state_size as state_size,
)
from .protocol import (
    unpack_param as unpack_param,
)
from .protocol import (
    unpack_state as unpack_state,
)
from .stats import (
    BinomialEstimate as BinomialEstimate,
)
from .stats import (
    binary_entropy as binary_entropy,
)
from .stats import (
    clopper_pearson as clopper_pearson,
)
