"""Benchmarks and measurement scripts (`make bench`, `python -m bench`); production code never imports this."""
