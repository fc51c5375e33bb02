"""Benchmarks (``make bench``): each figure is reported as a ratio against a peer measured in the same run."""
