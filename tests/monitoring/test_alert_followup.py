"""Alerts that lead somewhere: assignment with a deadline, notes on the page, a verification request
for the instrument concerned, reminders and escalations through the notifications, and a confirmed
alert's credit event."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from jiliang.accounts.models import AuditEvent, Role
from jiliang.credit.models import CreditEvent
from jiliang.errors import Conflict, InvalidInput
from jiliang.monitoring import engine, followup, services
from jiliang.monitoring.models import Alert, AlertState, DeadlineNotice, DeviceKind, Severity
from jiliang.notifications.models import Notification
from jiliang.verification.models import VerificationRequest
from tests.verification.conftest import world  # noqa: F401  (an instrument with a certificate, an institution)

pytestmark = pytest.mark.django_db


def _alert_on(device) -> Alert:
    now = timezone.now()
    return Alert.objects.create(rule_code="FD-01", severity=Severity.CRITICAL, device=device, site=device.site,
                                division=device.division, message="加油机示值偏差超限", opened_at=now,
                                last_seen_at=now)


@pytest.fixture
def alert(make_device):
    device, _token, _secret = make_device(DeviceKind.METER, medium="water")
    return _alert_on(device)


@pytest.fixture
def inspector(make_user):
    person = make_user(Role.COUNTY_REGULATOR, division="511902")
    person.email = "inspector@example.cn"
    person.save(update_fields=["email"])
    return person


def in_hours(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def test_assignment_tells_the_assignee_and_shows_on_the_page(alert, bazhou_regulator, inspector, browser_client,
                                                             settings, django_capture_on_commit_callbacks):
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.notifiers.InAppNotifier",
                                  "jiliang.notifications.notifiers.EmailNotifier"]
    with django_capture_on_commit_callbacks(execute=True):
        followup.assign_alert(bazhou_regulator, alert, assignee=inspector, due_at=in_hours(48), note="请今天联系站长")
    alert.refresh_from_db()
    assert alert.assignee == inspector and alert.deadline_notice == ""
    notice = Notification.objects.get(recipient=inspector, topic="alert.assigned")
    assert "请今天联系站长" in notice.body and notice.url == f"/monitoring/alerts/{alert.pk}/"
    assert [m.to for m in mail.outbox] == [["inspector@example.cn"]]
    followup.note_alert(inspector, alert, "已电话联系，明日到场")
    page = browser_client(inspector).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "指派承办人" in page and "已电话联系，明日到场" in page and "请今天联系站长" in page


def test_assignment_refusals_name_the_field(alert, bazhou_regulator, tongjiang_regulator, make_user,
                                            make_organization):
    outsider = make_user(Role.COUNTY_REGULATOR, division="511921")
    owner = make_user(Role.OWNER, organization=make_organization("511902"))
    for assignee, due_at, field in ((outsider, in_hours(5), "assignee"), (owner, in_hours(5), "assignee"),
                                    (None, in_hours(5), "assignee"), (bazhou_regulator, in_hours(-1), "due_at"),
                                    (bazhou_regulator, None, "due_at")):
        with pytest.raises(InvalidInput) as raised:
            followup.assign_alert(bazhou_regulator, alert, assignee=assignee, due_at=due_at)
        assert list(raised.value.fields) == [field]
    with pytest.raises(Exception) as denied:
        followup.assign_alert(tongjiang_regulator, alert, assignee=tongjiang_regulator, due_at=in_hours(5))
    assert type(denied.value).__name__ == "AccessDenied"
    assert not AuditEvent.objects.filter(action="alert.assign").exists()


def test_a_closed_alert_is_not_assigned(alert, bazhou_regulator):
    services.transition_alert(bazhou_regulator, alert, AlertState.FALSE_ALARM)
    with pytest.raises(Conflict):
        followup.assign_alert(bazhou_regulator, alert, assignee=bazhou_regulator, due_at=in_hours(5))


def test_deadline_nearing_then_passed_reminds_and_escalates_once_each(alert, bazhou_regulator, inspector,
                                                                      city_regulator, settings):
    settings.JILIANG_ALERT_DEADLINE_WARN_HOURS = 24
    followup.assign_alert(bazhou_regulator, alert, assignee=inspector, due_at=in_hours(30))
    assert followup.run() == {"nearing": 0, "passed": 0}
    assert followup.run(now=in_hours(8)) == {"nearing": 1, "passed": 0}
    assert followup.run(now=in_hours(9)) == {"nearing": 0, "passed": 0}
    assert Notification.objects.filter(recipient=inspector, topic="alert.deadline").count() == 1
    assert followup.run(now=in_hours(31)) == {"nearing": 0, "passed": 1}
    assert followup.run(now=in_hours(40)) == {"nearing": 0, "passed": 0}
    alert.refresh_from_db()
    assert alert.deadline_notice == DeadlineNotice.PASSED
    escalated = set(Notification.objects.filter(topic="alert.overdue").values_list("recipient__username", flat=True))
    assert escalated == {inspector.username, bazhou_regulator.username, city_regulator.username}
    assert AuditEvent.objects.filter(action="alert.deadline_passed", object_id=str(alert.pk)).count() == 1


def test_an_unacknowledged_reminder_reaches_the_regulators(alert, bazhou_regulator, settings):
    settings.JILIANG_MONITORING_REMIND_AFTER_MINUTES = 30
    engine.tick(alert.opened_at + dt.timedelta(minutes=31))
    assert Notification.objects.filter(recipient=bazhou_regulator, topic="alert.remind").count() == 1


def test_a_confirmed_alert_becomes_a_credit_event(alert, bazhou_regulator):
    for state in (AlertState.ACKNOWLEDGED, AlertState.INVESTIGATING, AlertState.CONFIRMED):
        services.transition_alert(bazhou_regulator, alert, state)
    event = CreditEvent.objects.get()
    assert (event.kind, event.source_type, event.source_id) == ("alert_confirmed", "alert", str(alert.pk))
    assert event.organization_id == alert.site.organization_id


def test_an_alert_becomes_a_verification_request_for_its_instrument(world, city_regulator, api_client):  # noqa: F811
    device = services.register_device(city_regulator, code="nozzle-kf-1", kind=DeviceKind.NOZZLE,
                                      instrument=world.instrument)
    alert = _alert_on(device)
    client = api_client(city_regulator)
    response = client.post(f"/api/v1/monitoring/alerts/{alert.pk}/verification-request",
                           {"institution_id": world.institution.pk, "note": "请尽快检定"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    request = VerificationRequest.objects.get(pk=response.json()["id"])
    assert list(request.instruments.all()) == [world.instrument] and request.owner == world.owner_org
    assert "预警" in request.note
    assert Notification.objects.filter(recipient=world.owner, topic="alert.verification_request").exists()
    again = client.post(f"/api/v1/monitoring/alerts/{alert.pk}/verification-request",
                        {"institution_id": world.institution.pk}, content_type="application/json")
    assert again.status_code == 409
    detail = client.get(f"/api/v1/monitoring/alerts/{alert.pk}").json()
    assert detail["verification_request_id"] == request.pk


def test_an_alert_without_an_instrument_cannot_become_a_request(alert, bazhou_regulator, world):  # noqa: F811
    with pytest.raises(InvalidInput) as raised:
        followup.request_verification(bazhou_regulator, alert, institution=world.institution)
    assert list(raised.value.fields) == ["instrument"]


def test_assign_through_the_api_and_the_page(alert, bazhou_regulator, inspector, api_client, browser_client):
    client = api_client(bazhou_regulator)
    due = in_hours(24).isoformat()
    response = client.post(f"/api/v1/monitoring/alerts/{alert.pk}/assign",
                           {"assignee_id": inspector.pk, "due_at": due}, content_type="application/json")
    assert response.status_code == 200 and response.json()["assignee_id"] == inspector.pk
    bad = client.post(f"/api/v1/monitoring/alerts/{alert.pk}/assign", {"assignee_id": inspector.pk, "due_at": "明天"},
                      content_type="application/json")
    assert bad.status_code == 422 and "due_at" in bad.json()["fields"]
    page = browser_client(bazhou_regulator).post(f"/monitoring/alerts/{alert.pk}/assign/",
                                                 {"assign-assignee": inspector.pk, "assign-due_at": "2020-01-01T09:00"})
    assert page.status_code == 200 and "办理期限须晚于现在" in page.content.decode()
    note = browser_client(bazhou_regulator).post(f"/monitoring/alerts/{alert.pk}/note/", {"note-note": "到场核查"})
    assert note.status_code == 302


def test_the_alert_list_shows_the_assignee_and_filters_mine(alert, make_device, bazhou_regulator, inspector,
                                                            browser_client):
    other = _alert_on(make_device(DeviceKind.METER, medium="gas")[0])
    followup.assign_alert(bazhou_regulator, alert, assignee=inspector, due_at=in_hours(24))
    page = browser_client(inspector).get("/monitoring/alerts/", {"mine": "on"}).content.decode()
    assert f"/monitoring/alerts/{alert.pk}/" in page and f"/monitoring/alerts/{other.pk}/" not in page
    assert str(inspector) in page


def test_disabling_a_rule_clears_its_standing_alerts_with_a_note(alert, city_regulator):
    """A disabled rule no longer runs, so nothing found its conditions gone and its alerts stood for
    ever: they are cleared with it, with a note in the timeline; other rules' alerts stay."""
    from jiliang.monitoring import selectors

    now = timezone.now()
    other = Alert.objects.create(rule_code="MT-09", severity=Severity.WARNING, device=alert.device, site=alert.device.site,
                                 division=alert.device.division, message="通信中断", opened_at=now, last_seen_at=now)
    services.edit_thresholds(city_regulator, "FD-01", {}, note="误报过多")
    alert.refresh_from_db()
    assert alert.active  # an edit that keeps the rule on leaves its alerts alone
    services.edit_thresholds(city_regulator, "FD-01", {}, enabled=False, note="误报过多")
    alert.refresh_from_db()
    other.refresh_from_db()
    assert not alert.active and alert.cleared_at is not None and alert.state == AlertState.NEW
    assert other.active and other.cleared_at is None
    last = selectors.alert_timeline(city_regulator, alert)[-1]
    assert last.what == "规则停用，预警解除" and "FD-01" in last.note and "停用" in last.note
    assert AuditEvent.objects.filter(action="alert.rule_disabled", object_id=str(alert.pk), actor=city_regulator).exists()
    assert "FD-01" not in engine.current_rules()[1]


def test_the_demo_feeder_keeps_devices_and_gateways_online_and_is_registered_only_for_the_demo(make_device, city_regulator,
                                                                                              settings):
    """An hour after the demo loaded, its devices went offline and its gateways were never online:
    the feeder sends a heartbeat from each through the ingest, numbered after its last message, and
    the job exists only when the demo turns it on."""
    from jiliang.jobs.registry import jobs
    from jiliang.monitoring import demo, selectors
    from jiliang.monitoring.models import MessageKey

    meter, _token, _secret = make_device(DeviceKind.METER, medium="water")
    gateway, _token, _secret = make_device(DeviceKind.GATEWAY, site=meter.site)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    type(meter).objects.filter(pk=meter.pk).update(last_seen_at=an_hour_ago)
    assert demo.keep_alive() == 2
    assert demo.keep_alive() == 2  # the next heartbeat is a new message, not a duplicate
    for device in (meter, gateway):
        device.refresh_from_db()
        assert device.last_seen_at > an_hour_ago
        assert sorted(MessageKey.objects.filter(device=device).values_list("sequence", flat=True)) == [1, 2]
    status = {row["kind"]: row["rate"] for row in selectors.online_status(city_regulator, offline_after=dt.timedelta(minutes=15))}
    assert status[DeviceKind.METER] == 1.0 and status[DeviceKind.GATEWAY] == 1.0
    settings.JILIANG_MONITORING_DEMO_FEED = False
    assert "monitoring.demo_feed" not in {job.name for job in jobs()}
    settings.JILIANG_MONITORING_DEMO_FEED = True
    assert "monitoring.demo_feed" in {job.name for job in jobs()}


def test_an_english_reader_assigning_an_alert_gets_english_errors_but_the_notice_is_in_chinese(
        alert, bazhou_regulator, inspector, api_client):
    """A notice is read later by someone whose language the platform does not know: it is written in the
    platform's language, whatever the language of the request that caused it."""
    client = api_client(bazhou_regulator)
    url = f"/api/v1/monitoring/alerts/{alert.pk}/assign"
    bad = client.post(url, {"assignee_id": inspector.pk, "due_at": in_hours(-1).isoformat()},
                      content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422 and bad.json()["fields"]["due_at"] == ["The handling deadline must be in the future."]
    good = client.post(url, {"assignee_id": inspector.pk, "due_at": in_hours(24).isoformat()},
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert good.status_code == 200
    notice = Notification.objects.get(recipient=inspector, topic="alert.assigned")
    assert notice.title.startswith("预警待您处置：") and "前处置" in notice.body
