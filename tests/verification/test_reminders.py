"""The daily reminder job: what it stores and sends, idempotence per day, the audit event, the
notifier adapters and configuration, the command, and the inbox page."""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from jiliang.accounts.models import AuditEvent, Role
from jiliang.notifications import notifiers, services
from jiliang.notifications.models import Audience, Notification, Reminder
from jiliang.verification import reminders

from .conftest import days
from .due_testkit import with_state


class Collecting:
    def __init__(self):
        self.notices = []

    def deliver(self, notices):
        self.notices += notices
        return len(notices)


class Failing:
    def deliver(self, notices):
        raise RuntimeError("gateway down")


@pytest.fixture
def people(world, make_user):
    with_state(world, days(-1))
    with_state(world, days(10))
    with_state(world, days(-30), county="511921")
    Notification.objects.all().delete()  # the certificates' own notices; these tests are about reminders
    return {"bazhou": make_user(Role.COUNTY_REGULATOR, division="511902"),
            "tongjiang": make_user(Role.COUNTY_REGULATOR, division="511921")}


def keyed(queryset) -> dict:
    return {(r.topic, r.audience, r.organization_id, r.division.code): r.count for r in queryset}


def test_reminders_for_owners_and_regulators(world, people):
    collecting = Collecting()
    result = reminders.run(notifiers=[collecting])
    org = world.owner_org.pk
    assert keyed(Reminder.objects.select_related("division")) == {
        (reminders.OVERDUE, Audience.OWNER, org, "511902"): 2,
        (reminders.DUE_SOON, Audience.OWNER, org, "511902"): 1,
        (reminders.OVERDUE, Audience.REGULATOR, None, "511902"): 1,
        (reminders.OVERDUE, Audience.REGULATOR, None, "511921"): 1,
        (reminders.OVERDUE, Audience.REGULATOR, None, "511900"): 2,
        (reminders.DUE_SOON, Audience.REGULATOR, None, "511902"): 1,
        (reminders.DUE_SOON, Audience.REGULATOR, None, "511900"): 1,
    }
    assert result.instruments == {reminders.DUE_SOON: 1, reminders.OVERDUE: 2}
    reached = sorted((n.recipient.username, n.topic) for n in collecting.notices)
    assert reached == sorted([
        (world.owner.username, reminders.OVERDUE), (world.owner.username, reminders.DUE_SOON),
        (world.city.username, reminders.OVERDUE), (world.city.username, reminders.DUE_SOON),
        (world.reviewer.username, reminders.OVERDUE), (world.reviewer.username, reminders.DUE_SOON),
        (people["bazhou"].username, reminders.OVERDUE), (people["bazhou"].username, reminders.DUE_SOON),
        (people["tongjiang"].username, reminders.OVERDUE),
    ])
    overdue = next(n for n in collecting.notices if n.recipient == world.owner and n.topic == reminders.OVERDUE)
    assert overdue.title == "2 台强检器具超期未检" and overdue.url == "/verification/overdue/"
    assert str(days(-30)) in overdue.body  # the earliest expiry


def test_idempotent_per_day_and_audited_per_run(world, people):
    first = reminders.run()
    assert Notification.objects.filter(recipient=world.owner).count() == 2
    second = reminders.run()
    assert sum(second.created.values()) == 0 and second.notices == 0 and second.already_there == 7
    # 9 notices: the owner's 2, two city regulators' 2 each, the counties' 3.
    assert Reminder.objects.count() == 7 and Notification.objects.count() == first.notices == 9
    runs = AuditEvent.objects.filter(action="verification.reminders.run").order_by("id")
    assert [e.after["created"] for e in runs] == [{reminders.DUE_SOON: 3, reminders.OVERDUE: 4},
                                                  {reminders.DUE_SOON: 0, reminders.OVERDUE: 0}]
    assert runs[0].after["delivered"] == {"LogNotifier": 9, "InAppNotifier": 9}
    assert runs[0].actor is None and runs[0].actor_name == "reminders"
    tomorrow = reminders.run(days(1))
    assert sum(tomorrow.created.values()) == 7


class Slow:
    """Holds the run's transaction open a while, so that a concurrent run overlaps it."""

    def deliver(self, notices):
        time.sleep(0.5)
        return len(notices)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_together_store_each_reminder_once(world, people):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database is shared in-memory (table locks, no busy wait); its writers "
                    "queue on the database lock of the BEGIN IMMEDIATE transaction")
    start = threading.Barrier(2)

    def run_once(_):
        try:
            start.wait()
            return reminders.run(notifiers=[Slow()])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_once, range(2)))
    assert sorted(sum(r.created.values()) for r in results) == [0, 7]
    assert sorted(r.already_there for r in results) == [0, 7]
    assert Reminder.objects.count() == 7
    assert AuditEvent.objects.filter(action="verification.reminders.run").count() == 2


def test_a_failing_notifier_stores_nothing(world, people):
    with pytest.raises(RuntimeError):
        reminders.run(notifiers=[notifiers.InAppNotifier(), Failing()])
    assert not Reminder.objects.exists() and not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="verification.reminders.run").exists()


def test_log_notifier(world, people, caplog):
    with caplog.at_level(logging.INFO, logger="jiliang.notifications"):
        reminders.run(notifiers=[notifiers.LogNotifier()])
    assert f"notice to {world.owner.username} [{reminders.OVERDUE}] 2 台强检器具超期未检" in caplog.text
    assert not Notification.objects.exists()


def test_email_notifier_sends_after_commit(world, people, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.notifiers.EmailNotifier"]
    world.owner.email = "owner@example.com"
    world.owner.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = reminders.run()
    assert result.delivered == {"EmailNotifier": 2} and mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.subject for m in mail.outbox) == ["1 台强检器具将在 30 天内到期", "2 台强检器具超期未检"]
    assert mail.outbox[0].to == ["owner@example.com"] and "/verification/" in mail.outbox[0].body


def test_notifier_configuration(settings):
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.notifiers.LogNotifier"]
    assert [type(n) for n in notifiers.configured()] == [notifiers.LogNotifier]
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.nowhere.SmsNotifier"]
    with pytest.raises(ImproperlyConfigured, match="nowhere"):
        notifiers.configured()
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.models.Reminder"]
    with pytest.raises(ImproperlyConfigured, match="deliver"):
        notifiers.configured()


def test_command(world, people):
    from io import StringIO

    out = StringIO()
    call_command("reminders", "--date", str(days(0)), "--within-days", "15", stdout=out)
    assert "1 instruments due soon, 2 overdue; 7 reminders stored (0 already there)" in out.getvalue()
    call_command("reminders", stdout=out)
    assert "(7 already there)" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("reminders", "--within-days", "0")


def test_inbox_unread_count_and_marking_read(world, people, browser_client, make_user):
    reminders.run()
    client = browser_client(world.owner)
    page = client.get("/notifications/").content.decode()
    assert "2 台强检器具超期未检" in page and 'data-testid="unread-count">2<' in page
    mine = Notification.objects.filter(recipient=world.owner).order_by("id")
    other = browser_client(people["bazhou"])
    assert other.post(f"/notifications/{mine[0].pk}/read/").status_code == 404
    assert client.post(f"/notifications/{mine[0].pk}/read/").status_code == 302
    assert 'data-testid="unread-count">1<' in client.get("/").content.decode()
    assert client.post("/notifications/read/").status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/notifications/?unread=1").content.decode()
    assert AuditEvent.objects.filter(action="notification.read", actor=world.owner).count() == 2


def test_only_the_recipient_marks_read(world, people):
    reminders.run()
    notification = Notification.objects.filter(recipient=world.owner).first()
    with pytest.raises(Exception, match="自己的通知"):
        services.mark_read(people["bazhou"], notification)
    assert services.mark_read(world.owner, notification) == 1
    assert services.mark_read(world.owner, notification) == 0
