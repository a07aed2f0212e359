"""Home-page cards: instruments overdue and due soon in the caller's own scope (counted at most
every JILIANG_FIGURES_CACHE_SECONDS). Not for institution staff, who may read every instrument's
standing but whose work is their own queue (verification/home.py)."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.ui.home import PENDING_WORK, home_card
from jiliang.verification import due


@home_card
def overdue(user) -> dict | None:
    if user.role in (Role.INSTITUTION_STAFF, Role.DEPARTMENT):  # not their figures (a department: no data)
        return None
    count = due.cached(user, "overdue", lambda: due.overdue(user).count())
    return {"title": _("超期未检器具"), "value": count, "url_name": "due:overdue", "kind": PENDING_WORK, "icon": "alarm"}


@home_card
def due_soon(user) -> dict | None:
    if user.role in (Role.INSTITUTION_STAFF, Role.DEPARTMENT):  # not their figures (a department: no data)
        return None
    title = _("%(days)d 天内到期器具") % {"days": due.due_days(None)}
    count = due.cached(user, "due_soon", lambda: due.due_soon(user).count())
    return {"title": title, "value": count, "url_name": "due:due-soon", "kind": PENDING_WORK, "icon": "hourglass"}
