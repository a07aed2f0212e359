"""/api/v1/organizations, sites, instrument-types and instruments, scoped by role and jurisdiction."""

import dataclasses
import datetime
from decimal import Decimal
from functools import cache
from operator import attrgetter

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from jiliang import concurrency
from jiliang.accounts.models import Division
from jiliang.choices import ChoicePage, ChoiceQuery, SiteChoiceQuery, choice_page
from jiliang.errors import InvalidInput
from jiliang.pagination import api_page, page_of
from jiliang.registry import selectors, services
from jiliang.registry.models import (
    InstrumentStatus,
    InstrumentType,
    Organization,
    OrganizationStatus,
    Purpose,
    Site,
    SiteKind,
    VerificationMode,
)
from jiliang.schemas import Cursor

router = Router(tags=["registry"])


@cache
def _readers(schema: type[Schema]) -> list[tuple[str, attrgetter]]:
    return [(field.alias or name, attrgetter(field.alias or name)) for name, field in schema.model_fields.items()]


def _listed(schema: type[Schema], queryset, filters, keyset: str | None = None):
    """A page of ``queryset`` whose items are dicts keyed as ``schema`` reads them (by keyset in
    the order ``keyset`` when given). Given model instances, ninja resolves each dotted alias
    ("type.code") by parsing a template variable, for every field of every item: a third of a
    list request."""
    if keyset:
        page = api_page(queryset, keyset, cursor=filters.cursor, offset=filters.offset, limit=filters.limit)
    else:
        page = page_of(queryset, filters.offset, filters.limit)
    readers = _readers(schema)
    return dataclasses.replace(page, items=[{key: read(item) for key, read in readers} for item in page.items])


class OrganizationOut(Schema):
    id: int
    uscc: str
    name: str
    legal_representative: str
    contact_name: str
    contact_phone: str = Field(alias="masked_contact_phone")
    division_code: str = Field(alias="division.code")
    division_name: str = Field(alias="division.name")
    address: str
    industry: str
    status: OrganizationStatus


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    offset: int
    limit: int
    has_more: bool


class OrganizationFilter(Schema):
    division: str | None = Field(None, max_length=16, description="division code; its subtree is included")
    status: OrganizationStatus | None = None
    q: str | None = Field(None, max_length=64, description="name or code prefix")
    sort: str = "name"
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class OrganizationIn(Schema):
    uscc: str = Field(..., max_length=40, description="full-width characters, spaces and lower case are normalised")
    name: str = Field(..., min_length=1, max_length=128)
    division_code: str = Field(..., min_length=1, max_length=16)
    legal_representative: str = Field("", max_length=64)
    contact_name: str = Field("", max_length=64)
    contact_phone: str = Field("", max_length=20)
    address: str = Field("", max_length=255)
    industry: str = Field("", max_length=64)
    status: OrganizationStatus = OrganizationStatus.ACTIVE


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    division_code: str | None = Field(None, min_length=1, max_length=16)
    legal_representative: str | None = Field(None, max_length=64)
    contact_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=255)
    industry: str | None = Field(None, max_length=64)
    status: OrganizationStatus | None = None


def _division(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise InvalidInput(_("未知的行政区划代码。"), {"division_code": [_("未知代码 %(code)s") % {"code": code}]})
    return division


@router.get("organizations", response=OrganizationPage, summary="List organizations")
def list_organizations(request, filters: Query[OrganizationFilter]):
    queryset = selectors.organizations(
        request.auth, division_code=filters.division, status=filters.status, text=filters.q,
        sort=filters.sort,
    )
    return _listed(OrganizationOut, queryset, filters)


@router.get("organizations/{organization_id}", response=OrganizationOut, summary="One organization")
def get_organization(request, organization_id: int, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.organizations(request.auth), pk=organization_id))


@router.post("organizations", response={201: OrganizationOut}, summary="Register an organization")
def create_organization(request, payload: OrganizationIn):
    data = payload.dict()
    division = _division(data.pop("division_code"))
    return Status(201, services.create_organization(request.auth, division=division, **data))


@router.patch("organizations/{organization_id}", response=OrganizationOut, summary="Change an organization")
def update_organization(request, organization_id: int, payload: OrganizationPatch, response: HttpResponse):
    organization = get_object_or_404(selectors.organizations(request.auth), pk=organization_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if "division_code" in changes:
        changes["division"] = _division(changes.pop("division_code"))
    return concurrency.tagged(response, services.update_organization(
        request.auth, organization, version=concurrency.if_match(request), **changes))


def _pick(queryset, field: str, value, label: str):
    """The row ``value`` names among those the caller may see, or a 422 on ``field``."""
    found = queryset.filter(pk=value).first() if isinstance(value, int) else queryset.filter(code=value).first()
    if found is None:
        raise InvalidInput(
            _("%(label)s不存在或不在您的权限范围内。") % {"label": label},
            {field: [_("未找到 %(value)s") % {"value": value}]},
        )
    return found


# ---------------------------------------------------------------------------------------------
# Sites

class SiteOut(Schema):
    id: int
    name: str
    kind: SiteKind
    kind_name: str = Field(alias="get_kind_display")
    address: str
    division_code: str = Field(alias="division.code")
    division_name: str = Field(alias="division.name")
    latitude: Decimal | None
    longitude: Decimal | None
    organization_id: int
    organization_name: str = Field(alias="organization.name")


class SitePage(Schema):
    items: list[SiteOut]
    offset: int
    limit: int
    has_more: bool


class SiteFilter(Schema):
    division: str | None = Field(None, max_length=16, description="division code; its subtree is included")
    kind: SiteKind | None = None
    organization: int | None = Field(None, ge=1)
    q: str | None = Field(None, max_length=64, description="part of the name or address")
    sort: str = "name"
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class SiteIn(Schema):
    organization_id: int = Field(..., ge=1)
    name: str = Field(..., min_length=1, max_length=128)
    kind: SiteKind = SiteKind.OTHER
    division_code: str = Field(..., min_length=1, max_length=16)
    address: str = Field("", max_length=255)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class SitePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: SiteKind | None = None
    division_code: str | None = Field(None, min_length=1, max_length=16)
    address: str | None = Field(None, max_length=255)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


@router.get("sites", response=SitePage, summary="List sites (premises)")
def list_sites(request, filters: Query[SiteFilter]):
    queryset = selectors.sites(
        request.auth, division_code=filters.division, kind=filters.kind, organization_id=filters.organization,
        text=filters.q, sort=filters.sort,
    )
    return _listed(SiteOut, queryset, filters)


@router.get("choices/organizations", response=ChoicePage, url_name="organization-choices",
            summary="Organizations whose name contains q or whose USCC starts with it (autocomplete)")
def organization_choices(request, filters: Query[ChoiceQuery]):
    queryset = selectors.organizations(request.auth, text=filters.q.strip() or None)
    return choice_page(queryset, Organization.choice_label, filters.limit)


@router.get("choices/sites", response=ChoicePage, url_name="site-choices",
            summary="Sites whose name or address contains q, of one operator when given (autocomplete)")
def site_choices(request, filters: Query[SiteChoiceQuery]):
    queryset = selectors.sites(request.auth, organization_id=filters.organization, text=filters.q.strip() or None)
    return choice_page(queryset, Site.choice_label, filters.limit)


@router.get("sites/{site_id}", response=SiteOut, summary="One site")
def get_site(request, site_id: int, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.sites(request.auth), pk=site_id))


@router.post("sites", response={201: SiteOut}, summary="Register a site")
def create_site(request, payload: SiteIn):
    data = payload.dict()
    organization = _pick(selectors.organizations(request.auth), "organization_id", data.pop("organization_id"),
                         _("使用单位"))
    division = _division(data.pop("division_code"))
    return Status(201, services.create_site(request.auth, organization=organization, division=division, **data))


@router.patch("sites/{site_id}", response=SiteOut, summary="Change a site")
def update_site(request, site_id: int, payload: SitePatch, response: HttpResponse):
    site = get_object_or_404(selectors.sites(request.auth), pk=site_id)
    changes = payload.dict(exclude_unset=True)
    if "division_code" in changes:
        changes["division"] = _division(changes.pop("division_code") or "")
    return concurrency.tagged(response, services.update_site(request.auth, site, version=concurrency.if_match(request),
                                                             **changes))


# ---------------------------------------------------------------------------------------------
# The instrument type catalogue

class InstrumentTypeOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    category: str
    catalogue_status: str
    regulation: str
    verification_mode: VerificationMode
    verification_interval_months: int | None
    period_note: str
    typical_scope: str
    mandatory: bool
    source: str
    confidence: str
    notes: str


class InstrumentTypeIn(Schema):
    code: str = Field(..., min_length=1, max_length=16)
    name_zh: str = Field(..., min_length=1, max_length=128)
    name_en: str = Field("", max_length=128)
    category: str = Field("", max_length=128)
    catalogue_status: str = Field("", max_length=2000)
    regulation: str = Field("", max_length=2000)
    verification_mode: VerificationMode = VerificationMode.PERIODIC
    verification_interval_months: int | None = Field(None, ge=1, le=600)
    period_note: str = Field("", max_length=2000)
    typical_scope: str = Field("", max_length=2000)
    mandatory: bool = True
    source: str = Field("", max_length=4000)
    confidence: str = Field("", max_length=128)
    notes: str = Field("", max_length=4000)


class InstrumentTypePatch(Schema):
    name_zh: str | None = Field(None, min_length=1, max_length=128)
    name_en: str | None = Field(None, max_length=128)
    category: str | None = Field(None, max_length=128)
    catalogue_status: str | None = Field(None, max_length=2000)
    regulation: str | None = Field(None, max_length=2000)
    verification_mode: VerificationMode | None = None
    verification_interval_months: int | None = Field(None, ge=1, le=600)
    period_note: str | None = Field(None, max_length=2000)
    typical_scope: str | None = Field(None, max_length=2000)
    mandatory: bool | None = None
    source: str | None = Field(None, max_length=4000)
    confidence: str | None = Field(None, max_length=128)
    notes: str | None = Field(None, max_length=4000)


# Fields a PATCH may set to null: the interval ("not known") is the only nullable one.
NULLABLE_TYPE_FIELDS = {"verification_interval_months"}


@router.get("instrument-types", response=list[InstrumentTypeOut], summary="The catalogue of instrument types")
def list_instrument_types(request, q: str | None = Query(None, min_length=1, max_length=64),
                          mode: VerificationMode | None = None):
    return selectors.instrument_types(request.auth, text=q, mode=mode)


@router.get("instrument-types/{code}", response=InstrumentTypeOut, summary="One instrument type")
def get_instrument_type(request, code: str, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.instrument_types(request.auth), code=code))


@router.post("instrument-types", response={201: InstrumentTypeOut}, summary="Add a type (city regulator)")
def create_instrument_type(request, payload: InstrumentTypeIn):
    return Status(201, services.create_instrument_type(request.auth, **payload.dict()))


@router.patch("instrument-types/{code}", response=InstrumentTypeOut, summary="Change a type (city regulator)")
def update_instrument_type(request, code: str, payload: InstrumentTypePatch, response: HttpResponse):
    instrument_type = get_object_or_404(selectors.instrument_types(request.auth), code=code)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in NULLABLE_TYPE_FIELDS}
    return concurrency.tagged(response, services.update_instrument_type(
        request.auth, instrument_type, version=concurrency.if_match(request), **changes))


# ---------------------------------------------------------------------------------------------
# Instruments

class InstrumentOut(Schema):
    id: int
    public_code: str
    type_code: str = Field(alias="type.code")
    type_name: str = Field(alias="type.name_zh")
    serial_no: str
    manufacturer: str
    model: str
    pattern_approval_no: str
    accuracy_class: str
    measuring_range: str
    owner_id: int
    owner_name: str = Field(alias="owner.name")
    site_id: int
    site_name: str = Field(alias="site.name")
    division_code: str = Field(alias="division.code")
    division_name: str = Field(alias="division.name")
    purpose: Purpose
    mandatory: bool
    status: InstrumentStatus
    status_since: datetime.date | None
    install_date: datetime.date | None


class InstrumentPage(Schema):
    items: list[InstrumentOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None = None


class InstrumentFilter(Schema):
    division: str | None = Field(None, max_length=16, description="division code; its subtree is included")
    kind: SiteKind | None = Field(None, description="the kind of the site it is installed at")
    type: str | None = Field(None, max_length=16, description="catalogue code, e.g. MI06")
    status: InstrumentStatus | None = None
    owner: int | None = Field(None, ge=1, description="owner organization id")
    site: int | None = Field(None, ge=1)
    mandatory: bool | None = None
    q: str | None = Field(None, max_length=64, description="serial-number prefix, public code, owner or site name")
    sort: str = "-id"
    cursor: Cursor = None
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class InstrumentIn(Schema):
    type_code: str = Field(..., min_length=1, max_length=16)
    serial_no: str = Field(..., min_length=1, max_length=64)
    manufacturer: str = Field(..., min_length=1, max_length=128)
    model: str = Field("", max_length=64)
    pattern_approval_no: str = Field("", max_length=64)
    accuracy_class: str = Field("", max_length=32)
    measuring_range: str = Field("", max_length=64)
    owner_id: int = Field(..., ge=1)
    site_id: int = Field(..., ge=1)
    purpose: Purpose = Purpose.TRADE_SETTLEMENT
    status: InstrumentStatus = InstrumentStatus.IN_USE
    install_date: datetime.date | None = None
    other_operator_confirmed: bool = Field(False, description="the site is operated by another organization "
                                                                "than the owner, and that is intended")


class InstrumentPatch(Schema):
    type_code: str | None = Field(None, min_length=1, max_length=16)
    serial_no: str | None = Field(None, min_length=1, max_length=64)
    manufacturer: str | None = Field(None, min_length=1, max_length=128)
    model: str | None = Field(None, max_length=64)
    pattern_approval_no: str | None = Field(None, max_length=64)
    accuracy_class: str | None = Field(None, max_length=32)
    measuring_range: str | None = Field(None, max_length=64)
    owner_id: int | None = Field(None, ge=1)
    site_id: int | None = Field(None, ge=1)
    purpose: Purpose | None = None
    install_date: datetime.date | None = None
    other_operator_confirmed: bool = False


class StatusChangeIn(Schema):
    status: InstrumentStatus
    effective_on: datetime.date | None = None
    reason: str = Field("", max_length=255)


class StatusChangeOut(Schema):
    from_status: str
    to_status: InstrumentStatus
    effective_on: datetime.date
    reason: str
    at: datetime.datetime


def _instrument_relations(request, data: dict) -> dict:
    """Turn the payload's codes and ids into the rows they name, among those the caller may see."""
    if data.get("type_code") is not None:
        data["type"] = _pick(InstrumentType.objects.all(), "type_code", data.pop("type_code"), _("器具种类"))
    if data.get("owner_id") is not None:
        data["owner"] = _pick(selectors.organizations(request.auth), "owner_id", data.pop("owner_id"), _("使用单位"))
    if data.get("site_id") is not None:
        data["site"] = _pick(selectors.sites(request.auth), "site_id", data.pop("site_id"), _("安装场所"))
    return data


@router.get("instruments", response=InstrumentPage, summary="List instruments")
def list_instruments(request, filters: Query[InstrumentFilter]):
    queryset = selectors.instruments(
        request.auth, division_code=filters.division, kind=filters.kind, type_code=filters.type,
        status=filters.status, owner_id=filters.owner, site_id=filters.site, mandatory=filters.mandatory,
        text=filters.q, sort=filters.sort,
    )
    return _listed(InstrumentOut, queryset, filters, filters.sort if filters.sort in selectors.INSTRUMENT_SORTS else "-id")


@router.get("instruments/{instrument_id}", response=InstrumentOut, summary="One instrument")
def get_instrument(request, instrument_id: int, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.instruments(request.auth), pk=instrument_id))


@router.get("instruments/{instrument_id}/status-changes", response=list[StatusChangeOut],
            summary="The status history of one instrument")
def list_status_changes(request, instrument_id: int):
    instrument = get_object_or_404(selectors.instruments(request.auth), pk=instrument_id)
    return selectors.status_changes(request.auth, instrument)


@router.post("instruments", response={201: InstrumentOut}, summary="Register an instrument")
def create_instrument(request, payload: InstrumentIn):
    data = _instrument_relations(request, payload.dict())
    return Status(201, services.create_instrument(request.auth, **data))


@router.patch("instruments/{instrument_id}", response=InstrumentOut, summary="Change an instrument")
def update_instrument(request, instrument_id: int, payload: InstrumentPatch, response: HttpResponse):
    instrument = get_object_or_404(selectors.instruments(request.auth), pk=instrument_id)
    changes = payload.dict(exclude_unset=True)
    nulled = sorted(k for k, v in changes.items() if v is None and k != "install_date")
    if nulled:
        raise InvalidInput(_("这些字段不能为空。"), {name: [_("不能为空")] for name in nulled})
    return concurrency.tagged(response, services.update_instrument(
        request.auth, instrument, version=concurrency.if_match(request), **_instrument_relations(request, changes)))


@router.post("instruments/{instrument_id}/status", response={201: StatusChangeOut},
             summary="Change an instrument's status (kept in its history)")
def change_instrument_status(request, instrument_id: int, payload: StatusChangeIn):
    instrument = get_object_or_404(selectors.instruments(request.auth), pk=instrument_id)
    return Status(201, services.change_instrument_status(request.auth, instrument, **payload.dict()))
