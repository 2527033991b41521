"""Audit an outside KV-cache compressor against the lower bounds: protocol adapters, the
Index oracle and its verdict, the audit report, the pytest helper and the ``audit`` command.

Names are re-exported lazily from the modules listed in ``__init__.pyi`` (which type
checkers read); a module is imported on first use of one of its names.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
