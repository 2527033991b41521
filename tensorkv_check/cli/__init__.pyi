from .argtypes import (
    byte_size as byte_size,
)
from .argtypes import (
    claim_ids as claim_ids,
)
from .argtypes import (
    format_bytes as format_bytes,
)
from .argtypes import (
    int_at_least as int_at_least,
)
from .argtypes import (
    non_negative_int as non_negative_int,
)
from .argtypes import (
    positive_int as positive_int,
)
from .argtypes import (
    seed as seed,
)
from .command import (
    build_parser as build_parser,
)
from .command import (
    demo_peak_bytes as demo_peak_bytes,
)
from .command import (
    main as main,
)
