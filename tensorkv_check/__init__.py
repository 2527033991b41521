"""tensorkv-check: machine checks of Chen et al. 2025, arXiv 2503.11108.

"Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer Decoding".
The public API is re-exported here; see the module docstrings for the paper item each
piece implements.
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
    TwoCacheDecoder,
    four_cache_flops,
    naive_four_cache_flops,
    two_cache_flops,
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
    "TwoCacheDecoder",
    "four_cache_flops",
    "naive_four_cache_flops",
    "two_cache_flops",
    "__version__",
]
