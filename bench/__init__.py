"""salesbot's benchmark suite: ``python -m bench`` (``--quick`` for a short run).

Each figure is measured beside its floor (the least any implementation could cost on this machine)
in the same run, interleaved (A, B, A, B …) and reported as medians. Results go to
docs/BENCHMARKS.md. Not part of the test suite.
"""
