"""One module per ``kq`` sub-command; each parses options and calls the library."""
