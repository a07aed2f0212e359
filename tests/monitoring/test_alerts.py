"""Alerts: raised from device data on arrival and from silence on the clock, one alert per standing
condition, assigned to the county of the site, the workflow's allowed moves only, every move
audited, county inboxes scoped, thresholds edited in versions."""

import datetime as dt

import pytest

from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import Conflict
from jiliang.monitoring import alerting, engine, services
from jiliang.monitoring.models import Alert, AlertState, DeviceKind, RuleThreshold, Severity
from monitoring_fixtures import T0, event, meter_reading, post

pytestmark = pytest.mark.django_db


def test_a_tamper_event_raises_one_critical_alert_for_the_county_of_the_site(make_device, make_site):
    site = make_site("511921")  # 通江县
    meter, token, _ = make_device(DeviceKind.METER, site=site, medium="water")
    response = post(token, [event(meter, 1, 0, "magnetic_field")])
    assert response.json()["alerts"] == 1
    alert = Alert.objects.get()
    assert (alert.rule_code, alert.severity, alert.state, alert.active) == ("MT-03", Severity.CRITICAL, AlertState.NEW, True)
    assert alert.division.code == "511921" and alert.site == site
    assert alert.evidence["computation"]["event"]["code"] == "magnetic_field"
    assert AuditEvent.objects.filter(action="alert.raise", object_id=str(alert.pk)).exists()
    post(token, [event(meter, 2, 5, "magnetic_field"), meter_reading(meter, 3, 6, 1.0)])
    alert.refresh_from_db()
    assert Alert.objects.count() == 1 and alert.occurrences == 2  # the standing condition stays one alert


def test_a_condition_raised_by_another_ingest_meanwhile_is_merged_into_its_alert(make_device, monkeypatch):
    meter, token, _ = make_device(DeviceKind.METER, medium="water")
    post(token, [event(meter, 1, 0, "magnetic_field")])
    alert = Alert.objects.get()
    real = alerting._locked
    calls = []

    def as_if_not_yet_committed(alerts):  # the first look finds no standing alert, as in a race
        calls.append(1)
        return alerts.none() if len(calls) == 1 else real(alerts)

    monkeypatch.setattr(alerting, "_locked", as_if_not_yet_committed)
    response = post(token, [event(meter, 2, 5, "magnetic_field")])
    assert response.status_code == 200 and response.json()["alerts"] == 1
    alert.refresh_from_db()
    assert Alert.objects.count() == 1 and alert.occurrences == 2


def test_silence_raises_communication_loss_on_the_clock_and_a_return_clears_it(make_device):
    meter, token, _ = make_device(DeviceKind.METER, medium="water", attributes={"report_interval_s": 900})
    post(token, [meter_reading(meter, 1, 0, 1.0)])
    book, _ = engine.current_rules()
    now = T0 + dt.timedelta(hours=11, minutes=59)  # 47 reads missed, but a power cut may last that long
    engine.tick(now)
    assert not Alert.objects.filter(rule_code="MT-09").exists()
    engine.tick(T0 + dt.timedelta(hours=12, minutes=15))  # past the minimum silence, and no message came in
    alert = Alert.objects.get(rule_code="MT-09")
    assert alert.active
    later = T0 + dt.timedelta(hours=12, minutes=20) + book.persistence.clear_after
    back = int((later - T0).total_seconds() // 60)
    post(token, [meter_reading(meter, n, minutes, 1.1) for n, minutes in enumerate(range(740, back + 1, 15), start=2)])
    engine.tick(later)
    alert.refresh_from_db()
    assert not alert.active and alert.cleared_at == later
    assert AuditEvent.objects.filter(action="alert.clear", object_id=str(alert.pk)).exists()


def test_a_fault_on_a_slowly_reporting_device_stays_one_alert_until_its_rule_finds_it_gone(make_device):
    """Issue 15: a nozzle that sells once a day with a wrong amount became one alert per day: the
    alert cleared an hour after its finding although FD-06 had not run again (the station sent
    nothing). It stays one alert with an occurrence count, and clears once FD-06 ran and found it gone."""
    nozzle, token, _ = make_device(DeviceKind.NOZZLE, attributes={"qmax": 50.0, "qmin": 5.0})

    def fill(seq, hours, amount):
        return {"device": nozzle.code, "seq": seq, "time": (T0 + dt.timedelta(hours=hours)).isoformat(),
                "type": "dispenser.transaction", "duration_s": 40.0, "volume_l": 20.0, "pulses": 2000, "k_factor": 100.0,
                "unit_price": 7.5, "amount_yuan": amount, "totaliser_start_l": 1000.0 + 20 * seq,
                "totaliser_end_l": 1020.0 + 20 * seq, "fuel_temperature_c": 15.0}

    def hourly_ticks(first, last):
        for hour in range(first, last + 1):
            engine.tick(T0 + dt.timedelta(hours=hour), since=T0 + dt.timedelta(hours=hour - 1))

    post(token, [fill(1, 0.5, 150.5)])  # 0.50 yuan more than 7.50 × 20 L
    hourly_ticks(1, 24)
    post(token, [fill(2, 24.5, 150.5)])  # the next day's sale: the same fault
    hourly_ticks(25, 30)
    alert = Alert.objects.get(rule_code="FD-06")
    assert alert.active and alert.occurrences == 2
    post(token, [fill(3, 48.5, 150.0)])  # a correct sale a day after the last wrong one
    hourly_ticks(49, 49)
    alert.refresh_from_db()
    assert alert.active  # FD-06's day (and the clock's step) still holds the wrong sale of 24 hours before
    hourly_ticks(50, 50)  # a day after the last wrong sale, the correct one: found gone
    alert.refresh_from_db()
    assert not alert.active and alert.cleared_at == T0 + dt.timedelta(hours=50)
    assert Alert.objects.filter(rule_code="FD-06").count() == 1


def test_tick_at_a_past_moment_evaluates_what_came_since_the_previous_turn(make_device):
    """Issue 15: `jiliang monitor tick --at T` looked back 60 s for sites with new data, so a replay
    run hour by hour skipped every rule the arrival path leaves to the clock (here MT-05, 72 h of flow)."""
    from django.core.management import call_command

    meter, token, _ = make_device(DeviceKind.METER, medium="water", attributes={"qmax": 2.5, "report_interval_s": 3600})
    hours = range(-48, 31)  # hourly reads, water flowing in every hour
    reads = [meter_reading(meter, n, 60 * hour, 100.0 + 0.01 * n) for n, hour in enumerate(hours, start=1)]
    post(token, reads[:40])
    call_command("monitor", "tick", "--at", (T0 - dt.timedelta(hours=8, minutes=30)).isoformat())
    post(token, reads[40:])
    assert not Alert.objects.filter(rule_code="MT-05").exists()
    call_command("monitor", "tick", "--at", (T0 + dt.timedelta(hours=30, minutes=30)).isoformat())
    assert Alert.objects.filter(device=meter, rule_code="MT-05", active=True).exists()


def _alert(make_device, county="511902") -> Alert:
    from monitoring_fixtures import _codes  # noqa: F401  (same counter as the fixtures)

    meter, token, _ = make_device(DeviceKind.METER, medium="water")
    post(token, [event(meter, 1, 0, "cover_open")])
    return Alert.objects.get(device=meter)


def test_the_workflow_allows_only_its_moves_and_audits_each(make_device, bazhou_regulator):
    alert = _alert(make_device)
    with pytest.raises(Conflict):
        services.transition_alert(bazhou_regulator, alert, AlertState.CONFIRMED)
    for state in (AlertState.ACKNOWLEDGED, AlertState.INVESTIGATING, AlertState.CONFIRMED, AlertState.CLOSED):
        alert = services.transition_alert(bazhou_regulator, alert, state, note="现场核查")
    assert alert.state == AlertState.CLOSED and not alert.active
    actions = list(AuditEvent.objects.filter(object_type="monitoring.Alert", object_id=str(alert.pk), actor=bazhou_regulator)
                   .order_by("at", "id").values_list("action", flat=True))
    assert actions == ["alert.acknowledged", "alert.investigating", "alert.confirmed", "alert.closed"]


def test_a_county_sees_and_handles_only_its_own_alerts(make_device, make_site, bazhou_regulator,
                                                       tongjiang_regulator, api_client, make_user):
    meter, token, _ = make_device(DeviceKind.METER, site=make_site("511902"), medium="water")
    post(token, [event(meter, 1, 0, "valve_forced")])
    alert = Alert.objects.get()
    assert api_client(bazhou_regulator).get("/api/v1/monitoring/alerts").json()["items"][0]["id"] == alert.pk
    assert api_client(tongjiang_regulator).get("/api/v1/monitoring/alerts").json()["items"] == []
    other = api_client(tongjiang_regulator)
    assert other.get(f"/api/v1/monitoring/alerts/{alert.pk}").status_code == 404
    moved = other.post(f"/api/v1/monitoring/alerts/{alert.pk}/transition", {"state": "acknowledged"},
                       content_type="application/json")
    assert moved.status_code == 404
    auditor = api_client(make_user(Role.AUDITOR, division="511900"))
    assert auditor.post(f"/api/v1/monitoring/alerts/{alert.pk}/transition", {"state": "acknowledged"},
                        content_type="application/json").status_code == 403
    ok = api_client(bazhou_regulator).post(f"/api/v1/monitoring/alerts/{alert.pk}/transition",
                                           {"state": "acknowledged", "note": "已收到"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "acknowledged"


def test_unacknowledged_alerts_are_reminded(make_device, settings):
    alert = _alert(make_device)
    settings.JILIANG_MONITORING_REMIND_AFTER_MINUTES = 30
    engine.tick(alert.opened_at + dt.timedelta(minutes=31))
    alert.refresh_from_db()
    assert alert.reminders == 1
    assert AuditEvent.objects.filter(action="alert.remind", object_id=str(alert.pk)).exists()


def test_the_city_regulator_edits_thresholds_in_audited_versions(city_regulator, bazhou_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/monitoring/thresholds/MT-09",
                                               {"values": {"missed_interval_reads": 6}, "note": "放宽"},
                                               content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 2
    book, _ = engine.current_rules()
    assert book.for_rule("MT-09").missed_interval_reads == 6
    assert AuditEvent.objects.filter(action="rule_threshold.edit").count() == 1
    refused = api_client(bazhou_regulator).post("/api/v1/monitoring/thresholds/MT-09",
                                                {"values": {"missed_interval_reads": 1}}, content_type="application/json")
    assert refused.status_code == 403
    unknown = api_client(city_regulator).post("/api/v1/monitoring/thresholds/MT-09",
                                              {"values": {"nope": 1}}, content_type="application/json")
    assert unknown.status_code == 422
    assert RuleThreshold.objects.filter(rule_code="MT-09").count() == 2


def test_a_head_end_uploads_a_csv_for_its_meters(make_device, city_regulator, api_client):
    meter, _, _ = make_device(DeviceKind.METER, medium="water")
    rows = ["device,seq,time,type,register"] + [
        f"{meter.code},{seq},{(T0 + dt.timedelta(hours=seq)).isoformat()},meter.reading,{100 + seq}" for seq in range(1, 5)
    ] + [f"{meter.code},9,yesterday,meter.reading,1"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("daily.csv", "\n".join(rows).encode(), content_type="text/csv")
    response = api_client(city_regulator).post("/api/v1/monitoring/uploads", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 4 and response.json()["reasons"] == {"invalid": 1}
