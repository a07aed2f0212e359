"""/api/v1/plan/…: a department's own system reads the plan's tasks and reports progress with evidence through
the same services as the pages; the city regulator reviews by API. Tokens need the ``plan`` scopes; a
department reads and writes its own department's reports only; bad input is a 422 naming the field with
nothing written; a stale review is a 409; every write is audited with the request's id."""

import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from jiliang.accounts import services as account_services
from jiliang.accounts.models import AuditEvent, Role
from jiliang.portal import services
from jiliang.portal.models import ReviewState, TaskReport, TaskStatus
from jiliang.portal.plan import plan
from tests.portal.conftest import SCIENCE
from tests.portal.test_plan_departments import completed_on_board

FINANCE = "市财政局"  # supports T9 and T10, leads S2; 市科技局 also supports T10 and leads S2
PLAN_SCOPES = ["plan:read", "plan:write"]
REPORT = {"task": "T1", "status": "completed", "progress": "两个科研项目已立项", "evidence": "巴科发〔2026〕3号"}


@pytest.fixture
def finance(make_user):
    return make_user(Role.DEPARTMENT, division="511900", department=FINANCE, display_name="财政局联络员")


def token_client(user, scopes=PLAN_SCOPES) -> Client:
    raw = account_services.issue_api_token(user, "部门系统", scopes=scopes)[1]
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def nothing_written():
    return not TaskReport.objects.exists() and not AuditEvent.objects.filter(object_type="portal.TaskReport").exists()


def test_a_token_needs_the_plan_scopes(science):
    registry_only = token_client(science, ["registry:read", "search:read"])
    refused = registry_only.get("/api/v1/plan/tasks")
    assert refused.status_code == 403 and "plan:read" in refused.json()["message"]
    reader = token_client(science, ["plan:read"])
    assert reader.get("/api/v1/plan/tasks").status_code == 200
    refused = post(reader, "/api/v1/plan/reports", REPORT)
    assert refused.status_code == 403 and "plan:write" in refused.json()["message"]
    assert nothing_written()
    assert token_client(science).get("/api/v1/organizations").status_code == 403  # the plan scope opens nothing else


def test_the_token_page_grants_the_plan_scope(browser_client, science):
    page = browser_client(science)
    assert 'value="plan:write"' in page.get("/accounts/tokens/").content.decode()
    answer = page.post("/accounts/tokens/", {"name": "科技局填报系统", "scopes": PLAN_SCOPES, "days": 30})
    raw = re.search(r'data-testid="new-token">([^<]+)<', answer.content.decode()).group(1)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert post(client, "/api/v1/plan/reports", REPORT).status_code == 201


def test_roles_without_the_board_are_refused(make_user, make_organization):
    owner = token_client(make_user(Role.OWNER, organization=make_organization("511902")))
    assert owner.get("/api/v1/plan/tasks").status_code == 403
    assert owner.get("/api/v1/plan/reports").status_code == 403
    assert post(owner, "/api/v1/plan/reports", {**REPORT, "department": FINANCE}).status_code == 403
    assert nothing_written()


def test_a_department_lists_its_own_tasks_without_the_platforms_figures(science, city_regulator):
    mine = token_client(science).get("/api/v1/plan/tasks").json()
    assert [t["key"] for t in mine["items"]] == [t.key for t in plan().tasks_of(SCIENCE)]
    assert all(t["indicators"] == [] and t["status"] == "unreported" for t in mine["items"])
    whole = token_client(city_regulator).get("/api/v1/plan/tasks").json()
    assert len(whole["items"]) == len(plan().tasks)
    t15 = next(t for t in whole["items"] if t["key"] == "T15")
    assert [i["key"] for i in t15["indicators"]] == ["mandatory_instruments", "on_time_rate", "devices_online_rate"]
    assert t15["lead"] == ["市市场监管局"] and t15["targets"] == list(plan().task("T15").targets)


def test_a_department_reports_only_on_its_own_tasks(science):
    client = token_client(science)
    refused = post(client, "/api/v1/plan/reports", {**REPORT, "task": "T15"})
    assert refused.status_code == 403 and "市科技局不是" in refused.json()["message"]
    assert nothing_written()
    answer = post(client, "/api/v1/plan/reports", {**REPORT, "department": FINANCE})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["department"], body["review"], body["task_title"]) == (SCIENCE, "pending", plan().task("T1").title)


def test_a_department_cannot_see_or_review_another_departments_reports(science, finance, city_regulator):
    theirs = services.report_progress(finance, task="T10", status=TaskStatus.ON_TRACK, progress="资金已下达",
                                      evidence="巴财教〔2026〕9号")
    mine = services.report_progress(science, task="T10", status=TaskStatus.BEHIND, progress="人员未到位",
                                    evidence="情况说明")
    client = token_client(science)
    assert [r["id"] for r in client.get("/api/v1/plan/reports").json()["items"]] == [mine.pk]
    assert client.get("/api/v1/plan/reports", {"department": FINANCE}).json()["items"] == []
    assert client.get(f"/api/v1/plan/reports/{theirs.pk}").status_code == 404
    assert post(client, f"/api/v1/plan/reports/{theirs.pk}/review", {"accept": True}).status_code == 404
    refused = post(client, f"/api/v1/plan/reports/{mine.pk}/review", {"accept": True})  # its own: not its role
    assert refused.status_code == 403
    city = token_client(city_regulator).get("/api/v1/plan/reports", {"task": "T10"}).json()["items"]
    assert {r["id"] for r in city} == {mine.pk, theirs.pk}
    assert TaskReport.objects.filter(review=ReviewState.PENDING).count() == 2


@pytest.mark.parametrize(("body", "field"), [
    ({**REPORT, "task": "T99"}, "task"),
    ({**REPORT, "task": "T1234567890"}, "task"),
    ({**REPORT, "status": "done"}, "status"),
    ({**REPORT, "progress": "   "}, "progress"),
    ({**REPORT, "progress": "进" * 2001}, "progress"),
    ({**REPORT, "evidence": ""}, "evidence"),
    ({**REPORT, "evidence": 3}, "evidence"),
    ({k: v for k, v in REPORT.items() if k != "evidence"}, "evidence"),
    ({**REPORT, "department": "部" * 65}, "department"),
])
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(science, body, field):
    answer = post(token_client(science), "/api/v1/plan/reports", body)
    assert answer.status_code == 422 and field in answer.json()["fields"], answer.json()
    assert nothing_written()


def test_the_city_regulator_names_the_department_it_enters_for(city_regulator):
    client = token_client(city_regulator)
    answer = post(client, "/api/v1/plan/reports", REPORT)
    assert answer.status_code == 422 and set(answer.json()["fields"]) == {"department"}
    assert nothing_written()
    entered = post(client, "/api/v1/plan/reports", {**REPORT, "department": SCIENCE}).json()
    assert (entered["department"], entered["review"]) == (SCIENCE, "accepted")  # a paper report: no review


def test_bad_review_input_and_bad_cursor(science, city_regulator):
    pending = services.report_progress(science, task="T1", status=TaskStatus.COMPLETED, progress="已立项",
                                       evidence="立项通知")
    client = token_client(city_regulator)
    for body, field in [({"accept": False}, "reason"), ({"accept": False, "reason": "  "}, "reason"),
                        ({"accept": False, "reason": "理" * 501}, "reason"), ({"accept": "yes"}, "accept"),
                        ({}, "accept")]:
        answer = post(client, f"/api/v1/plan/reports/{pending.pk}/review", body)
        assert answer.status_code == 422 and field in answer.json()["fields"], (body, answer.json())
    pending.refresh_from_db()
    assert pending.review == ReviewState.PENDING
    assert not AuditEvent.objects.filter(action__startswith="portal.task_report_").exists()
    assert client.get("/api/v1/plan/reports", {"cursor": "not-a-cursor"}).json()["fields"].keys() == {"cursor"}
    for query, field in [({"review": "maybe"}, "review"), ({"task": ""}, "task"), ({"department": ""}, "department"),
                         ({"limit": 0}, "limit")]:
        assert field in client.get("/api/v1/plan/reports", query).json()["fields"], query
    assert client.get("/api/v1/plan/reports/999999").status_code == 404


def test_review_by_api_and_a_stale_review_is_a_409(science, city_regulator, bazhou_regulator):
    first = post(token_client(science), "/api/v1/plan/reports", REPORT).json()
    second = post(token_client(science), "/api/v1/plan/reports", {**REPORT, "task": "T3", "status": "behind"}).json()
    county = post(token_client(bazhou_regulator), f"/api/v1/plan/reports/{first['id']}/review", {"accept": True})
    assert county.status_code == 403
    city = token_client(city_regulator)
    accepted = post(city, f"/api/v1/plan/reports/{first['id']}/review", {"accept": True})
    assert accepted.status_code == 200 and accepted.json()["review"] == "accepted"
    returned = post(city, f"/api/v1/plan/reports/{second['id']}/review", {"accept": False, "reason": "请补充文号"})
    assert returned.status_code == 200 and returned.json()["return_reason"] == "请补充文号"
    again = post(city, f"/api/v1/plan/reports/{first['id']}/review", {"accept": False, "reason": "再议"})
    assert again.status_code == 409 and "已采纳" in again.json()["message"]
    mine = {r["task"]: r for r in token_client(science).get("/api/v1/plan/reports").json()["items"]}
    assert (mine["T1"]["review"], mine["T3"]["review"], mine["T3"]["return_reason"]) == (
        "accepted", "returned", "请补充文号")
    tasks = {t["key"]: t for t in token_client(science).get("/api/v1/plan/tasks").json()["items"]}
    assert (tasks["T1"]["status"], tasks["T1"]["report_id"]) == ("completed", first["id"])
    assert (tasks["T3"]["status"], tasks["T3"]["latest_report_id"], tasks["T3"]["latest_review"]) == (
        "unreported", second["id"], "returned")


def test_every_write_is_audited_with_the_request_id(science, city_regulator):
    submitted = post(token_client(science), "/api/v1/plan/reports", REPORT)
    report_id = str(submitted.json()["id"])
    reviewed = post(token_client(city_regulator), f"/api/v1/plan/reports/{report_id}/review", {"accept": True})
    rows = {e.action: e for e in AuditEvent.objects.filter(object_type="portal.TaskReport", object_id=report_id)}
    assert set(rows) == {"portal.task_report", "portal.task_report_accept"}
    assert rows["portal.task_report"].request_id == submitted["X-Request-ID"]
    assert rows["portal.task_report"].actor_id == science.pk
    assert rows["portal.task_report"].after["evidence"] == REPORT["evidence"]
    assert rows["portal.task_report_accept"].request_id == reviewed["X-Request-ID"]
    assert rows["portal.task_report_accept"].actor_id == city_regulator.pk


def test_a_report_by_api_shows_on_the_tracker_and_in_the_evaluation(browser_client, science, city_regulator):
    report_id = post(token_client(science), "/api/v1/plan/reports", REPORT).json()["id"]
    department_board = browser_client(science).get("/plan/").content.decode()
    assert re.search(r'data-testid="latest-T1"><span[^>]*>待审核<', department_board)
    city = browser_client(city_regulator)
    assert f'data-testid="pending-{report_id}"' in city.get("/plan/review/").content.decode()
    assert completed_on_board(city) == 0

    def summary_in_pdf() -> str:
        pdf = PdfReader(io.BytesIO(city.get("/plan/report/midterm.pdf").content))
        return "".join("".join(page.extract_text().split()) for page in pdf.pages)

    assert "已完成0项" in summary_in_pdf()
    post(token_client(city_regulator), f"/api/v1/plan/reports/{report_id}/review", {"accept": True})
    assert completed_on_board(city) == 1
    assert "已完成1项" in summary_in_pdf() and "巴科发〔2026〕3号" in summary_in_pdf()
    assert REPORT["progress"] in city.get("/plan/T1/").content.decode()


def test_reports_page_by_keyset(science):
    client = token_client(science)
    made = [post(client, "/api/v1/plan/reports", {**REPORT, "progress": f"第{n}次"}).json()["id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/plan/reports", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
