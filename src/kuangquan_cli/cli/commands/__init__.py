"""One module per ``kq`` command: parse options, call the library, print."""
