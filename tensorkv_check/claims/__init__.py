"""The claim framework: claims, checks and the registry, the pytest plugin, counterexample
exploration, planted-bug mutants and the ``claims`` listing. The paper's claims themselves
live outside the package (``proofs/``), found through the ``tensorkv_check.claims`` entry point.

Names are re-exported lazily from the modules listed in ``__init__.pyi`` (which type
checkers read); a module is imported on first use of one of its names.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
