"""The exact engine: standard and tensor attention (Definitions 3.1, 3.2, 3.6), the
four-/two-cache decoders (Definitions 3.7, 3.8), JL matrices (Definition 3.3, Lemmas 3.4-3.5),
the cache-algorithm protocol and binomial statistics.

Names are re-exported lazily from the modules listed in ``__init__.pyi`` (which type
checkers read); a module is imported on first use of one of its names.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
