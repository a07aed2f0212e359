"""The menu each role sees: groups by domain, each entry with the roles that may use it.

Apps add their entries here as they land. A group a role has no entry in is not shown at all.
"""

import functools
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import REGULATOR_ROLES, Role

EVERY_ROLE = frozenset(Role.values)
# A plan department's reporter works on the plan tracker only; every other role works on the platform's data.
PLATFORM = EVERY_ROLE - {Role.DEPARTMENT}
OVERSIGHT = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR})


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]
    icon: str  # a symbol of ui/static/vendor/tabler-icons/sprite.svg


@dataclass(frozen=True)
class MenuGroup:
    label: str
    items: tuple[MenuItem, ...]


MENU = [
    MenuGroup(_("工作台"), (
        MenuItem(_("首页"), "ui:home", EVERY_ROLE, "layout-dashboard"),
        MenuItem(_("后台任务"), "tasks:list", PLATFORM, "download"),
    )),
    MenuGroup(_("器具与单位"), (
        MenuItem(_("使用单位"), "registry:organization-list", PLATFORM - {Role.INSTITUTION_STAFF}, "building-store"),
        MenuItem(_("经营场所"), "registry:site-list", PLATFORM, "map-pin"),
        MenuItem(_("计量器具"), "registry:instrument-list", PLATFORM, "gauge"),
        MenuItem(_("器具目录"), "registry:instrument-type-list", PLATFORM, "books"),
        MenuItem(_("数据导入"), "imports:index", frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER}),
                 "file-import"),
    )),
    MenuGroup(_("检定与证书"), (
        MenuItem(_("报检"), "verification:request-list", PLATFORM, "clipboard-list"),
        MenuItem(_("检定证书"), "verification:certificate-list", PLATFORM, "certificate"),
        MenuItem(_("证书真伪核验"), "certificate-check:document", PLATFORM, "shield-check"),
        MenuItem(_("超期未检"), "due:overdue", PLATFORM, "alarm"),
        MenuItem(_("即将到期"), "due:due-soon", PLATFORM, "hourglass"),
        MenuItem(_("计量标准"), "verification:standard-list", PLATFORM - {Role.OWNER}, "ruler-measure"),
        MenuItem(_("检定机构"), "verification:institution-list", PLATFORM, "building-bank"),
        MenuItem(_("允许误差"), "verification:mpe-rule-list", PLATFORM - {Role.OWNER}, "plus-minus"),
    )),
    MenuGroup(_("远程监测"), (
        MenuItem(_("预警"), "monitoring:alert-list", OVERSIGHT, "alert-triangle"),
        MenuItem(_("监测设备"), "monitoring:device-list", OVERSIGHT | {Role.OWNER}, "device-desktop-analytics"),
    )),
    MenuGroup(_("双随机监管"), (
        MenuItem(_("抽查计划"), "supervision:plan-list", OVERSIGHT, "shield-check"),
        MenuItem(_("我的检查任务"), "supervision:my-tasks", frozenset(REGULATOR_ROLES), "circle-check"),
        MenuItem(_("检查任务"), "supervision:task-list", OVERSIGHT | {Role.OWNER}, "clipboard-list"),
        MenuItem(_("检查表"), "supervision:checklist-list", OVERSIGHT, "books"),
        MenuItem(_("回避申报"), "supervision:conflicts", frozenset(REGULATOR_ROLES), "user"),
    )),
    MenuGroup(_("执法监管"), (
        MenuItem(_("投诉举报"), "enforcement:complaint-list", OVERSIGHT, "info-circle"),
        MenuItem(_("案件"), "enforcement:case-list", OVERSIGHT | {Role.OWNER}, "shield-check"),
        MenuItem(_("诚信承诺"), "enforcement:commitments", OVERSIGHT | {Role.OWNER}, "certificate"),
        MenuItem(_("示范单位"), "enforcement:model-units", OVERSIGHT, "circle-check"),
    )),
    MenuGroup(_("信用监管"), (
        MenuItem(_("信用等级"), "credit:list", OVERSIGHT, "shield-check"),
        MenuItem(_("本单位信用"), "credit:mine", frozenset({Role.OWNER}), "shield-check"),
        MenuItem(_("信用异议"), "credit:objection-list", OVERSIGHT | {Role.OWNER}, "info-circle"),
    )),
    MenuGroup(_("统计分析"), (
        MenuItem(_("驾驶舱"), "dashboard:board", OVERSIGHT, "presentation-analytics"),
        MenuItem(_("监管地图"), "dashboard:map", OVERSIGHT, "map"),
        MenuItem(_("检定统计"), "due:statistics", PLATFORM - {Role.OWNER}, "chart-bar"),
        MenuItem(_("规划实施跟踪"), "portal:plan", OVERSIGHT | {Role.DEPARTMENT}, "clipboard-list"),
    )),
    MenuGroup(_("系统管理"), (
        MenuItem(_("审计日志"), "accounts:audit-list", OVERSIGHT, "history"),
        MenuItem(_("接口令牌"), "accounts:token-list", EVERY_ROLE, "key"),
        MenuItem(_("账号安全"), "accounts:security", EVERY_ROLE, "lock"),
    )),
]


def _is_active(url: str, current_path: str) -> bool:
    return current_path == url if url == "/" else current_path.startswith(url)


@functools.lru_cache(maxsize=256)
def _entries(role: str, superuser: bool, language: str, script_prefix: str) -> tuple:
    """((group label, ((label, url, icon), ...)), ...) a role may use, in one language: the same on
    every page, so it is resolved once per process (each reverse() and lazy translation took a
    noticeable part of every signed-in page's CPU). The language and script prefix are in the key
    because the labels and URLs depend on them."""
    groups = []
    for group in MENU:
        items = tuple((str(item.label), reverse(item.url_name), item.icon)
                      for item in group.items if superuser or role in item.roles)
        if items:
            groups.append((str(group.label), items))
    return tuple(groups)


def _visible(user, current_path: str) -> tuple[tuple, frozenset[str]] | None:
    """(the entries ``user`` may use, the URLs among them that are active on ``current_path``)."""
    if not (user.is_authenticated and user.is_active):
        return None
    entries = _entries(user.role, user.is_superuser, get_language(), get_script_prefix())
    active = frozenset(url for _label, items in entries for _item, url, _icon in items if _is_active(url, current_path))
    return entries, active


def _groups(entries: tuple, active: frozenset[str]) -> list[dict]:
    return [
        {"label": label, "items": [{"label": item_label, "url": url, "icon": icon, "active": url in active}
                                   for item_label, url, icon in items]}
        for label, items in entries
    ]


def menu_for(user, current_path: str) -> list[dict]:
    """The groups ``user`` may use, each {label, items: [{label, url, icon, active}]}."""
    visible = _visible(user, current_path)
    return _groups(*visible) if visible else []


@functools.lru_cache(maxsize=1024)
def _rendered(entries: tuple, active: frozenset[str]) -> str:
    return render_to_string("ui/includes/menu.html", {"menu": _groups(entries, active)})


def menu_html(user, current_path: str) -> str:
    """The sidebar's groups as HTML, rendered once per role, language and active entry: drawing its
    forty links with their icons was about a third of the shell's template time on every page."""
    visible = _visible(user, current_path)
    return _rendered(*visible) if visible else ""
