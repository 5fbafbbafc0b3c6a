"""Reference data: the plan, the ledger's fields, enumerations, divisions, procedures."""
