"""The enforcement home-page cards: complaints waiting to be accepted, open cases."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.enforcement import selectors
from jiliang.enforcement.models import CaseStage, ComplaintState
from jiliang.ui.home import KPI, PENDING_WORK, home_card

OVERSIGHT = {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR}


@home_card
def complaints_to_accept(user) -> dict | None:
    if user.role not in OVERSIGHT:
        return None
    count = selectors.complaints(user, state=ComplaintState.SUBMITTED).count()
    return {"title": _("待受理投诉举报"), "value": count, "url_name": "enforcement:complaint-list",
            "query": "state=submitted", "kind": PENDING_WORK, "icon": "info-circle"}


@home_card
def open_cases(user) -> dict | None:
    if user.role not in OVERSIGHT:
        return None
    count = selectors.cases(user).exclude(stage=CaseStage.CLOSED).count()
    return {"title": _("在办案件"), "value": count, "url_name": "enforcement:case-list", "query": "",
            "kind": KPI, "icon": "shield-check"}
