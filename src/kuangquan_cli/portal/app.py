"""The portal as an ASGI application (Starlette): its pages, its API and its guards.

Pages (Chinese, server-rendered, one small script for drag and drop and progress; every form also
works without it):

    GET  /t/<token>        an access link: sets the session, then on to /
    GET  /                 a 盟市's page (upload, result, earlier uploads) or the office's (报送情况)
    POST /upload           a ledger, as a form post (CSRF); answered by 303 to the result
    POST /scan             the stamped scan (CSRF)
    POST /merge            the office merges the week and writes its 通报 (CSRF)
    GET  /files/…          a kept file, an annotated copy, the merged workbook, the 通报

API for scripts (``Authorization: Bearer <token>``; docs/portal.md):

    POST /api/upload       multipart field ``file``: the validate JSON plus ``stored`` and ``version``
    GET  /api/status       ``?week=N``, office token: the week's 报送情况

Checking, storing and merging block: they run in a bounded pool of worker threads (``workers``
uploads checked at once, one merge at a time), so an upload being checked never holds up the
pages or the other uploads beyond their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kuangquan_cli.errors import KqError
from kuangquan_cli.portal import records, security, service, views
from kuangquan_cli.portal.records import LEDGER, OFFICE, SCAN, Upload
from kuangquan_cli.portal.service import Refusal, Settings
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.reference.weeks import week_label, week_range
from kuangquan_cli.text import visible

_R = TypeVar("_R")
_LABEL = re.compile(r"(\d{4})-W(\d{2})")
#: The form around an upload: the file and the CSRF token, nothing else.
_FORM_LIMITS = {"max_files": 1, "max_fields": 2, "max_part_size": 4096}
NOT_SIGNED_IN = "请用办公室发给本单位的访问链接打开本系统（链接只发给本单位，请勿转发）"


class Portal:
    """The routes' shared state: the settings and the worker pools."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.checkers = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="kq-check")
        self.merger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kq-merge")

    async def run(self, function: Callable[..., _R], *args: Any, pool: ThreadPoolExecutor | None = None) -> _R:
        """``function(*args)`` in a thread: of ``pool``, else of the event loop's own pool, where
        the quick work goes (a token looked up, a page's records read), never held up by checks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, functools.partial(function, *args))

    def close(self) -> None:
        self.checkers.shutdown(wait=False, cancel_futures=True)
        self.merger.shutdown(wait=False, cancel_futures=True)

    @property
    def max_file_bytes(self) -> int:
        return self.settings.limits.max_file_bytes

    # ---- who is asking ------------------------------------------------------------------------

    def _holder_of(self, digest: str) -> str | None:
        with self.settings.store() as store:
            return records.holder_of(store, digest)

    async def holder_by_token(self, token: str | None) -> str | None:
        return await self.run(self._holder_of, records.token_hash(token)) if token else None

    async def session_holder(self, request: Request) -> str | None:
        """The holder of the session's token, if that token is still the holder's."""
        holder, digest = request.session.get(security.SESSION_HOLDER), request.session.get(security.SESSION_KEY)
        if not isinstance(holder, str) or not isinstance(digest, str):
            return None
        return holder if await self.run(self._holder_of, digest) == holder else None

    # ---- pages --------------------------------------------------------------------------------

    async def access(self, request: Request) -> Response:
        token = request.path_params["token"]
        holder = await self.holder_by_token(token)
        if holder is None:
            return message_page(401, "访问链接无效", "这个访问链接无效或已被更换；请向办公室索取新的链接。")
        security.start_session(request, holder, records.token_hash(token))
        return RedirectResponse("/", status_code=303)

    async def home(self, request: Request) -> Response:
        holder = await self.session_holder(request)
        if holder is None:
            return message_page(401, "请使用访问链接", NOT_SIGNED_IN)
        if holder == OFFICE:
            return await self.office_page(request)
        version = request.query_params.get("v", "")
        return await self.city_page(request, holder, int(version) if version.isdigit() else None)

    async def city_page(self, request: Request, city: str, version: int | None = None, status: int = 200,
                        error: str | None = None, report: dict[str, Any] | None = None) -> Response:
        year, week = self.settings.current_week()
        sent = await self.run(self._uploads, year, week, city)
        ledgers = [u for u in sent if u.kind == LEDGER]
        shown = next((u for u in ledgers if u.version == version), ledgers[-1] if ledgers else None)
        shown_report = report or (shown.report if shown else None)
        result = views.result_view(shown_report, self.settings.plan) if shown_report else None
        monday, sunday = week_range(year, week)
        return page(request, "city.html", status, city=city, week=week_label(year, week), monday=monday,
                    sunday=sunday, ledgers=ledgers, scans=[u for u in sent if u.kind == SCAN],
                    shown=None if report else shown, result=result, error=error,
                    max_mb=self.settings.limits.max_file_mb)

    def _uploads(self, year: int, week: int, city: str | None = None) -> list[Upload]:
        with self.settings.store() as store:
            return records.uploads(store, year, week, city)

    async def office_page(self, request: Request, status: int = 200, error: str | None = None) -> Response:
        year, week = self.settings.current_week()
        state = await self.run(service.week_status, self.settings, year, week)
        merged = service.merged_workbook(self.settings, year, week)
        report = service.report_file(self.settings, year, week)
        word = service.word_report_file(self.settings, year, week)
        return page(request, "office.html", status, state=state, error=error,
                    merged=merged.name if merged.exists() else None, report=report.name if report.exists() else None,
                    word=word.name if word.exists() else None)

    async def _posted_file(self, request: Request, city: str, what: str) -> tuple[bytes, str] | Response:
        """The file a 盟市's form posted (its bytes and the browser's name for it), or the page that
        says why it is not taken: an expired form, no file chosen, a file over the limit."""
        form = await request.form(**_FORM_LIMITS)
        if not security.csrf_ok(request, form.get("csrf")):
            return message_page(403, "请求已过期", "页面已过期，请重新打开访问链接后再上传。")
        data, name = await self._file(form)
        if data is None:
            return await self.city_page(request, city, status=400, error=f"请先选择要上传的{what}")
        if len(data) > self.max_file_bytes:
            return await self.city_page(request, city, status=413, error=self._too_large_text())
        return data, name

    async def upload(self, request: Request) -> Response:
        city = await self._city_posting(request)
        posted = await self._posted_file(request, city, "台账文件")
        if isinstance(posted, Response):
            return posted
        data, name = posted
        try:
            received = await self.run(service.receive_ledger, self.settings, city, name, data, pool=self.checkers)
        except Refusal as refused:
            return await self.city_page(request, city, status=refused.status, error=refused.message,
                                        report=refused.report if refused.status == 422 else None)
        return RedirectResponse(f"/?v={received.upload.version}#result", status_code=303)

    async def scan(self, request: Request) -> Response:
        city = await self._city_posting(request)
        posted = await self._posted_file(request, city, "盖章扫描件")
        if isinstance(posted, Response):
            return posted
        data, name = posted
        try:
            await self.run(service.receive_scan, self.settings, city, name, data, pool=self.checkers)
        except Refusal as refused:
            return await self.city_page(request, city, status=refused.status, error=refused.message)
        return RedirectResponse("/#scans", status_code=303)

    async def merge(self, request: Request) -> Response:
        holder = await self.session_holder(request)
        if holder is None:
            raise HTTPException(401, NOT_SIGNED_IN)
        if holder != OFFICE:
            raise HTTPException(403, "只有办公室可以汇总")
        form = await request.form(**_FORM_LIMITS)
        if not security.csrf_ok(request, form.get("csrf")):
            return message_page(403, "请求已过期", "页面已过期，请重新打开访问链接后再操作。")
        year, week = self.settings.current_week()
        try:
            await self.run(service.merge_week, self.settings, year, week, pool=self.merger)
        except KqError as exc:
            return await self.office_page(request, status=409, error=visible(str(exc)))
        return RedirectResponse("/#outputs", status_code=303)

    async def _city_posting(self, request: Request) -> str:
        """The 盟市 of the session posting a form; the office does not upload."""
        holder = await self.session_holder(request)
        if holder is None:
            raise HTTPException(401, NOT_SIGNED_IN)
        if holder == OFFICE:
            raise HTTPException(403, "办公室的访问链接不能上传台账；请用各盟市自己的链接")
        return holder

    @staticmethod
    async def _file(form: Any) -> tuple[bytes | None, str]:
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return None, ""
        return await file.read(), file.filename

    def _too_large_text(self) -> str:
        return f"文件超过 {self.settings.limits.max_file_mb:g} MB 的上限，未予接收"

    # ---- files --------------------------------------------------------------------------------

    async def _readable_by(self, request: Request, city: str) -> None:
        """The session may see ``city``'s files: its own 盟市, or the office."""
        holder = await self.session_holder(request)
        if holder is None:
            raise HTTPException(401, NOT_SIGNED_IN)
        if holder not in (city, OFFICE):
            raise HTTPException(403, f"本单位只能查看自己的台账，不能查看{city}的")

    async def _upload_of(self, request: Request) -> Upload:
        """The upload the path names, after the session's right to it is checked; the path's
        parts only ever select a record, whose own names make the file's path."""
        params = request.path_params
        city, kind = params["city"], params["kind"]
        if city not in divisions().cities or kind not in (LEDGER, SCAN):
            raise HTTPException(404, "没有这个文件")
        await self._readable_by(request, city)
        year, week = _week_of(params["label"])
        found = [u for u in await self.run(self._uploads, year, week, city)
                 if u.kind == kind and u.version == params["version"]]
        if not found:
            raise HTTPException(404, "没有这个文件")
        return found[0]

    async def kept_file(self, request: Request) -> Response:
        upload = await self._upload_of(request)
        path = service.version_file(self.settings, upload)
        return FileResponse(path, filename=path.name)

    async def annotated(self, request: Request) -> Response:
        upload = await self._upload_of(request)
        if upload.kind != LEDGER:
            raise HTTPException(404, "没有这个文件")
        path = await self.run(service.annotated_copy, self.settings, upload, pool=self.checkers)
        return FileResponse(path, filename=path.name)

    async def output(self, request: Request) -> Response:
        holder = await self.session_holder(request)
        if holder is None:
            raise HTTPException(401, NOT_SIGNED_IN)
        if holder != OFFICE:
            raise HTTPException(403, "汇总台账和通报只有办公室可以下载")
        year, week = _week_of(request.path_params["label"])
        make = {"merged": service.merged_workbook, "report": service.report_file,
                "report-docx": service.word_report_file}.get(request.path_params["what"])
        path = make(self.settings, year, week) if make else None
        if path is None or not path.is_file():
            raise HTTPException(404, "本周尚未汇总")
        return FileResponse(path, filename=path.name)

    # ---- API ----------------------------------------------------------------------------------

    async def api_upload(self, request: Request) -> Response:
        holder = await self.holder_by_token(security.bearer(request))
        if holder is None:
            return api_error(401, "缺少或无效的访问令牌（请求头 Authorization: Bearer <令牌>）")
        if holder == OFFICE:
            return api_error(403, "办公室的令牌不能上传台账；请用各盟市自己的令牌")
        form = await request.form(**_FORM_LIMITS)
        data, name = await self._file(form)
        if data is None:
            return api_error(400, "缺少文件（multipart 字段 file）")
        if len(data) > self.max_file_bytes:
            return api_error(413, self._too_large_text())
        try:
            received = await self.run(service.receive_ledger, self.settings, holder, name, data,
                                      pool=self.checkers)
        except Refusal as refused:
            return JSONResponse({"error": refused.message, **(refused.report or {})}, status_code=refused.status)
        return JSONResponse({**received.report, "stored": received.upload.stored, "version": received.upload.version})

    async def api_status(self, request: Request) -> Response:
        holder = await self.holder_by_token(security.bearer(request))
        if holder is None:
            return api_error(401, "缺少或无效的访问令牌（请求头 Authorization: Bearer <令牌>）")
        if holder != OFFICE:
            return api_error(403, "报送情况只有办公室的令牌可以查看")
        year, week = self.settings.current_week()
        asked = request.query_params.get("week")
        if asked is not None:
            if not asked.isdigit() or not 1 <= int(asked) <= 53:
                return api_error(400, f"week 应为 1–53 之间的整数，现为 {visible(asked)}")
            week = int(asked)
        state = await self.run(service.week_status, self.settings, year, week)
        return JSONResponse(state.to_dict())


def _week_of(label: str) -> tuple[int, int]:
    found = _LABEL.fullmatch(label)
    if found is None:
        raise HTTPException(404, "没有这个文件")
    return int(found[1]), int(found[2])


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf = request.session.get(security.SESSION_CSRF, "")
    return HTMLResponse(views.render(template, csrf=csrf, **context), status_code=status)


def message_page(status: int, title: str, text: str) -> HTMLResponse:
    return HTMLResponse(views.render("message.html", title=title, text=text, status=status), status_code=status)


def api_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _is_api(scope: Any) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


def _too_large(limit_mb: float) -> Callable[[Any], Response]:
    text = f"文件超过 {limit_mb:g} MB 的上限，未予接收"

    def answer(scope: Any) -> Response:
        return api_error(413, text) if _is_api(scope) else message_page(413, "文件过大", text)

    return answer


def _body_too_large(answer: Callable[[Any], Response]) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, exc: Exception) -> Response:
        return answer(request.scope)

    return handler


_ERROR_TITLES = {
    401: "请使用访问链接", 403: "无权访问", 404: "没有这个页面", 405: "不支持的请求", 500: "服务器内部错误",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Every error page and API error in Chinese: where Starlette speaks for itself (its English
    reason phrase, as for an unknown page or method, or an unexpected fault), the Chinese title."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title = _ERROR_TITLES.get(status, "出错了")
    detail = exc.detail if isinstance(exc, HTTPException) else title
    if detail == HTTPStatus(status).phrase:
        detail = title
    if _is_api(request.scope):
        return api_error(status, detail)
    return message_page(status, title, detail)


async def _store_error(request: Request, exc: Exception) -> Response:
    """The store is busy or damaged: said in its own words, and the user may try again."""
    text = visible(str(exc))
    return api_error(503, text) if _is_api(request.scope) else message_page(503, "暂时无法处理", text)


def create_app(settings: Settings) -> Starlette:
    """The portal for ``settings``; the session key is made anew each start (a restart asks
    each visitor to open their link again)."""
    portal = Portal(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            portal.close()

    limit = settings.limits.max_file_bytes + security.FORM_OVERHEAD
    too_large = _too_large(settings.limits.max_file_mb)
    routes = [
        Route("/", portal.home),
        Route("/t/{token}", portal.access),
        Route("/upload", portal.upload, methods=["POST"]),
        Route("/scan", portal.scan, methods=["POST"]),
        Route("/merge", portal.merge, methods=["POST"]),
        Route("/files/{label}/{city}/{kind}/{version:int}", portal.kept_file),
        Route("/files/{label}/{city}/{kind}/{version:int}/annotated", portal.annotated),
        Route("/outputs/{label}/{what}", portal.output),
        Route("/api/upload", portal.api_upload, methods=["POST"]),
        Route("/api/status", portal.api_status),
        Mount("/static", StaticFiles(directory=views.PACKAGE / "static"), name="static"),
    ]
    middleware = [
        Middleware(security.SecurityHeaders),
        Middleware(security.BodyLimit, limit=limit, too_large=too_large),
        Middleware(SessionMiddleware, secret_key=secrets.token_hex(32), session_cookie="kq_session",
                   max_age=None, same_site="strict"),
    ]
    handlers: dict[Any, Any] = {
        HTTPException: _http_error,
        Exception: _http_error,
        security.BodyTooLarge: _body_too_large(too_large),
        KqError: _store_error,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.portal = portal
    return app
