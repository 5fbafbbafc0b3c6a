"""Sample ledgers generated from the plan (the hidden ``kq samples`` command)."""
