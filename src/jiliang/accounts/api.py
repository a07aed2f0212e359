"""/api/v1/ endpoints for the caller, divisions, the audit log and API tokens."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from jiliang.accounts import selectors, services
from jiliang.accounts.models import DivisionLevel
from jiliang.api import ActiveSession
from jiliang.pagination import api_page
from jiliang.schemas import Cursor, Moment, RecordId

router = Router(tags=["accounts"])


class DivisionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None = Field(None, alias="parent.code")


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_name: str = Field(alias="get_role_display")
    division: DivisionOut | None
    organization_id: int | None
    institution_id: int | None


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    request_id: str


class AuditPage(Schema):
    items: list[AuditEventOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None = None


class AuditFilter(Schema):
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: Moment | None = None
    until: Moment | None = None
    cursor: Cursor = None
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=500)


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    scopes: list[str] = Field(..., min_length=1, description="e.g. registry:read, verification:write, monitoring:ingest")
    days: int | None = Field(None, ge=1, description="days until it expires (default and maximum: settings)")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str


@router.get("me", response=MeOut, summary="The signed-in caller, its role and binding")
def me(request):
    return request.auth


@router.get("divisions", response=list[DivisionOut], summary="Administrative divisions")
def list_divisions(request, level: DivisionLevel | None = None):
    return selectors.divisions(request.auth, level).select_related("parent")


@router.get("audit-events", response=AuditPage, summary="The audit log, scoped to the caller")
def list_audit_events(request, filters: Query[AuditFilter]):
    queryset = selectors.audit_events(
        request.auth, **filters.dict(exclude={"cursor", "offset", "limit"})
    )
    return api_page(queryset, "-at", cursor=filters.cursor, offset=filters.offset, limit=filters.limit)


@router.get("tokens", response=list[TokenOut], summary="The caller's API tokens")
def list_tokens(request):
    return selectors.api_tokens(request.auth)


# Tokens are managed from a signed-in session only: a token cannot mint or revoke tokens.
@router.post("tokens", auth=ActiveSession(), response={201: IssuedTokenOut},
             summary="Issue an API token (shown once; session only)")
def issue_token(request, payload: TokenIn):
    token, raw = services.issue_api_token(request.auth, payload.name, scopes=payload.scopes, days=payload.days)
    token.token = raw
    return Status(201, token)


@router.delete("tokens/{token_id}", auth=ActiveSession(), response=TokenOut,
               summary="Revoke one of the caller's tokens (session only)")
def revoke_token(request, token_id: RecordId):
    token = get_object_or_404(selectors.api_tokens(request.auth), pk=token_id)
    return services.revoke_api_token(request.auth, token)
