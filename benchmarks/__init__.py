"""Speed and memory benchmarks of the tensor-attention decoders (not part of the tests).

Run with ``python -m benchmarks [--only NAME ...] [--out DIR] [--quick]`` or
``tensorkv-check bench ARGS``. The benchmarks live in :mod:`benchmarks.suite`; the
timing, contention monitoring and result-file plumbing in :mod:`benchmarks._harness`.
"""
