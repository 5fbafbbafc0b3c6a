"""Checking rows: normalising, parsing, identifiers, rules, the finding catalogue, reconciliation."""
