"""Merging a week's ledgers into one and keeping it: the merge, merged rows, the store, summary tables."""
