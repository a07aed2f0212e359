"""Pages of the sign-in steps and the account's security: second factor, recovery codes, password."""

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from jiliang.accounts import services, sign_in
from jiliang.errors import DomainError

SETUP_KEY = "two_factor_setup_key"


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=gettext_lazy("原密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=gettext_lazy("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=gettext_lazy("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("ui:home")


def _add_errors(form, error: DomainError) -> None:
    for field, problems in (error.fields or {"__all__": [error.message]}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@login_required
def two_factor(request):
    """The step after the password for a user with a second factor (or whom the policy requires one)."""
    if not user_has_device(request.user):
        return redirect(reverse("accounts:two-factor-setup") + "?" + urlencode({"next": _next_url(request)}))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("验证码不正确。多次输错后须等待一段时间再试。"))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next_url(request)})


def _qr_code_data_url(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code, rendered here: the secret never leaves the server."""
    svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@login_required
def two_factor_setup(request):
    """Enrol a phone (an authenticator app): scan the QR code, type the code it shows."""
    if sign_in.second_factor_pending(request) and user_has_device(request.user):
        return redirect("accounts:two-factor")  # a new phone needs the old one (or a recovery code) first
    key = request.session.get(SETUP_KEY) or random_hex(20)
    request.session[SETUP_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.enrol_totp_device(request.user, key, form.cleaned_data["code"])
        except DomainError as error:
            _add_errors(form, error)
        else:
            del request.session[SETUP_KEY]
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    preview = TOTPDevice(user=request.user, key=key)
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr_code": _qr_code_data_url(preview), "secret": _spaced(preview.bin_key),
        "next": _next_url(request), "required": sign_in.two_factor_required(request.user),
    })


def _spaced(binary_key: bytes) -> str:
    """The key in base32 groups of four, for typing it in by hand."""
    text = base64.b32encode(binary_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@login_required
def security(request):
    return render(request, "accounts/security.html", {
        "has_second_factor": user_has_device(request.user),
        "required": sign_in.two_factor_required(request.user),
    })


@login_required
@require_POST
def renew_recovery_codes(request):
    if not request.user.is_verified():
        messages.error(request, _("请先设置手机验证器。"))
        return redirect("accounts:security")
    codes = services.renew_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.change_password(request.user, data["old_password"], data["new_password1"])
        except DomainError as error:
            _add_errors(form, error)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in; the others end
            messages.success(request, _("密码已修改。您的接口令牌已全部吊销，其他设备上的登录已退出。"))
            return redirect("ui:home")
    return render(request, "ui/form.html", {
        "form": form, "title": _("修改密码"), "cancel_url": reverse("ui:home"),
        "error_message": _("您的密码已到期或由管理员重置，请先设置新密码。") if sign_in.password_change_due(request.user) else "",
    })
