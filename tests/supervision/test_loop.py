"""The closed loop of issue 17 in one test: a monitoring alert becomes an inspection task, the
inspector's finding names an overdue instrument and refers the case, the result becomes a credit
event that lowers the business's grade, and the next campaign's draw weighs it more."""

import datetime as dt

import pytest

from jiliang.credit.models import CreditEvent
from jiliang.credit.selectors import grades_for
from jiliang.registry.models import Instrument, InstrumentType
from jiliang.supervision import services
from jiliang.supervision.models import TaskResult

pytestmark = pytest.mark.django_db
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _weight_of(record, organization) -> int:
    return dict(record.inputs["candidates"])[str(organization.pk)]


def test_alert_task_finding_credit_next_draw(make_plan, bazhou_regulator, businesses, make_alert, inspectors):
    site = businesses[0]
    business = site.organization
    before = services.commit_draw(bazhou_regulator, make_plan(name="上一轮", alert_weight=0))
    assert grades_for([business.pk])[business.pk] == "B"

    alert = make_alert(site)
    task = services.create_task_from_alert(bazhou_regulator, alert, inspectors=inspectors[2:])
    instrument = Instrument(type=InstrumentType.objects.get(code="MI06"), serial_no="JY-2019-07", manufacturer="正星",
                            owner=business, site=site)
    instrument.fill_derived().save()
    answers = {item["code"]: "no" if item["code"] == "in_date" else "yes" for item in task.checklist}
    services.submit_task(inspectors[2], task, answers=answers, result=TaskResult.REFER, inspected_on=YESTERDAY,
                         findings=[{"kind": "overdue", "instrument": instrument.pk, "note": "超期两年"}],
                         summary="加油机超期未检，移送立案")

    event = CreditEvent.objects.get(organization=business, source_type="inspection", source_id=str(task.pk))
    assert event.kind == "inspection_referred"
    assert grades_for([business.pk])[business.pk] == "C"

    after = services.commit_draw(bazhou_regulator, make_plan(name="下一轮", alert_weight=0))
    assert _weight_of(after, business) > _weight_of(before, business)
    assert _weight_of(after, business) == 30 * 100 and _weight_of(before, business) == 20 * 100
    # those who inspected it this time are not drawn for it next time
    assert set(after.inputs["conflicts"][str(business.pk)]) == {str(i.pk) for i in inspectors[2:]}
