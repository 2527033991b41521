from .argtypes import (
    int_at_least as int_at_least,
    positive_int as positive_int,
    non_negative_int as non_negative_int,
    seed as seed,
)
from .command import (
    main as main,
    build_parser as build_parser,
)
