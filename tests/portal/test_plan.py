"""The plan tracker: the plan's data file (22 items with departments and sources), the indicators computed
live from the platform's rows, department reports (validated, audited, city regulator only) and the board."""

import io

import pytest
from pypdf import PdfReader

from jiliang.accounts.models import AuditEvent, Role
from jiliang.accounts.access import AccessDenied
from jiliang.dashboard import refresh
from jiliang.errors import InvalidInput
from jiliang.portal import services, tracker
from jiliang.portal.models import TaskReport, TaskStatus
from jiliang.portal.plan import plan
from tests.english_scan import offences


def test_the_data_file_holds_the_18_tasks_and_4_safeguards():
    tasks = plan().tasks
    assert [t.key for t in tasks] == [f"T{n}" for n in range(1, 19)] + [f"S{n}" for n in range(1, 5)]
    for task in tasks:
        assert task.lead and task.supporting and task.title and task.source.startswith("巴府发〔2023〕7号")
        assert set(task.indicators) <= set(tracker.INDICATORS)
    assert plan().task("T15").targets == ("实现全市强检计量器具溯源数字化管理",)
    assert plan().task("T5").lead == ("市农业农村局",)


def indicator(user, task_key: str, key: str) -> str:
    row = next(row for row in tracker.tracker(user).rows if row.task.key == task_key)
    return next(i.value for i in row.indicators if i.key == key)


def test_indicators_follow_the_rows(world, city_regulator):
    assert indicator(city_regulator, "T9", "public_standards") == "0 项"
    type(world.standard).objects.filter(pk=world.standard.pk).update(is_public=True)
    assert indicator(city_regulator, "T9", "public_standards") == "1 项"
    assert indicator(city_regulator, "T15", "on_time_rate") == "—"  # nothing counted yet
    world.record()  # the world's one instrument, now verified on time
    refresh.rebuild()
    assert indicator(city_regulator, "T15", "mandatory_instruments") == "1 台"
    assert indicator(city_regulator, "T15", "on_time_rate") == "100.0%"
    assert indicator(city_regulator, "T16", "overdue_instruments") == "0 台"


def test_indicators_are_scoped(world, tongjiang_regulator, bazhou_regulator):
    world.record()
    refresh.rebuild()
    assert indicator(bazhou_regulator, "T15", "mandatory_instruments") == "1 台"  # the world's dispenser is in 巴州区
    assert indicator(tongjiang_regulator, "T15", "mandatory_instruments") == "0 台"


def test_a_report_is_validated_audited_and_sets_the_status(city_regulator, bazhou_regulator):
    with pytest.raises(InvalidInput) as refused:
        services.report_progress(city_regulator, task="T99", status="soon", department="", progress="x",
                                 evidence="")
    assert set(refused.value.fields) == {"task", "status", "department", "evidence"}
    assert not TaskReport.objects.exists()
    with pytest.raises(AccessDenied):
        services.report_progress(bazhou_regulator, task="T15", status=TaskStatus.ON_TRACK, department="市市场监管局",
                                 progress="平台已上线", evidence="巴市监发〔2026〕1号")
    report = services.report_progress(city_regulator, task="T15", status=TaskStatus.ON_TRACK,
                                      department="市市场监管局", progress="平台已上线", evidence="巴市监发〔2026〕1号")
    assert AuditEvent.objects.filter(action="portal.task_report", object_id=str(report.pk)).exists()
    row = next(row for row in tracker.tracker(bazhou_regulator).rows if row.task.key == "T15")
    assert row.status == ("on_track", "按计划推进")
    assert tracker.tracker(bazhou_regulator).count("unreported") == 21


def test_the_pages(browser_client, city_regulator, make_user, make_organization):
    client = browser_client(city_regulator)
    board = client.get("/plan/")
    assert board.status_code == 200 and offences(board.content.decode())[0] == []
    bad = client.post("/plan/T15/", {"status": "on_track", "department": "", "progress": "", "evidence": ""})
    assert bad.status_code == 200 and not TaskReport.objects.exists()
    done = client.post("/plan/T15/", {"status": "completed", "department": "市市场监管局", "progress": "已完成",
                                      "evidence": "验收报告"})
    assert done.status_code == 302
    page = client.get("/plan/T15/").content.decode()
    assert "验收报告" in page and offences(page)[0] == []
    assert client.get("/plan/T99/").status_code == 404
    owner = make_user(Role.OWNER, organization=make_organization())
    assert browser_client(owner).get("/plan/").status_code == 403
    auditor = make_user(Role.AUDITOR, division="511900")
    assert 'data-testid="report-form"' not in browser_client(auditor).get("/plan/T15/").content.decode()


@pytest.mark.parametrize("stage, title", [("midterm", "中期评估报告"), ("final", "总结评估报告")])
def test_the_evaluation_report_is_a_chinese_pdf(browser_client, city_regulator, stage, title):
    services.report_progress(city_regulator, task="T15", status=TaskStatus.COMPLETED, department="市市场监管局",
                             progress="平台已上线运行", evidence="验收报告")
    response = browser_client(city_regulator).get(f"/plan/report/{stage}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    assert title in compact and "创新智慧计量监管模式" in compact and "平台已上线运行" in compact
    assert "已完成1项" in compact
