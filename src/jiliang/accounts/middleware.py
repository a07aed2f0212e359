"""Per-request context the audit log records: the client address and a request id."""

import uuid

from django.http import JsonResponse
from django.utils.translation import gettext as _

from jiliang.accounts.audit import RequestContext, current_request


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = current_request.set(
            RequestContext(ip_address=request.META.get("REMOTE_ADDR") or None, request_id=request.request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RejectNulCharactersMiddleware:
    """A NUL character in an API request is refused with the error body before any handler runs.

    PostgreSQL cannot store NUL in text and SQLite truncates at it; no legitimate client sends one,
    and the forms already refuse it (Django's ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and self._has_nul(request):
            return JsonResponse(
                {"code": "bad_request", "message": _("请求中含有空字符(NUL)，无法处理。"), "fields": {}},
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        if request.content_type in {"application/json", "application/x-ndjson", "text/plain"}:
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False
