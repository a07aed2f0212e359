"""The menu each role sees: groups by domain, each entry with the roles that may use it.

Apps add their entries here as they land. A group a role has no entry in is not shown at all.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import REGULATOR_ROLES, Role

EVERY_ROLE = frozenset(Role.values)
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
        MenuItem(_("后台任务"), "tasks:list", EVERY_ROLE, "download"),
    )),
    MenuGroup(_("器具与单位"), (
        MenuItem(_("使用单位"), "registry:organization-list", EVERY_ROLE - {Role.INSTITUTION_STAFF}, "building-store"),
        MenuItem(_("经营场所"), "registry:site-list", EVERY_ROLE, "map-pin"),
        MenuItem(_("计量器具"), "registry:instrument-list", EVERY_ROLE, "gauge"),
        MenuItem(_("器具目录"), "registry:instrument-type-list", EVERY_ROLE, "books"),
        MenuItem(_("数据导入"), "imports:index", frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER}),
                 "file-import"),
    )),
    MenuGroup(_("检定与证书"), (
        MenuItem(_("报检"), "verification:request-list", EVERY_ROLE, "clipboard-list"),
        MenuItem(_("检定证书"), "verification:certificate-list", EVERY_ROLE, "certificate"),
        MenuItem(_("证书真伪核验"), "certificate-check:document", EVERY_ROLE, "shield-check"),
        MenuItem(_("超期未检"), "due:overdue", EVERY_ROLE, "alarm"),
        MenuItem(_("即将到期"), "due:due-soon", EVERY_ROLE, "hourglass"),
        MenuItem(_("计量标准"), "verification:standard-list", EVERY_ROLE - {Role.OWNER}, "ruler-measure"),
        MenuItem(_("检定机构"), "verification:institution-list", EVERY_ROLE, "building-bank"),
        MenuItem(_("允许误差"), "verification:mpe-rule-list", EVERY_ROLE - {Role.OWNER}, "plus-minus"),
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
        MenuItem(_("检定统计"), "due:statistics", EVERY_ROLE - {Role.OWNER}, "chart-bar"),
        MenuItem(_("规划实施跟踪"), "portal:plan", OVERSIGHT, "clipboard-list"),
    )),
    MenuGroup(_("系统管理"), (
        MenuItem(_("审计日志"), "accounts:audit-list", OVERSIGHT, "history"),
        MenuItem(_("接口令牌"), "accounts:token-list", EVERY_ROLE, "key"),
        MenuItem(_("账号安全"), "accounts:security", EVERY_ROLE, "lock"),
    )),
]


def _is_active(url: str, current_path: str) -> bool:
    return current_path == url if url == "/" else current_path.startswith(url)


def menu_for(user, current_path: str) -> list[dict]:
    """The groups ``user`` may use, each {label, items: [{label, url, icon, active}]}."""
    if not (user.is_authenticated and user.is_active):
        return []
    groups = []
    for group in MENU:
        items = [
            {"label": item.label, "url": url, "icon": item.icon, "active": _is_active(url, current_path)}
            for item in group.items
            if user.is_superuser or user.role in item.roles
            for url in [reverse(item.url_name)]
        ]
        if items:
            groups.append({"label": group.label, "items": items})
    return groups
