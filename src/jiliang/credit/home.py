"""Home cards: the objections waiting for a regulator, and an owner's own grade."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import REGULATOR_ROLES, Role
from jiliang.credit import selectors
from jiliang.credit.models import ObjectionState
from jiliang.ui.home import KPI, PENDING_WORK, home_card


@home_card
def pending_objections(user) -> dict | None:
    if user.role not in REGULATOR_ROLES:
        return None
    return {"title": _("待处理信用异议"), "value": selectors.objections(user, state=ObjectionState.PENDING).count(),
            "url_name": "credit:objection-list", "query": "state=pending", "kind": PENDING_WORK, "icon": "info-circle"}


@home_card
def own_grade(user) -> dict | None:
    if user.role != Role.OWNER or not user.organization_id:
        return None
    grade = selectors.grades_for([user.organization_id])[user.organization_id]
    return {"title": _("本单位信用等级"), "value": _("%(grade)s 类") % {"grade": grade},
            "url_name": "credit:mine", "query": "", "kind": KPI, "icon": "shield-check"}
