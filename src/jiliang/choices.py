"""Autocomplete answers for the searchable selects (``ui.widgets.AutocompleteSelect``): the first
matches of a scoped queryset as value/label pairs, the same labels the form renders server-side."""

from collections.abc import Callable

from django.db.models import QuerySet
from ninja import Field, Schema

from jiliang.schemas import RecordId


class ChoiceQuery(Schema):
    q: str = Field("", max_length=64, description="part of the name (or a code prefix)")
    limit: int = Field(20, ge=1, le=50)


class SiteChoiceQuery(ChoiceQuery):
    organization: RecordId | None = Field(None, description="only the sites this organization operates")


class Choice(Schema):
    value: str
    text: str


class ChoicePage(Schema):
    items: list[Choice]
    has_more: bool


def choice_page(queryset: QuerySet, label: Callable[[object], str], limit: int) -> dict:
    rows = list(queryset[: limit + 1])
    return {"items": [{"value": str(row.pk), "text": label(row)} for row in rows[:limit]],
            "has_more": len(rows) > limit}
