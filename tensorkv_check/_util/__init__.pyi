from .io import (
    atomic_write as atomic_write,
    ensure_writable_dir as ensure_writable_dir,
)
from .svg import (
    RC as RC,
    figure_style as figure_style,
    svg_of as svg_of,
)
from .validation import (
    as_float_array as as_float_array,
    check_positive_scale as check_positive_scale,
    check_positive_int as check_positive_int,
    same_width as same_width,
)
