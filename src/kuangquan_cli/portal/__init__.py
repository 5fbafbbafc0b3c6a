"""The submission portal (``kq serve``): the 盟市 upload their ledgers in a browser and see the
result at once; the office watches the week's 报送情况 and merges it.

``app`` is the web application (Starlette), ``service`` the work it does (checking, keeping,
merging: the same library calls as ``kq validate`` and ``kq merge``), ``records`` what it keeps
in the store (token hashes, uploads), ``inbox`` where it puts the files, ``security`` its guards
and ``views`` what the pages show. docs/portal.md describes its API.
"""
