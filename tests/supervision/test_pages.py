"""The supervision pages: the board and a plan's two steps, the inspector's form with its errors,
evidence upload, publishing, an alert turned into a task, and the public draw and result pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiliang.ledger import services as ledger
from jiliang.supervision.models import InspectionPlan, InspectionTask, TaskStatus

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def test_a_regulator_creates_commits_and_draws_a_plan_on_the_board(browser_client, bazhou_regulator, inspectors,
                                                                    businesses):
    client = browser_client(bazhou_regulator)
    assert "新建抽查计划" in client.get("/supervision/plans/").content.decode()
    form = {"name": "市场电子秤抽查", "division": bazhou_regulator.division_id, "site_kinds": ["market"],
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "draw_count": "2", "inspectors": [i.pk for i in inspectors], "grade_A": "10", "grade_B": "20",
            "grade_C": "30", "grade_D": "30", "alert_weight": "50", "alert_cap": "4"}
    refused = client.post("/supervision/plans/new/", form)
    assert refused.status_code == 200 and "合计100%" in refused.content.decode()
    created = client.post("/supervision/plans/new/", {**form, "grade_D": "40"})
    plan = InspectionPlan.objects.get(name="市场电子秤抽查")
    assert created.url == f"/supervision/plans/{plan.pk}/"
    client.post(f"/supervision/plans/{plan.pk}/commit/")
    early = client.post(f"/supervision/plans/{plan.pk}/draw/", follow=True).content.decode()
    assert "尚未被透明日志的签名检查点封存" in early
    ledger.publish_now()
    page = client.post(f"/supervision/plans/{plan.pk}/draw/", follow=True).content.decode()
    assert "抽取完成" in page and plan.tasks.count() == 2


def test_the_inspector_fills_the_form_on_the_task_page(browser_client, drawn_plan):
    task = drawn_plan.tasks.order_by("pk").first()
    inspector = task.inspectors.order_by("pk").first()
    client = browser_client(inspector)
    assert task.site.name in client.get("/supervision/my-tasks/").content.decode()
    page = client.get(f"/supervision/tasks/{task.pk}/").content.decode()
    assert "提交检查记录" in page
    missing = client.post(f"/supervision/tasks/{task.pk}/", {"inspected_on": TODAY.isoformat(), "result": "pass"})
    assert "必填项" in missing.content.decode() or "这个字段是必填项" in missing.content.decode()
    uploaded = client.post(f"/supervision/tasks/{task.pk}/evidence/",
                           {"file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n0000", "image/png")}, follow=True)
    assert "证据已上传" in uploaded.content.decode()
    answers = {f"answers.{item['code']}": "yes" for item in task.checklist}
    done = client.post(f"/supervision/tasks/{task.pk}/", {"inspected_on": TODAY.isoformat(), "result": "pass",
                                                          **answers})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED and task.evidence.count() == 1


def test_publishing_shows_the_result_on_the_public_pages(browser_client, client, drawn_plan, bazhou_regulator):
    from jiliang.supervision import services

    task = drawn_plan.tasks.order_by("pk").first()
    answers = {item["code"]: "yes" for item in task.checklist}
    services.submit_task(task.inspectors.first(), task, answers=answers, result="pass", inspected_on=TODAY)
    browser_client(bazhou_regulator).post(f"/supervision/tasks/{task.pk}/publish/")
    assert InspectionTask.objects.get(pk=task.pk).status == TaskStatus.PUBLISHED
    results = client.get("/supervision/public/results/").content.decode()
    assert task.site.name in results
    assert "未发现问题" in client.get(f"/supervision/public/results/{task.pk}/").content.decode()
    draw = client.get(f"/supervision/public/draws/{drawn_plan.pk}/").content.decode()
    assert "验证一致" in draw and "检查员" not in draw  # inspectors' names are masked


def test_an_alert_becomes_a_task_from_its_page(browser_client, bazhou_regulator, make_alert, businesses,
                                               inspectors):
    alert = make_alert(businesses[0])
    client = browser_client(bazhou_regulator)
    response = client.post(f"/supervision/alerts/{alert.pk}/task/",
                           {"inspectors": [inspectors[0].pk, inspectors[1].pk], "note": "现场核查"})
    task = InspectionTask.objects.get(alert=alert)
    assert response.url == f"/supervision/tasks/{task.pk}/"


def test_another_county_cannot_open_the_plan_or_its_tasks(browser_client, drawn_plan, tongjiang_regulator):
    client = browser_client(tongjiang_regulator)
    assert client.get(f"/supervision/plans/{drawn_plan.pk}/").status_code == 404
    assert client.get(f"/supervision/tasks/{drawn_plan.tasks.first().pk}/").status_code == 404


def test_home_cards_and_the_alert_page_lead_to_the_work(browser_client, drawn_plan, make_alert, businesses):
    task = drawn_plan.tasks.order_by("pk").first()
    inspector = task.inspectors.order_by("pk").first()
    client = browser_client(inspector)
    home = client.get("/").content.decode()
    assert "待检查任务" in home and "待公开检查结果" in home
    submitted = client.get("/supervision/tasks/?status=submitted").content.decode()
    assert task.organization.name not in submitted
    alert = make_alert(businesses[0])
    assert f"/supervision/alerts/{alert.pk}/task/" in client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()


def test_the_audit_log_reads_the_draw_in_chinese(browser_client, drawn_plan, city_regulator):
    page = browser_client(city_regulator).get("/accounts/audit/").content.decode()
    assert "双随机抽取（inspection_plan.draw）" in page and "抽取任务数：3" in page
    assert "公示抽取名单（inspection_plan.commit）" in page


def test_the_city_edits_a_checklist_on_its_page(browser_client, city_regulator, bazhou_regulator):
    client = browser_client(city_regulator)
    assert "集贸市场" in client.get("/supervision/checklists/").content.decode()
    page = client.get("/supervision/checklists/market/").content.decode()
    assert "抽测电子计价秤示值准确" in page
    assert 'value="registered"' in page and 'type="hidden" name="items.0.code"' in page  # codes stay hidden
    saved = client.post("/supervision/checklists/market/", {
        "items.0.code": "scale", "items.0.text": "计价秤检定有效", "items.0.required": "on",
        "items.1.code": "", "items.1.text": "公平秤设置规范"})
    assert saved.status_code == 302
    from jiliang.supervision import selectors

    assert selectors.checklist_for("market") == [{"code": "scale", "text": "计价秤检定有效", "required": True},
                                                 {"code": "item1", "text": "公平秤设置规范", "required": False}]
    refused = browser_client(bazhou_regulator).post("/supervision/checklists/market/",
                                                    {"items.0.code": "x", "items.0.text": "改"})
    assert refused.status_code == 403


def test_evidence_downloads_from_the_task_page_for_those_who_may_see_the_task(browser_client, drawn_plan,
                                                                             tongjiang_regulator, bazhou_regulator):
    from jiliang.accounts.models import AuditEvent
    from jiliang.supervision import services

    task = drawn_plan.tasks.order_by("pk").first()
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    evidence = services.add_evidence(task.inspectors.order_by("pk").first(), task, name="加油机铅封.png", data=photo)
    client = browser_client(bazhou_regulator)
    page = client.get(f"/supervision/tasks/{task.pk}/").content.decode()
    url = f"/supervision/tasks/{task.pk}/evidence/{evidence.pk}/"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response.content == photo and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="inspection_evidence.download", actor=bazhou_regulator,
                                     object_id=str(evidence.pk)).count() == 1
    other = browser_client(tongjiang_regulator)
    assert other.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="inspection_evidence.download").count() == 1
    other_task = drawn_plan.tasks.exclude(pk=task.pk).first()
    assert client.get(f"/supervision/tasks/{other_task.pk}/evidence/{evidence.pk}/").status_code == 404


def test_a_regulator_declares_a_conflict_on_its_page_scoped_and_audited(browser_client, bazhou_regulator,
                                                                        tongjiang_regulator, inspectors,
                                                                        businesses):
    from jiliang.accounts.models import AuditEvent
    from jiliang.supervision.models import ConflictDeclaration

    client = browser_client(bazhou_regulator)
    page = client.get("/supervision/conflicts/").content.decode()
    assert "登记回避关系" in page and "/supervision/conflicts/" in client.get("/").content.decode()
    inspector, business = inspectors[0], businesses[0].organization
    refused = client.post("/supervision/conflicts/", {"inspector": inspector.pk, "organization": business.pk,
                                                      "reason": ""})
    assert refused.status_code == 200 and not ConflictDeclaration.objects.exists()
    done = client.post("/supervision/conflicts/", {"inspector": inspector.pk, "organization": business.pk,
                                                   "reason": "配偶任该单位站长"}, follow=True).content.decode()
    assert "回避关系已登记" in done and "配偶任该单位站长" in done and business.name in done
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.inspector, declaration.organization) == (inspector, business)
    assert AuditEvent.objects.filter(action="conflict.declare", actor=bazhou_regulator).count() == 1
    twice = client.post("/supervision/conflicts/", {"inspector": inspector.pk, "organization": business.pk,
                                                    "reason": "再次申报"})
    assert twice.status_code == 200 and ConflictDeclaration.objects.count() == 1
    other = browser_client(tongjiang_regulator).get("/supervision/conflicts/").content.decode()
    assert "配偶任该单位站长" not in other  # another county's inspectors are not listed
