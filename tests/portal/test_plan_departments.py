"""Department accounts on the plan tracker: a department's reporter reports with evidence only on the tasks its
department leads or supports, the report waits for the city regulator's review (accept, or return with a
reason), and the board and the evaluation reports count accepted reports only. Every step is audited."""

import io
import re

import pytest
from pypdf import PdfReader

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role, User
from jiliang.errors import Conflict, InvalidInput
from jiliang.portal import services, tracker
from jiliang.portal.models import ReviewState, TaskReport, TaskStatus
from tests.english_scan import offences
from tests.portal.conftest import SCIENCE


def report(user, task="T1", status=TaskStatus.COMPLETED):
    return services.report_progress(user, task=task, status=status, progress="两个科研项目已立项",
                                    evidence="巴科发〔2026〕3号")


def status_of(user, key):
    return next(row for row in tracker.tracker(user).rows if row.task.key == key).status[0]


def completed_on_board(client) -> int:
    page = client.get("/plan/").content.decode()
    return int(re.search(r'data-testid="count-completed">.*?</span> (\d+)', page).group(1))


def home_cards(client) -> dict[str, str]:
    """The workbench's cards, title -> value."""
    page = client.get("/").content.decode()
    return dict(re.findall(r'<span>([^<]+)</span></div>\s*<div class="figure-value">([^<]+)<', page))


def test_a_department_account_is_bound_to_its_department_and_the_city(make_user):
    with pytest.raises(InvalidInput) as refused:
        make_user(Role.DEPARTMENT)
    assert set(refused.value.fields) == {"department", "division"}
    with pytest.raises(InvalidInput) as refused:
        make_user(Role.DEPARTMENT, division="511902", department=SCIENCE)
    assert set(refused.value.fields) == {"division"}
    with pytest.raises(InvalidInput) as refused:
        make_user(Role.OWNER, organization=None, department=SCIENCE)
    assert set(refused.value.fields) == {"organization", "department"}


def test_the_city_regulator_opens_and_switches_off_department_accounts(browser_client, city_regulator, make_user):
    city = browser_client(city_regulator)
    page = city.get("/plan/departments/").content.decode()
    assert 'data-testid="account-form"' in page and offences(page)[0] == []
    unknown = city.post("/plan/departments/", {"username": "finance", "display_name": "财政局联络员",
                                               "department": "市外星局", "password": "Plan-Report-2026"})
    assert unknown.status_code == 422 and "department" in unknown.context["form"].errors
    assert city.post("/plan/departments/", {"username": "finance", "display_name": "财政局联络员",
                                            "department": "市财政局", "password": "Plan-Report-2026"}).status_code == 302
    account = User.objects.get(username="finance")
    assert (account.role, account.department, account.division.code, account.must_change_password) == (
        Role.DEPARTMENT, "市财政局", "511900", True)
    assert AuditEvent.objects.filter(action="user.create", object_id=str(account.pk), division__code="511900").exists()
    assert 'data-testid="account-finance"' in city.get("/plan/departments/").content.decode()
    assert city.post(f"/plan/departments/{account.pk}/active/").status_code == 302
    account.refresh_from_db()
    assert not account.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", object_id=str(account.pk)).exists()
    county = browser_client(make_user(Role.COUNTY_REGULATOR, division="511902"))
    assert county.get("/plan/departments/").status_code == 403
    assert county.post(f"/plan/departments/{account.pk}/active/").status_code == 403


def test_a_department_reports_only_on_its_own_tasks_and_the_report_waits(science, city_regulator):
    with pytest.raises(AccessDenied, match="市科技局不是.*的牵头或配合部门"):
        report(science, task="T15")
    assert not TaskReport.objects.exists()
    pending = services.report_progress(science, task="T1", status=TaskStatus.COMPLETED, department="市财政局",
                                       progress="已立项", evidence="立项通知")
    assert pending.department == SCIENCE and pending.review == ReviewState.PENDING  # its own, whatever it typed
    assert AuditEvent.objects.filter(action="portal.task_report", object_id=str(pending.pk)).exists()
    assert status_of(city_regulator, "T1") == "unreported"  # not on the board until accepted
    assert list(tracker.pending(city_regulator)) == [pending]


def test_the_city_regulator_accepts_or_returns_with_a_reason(science, city_regulator, bazhou_regulator):
    first, second = report(science, "T1"), report(science, "T3", TaskStatus.BEHIND)
    with pytest.raises(AccessDenied):
        services.review_report(bazhou_regulator, first, accept=True)
    with pytest.raises(AccessDenied):
        services.review_report(science, first, accept=True)
    with pytest.raises(InvalidInput) as refused:
        services.review_report(city_regulator, second, accept=False, reason="  ")
    assert set(refused.value.fields) == {"reason"}
    services.review_report(city_regulator, first, accept=True)
    services.review_report(city_regulator, second, accept=False, reason="佐证材料缺少文号")
    with pytest.raises(Conflict):
        services.review_report(city_regulator, first, accept=False, reason="再议")
    assert status_of(city_regulator, "T1") == "completed" and status_of(city_regulator, "T3") == "unreported"
    assert status_of(science, "T1") == "completed"
    second.refresh_from_db()
    assert second.review == ReviewState.RETURNED and second.return_reason == "佐证材料缺少文号"
    events = AuditEvent.objects.filter(object_type="portal.TaskReport")
    assert {e.action for e in events} == {"portal.task_report", "portal.task_report_accept",
                                          "portal.task_report_return"}
    assert {e.division.code for e in events} == {"511900"}  # in the city's audit log


def test_a_department_reads_its_own_reports_only(science, city_regulator, make_user):
    theirs = services.report_progress(city_regulator, task="T1", status=TaskStatus.ON_TRACK, department="市市场监管局",
                                      progress="已部署", evidence="会议纪要")
    assert theirs.review == ReviewState.ACCEPTED  # the city regulator's own entry needs no review
    mine = report(science)
    assert list(tracker.history(science, "T1")) == [mine]
    assert status_of(science, "T1") == "unreported"  # the other department's accepted report is not its own
    other = make_user(Role.DEPARTMENT, division="511900", department="市财政局")
    assert list(tracker.history(other, "T1")) == []


def test_the_pages(browser_client, science, city_regulator, make_user):
    department = browser_client(science)
    board = department.get("/plan/").content.decode()
    assert 'data-testid="task-T1"' in board and 'data-testid="task-T15"' not in board
    assert 'data-testid="report-midterm"' not in board and offences(board)[0] == []
    assert department.get("/plan/T15/").status_code == 403
    refused = department.post("/plan/T15/", {"status": "completed", "progress": "x", "evidence": "y"})
    assert refused.status_code == 403 and not TaskReport.objects.exists()
    assert department.get("/plan/report/final.pdf").status_code == 403
    assert department.get("/plan/review/").status_code == 403
    bad = department.post("/plan/T1/", {"status": "completed", "progress": "", "evidence": ""})
    assert bad.status_code == 200 and not TaskReport.objects.exists()
    assert department.post("/plan/T1/", {"status": "completed", "progress": "已立项",
                                         "evidence": "巴科发〔2026〕3号"}).status_code == 302
    first = TaskReport.objects.get()
    assert first.review == ReviewState.PENDING
    assert home_cards(browser_client(city_regulator))["待审核部门填报"] == "1"

    city = browser_client(city_regulator)
    assert completed_on_board(city) == 0
    queue = city.get("/plan/review/").content.decode()
    assert f'data-testid="pending-{first.pk}"' in queue and "巴科发〔2026〕3号" in queue and offences(queue)[0] == []
    no_reason = city.post("/plan/review/", {"report": first.pk, "decision": "return", "reason": ""})
    assert no_reason.status_code == 422 and "请填写退回理由" in no_reason.content.decode()
    assert city.post("/plan/review/", {"report": "x", "decision": "accept"}).status_code == 404
    assert city.post("/plan/review/", {"report": first.pk, "decision": "accept"}).status_code == 302
    again = city.post("/plan/review/", {"report": first.pk, "decision": "accept"})
    assert again.status_code == 409 and "该填报已审核（已采纳）" in again.content.decode()
    assert completed_on_board(city) == 1
    county = browser_client(make_user(Role.COUNTY_REGULATOR, division="511902"))
    assert county.get("/plan/review/").status_code == 403

    department.post("/plan/T3/", {"status": "behind", "progress": "推迟", "evidence": "情况说明"})
    second = TaskReport.objects.get(task="T3")
    assert city.post("/plan/review/", {"report": second.pk, "decision": "return",
                                       "reason": "请补充文号"}).status_code == 302
    page = department.get("/plan/T3/").content.decode()
    assert "请补充文号" in page and "已退回" in page and offences(page)[0] == []
    board = department.get("/plan/").content.decode()
    assert re.search(r'data-testid="latest-T3"><span[^>]*>已退回<', board)
    assert home_cards(department)["本部门被退回的填报"] == "1" and home_cards(city)["待审核部门填报"] == "0"


def test_the_evaluation_report_counts_accepted_reports_only(browser_client, science, city_regulator):
    pending = report(science, "T1")
    report(science, "T3")

    def completed_in_pdf() -> str:
        response = browser_client(city_regulator).get("/plan/report/midterm.pdf")
        return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)

    assert "已完成0项" in completed_in_pdf()
    services.review_report(city_regulator, pending, accept=True)
    assert "已完成1项" in completed_in_pdf()
