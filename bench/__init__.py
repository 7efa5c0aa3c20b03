"""Benchmarks for DESIGN.md section 6: run by hand on PostgreSQL, they print their figures.

They are not part of the test run; see bench/README.md.
"""
