"""The HTML export in a real headless Chromium (Debian's `chromium`): it renders, and user text stays text.

Three runs of the browser: a screenshot (read back as pixels), a DOM dump of the page (did the XSS
payload run?), and a DOM dump of a probe page that measures the export's chart and tables in an
iframe (the export itself may run no script: its Content-Security-Policy forbids it).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from listener.config.settings import ProfileConfig
from listener.exports import build_weekly_summary
from listener.exports.html_export import render_html
from tests.test_export_data import EXPORT_NOW, WEEK, XSS_TEXT, dataset  # noqa: F401  (dataset is a fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]
TITLE = "Weekly engagement summary: acme, 2026-W43"
DAILY_INDEX_RGB = (0x1F, 0x4E, 0x9C)
WIDTH, HEIGHT = 412, 1400  # a phone's width; the chart is in the first screen and a half


@pytest.fixture(autouse=True, scope="module")
def chromium_installed() -> None:
    """Required, like PostgreSQL for its tests (.ci/run installs both): a missing browser fails, never skips."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail("no Chromium: install Debian's chromium package to run the browser tests")


def run_chromium(tmp_path: Path, *args: str) -> str:
    """Run a fresh headless Chromium (its own profile directory) and return its stdout."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def page(dataset: tuple[Engine, ProfileConfig], tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    engine, profile = dataset
    path = tmp_path_factory.mktemp("html") / "acme-2026-W43.html"
    path.write_text(render_html(build_weekly_summary(engine, profile, WEEK, EXPORT_NOW)), encoding="utf-8")
    return path


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit RGB or RGBA non-interlaced PNG, as Chromium writes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(b"".join(chunks)), width * channels
    rows, previous = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        previous = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, channels)
        rows.append(previous)
    return width, height, channels, rows


def _unfilter(kind: int, line: bytearray, up: bytes, bpp: int) -> bytes:
    """Undo one scanline's PNG filter (0 none, 1 sub, 2 up, 3 average, 4 Paeth)."""
    if kind in (0, 2):
        return bytes(line) if kind == 0 else bytes((a + b) & 0xFF for a, b in zip(line, up, strict=True))
    for x in range(len(line)):
        left, corner = (line[x - bpp], up[x - bpp]) if x >= bpp else (0, 0)
        line[x] = (line[x] + (0, left, up[x], (left + up[x]) // 2, _paeth(left, up[x], corner))[kind]) & 0xFF
    return bytes(line)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def count_colour(rows: list[bytes], rgb: tuple[int, int, int], bpp: int) -> int:
    """Pixels of exactly this opaque colour (a line's core and filled markers are painted exactly)."""
    pixel = bytes(rgb) + (b"\xff" if bpp == 4 else b"")
    return sum(sum(1 for x in range(0, len(row), bpp) if row[x:x + bpp] == pixel) for row in rows)


def test_screenshot_shows_the_chart_on_a_phone_sized_window(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "export.png"
    run_chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri())
    width, height, bpp, rows = read_png(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    # the daily index line and its markers (the legend swatch alone is 54 pixels of this colour)
    assert count_colour(rows, DAILY_INDEX_RGB, bpp) > 200
    assert len({row for row in rows[:HEIGHT // 2]}) > 200  # not a blank or one-colour page


def test_xss_payload_renders_as_text_and_does_not_run(page: Path, tmp_path: Path) -> None:
    dom = run_chromium(tmp_path, "--dump-dom", "--virtual-time-budget=2000", page.as_uri())
    assert f"<title>{TITLE}</title>" in dom  # the payload would have set it to "XSS" or "XSS2"
    assert "data-xss" not in dom.split("<body", 1)[1].split(">", 1)[0]  # nor marked the body
    assert "<script" not in dom and "<img" not in dom
    assert "onload=" not in dom.replace("&quot;", '"').split("&lt;svg")[0]
    assert "&lt;script&gt;document.title=\"XSS\"&lt;/script&gt;&lt;img src=x onerror=" in dom  # shown as text
    assert 'href="javascript:' not in dom
    assert re.search(r"<svg class=\"chart\"", dom) and dom.count("<table>") == 2


def test_the_detector_catches_a_payload_that_runs(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.html"
    unsafe.write_text(f"<!DOCTYPE html><html><head><title>{TITLE}</title></head><body><p>{XSS_TEXT}</p></body></html>")
    dom = run_chromium(tmp_path, "--dump-dom", "--virtual-time-budget=2000", unsafe.as_uri())
    assert f"<title>{TITLE}</title>" not in dom and 'data-xss="ran"' in dom


PROBE = """<!DOCTYPE html><html><head><title>probe</title></head><body>
<iframe id="page" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<pre id="out"></pre>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var doc = this.contentDocument,
      box = function (e) {{ var r = e.getBoundingClientRect(); return [r.width, r.height]; }};
  var svg = doc.querySelector("svg.chart");
  document.getElementById("out").textContent = JSON.stringify({{
    title: doc.title,
    chart: svg ? box(svg) : null,
    lines: Array.from(doc.querySelectorAll("svg.chart polyline.series")).map(function (l) {{
      return [l.getAttribute("data-series"), l.getTotalLength()]; }}),
    tables: Array.from(doc.querySelectorAll("table")).map(function (t) {{ return [t.rows.length].concat(box(t)); }}),
    pageWidth: doc.documentElement.scrollWidth,
    scripts: doc.scripts.length
  }});
}});
</script></body></html>"""


def test_chart_and_tables_have_a_real_layout(page: Path, tmp_path: Path) -> None:
    probe = page.parent / "probe.html"
    probe.write_text(PROBE.format(src=page.name, width=WIDTH, height=HEIGHT), encoding="utf-8")
    dom = run_chromium(tmp_path, "--allow-file-access-from-files", "--dump-dom", "--virtual-time-budget=5000",
                       probe.as_uri())
    found = json.loads(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S).group(1))  # type: ignore[union-attr]
    assert found["title"] == TITLE and found["scripts"] == 0
    chart_width, chart_height = found["chart"]
    assert chart_width > 300 and chart_height > 100
    drawn = {name for name, length in found["lines"] if length > 50}
    assert {"daily_index", "running_index", "sentiment", "engagement"} <= drawn
    assert [rows for rows, _, _ in found["tables"]] == [6, 37]  # index: header + 5 rows; figures: header + 36
    assert all(width > 300 and height > 100 for _, width, height in found["tables"])
    assert found["pageWidth"] <= WIDTH  # wide tables scroll inside their box; the page itself does not
