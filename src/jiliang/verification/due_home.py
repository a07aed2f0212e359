"""Home-page cards: instruments overdue and due soon in the caller's own scope."""

from django.utils.translation import gettext as _

from jiliang.verification import due
from jiliang.ui.home import home_card


@home_card
def overdue(user) -> dict | None:
    return {"title": _("超期未检器具"), "value": due.overdue(user).count(), "url_name": "due:overdue"}


@home_card
def due_soon(user) -> dict | None:
    title = _("%(days)d 天内到期器具") % {"days": due.due_days(None)}
    return {"title": title, "value": due.due_soon(user).count(), "url_name": "due:due-soon"}
