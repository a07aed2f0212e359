"""Home cards of the plan tracker: the department reports waiting for the city regulator's review, and a
department's own reports still waiting or returned."""

from django.utils.translation import gettext as _

from jiliang.accounts.access import may, scope
from jiliang.accounts.models import Role
from jiliang.portal import tracker
from jiliang.portal.models import ReviewState, TaskReport
from jiliang.ui.home import PENDING_WORK, home_card


@home_card
def reports_to_review(user) -> dict | None:
    if user.role != Role.CITY_REGULATOR or not may(user, "review", TaskReport()):
        return None
    return {"title": _("待审核部门填报"), "value": tracker.pending(user).count(), "url_name": "portal:plan-review",
            "kind": PENDING_WORK, "icon": "clipboard-list"}


@home_card
def department_reports(user) -> dict | None:
    if user.role != Role.DEPARTMENT:
        return None
    return {"title": _("本部门被退回的填报"),  # the board's last column shows which
            "value": scope(TaskReport.objects.filter(review=ReviewState.RETURNED), user).count(),
            "url_name": "portal:plan", "kind": PENDING_WORK, "icon": "clipboard-list"}
