"""Reads of the credit app, each starting from ``scope(...)`` (except ``grades_for``, which other
apps' services call for organizations they have already scoped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiliang.accounts.access import scope
from jiliang.credit import scoring, weights
from jiliang.credit.models import CreditEvent, CreditGrade, EventState, Objection
from jiliang.jobs.models import BackgroundTask, TaskKind, TaskState
from jiliang.registry import selectors as registry_selectors
from jiliang.registry.models import Organization


# Ids per query: SQLite refuses statements with more parameters than it was built for (999 in
# builds before 3.32), and a province's list of businesses would exceed any such bound.
GRADE_QUERY_IDS = 900


def grades_for(organization_ids: Iterable[int]) -> dict[int, str]:
    """Grade "A".."D" of every id; one without a computed grade has the data file's default. The ids
    go to the database in chunks of ``GRADE_QUERY_IDS``."""
    ids = list(dict.fromkeys(organization_ids))
    grades = dict.fromkeys(ids, weights.default_grade())
    for first in range(0, len(ids), GRADE_QUERY_IDS):
        chunk = ids[first:first + GRADE_QUERY_IDS]
        grades.update(CreditGrade.objects.filter(organization_id__in=chunk).values_list("organization_id", "grade"))
    return grades


def recompute_pending(*, queued_only: bool = False) -> bool:
    """Whether a recompute of every grade after a weight change is waiting (or, unless
    ``queued_only``, running): until it ends, grades still follow the previous weights."""
    states = [TaskState.QUEUED] if queued_only else [TaskState.QUEUED, TaskState.RUNNING]
    return BackgroundTask.objects.filter(kind=TaskKind.CREDIT_GRADES, state__in=states).exists()


def organizations(user, *, grade: str | None = None, division_code: str | None = None,
                  query: str | None = None) -> QuerySet[Organization]:
    """The businesses the reader may see (the registry's list and filters) with their computed
    grade (``credit_grade``, absent for the default grade), for the regulator's list."""
    queryset = registry_selectors.organizations(user, division_code=division_code, text=query).select_related(
        "credit_grade")
    if grade == weights.default_grade():
        queryset = queryset.filter(Q(credit_grade__grade=grade) | Q(credit_grade__isnull=True))
    elif grade:
        queryset = queryset.filter(credit_grade__grade=grade)
    return queryset


def organization(user, organization_id: int) -> Organization | None:
    return scope(Organization.objects.select_related("credit_grade", "division"), user).filter(
        pk=organization_id).first()


def events(user, organization_id: int | None = None) -> QuerySet[CreditEvent]:
    queryset = scope(CreditEvent.objects.select_related("organization"), user)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset.order_by("-occurred_on", "-id")


def explanation(organization: Organization, on: dt.date | None = None) -> tuple[float, str, list[tuple]]:
    """(score, grade, [(event, line)]) of an organization the caller has already read through scope:
    every event in force with what it counts today."""
    on = on or timezone.localdate()
    rows = list(CreditEvent.objects.filter(organization=organization, state=EventState.IN_FORCE)
                .order_by("-occurred_on", "-id"))
    weight_table, scale = weights.in_force(), weights.scale()
    events_today = [(event.kind, event.occurred_on) for event in rows]
    value, grade = scoring.grade_of(events_today, weight_table, scale, on)
    return value, grade, [(event, scoring.line(event.kind, event.occurred_on, weight_table, on)) for event in rows]


def objections(user, *, state: str | None = None) -> QuerySet[Objection]:
    queryset = scope(Objection.objects.select_related("event__organization", "raised_by", "decided_by"), user)
    return queryset.filter(state=state) if state else queryset
