"""The HTML 通报 on a phone and in a black-and-white print: the ranking does not scroll sideways,
the named 盟市' problems are on screen, the named 盟市' bars are told apart by a pattern as well as
by colour."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support import chromium, needs_chromium

PHONE_WIDTH = 390
#: A page that holds the 通报 in a frame as wide as a phone and writes what the frame's layout
#: measures into the page (the 通报 itself runs no script: its CSP forbids it).
MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="report" src="通报.html" width="%d" height="30000" style="border:0"></iframe>
<pre id="measured"></pre>
<script>
window.addEventListener("load", () => {
  const doc = document.getElementById("report").contentDocument;
  const table = doc.getElementById("ranking");
  const problems = [...table.querySelectorAll("tr.flag td.why")].map(cell => {
    const box = cell.getBoundingClientRect();
    return {text: cell.textContent, left: box.left, right: box.right, height: box.height};
  });
  document.getElementById("measured").textContent = JSON.stringify({
    viewport: doc.documentElement.clientWidth, page: doc.documentElement.scrollWidth,
    table: table.scrollWidth, room: table.parentElement.clientWidth, problems});
});
</script></body></html>"""


def test_named_bars_are_hatched_and_explained(region):
    """Each named 盟市 with a rate has a hatched bar (the pattern defined in the same SVG), the
    others a plain one; the legend and the caption say what the hatching means."""
    html = region.html.read_text(encoding="utf-8")
    chart = html[html.index('aria-label="各盟市完成率"'):]
    chart = chart[:chart.index("</svg>")]
    assert '<pattern id="hatch-cities"' in chart and ">被点名的盟市</text>" in chart
    named = [c for c in region.w38.laggards if c.rate is not None]
    assert named and chart.count('fill="url(#hatch-cities)"') == len(named) + 1  # the bars and the legend
    assert "红色斜纹为被点名的盟市" in html
    tasks = html[html.index('aria-label="各项任务完成率"'):]
    assert "url(#" not in tasks[:tasks.index("</svg>")]


@needs_chromium
@pytest.mark.slow
def test_ranking_fits_a_phone_and_shows_the_problems(region, tmp_path):
    shutil.copy(region.html, tmp_path / "通报.html")
    page = tmp_path / "measure.html"
    page.write_text(MEASURE % PHONE_WIDTH, encoding="utf-8")
    done = chromium(tmp_path / "profile", "--allow-file-access-from-files", "--dump-dom", page.as_uri())
    measured = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)[1])
    assert measured["viewport"] == PHONE_WIDTH and measured["page"] <= PHONE_WIDTH
    assert measured["table"] <= measured["room"]  # nothing of the ranking beyond the screen's edge
    named = {c.city for c in region.w38.laggards}
    assert len(measured["problems"]) == len(named)
    for cell in measured["problems"]:
        assert 0 <= cell["left"] and cell["right"] <= PHONE_WIDTH and cell["height"] > 0 and cell["text"]

    shot = tmp_path / "phone.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", f"--window-size={PHONE_WIDTH},2400", "--hide-scrollbars",
             (tmp_path / "通报.html").as_uri())
    assert shot.stat().st_size > 50_000


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="未安装 poppler-utils（pdftotext），跳过打印检查")
@pytest.mark.slow
def test_prints_on_a4_with_every_section(region, tmp_path):
    pdf = tmp_path / "通报.pdf"
    chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", region.html.as_uri())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("一、总体进展", "三、各盟市进展", "六、国有企业推进情况", "附表"):
        assert heading in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:.*\(A4\)", info)
    for city in region.w38.laggards:
        assert city.city in text
    assert Path(pdf).stat().st_size > 50_000
