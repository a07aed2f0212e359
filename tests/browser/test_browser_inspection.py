"""Issue 17's browser acceptance: the inspector's phone form at 390×844. A drawn inspector opens the
task from "我的检查任务", submits without the required items and sees each named, uploads a photo
(its SHA-256 is listed), fills the checklist and submits while offline: the record is kept and sent
when the connection returns. The page never scrolls sideways."""

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from jiliang.accounts.models import Division, Role
from jiliang.enforcement.models import Case
from jiliang.ledger import services as ledger
from jiliang.registry.models import Site, SiteKind
from jiliang.supervision import services
from jiliang.supervision.models import TaskStatus
from tests.browser.conftest import PAGE_FITS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
def task(make_organization, make_user):
    for n in range(3):
        organization = make_organization("511902", name=f"巴州加油站{n}有限公司")
        Site.objects.create(organization=organization, name=f"江北加油站{n}", kind=SiteKind.GAS_STATION,
                            division=organization.division)
    people = [make_user(Role.COUNTY_REGULATOR, division="511902", display_name=f"检查员{n}") for n in range(2)]
    today = dt.date.today()
    plan = services.create_plan(people[0], name="加油站抽查", division=Division.objects.get(code="511902"),
                                starts_on=today, ends_on=today + dt.timedelta(days=30), inspectors=people,
                                site_kinds=[SiteKind.GAS_STATION], draw_count=1)
    services.commit_draw(people[0], plan)
    ledger.publish_now()
    services.perform_draw(people[0], plan)
    return plan.tasks.get()


def test_the_inspector_fills_the_checklist_on_a_phone(task, signed_in_page, screenshot_dir, tmp_path):
    shots = itertools.count(1)

    def step(page, name):
        page.wait_for_load_state()
        page.screenshot(path=screenshot_dir / f"inspection-phone-{next(shots):02d}-{name}.png", full_page=True)
        assert page.evaluate(PAGE_FITS), f"{name}: {page.url} scrolls sideways"

    page = signed_in_page(task.inspectors.first(), viewport=PHONE)
    page.goto("/supervision/my-tasks/")
    step(page, "my-tasks")
    page.get_by_role("link", name=task.organization.name).click()
    expect(page.get_by_test_id("inspection-form")).to_be_visible()
    step(page, "form")

    page.get_by_test_id("submit").click()
    summary = page.locator(".error-summary, [role=alert]").first
    expect(summary).to_be_visible()
    required = [item for item in task.checklist if item["required"]]
    for item in required:
        expect(page.locator(f"#field-id_answers\\.{item['code']}")).to_have_class(
            "field has-error")
    step(page, "required-items-named")

    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    page.get_by_label("现场照片或文件").set_input_files(str(photo))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("SHA-256")
    step(page, "evidence")

    for item in task.checklist:
        page.locator(f'input[name="answers.{item["code"]}"][value="yes"]').check()
    page.get_by_label("检查日期").fill(dt.date.today().isoformat())
    page.get_by_label("未发现问题").check()
    step(page, "filled")
    page.context.set_offline(True)  # no signal on site: the record waits in the phone
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("当前离线：检查记录已保存在本机")).to_be_visible()
    step(page, "kept-offline")
    page.context.set_offline(False)  # back online: it is sent by itself
    expect(page.get_by_role("heading", level=1)).to_contain_text("已检查")
    step(page, "submitted")
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED and task.evidence.count() == 1


def test_the_public_draw_page_verifies_on_a_phone(task, page, screenshot_dir):
    page.set_viewport_size(PHONE)
    page.goto(f"/supervision/public/draws/{task.plan_id}/")
    expect(page.get_by_test_id("verdict")).to_contain_text("验证一致")
    expect(page.get_by_test_id("drawn")).to_contain_text(task.organization.name)
    page.screenshot(path=screenshot_dir / "public-draw-phone.png", full_page=True)
    assert page.evaluate(PAGE_FITS), "the public draw page scrolls sideways"


def test_a_late_referral_asks_for_the_reason_only_when_it_matters(task, signed_in_page, screenshot_dir):
    page = signed_in_page(task.inspectors.first(), viewport=PHONE)
    page.goto(f"/supervision/tasks/{task.pk}/")
    reason = page.get_by_label("逾期立案理由")
    expect(reason).to_be_hidden()
    for item in task.checklist:
        page.locator(f'input[name="answers.{item["code"]}"][value="no"]').check()
    long_ago = dt.date.today() - dt.timedelta(days=90)  # past the 15 working days to file a case
    page.get_by_label("检查日期").fill(long_ago.isoformat())
    page.get_by_label("问题1 类型").select_option("unregistered")
    page.get_by_label("问题1 出厂编号").fill("JY-LATE-1")
    page.get_by_label("未发现问题").check()
    expect(reason).to_be_hidden()
    page.get_by_label("移送立案").check()
    expect(reason).to_be_visible()
    page.get_by_test_id("submit").click()
    expect(page.locator("#field-id_late_reason")).to_have_class("field has-error")
    expect(page.locator("#field-id_late_reason")).to_contain_text("请填写逾期理由")
    page.screenshot(path=screenshot_dir / "inspection-phone-late-reason.png", full_page=True)
    assert page.evaluate(PAGE_FITS), "the form with the late reason scrolls sideways"
    page.get_by_label("逾期立案理由").fill("群众举报后补查，发现时未能及时立案")
    page.get_by_test_id("submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已检查")
    case = Case.objects.get(source_type="inspection", source_id=str(task.pk))
    assert case.stages.get().late_reason == "群众举报后补查，发现时未能及时立案"
