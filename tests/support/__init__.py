"""Test harnesses shared by the tests and the benchmarks."""
