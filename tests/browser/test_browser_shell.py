"""Every role, at an office monitor (1366×768) and a phone (390×844): every menu entry is reachable,
no page scrolls sideways, 退出 is on screen (defect 8). A screenshot of each page is saved in
$JILIANG_SCREENSHOTS (or the test's tmp_path) as ROLE-WIDTH-PAGE.png, to look at."""

import pytest
from playwright.sync_api import expect

from jiliang.accounts.models import Division, Role
from jiliang.registry import services as registry_services
from jiliang.registry.models import InstrumentType, SiteKind
from tests.browser.conftest import PAGE_FITS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _inside_viewport(page, locator) -> bool:
    """Wholly on screen, give or take the sub-pixel a scroll into view may leave."""
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["x"] >= -1 and box["y"] >= -1 and \
        box["x"] + box["width"] <= size["width"] + 1 and box["y"] + box["height"] <= size["height"] + 1


def _assert_every_entry_reachable(page) -> list[str]:
    links = page.get_by_test_id("menu-link")
    assert links.count() > 1
    hrefs = []
    for index in range(links.count()):
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
        assert _inside_viewport(page, link), link.inner_text()
        hrefs.append(link.get_attribute("href"))
    return hrefs


def _open_menu(page, viewport) -> list[str]:
    """The menu's addresses, checking on the way that each entry can be seen (in the drawer on a phone)."""
    if viewport is PHONE:
        expect(page.get_by_test_id("sidebar")).not_to_be_visible()
        page.get_by_test_id("menu-toggle").click()
        page.wait_for_selector("#sidebar.show:not(.showing)")  # slid in: the boxes are where they stay
        hrefs = _assert_every_entry_reachable(page)
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("sidebar")).not_to_be_visible()
        return hrefs
    return _assert_every_entry_reachable(page)


@pytest.fixture
def people(make_user, make_organization, make_institution):
    """One user of each role, and an instrument so that the lists are not empty."""
    organization = make_organization("511902", name="巴州区浏览器测试加油站有限公司")
    registrar = make_user(Role.CITY_REGULATOR, division="511900", username="registrar")
    site = registry_services.create_site(registrar, organization=organization, name="江北加油站",
                                         kind=SiteKind.GAS_STATION, division=Division.objects.get(code="511902"))
    registry_services.create_instrument(registrar, type=InstrumentType.objects.get(code="MI06"),
                                        serial_no="SHELL-0001", manufacturer="正星科技", owner=organization, site=site)
    return {
        "city": registrar,
        "county": make_user(Role.COUNTY_REGULATOR, division="511902", display_name="巴州区监管员"),
        "institution": make_user(Role.INSTITUTION_STAFF, institution=make_institution("巴中市计量测试所")),
        "owner": make_user(Role.OWNER, organization=organization),
        "auditor": make_user(Role.AUDITOR, division="511900"),
    }


@pytest.mark.parametrize("role", ["city", "county", "institution", "owner", "auditor"])
def test_every_menu_page_fits_the_desk_and_the_phone(role, people, signed_in_page, screenshot_dir):
    for viewport in (DESK, PHONE):
        page = signed_in_page(people[role], viewport=viewport)
        page.goto("/")
        for href in _open_menu(page, viewport):
            response = page.goto(href)
            name = href.strip("/").replace("/", "-") or "home"
            page.screenshot(path=screenshot_dir / f"{role}-{viewport['width']}-{name}.png")
            assert response.status == 200, href
            assert page.evaluate(PAGE_FITS), f"{href} scrolls sideways at {viewport['width']} px"
            logout = page.get_by_test_id("logout")
            expect(logout).to_be_visible()
            assert _inside_viewport(page, logout), f"退出 is off screen on {href} at {viewport['width']} px"
            assert page.get_by_test_id("unread-count").count() in (0, 1)


def test_the_public_card_fits_a_phone_without_the_menu(people, page, screenshot_dir):
    code = people["owner"].organization.instruments.get().public_code
    page.set_viewport_size(PHONE)
    page.goto(f"/i/{code}")
    page.screenshot(path=screenshot_dir / "public-390-card.png", full_page=True)
    expect(page.get_by_test_id("public-card")).to_be_visible()
    assert page.get_by_test_id("sidebar").count() == 0
    assert page.evaluate(PAGE_FITS)


def test_the_header_fits_a_phone_in_english(people, chromium, live_server, browser_client):
    """English words are longer than Chinese ones: the brand is cut short and 退出 (Sign out) keeps its icon only."""
    context = chromium.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    context.add_cookies([{"name": "sessionid", "value": browser_client(people["city"]).cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.goto("/registry/instruments/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate(PAGE_FITS), "the English header scrolls sideways at 390 px"
    logout = page.get_by_test_id("logout")
    assert _inside_viewport(page, logout) and logout.get_attribute("aria-label") == "Sign out"
    context.close()
