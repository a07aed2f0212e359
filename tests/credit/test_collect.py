"""The nightly job: credit events from overdue instruments and failed verifications, once each."""

import pytest

from jiliang.accounts.models import AuditEvent, Role
from jiliang.credit import collect, selectors
from jiliang.credit.models import CreditEvent, EventKind
from jiliang.jobs.registry import find
from jiliang.notifications.models import Notification
from tests.verification.conftest import days
from tests.verification.due_testkit import set_status, with_state

pytestmark = pytest.mark.django_db


def test_overdue_and_failed_instruments_become_events_once(world, make_user):
    owner = make_user(Role.OWNER, organization=world.owner_org)
    overdue = with_state(world, days(-20))
    with_state(world, days(30))  # in force: nothing
    with_state(world, failed=True, performed_on=days(-5))
    set_status(with_state(world, days(-40)))  # out of service: not in use, not overdue

    result = collect.run()
    events = {event.kind: event for event in CreditEvent.objects.filter(organization=world.owner_org)}
    assert sorted(events) == [EventKind.INSTRUMENT_OVERDUE, EventKind.VERIFICATION_FAILED]
    assert events[EventKind.INSTRUMENT_OVERDUE].occurred_on == days(-19)
    assert overdue.public_code in events[EventKind.INSTRUMENT_OVERDUE].summary
    assert events[EventKind.VERIFICATION_FAILED].occurred_on == days(-5)
    assert result["events"] == 2 and result["graded"] == 1
    # 80 - 3 x 0.5^(19/180) - 5 x 0.5^(5/365) = 72.27
    assert selectors.grades_for([world.owner_org.pk])[world.owner_org.pk] == "C"
    assert Notification.objects.filter(recipient=owner, topic="credit.event").count() == 1
    assert AuditEvent.objects.filter(action="credit.collect").get().after["events"] == 2

    assert collect.run()["events"] == 0
    assert CreditEvent.objects.count() == 2
    assert Notification.objects.filter(recipient=owner, topic="credit.event").count() == 1


def test_the_job_is_registered_nightly():
    job = find("credit.nightly")
    assert job.target == "jiliang.credit.collect:run" and job.daily_at is not None
