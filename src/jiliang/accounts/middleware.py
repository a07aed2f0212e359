"""Per-request context the audit log records: the client address and a request id."""

import logging
import time
import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from jiliang.accounts import sign_in
from jiliang.accounts.audit import RequestContext, current_request
from jiliang.proxies import client_address, parse_networks

access_log = logging.getLogger("jiliang.access")


class RequestContextMiddleware:
    """First in the chain (after the health probes), so every log line of the request carries its
    id and every later part (the audit log, the lock-out by address) sees the client's address,
    not the proxy's (JILIANG_TRUSTED_PROXIES). Writes the access log line when the response is ready."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted_proxies = parse_networks(settings.JILIANG_TRUSTED_PROXIES)

    def __call__(self, request):
        started = time.monotonic()
        request.request_id = uuid.uuid4().hex
        address = client_address(request.META.get("REMOTE_ADDR", ""),
                                 request.META.get("HTTP_X_FORWARDED_FOR", ""), self.trusted_proxies)
        request.META["REMOTE_ADDR"] = address
        token = current_request.set(RequestContext(ip_address=address or None, request_id=request.request_id))
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            access_log.info('%s "%s %s" %s %s %dms', address or "-", request.method, request.get_full_path(),
                            response.status_code, _size(response), (time.monotonic() - started) * 1000)
        finally:
            current_request.reset(token)
        return response


def _size(response) -> str:
    return "-" if response.streaming else str(len(response.content))


# A session's idle deadline is renewed at most this often: renewing it on every request
# (SESSION_SAVE_EVERY_REQUEST) wrote the session row on every page, a database write per request
# that cost more than many of the pages themselves under many users.
SESSION_RENEWAL_SECONDS = 60
SESSION_RENEWED_KEY = "_jiliang_renewed_at"


class SessionRenewalMiddleware:
    """Pushes a used session's idle deadline (SESSION_COOKIE_AGE) on, once a minute at most, so a
    session ends between JILIANG_SESSION_IDLE_MINUTES minus one minute and that many minutes after
    its last use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(SESSION_RENEWED_KEY, 0) >= SESSION_RENEWAL_SECONDS:
                session[SESSION_RENEWED_KEY] = now
        return response


def _always_open() -> set[str]:
    return {reverse("ui:logout"), reverse("set_language")}


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
        # The open paths are resolved only when a step is owed: most requests owe none.
        if sign_in.second_factor_pending(request):
            step = {reverse("accounts:two-factor"), reverse("accounts:two-factor-setup")}
            return None if path in _always_open() | step else self._refuse(request, "accounts:two-factor",
                                                                            _("请先完成双因素认证。"))
        if sign_in.password_change_due(request.user):
            step = {reverse("accounts:password-change")}
            return None if path in _always_open() | step else self._refuse(
                request, "accounts:password-change", _("您的密码已到期或由管理员重置，请先修改密码。"))
        return None

    @staticmethod
    def _refuse(request, step: str, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "unauthenticated", "message": message, "fields": {}}, status=401)
        return redirect_to_login(request.get_full_path(), reverse(step))
