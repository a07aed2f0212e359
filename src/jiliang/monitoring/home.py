"""The monitoring home-page card: alerts waiting for the caller's jurisdiction."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.monitoring import selectors
from jiliang.monitoring.models import AlertState
from jiliang.ui.home import PENDING_WORK, home_card


@home_card
def new_alerts(user) -> dict | None:
    if user.role not in {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR}:
        return None
    count = selectors.alerts(user, state=AlertState.NEW).count()
    return {"title": _("待确认预警"), "value": count, "url_name": "monitoring:alert-list",
            "query": "state=new", "kind": PENDING_WORK, "icon": "alert-triangle"}
