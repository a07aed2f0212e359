"""Reads of the enforcement app, each starting from ``scope``: a county officer reads the county's
complaints and cases, an owner its own organization's cases and commitments."""

from django.db.models import QuerySet

from jiliang.accounts.access import scope
from jiliang.enforcement.models import Case, Commitment, Complaint, ModelUnit, ModelUnitState, Publication


def complaints(user, *, state: str | None = None, division_ids: list[int] | None = None) -> QuerySet[Complaint]:
    queryset = scope(Complaint.objects.select_related("division", "site"), user)
    if state:
        queryset = queryset.filter(state=state)
    if division_ids:
        queryset = queryset.filter(division_id__in=division_ids)
    return queryset


def cases(user, *, stage: str | None = None, division_ids: list[int] | None = None) -> QuerySet[Case]:
    queryset = scope(Case.objects.select_related("organization", "division"), user)
    if stage:
        queryset = queryset.filter(stage=stage)
    if division_ids:
        queryset = queryset.filter(division_id__in=division_ids)
    return queryset


def commitments(user) -> QuerySet[Commitment]:
    return scope(Commitment.objects.select_related("organization"), user)


def model_units(user) -> QuerySet[ModelUnit]:
    return scope(ModelUnit.objects.select_related("organization"), user)


def public_model_units() -> QuerySet[ModelUnit]:
    """Published model units: public by nature, read without signing in."""
    return ModelUnit.objects.filter(state=ModelUnitState.PUBLISHED).select_related("organization")


def publications() -> QuerySet[Publication]:
    """行政处罚信息公示: public by nature (personal data already masked when published)."""
    return Publication.objects.all()
