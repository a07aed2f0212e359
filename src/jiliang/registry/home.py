"""The registry's home-page cards: counts in the caller's own scope. Institution staff may read
every instrument and site (to verify them), so these city-wide figures are not theirs to see first."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.registry import selectors
from jiliang.registry.models import InstrumentStatus
from jiliang.ui.home import home_card


@home_card
def instruments_in_use(user) -> dict | None:
    if user.role in (Role.INSTITUTION_STAFF, Role.DEPARTMENT):  # not their figures (a department: no data)
        return None
    count = selectors.instruments(user, status=InstrumentStatus.IN_USE, mandatory=True).count()
    return {"title": _("在用强检器具"), "value": count, "url_name": "registry:instrument-list", "icon": "gauge"}


@home_card
def sites(user) -> dict | None:
    if user.role in (Role.INSTITUTION_STAFF, Role.DEPARTMENT):  # not their figures (a department: no data)
        return None
    return {"title": _("经营场所"), "value": selectors.sites(user).count(), "url_name": "registry:site-list",
            "icon": "map-pin"}
