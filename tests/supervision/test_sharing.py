"""The sharing export's ``inspections`` section (docs/sharing.md): the results published on the day,
an individual business's name and any phone number masked, nothing unpublished."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiliang.enforcement import sharing
from jiliang.registry.codes import make_uscc
from jiliang.supervision import services
from jiliang.supervision.models import TaskResult
from jiliang.supervision.sharing import INSPECTION_FIELDS

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def _submit(task, summary: str):
    inspector = task.inspectors.order_by("pk").first()
    services.submit_task(inspector, task, answers={item["code"]: "yes" for item in task.checklist},
                         result=TaskResult.RECTIFY, inspected_on=dt.date.today() - dt.timedelta(days=1),
                         rectify_by=dt.date.today() + dt.timedelta(days=15), summary=summary,
                         findings=[{"kind": "unregistered", "serial_no": "X-7"}])


def test_published_results_are_shared_masked_and_unpublished_ones_are_not(drawn_plan, bazhou_regulator, tmp_path,
                                                                          settings):
    settings.JILIANG_SHARING_DIR = tmp_path
    published, unpublished = drawn_plan.tasks.order_by("pk")[:2]
    individual = published.organization
    individual.uscc, individual.name = make_uscc("92", "511902", "T9000001"), "张三加油站"
    individual.save()
    _submit(published, f"负责人电话{PHONE}，未备案电子秤一台。")
    _submit(unpublished, "未备案电子秤一台。")
    services.publish_task(bazhou_regulator, published)

    counts = sharing.export(timezone.localdate())

    assert counts["inspections"] == 1
    document = json.loads((tmp_path / f"jiliang-{timezone.localdate():%Y%m%d}.json").read_text())
    row = document["inspections"][0]
    assert set(row) == set(INSPECTION_FIELDS)
    assert row["result_id"] == f"task-{published.pk}" and row["uscc"] == individual.uscc
    assert row["party"] == "张****" and row["result"] == "rectify" and row["findings"] == "unregistered:X-7"
    assert row["published_on"] == timezone.localdate().isoformat()
    every_file = "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.iterdir())
    assert PHONE not in every_file and "张三加油站" not in every_file
    assert f"task-{unpublished.pk}" not in every_file
