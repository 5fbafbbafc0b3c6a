"""Benchmarks of kq against the cost of reading the same workbook (``make bench``)."""
