"""The credit pages as each role reads them: the list, a business's explanation, objections, weights."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from jiliang.accounts.models import Role
from jiliang.credit import services
from jiliang.credit.models import Objection, ObjectionState
from jiliang.jobs import services as jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_organization):
    return make_organization("511902", name="巴州区示例加油站")


@pytest.fixture
def event(bazhou_regulator, shop):
    with transaction.atomic():
        return services.record_credit_event(
            bazhou_regulator, organization=shop, kind="verification_failed", source_type="verification",
            source_id="7", occurred_on=timezone.localdate() - dt.timedelta(days=365), summary="加油机检定不合格")


def test_the_regulator_lists_grades_with_filters(browser_client, bazhou_regulator, shop, event, make_organization):
    make_organization("511902", name="另一家超市")
    page = browser_client(bazhou_regulator).get("/credit/", {"grade": "C"}).content.decode()
    assert "巴州区示例加油站" not in page  # 80 - 2.5 = 77.5: still B
    page = browser_client(bazhou_regulator).get("/credit/", {"grade": "B"}).content.decode()
    assert "巴州区示例加油站" in page and "另一家超市" in page


def test_the_owner_reads_its_grade_and_why_then_objects(browser_client, make_user, shop, event, bazhou_regulator):
    owner = make_user(Role.OWNER, organization=shop)
    client = browser_client(owner)
    page = client.get("/credit/mine/", follow=True).content.decode()
    assert "B 类（信用风险一般）" in page
    assert "扣 5 分；已过 365 天，每过 365 天影响减半，现扣 2.5 分" in page
    assert "基础分 80 分" in page and "信用分 77.5 分" in page
    response = client.post(f"/credit/events/{event.pk}/object/", {"reason": "该加油机已报停。"})
    objection = Objection.objects.get()
    assert response.status_code == 302 and response.url == f"/credit/objections/{objection.pk}/"
    decided = browser_client(bazhou_regulator).post(f"/credit/objections/{objection.pk}/",
                                                    {"accept": "0", "decision": ""})
    assert "请填写驳回理由" in decided.content.decode()
    browser_client(bazhou_regulator).post(f"/credit/objections/{objection.pk}/", {"accept": "1", "decision": "属实"})
    assert Objection.objects.get().state == ObjectionState.ACCEPTED
    page = client.get(f"/credit/organizations/{shop.pk}/").content.decode()
    assert "没有有效的信用记录" in page and "已撤销的记录" in page


def test_another_county_cannot_open_the_credit_page(browser_client, tongjiang_regulator, shop, event):
    assert browser_client(tongjiang_regulator).get(f"/credit/organizations/{shop.pk}/").status_code == 404


def test_weights_page_and_a_bad_value(browser_client, city_regulator):
    client = browser_client(city_regulator)
    assert "《中华人民共和国计量法》第九条" in client.get("/credit/weights/").content.decode()
    page = client.post("/credit/weights/instrument_overdue/", {"points": "很多", "half_life_days": "180"})
    assert page.status_code == 200 and "须为数字" in page.content.decode()
    assert "data-testid=\"recomputing\"" not in client.get("/credit/weights/").content.decode()
    saved = client.post("/credit/weights/instrument_overdue/", {"points": "-6", "half_life_days": "90"}, follow=True)
    page = saved.content.decode()
    assert "-6" in page and "正在后台按新分值重新计算" in page and "data-testid=\"recomputing\"" in page
    jobs.run_queued()
    assert "data-testid=\"recomputing\"" not in client.get("/credit/weights/").content.decode()


def test_the_credit_and_alert_pages_speak_chinese(browser_client, bazhou_regulator, city_regulator, make_user, shop,
                                                  event, make_device):
    from tests.english_scan import offences

    from jiliang.monitoring.models import Alert, DeviceKind, Severity

    owner = make_user(Role.OWNER, organization=shop)
    with transaction.atomic():
        for number in range(6):  # more overdue instruments than the kind's cap counts
            services.record_credit_event(None, organization=shop, kind="instrument_overdue", source_type="instrument",
                                         source_id=str(number), occurred_on=timezone.localdate(), summary="超期未检")
    objection = services.raise_objection(owner, event, reason="已报停")
    device, _token, _secret = make_device(DeviceKind.METER, medium="water")
    now = timezone.now()
    alert = Alert.objects.create(rule_code="MT-01", severity=Severity.WARNING, device=device, site=device.site,
                                 division=device.division, message="表计示值倒走", opened_at=now, last_seen_at=now)
    pages = {
        bazhou_regulator: ["/credit/", f"/credit/organizations/{shop.pk}/", "/credit/objections/",
                           f"/credit/objections/{objection.pk}/", "/credit/weights/", f"/monitoring/alerts/{alert.pk}/"],
        city_regulator: ["/credit/weights/", "/credit/weights/instrument_overdue/"],
        owner: [f"/credit/organizations/{shop.pk}/", "/credit/objections/", f"/credit/events/{event.pk}/object/"],
    }
    for person, urls in pages.items():
        client = browser_client(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert offences(response.content.decode())[0] == [], url
    page = browser_client(owner).get(f"/credit/organizations/{shop.pk}/").content.decode()
    assert "超过该类累计上限，按扣 12 分计" in page


def test_home_cards_show_the_pending_objections_and_the_owners_grade(browser_client, bazhou_regulator, make_user,
                                                                     shop, event):
    owner = make_user(Role.OWNER, organization=shop)
    services.raise_objection(owner, event, reason="已报停")
    assert "本单位信用等级" in browser_client(owner).get("/").content.decode()
    home = browser_client(bazhou_regulator).get("/").content.decode()
    assert "待处理信用异议" in home and "/credit/objections/?state=pending" in home
