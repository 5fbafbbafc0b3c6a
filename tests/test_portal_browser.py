"""The portal in a real browser: Debian's headless Chromium, driven by Selenium through Debian's
chromedriver (nothing downloaded), against the portal served by uvicorn on this machine.

A 盟市 opens its link, uploads a flawed ledger with the file picker (the page's script posts it
and shows the progress), sees the grouped findings with their cells, downloads the annotated copy;
the office's page then shows that 盟市 as sent. Screenshots of both pages, at 1366×768 and at a
phone's width, are left in ``$KQ_SCREENSHOTS`` (else the test's folder) to be looked at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kuangquan_cli.portal.app import create_app
from support import PortalSite, city_rows, credit_code, portal_site, write_ledger

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="未安装 chromium 和 chromium-driver（apt），跳过浏览器测试"),
]


#: A file dropped on the upload area, as a person drags it there (the file taken from the picker).
DROP = """
const input = arguments[0];
const files = new DataTransfer();
files.items.add(input.files[0]);
input.closest("form").querySelector(".drop").dispatchEvent(
    new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PortalSite, str]]:
    """The portal on 127.0.0.1 and a free port, in a thread of this process."""
    import uvicorn

    site = portal_site(tmp_path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(site.settings), host="127.0.0.1", port=port,
                                          log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield site, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for a driver to download
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--lang=zh-CN", "--window-size=1366,768",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str, tmp_path: Path, width: int = 1366) -> Path:
    """The whole page at ``width`` pixels (the window grown to the page's height)."""
    folder = Path(os.environ.get("KQ_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 768)
    height = driver.execute_script("window.scrollTo(0, 0); return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(768, height + 120))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 768)
    return path


def text_of(driver: Any, element_id: str) -> str:
    """The text of the element, or "" while there is none (the page may be being replaced)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return "".join(e.text for e in driver.find_elements(By.ID, element_id))
    except StaleElementReferenceException:
        return ""


def wait_for(condition: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_city_uploads_in_the_browser_and_the_office_sees_it_sent(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    site, base = served
    rows = city_rows("包头市", 12, 0)
    for r in rows[:7]:
        r["credit_code"] = credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1")
    rows[9]["phone"] = "1391234"
    ledger = write_ledger(tmp_path / "包头市第38周台账.xlsx", rows, title="包头市盘活矿业权工作台账")

    browser.get(f"{base}/t/{site.tokens['包头市']}")
    assert "包头市 · 2022-W38" in browser.find_element(By.CSS_SELECTOR, "header").text
    browser.find_element(By.ID, "ledger-file").send_keys(str(ledger))
    assert browser.find_element(By.CSS_SELECTOR, "#upload .chosen").text == "已选择：包头市第38周台账.xlsx"
    started = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    text = wait_for(lambda: text_of(browser, "result"))
    answered = time.monotonic() - started
    assert "第 1 版" in text and "12 行：错误 8 处，警告 0 处" in text
    assert "J 列「统一社会信用代码」：7 处，占全部 12 行的 58%" in text
    assert "J4、J5、J6、J7、J8、J9、J10" in text
    assert "Z13" in text  # the scattered phone finding, by its cell
    assert answered < 5
    city_shot = screenshot(browser, "portal-city", tmp_path)
    screenshot(browser, "portal-city-phone", tmp_path, width=390)

    browser.find_element(By.ID, "annotated").click()
    copy = wait_for(lambda: [p for p in browser.downloads.glob("*.xlsx")])[0]
    assert copy.name == "包头市.第1版.校验.xlsx"
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "校验结果" and book["台账"]["J4"].comment is not None

    # a file over --max-file-mb (1 MB here) is stopped in the page, not sent
    big = tmp_path / "大文件.xlsx"
    big.write_bytes(b"PK" + os.urandom(1_200_000))
    browser.find_element(By.ID, "ledger-file").send_keys(str(big))
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    stopped = browser.find_element(By.CSS_SELECTOR, "#upload .chosen").text
    assert stopped == "文件超过 1 MB 的上限，不能上传：大文件.xlsx"

    # the corrected ledger, dropped on the page: the script sends it as it is dropped
    for r in rows:
        r["credit_code"] = credit_code()
    rows[9]["phone"] = "13912345678"
    corrected = write_ledger(tmp_path / "包头市（更正）.xlsx", rows, title="包头市盘活矿业权工作台账")
    browser.get(f"{base}/")
    browser.find_element(By.ID, "ledger-file").send_keys(str(corrected))
    browser.execute_script(DROP, browser.find_element(By.ID, "ledger-file"))
    text = wait_for(lambda: (found := text_of(browser, "result")) and "第 2 版" in found and found)
    assert "12 行：错误 0 处，警告 0 处，没有发现问题" in text

    browser.get(f"{base}/t/{site.tokens['office']}")
    status = browser.find_element(By.ID, "status").text
    assert "已报送 1 个盟市" in status
    [line] = [tr.text for tr in browser.find_elements(By.CSS_SELECTOR, "#status tbody tr") if "包头市" in tr.text]
    assert "已报送" in line and "第 2 版（共 2 版）" in line and "包头市（更正）.xlsx" in line
    office_shot = screenshot(browser, "portal-office", tmp_path)
    assert city_shot.stat().st_size > 10_000 and office_shot.stat().st_size > 10_000
