"""The Index reductions behind the lower bounds (thm:ho25-lb, thm:four-cache-lb,
thm:two-cache-lb): instances, run_index, cache algorithms, sweeps and the report section.

Names are re-exported lazily from the modules listed in ``__init__.pyi`` (which type
checkers read); a module is imported on first use of one of its names.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
