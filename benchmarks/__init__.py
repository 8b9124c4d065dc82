"""Benchmarks of yaml-hooks against hand-written callbacks: `python benchmarks/run.py` (see README)."""
