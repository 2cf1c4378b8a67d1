"""Benchmarks that measure ror-listener against published ground truth."""
