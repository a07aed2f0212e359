"""The dashboard and the map in a real browser at 1366×768 and 390×844: charts drawn, a county bar
drills into the county, PNG and Excel exports, the map's points, no sideways scroll, and no serious
accessibility violations (axe-core). Screenshots: ROLE-WIDTH-dashboard.png / -map.png in
$JILIANG_SCREENSHOTS (else the test's tmp_path)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiliang.accounts.models import Division
from jiliang.dashboard import refresh
from jiliang.registry import services as registry_services
from jiliang.registry.models import InstrumentType, SiteKind
from tests.browser.conftest import PAGE_FITS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def city(make_user, make_organization):
    """Two counties with a located site and an instrument each, counted by the job."""
    registrar = make_user("city_regulator", division="511900", username="dashboard-city")
    for county, lon, lat in (("511902", "106.77", "31.86"), ("511921", "107.25", "31.91")):
        organization = make_organization(county)
        site = registry_services.create_site(registrar, organization=organization, name=f"{county}加油站",
                                             kind=SiteKind.GAS_STATION, division=Division.objects.get(code=county),
                                             longitude=Decimal(lon), latitude=Decimal(lat))
        registry_services.create_instrument(registrar, type=InstrumentType.objects.get(code="MI06"),
                                            serial_no=f"DB{county}", manufacturer="正星科技", owner=organization,
                                            site=site)
    refresh.rebuild()
    return registrar


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_dashboard(city, signed_in_page, screenshot_dir, axe_violations, width):
    page = signed_in_page(city, viewport=VIEWPORTS[width], accept_downloads=True)
    page.goto("/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_have_count(1)
    # One canvas per chart: the verification and monitoring charts and each later app's figures.
    charts = page.locator("[data-chart]").count()
    assert charts >= 4 and page.locator("[data-chart] canvas").count() == charts
    assert page.evaluate(PAGE_FITS)
    page.screenshot(path=screenshot_dir / f"city-{width}-dashboard.png", full_page=True)
    assert axe_violations(page) == []
    with page.expect_download() as png:
        page.get_by_test_id("png-verification.trend").click()
    assert png.value.suggested_filename.endswith(".png")
    with page.expect_download() as xlsx:
        page.get_by_test_id("xlsx-verification.trend").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    page.get_by_test_id("fullscreen").click()  # the wall screen: the dashboard alone, in full screen
    page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id === 'board'")
    page.keyboard.press("Escape")
    page.evaluate("document.fullscreenElement && document.exitFullscreen()")
    page.get_by_test_id("drill-511921").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("通江县")
    assert page.evaluate(PAGE_FITS)


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_map(city, signed_in_page, screenshot_dir, axe_violations, width):
    page = signed_in_page(city, viewport=VIEWPORTS[width])
    page.goto("/dashboard/map/")
    expect(page.locator("#map[data-loaded=sites]")).to_have_count(1)
    assert page.locator("#map canvas").count() >= 1
    assert page.evaluate(PAGE_FITS)
    page.screenshot(path=screenshot_dir / f"city-{width}-map.png", full_page=True)
    assert axe_violations(page) == []


def test_the_site_form_picks_coordinates_on_the_map(city, signed_in_page):
    page = signed_in_page(city, viewport=VIEWPORTS["1366"])
    page.goto("/registry/sites/new/")
    picker = page.locator("[data-map-picker][data-ready]")
    expect(picker).to_have_count(1)
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    longitude, latitude = float(page.input_value("#id_longitude")), float(page.input_value("#id_latitude"))
    assert 106.2 < longitude < 107.9 and 31.2 < latitude < 32.8  # inside Bazhong's extent
