"""The map's data endpoint, the monitoring figures, the dashboard's pages and exports, each scoped:
a county officer reads its county, an owner its own sites, anonymous callers nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook

from jiliang.accounts.models import Role
from jiliang.dashboard import refresh, selectors
from jiliang.dashboard.models import SiteFigure
from jiliang.jobs.registry import find
from jiliang.monitoring.models import Alert, AlertState, Severity
from jiliang.registry.models import Site

pytestmark = pytest.mark.django_db

# Inside 巴州区 and 通江县 (accounts/data/bazhong.geojson).
BAZHOU = (Decimal("106.77"), Decimal("31.86"))
TONGJIANG = (Decimal("107.25"), Decimal("31.91"))


def place(site: Site, lon_lat) -> Site:
    site.longitude, site.latitude = lon_lat
    site.save(update_fields=["longitude", "latitude"])
    return site


def alert(device, *, state=AlertState.NEW, reminders=0, opened_at=None) -> Alert:
    now = opened_at or timezone.now()
    return Alert.objects.create(rule_code="FD-01", severity=Severity.WARNING, state=state,
                                active=state not in (AlertState.CLOSED, AlertState.FALSE_ALARM), device=device,
                                site=device.site, division=device.division, message="测试预警",
                                opened_at=now, last_seen_at=now, reminders=reminders, subject=str(now.timestamp()))


@pytest.fixture
def city_map(make_site, make_device):
    bazhou = place(make_site("511902"), BAZHOU)
    tongjiang = place(make_site("511921"), TONGJIANG)
    device, _token, _secret = make_device(site=bazhou)
    alert(device)
    alert(device, state=AlertState.ACKNOWLEDGED)
    alert(device, state=AlertState.CLOSED, reminders=2)
    refresh.run()
    return {"bazhou": bazhou, "tongjiang": tongjiang, "device": device}


def test_the_map_data_is_scoped_and_carries_each_sites_standing(city_map, api_client, city_regulator, make_user):
    body = api_client(city_regulator).get("/api/v1/dashboard/map").json()
    points = {p["site_id"]: p for p in body["points"]}
    assert set(points) == {city_map["bazhou"].pk, city_map["tongjiang"].pk} and body["clustered"] is False
    assert points[city_map["bazhou"].pk]["open_alerts"] == 2 and points[city_map["tongjiang"].pk]["open_alerts"] == 0
    assert points[city_map["bazhou"].pk]["url"] == f"/registry/sites/{city_map['bazhou'].pk}/"
    assert body["as_of"] is not None
    tongjiang_officer = make_user(Role.COUNTY_REGULATOR, division="511921")
    body = api_client(tongjiang_officer).get("/api/v1/dashboard/map").json()
    assert [p["site_id"] for p in body["points"]] == [city_map["tongjiang"].pk]
    owner = make_user(Role.OWNER, organization=city_map["bazhou"].organization)
    assert [p["site_id"] for p in api_client(owner).get("/api/v1/dashboard/map").json()["points"]] == [
        city_map["bazhou"].pk]
    assert api_client(None).get("/api/v1/dashboard/map").status_code == 401


def test_the_map_clusters_when_many_sites_are_in_view(city_map, api_client, city_regulator, monkeypatch):
    monkeypatch.setattr(selectors, "CLUSTER_ABOVE", 1)
    body = api_client(city_regulator).get("/api/v1/dashboard/map").json()
    assert body["clustered"] is True
    assert sum(p["count"] for p in body["points"]) == 2 and sum(p["open_alerts"] for p in body["points"]) == 2
    assert all(p["site_id"] is None for p in body["points"])
    # A box around 通江县 only: one site, drawn as itself again.
    monkeypatch.setattr(selectors, "CLUSTER_ABOVE", 1)
    body = api_client(city_regulator).get("/api/v1/dashboard/map?west=107.1&east=107.4&south=31.8&north=32.0").json()
    assert [p["site_id"] for p in body["points"]] == [city_map["tongjiang"].pk]


def test_a_wrong_box_is_refused_naming_the_fields(api_client, city_regulator):
    response = api_client(city_regulator).get("/api/v1/dashboard/map?west=107&east=106&south=32&north=31")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"east", "north"}
    assert api_client(city_regulator).get("/api/v1/dashboard/map?west=500").status_code == 422


def test_boundaries_hold_the_five_counties(api_client, city_regulator):
    body = api_client(city_regulator).get("/api/v1/dashboard/boundaries").json()
    assert {f["properties"]["code"] for f in body["features"]} == {"511902", "511903", "511921", "511922", "511923"}


def test_monitoring_figures_count_alerts_handled_in_time(city_map, city_regulator, make_user):
    board = selectors.board(city_regulator)
    assert board.total.latest("monitoring.alerts_opened") == 3
    assert board.total.latest("monitoring.alerts_in_time") == 1  # acknowledged before any reminder
    assert board.total.latest("monitoring.alerts_open") == 2
    assert board.total.latest("monitoring.devices") == 1
    assert selectors.board(make_user(Role.COUNTY_REGULATOR, division="511921")).total.latest(
        "monitoring.alerts_opened") == 0


def test_flows_land_in_their_month_and_the_job_keeps_past_months(city_map, city_regulator):
    last_month = timezone.now() - dt.timedelta(days=40)
    alert(city_map["device"], state=AlertState.FALSE_ALARM, opened_at=last_month)
    refresh.rebuild()
    board = selectors.board(city_regulator, months=3)
    assert board.total.values["monitoring.alerts_opened"][-1] == 3
    assert sum(board.total.values["monitoring.alerts_opened"][:-1]) == 1


def test_the_job_is_scheduled_and_audited(city_map):
    job = find("dashboard.refresh")
    assert job is not None and job.function() is refresh.run
    from jiliang.accounts.models import AuditEvent
    assert AuditEvent.objects.filter(action="dashboard.refresh").exists()
    assert SiteFigure.objects.get(site=city_map["bazhou"]).open_alerts == 2


def test_the_dashboard_page_drills_into_a_county_and_exports(city_map, browser_client, city_regulator, make_user):
    client = browser_client(city_regulator)
    page = client.get("/dashboard/").content.decode()
    assert "驾驶舱" in page and "数据截至" in page and 'data-testid="drill-511902"' in page
    county = client.get("/dashboard/?division=511902").content.decode()
    assert "巴州区 · 驾驶舱" in county and city_map["bazhou"].name in county  # its sites to look at
    response = client.get("/dashboard/export/verification.trend.xlsx?division=511902")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][0] == "月份" and len(rows) == 13
    assert client.get("/dashboard/export/nothing.xlsx").status_code == 404
    tongjiang = browser_client(make_user(Role.COUNTY_REGULATOR, division="511921"))
    assert tongjiang.get("/dashboard/?division=511902").status_code == 404
    owner = browser_client(make_user(Role.OWNER, organization=city_map["bazhou"].organization))
    assert owner.get("/dashboard/").status_code == 403
    assert owner.get("/dashboard/map/").status_code == 403


def test_the_figures_api_is_scoped(city_map, api_client, city_regulator, make_user):
    body = api_client(make_user(Role.COUNTY_REGULATOR, division="511921")).get("/api/v1/dashboard/figures").json()
    assert [c["code"] for c in body["counties"]] == ["511921"]  # its own county only (its business's grade)
    body = api_client(city_regulator).get("/api/v1/dashboard/figures?months=3").json()
    assert len(body["months"]) == 3 and "511902" in [c["code"] for c in body["counties"]]
    assert {f["key"] for f in body["figures"]} >= {"verification.overdue", "monitoring.devices_online"}
    response = api_client(city_regulator).get("/api/v1/dashboard/figures?division=999999")
    assert response.status_code == 422 and "division" in response.json()["fields"]


@pytest.fixture
def caching(settings):
    """The dashboard's answers kept in Django's cache (selectors.stored), as in production."""
    settings.JILIANG_FIGURES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_a_county_officer_never_reads_the_citys_cached_answers(caching, city_map, api_client, browser_client,
                                                               city_regulator, make_user):
    """Kept per reader's scope (selectors.stored)."""
    city_api, city_page = api_client(city_regulator), browser_client(city_regulator)
    assert len(city_api.get("/api/v1/dashboard/map").json()["points"]) == 2
    assert {c["code"] for c in city_api.get("/api/v1/dashboard/figures").json()["counties"]} >= {"511902", "511921"}
    assert city_map["bazhou"].name in city_page.get("/dashboard/").content.decode()
    assert city_page.get("/verification/statistics/").status_code == 200

    officer = make_user(Role.COUNTY_REGULATOR, division="511921")
    points = api_client(officer).get("/api/v1/dashboard/map").json()["points"]
    assert [p["site_id"] for p in points] == [city_map["tongjiang"].pk]
    assert [c["code"] for c in api_client(officer).get("/api/v1/dashboard/figures").json()["counties"]] == ["511921"]
    page = browser_client(officer).get("/dashboard/").content.decode()
    assert 'data-testid="drill-511921"' in page and 'data-testid="drill-511902"' not in page
    assert city_map["bazhou"].name not in page  # the city's site to look at is not the county's
    statistics = browser_client(officer).get("/verification/statistics/").content.decode()
    assert "巴州区" not in statistics and "通江县" in statistics


def test_the_cached_answers_last_until_the_job_stores_new_figures(caching, city_map, api_client, browser_client,
                                                                  city_regulator):
    client, page = api_client(city_regulator), browser_client(city_regulator)

    def bazhou_alerts() -> int:
        points = client.get("/api/v1/dashboard/map").json()["points"]
        return next(p["open_alerts"] for p in points if p["site_id"] == city_map["bazhou"].pk)

    def board_shows_bazhou() -> bool:
        return city_map["bazhou"].name in page.get("/dashboard/").content.decode()

    assert bazhou_alerts() == 2 and board_shows_bazhou()
    Alert.objects.update(state=AlertState.CLOSED, active=False)
    assert bazhou_alerts() == 2 and board_shows_bazhou()  # the stored figures have not changed: the cache answers
    refresh.run()
    assert bazhou_alerts() == 0 and not board_shows_bazhou()  # a new run: new keys, new figures
