"""Reads of accounts data, each scoped to the caller."""

from datetime import datetime

from django.db.models import QuerySet

from jiliang.accounts.access import scope
from jiliang.accounts.models import REGULATOR_ROLES, ApiToken, AuditEvent, Division, User


def divisions(user, level: str | None = None) -> QuerySet[Division]:
    queryset = scope(Division.objects.all(), user)
    return queryset.filter(level=level) if level else queryset


def jurisdiction_divisions(user) -> QuerySet[Division]:
    """Divisions inside the caller's own jurisdiction (for filters and pickers)."""
    queryset = Division.objects.exclude(level="province")
    if user.division_id and not user.is_superuser:
        queryset = queryset.filter(path__startswith=user.division.path)
    return queryset


def users(user) -> QuerySet[User]:
    return scope(User.objects.select_related("division", "organization", "institution"), user)


def audit_events(
    user,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    queryset = scope(AuditEvent.objects.all(), user)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if actor:
        queryset = queryset.filter(actor_name=actor)
    if action:
        queryset = queryset.filter(action__startswith=action)
    if since:
        queryset = queryset.filter(at__gte=since)
    if until:
        queryset = queryset.filter(at__lt=until)
    return queryset


def api_tokens(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def regulators_over(division: Division) -> QuerySet[User]:
    """The active regulators whose jurisdiction covers ``division`` (its own and every level above):
    whom a business's or an alert's matters are told to. Not scoped: it names recipients, not rows
    for a reader."""
    codes = [code for code in division.path.split("/") if code]
    return User.objects.filter(role__in=REGULATOR_ROLES, is_active=True, division__code__in=codes).order_by("pk")
