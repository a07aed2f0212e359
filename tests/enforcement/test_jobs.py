"""The daily jobs: complaint reminders and escalation; the sharing export, in its documented format
and without the reporter's identity; complaint deadlines across holidays and make-up working days."""

import datetime
import json

from django.test import Client
from django.utils import timezone

from jiliang.enforcement import deadlines, reminders, sharing
from jiliang.enforcement.models import Complaint, ComplaintState
from jiliang.jobs.registry import find
from jiliang.notifications.models import Notification

IDENTITY = {"name": "钱七", "phone": "13600003333", "id_number": "511902197001011234"}


def test_complaint_deadlines_across_national_day_and_make_up_days():
    # Received Friday 2025-09-26: Sunday 09-28 and Saturday 10-11 are worked, 10-01..10-08 are off.
    due = deadlines.complaint_deadlines(deadlines.defaults(), datetime.date(2025, 9, 26))
    assert due.acknowledge == datetime.date(2025, 10, 13)  # 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13
    # ... 10-14..10-17 (11), 10-20..10-23 (15)
    assert due.handling == datetime.date(2025, 10, 23)


def test_spring_festival_case_filing_deadline():
    rule = deadlines.case_rule(deadlines.defaults(), "filed")
    # 2026-02-13 (Friday): Saturday 02-14 worked, 02-15..02-23 off, Saturday 02-28 worked.
    # 02-14 (1), 02-24..02-27 (5), 02-28 (6), 03-02..03-06 (11), 03-09..03-12 (15)
    assert rule.due(datetime.date(2026, 2, 13)) == datetime.date(2026, 3, 12)


def test_reminders_then_escalation(submit, bazhou_regulator, city_regulator):
    complaint, _ = submit()
    today = timezone.localdate(complaint.received_at)
    day_before = complaint.acknowledge_due - datetime.timedelta(days=1)
    counts = reminders.run(day_before)
    assert counts["reminded"] == 1
    assert Notification.objects.filter(recipient=bazhou_regulator, topic="enforcement.complaint_due").exists()
    assert reminders.run(day_before)["notices"] == 0  # once a day
    late = complaint.acknowledge_due + datetime.timedelta(days=1)
    assert reminders.run(late)["escalated"] == 1
    assert Notification.objects.filter(recipient=city_regulator, topic="enforcement.complaint_overdue").exists()
    assert reminders.run(late)["escalated"] == 0
    assert today <= complaint.acknowledge_due
    assert find("enforcement.reminders") and find("enforcement.sharing")


def test_sharing_export_has_no_identity(submit, bazhou_regulator, open_case_for, tmp_path, settings):
    settings.JILIANG_SHARING_DIR = tmp_path
    submit(identity_fields=IDENTITY)
    case = open_case_for()
    counts = sharing.export(timezone.localdate())
    assert counts["cases"] == 1
    document = json.loads((tmp_path / f"jiliang-{timezone.localdate():%Y%m%d}.json").read_text())
    assert document["schema"] == "jiliang.sharing/1"
    assert document["cases"][0]["case_number"] == case.number
    assert set(document["cases"][0]) == set(sharing.CASE_FIELDS)
    every_file = "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.iterdir())
    for value in IDENTITY.values():
        assert value not in every_file


def test_complaint_list_export_has_no_identity(submit, bazhou_regulator):
    complaint, _ = submit(identity_fields=IDENTITY)
    client = Client()
    client.force_login(bazhou_regulator)
    exported = b"".join(client.get("/enforcement/complaints/?export=csv").streaming_content).decode("utf-8-sig")
    assert str(complaint.pk) in exported
    for value in IDENTITY.values():
        assert value not in exported
    assert Complaint.objects.get().state == ComplaintState.SUBMITTED
