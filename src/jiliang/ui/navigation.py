"""The menu each role sees. Apps add their entries here as they land."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import Role

EVERY_ROLE = frozenset(Role.values)
OVERSIGHT = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR})


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]


MENU = [
    MenuItem(_("首页"), "ui:home", EVERY_ROLE),
    MenuItem(_("使用单位"), "registry:organization-list", EVERY_ROLE - {Role.INSTITUTION_STAFF}),
    MenuItem(_("经营场所"), "registry:site-list", EVERY_ROLE),
    MenuItem(_("计量器具"), "registry:instrument-list", EVERY_ROLE),
    MenuItem(_("器具目录"), "registry:instrument-type-list", EVERY_ROLE),
    MenuItem(_("报检"), "verification:request-list", EVERY_ROLE),
    MenuItem(_("检定证书"), "verification:certificate-list", EVERY_ROLE),
    MenuItem(_("计量标准"), "verification:standard-list", EVERY_ROLE - {Role.OWNER}),
    MenuItem(_("检定机构"), "verification:institution-list", EVERY_ROLE),
    MenuItem(_("允许误差"), "verification:mpe-rule-list", EVERY_ROLE - {Role.OWNER}),
    MenuItem(_("超期未检"), "due:overdue", EVERY_ROLE),
    MenuItem(_("即将到期"), "due:due-soon", EVERY_ROLE),
    MenuItem(_("检定统计"), "due:statistics", EVERY_ROLE - {Role.OWNER}),
    MenuItem(_("数据导入"), "imports:index", frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER})),
    MenuItem(_("预警"), "monitoring:alert-list", OVERSIGHT),
    MenuItem(_("监测设备"), "monitoring:device-list", OVERSIGHT | {Role.OWNER}),
    MenuItem(_("审计日志"), "accounts:audit-list", OVERSIGHT),
    MenuItem(_("接口令牌"), "accounts:token-list", EVERY_ROLE),
    MenuItem(_("账号安全"), "accounts:security", EVERY_ROLE),
]


def menu_for(user, current_path: str) -> list[dict]:
    if not (user.is_authenticated and user.is_active):
        return []
    items = []
    for item in MENU:
        if user.is_superuser or user.role in item.roles:
            url = reverse(item.url_name)
            active = current_path == url if url == "/" else current_path.startswith(url)
            items.append({"label": item.label, "url": url, "active": active})
    return items
