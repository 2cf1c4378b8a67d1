"""The dashboard in a real browser (Playwright driving Debian's Chromium), on the `ror demo` database and on a
seeded one: pages, clicks, forms, hostile text, roles. Screenshots of every page go to artifacts/dashboard/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from listener.config.settings import load_config
from listener.dashboard import DashboardServer
from listener.demo.run import run_demo
from listener.read.reports import load_index_points
from listener.storage.engine import open_database
from tests.dashboard_seed import HOSTILE_ID, HOSTILE_NAME, PASSWORD, seeded_database
from tests.test_export_data import EXPORT_NOW

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
WIDTHS = {1280: 900, 390: 844}
PAGES = {"overview": "/", "explain": "/explain/latest", "inbox": "/inbox", "people": "/people",
         "alerts": "/alerts", "sources": "/sources", "reports": "/reports"}
FLAGS = "() => [window.__pwned ?? null, document.title, document.body.getAttribute('data-xss')]"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (required: .ci/run installs Debian's chromium)."""
    assert shutil.which(CHROMIUM), "no Chromium at /usr/bin/chromium: install Debian's chromium package"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The `ror demo` database served on a loopback port with no users (no login); (url, lowest day)."""
    result = run_demo(tmp_path_factory.mktemp("demo"))
    config = load_config(result.config_path)
    engine = open_database(config.database_url())
    points = load_index_points(engine, config.profiles[0], 60)
    lowest = min((p for p in points if p["daily_index"] is not None), key=lambda p: p["daily_index"])["day"]
    server = DashboardServer(config, engine, "127.0.0.1", 0)
    yield server.start(), lowest
    server.stop()
    engine.dispose()


@pytest.fixture(scope="module")
def seeded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded database (hostile item, alert, three users) served on a loopback port at a fixed time."""
    config, engine = seeded_database(tmp_path_factory.mktemp("seeded"))
    server = DashboardServer(config, engine, "127.0.0.1", 0, clock=lambda: EXPORT_NOW)
    yield server.start()
    server.stop()
    engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    yield context.new_page()
    context.close()


def log_in(page: Page, url: str, name: str) -> None:
    page.goto(url + "/")
    expect(page).to_have_url(f"{url}/login?next=%2F")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("span.user")).to_have_text(f"{name} ({ {'ed': 'editor', 'vic': 'viewer'}[name] })")


def test_every_demo_page_renders_at_desktop_and_phone_width(browser: Browser, demo_site: tuple[str, str]) -> None:
    url, _ = demo_site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for name, path in PAGES.items():
            answer = page.goto(url + path)
            assert answer is not None and answer.status == 200, (name, answer)
            expect(page.locator("h1").first).to_be_visible()
            page.screenshot(path=ARTIFACTS / f"{name}-{width}.png")
            if name == "people":
                page.locator("table a").first.click()
                expect(page.locator("h1")).to_contain_text("@")
                page.screenshot(path=ARTIFACTS / f"person-{width}.png")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        context.close()
    assert len(list(ARTIFACTS.glob("*.png"))) >= 2 * len(PAGES)


def test_the_demo_crisis_shows_in_the_chart_and_its_complaints_in_the_inbox(page: Page,
                                                                            demo_site: tuple[str, str]) -> None:
    url, lowest = demo_site
    page.goto(url + "/")
    expect(page.locator("svg.index-chart polyline.daily")).to_have_count(1)
    expect(page.locator("svg.volume-chart rect.bar.negative").first).to_be_visible()
    page.goto(url + "/inbox?status=all&sentiment=negative")
    expect(page.locator("li.entry .badge.sentiment.negative").first).to_be_visible()
    assert page.locator("li.entry").count() >= 5
    page.goto(url + "/sources")
    expect(page.locator("tr.source .badge")).to_have_text(["healthy"] * 3)  # the English, Dutch and German brands
    assert page.locator("tr.source td.items").first.inner_text() == "–"
    page.get_by_role("link", name="Count each source's items").click()
    assert int(page.locator("tr.source td.items").first.inner_text()) > 1000
    assert page.locator("tr.source td.quarantined").all_inner_texts() == ["0"] * 3


def test_clicking_a_day_opens_its_explanation(page: Page, demo_site: tuple[str, str]) -> None:
    url, lowest = demo_site
    page.goto(url + "/")
    page.locator(f'svg.index-chart a.day-link[data-day="{lowest}"]').click()
    expect(page).to_have_url(f"{url}/explain/{lowest}?profile=acme")
    expect(page.locator("#explain-title")).to_contain_text(lowest)
    expect(page.locator("section#sentiment li").first).to_be_visible()


def test_an_item_marked_handled_is_gone_after_a_reload(page: Page, seeded_site: str) -> None:
    log_in(page, seeded_site, "ed")
    page.goto(seeded_site + "/inbox")
    entry = page.locator('li.entry[data-item="mastodon:m:i12"]')
    expect(entry).to_have_count(1)
    with page.expect_navigation():  # the form posts and redirects back: reload only after that
        entry.get_by_role("button", name="Mark handled").click()
    page.reload()
    expect(page.locator('li.entry[data-item="mastodon:m:i12"]')).to_have_count(0)
    page.goto(seeded_site + "/inbox?status=handled")
    expect(page.locator('li.entry[data-item="mastodon:m:i12"]')).to_contain_text("handled by ed")


def test_a_sentiment_correction_is_stored_and_shown(page: Page, seeded_site: str) -> None:
    log_in(page, seeded_site, "ed")
    page.goto(seeded_site + "/inbox?status=all")
    entry = page.locator('li.entry[data-item="mastodon:m:i3"]')
    expect(entry.locator(".badge.sentiment")).to_have_text("negative")
    entry.get_by_label("Sentiment").select_option("neutral")
    with page.expect_navigation():
        entry.get_by_role("button", name="Correct sentiment").click()
    page.reload()
    expect(page.locator('li.entry[data-item="mastodon:m:i3"] .badge.sentiment')).to_have_text(
        "neutral (corrected by ed)")
    page.goto(seeded_site + "/inbox?status=all&sentiment=negative")
    expect(page.locator('li.entry[data-item="mastodon:m:i3"]')).to_have_count(0)


def test_an_alert_is_acknowledged_with_its_deliveries_shown(page: Page, seeded_site: str) -> None:
    log_in(page, seeded_site, "ed")
    page.goto(seeded_site + "/alerts")
    alert = page.locator("li.entry[data-alert]").first
    expect(alert.locator(".delivery.delivered")).to_have_text("team-mail: delivered")
    expect(alert.locator(".delivery.retrying")).to_contain_text("chat: retrying (3 tries; connection refused)")
    expect(alert).to_contain_text("Negative mentions up 4x <b>today</b>")
    page.screenshot(path=ARTIFACTS / "alerts-seeded-1280.png")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("li.entry[data-alert]").first).to_contain_text("acknowledged by ed")
    expect(page.locator("li.entry[data-alert]").first.get_by_role("button", name="Acknowledge")).to_have_count(0)


def test_a_report_downloads_in_every_format(page: Page, seeded_site: str) -> None:
    log_in(page, seeded_site, "ed")
    page.goto(seeded_site + "/reports")
    expect(page.locator("h1")).to_have_text("Weekly summary: acme, 2026-W43")
    links = page.locator("ul.files a")
    names = links.all_inner_texts()
    assert {n.rsplit(".", 1)[1] for n in names} == {"csv", "json", "md", "html"}, names
    with page.expect_download() as info:
        page.get_by_role("link", name="acme-2026-W43.json").click()
    download = info.value
    assert download.suggested_filename == "acme-2026-W43.json"
    assert '"profile": "acme"' in Path(download.path()).read_text(encoding="utf-8")
    frame = page.frame_locator("iframe.preview")
    expect(frame.locator("h1")).to_contain_text("acme")


def test_hostile_text_and_names_render_as_text_and_run_nothing(page: Page, browser: Browser,
                                                               seeded_site: str) -> None:
    # The flags are live: the same payload in a page without escaping or CSP sets them.
    bare = browser.new_page()
    bare.set_content(f"<p>{HOSTILE_NAME}</p>")
    assert bare.evaluate(FLAGS)[0] in (3, 4)
    bare.close()
    log_in(page, seeded_site, "ed")
    for path in ("/inbox", "/inbox?status=all", "/people/mastodon:m:hostile", "/explain/2026-10-25",
                 "/people?sort=last_seen"):
        page.goto(seeded_site + path)
        assert page.evaluate(FLAGS) == [None, page.title(), None] and "XSS" not in page.title(), path
        assert page.locator('a[href^="javascript:" i]').count() == 0, path
        assert page.locator("img").count() == 0, path
    page.goto(seeded_site + "/inbox")
    entry = page.locator(f'li.entry[data-item="mastodon:{HOSTILE_ID}"]')
    expect(entry.locator("p.text")).to_contain_text('<script>window.__pwned = 1; document.title = "XSS"</script>')
    expect(entry.locator("p.author .handle")).to_have_text("@" + HOSTILE_NAME)
    expect(entry.locator("p.links")).to_contain_text("no safe link")
    entry.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "inbox-hostile-1280.png")


def test_a_viewer_sees_no_change_buttons_and_is_refused_with_403(page: Page, seeded_site: str) -> None:
    log_in(page, seeded_site, "vic")
    page.goto(seeded_site + "/inbox?status=all")
    expect(page.get_by_role("button", name="Mark handled")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    answer = page.request.post(seeded_site + "/inbox/action", form={
        "csrf_token": token or "", "action": "handle", "profile": "acme", "platform": "mastodon",
        "external_id": HOSTILE_ID}, max_redirects=0)
    assert answer.status == 403
    missing = page.request.post(seeded_site + "/alerts/1/acknowledge", form={"next": "/alerts"}, max_redirects=0)
    assert missing.status == 403
