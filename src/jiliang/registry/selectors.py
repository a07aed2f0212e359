"""Reads of the registry, each scoped to the caller (the public ID card is the one deliberate exception)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from jiliang.accounts.access import scope
from jiliang.accounts.models import Division, DivisionLevel, Role
from jiliang.registry import public_code, rules
from jiliang.registry.models import (
    Instrument,
    InstrumentStatusChange,
    InstrumentType,
    Organization,
    Site,
)

ORGANIZATION_SORTS = {"name", "-name", "uscc", "-uscc", "created_at", "-created_at"}
SITE_SORTS = {"name", "-name", "kind", "-kind", "created_at", "-created_at"}
INSTRUMENT_TYPE_SORTS = {"code", "-code", "name_zh", "-name_zh"}
INSTRUMENT_SORTS = {"-id", "id", "public_code", "-public_code", "serial_no", "-serial_no", "status", "-status",
                    "install_date", "-install_date"}


def _subtree_ids(division_code: str) -> list[int]:
    """Ids of a division and everything under it; empty for an unknown code."""
    division = Division.objects.filter(code=division_code).only("path").first()
    if division is None:
        return []
    return list(Division.objects.filter(path__startswith=division.path).values_list("id", flat=True))


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


def sites(
    user,
    *,
    division_code: str | None = None,
    kind: str | None = None,
    organization_id: int | None = None,
    text: str | None = None,
    sort: str = "name",
) -> QuerySet[Site]:
    queryset = scope(Site.objects.select_related("division", "organization"), user)
    if division_code:
        queryset = queryset.filter(division_id__in=_subtree_ids(division_code))
    if kind:
        queryset = queryset.filter(kind=kind)
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(address__icontains=text))
    return queryset.order_by(sort if sort in SITE_SORTS else "name", "id")


def instrument_types(user, *, text: str | None = None, mode: str | None = None) -> QuerySet[InstrumentType]:
    queryset = scope(InstrumentType.objects.all(), user)
    if mode:
        queryset = queryset.filter(verification_mode=mode)
    if text:
        queryset = queryset.filter(
            Q(code__iexact=text) | Q(name_zh__icontains=text) | Q(name_en__icontains=text)
            | Q(category__icontains=text) | Q(regulation__icontains=text)
        )
    return queryset.order_by("code")


def _text_condition(text: str) -> Q:
    """Index look-ups only, at a million instruments: text of letters, digits and separators is a
    serial-number prefix (any case, spaces or dashes) or a whole public code; other text (Chinese)
    is part of the owner's or the site's name."""
    key = rules.search_key(text)
    if key and text.isascii():
        upper = rules.prefix_upper_bound(key)
        serial = Q(search_key__gte=key, search_key__startswith=key)
        condition = serial & Q(search_key__lt=upper) if upper else serial
        code = public_code.normalize(text)
        return condition | Q(public_code=code) if public_code.is_valid(code) else condition
    return Q(owner__in=Organization.objects.filter(name__icontains=text).values("id")) | Q(
        site__in=Site.objects.filter(name__icontains=text).values("id")
    )


def _in_division(queryset: QuerySet[Instrument], division_code: str) -> QuerySet[Instrument]:
    """Instruments in a division's subtree, said as simply as the index can use it."""
    division = Division.objects.filter(code=division_code).first()
    if division is None:
        return queryset.none()
    if division.level == DivisionLevel.TOWNSHIP:
        return queryset.filter(division_id=division.pk)
    if division.level in {DivisionLevel.COUNTY, DivisionLevel.FUNCTIONAL_ZONE}:
        return queryset.filter(county_id=division.pk)
    return queryset.filter(division_id__in=_subtree_ids(division_code))


def instruments(
    user,
    *,
    division_code: str | None = None,
    kind: str | None = None,
    type_code: str | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    site_id: int | None = None,
    mandatory: bool | None = None,
    text: str | None = None,
    sort: str = "-id",
) -> QuerySet[Instrument]:
    queryset = scope(Instrument.objects.select_related("type", "owner", "site", "division"), user)
    if getattr(user, "role", None) == Role.COUNTY_REGULATOR and user.division_id:
        # Implied by the scope already; said as one county so the planner reads an ordered index range.
        queryset = queryset.filter(county_id=user.division_id)
    if division_code:
        queryset = _in_division(queryset, division_code)
    if type_code:
        # The id, not a join on the code: the planner then uses the (…, type, status, id) indexes.
        type_id = InstrumentType.objects.filter(code=type_code).values_list("id", flat=True).first()
        queryset = queryset.filter(type_id=type_id) if type_id else queryset.none()
    if status:
        queryset = queryset.filter(status=status)
    if owner_id:
        queryset = queryset.filter(owner_id=owner_id)
    if site_id:
        queryset = queryset.filter(site_id=site_id)
    if kind:
        queryset = queryset.filter(site__kind=kind)
    if mandatory is not None:
        queryset = queryset.filter(mandatory=mandatory)
    if text:
        queryset = queryset.filter(_text_condition(text.strip()))
    return queryset.order_by(sort if sort in INSTRUMENT_SORTS else "-id", "-id")


def status_changes(user, instrument: Instrument) -> QuerySet[InstrumentStatusChange]:
    return scope(InstrumentStatusChange.objects.filter(instrument=instrument), user).select_related("changed_by")


@dataclass(frozen=True)
class PublicCard:
    """What anyone scanning a label may see: the instrument, never a person or a phone number."""

    public_code: str
    type_name: str
    type_code: str
    regulation: str
    manufacturer: str
    model: str
    serial_no: str
    county: str
    site_kind: str
    status: str
    status_since: object
    mandatory: bool


def public_card(code: str) -> PublicCard | None:
    """The public ID card of an instrument, read without a user: only the fields of PublicCard."""
    normalized = public_code.normalize(code)
    if not public_code.is_valid(normalized):
        return None
    instrument = (
        Instrument.objects.select_related("type", "site", "division", "division__parent")
        .filter(public_code=normalized)
        .first()
    )
    if instrument is None:
        return None
    return PublicCard(
        public_code=instrument.public_code,
        type_name=instrument.type.name_zh,
        type_code=instrument.type.code,
        regulation=instrument.type.regulation,
        manufacturer=instrument.manufacturer,
        model=instrument.model,
        serial_no=instrument.serial_no,
        county=instrument.division.county.name,
        site_kind=instrument.site.get_kind_display(),
        status=instrument.get_status_display(),
        status_since=instrument.status_since,
        mandatory=instrument.mandatory,
    )
