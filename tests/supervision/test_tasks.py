"""Inspection tasks: the checklist filled on site, findings naming instruments, evidence on the log,
results published within 20 working days, and alerts turned into tasks."""

import datetime as dt

import pytest

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger.models import PendingEntry
from jiliang.notifications.models import Notification
from jiliang.registry.models import Instrument, InstrumentType
from jiliang.supervision import selectors, services
from jiliang.supervision.models import Evidence, Finding, TaskResult, TaskSource, TaskStatus
from jiliang.workdays import add_working_days

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _all_yes(task) -> dict:
    return {item["code"]: "yes" for item in task.checklist}


@pytest.fixture
def task(drawn_plan):
    return drawn_plan.tasks.order_by("pk").first()


@pytest.fixture
def inspector(task):
    return task.inspectors.order_by("pk").first()


@pytest.fixture
def instrument(task, city_regulator):
    instrument = Instrument(type=InstrumentType.objects.first(), serial_no="JY-001", manufacturer="测试厂",
                            owner=task.organization, site=task.site)
    instrument.fill_derived().save()
    return instrument


def test_an_inspector_submits_a_pass_and_the_publish_date_counts_working_days(task, inspector):
    services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED,
                         inspected_on=YESTERDAY)
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED
    assert task.publish_by == add_working_days(YESTERDAY, 20)
    assert PendingEntry.objects.filter(kind="supervision.inspection_result", record_id=f"task-{task.pk}").exists()
    assert AuditEvent.objects.filter(action="inspection_task.submit", object_id=str(task.pk)).exists()


def test_a_missing_required_item_is_refused_naming_it_and_nothing_is_stored(task, inspector):
    answers = _all_yes(task)
    required = next(item["code"] for item in task.checklist if item["required"])
    del answers[required]
    with pytest.raises(InvalidInput) as refused:
        services.submit_task(inspector, task, answers=answers, result=TaskResult.PASSED, inspected_on=YESTERDAY)
    assert f"answers.{required}" in refused.value.fields
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not task.answers


def test_findings_name_instruments_and_rectify_needs_a_later_date(task, inspector, instrument):
    findings = [{"kind": "overdue", "instrument": instrument.pk},
                {"kind": "unregistered", "serial_no": "X-99", "note": "未备案电子秤"}]
    with pytest.raises(InvalidInput) as refused:
        services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.RECTIFY,
                             inspected_on=YESTERDAY, findings=findings)
    assert set(refused.value.fields) == {"rectify_by"}
    with pytest.raises(InvalidInput) as refused:
        services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED,
                             inspected_on=YESTERDAY, findings=findings)
    assert "result" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.RECTIFY,
                             inspected_on=YESTERDAY, rectify_by=YESTERDAY + dt.timedelta(days=15),
                             findings=[{"kind": "seal_broken", "instrument": 999999}, {"kind": "unregistered"}])
    assert set(refused.value.fields) == {"findings.0.instrument", "findings.1.serial_no"}
    services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.RECTIFY,
                         inspected_on=YESTERDAY, rectify_by=YESTERDAY + dt.timedelta(days=15), findings=findings)
    assert Finding.objects.filter(task=task).count() == 2


def test_only_the_drawn_inspectors_fill_the_task(task, make_user):
    from jiliang.accounts.models import Role

    other = make_user(Role.COUNTY_REGULATOR, division="511902")
    with pytest.raises(AccessDenied):
        services.submit_task(other, task, answers=_all_yes(task), result=TaskResult.PASSED, inspected_on=YESTERDAY)


def test_a_second_submission_is_refused(task, inspector):
    services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED, inspected_on=YESTERDAY)
    with pytest.raises(Conflict):
        services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED,
                             inspected_on=YESTERDAY)


def test_evidence_is_hashed_onto_the_log_and_size_and_type_are_limited(task, inspector):
    evidence = services.add_evidence(inspector, task, name="现场.png", data=PNG)
    assert evidence.content_type == "image/png" and len(evidence.sha256) == 64
    assert PendingEntry.objects.filter(kind="supervision.evidence", record_id=f"evidence-{evidence.pk}").exists()
    with pytest.raises(InvalidInput) as refused:
        services.add_evidence(inspector, task, name="大.png", data=PNG + b"\x00" * services.MAX_EVIDENCE_BYTES)
    assert set(refused.value.fields) == {"file"}
    with pytest.raises(InvalidInput):
        services.add_evidence(inspector, task, name="脚本.png", data=b"<script>alert(1)</script>")
    assert Evidence.objects.count() == 1


def test_publishing_tells_the_business_and_masks_personal_data(task, inspector, bazhou_regulator, make_user):
    from jiliang.accounts.models import Role

    owner = make_user(Role.OWNER, organization=task.organization)
    services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED, inspected_on=YESTERDAY,
                         summary="现场负责人电话13812345678，未发现问题")
    with pytest.raises(Conflict):  # a task not yet inspected has nothing to publish
        services.publish_task(bazhou_regulator, task.plan.tasks.exclude(pk=task.pk).first())
    services.publish_task(bazhou_regulator, task)
    task.refresh_from_db()
    assert task.status == TaskStatus.PUBLISHED and task in selectors.public_results()
    assert "13812345678" not in selectors.masked_summary(task)
    assert Notification.objects.filter(recipient=owner).exists()
    assert list(selectors.tasks_for(owner)) == [task]


def test_an_alert_becomes_a_task_for_its_site(businesses, make_alert, bazhou_regulator, inspectors):
    site = businesses[0]
    alert = make_alert(site)
    task = services.create_task_from_alert(bazhou_regulator, alert, inspectors=inspectors[:2], note="FD-01复核")
    assert task.source == TaskSource.ALERT and task.site == site and task.organization == site.organization
    assert task.checklist and task.inspectors.count() == 2
    with pytest.raises(Conflict):
        services.create_task_from_alert(bazhou_regulator, alert, inspectors=inspectors[2:])
    with pytest.raises(InvalidInput) as refused:
        services.create_task_from_alert(bazhou_regulator, make_alert(site), inspectors=inspectors[:1])
    assert set(refused.value.fields) == {"inspectors"}


def test_another_county_cannot_turn_an_alert_into_a_task(businesses, make_alert, tongjiang_regulator, inspectors):
    with pytest.raises(AccessDenied):
        services.create_task_from_alert(tongjiang_regulator, make_alert(businesses[0]), inspectors=inspectors[:2])


def test_the_city_edits_a_checklist_and_new_tasks_use_it(city_regulator, bazhou_regulator):
    items = [{"code": "a", "text": "计价秤检定有效", "required": True}]
    services.edit_checklist(city_regulator, site_kind="market", items=items)
    assert selectors.checklist_for("market") == items
    with pytest.raises(AccessDenied):
        services.edit_checklist(bazhou_regulator, site_kind="market", items=items)
    with pytest.raises(InvalidInput):
        services.edit_checklist(city_regulator, site_kind="market", items=[{"code": "a", "text": ""}])


def test_the_daily_job_publishes_results_on_their_last_day(task, inspector):
    services.submit_task(inspector, task, answers=_all_yes(task), result=TaskResult.PASSED, inspected_on=YESTERDAY)
    task.refresh_from_db()
    assert services.publish_due_results(task.publish_by - dt.timedelta(days=1)) == 0
    assert services.publish_due_results(task.publish_by) == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.PUBLISHED
    assert AuditEvent.objects.filter(action="inspection_task.publish", object_id=str(task.pk), actor=None).exists()
