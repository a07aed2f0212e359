"""The supervision home-page cards: an inspector's open tasks, and results waiting to be published."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import REGULATOR_ROLES
from jiliang.supervision import selectors
from jiliang.supervision.models import TaskStatus
from jiliang.ui.home import PENDING_WORK, home_card


@home_card
def open_inspections(user) -> dict | None:
    if user.role not in REGULATOR_ROLES:
        return None
    count = selectors.my_tasks(user).filter(status=TaskStatus.OPEN).count()
    return {"title": _("待检查任务"), "value": count, "url_name": "supervision:my-tasks", "query": "",
            "kind": PENDING_WORK, "icon": "circle-check"}


@home_card
def results_to_publish(user) -> dict | None:
    if user.role not in REGULATOR_ROLES:
        return None
    count = selectors.tasks_for(user, status=TaskStatus.SUBMITTED).count()
    return {"title": _("待公开检查结果"), "value": count, "url_name": "supervision:task-list",
            "query": "status=submitted", "kind": PENDING_WORK, "icon": "clipboard-list"}
