"""The public certificate check pages, no sign-in (/check/): a form for number and check code (the
QR code on a certificate opens it filled in), the answer, and the certificate's log receipt."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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


@never_cache
@require_safe
def check(request):
    number, code, errors = _asked(request)
    context = {"number": number, "code": code, "errors": errors, "asked": bool(request.GET),
               "root_fingerprint": keys.bureau_ca().fingerprint()}
    status = 200
    if request.GET and not errors:
        try:
            certificate = public_check.check(number, code, client_of(request))
        except public_check.CheckThrottled as refused:
            context["throttled"] = refused.minutes
            status = 429
        else:
            context["certificate"] = certificate
            status = 200 if certificate else 404
            if certificate and certificate.superseded_by:
                context["successor_url"] = check_url(certificate.superseded_by, certificate.superseded_by_code)
            if certificate:
                context["ledger_kind"] = LEDGER_KIND
                context["receipt_url"] = reverse("certificate-check:receipt") + "?" + urlencode(
                    {"number": number, "code": code})
    elif errors:
        status = 422 if request.GET else 200
    if not request.GET:
        context["errors"] = {}
    return render(request, "verification/public_check.html", context, status=status)


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
