"""An inspection result "refer to a case" (移送立案) opens the enforcement case in the same
transaction; the case page and the task page link to each other."""

import datetime as dt

import pytest

from jiliang.enforcement.models import Case, CaseSource, CaseStage
from jiliang.errors import InvalidInput
from jiliang.registry.models import Instrument, InstrumentType
from jiliang.supervision import services
from jiliang.supervision.models import TaskResult, TaskStatus
from jiliang.workdays import add_working_days

pytestmark = pytest.mark.django_db
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


@pytest.fixture
def task(drawn_plan):
    return drawn_plan.tasks.order_by("pk").first()


@pytest.fixture
def inspector(task):
    return task.inspectors.order_by("pk").first()


def _refer(inspector, task, inspected_on, findings):
    return services.submit_task(inspector, task, answers={item["code"]: "yes" for item in task.checklist},
                                result=TaskResult.REFER, inspected_on=inspected_on, findings=findings,
                                summary="铅封破坏")


def test_a_referral_opens_a_case_against_the_business_for_the_instrument_found(task, inspector):
    instrument = Instrument(type=InstrumentType.objects.first(), serial_no="JY-REF", manufacturer="测试厂",
                            owner=task.organization, site=task.site)
    instrument.fill_derived().save()
    _refer(inspector, task, YESTERDAY, [{"kind": "seal_broken", "instrument": instrument.pk}])
    case = Case.objects.get(source_type=CaseSource.INSPECTION, source_id=str(task.pk))
    assert (case.organization, case.site, case.instrument) == (task.organization, task.site, instrument)
    assert (case.discovered_on, case.stage, case.officer) == (YESTERDAY, CaseStage.FILED, inspector)
    assert case.division == task.division


def test_a_refused_case_leaves_the_result_unsubmitted(task, inspector):
    # Discovered long before the 15-working-day filing deadline, and no reason given: the case is refused.
    long_ago = dt.date.today() - dt.timedelta(days=90)
    assert add_working_days(long_ago, 15) < dt.date.today()
    with pytest.raises(InvalidInput) as refused:
        _refer(inspector, task, long_ago, [{"kind": "unregistered", "serial_no": "X-1"}])
    assert "late_reason" in refused.value.fields
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not Case.objects.exists() and not task.findings.exists()


def test_other_results_open_no_case(task, inspector):
    services.submit_task(inspector, task, answers={item["code"]: "yes" for item in task.checklist},
                         result=TaskResult.PASSED, inspected_on=YESTERDAY)
    assert not Case.objects.exists()


def test_the_case_page_and_the_task_page_link_to_each_other(browser_client, task, inspector):
    _refer(inspector, task, YESTERDAY, [{"kind": "unregistered", "serial_no": "X-1"}])
    case = Case.objects.get(source_type=CaseSource.INSPECTION, source_id=str(task.pk))
    client = browser_client(inspector)
    assert f'href="/enforcement/cases/{case.pk}/"' in client.get(f"/supervision/tasks/{task.pk}/").content.decode()
    assert f'href="/supervision/tasks/{task.pk}/"' in client.get(f"/enforcement/cases/{case.pk}/").content.decode()


def test_a_late_referral_with_its_reason_opens_the_case_and_keeps_the_reason(task, inspector):
    long_ago = dt.date.today() - dt.timedelta(days=90)
    services.submit_task(inspector, task, answers={item["code"]: "no" for item in task.checklist},
                         result=TaskResult.REFER, inspected_on=long_ago, summary="铅封破坏",
                         findings=[{"kind": "unregistered", "serial_no": "X-2"}], late_reason="补查发现")
    case = Case.objects.get(source_type=CaseSource.INSPECTION, source_id=str(task.pk))
    assert case.stages.get().late_reason == "补查发现"
