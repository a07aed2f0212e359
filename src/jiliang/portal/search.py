"""Global search (the header's box): instruments, organizations, sites and certificates by code, name
or number, each kind through its app's own scoped selector, so a reader finds only what they may read.

Names match anywhere from three characters on and by their beginning below that (registry.SEARCH: the
trigram indexes find nothing shorter inside a name). Closest first: the shortest names (a whole name is
the shortest), a whole serial number or public code before the serial numbers it begins (those in
serial-number order)."""

from dataclasses import dataclass

from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.registry import selectors as registry
from jiliang.verification import selectors as verification

MAX_QUERY = 64


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    detail: str
    url: str


KIND_LABELS = {
    "instrument": _("计量器具"),
    "organization": _("使用单位"),
    "site": _("经营场所"),
    "certificate": _("检定证书"),
}


def _shown(rows, *fields: str):
    """The selector's rows with only the columns a hit shows (and the joins they need): the selectors
    join and read every column for their list pages."""
    joins = sorted({field.rpartition("__")[0] for field in fields if "__" in field})
    rows = rows.select_related(None)  # select_related() without names would follow every relation
    return (rows.select_related(*joins) if joins else rows).only(*fields)


# No index reads names in this order, so PostgreSQL takes the few rows the trigram index finds and sorts
# them, instead of walking every name in order until ten match (a county officer's search for another
# county's place name walked all 134,000 organizations).
SHORTEST_NAME_FIRST = (Length("name"), "name", "id")


def _instruments(user, text: str, limit: int) -> list[Hit]:
    """The whole serial numbers, public code or owners' and sites' whole names first, then the rest.

    A serial number's beginning lists its instruments in serial-number order, the order of the index
    that finds them, so ten are read and no more (newest first, PostgreSQL sorted every instrument the
    beginning matched: 9,700 of a county's for four characters at a million, 38-50 ms; 0.3 ms so); in
    that order the whole serial numbers come first by themselves, so one query does. A public code or
    a name first looks up its whole matches (the code's instrument sorts anywhere among the serial
    numbers; a name's instruments come newest first), then the rest."""
    fields = ("public_code", "serial_no", "type__name_zh", "owner__name")
    rest = _shown(registry.instruments(user, text=text, match=registry.SEARCH), *fields)
    if registry.is_serial_text(text):
        rest = rest.order_by("search_key", "id")
    if registry.is_serial_text(text) and not registry.is_public_code(text):
        rows = list(rest[:limit])
    else:
        whole = list(_shown(registry.instruments(user, text=text, match=registry.EXACT), *fields)[:limit])
        rows = whole + list(rest.exclude(pk__in=[row.pk for row in whole])[:limit - len(whole)])
    return [
        Hit("instrument", str(row), f"{row.public_code} · {row.owner.name}",
            reverse("registry:instrument-detail", args=[row.pk]))
        for row in rows
    ]


def _organizations(user, text: str, limit: int) -> list[Hit]:
    rows = _shown(registry.organizations(user, text=text, match=registry.SEARCH), "name", "uscc")
    return [
        Hit("organization", row.name, row.uscc, reverse("registry:organization-detail", args=[row.pk]))
        for row in rows.order_by(*SHORTEST_NAME_FIRST)[:limit]
    ]


def _sites(user, text: str, limit: int) -> list[Hit]:
    rows = _shown(registry.sites(user, text=text, match=registry.SEARCH), "name", "address", "organization__name")
    return [
        Hit("site", row.name, f"{row.organization.name} · {row.address}".rstrip(" ·"),
            reverse("registry:site-detail", args=[row.pk]))
        for row in rows.order_by(*SHORTEST_NAME_FIRST)[:limit]
    ]


def _certificates(user, text: str, limit: int) -> list[Hit]:
    rows = _shown(verification.certificates(user, number=text), "number", "instrument_type__name_zh", "owner__name")
    return [
        Hit("certificate", row.number, f"{row.instrument_type.name_zh} · {row.owner.name}",
            reverse("verification:certificate-detail", args=[row.pk]))
        for row in rows[:limit]
    ]


SEARCHES = (_instruments, _organizations, _sites, _certificates)


def search(user, text: str, *, limit: int = 10) -> list[Hit]:
    """Up to ``limit`` hits of each kind the reader may read; nothing for empty text."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return []
    return [hit for find in SEARCHES for hit in find(user, text, limit)]
