"""Issue 16, item 3: the record form's table of test points in a real browser, on a laptop
(1366×768) and a phone (390×844): rows are added and removed, each row's verdict shows as it is
typed, and the server's decision on save agrees with it. A screenshot of each step goes to
test-results/<test>/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiliang.verification.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = Path(__file__).parents[2] / "test-results"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_test_points_are_rows_with_a_verdict_each_as_typed(signed_in_page, world, request, viewport):
    shots = RESULTS / request.node.name
    shots.mkdir(parents=True, exist_ok=True)
    page = signed_in_page(world.verifier, viewport={"width": viewport[0], "height": viewport[1]})
    page.goto(f"/verification/records/new/?instrument={world.instrument.public_code}")
    page.get_by_label("核验员").select_option(label=str(world.checker))
    page.get_by_label("使用的计量标准").select_option(label=str(world.standard))
    points = page.get_by_test_id("points")
    rule, nominal, indicated, uncertainty = (points.get_by_label(label, exact=True)
                                             for label in ("允许误差规则", "标准值", "示值", "扩展不确定度 U"))
    verdicts = points.locator("[data-verdict]")

    rule.first.select_option("MPE001")
    nominal.first.fill("20.000")
    indicated.first.fill("20.020")
    uncertainty.first.fill("0.05")
    expect(verdicts.nth(0)).to_contain_text("合格")
    expect(verdicts.nth(0)).to_contain_text("0.1 %")

    points.get_by_test_id("add-point").click()  # the new row takes the previous row's rule
    expect(rule.nth(1)).to_have_value("MPE001")
    nominal.nth(1).fill("100.00")
    indicated.nth(1).fill("100.50")
    uncertainty.nth(1).fill("0.05")
    expect(verdicts.nth(1)).to_contain_text("不合格")
    indicated.nth(1).fill("99.95")
    expect(verdicts.nth(1)).to_contain_text("合格")
    expect(verdicts.nth(1)).not_to_contain_text("不合格")
    page.get_by_label("判定规则").select_option("guarded_acceptance")  # U now narrows the zone
    indicated.nth(1).fill("99.72")  # −0.28 %: inside ±0.30 %, outside ±(0.30 − 0.05) %
    expect(verdicts.nth(1)).to_contain_text("不合格")
    indicated.nth(1).fill("99.95")

    points.get_by_test_id("add-point").click()
    expect(points.locator("[data-row]")).to_have_count(3)
    points.locator("[data-row]").nth(2).get_by_role("button", name="删除").click()
    expect(points.locator("[data-row]")).to_have_count(2)
    assert page.locator('[name="points-TOTAL_FORMS"]').input_value() == "2"
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "points-typed.png"), full_page=True)

    page.get_by_role("button", name="保存").click()
    certificate = Certificate.objects.filter(instrument=world.instrument).latest("id")
    expect(page.get_by_role("heading", level=1)).to_contain_text(certificate.number)
    decided = list(certificate.verification.test_points.order_by("position").values_list("error", "conforms"))
    assert [(str(error), conforms) for error, conforms in decided] == [("0.100000", True), ("-0.050000", True)]
    _no_sideways_scroll(page)
