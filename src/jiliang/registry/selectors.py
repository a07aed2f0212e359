"""Reads of the registry, each scoped to the caller (the public ID card is the one deliberate exception)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from jiliang.accounts.access import scope
from jiliang.accounts.models import Division, DivisionLevel, Role
from jiliang.registry import public_code, rules
from jiliang.registry.codes import normalise_uscc
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


# How a text filter matches names and addresses. CONTAINS: anywhere (the list pages and the choosers);
# SEARCH (the global search): anywhere from SUBSTRING_MIN characters on, at the start below that;
# EXACT (instruments): the whole serial number, or the owner's or site's whole name (shown first).
CONTAINS, SEARCH, EXACT = "contains", "search", "exact"
# On PostgreSQL the trigram indexes (registry migration 0007) find a text inside a name only from three
# characters on; a shorter one inside every name would read the whole table on each keystroke.
SUBSTRING_MIN = 3


def _text_lookup(field: str, text: str, match: str) -> Q:
    if match == EXACT:
        return Q(**{f"{field}__iexact": text})
    if match == SEARCH and len(text) < SUBSTRING_MIN:
        return Q(**{f"{field}__istartswith": text})
    return Q(**{f"{field}__icontains": text})


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
    match: str = CONTAINS,
    sort: str = "name",
) -> QuerySet[Organization]:
    queryset = scope(Organization.objects.select_related("division"), user)
    if division_code:
        queryset = queryset.filter(division__path__contains=f"{division_code}/")
    if status:
        queryset = queryset.filter(status=status)
    if text:
        queryset = queryset.filter(_organization_condition(text, match))
    return queryset.order_by(sort if sort in ORGANIZATION_SORTS else "name", "id")


def _organization_condition(text: str, match: str) -> Q:
    """The name, or the credit code's beginning. Codes are stored normalised (upper case, no spaces), so
    the typed code in that form is a plain prefix, which the code's own index serves."""
    code = normalise_uscc(text)
    condition = _text_lookup("name", text, match)
    return condition | Q(uscc__startswith=code) if code else condition


def sites(
    user,
    *,
    division_code: str | None = None,
    kind: str | None = None,
    organization_id: int | None = None,
    text: str | None = None,
    match: str = CONTAINS,
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
        queryset = queryset.filter(_text_lookup("name", text, match) | _text_lookup("address", text, match))
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


def is_serial_text(text: str) -> bool:
    """Text of letters, digits and separators: a serial number's beginning or a public code, not a name."""
    return bool(rules.search_key(text)) and text.isascii()


def is_public_code(text: str) -> bool:
    """Whether ``text`` is a whole public code (any case, spaces or dashes)."""
    return public_code.is_valid(public_code.normalize(text))


def _text_condition(text: str, match: str) -> Q:
    """Index look-ups only, at a million instruments: text of letters, digits and separators is a
    serial-number prefix (any case, spaces or dashes; EXACT: the whole serial number) or a whole
    public code; other text (Chinese) is part of the owner's or the site's name."""
    if is_serial_text(text):
        key = rules.search_key(text)
        condition = Q(search_key=key) if match == EXACT else _serial_prefix(key)
        return condition | Q(public_code=public_code.normalize(text)) if is_public_code(text) else condition
    return _named_owner_or_site(_text_lookup("name", text, match), match)


# Up to this many organizations and sites of a name, their instruments are read through the owner and
# site indexes from the ids. Said as "owner in (subquery) or site in (subquery)", PostgreSQL instead
# reads the instruments newest first and tests each: 5 s at a million for a name with six instruments,
# and as long for a county officer when the name's many instruments lie in other counties.
NAMED_IDS_MAX = 500


def _named_owner_or_site(name: Q, match: str) -> Q:
    owners, sites = Organization.objects.filter(name).values("id"), Site.objects.filter(name).values("id")
    owner_ids = [row["id"] for row in owners[:NAMED_IDS_MAX + 1]]
    site_ids = [row["id"] for row in sites[:NAMED_IDS_MAX + 1]]
    if len(owner_ids) <= NAMED_IDS_MAX and len(site_ids) <= NAMED_IDS_MAX:
        return Q(owner_id__in=owner_ids) | Q(site_id__in=site_ids)
    # A name that many share: the search lists those organizations and sites, not their instruments;
    # the list pages' filter keeps every instrument of the name.
    return Q(owner__in=owners) | Q(site__in=sites) if match == CONTAINS else Q(pk__in=())


def _serial_prefix(key: str) -> Q:
    upper = rules.prefix_upper_bound(key)
    serial = Q(search_key__gte=key, search_key__startswith=key)
    return serial & Q(search_key__lt=upper) if upper else serial


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
    match: str = CONTAINS,
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
        queryset = queryset.filter(_text_condition(text.strip(), match))
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


# Only what the card shows, in one query without ORDER BY: Django's compiling of the joined models' every
# column and of an ORDER BY was most of the card's CPU at a million instruments (docs/dashboard.md).
CARD_JOINS = ("type", "site", "division", "division__parent")
CARD_COLUMNS = (
    "public_code", "manufacturer", "model", "serial_no", "status", "status_since", "mandatory",
    "type__name_zh", "type__code", "type__regulation", "site__kind",
    # Division.county walks up from a township: each level's name, level and parent.
    "division__name", "division__level", "division__parent_id",
    "division__parent__name", "division__parent__level", "division__parent__parent_id",
)


def public_card(code: str) -> PublicCard | None:
    """The public ID card of an instrument, read without a user: only the fields of PublicCard."""
    normalized = public_code.normalize(code)
    if not public_code.is_valid(normalized):
        return None
    instrument = next(iter(Instrument.objects.filter(public_code=normalized).select_related(*CARD_JOINS)
                           .only(*CARD_COLUMNS)[:1]), None)  # the code is unique: no order needed
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
