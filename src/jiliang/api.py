"""The HTTP API: one NinjaAPI under /api/, versioned routes under /api/v1/, OpenAPI at /api/docs.

Browsers authenticate with their session (CSRF-checked); machine clients with a bearer token.
Every error, from validation to a crash, has one body: {"code", "message", "fields"}.
"""

import logging
import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from jiliang import schema_errors
from jiliang.accounts.models import ApiToken
from jiliang.accounts.token_scopes import required_scope
from jiliang.api_contract import ObjectBodyParser, check_json_shapes, declare_errors
from jiliang.errors import DomainError
from jiliang.ledger.selectors import UnverifiableProofError

logger = logging.getLogger("jiliang.api")
# A token's "last used" time is written at most once a minute: writing it on every call made each
# API read a database write (on SQLite a write lock), which cost more than many answers themselves.
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` for machine clients; the token acts as its user, within its
    scopes (``APP:read`` for a safe method, ``APP:write`` otherwise) and until it expires."""

    def __init__(self, app: str):
        super().__init__()
        self.app = app

    def authenticate(self, request, token: str):
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, expires_at__gt=timezone.now(),
                    user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        needed = required_scope(self.app, request.method, request.path)
        if needed not in api_token.scopes:
            raise PermissionDenied(_("该令牌没有 %(scope)s 权限，请在“接口令牌”页面另行生成。") % {"scope": needed})
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_USE_RECORDED_EVERY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class ActiveSession(SessionAuth):
    """The browser's session, for signed-in active users only."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def signed_in_where_required(view):
    """The API description (/api/docs, /api/openapi.json) for signed-in users only when
    JILIANG_API_DOCS_LOGIN_REQUIRED is on (by default in production): it maps every endpoint."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if settings.JILIANG_API_DOCS_LOGIN_REQUIRED and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


def app_auth(app: str) -> list:
    """How the routes of one app authenticate: a token with that app's scopes, or the session."""
    return [BearerToken(app), ActiveSession()]


check_json_shapes()


class JiliangAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return declare_errors(super().get_openapi_schema(**kwargs))


api = JiliangAPI(
    title="Jiliang 智慧计量监管服务平台 API",
    version="1",
    description="Bearer-token auth for machine clients, session auth for the browser. "
    "Every error has the body {code, message, fields}.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=signed_in_where_required,
    auth=app_auth("accounts"),
    parser=ObjectBodyParser(),
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def _field_name(location: tuple) -> str:
    """'body.payload.uscc' -> 'uscc': the field a client knows, without ninja's wrapping."""
    parts = [str(p) for p in location if p not in {"body", "query", "path", "form", "payload"}]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(schema_errors.field_message(error))
    return error_response(request, 422, "invalid", _("请求数据有误，请检查标出的字段。"), fields)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request, exc: DjangoValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error_response(request, 422, "invalid", _("请求数据有误，请检查标出的字段。"), fields)


@api.exception_handler(OverflowError)
def on_number_out_of_range(request, exc):
    """A number too large for the database, in a parameter no schema bounded: the client's error."""
    return error_response(request, 422, "invalid", _("数值超出允许范围。"))


@api.exception_handler(DataError)
def on_value_the_database_refuses(request, exc):
    """A value the schema let through but the database cannot store (too long, out of range)."""
    return error_response(request, 422, "invalid", _("数值超出允许范围或格式不符。"))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, "unauthenticated", _("需要登录或有效的接口令牌。"))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error_response(request, 403, "forbidden", str(exc) or _("无权执行此操作。"))


@api.exception_handler(Http404)
def on_http_404(request, exc):
    return error_response(request, 404, "not_found", _("未找到该对象，或不在您的权限范围内。"))


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request, exc):
    return on_http_404(request, exc)


# django-ninja's own HttpErrors carry English text ("Cannot parse request body"): the reader gets Chinese.
HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("请求体不是合法的 JSON 对象。")),
    401: ("unauthenticated", gettext_lazy("需要登录或有效的接口令牌。")),
    403: ("forbidden", gettext_lazy("无权执行此操作。")),
    404: ("not_found", gettext_lazy("未找到该对象，或不在您的权限范围内。")),
    405: ("method_not_allowed", gettext_lazy("该接口地址不支持此方法。")),
    409: ("conflict", gettext_lazy("操作与现有数据冲突。")),
    429: ("throttled", gettext_lazy("请求过于频繁，请稍后再试。")),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code, message = HTTP_ERRORS.get(exc.status_code, ("error", _("请求无法处理。")))
    return error_response(request, exc.status_code, code, str(message))


@api.exception_handler(UnverifiableProofError)
def on_unverifiable_proof(request, exc):
    """The stored log fails its own check (already logged as an alarm): serve nothing of it."""
    return error_response(request, 503, "log_unverifiable",
                          _("透明日志数据未通过签名检查点校验，已告警；暂时无法提供证明，请稍后再试或联系管理员。"))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """A bug: log it with an id the user can quote, and show nothing of the traceback."""
    error_id = getattr(request, "request_id", "") or uuid.uuid4().hex
    logger.exception("unhandled API error %s on %s %s", error_id, request.method, request.path)
    return error_response(
        request, 500, "internal_error",
        _("服务器内部错误，已记录。请将错误编号 %(id)s 告知系统管理员。") % {"id": error_id},
    )


def _mount_routers() -> None:
    from jiliang.accounts.api import router as accounts_router
    from jiliang.credit.api import router as credit_router
    from jiliang.jobs.api import router as tasks_router
    from jiliang.enforcement.api import public_router as public_complaints_router
    from jiliang.enforcement.api import router as enforcement_router
    from jiliang.dashboard.api import router as dashboard_router
    from jiliang.ledger.api import router as ledger_router
    from jiliang.monitoring.api import router as monitoring_router
    from jiliang.notifications.api import router as notifications_router
    from jiliang.portal.api import router as search_router
    from jiliang.portal.plan_api import router as plan_router
    from jiliang.registry.api import router as registry_router
    from jiliang.registry.importing.api import router as imports_router
    from jiliang.supervision.api import public_router as public_draws_router
    from jiliang.supervision.api import router as supervision_router
    from jiliang.verification.api import router as verification_router
    from jiliang.verification.documents.api import router as documents_router
    from jiliang.verification.due_api import router as due_router
    from jiliang.verification.public_api import router as public_check_router

    api.add_router("/v1/", accounts_router, auth=app_auth("accounts"))
    api.add_router("/v1/", registry_router, auth=app_auth("registry"))
    api.add_router("/v1/", imports_router, auth=app_auth("registry"))
    # Background tasks are the registry's imports (and list exports): a registry token polls them.
    api.add_router("/v1/", tasks_router, auth=app_auth("registry"))
    api.add_router("/v1/", ledger_router)
    api.add_router("/v1/", verification_router, auth=app_auth("verification"))
    api.add_router("/v1/", due_router, auth=app_auth("verification"))
    api.add_router("/v1/", documents_router, auth=app_auth("verification"))
    api.add_router("/v1/", monitoring_router, auth=app_auth("monitoring"))
    api.add_router("/v1/", credit_router, auth=app_auth("credit"))
    api.add_router("/v1/", notifications_router)
    api.add_router("/v1/", supervision_router, auth=app_auth("supervision"))
    api.add_router("/v1/", public_draws_router)
    api.add_router("/v1/", dashboard_router, auth=app_auth("registry"))
    api.add_router("/v1/", public_check_router)
    api.add_router("/v1/", enforcement_router, auth=app_auth("enforcement"))
    api.add_router("/v1/", public_complaints_router)
    api.add_router("/v1/", search_router, auth=app_auth("search"))
    api.add_router("/v1/", plan_router, auth=app_auth("plan"))


_mount_routers()
