"""Pages: the county alert inbox with filters and the evidence view with its workflow form, the
station view with the reconciliation chart as inline SVG, device status with the online rate."""

import datetime as dt

import pytest
from django.utils import timezone

from jiliang.accounts.models import AuditEvent

from jiliang.monitoring.models import Alert, AlertState, DeviceKind
from monitoring_fixtures import T0, event, post

pytestmark = pytest.mark.django_db


def _at(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def test_inbox_lists_the_county_alerts_and_the_detail_moves_them(make_device, make_site, bazhou_regulator,
                                                                tongjiang_regulator, browser_client):
    meter, token, _ = make_device(DeviceKind.METER, site=make_site("511902"), medium="water")
    post(token, [event(meter, 1, 0, "cover_open")])
    alert = Alert.objects.get()
    client = browser_client(bazhou_regulator)
    inbox = client.get("/monitoring/alerts/?state=new")
    link = f'href="/monitoring/alerts/{alert.pk}/"'
    assert inbox.status_code == 200 and link in inbox.content.decode()
    assert link not in browser_client(tongjiang_regulator).get("/monitoring/alerts/").content.decode()
    assert browser_client(tongjiang_regulator).get(f"/monitoring/alerts/{alert.pk}/").status_code == 404
    detail = client.get(f"/monitoring/alerts/{alert.pk}/")
    assert "开盖" in detail.content.decode() and 'name="state"' in detail.content.decode()
    moved = client.post(f"/monitoring/alerts/{alert.pk}/", {"state": "acknowledged", "note": "收到，已电话通知站长"})
    assert moved.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED


def test_the_alert_page_shows_its_history_with_notes_and_its_evidence_in_chinese(
        make_device, make_site, bazhou_regulator, browser_client):
    meter, token, _ = make_device(DeviceKind.METER, site=make_site("511902"), medium="water")
    post(token, [event(meter, 1, 0, "cover_open")])
    alert = Alert.objects.get()
    client = browser_client(bazhou_regulator)
    client.post(f"/monitoring/alerts/{alert.pk}/", {"state": "acknowledged", "note": "收到，已电话通知站长"})
    client.post(f"/monitoring/alerts/{alert.pk}/", {"state": "investigating", "note": "明早到现场核查"})
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    timeline = page[page.index('data-testid="timeline"'):]
    steps = ["规则判定，产生预警", "转为“已确认收到”", "收到，已电话通知站长", "转为“核查中”", "明早到现场核查"]
    assert [timeline.index(step) for step in steps] == sorted(timeline.index(step) for step in steps)
    assert "规则引擎" in timeline and str(bazhou_regulator) in timeline
    raised = timezone.localtime(AuditEvent.objects.get(action="alert.raise").at)
    assert raised.strftime("%Y-%m-%d %H:%M:%S") in timeline  # Beijing time, as stored in UTC it would differ
    evidence = page[page.index('data-testid="evidence"'):page.index('data-testid="timeline"')]
    beijing = timezone.localtime(T0).strftime("%Y-%m-%d %H:%M:%S")
    assert "设备事件" in evidence and "开盖" in evidence and beijing in evidence
    for raw in ("cover_open", "finding_time", "device_id", "+00:00", "{"):
        assert raw not in evidence


def test_station_view_draws_the_tank_reconciliation_as_svg(make_device, make_site, city_regulator, browser_client):
    site = make_site("511902")
    tank, tank_token, _ = make_device(DeviceKind.TANK_GAUGE, site=site, attributes={"product": "92#"})
    nozzle, nozzle_token, _ = make_device(DeviceKind.NOZZLE, site=site, feeds_from=tank, attributes={"product": "92#"})
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    post(tank_token, [{"device": tank.code, "seq": n, "time": (recent + dt.timedelta(hours=n)).isoformat(),
                       "type": "tank.reading", "volume_l": 20000 - 40 * n, "temperature_c": 18.0} for n in range(1, 5)])
    post(nozzle_token, [{"device": nozzle.code, "seq": 1, "time": (recent + dt.timedelta(hours=2.5)).isoformat(),
                         "type": "dispenser.transaction", "duration_s": 60, "volume_l": 40, "pulses": 4000,
                         "k_factor": 100, "unit_price": 7.5, "amount_yuan": 300, "totaliser_start_l": 1000,
                         "totaliser_end_l": 1040, "fuel_temperature_c": 18}])
    page = browser_client(city_regulator).get(f"/monitoring/sites/{site.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and body.count("<polyline") == 2 and "<script>" not in body
    first = timezone.localtime(recent + dt.timedelta(hours=1)).strftime("%m-%d %H:%M")
    assert f">{first}</text>" in body and "体积（L）" in body and "北京时间" in body


def test_device_status_shows_the_online_rate(make_device, city_regulator, browser_client):
    online, token, _ = make_device(DeviceKind.METER, medium="water")
    make_device(DeviceKind.METER, medium="water")
    post(token, [{"device": online.code, "seq": 1, "time": dt.datetime.now(dt.UTC).isoformat(),
                  "type": "heartbeat"}])
    page = browser_client(city_regulator).get("/monitoring/devices/")
    assert page.status_code == 200
    assert "50%" in page.content.decode()
