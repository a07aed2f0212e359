"""Home-page cards: instruments overdue and due soon in the caller's own scope (counted at most
every JILIANG_FIGURES_CACHE_SECONDS)."""

from django.utils.translation import gettext as _

from jiliang.verification import due
from jiliang.ui.home import home_card


@home_card
def overdue(user) -> dict | None:
    count = due.cached(user, "overdue", lambda: due.overdue(user).count())
    return {"title": _("超期未检器具"), "value": count, "url_name": "due:overdue"}


@home_card
def due_soon(user) -> dict | None:
    title = _("%(days)d 天内到期器具") % {"days": due.due_days(None)}
    count = due.cached(user, "due_soon", lambda: due.due_soon(user).count())
    return {"title": title, "value": count, "url_name": "due:due-soon"}
