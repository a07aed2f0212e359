"""The shell every page shares: the language switch, the grouped menu, the top bar, the patterns' tags."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts.models import Role
from jiliang.ui import status
from jiliang.ui.navigation import MENU, menu_for
from jiliang.ui.templatetags.jiliang_ui import beijing, cell, number

pytestmark = pytest.mark.django_db


def _options(page: str) -> list[str]:
    select = re.search(r'<select id="language-top".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_each_language_is_named_in_itself_in_chinese_and_in_english(client):
    """Defect 9: the switch read "英语" (Django's own Chinese name for English) on Chinese pages."""
    assert _options(client.get("/login/").content.decode()) == ["简体中文", "English"]
    english = client.get("/login/", headers={"Accept-Language": "en"}).content.decode()
    assert _options(english) == ["简体中文", "English"]


GROUPS = ["工作台", "器具与单位", "检定与证书", "远程监测", "双随机监管", "执法监管", "信用监管", "统计分析", "系统管理"]


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_is_grouped_by_domain_and_keeps_every_entry_the_role_may_use(role, make_user, make_organization,
                                                                             make_institution):
    bindings = {Role.OWNER: {"organization": make_organization("511902")},
                Role.INSTITUTION_STAFF: {"institution": make_institution()},
                Role.DEPARTMENT: {"division": "511900", "department": "市科技局"}}.get(role, {"division": "511902"})
    user = make_user(role, **bindings)
    with override("zh-hans"):
        groups = menu_for(user, "/")
        used = [str(group.label) for group in MENU if any(role in item.roles for item in group.items)]
        allowed = [str(item.label) for group in MENU for item in group.items if role in item.roles]
        labels = [str(g["label"]) for g in groups]
        shown = [str(item["label"]) for group in groups for item in group["items"]]
    assert labels == used and set(labels) <= set(GROUPS)
    assert shown == allowed and "接口令牌" in shown
    assert all(item["icon"] for group in groups for item in group["items"])
    assert [item["url"] for group in groups for item in group["items"] if item["active"]] == ["/"]


def test_regulators_see_the_audit_log_tokens_and_account_security_under_system_management(bazhou_regulator):
    with override("zh-hans"):
        system = [g for g in menu_for(bazhou_regulator, "/accounts/audit/") if g["label"] == "系统管理"][0]
        assert [(str(i["label"]), i["active"]) for i in system["items"]] == [
            ("审计日志", True), ("接口令牌", False), ("账号安全", False)]


def test_the_top_bar_names_the_reader_role_jurisdiction_and_always_offers_to_sign_out(
        browser_client, make_user, make_organization):
    organization = make_organization("511921", name="通江县诺江加油站")
    owner = make_user(Role.OWNER, organization=organization, display_name="王五")
    page = browser_client(owner).get("/").content.decode()
    who = re.search(r'data-testid="who">(.*?)</span></span>', page, re.S).group(1)
    assert "王五" in who and "使用单位人员" in who and "通江县诺江加油站" in who
    assert 'data-testid="logout"' in page and "退出" in page
    assert 'data-testid="menu-toggle"' in page and 'id="sidebar"' in page


def test_a_list_shows_states_as_coloured_tags_with_their_word(browser_client, bazhou_regulator, make_organization):
    make_organization("511902", name="巴州区测试存续单位")
    page = browser_client(bazhou_regulator).get("/registry/organizations/").content.decode()
    assert '<span class="status-tag tone-green">存续</span>' in page


def test_a_form_with_errors_lists_them_at_the_top_linking_to_each_field(browser_client, bazhou_regulator):
    response = browser_client(bazhou_regulator).post("/registry/organizations/new/", {"name": ""})
    page = response.content.decode()
    summary = re.search(r'data-testid="error-summary">(.*?)</div>', page, re.S).group(1)
    assert '<a href="#id_name">' in summary and '<a href="#id_uscc">' in summary
    assert 'id="id_name_error"' in page and 'aria-describedby="id_name_error"' in page


@pytest.mark.parametrize(("code", "word", "tone"), [
    ("issued", "有效", "green"), ("due_soon", "即将到期", "amber"), ("overdue", "超期", "red"),
    ("fail", "不合格", "red"), ("revoked", "已撤销", "grey"), ("deregistered", "注销", "grey"),
    ("unknown-code", "已注销", "grey"), ("unknown-code", "有效", "green"), ("unknown-code", "别的", "grey"),
])
def test_states_map_to_the_colours_of_the_brief(code, word, tone):
    assert status.tone(code, word) == tone


def test_the_status_tag_always_carries_its_word():
    html = Template('{% load jiliang_ui %}{% status_tag "overdue" "超期未检" %}').render(Context())
    assert html == '<span class="status-tag tone-red">超期未检</span>'


def test_times_are_shown_in_beijing_time_and_dates_in_iso():
    utc = datetime.datetime(2026, 3, 1, 17, 5, 59, tzinfo=datetime.UTC)
    assert beijing(utc) == "2026-03-02 01:05"
    assert beijing(utc.astimezone(ZoneInfo("America/New_York"))) == "2026-03-02 01:05"
    assert beijing(datetime.date(2026, 3, 1)) == "2026-03-01"
    assert beijing(None) == "—" and cell("") == "—" and cell(utc) == "2026-03-02 01:05"


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_get_thousands_separators_and_read_back(value):
    shown = number(value)
    assert int(shown.replace(",", "")) == value
    assert all(len(group) == 3 for group in shown.lstrip("-").split(",")[1:])


def test_numbers_with_decimals_and_values_that_are_not_numbers():
    assert number(1234567.891, 1) == "1,234,567.9" and number(0.5) == "0.5" and number(True) == "True"
    assert cell(12345) == "12,345" and cell("MI06") == "MI06"

