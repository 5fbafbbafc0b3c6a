"""The portal's guards: who is asking, what they may send, and how every answer is sent.

- Who: a 盟市 or the office, by token. A page visitor brings it once in the access link
  (``/t/<token>``), which sets a session cookie holding the token's hash (signed, HttpOnly,
  SameSite=Strict, gone when the browser closes); each request looks the hash up again, so a
  token replaced with ``kq tokens --reset`` ends its sessions at once. A script sends
  ``Authorization: Bearer <token>`` and the cookie counts for nothing there.
- What: a body larger than the file limit (plus a little for the form around it) is answered
  413 from its ``Content-Length`` before a byte of it is read, and a body without one is cut
  off at that size; form posts carry a CSRF token, compared in constant time.
- How: every answer carries a strict Content-Security-Policy (scripts and styles from the
  portal's own ``/static`` only: no inline script), and no page may be framed or sniffed.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from kuangquan_cli.portal.records import OFFICE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
#: Room for the form around the file (boundaries, part headers, the CSRF field).
FORM_OVERHEAD = 64 * 1024
SESSION_HOLDER, SESSION_KEY, SESSION_CSRF = "holder", "key", "csrf"


class SecurityHeaders:
    """Adds ``HEADERS`` to every response, the portal's error pages and files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *((n, v) for n, v in HEADERS if n not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(Exception):
    """The body went past the limit while being read (it declared no length, or a false one);
    the app answers it 413."""


class BodyLimit:
    """413 for a body over ``limit`` bytes: by its declared length before it is read, else as
    soon as the bytes read pass it (the handler's reading then fails with ``BodyTooLarge``)."""

    def __init__(self, app: ASGIApp, limit: int, too_large: Callable[[Scope], ASGIApp]) -> None:
        self.app = app
        self.limit = limit
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self.too_large(scope)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        await self.app(scope, counted, send)


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def start_session(request: Request, holder: str, digest: str) -> None:
    request.session.clear()
    request.session.update({SESSION_HOLDER: holder, SESSION_KEY: digest, SESSION_CSRF: secrets.token_urlsafe(32)})


def csrf_ok(request: Request, sent: Any) -> bool:
    expected = request.session.get(SESSION_CSRF)
    return isinstance(sent, str) and isinstance(expected, str) and hmac.compare_digest(sent, expected)


def is_office(holder: str | None) -> bool:
    return holder == OFFICE
