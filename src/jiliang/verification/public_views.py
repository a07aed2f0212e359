"""The public certificate check pages, no sign-in (/check/): a form for number and check code (the
QR code on a certificate opens it filled in), the answer, and the certificate's log receipt."""

import hashlib

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from jiliang.cells import control_characters_in
from jiliang.verification import check_codes, public_check
from jiliang.verification.documents import keys
from jiliang.verification.services import LEDGER_KIND


def client_of(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def check_url(number: str, code: str) -> str:
    """The page a certificate's QR code opens: the check, filled in."""
    return reverse("certificate-check:check") + "?" + urlencode({"number": number, "code": code})


def _asked(request) -> tuple[str, str, dict[str, str]]:
    """The number and code asked for, and a message per empty or oversized field."""
    number, code = request.GET.get("number", "").strip(), request.GET.get("code", "").strip()
    errors = {}
    if not number:
        errors["number"] = _("请输入证书编号。")
    elif len(number) > public_check.MAX_NUMBER_LENGTH:
        errors["number"] = _("证书编号过长，请核对后重新输入。")
    if not code:
        errors["code"] = _("请输入证书上的查验码。")
    elif len(check_codes.normalize(code)) != check_codes.LENGTH:
        errors["code"] = _("查验码为 8 位字母和数字，请核对后重新输入。")
    return number, code, errors


# A result is rendered once per certificate version (public_check.Match: its state and latest log
# entry) and kept this long: a revocation, a supersession or an expiry shows at once (the version is
# read on every request); the names shown are the certificate's own copies as issued.
RESULT_SECONDS = 300
PAGE = "verification/public_check.html"


def _key(part: str, match: public_check.Match, number: str, code: str) -> str:
    """The cache key of ``part`` of the answer for ``match``, as asked (the receipt link repeats the
    number and the code as typed)."""
    asked = hashlib.sha256(f"{number}\n{code}".encode()).hexdigest()[:32]
    return f"jiliang:public-check:{part}:{translation.get_language()}:{match.version()}:{asked}"


def _result(match: public_check.Match, number: str, code: str) -> str:
    """The result's sections for ``match``, from Django's cache or rendered and cached."""
    key = _key("result", match, number, code)
    html = cache.get(key)
    if html is None:
        certificate = public_check.public_of(match)
        context = {"certificate": certificate, "ledger_kind": LEDGER_KIND,
                   "receipt_url": reverse("certificate-check:receipt") + "?" + urlencode({"number": number, "code": code})}
        if certificate.superseded_by:
            context["successor_url"] = check_url(certificate.superseded_by, certificate.superseded_by_code)
        html = render_to_string("verification/includes/public_check_result.html", context)
        cache.set(key, html, RESULT_SECONDS)
    return mark_safe(html)  # rendered by the template engine, which escaped every value


# Cookies that change nothing on the page but its language (in the key) and its CSRF token (put in per request).
SHAREABLE_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME})
TOKEN_SLOT = "jiliang-public-check-csrf-token"


def _shareable(request) -> bool:
    """A reader with no session or message cookie (so not signed in) gets the same page as every
    other such reader but for the CSRF token of the language switch."""
    return set(request.COOKIES) <= SHAREABLE_COOKIES


def _shared_page(request, context: dict, match: public_check.Match, number: str, code: str) -> HttpResponse:
    """The whole answer page for a reader who is not signed in, cached like the result with a slot for
    the reader's own CSRF token: a QR scan costs the version's query and a cache read."""
    key = _key("page", match, number, code)
    html = cache.get(key)
    if html is None:
        html = render_to_string(PAGE, context | {"result": _result(match, number, code), "csrf_token": TOKEN_SLOT},
                                request)
        cache.set(key, html, RESULT_SECONDS)
    return _with_token(request, html)


def _with_token(request, html: str) -> HttpResponse:
    return HttpResponse(html.replace(TOKEN_SLOT, get_token(request)))


ASKED_FIELDS = frozenset({"number", "code"})


def cached_shared_page(request) -> HttpResponse | None:
    """The shared page of a right number and code from the cache, for a reader who is not signed in,
    or None: anything else (no page cached yet, a wrong code, a throttled client, a signed-in reader,
    other or odd fields) is left to the view and the whole middleware stack. A wrong answer is not
    counted here (``look_up``): the view that then answers counts it."""
    fields = request.GET
    if not _shareable(request) or set(fields) != ASKED_FIELDS or any(
            len(fields.getlist(name)) != 1 or control_characters_in(fields[name]) for name in ASKED_FIELDS):
        return None
    number, code, errors = _asked(request)
    if errors:
        return None
    try:
        match = public_check.look_up(number, code, client_of(request))
    except public_check.CheckThrottled:
        return None
    html = cache.get(_key("page", match, number, code)) if match else None
    if html is None:
        return None
    response = _with_token(request, html)
    add_never_cache_headers(response)  # as the view's never_cache
    return response


def _is_the_check(request) -> bool:
    """Whether the request asks for the check page, in the URL configuration it will be resolved with
    (a site or a test may have one without the check)."""
    try:
        return request.path_info == reverse("certificate-check:check", urlconf=getattr(request, "urlconf", None))
    except NoReverseMatch:
        return False


class SharedCheckPageMiddleware:
    """Answers a QR scan (GET /check/ by a reader who is not signed in) from the cached shared page
    right after the CSRF middleware, so the certificate check's busiest answer skips authentication,
    OTP, messages, the sign-in policy, the text guard, axes and the URL resolver, which cost about as
    much CPU as the answer itself and do nothing for such a reader: no session (``_shareable``),
    nothing to sign in, no control character (checked here, else the guard answers as before).

    The same headers as the whole stack: everything before this middleware (security, locale,
    CSRF cookie, request id, access log) runs as before, and the response passes through the
    X-Frame-Options and CSP middleware it skips, in their order in MIDDLEWARE. The state is read
    on every request, so a revocation still shows at the next one (docs/public-check.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        answer = cached_shared_page(request) if request.method == "GET" and _is_the_check(request) else None
        if answer is None:
            return self.get_response(request)
        return XFrameOptionsMiddleware(CSPMiddleware(lambda _request: answer))(request)


@never_cache
@require_safe
def check(request):
    number, code, errors = _asked(request)
    context = {"number": number, "code": code, "errors": errors, "asked": bool(request.GET),
               "root_fingerprint": keys.bureau_ca().fingerprint()}
    status = 200
    if request.GET and not errors:
        try:
            match = public_check.find(number, code, client_of(request))
        except public_check.CheckThrottled as refused:
            context["throttled"] = refused.minutes
            status = 429
        else:
            if match and _shareable(request):
                return _shared_page(request, context, match, number, code)
            status = 200 if match else 404
            if match:
                context["result"] = _result(match, number, code)
    elif errors:
        status = 422 if request.GET else 200
    if not request.GET:
        context["errors"] = {}
    return render(request, PAGE, context, status=status)


@never_cache
@require_safe
def receipt(request):
    """The certificate's tlog-proof receipt, the entry inside, for `jiliang log verify-receipt`."""
    number, code, errors = _asked(request)
    if errors:
        raise Http404
    try:
        certificate = public_check.check(number, code, client_of(request))
    except public_check.CheckThrottled:
        return HttpResponse(_("查询过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8")
    proof = public_check.receipt(certificate) if certificate else None
    if proof is None:
        raise Http404
    response = HttpResponse(proof.to_bytes(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.tlog-proof"'
    return response



@require_safe
def bureau_root(request):
    """The bureau's root certificate, which a reader trusts once to see institutions' signatures as
    valid (docs/public-check.md)."""
    response = HttpResponse(keys.bureau_ca().cert_pem, content_type="application/x-x509-ca-cert")
    response["Content-Disposition"] = 'attachment; filename="bazhong-bureau-root-ca.crt"'
    return response
