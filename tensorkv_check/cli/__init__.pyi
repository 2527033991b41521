from .argtypes import (
    int_at_least as int_at_least,
    positive_int as positive_int,
    non_negative_int as non_negative_int,
    seed as seed,
    byte_size as byte_size,
    format_bytes as format_bytes,
    claim_ids as claim_ids,
)
from .command import (
    main as main,
    build_parser as build_parser,
    demo_peak_bytes as demo_peak_bytes,
)
