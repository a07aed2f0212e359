"""What each role sees first: figures for its own jurisdiction or organization, and where to go next.

Apps contribute cards with ``home_card``; each card function gets the user and returns a card dict
or None when it does not apply to that user.
"""

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.models import Role

CardFunction = Callable[[object], dict | None]
_CARDS: list[CardFunction] = []


def home_card(function: CardFunction) -> CardFunction:
    _CARDS.append(function)
    return function


def scope_label(user) -> str:
    if user.role in {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR} and user.division_id:
        return user.division.name
    if user.role == Role.OWNER and user.organization_id:
        return user.organization.name
    if user.role == Role.INSTITUTION_STAFF and user.institution_id:
        return user.institution.name
    return _("全部") if user.is_superuser else _("未绑定")


def context_for(user) -> dict:
    cards = [card for card in (function(user) for function in _CARDS) if card]
    return {
        "scope_label": scope_label(user),
        "role_label": user.get_role_display() or (_("系统管理员") if user.is_superuser else ""),
        "cards": cards,
    }


@home_card
def audit_today(user) -> dict | None:
    if user.role not in {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR}:
        return None
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    count = account_selectors.audit_events(user, since=today).count()
    return {"title": _("今日操作记录"), "value": count, "url_name": "accounts:audit-list"}
