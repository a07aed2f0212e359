"""Recording credit events, the grades they move, objections and the weights, on the real database."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.credit import selectors, services
from jiliang.credit.models import CreditEvent, CreditGrade, EventState, Objection, ObjectionState
from jiliang.errors import Conflict, InvalidInput
from jiliang.jobs import services as jobs
from jiliang.jobs.models import BackgroundTask, TaskKind, TaskState
from jiliang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def record(actor, organization, kind="inspection_referred", days_ago=0, source_id="1", **fields):
    with transaction.atomic():
        return services.record_credit_event(
            actor, organization=organization, kind=kind, source_type=fields.pop("source_type", "inspection"),
            occurred_on=timezone.localdate() - dt.timedelta(days=days_ago), source_id=source_id,
            summary=fields.pop("summary", "抽查发现加油机计量作弊"), **fields)


@pytest.fixture
def shop(make_organization):
    return make_organization("511902", name="巴州区示例加油站")


@pytest.fixture
def owner(make_user, shop):
    return make_user(Role.OWNER, organization=shop)


def test_grades_for_gives_the_default_to_organizations_without_events(shop, make_organization):
    other = make_organization("511921")
    assert selectors.grades_for([shop.pk, other.pk]) == {shop.pk: "B", other.pk: "B"}


def test_recording_an_event_recomputes_the_grade_audits_and_tells_the_owner(bazhou_regulator, shop, owner):
    event = record(bazhou_regulator, shop)
    assert event.state == EventState.IN_FORCE and event.recorded_by == bazhou_regulator
    assert selectors.grades_for([shop.pk]) == {shop.pk: "C"}
    assert CreditGrade.objects.get(organization=shop).score == 65
    assert AuditEvent.objects.filter(action="credit.event", object_id=str(event.pk)).exists()
    assert Notification.objects.filter(recipient=owner, topic="credit.event").count() == 1


def test_the_same_source_is_recorded_once(bazhou_regulator, shop):
    first = record(bazhou_regulator, shop)
    assert record(bazhou_regulator, shop) == first
    assert CreditEvent.objects.count() == 1


def test_the_platform_records_events_without_a_person(shop):
    record(None, shop, kind="instrument_overdue", source_type="instrument")
    assert selectors.grades_for([shop.pk])[shop.pk] == "B"
    assert CreditGrade.objects.get(organization=shop).score == 77


@pytest.mark.parametrize("field, value", [
    ("kind", "bribery"), ("occurred_on", "2026-01-01"), ("source_type", ""), ("source_id", ""), ("summary", ""),
])
def test_bad_events_are_refused_naming_the_field(bazhou_regulator, shop, field, value):
    arguments = {"organization": shop, "kind": "inspection_passed", "occurred_on": timezone.localdate(),
                 "source_type": "inspection", "source_id": "9", "summary": "合格", field: value}
    with pytest.raises(InvalidInput) as raised, transaction.atomic():
        services.record_credit_event(bazhou_regulator, **arguments)
    assert list(raised.value.fields) == [field]
    assert not CreditEvent.objects.exists()


def test_an_event_in_the_future_is_refused(bazhou_regulator, shop):
    with pytest.raises(InvalidInput) as raised:
        record(bazhou_regulator, shop, days_ago=-1)
    assert "occurred_on" in raised.value.fields


def test_a_regulator_of_another_county_may_not_record(tongjiang_regulator, shop):
    with pytest.raises(AccessDenied):
        record(tongjiang_regulator, shop)
    assert not CreditEvent.objects.exists()


def test_an_owner_records_only_its_own_pledge(owner, shop, make_organization):
    record(owner, shop, kind="commitment_signed", source_type="commitment")
    with pytest.raises(AccessDenied):
        record(owner, shop, kind="model_unit", source_type="commitment", source_id="2")
    with pytest.raises(AccessDenied):
        record(owner, make_organization("511902"), kind="commitment_signed", source_type="commitment")
    assert CreditEvent.objects.count() == 1


def test_events_fade_in_the_nightly_recompute(bazhou_regulator, shop):
    record(bazhou_regulator, shop, kind="case_penalty", source_type="case")
    assert selectors.grades_for([shop.pk])[shop.pk] == "D"
    assert services.recompute_all(on=timezone.localdate() + dt.timedelta(days=3 * 1095)) == 1
    grade = CreditGrade.objects.get(organization=shop)
    assert grade.grade == "B" and grade.score == pytest.approx(76.88, abs=0.01)


def test_objection_accepted_voids_the_event_and_restores_the_grade(bazhou_regulator, shop, owner):
    event = record(bazhou_regulator, shop)
    objection = services.raise_objection(owner, event, reason="当天加油机正在检定，不在使用中。")
    assert Notification.objects.filter(recipient=bazhou_regulator, topic="credit.objection").count() == 1
    services.decide_objection(bazhou_regulator, objection, accept=True, decision="核实属实。")
    event.refresh_from_db()
    assert event.state == EventState.VOIDED
    assert selectors.grades_for([shop.pk])[shop.pk] == "B"
    assert not CreditGrade.objects.filter(organization=shop).exists()
    assert Notification.objects.filter(recipient=owner, topic="credit.objection").count() == 1
    assert set(AuditEvent.objects.filter(action__startswith="credit.").values_list("action", flat=True)) >= {
        "credit.objection.raise", "credit.objection.decide", "credit.event.void"}



def test_credit_notices_are_in_the_platform_language_when_english_readers_cause_them(bazhou_regulator, shop, owner):
    with translation.override("en"):
        event = record(bazhou_regulator, shop)
        objection = services.raise_objection(owner, event, reason="不认可。")
        services.decide_objection(bazhou_regulator, objection, accept=False, decision="核实不属实。")
    notices = {topic: title for topic, title in Notification.objects.values_list("topic", "title")}
    assert notices["credit.event"].startswith("新增信用记录：")
    assert Notification.objects.get(recipient=bazhou_regulator).title.startswith("信用异议待处理：")
    assert Notification.objects.get(recipient=owner, topic="credit.objection").title == "信用异议已驳回"

def test_objection_rejected_needs_a_reason_and_keeps_the_grade(bazhou_regulator, shop, owner):
    event = record(bazhou_regulator, shop)
    objection = services.raise_objection(owner, event, reason="不认可。")
    with pytest.raises(InvalidInput) as raised:
        services.decide_objection(bazhou_regulator, objection, accept=False, decision="")
    assert list(raised.value.fields) == ["decision"]
    services.decide_objection(bazhou_regulator, objection, accept=False, decision="现场照片与油量数据相符。")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.REJECTED
    assert selectors.grades_for([shop.pk])[shop.pk] == "C"
    body = Notification.objects.get(recipient=owner, topic="credit.objection").body
    assert "已驳回" in body and "现场照片" in body
    with pytest.raises(Conflict):
        services.decide_objection(bazhou_regulator, objection, accept=True, decision="")


def test_objection_refusals(bazhou_regulator, tongjiang_regulator, shop, owner, make_organization, make_user):
    event = record(bazhou_regulator, shop)
    stranger = make_user(Role.OWNER, organization=make_organization("511902"))
    with pytest.raises(AccessDenied):
        services.raise_objection(stranger, event, reason="这不是我的记录但我要异议。")
    with pytest.raises(AccessDenied):
        services.raise_objection(bazhou_regulator, event, reason="监管人员不能提异议。")
    with pytest.raises(InvalidInput) as raised:
        services.raise_objection(owner, event, reason="  ")
    assert list(raised.value.fields) == ["reason"]
    objection = services.raise_objection(owner, event, reason="理由。")
    with pytest.raises(Conflict):
        services.raise_objection(owner, event, reason="再提一次。")
    with pytest.raises(AccessDenied):
        services.decide_objection(tongjiang_regulator, objection, accept=True, decision="")
    with pytest.raises(AccessDenied):
        services.decide_objection(owner, objection, accept=True, decision="")
    assert Objection.objects.get().state == ObjectionState.PENDING


def test_weights_are_edited_by_the_city_regulator_and_every_grade_follows(city_regulator, bazhou_regulator, shop):
    record(bazhou_regulator, shop, kind="instrument_overdue", source_type="instrument")
    services.set_weight(city_regulator, kind="instrument_overdue", points="-30", half_life_days="", note="从严")
    # the recompute is a background task: grades follow once the jobs process has run it
    assert selectors.grades_for([shop.pk])[shop.pk] == "B" and selectors.recompute_pending()
    services.set_weight(city_regulator, kind="instrument_overdue", points="-30", half_life_days="", note="再改")
    task = BackgroundTask.objects.get(kind=TaskKind.CREDIT_GRADES)  # one queued task serves both changes
    assert task.started_by == city_regulator and task.state == TaskState.QUEUED
    assert jobs.run_queued() == 1
    task.refresh_from_db()
    assert task.state == TaskState.COMPLETED and task.report == {"graded": 1}
    assert selectors.grades_for([shop.pk])[shop.pk] == "D" and not selectors.recompute_pending()
    audit = AuditEvent.objects.filter(action="credit.weight.change").earliest("pk")
    assert audit.before == {"points": -3, "half_life_days": 180, "cap": 12}
    assert audit.after == {"points": -30.0, "half_life_days": None, "cap": None, "note": "从严"}


@pytest.mark.parametrize("points, half_life, cap, fields", [
    ("many", "180", "", ["points"]), ("nan", "180", "", ["points"]), ("-3", "half a year", "", ["half_life_days"]),
    ("500", "0", "", ["points", "half_life_days"]), ("-3", "1.5", "", ["half_life_days"]),
    ("-3", "180", "lots", ["cap"]), ("-3", "180", "-5", ["cap"]), ("inf", "180", "0", ["points", "cap"]),
])
def test_weights_that_are_not_numbers_are_refused(city_regulator, points, half_life, cap, fields):
    with pytest.raises(InvalidInput) as raised:
        services.set_weight(city_regulator, kind="instrument_overdue", points=points, half_life_days=half_life,
                            cap=cap)
    assert sorted(raised.value.fields) == sorted(fields)
    assert not AuditEvent.objects.filter(action="credit.weight.change").exists()


def test_only_the_city_regulator_edits_weights(bazhou_regulator):
    with pytest.raises(AccessDenied):
        services.set_weight(bazhou_regulator, kind="instrument_overdue", points="-1", half_life_days="30")


def test_grades_and_events_are_scoped(bazhou_regulator, tongjiang_regulator, shop, owner, make_organization):
    record(bazhou_regulator, shop)
    assert list(selectors.events(tongjiang_regulator)) == []
    assert selectors.organization(tongjiang_regulator, shop.pk) is None
    assert [o.pk for o in selectors.organizations(bazhou_regulator, grade="C")] == [shop.pk]
    other = make_organization("511902")
    assert other.pk in {o.pk for o in selectors.organizations(bazhou_regulator, grade="B")}
    assert [o.pk for o in selectors.organizations(owner)] == [shop.pk]


def test_grades_for_a_province_sized_list_asks_in_chunks(bazhou_regulator, shop, django_assert_num_queries):
    record(bazhou_regulator, shop)
    absent = list(range(10**8, 10**8 + 2 * selectors.GRADE_QUERY_IDS))  # no such businesses: the default
    with django_assert_num_queries(3):
        grades = selectors.grades_for([*absent, shop.pk, shop.pk])
    assert len(grades) == len(absent) + 1
    assert grades[shop.pk] == "C" and {grades[i] for i in absent} == {"B"}
