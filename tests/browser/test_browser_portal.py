"""The public portal and the global search in a real browser at 1366×768 and 390×844: the instrument
look-up through the form, every portal page without sideways scroll and without serious accessibility
violations (axe-core), and the header's search box. Screenshots: portal-WIDTH-PAGE.png in
$JILIANG_SCREENSHOTS (else the test's tmp_path)."""

import pytest
from playwright.sync_api import expect

from jiliang.ledger import sequencer
from jiliang.portal import services
from jiliang.portal.models import TaskStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def public_page(chromium, live_server):
    contexts = []

    def make(viewport):
        context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check(page, screenshot_dir, axe_violations, name: str):
    assert page.evaluate(PAGE_FITS), name
    page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
    assert axe_violations(page) == [], name


@pytest.mark.parametrize("width", VIEWPORTS)
def test_every_portal_page(world, public_page, screenshot_dir, axe_violations, width):
    certificate = world.record()
    sequencer.publish()
    page = public_page(VIEWPORTS[width])
    page.goto("/portal/")
    check(page, screenshot_dir, axe_violations, f"portal-{width}-home")
    page.get_by_label("器具公开码").fill(world.instrument.public_code)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("public-card")).to_contain_text(world.instrument.serial_no)
    check(page, screenshot_dir, axe_violations, f"portal-{width}-card")
    page.goto("/portal/institutions/")
    expect(page.get_by_test_id("institution")).to_contain_text(world.institution.name)
    check(page, screenshot_dir, axe_violations, f"portal-{width}-institutions")
    page.goto("/portal/standards/")
    check(page, screenshot_dir, axe_violations, f"portal-{width}-standards")
    page.goto("/portal/transparency/")
    page.get_by_label("证书编号").fill(certificate.number)
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_test_id("log-entry")).to_be_visible()
    check(page, screenshot_dir, axe_violations, f"portal-{width}-transparency")


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_header_search(world, signed_in_page, screenshot_dir, axe_violations, width):
    page = signed_in_page(world.city, viewport=VIEWPORTS[width])
    page.goto("/")
    if width == "1366":
        box = page.get_by_test_id("global-search").get_by_role("searchbox")
        box.fill(world.instrument.serial_no)
        box.press("Enter")
    else:
        page.get_by_test_id("global-search-link").click()
        page.get_by_role("searchbox").fill(world.instrument.serial_no)
        page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("search-hit").first).to_contain_text(world.instrument.serial_no)
    check(page, screenshot_dir, axe_violations, f"city-{width}-search")


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_plan_board(world, signed_in_page, screenshot_dir, axe_violations, width):
    services.report_progress(world.city, task="T15", status=TaskStatus.BEHIND, department="市市场监管局",
                             progress="平台建设推进中", evidence="工作简报")
    page = signed_in_page(world.city, viewport=VIEWPORTS[width])
    page.goto("/plan/")
    expect(page.get_by_test_id("task-T15")).to_contain_text("滞后")
    check(page, screenshot_dir, axe_violations, f"city-{width}-plan")
    page.get_by_test_id("task-T15").get_by_role("link").click()
    expect(page.get_by_test_id("report")).to_contain_text("工作简报")
    check(page, screenshot_dir, axe_violations, f"city-{width}-plan-task")
