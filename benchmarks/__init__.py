"""Benchmarks: each figure is a ratio against a baseline measured in the same run on the same data.

Run them all with ``.venv/bin/python -m benchmarks`` (``--quick`` for a smoke-sized run). They are
not part of the test suite: these machines are noisy, so nothing here asserts a time.
"""
