"""The workbench (工作台) of each role: the reader's own to-dos first, then figures.

Apps contribute cards with ``home_card``; each card function gets the user and returns a card or
None when it does not apply to that user. A card is a dict:

- ``title``, ``value`` (a count), ``url_name`` (and optional ``query``, e.g. ``"status=submitted"``);
- ``kind``: ``"todo"`` (something the reader should act on; shown first, highlighted when not zero)
  or ``"kpi"`` (a figure of the reader's jurisdiction); ``icon``: a sprite symbol;
- ``order``: lower comes first within its kind (default 50; then in the order the apps registered).

Every count goes through the app's scoped selectors, so a county officer counts its county, an
owner its organization and an institution its own queue (never the city's figures).
"""

from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.models import Role
from jiliang.notifications.selectors import unread_count

CardFunction = Callable[[object], dict | None]
_CARDS: list[CardFunction] = []
OVERSIGHT = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR})
# A home card is either pending work (待办: something waits for the reader) or a key figure.
PENDING_WORK, KPI = "todo", "kpi"


def home_card(function: CardFunction) -> CardFunction:
    _CARDS.append(function)
    return function


def scope_label(user) -> str:
    """The reader's jurisdiction: its division, organization or institution."""
    if user.role in OVERSIGHT and user.division_id:
        return user.division.name
    if user.role == Role.OWNER and user.organization_id:
        return user.organization.name
    if user.role == Role.INSTITUTION_STAFF and user.institution_id:
        return user.institution.name
    if user.role == Role.DEPARTMENT and user.department:
        return user.department
    return _("全部") if user.is_superuser else _("未绑定")


def role_label(user) -> str:
    return user.get_role_display() or (_("系统管理员") if user.is_superuser else "")


def _with_url(card: dict) -> dict:
    url = reverse(card["url_name"])
    return {"kind": KPI, "icon": "chart-bar", **card, "url": f"{url}?{card['query']}" if card.get("query") else url}


def context_for(user) -> dict:
    cards = sorted((_with_url(card) for card in (function(user) for function in _CARDS) if card),
                   key=lambda card: card.get("order", 50))
    return {
        "scope_label": scope_label(user),
        "role_label": role_label(user),
        "todos": [card for card in cards if card["kind"] == PENDING_WORK],
        "kpis": [card for card in cards if card["kind"] == KPI],
        "shortcuts": shortcuts(user),
    }


def shortcuts(user) -> list[tuple[str, str, str]]:
    """(label, url, icon) of the pages a role starts its work from."""
    imports = (_("数据导入"), "imports:index", "file-import")
    statistics = (_("检定统计"), "due:statistics", "chart-bar")
    links = {
        Role.CITY_REGULATOR: [imports, statistics],
        Role.COUNTY_REGULATOR: [imports, statistics],
        Role.AUDITOR: [(_("审计日志"), "accounts:audit-list", "history"), statistics],
        Role.OWNER: [(_("报检"), "verification:request-create", "clipboard-list"), imports],
        Role.INSTITUTION_STAFF: [(_("报检申请"), "verification:request-list", "clipboard-list"),
                                 (_("计量标准"), "verification:standard-list", "ruler-measure")],
        Role.DEPARTMENT: [(_("规划实施跟踪"), "portal:plan", "clipboard-list")],
    }.get(user.role, [])
    return [(label, reverse(name), icon) for label, name, icon in links]


@home_card
def audit_today(user) -> dict | None:
    if user.role not in OVERSIGHT:
        return None
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    count = account_selectors.audit_events(user, since=today).count()
    return {"title": _("今日操作记录"), "value": count, "url_name": "accounts:audit-list", "icon": "history"}


@home_card
def unread_notices(user) -> dict | None:
    if user.role != Role.OWNER:
        return None
    return {"title": _("未读通知"), "value": unread_count(user), "url_name": "notifications:inbox",
            "query": "unread=1", "kind": PENDING_WORK, "icon": "bell", "order": 90}
