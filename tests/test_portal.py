"""The submission portal over HTTP (Starlette's test client): what a 盟市 and the office get,
and every guard — each test fails on a server that skips its rule."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from starlette.testclient import TestClient

import kuangquan_cli.portal.records as records_module
import kuangquan_cli.portal.service as service_module
from kuangquan_cli.merging.store import Store
from kuangquan_cli.portal.app import create_app
from kuangquan_cli.portal.security import CSP
from kuangquan_cli.reference.tables import divisions
from support import PortalSite, city_rows, credit_code, invoke, ledger_bytes, portal_site, row, run_kq, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def site(tmp_path: Path) -> PortalSite:
    return portal_site(tmp_path)


@pytest.fixture
def client(site: PortalSite) -> Any:
    with TestClient(create_app(site.settings), follow_redirects=True) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def flawed_rows(city: str = "包头市", count: int = 8) -> list[dict[str, Any]]:
    """``count`` rows of ``city``, the first six with a wrong credit-code check character (rows 4–9, column J)."""
    rows = city_rows(city, count, 0)
    for r in rows[:6]:
        r["credit_code"] = credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1")
    return rows


def upload_form(client: Any, csrf: str, content: bytes, name: str = "台账.xlsx", path: str = "/upload") -> Any:
    return client.post(path, data={"csrf": csrf}, files={"file": (name, content, XLSX)})


def inbox_files(site: PortalSite) -> set[str]:
    return {p.relative_to(site.inbox).as_posix() for p in site.inbox.rglob("*") if p.is_file()} \
        if site.inbox.exists() else set()


# ---- what a 盟市 sees -----------------------------------------------------------------------------


def test_a_city_uploads_and_sees_grouped_findings_with_cells_and_its_own_counts(site, client, tmp_path):
    csrf = sign_in(client, site.tokens["包头市"])
    answer = upload_form(client, csrf, ledger_bytes(tmp_path, "包头市", flawed_rows()), name="包头市0920.xlsx")
    assert answer.status_code == 200 and answer.url.path == "/" and answer.url.query == b"v=1"
    page = answer.text
    assert "8 行：错误 6 处，警告 0 处" in page
    assert "J 列「统一社会信用代码」" in page and "6 处，占全部 8 行的 75%" in page
    assert "J4、J5、J6、J7、J8、J9" in page
    assert "[credit_code.check]" not in page and "credit_code.check" in page
    assert re.search(r"<td>停产矿山复工复产.*?</td>|<td>[^<]*</td><td>合计</td><td class=\"num\">\d+</td>", page)
    assert "数据库中还没有上一周的汇总，暂无法比较" in page  # no week stored before 2022-W38
    assert "包头市0920.xlsx" in page  # the earlier uploads list: name as sent


def test_the_annotated_copy_is_the_uploaded_workbook_with_its_findings(site, client, tmp_path):
    csrf = sign_in(client, site.tokens["包头市"])
    upload_form(client, csrf, ledger_bytes(tmp_path, "包头市", flawed_rows()))
    answer = client.get("/files/2022-W38/%E5%8C%85%E5%A4%B4%E5%B8%82/ledger/1/annotated")
    assert answer.status_code == 200
    assert "filename*=utf-8''" in answer.headers["content-disposition"]
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(answer.content)
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "校验结果"
    assert book["台账"]["J4"].comment is not None and book["台账"]["J10"].comment is None


def test_every_upload_is_kept_under_a_version_and_the_latest_is_what_the_merge_reads(site, client, tmp_path):
    csrf = sign_in(client, site.tokens["包头市"])
    first = ledger_bytes(tmp_path, "包头市", flawed_rows())
    second = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 5, 0))
    upload_form(client, csrf, first)
    page = upload_form(client, csrf, second, name="更正.xlsx").text
    assert inbox_files(site) == {"2022-W38/包头市.xlsx", "2022-W38/各版本/包头市.第1版.xlsx",
                                 "2022-W38/各版本/包头市.第2版.xlsx"}
    assert site.ledger_path("各版本/包头市.第1版.xlsx").read_bytes() == first
    assert site.ledger_path("包头市.xlsx").read_bytes() == second
    assert "第 2 版" in page and "第 1 版" in page and "5 行：错误 0 处，警告 0 处" in page
    with Store(site.db) as store:
        stored = store.fetch("SELECT city, week, version, size, sha256, rows, errors FROM upload ORDER BY version")
    assert stored == [("包头市", 38, 1, len(first), hashlib.sha256(first).hexdigest(), 8, 6),
                      ("包头市", 38, 2, len(second), hashlib.sha256(second).hexdigest(), 5, 0)]


def test_the_api_answers_the_validate_json_with_where_it_was_kept(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "赤峰市", city_rows("赤峰市", 3, 0))
    answer = client.post("/api/upload", headers=bearer(site.tokens["赤峰市"]), files={"file": ("a.xlsx", content)})
    assert answer.status_code == 200
    data = answer.json()
    (tmp_path / "赤峰市.xlsx").write_bytes(content)
    validated = json.loads(invoke("validate", "--week", "38", "--format", "json", str(tmp_path / "赤峰市.xlsx")).stdout)
    assert set(data) == set(validated) | {"stored", "version", "compared_with", "changes"}
    assert data["files"][0] | {"file": None} == validated["files"][0] | {"file": None}
    assert (data["stored"], data["version"]) == ("2022-W38/赤峰市.xlsx", 1)
    assert data["files"][0]["city"] == "赤峰市" and data["summary"] == {"files": 1, "rows": 3, "errors": 0,
                                                                        "warnings": 0}
    assert (site.inbox / data["stored"]).read_bytes() == content


def test_a_file_that_is_no_ledger_is_refused_and_not_kept(site, client):
    answer = client.post("/api/upload", headers=bearer(site.tokens["包头市"]),
                         files={"file": ("台账.xlsx", b"not a workbook at all")})
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("台账.xlsx：") and answer.json()["files"][0]["errors"] == 1
    assert not inbox_files(site) - {p for p in inbox_files(site) if "/.incoming/" in p}
    answer = client.post("/api/upload", headers=bearer(site.tokens["包头市"]),
                         files={"file": ("台账.pdf", b"%PDF-1.4")})
    assert answer.status_code == 415 and answer.json()["error"] == "只接受 .xlsx、.xlsm、.xls、.csv 格式的台账文件"


def test_the_stamped_scan_is_kept_beside_and_shown_to_the_office(site, client):
    csrf = sign_in(client, site.tokens["通辽市"])
    page = upload_form(client, csrf, b"%PDF-1.4 stamped", name="盖章.pdf", path="/scan")
    assert page.status_code == 200 and "第 1 版" in page.text
    assert site.ledger_path("盖章扫描件/通辽市.第1版.pdf").read_bytes() == b"%PDF-1.4 stamped"
    refused = upload_form(client, csrf, b"MZ\x90\x00", name="盖章.pdf", path="/scan")
    assert refused.status_code == 415 and "盖章扫描件应为 PDF、PNG 或 JPEG 文件" in refused.text
    status = client.get("/api/status", headers=bearer(site.tokens["office"])).json()
    assert [c["scan"] for c in status["cities"] if c["city"] == "通辽市"] == [True]


# ---- what the office sees -------------------------------------------------------------------------


def test_the_office_sees_who_sent_and_merges_the_week(site, client, tmp_path):
    for city in ("包头市", "乌海市"):
        content = ledger_bytes(tmp_path, city, city_rows(city, 3, 0))
        client.post("/api/upload", headers=bearer(site.tokens[city]), files={"file": (f"{city}.xlsx", content)})
    csrf = sign_in(client, site.tokens["office"])
    page = client.get("/").text
    assert "已报送 2 个盟市" in page and "未报送：呼和浩特市、赤峰市" in page
    merged = client.post("/merge", data={"csrf": csrf})
    assert merged.status_code == 200 and "本周已于" in merged.text
    workbook = client.get("/outputs/2022-W38/merged")
    report = client.get("/outputs/2022-W38/report")
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
    assert report.status_code == 200 and "通报" in report.text
    word = client.get("/outputs/2022-W38/report-docx")
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert "下载通报公文版（全区盘活矿业权工作进展通报_2022-W38.docx）" in client.get("/").text
    with Store(site.db) as store:
        [(files, rows_in)] = store.fetch("SELECT files, rows_in FROM snapshot WHERE week = 38")
    assert (files, rows_in) == (2, 6)  # the latest of each 盟市, not its earlier versions


def test_the_status_api_lists_every_city_in_order(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "兴安盟", flawed_rows("兴安盟"))
    client.post("/api/upload", headers=bearer(site.tokens["兴安盟"]), files={"file": ("x.xlsx", content)})
    status = client.get("/api/status?week=38", headers=bearer(site.tokens["office"])).json()
    assert [c["city"] for c in status["cities"]] == list(divisions().cities)
    [line] = [c for c in status["cities"] if c["sent"]]
    assert {k: line[k] for k in ("city", "version", "stored", "rows", "errors", "warnings", "versions", "scan")} == {
        "city": "兴安盟", "version": 1, "stored": "2022-W38/兴安盟.xlsx", "rows": 8, "errors": 6, "warnings": 0,
        "versions": 1, "scan": False}
    assert status["week"] == "2022-W38" and status["sent"] == 1 and len(status["missing"]) == 11
    assert client.get("/api/status?week=37", headers=bearer(site.tokens["office"])).json()["sent"] == 0


# ---- 401: no token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("POST", "/upload"), ("POST", "/scan"), ("POST", "/merge"),
    ("GET", "/files/2022-W38/包头市/ledger/1"), ("GET", "/files/2022-W38/包头市/ledger/1/annotated"),
    ("GET", "/outputs/2022-W38/merged"), ("POST", "/api/upload"), ("GET", "/api/status"),
])
def test_without_a_token_everything_is_401(client, method, path):
    assert client.request(method, path).status_code == 401


def test_a_wrong_token_is_401_by_link_and_by_header(site, client):
    assert client.get("/t/" + "x" * 43).status_code == 401
    assert client.get("/api/status", headers=bearer("x" * 43)).status_code == 401
    assert client.get("/api/status", headers={"Authorization": site.tokens["office"]}).status_code == 401


def test_a_session_cookie_does_not_open_the_api(site, client):
    sign_in(client, site.tokens["office"])
    assert client.get("/").status_code == 200
    assert client.get("/api/status").status_code == 401


def test_a_replaced_token_ends_its_sessions(site, client):
    sign_in(client, site.tokens["包头市"])
    with Store(site.db) as store:
        records_module.issue_tokens(store, "包头市")
    assert client.get("/").status_code == 401
    assert client.get(f"/t/{site.tokens['包头市']}").status_code == 401


# ---- 403: another 盟市's data --------------------------------------------------------------------


def test_a_city_cannot_read_another_citys_files_nor_the_status(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "赤峰市", city_rows("赤峰市", 3, 0))
    client.post("/api/upload", headers=bearer(site.tokens["赤峰市"]), files={"file": ("x.xlsx", content)})
    sign_in(client, site.tokens["包头市"])
    assert client.get("/files/2022-W38/赤峰市/ledger/1").status_code == 403
    assert client.get("/files/2022-W38/赤峰市/ledger/1/annotated").status_code == 403
    assert client.get("/outputs/2022-W38/merged").status_code == 403
    assert client.get("/api/status", headers=bearer(site.tokens["包头市"])).status_code == 403
    sign_in(client, site.tokens["赤峰市"])
    assert client.get("/files/2022-W38/赤峰市/ledger/1").content == content
    sign_in(client, site.tokens["office"])
    assert client.get("/files/2022-W38/赤峰市/ledger/1").status_code == 200


@pytest.mark.parametrize("title", [None, "赤峰市盘活矿业权工作台账"], ids=["by its rows", "by its title"])
def test_a_ledger_of_another_city_is_403_and_not_kept_as_this_citys(site, client, tmp_path, title):
    content = ledger_bytes(tmp_path, "赤峰市", city_rows("赤峰市", 4, 0), title=title)
    answer = client.post("/api/upload", headers=bearer(site.tokens["包头市"]), files={"file": ("包头市.xlsx", content)})
    assert answer.status_code == 403
    assert answer.json() == {"error": "这份台账是赤峰市的（按标题或多数行所填的盟市），不能作为包头市的台账上传"}
    csrf = sign_in(client, site.tokens["包头市"])
    page = upload_form(client, csrf, content)
    assert page.status_code == 403 and "这份台账是赤峰市的" in page.text
    assert not [p for p in inbox_files(site) if "/.incoming/" not in p]
    assert client.get("/api/status", headers=bearer(site.tokens["office"])).json()["sent"] == 0


def test_the_office_token_does_not_upload(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    answer = client.post("/api/upload", headers=bearer(site.tokens["office"]), files={"file": ("x.xlsx", content)})
    assert answer.status_code == 403


# ---- 413: too large, before it is parsed -----------------------------------------------------------


def asgi_post(app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, int]:
    """POST straight into the ASGI app: the status, and how many body chunks the app read."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        if read <= len(chunks):
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 1), "server": ("testserver", 80)}

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(run())
    return sent[0]["status"], read


def test_a_body_over_the_limit_is_413_before_a_byte_of_it_is_read(site):
    app = create_app(site.settings)  # max-file-mb 1
    big = str(2 * 1024 * 1024).encode()
    headers = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", big),
               (b"authorization", f"Bearer {site.tokens['包头市']}".encode())]
    assert asgi_post(app, "/api/upload", headers, [b"--x\r\n"]) == (413, 0)
    assert asgi_post(app, "/upload", headers, [b"--x\r\n"]) == (413, 0)


def test_a_body_without_a_length_is_cut_off_at_the_limit(site, client):
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'
    status, read = asgi_post(create_app(site.settings), "/api/upload",
                             [(b"content-type", b"multipart/form-data; boundary=x"),
                              (b"authorization", f"Bearer {site.tokens['包头市']}".encode())],
                             [head] + [b"x" * (256 * 1024)] * 40)
    assert status == 413 and read < 10
    assert not inbox_files(site)


def test_a_file_over_the_limit_in_a_form_is_413_and_not_kept(site, client):
    csrf = sign_in(client, site.tokens["包头市"])
    answer = upload_form(client, csrf, b"PK" + b"\0" * (1024 * 1024 + 10))
    assert answer.status_code == 413 and "文件超过 1 MB 的上限，未予接收" in answer.text
    assert not inbox_files(site)


def test_the_form_may_hold_one_file_and_no_more_fields(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    two = client.post("/api/upload", headers=bearer(site.tokens["包头市"]),
                      files=[("file", ("a.xlsx", content)), ("file", ("b.xlsx", content))])
    many = client.post("/api/upload", headers=bearer(site.tokens["包头市"]), files={"file": ("a.xlsx", content)},
                       data={f"f{i}": "x" for i in range(5)})
    assert (two.status_code, many.status_code) == (400, 400)
    assert not inbox_files(site)


# ---- CSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_form_post_without_its_csrf_token_is_refused(site, client, tmp_path, csrf):
    sign_in(client, site.tokens["包头市"])
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    data = {} if csrf is None else {"csrf": csrf}
    assert client.post("/upload", data=data, files={"file": ("a.xlsx", content)}).status_code == 403
    assert client.post("/scan", data=data, files={"file": ("a.pdf", b"%PDF-")}).status_code == 403
    assert not inbox_files(site)
    sign_in(client, site.tokens["office"])
    assert client.post("/merge", data=data).status_code == 403


def test_the_csrf_token_of_one_session_does_not_serve_another(site, tmp_path):
    app = create_app(site.settings)
    with TestClient(app) as first, TestClient(app) as second:
        stolen = sign_in(first, site.tokens["包头市"])
        sign_in(second, site.tokens["包头市"])
        content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
        assert second.post("/upload", data={"csrf": stolen}, files={"file": ("a.xlsx", content)}).status_code == 403


# ---- CSP, escaping, names ---------------------------------------------------------------------------


def test_every_answer_carries_the_strict_policy_and_no_page_has_inline_script_or_style(site, client, tmp_path):
    answers = [client.get("/"), client.get("/t/nope"), client.get("/static/portal.css"),
               client.get("/static/portal.js"), client.get("/api/status")]
    sign_in(client, site.tokens["包头市"])
    content = ledger_bytes(tmp_path, "包头市", flawed_rows())
    answers += [upload_form(client, sign_in(client, site.tokens["包头市"]), content), client.get("/nowhere"),
                client.post("/api/upload", headers=[("content-length", str(10**9))])]
    sign_in(client, site.tokens["office"])
    answers.append(client.get("/"))
    assert CSP.startswith("default-src 'self'; script-src 'self'; style-src 'self';") and "unsafe" not in CSP
    for answer in answers:
        assert answer.headers["content-security-policy"] == CSP, answer.url
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"
        if answer.headers["content-type"].startswith("text/html"):
            assert not re.search(r"<script(?![^>]*\bsrc=)|\son\w+=|\sstyle=|<style", answer.text), answer.url


HOSTILE = '<img src=x onerror=alert(1)>"'


def test_what_the_client_sent_is_escaped_on_every_page(site, client, tmp_path):
    rows = city_rows("包头市", 3, 0)
    rows[0]["county"] = HOSTILE
    csrf = sign_in(client, site.tokens["包头市"])
    page = upload_form(client, csrf, ledger_bytes(tmp_path, "包头市", rows), name=f"{HOSTILE}\x1b[2J.xlsx").text
    sign_in(client, site.tokens["office"])
    office = client.get("/").text
    for text in (page, office):
        assert "<img" not in text and "\x1b" not in text
    assert "「&lt;img src=x onerror=alert(1)&gt;&#34;」" in page  # the finding's message quotes the cell
    assert "&lt;img src=x onerror=alert(1)&gt;%22\\x1b[2J.xlsx" in office  # the name as sent (httpx quotes ")


@pytest.mark.parametrize("name", ["../../escape.xlsx", "..\\..\\escape.xlsx", "/etc/passwd.xlsx", "C:\\x\\y.xlsx",
                                  "台账.XLSX", "a\0b.xlsx"])
def test_the_clients_file_name_never_becomes_a_path(site, client, tmp_path, name):
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    answer = client.post("/api/upload", headers=bearer(site.tokens["包头市"]), files={"file": (name, content)})
    assert answer.status_code == 200 and answer.json()["stored"] == "2022-W38/包头市.xlsx"
    assert inbox_files(site) == {"2022-W38/包头市.xlsx", "2022-W38/各版本/包头市.第1版.xlsx"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox", "kq.db", "upload-包头市.xlsx"]


def test_a_path_naming_a_file_selects_a_record_never_a_file(site, client, tmp_path):
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    client.post("/api/upload", headers=bearer(site.tokens["包头市"]), files={"file": ("a.xlsx", content)})
    sign_in(client, site.tokens["office"])
    for path in ("/files/2022-W38/..%2F..%2Fkq.db/ledger/1", "/files/2022-W38/包头市/../ledger/1",
                 "/files/..%2F..%2F/包头市/ledger/1", "/files/2022-W38/包头市/ledger/2",
                 "/outputs/2022-W38/..%2Fkq.db"):
        assert client.get(path).status_code == 404, path


# ---- tokens -------------------------------------------------------------------------------------------


def test_kq_tokens_gives_every_link_once_and_keeps_only_hashes(tmp_path, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    first = invoke("tokens", "--db", str(db), "--format", "json")
    made = json.loads(first.stdout)
    assert list(made["cities"]) == list(divisions().cities) and made["office"]
    tokens = [made["office"], *made["cities"].values()]
    assert len(set(tokens)) == 13 and all(len(t) >= 43 for t in tokens)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert not any(t.encode() in raw for t in tokens)
    with Store(db) as store:
        assert {h for (h,) in store.fetch("SELECT token_hash FROM portal_token")} == {
            hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    again = invoke("tokens", "--db", str(db))
    assert again.exit_code == 0 and "链接只在生成时显示一次" in again.stdout and made["office"] not in again.stdout
    reset = json.loads(invoke("tokens", "--db", str(db), "--reset", "包头", "--format", "json").stdout)
    assert reset["office"] is None and list(reset["cities"]) == ["包头市"] and reset["cities"]["包头市"] not in tokens
    text = invoke("tokens", "--db", str(db), "--reset", "办公室", "--host", "10.1.2.3", "--port", "8080").stdout
    assert re.search(r"办公室\s+http://10\.1\.2\.3:8080/t/[\w-]{43}\n", text)
    assert run_kq(monkeypatch, capfd, "tokens", "--db", str(db), "--reset", "北京市") == (
        2, "", "错误：--reset 应为盟市名称或“办公室”，现为 北京市\n")


def test_a_presented_token_is_compared_with_every_hash_in_constant_time(site, client, monkeypatch):
    compared: list[tuple[str, str]] = []
    real = records_module.hmac.compare_digest

    def recording(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(records_module.hmac, "compare_digest", recording)
    assert client.get("/api/status", headers=bearer(site.tokens["office"])).status_code == 200
    presented = hashlib.sha256(site.tokens["office"].encode()).hexdigest()
    assert len(compared) == 13 and {a for a, _ in compared} == {presented}


def test_kq_serve_binds_to_this_machine_unless_told(tmp_path, monkeypatch, capfd):
    import uvicorn

    ran: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.append(options))
    db = tmp_path / "kq.db"
    refused = run_kq(monkeypatch, capfd, "serve", "--inbox", str(tmp_path / "in"), "--db", str(db))
    assert refused == (2, "", f"错误：数据库 {db} 中还没有访问链接；请先运行 kq tokens --db {db}\n")
    invoke("tokens", "--db", str(db))
    assert invoke("serve", "--inbox", str(tmp_path / "in"), "--db", str(db), "--week", "38").exit_code == 0
    assert invoke("serve", "--inbox", str(tmp_path / "in"), "--db", str(db), "--host", "0.0.0.0", "--port",
                  "9000").exit_code == 0
    assert [(r["host"], r["port"], r["access_log"]) for r in ran] == [("127.0.0.1", 8000, False),
                                                                       ("0.0.0.0", 9000, False)]


# ---- concurrency ---------------------------------------------------------------------------------------


async def post_all(app: Any, uploads: list[tuple[str, bytes]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return list(await asyncio.gather(*(
            c.post("/api/upload", headers=bearer(token), files={"file": ("台账.xlsx", content)})
            for token, content in uploads)))


def test_twelve_cities_uploading_at_once_are_all_kept(site, tmp_path):
    cities = divisions().cities
    contents = {c: ledger_bytes(tmp_path, c, city_rows(c, 30, i * 100)) for i, c in enumerate(cities)}
    app = create_app(site.settings)
    answers = asyncio.run(post_all(app, [(site.tokens[c], contents[c]) for c in cities]))
    assert [a.status_code for a in answers] == [200] * 12
    assert sorted(a.json()["stored"] for a in answers) == sorted(f"2022-W38/{c}.xlsx" for c in cities)
    for city in cities:
        assert site.ledger_path(f"{city}.xlsx").read_bytes() == contents[city]
    with TestClient(app) as client:
        status = client.get("/api/status", headers=bearer(site.tokens["office"])).json()
    assert status["sent"] == 12 and [c["version"] for c in status["cities"]] == [1] * 12


def test_uploads_of_one_city_at_once_get_distinct_versions(site, tmp_path):
    contents = [ledger_bytes(tmp_path, "包头市", city_rows("包头市", n, 0)) for n in range(2, 7)]
    answers = asyncio.run(post_all(create_app(site.settings), [(site.tokens["包头市"], c) for c in contents]))
    assert sorted(a.json()["version"] for a in answers) == [1, 2, 3, 4, 5]
    kept = {site.ledger_path(f"各版本/包头市.第{a.json()['version']}版.xlsx").read_bytes() for a in answers}
    assert kept == set(contents)
    last = max(answers, key=lambda a: a.json()["version"])
    assert site.ledger_path("包头市.xlsx").read_bytes() == contents[answers.index(last)]


def test_a_slow_check_blocks_neither_the_pages_nor_more_than_its_worker(site, tmp_path, monkeypatch):
    """Two workers: while two checks hang, the pages answer; a third upload waits its turn."""
    release = threading.Event()
    running, most = 0, 0
    lock = threading.Lock()
    real = service_module.validate_file

    def slow(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(10)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(service_module, "validate_file", slow)
    app = create_app(site.settings)
    contents = [ledger_bytes(tmp_path, c, city_rows(c, 2, 0)) for c in ("包头市", "乌海市", "赤峰市")]

    async def scenario() -> tuple[float, int, list[int]]:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            posts = [asyncio.ensure_future(c.post("/api/upload", headers=bearer(site.tokens[city]),
                                                  files={"file": ("a.xlsx", content)}))
                     for city, content in zip(("包头市", "乌海市", "赤峰市"), contents, strict=True)]
            await asyncio.sleep(0.5)
            started = time.perf_counter()
            page = await c.get("/api/status", headers=bearer(site.tokens["office"]))
            took = time.perf_counter() - started
            hanging = running
            release.set()
            done = await asyncio.gather(*posts)
            assert page.status_code == 200
            return took, hanging, [d.status_code for d in done]

    took, hanging, statuses = asyncio.run(scenario())
    assert took < 1 and hanging == 2 and most == 2 and statuses == [200, 200, 200]


def test_rows_of_a_city_in_a_file_with_a_wrong_row_keep_their_city(site, client, tmp_path):
    """One row of another 盟市 in a 包头市 ledger is that row's error, not a refusal of the file."""
    rows = city_rows("包头市", 4, 0)
    rows.append(row(city="赤峰市", county="红山区", licence_no="C1504002009051120016226", seq=5))
    answer = client.post("/api/upload", headers=bearer(site.tokens["包头市"]),
                         files={"file": ("a.xlsx", ledger_bytes(tmp_path, "包头市", rows))})
    assert answer.status_code == 200
    assert {f["code"] for f in answer.json()["files"][0]["findings"]} == {"city.mismatch"}


def test_docs_portal_lists_exactly_the_keys_the_api_adds_and_the_status_has(site, client, tmp_path):
    docs = (Path(__file__).parents[1] / "docs" / "portal.md").read_text(encoding="utf-8")
    tables = re.findall(r"\| 键 \| 类型 \| 含义 \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", docs)
    documented = [{line.split("|")[1].strip().strip("`") for line in table.splitlines()} for table in tables]
    content = ledger_bytes(tmp_path, "包头市", city_rows("包头市", 2, 0))
    upload = client.post("/api/upload", headers=bearer(site.tokens["包头市"]), files={"file": ("a.xlsx", content)})
    status = client.get("/api/status", headers=bearer(site.tokens["office"])).json()
    validated = json.loads(invoke("validate", "--format", "json", str(tmp_path / "upload-包头市.xlsx")).stdout)
    assert documented == [{"stored", "version", "compared_with", "changes"}, set(status), set(status["cities"][0])]
    assert set(upload.json()) - set(validated) == documented[0]


def test_what_starlette_answers_by_itself_is_said_in_chinese(site, monkeypatch):
    """An unknown page or method, and a fault nobody foresaw: a Chinese page or API error, never
    Starlette's English reason phrase or a traceback."""
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("内部故障演示")

    monkeypatch.setattr("kuangquan_cli.portal.service.week_status", broken)
    with TestClient(create_app(site.settings), raise_server_exceptions=False) as client:
        unknown = client.get("/没有的页面")
        method = client.get("/upload")
        api_method = client.get("/api/upload")
        client.get(f"/t/{site.tokens['office']}")
        fault = client.get("/")
    assert (unknown.status_code, method.status_code, api_method.status_code, fault.status_code) == (404, 405, 405, 500)
    assert "没有这个页面" in unknown.text and "不支持的请求" in method.text
    assert api_method.json()["error"] == "不支持的请求"
    assert "服务器内部错误" in fault.text
    for answer in (unknown, method, api_method, fault):
        assert not re.search(r"Not Found|Method Not Allowed|Internal Server Error|Traceback", answer.text)
