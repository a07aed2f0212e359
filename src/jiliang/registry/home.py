"""The registry's home-page cards: counts in the caller's own scope."""

from django.utils.translation import gettext as _

from jiliang.registry import selectors
from jiliang.registry.models import InstrumentStatus
from jiliang.ui.home import home_card


@home_card
def instruments_in_use(user) -> dict | None:
    count = selectors.instruments(user, status=InstrumentStatus.IN_USE, mandatory=True).count()
    return {"title": _("在用强检器具"), "value": count, "url_name": "registry:instrument-list"}


@home_card
def sites(user) -> dict | None:
    return {"title": _("经营场所"), "value": selectors.sites(user).count(), "url_name": "registry:site-list"}
