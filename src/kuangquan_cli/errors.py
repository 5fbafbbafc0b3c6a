"""Errors the user can cause: the CLI turns them into one Chinese line and exit status 2."""


class KqError(Exception):
    """A problem with the user's input or options (bad file, bad option, bad plan file)."""
