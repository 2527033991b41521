from .io import (
    atomic_write as atomic_write,
)
from .io import (
    ensure_writable_dir as ensure_writable_dir,
)
from .svg import (
    RC as RC,
)
from .svg import (
    svg_of as svg_of,
)
from .validation import (
    as_float_array as as_float_array,
)
from .validation import (
    check_positive_int as check_positive_int,
)
from .validation import (
    check_positive_scale as check_positive_scale,
)
from .validation import (
    same_width as same_width,
)
