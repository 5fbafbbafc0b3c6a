"""Errors the user can cause: the CLI turns them into one Chinese line and exit status 2."""


class KqError(Exception):
    """A problem with the user's input or options (bad file, bad option, bad plan file)."""


class UnreadableFile(KqError):
    """A file kq cannot or will not read; ``code`` is the finding code to report it under."""

    def __init__(self, code: str, message: str, **ctx: str) -> None:
        super().__init__(message)
        self.code = code
        self.ctx = ctx
