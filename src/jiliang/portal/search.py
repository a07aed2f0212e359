"""Global search (the header's box): instruments, organizations, sites and certificates by code, name
or number, each kind through its app's own scoped selector, so a reader finds only what they may read."""

from dataclasses import dataclass

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


def _instruments(user, text: str, limit: int) -> list[Hit]:
    return [
        Hit("instrument", str(row), f"{row.public_code} · {row.owner.name}",
            reverse("registry:instrument-detail", args=[row.pk]))
        for row in registry.instruments(user, text=text)[:limit]
    ]


def _organizations(user, text: str, limit: int) -> list[Hit]:
    return [
        Hit("organization", row.name, row.uscc, reverse("registry:organization-detail", args=[row.pk]))
        for row in registry.organizations(user, text=text)[:limit]
    ]


def _sites(user, text: str, limit: int) -> list[Hit]:
    return [
        Hit("site", row.name, f"{row.organization.name} · {row.address}".rstrip(" ·"),
            reverse("registry:site-detail", args=[row.pk]))
        for row in registry.sites(user, text=text)[:limit]
    ]


def _certificates(user, text: str, limit: int) -> list[Hit]:
    return [
        Hit("certificate", row.number, f"{row.instrument_type.name_zh} · {row.owner.name}",
            reverse("verification:certificate-detail", args=[row.pk]))
        for row in verification.certificates(user, number=text)[:limit]
    ]


SEARCHES = (_instruments, _organizations, _sites, _certificates)


def search(user, text: str, *, limit: int = 10) -> list[Hit]:
    """Up to ``limit`` hits of each kind the reader may read; nothing for empty text."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return []
    return [hit for find in SEARCHES for hit in find(user, text, limit)]
