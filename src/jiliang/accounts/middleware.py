"""Per-request context the audit log records: the client address and a request id."""

import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from jiliang.accounts import sign_in
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


class SignInPolicyMiddleware:
    """Signed-in sessions finish signing in before anything else: a second factor when one is owed,
    then a due password change. Pages for signed-in users are never stored by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        detour = self._detour(request) if request.user.is_authenticated else None
        response = detour or self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def _detour(self, request):
        path = request.path
        if path.startswith(settings.STATIC_URL):
            return None
        always_open = {reverse("ui:logout"), reverse("set_language")}
        if sign_in.second_factor_pending(request):
            step = {reverse("accounts:two-factor"), reverse("accounts:two-factor-setup")}
            return None if path in always_open | step else self._refuse(request, "accounts:two-factor",
                                                                         _("请先完成双因素认证。"))
        if sign_in.password_change_due(request.user):
            step = {reverse("accounts:password-change")}
            return None if path in always_open | step else self._refuse(request, "accounts:password-change",
                                                                         _("您的密码已到期或由管理员重置，请先修改密码。"))
        return None

    @staticmethod
    def _refuse(request, step: str, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "unauthenticated", "message": message, "fields": {}}, status=401)
        return redirect_to_login(request.get_full_path(), reverse(step))
