"""The supervision part of `jiliang demo`: a finished campaign with published results whose draw
verifies, an open campaign with tasks for the `bazhou` login; loading twice changes nothing."""

import io

import pytest

from jiliang.accounts.models import Role
from jiliang.registry.models import SiteKind
from jiliang.supervision import demo, selectors
from jiliang.supervision.models import InspectionPlan, PlanStatus, TaskStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_finished_and_an_open_campaign(make_user, make_business, businesses):
    bazhou = make_user(Role.COUNTY_REGULATOR, division="511902", username="bazhou")
    for _ in range(2):
        make_business(kind=SiteKind.MARKET)
    demo.load(io.StringIO())
    finished = InspectionPlan.objects.get(name=demo.FINISHED)
    assert finished.status == PlanStatus.CLOSED
    assert finished.tasks.filter(status=TaskStatus.PUBLISHED).count() == len(demo.OUTCOMES)
    assert {t.result for t in finished.tasks.all()} == {"pass", "rectify", "refer"}
    assert selectors.verify_draw(finished.draw).match
    current = InspectionPlan.objects.get(name=demo.OPEN)
    assert current.status == PlanStatus.DRAWN and current.tasks.filter(status=TaskStatus.OPEN).count() == 4
    assert selectors.my_tasks(bazhou).exists()
    demo.load(io.StringIO())
    assert InspectionPlan.objects.count() == 2
