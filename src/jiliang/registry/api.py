"""/api/v1/organizations: market entities, scoped by role and jurisdiction."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jiliang.accounts.models import Division
from jiliang.errors import InvalidInput
from jiliang.pagination import page_of
from jiliang.registry import selectors, services
from jiliang.registry.models import OrganizationStatus

router = Router(tags=["registry"])


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
    uscc: str = Field(..., min_length=1, max_length=32)
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
    return page_of(queryset, filters.offset, filters.limit)


@router.get("organizations/{organization_id}", response=OrganizationOut, summary="One organization")
def get_organization(request, organization_id: int):
    return get_object_or_404(selectors.organizations(request.auth), pk=organization_id)


@router.post("organizations", response={201: OrganizationOut}, summary="Register an organization")
def create_organization(request, payload: OrganizationIn):
    data = payload.dict()
    division = _division(data.pop("division_code"))
    return 201, services.create_organization(request.auth, division=division, **data)


@router.patch("organizations/{organization_id}", response=OrganizationOut, summary="Change an organization")
def update_organization(request, organization_id: int, payload: OrganizationPatch):
    organization = get_object_or_404(selectors.organizations(request.auth), pk=organization_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if "division_code" in changes:
        changes["division"] = _division(changes.pop("division_code"))
    return services.update_organization(request.auth, organization, **changes)
