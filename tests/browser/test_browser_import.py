"""A regulator uploads a small spreadsheet with one bad row and reads the error report."""

import pytest
from playwright.sync_api import expect
from stdnum.cn import uscc as stdnum_uscc

from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_upload_with_one_bad_row_shows_the_error_table_and_writes_nothing(page, live_server, city_regulator,
                                                                             browser_client):
    session = browser_client(city_regulator).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    good = make_uscc("91", "511902", "MD000001")
    bad = make_uscc("91", "511902", "MD000002")
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    sheet = f"\ufeff统一社会信用代码,单位名称,所属区划\n{good},浏览器测试甲,511902\n{bad},浏览器测试乙,巴州区\n"

    page.goto("/registry/imports/")
    page.click("text=导入使用单位")
    page.set_input_files("#id_file", files=[{"name": "单位.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])
    page.click("button[type=submit].primary")

    errors = page.get_by_test_id("import-errors").inner_text()
    assert "3" in errors and "统一社会信用代码" in errors
    assert f"第 18 位应为 {stdnum_uscc.calc_check_digit(bad[:17])}" in errors
    assert "1 行有误，未导入任何数据" in page.get_by_test_id("import-report").inner_text()
    expect(page.get_by_test_id("annotated-link")).to_be_visible()
    assert not Organization.objects.exists()
