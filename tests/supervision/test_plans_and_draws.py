"""Plans, their committed draws and the tasks a draw makes: refusals, scoping, audit, verification."""

import datetime as dt

import pytest

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger import services as ledger
from jiliang.ledger.models import PendingEntry
from jiliang.supervision import selectors, services
from jiliang.supervision.models import (
    ConflictDeclaration,
    Draw,
    InspectionPlan,
    InspectionTask,
    PlanStatus,
)

pytestmark = pytest.mark.django_db


def _fields(refused) -> set[str]:
    return set(refused.value.fields)


def test_a_plan_takes_the_grade_ratios_of_the_data_file_and_is_audited(make_plan):
    plan = make_plan()
    assert plan.grade_ratios == {"A": 10, "B": 20, "C": 30, "D": 40}
    assert AuditEvent.objects.filter(action="inspection_plan.create", object_id=str(plan.pk)).exists()


@pytest.mark.parametrize(("fields", "bad"), [
    ({"draw_count": 9}, "draw_count"),  # 8 gas stations only
    ({"draw_count": None, "draw_percent": None}, "draw_count"),
    ({"draw_percent": 10}, "draw_count"),  # both given
    ({"grade_ratios": {"A": 25, "B": 25, "C": 25, "D": 30}}, "grade_ratios"),
    ({"grade_ratios": {"A": 50, "B": 50}}, "grade_ratios"),
    ({"site_kinds": ["spaceport"]}, "site_kinds"),
    ({"name": " "}, "name"),
])
def test_impossible_plans_are_refused_naming_the_field_and_nothing_is_stored(make_plan, fields, bad):
    with pytest.raises(InvalidInput) as refused:
        make_plan(**fields)
    assert bad in _fields(refused)
    assert not InspectionPlan.objects.exists()


def test_a_pool_of_one_inspector_is_refused(make_plan, inspectors):
    with pytest.raises(InvalidInput) as refused:
        make_plan(inspectors=inspectors[:1])
    assert _fields(refused) == {"inspectors"}


def test_a_county_officer_cannot_plan_for_another_county(division, tongjiang_regulator, inspectors):
    today = dt.date.today()
    with pytest.raises(AccessDenied):
        services.create_plan(tongjiang_regulator, name="越权", division=division("511902"), starts_on=today,
                             ends_on=today, inspectors=inspectors, draw_count=1)


def test_a_percentage_draws_at_least_one_rounded_up(make_plan, bazhou_regulator):
    plan = make_plan(draw_count=None, draw_percent=30)  # 30 % of 8 gas stations
    record = services.commit_draw(bazhou_regulator, plan)
    assert record.inputs["count"] == 3
    assert len(record.inputs["candidates"]) == 8


def test_a_draw_before_its_commitment_is_sealed_is_refused(make_plan, bazhou_regulator):
    plan = make_plan()
    with pytest.raises(Conflict):
        services.perform_draw(bazhou_regulator, plan)  # not even committed
    services.commit_draw(bazhou_regulator, plan)
    with pytest.raises(Conflict) as refused:
        services.perform_draw(bazhou_regulator, plan)  # committed, but no checkpoint yet
    assert "plan" in _fields(refused)
    assert not InspectionTask.objects.exists()


def test_the_draw_makes_tasks_with_pairs_and_a_second_draw_is_refused(drawn_plan, bazhou_regulator):
    tasks = list(InspectionTask.objects.filter(plan=drawn_plan))
    assert len(tasks) == 3 and drawn_plan.status == PlanStatus.DRAWN
    assert all(task.inspectors.count() == 2 and task.checklist for task in tasks)
    assert {t.site.kind for t in tasks} == {"gas_station"}
    with pytest.raises(Conflict):
        services.perform_draw(bazhou_regulator, drawn_plan)
    with pytest.raises(Conflict):
        services.commit_draw(bazhou_regulator, drawn_plan)
    assert InspectionTask.objects.filter(plan=drawn_plan).count() == 3
    assert AuditEvent.objects.filter(action="inspection_plan.draw", object_id=str(drawn_plan.pk)).exists()


def test_the_seed_is_the_first_checkpoint_after_the_commitment(make_plan, bazhou_regulator):
    plan = make_plan()
    services.commit_draw(bazhou_regulator, plan)
    first = ledger.publish_now()
    plan_b = make_plan(name="第二个计划")
    services.commit_draw(bazhou_regulator, plan_b)
    ledger.publish_now()  # a later checkpoint must not become plan's seed
    record = services.perform_draw(bazhou_regulator, plan)
    assert record.checkpoint_size == first.size


def test_the_published_draw_verifies_and_a_tampered_one_does_not(drawn_plan):
    record = Draw.objects.get(plan=drawn_plan)
    verdict = selectors.verify_draw(record)
    assert verdict.match, verdict.checks
    record.result["drawn"] = record.result["drawn"][::-1]
    assert not selectors.verify_draw(record).match
    record.refresh_from_db()
    record.inputs["candidates"] = record.inputs["candidates"][1:]
    assert dict(selectors.verify_draw(record).checks)["inputs"] is False


def test_declared_conflicts_and_the_last_inspectors_are_never_drawn(make_plan, bazhou_regulator, inspectors,
                                                                   businesses):
    gas = [s.organization for s in businesses[:8]]
    for organization in gas:
        services.declare_conflict(bazhou_regulator, inspector=inspectors[0], organization=organization,
                                  reason="近亲属任职")
    plan = make_plan(draw_count=8)
    services.commit_draw(bazhou_regulator, plan)
    ledger.publish_now()
    services.perform_draw(bazhou_regulator, plan)
    pairs = {t.organization_id: set(t.inspectors.values_list("pk", flat=True)) for t in plan.tasks.all()}
    assert all(inspectors[0].pk not in pair for pair in pairs.values())
    assert ConflictDeclaration.objects.count() == 8
    # the next campaign does not send the same people back
    barred = selectors.conflicts(list(pairs), [i.pk for i in inspectors])
    assert all(pairs[org] <= barred[org] for org in pairs)


def test_commitment_goes_on_the_log_in_the_same_transaction(make_plan, bazhou_regulator):
    plan = make_plan()
    services.commit_draw(bazhou_regulator, plan)
    assert PendingEntry.objects.filter(kind="supervision.draw_commitment", record_id=f"plan-{plan.pk}").exists()


def test_weights_are_editable_in_a_draft_only_and_audited(make_plan, bazhou_regulator):
    plan = make_plan()
    services.change_weights(bazhou_regulator, plan, grade_ratios={"A": 5, "B": 15, "C": 30, "D": 50},
                            alert_weight=100, alert_cap=2)
    assert AuditEvent.objects.filter(action="inspection_plan.weights").exists()
    with pytest.raises(InvalidInput):
        services.change_weights(bazhou_regulator, plan, grade_ratios={"A": 5, "B": 15, "C": 30, "D": 5},
                                alert_weight=0, alert_cap=0)
    services.commit_draw(bazhou_regulator, plan)
    with pytest.raises(Conflict):
        services.change_weights(bazhou_regulator, plan, grade_ratios={"A": 25, "B": 25, "C": 25, "D": 25},
                                alert_weight=0, alert_cap=0)


def test_lists_are_scoped_to_the_county(drawn_plan, tongjiang_regulator, bazhou_regulator, city_regulator):
    assert list(selectors.plans_for(tongjiang_regulator)) == []
    assert list(selectors.tasks_for(tongjiang_regulator)) == []
    assert selectors.tasks_for(bazhou_regulator).count() == 3
    assert selectors.tasks_for(city_regulator).count() == 3
