"""Due and overdue: which in-use instruments under mandatory verification need verifying.

Each reads the one ``VerificationState`` row per verified instrument (kept by the certificate
services) instead of searching millions of certificates:

- **due soon**: a valid certificate that expires within N days (``valid_until`` from today to
  today + N, the default N from JILIANG_VERIFICATION_DUE_DAYS);
- **overdue** (超期未检): still in use after ``valid_until``;
- **failed in use**: the latest verification failed and the instrument is still in use;
- **never verified**: in use without any verification certificate or failure notice.

The lists are ordered by ``valid_until`` (the state's own index) or, for never verified, by the
newest instrument, and page without a COUNT (pagination.page_of). The same conditions feed the
daily reminder job and the statistics, so the three never disagree.
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.lookups import GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone

from jiliang.accounts.access import scope
from jiliang.accounts.models import Division, DivisionLevel, Role
from jiliang.registry.models import Instrument, InstrumentStatus, InstrumentType
from jiliang.registry.selectors import _subtree_ids as subtree_ids
from jiliang.verification.models import Conclusion, VerificationState

MAX_DUE_DAYS = 366
COUNTY_LEVELS = (DivisionLevel.COUNTY, DivisionLevel.FUNCTIONAL_ZONE)


def today() -> datetime.date:
    return timezone.localdate()


def due_days(days: int | None) -> int:
    """The "due soon" horizon in days, within 1 … MAX_DUE_DAYS."""
    days = settings.JILIANG_VERIFICATION_DUE_DAYS if days is None else days
    return min(max(1, days), MAX_DUE_DAYS)


class Selective(Func):
    """A condition the query planner should expect to keep few rows: SQLite's ``unlikely(…)``, the
    condition itself elsewhere. Without it SQLite walks every instrument of a county by the
    instrument index and sorts their states; with it (and ANALYZE statistics) it reads the state's
    ``valid_until`` index in order and stops after one page. PostgreSQL plans this from its own
    statistics."""

    function = "unlikely"
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)


def cached(user, name: str, compute, *parts):
    """``compute()``, kept for JILIANG_FIGURES_CACHE_SECONDS per scope (role and binding), figure
    and ``parts``: the home cards and the statistics page recount a million rows only that often."""
    key = ":".join(str(p) for p in ("due", name, user.role, user.is_superuser, user.division_id,
                                    user.organization_id, user.institution_id, today(), *parts))
    return cache.get_or_set(key, compute, settings.JILIANG_FIGURES_CACHE_SECONDS)


def overdue_condition(on: datetime.date, prefix: str = "") -> Q:
    return Q(Selective(LessThan(F(f"{prefix}valid_until"), on)))


def due_soon_condition(on: datetime.date, days: int, prefix: str = "") -> Q:
    field = F(f"{prefix}valid_until")
    return Q(Selective(GreaterThanOrEqual(field, on)), Selective(LessThanOrEqual(field, on + datetime.timedelta(days=days))))


def on_time_condition(on: datetime.date, prefix: str = "") -> Q:
    """Covered by a verification certificate in force (or one that never expires)."""
    return Q(**{f"{prefix}conclusion": Conclusion.PASS}) & (
        Q(**{f"{prefix}valid_until__gte": on}) | Q(**{f"{prefix}valid_until__isnull": True})
    )


def failed_condition(prefix: str = "") -> Q:
    return Q(**{f"{prefix}conclusion": Conclusion.FAIL})


def in_use_states() -> QuerySet[VerificationState]:
    """Every state of an in-use instrument under mandatory verification, unscoped (for the job)."""
    return VerificationState.objects.filter(instrument__status=InstrumentStatus.IN_USE, instrument__mandatory=True)


def narrow(queryset: QuerySet, division_code: str | None, type_code: str | None, *,
           division_field: str = "division_id", type_field: str = "type_id",
           county_field: str | None = None) -> QuerySet:
    """Only the rows in a division's subtree and of one catalogue type (by code), when given. With a
    ``county_field`` (the instrument's county-level unit), a county or zone is that one value, which
    the instrument's (county, type, status) index reads as one range."""
    if division_code:
        division = Division.objects.filter(code=division_code).select_related("parent").first()
        if county_field and division is not None and division.level in COUNTY_LEVELS:
            queryset = queryset.filter(**{county_field: division.pk})
        else:
            queryset = queryset.filter(**{f"{division_field}__in": subtree_ids(division_code)})
            if county_field and division is not None and division.level == DivisionLevel.TOWNSHIP:
                queryset = queryset.filter(**{county_field: division.county.pk})  # the county's index range
    if type_code:
        type_id = InstrumentType.objects.filter(code=type_code).values_list("id", flat=True).first()
        queryset = queryset.filter(**{type_field: type_id}) if type_id else queryset.none()
    return queryset


def _states(user, condition: Q, division_code: str | None, type_code: str | None) -> QuerySet[VerificationState]:
    """The in-use states matching ``condition`` in the caller's scope, narrowed, by date. The county
    and type are the state's own copies (``in_use``, ``county``, ``instrument_type``, kept by the
    database), so that one index reads a county's or a type's or both states in date order."""
    queryset = scope(in_use_states().filter(condition, in_use=True), user).select_related(
        "instrument__type", "instrument__owner", "instrument__site", "instrument__division", "certificate",
    )
    if user.role == Role.COUNTY_REGULATOR and user.division_id:
        # Implied by the scope already; said as the state's county so the planner reads that index.
        queryset = queryset.filter(county_id=user.division_id)
    return narrow(queryset, division_code, type_code, division_field="instrument__division_id",
                  type_field="instrument_type_id", county_field="county_id").order_by("valid_until", "instrument_id")


def due_soon(user, *, within_days: int | None = None, on: datetime.date | None = None,
             division_code: str | None = None, type_code: str | None = None) -> QuerySet[VerificationState]:
    """In-use instruments whose certificate expires within ``within_days``, soonest first."""
    return _states(user, due_soon_condition(on or today(), due_days(within_days)), division_code, type_code)


def overdue(user, *, on: datetime.date | None = None, division_code: str | None = None,
            type_code: str | None = None) -> QuerySet[VerificationState]:
    """In-use instruments past their certificate's ``valid_until``, longest overdue first."""
    return _states(user, overdue_condition(on or today()), division_code, type_code)


def failed_in_use(user, *, division_code: str | None = None, type_code: str | None = None,
                  ) -> QuerySet[VerificationState]:
    """In-use instruments whose latest verification failed (a notice of failure in force)."""
    return _states(user, failed_condition(), division_code, type_code).order_by("-verified_on", "instrument_id")


def never_verified(user, *, division_code: str | None = None, type_code: str | None = None) -> QuerySet[Instrument]:
    """In-use instruments under mandatory verification without any certificate, newest first."""
    queryset = scope(
        Instrument.objects.filter(status=InstrumentStatus.IN_USE, mandatory=True, verification_state__isnull=True),
        user,
    ).select_related("type", "owner", "site", "division")
    return narrow(queryset, division_code, type_code, county_field="county_id").order_by("-id")
