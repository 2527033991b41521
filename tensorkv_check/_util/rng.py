"""The one policy for arguments that supply randomness (``rng=`` / ``seed=``).

Every public function or class of the package that draws random numbers accepts, for its
random-source parameter, exactly these three things and turns them into a
:class:`numpy.random.Generator` with :func:`as_generator`:

* an ``int >= 0`` -> ``numpy.random.default_rng(seed)`` (so the same int gives the same
  numbers everywhere, and the same numbers as before this policy existed);
* a :class:`numpy.random.SeedSequence` -> ``numpy.random.default_rng(seq)``, for callers
  that spawn independent streams;
* a :class:`numpy.random.Generator` -> returned as is (shared, advanced in place).

Anything else (``None``, ``bool``, floats, the legacy ``RandomState``) is a ``TypeError``
naming the parameter: fresh OS entropy or global state would make a run irreproducible.
A negative int is a ``ValueError`` (numpy refuses it too).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["RngLike", "as_generator"]

#: What a random-source parameter accepts (see the module docstring).
RngLike = int | np.integer | np.random.SeedSequence | np.random.Generator


def as_generator(seed: object, name: str = "rng") -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an int seed, a SeedSequence or a Generator.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        The random source; a Generator is returned unchanged.
    name : str
        Parameter name used in error messages.

    Raises
    ------
    TypeError
        If ``seed`` is none of the three accepted kinds.
    ValueError
        If it is a negative int.

    Examples
    --------
    >>> int(as_generator(0).integers(10**6)) == int(np.random.default_rng(0).integers(10**6))
    True
    >>> g = np.random.default_rng(1); as_generator(g) is g
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer seed, a numpy SeedSequence or a numpy Generator, "
            f"got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {int(seed)}")
    return np.random.default_rng(int(seed))
