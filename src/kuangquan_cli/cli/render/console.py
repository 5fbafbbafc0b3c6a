"""The rich console kq prints to."""

from __future__ import annotations

from rich.console import Console

#: Width given to a console that is not a terminal: wide enough that no table or line is cut.
UNBOUNDED = 10_000


def make_console() -> Console:
    """A terminal's own width on a terminal. Into a file or a pipe nothing is hard-wrapped: rich
    would break every line at 80 columns, mid-phrase, and a line cut in two is hard to read and
    to search (``kq validate … > 结果.txt``); a pager or an editor wraps lines itself."""
    console = Console()
    if console.is_terminal:
        return console
    return Console(soft_wrap=True, width=UNBOUNDED)
