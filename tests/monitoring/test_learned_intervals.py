"""Issue 15, item 1: a device's reporting interval is learned from its own stored messages (the
daily job), kept on the device, read by the silence rules and shown on the device page."""

import datetime as dt

import pytest

from jiliang.accounts.models import AuditEvent
from jiliang.monitoring import engine, services
from jiliang.monitoring.models import Alert, Device, DeviceKind

from .monitoring_fixtures import T0, meter_reading, post

pytestmark = pytest.mark.django_db


START = T0 - dt.timedelta(days=3)


def readings(meter, token, every: dt.timedelta, until: dt.datetime) -> dt.datetime:
    """Readings from six days ago every `every` up to `until`; returns the last one's time."""
    count = int((until - START) / every)
    for first in range(0, count, 500):
        response = post(token, [meter_reading(meter, k + 1, (START - T0 + k * every) / dt.timedelta(minutes=1), 1.0 + 0.01 * k)
                                for k in range(first, min(first + 500, count))])
        assert response.status_code == 200, response.content
    return START + (count - 1) * every


def test_a_meter_that_reads_every_six_hours_is_judged_by_its_learned_interval(make_device, city_regulator, browser_client, api_client):
    """Both meters were configured at 15 minutes; one reads every 6 hours in fact. After 13 h of
    silence that one has missed two of its reads (no alert), the other 52 (MT-09)."""
    until = dt.datetime.now(dt.UTC) - dt.timedelta(hours=14)
    slow, slow_token, _ = make_device(DeviceKind.METER, medium="water", attributes={"report_interval_s": 900})
    quarter, quarter_token, _ = make_device(DeviceKind.METER, medium="water", attributes={"report_interval_s": 900})
    last = readings(slow, slow_token, dt.timedelta(hours=6), until)
    readings(quarter, quarter_token, dt.timedelta(minutes=15), last + dt.timedelta(minutes=1))
    now = last + dt.timedelta(hours=13)
    counts = services.learn_intervals(now)
    assert counts["learned"] == 2 and AuditEvent.objects.filter(action="monitoring.learn_intervals").exists()
    assert Device.objects.get(pk=slow.pk).learned_interval_s == 6 * 3600
    assert Device.objects.get(pk=quarter.pk).learned_interval_s == 900
    engine.tick(now, since=last)
    assert set(Alert.objects.filter(rule_code="MT-09").values_list("device_id", flat=True)) == {quarter.pk}
    assert api_client(city_regulator).get(f"/api/v1/monitoring/devices/{slow.pk}").json()["learned_interval_s"] == 21600
    page = browser_client(city_regulator).get(f"/monitoring/devices/{slow.pk}/").content.decode()
    assert "学习所得上报间隔" in page and "6 小时" in page and "15 分钟" in page


def test_learning_forgets_an_interval_the_history_no_longer_shows(make_device):
    meter, token, _ = make_device(DeviceKind.METER, medium="water")
    last = readings(meter, token, dt.timedelta(hours=1), dt.datetime.now(dt.UTC) - dt.timedelta(hours=4))
    services.learn_intervals(last)
    assert Device.objects.get(pk=meter.pk).learned_interval_s == 3600
    services.learn_intervals(last + dt.timedelta(days=30))  # nothing in the last 14 days
    assert Device.objects.get(pk=meter.pk).learned_interval_s is None
