"""Reads of the registry, each scoped to the caller."""

from django.db.models import Q, QuerySet

from jiliang.accounts.access import scope
from jiliang.registry.models import Organization

ORGANIZATION_SORTS = {"name", "-name", "uscc", "-uscc", "created_at", "-created_at"}


def organizations(
    user,
    *,
    division_code: str | None = None,
    status: str | None = None,
    text: str | None = None,
    sort: str = "name",
) -> QuerySet[Organization]:
    queryset = scope(Organization.objects.select_related("division"), user)
    if division_code:
        queryset = queryset.filter(division__path__contains=f"{division_code}/")
    if status:
        queryset = queryset.filter(status=status)
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(uscc__istartswith=text.upper()))
    return queryset.order_by(sort if sort in ORGANIZATION_SORTS else "name", "id")
