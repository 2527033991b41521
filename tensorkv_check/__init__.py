"""tensorkv-check: machine checks of Chen et al. 2025, arXiv 2503.11108.

"Time and Memory Trade-off of KV-Cache Compression in Tensor Transformer Decoding".

The package is layered; each layer imports only the ones below it (``ARCHITECTURE.md``
has the map, import-linter enforces it in the tests)::

    cli > report > claims > {frontier | geometry} > {index | subgen | tradeoff}
        > {engine | runner} > _util

The public names of every area are re-exported here, lazily: ``import tensorkv_check``
is cheap, and ``tensorkv_check.run_index`` imports the Index area on first use. The list
is ``__init__.pyi`` (which type checkers read). Each name's docstring cites the paper item
it implements.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
__version__ = "0.1.0"
__all__ = [*__all__, "__version__"]
