from .io import (
    atomic_write as atomic_write,
    ensure_writable_dir as ensure_writable_dir,
    json_default as json_default,
    json_safe as json_safe,
)
from .rng import (
    RngLike as RngLike,
    as_generator as as_generator,
)
from .svg import (
    RC as RC,
    figure_style as figure_style,
    rc_context as rc_context,
    svg_of as svg_of,
)
from .validation import (
    as_float_array as as_float_array,
    check_choice as check_choice,
    check_int as check_int,
    check_positive_int as check_positive_int,
    check_positive_scale as check_positive_scale,
    check_probability as check_probability,
    check_real as check_real,
    same_width as same_width,
)
