"""The main flow of issue 12 in a real browser, on a laptop (1366×768) and a phone (390×844): the
owner requests verification of its overdue instruments in one go, the institution accepts the
requests in one go, records a result and issues the certificate, and the owner reads the notice and
opens the certificate. A screenshot of each step goes to test-results/<test>/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiliang.notifications.models import Notification
from jiliang.verification.models import Certificate, VerificationRequest, VerificationState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = Path(__file__).parents[2] / "test-results"


def _days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def new_context(chromium):
    """Browser contexts made in a test (one per signed-in person), closed at its end."""
    made = []

    def make(**options):
        made.append(chromium.new_context(**options))
        return made[-1]

    yield make
    for context in made:
        context.close()


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_owner_requests_institution_accepts_and_certifies_owner_reads_the_notice(
        new_context, live_server, world, browser_client, request, viewport):
    overdue = [world.make_instrument() for _ in range(2)]
    for instrument in overdue:  # a passed verification, its validity moved to last week
        world.record(instrument=instrument)
        VerificationState.objects.filter(instrument=instrument).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=7))
    Notification.objects.all().delete()  # the notices of that set-up; the flow's own are under test
    shots = RESULTS / request.node.name
    shots.mkdir(parents=True, exist_ok=True)
    step = iter(range(1, 100))

    def signed_in(user):
        context = new_context(base_url=live_server.url, locale="zh-CN",
                                       viewport={"width": viewport[0], "height": viewport[1]})
        session = browser_client(user).cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return context.new_page()

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}.png"), full_page=True)

    # 1. The owner ticks its overdue instruments and requests their verification.
    owner = signed_in(world.owner)
    owner.goto("/verification/overdue/")
    owner.get_by_role("checkbox", name="全选本页").check()
    shot(owner, "owner-overdue-ticked")
    owner.get_by_test_id("bulk-request").click()
    for instrument in overdue:
        expect(owner.get_by_test_id("bulk-rows").get_by_role("link", name=instrument.public_code)).to_be_visible()
    owner.get_by_label("检定机构").select_option(label=world.institution.name)
    owner.get_by_label("希望检定日期").fill(_days(3))
    shot(owner, "owner-request-form")
    owner.get_by_role("button", name="提交报检").click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text("报检申请 #")
    shot(owner, "owner-request-submitted")
    verification_request = VerificationRequest.objects.get()

    # 2. The institution ticks the new requests and accepts them for one date.
    staff = signed_in(world.verifier)
    staff.goto("/verification/requests/")
    staff.get_by_role("checkbox", name=f"选择 {verification_request.pk}").check()
    shot(staff, "institution-requests-ticked")
    staff.get_by_test_id("bulk-accept").click()
    staff.get_by_label("安排检定日期").fill(_days(2))
    staff.get_by_label("机构答复").fill("请按时送检")
    shot(staff, "institution-accept-form")
    staff.get_by_role("button", name="受理并安排").click()
    expect(staff.get_by_text("已受理 1 条报检申请。")).to_be_visible()
    shot(staff, "institution-accepted")

    # 3. It records a passed verification of the first instrument, which issues the certificate.
    staff.goto(f"/verification/requests/{verification_request.pk}/")
    staff.get_by_test_id("request-instruments").get_by_role("link", name=overdue[0].public_code).click()
    staff.get_by_label("检定日期").fill(_days(0))
    staff.get_by_label("核验员").select_option(label=str(world.checker))
    staff.get_by_label("使用的计量标准").select_option(label=str(world.standard))
    staff.get_by_label("环境温度(℃)").fill("21.5")
    points = staff.get_by_test_id("points")
    points.get_by_label("允许误差规则", exact=True).first.select_option("MPE001")
    points.get_by_label("标准值", exact=True).first.fill("20.000")
    points.get_by_label("示值", exact=True).first.fill("20.020")
    points.get_by_label("扩展不确定度 U", exact=True).first.fill("0.05")
    points.get_by_test_id("add-point").click()
    points.get_by_label("标准值", exact=True).nth(1).fill("100.00")
    points.get_by_label("示值", exact=True).nth(1).fill("99.95")
    points.get_by_label("扩展不确定度 U", exact=True).nth(1).fill("0.05")
    shot(staff, "institution-record-form")
    staff.get_by_role("button", name="保存").click()
    certificate = Certificate.objects.filter(instrument=overdue[0]).latest("id")
    expect(staff.get_by_role("heading", level=1)).to_contain_text(certificate.number)
    shot(staff, "institution-certificate")

    # 4. The owner sees the unread count, reads the notice and opens the certificate.
    owner.goto("/")
    expect(owner.get_by_test_id("unread-count")).to_have_text("2")
    owner.get_by_test_id("inbox").click()
    shot(owner, "owner-inbox")
    owner.get_by_role("link", name=f"证书 {certificate.number} 已签发").click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text(certificate.number)
    expect(owner.locator("main").get_by_text("检定证书").first).to_be_visible()  # on a phone the menu is in the drawer
    shot(owner, "owner-certificate")
    expect(owner.get_by_test_id("unread-count")).to_have_text("1")
