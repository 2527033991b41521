from .io import (
    atomic_write as atomic_write,
)
from .io import (
    ensure_writable_dir as ensure_writable_dir,
)
from .io import (
    json_default as json_default,
)
from .io import (
    json_safe as json_safe,
)
from .rng import (
    RngLike as RngLike,
)
from .rng import (
    as_generator as as_generator,
)
from .svg import (
    RC as RC,
)
from .svg import (
    figure_style as figure_style,
)
from .svg import (
    rc_context as rc_context,
)
from .svg import (
    svg_of as svg_of,
)
from .validation import (
    as_float_array as as_float_array,
)
from .validation import (
    check_choice as check_choice,
)
from .validation import (
    check_int as check_int,
)
from .validation import (
    check_positive_int as check_positive_int,
)
from .validation import (
    check_positive_scale as check_positive_scale,
)
from .validation import (
    check_probability as check_probability,
)
from .validation import (
    check_real as check_real,
)
from .validation import (
    same_width as same_width,
)
