"""Performance benchmarks: the data they run on (``bench.seed``)."""
