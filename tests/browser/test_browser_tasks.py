"""A large upload becomes a background task: the page leads to the task's page, whose progress bar
reloads itself (a <meta> refresh, no script) until the report shows; at a desktop and a phone width,
without sideways scroll."""

import pytest
from playwright.sync_api import expect

from jiliang.jobs import services
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}],
                         ids=lambda viewport: str(viewport["width"]))
def test_a_large_upload_shows_its_progress_then_its_report(signed_in_page, city_regulator, settings, tmp_path,
                                                           screenshot_dir, viewport):
    settings.JILIANG_BACKGROUND_ROWS = 3
    settings.VAR_DIR = tmp_path
    rows = "".join(f"{make_uscc('91', '511902', f'BR{n:06d}')},后台导入单位{n},511902\n" for n in range(6))
    sheet = "\ufeff统一社会信用代码,单位名称,所属区划\n" + rows
    page = signed_in_page(city_regulator, viewport=viewport)
    page.goto("/registry/imports/organizations/")
    page.set_input_files("#id_file", files=[{"name": "单位.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])
    page.click("button[type=submit].primary")

    expect(page.get_by_test_id("task-progress")).to_contain_text("排队等候中")
    assert page.evaluate(PAGE_FITS), f"the task's page scrolls sideways at {viewport['width']} px"
    page.screenshot(path=screenshot_dir / f"task-queued-{viewport['width']}.png", full_page=True)

    services.run_queued()
    expect(page.get_by_test_id("import-report")).to_contain_text("已导入：新增 6 条", timeout=15_000)
    assert page.evaluate(PAGE_FITS), f"the finished task's page scrolls sideways at {viewport['width']} px"
    page.screenshot(path=screenshot_dir / f"task-completed-{viewport['width']}.png", full_page=True)
    assert Organization.objects.count() == 6
    page.click("text=全部后台任务")
    expect(page.get_by_test_id("list-table")).to_contain_text("已完成")
