"""Use cases that change accounts; each runs in one transaction and leaves an audit row."""

import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiliang.accounts import audit, token_scopes
from jiliang.accounts.access import AccessDenied, require
from jiliang.accounts.models import ApiToken, Division, Role, User, hidden_characters_message
from jiliang.accounts.names import hidden_characters
from jiliang.errors import Conflict, InvalidInput


def name_errors(**names: str) -> dict[str, list[str]]:
    """Per field, a refusal of names that hide characters (bidi controls, zero-width characters)."""
    return {
        field: [hidden_characters_message(found)]
        for field, value in names.items()
        if (found := hidden_characters(value or ""))
    }


def _check_binding(role: str, division, organization, institution, department: str) -> dict[str, list[str]]:
    """Each role is bound to exactly the kind of thing it works on. A plan department's reporter is bound to
    its department and to the city whose department it is (whose officers manage the account)."""
    errors: dict[str, list[str]] = {}
    needs = {
        Role.CITY_REGULATOR: {"division"},
        Role.COUNTY_REGULATOR: {"division"},
        Role.AUDITOR: {"division"},
        Role.INSTITUTION_STAFF: {"institution"},
        Role.OWNER: {"organization"},
        Role.DEPARTMENT: {"division", "department"},
    }
    if role not in needs:
        return {"role": [_("未知角色：%(role)s") % {"role": role}]}
    given = {"division": division, "organization": organization, "institution": institution,
             "department": department or None}
    for name, value in given.items():
        if name in needs[role] and value is None:
            errors[name] = [_("该角色必须绑定此项。")]
        elif name not in needs[role] and value is not None:
            errors[name] = [_("该角色不应绑定此项。")]
    if role == Role.COUNTY_REGULATOR and division is not None and division.level not in {"county", "functional_zone"}:
        errors["division"] = [_("县(区)级监管人员须绑定一个县(区)或功能区。")]
    if role == Role.DEPARTMENT and division is not None and division.level != "prefecture":
        errors["division"] = [_("规划任务填报部门人员须绑定所在的市。")]
    return errors


@transaction.atomic
def create_user(
    actor,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    phone: str = "",
    division: Division | None = None,
    organization=None,
    institution=None,
    department: str = "",
    administrator: bool = False,
    must_change_password: bool = False,
) -> User:
    """``administrator``: also the back office's superuser (/admin/), as the installation's first user is.
    ``must_change_password``: the password was chosen by someone else, who hands it over; the user replaces
    it at the first sign-in."""
    user = User(
        username=username, role=role, display_name=display_name, phone=phone,
        division=division, organization=organization, institution=institution, department=department,
        is_staff=administrator, is_superuser=administrator, must_change_password=must_change_password,
    )
    if actor is not None:
        require(actor, "create", user)
    errors = _check_binding(role, division, organization, institution, department)
    errors.update(name_errors(username=username, display_name=display_name))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(_("用户信息有误。"), errors)
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在。") % {"name": username}, {"username": [_("已存在")]})
    user.set_password(password)
    user.save()
    audit.record(actor, "user.create", user, after=audit.snapshot(user), division=division)
    return user


@transaction.atomic
def set_user_active(actor, user: User, active: bool) -> User:
    require(actor, "change", user)
    before = audit.snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor, "user.activate" if active else "user.deactivate", user,
                 before=before, after=audit.snapshot(user), division=user.division)
    if not active:
        revoke_all_api_tokens(actor, user, "deactivated")
    return user


def _token_errors(name: str, scopes: list[str], days: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("请填写令牌用途。")]
    if not scopes:
        errors["scopes"] = [_("请至少选择一项权限范围。")]
    elif unknown := token_scopes.unknown_scopes(scopes):
        errors["scopes"] = [_("未知的权限范围：%(scopes)s") % {"scopes": "、".join(unknown)}]
    if not 1 <= days <= settings.JILIANG_API_TOKEN_MAX_DAYS:
        errors["days"] = [_("有效期须在 1 至 %(max)d 天之间。") % {"max": settings.JILIANG_API_TOKEN_MAX_DAYS}]
    return errors


@transaction.atomic
def issue_api_token(actor: User, name: str, *, scopes: list[str], days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the actor's own machine client; the raw token is shown once, never stored.

    Callers reach this from a signed-in session only (the API's token endpoints take no token).
    """
    days = settings.JILIANG_API_TOKEN_DAYS if days is None else days
    if errors := _token_errors(name, scopes, days):
        raise InvalidInput(_("令牌信息有误。"), errors)
    raw = "jl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=raw[:8], digest=ApiToken.digest_of(raw), scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(actor, "api_token.issue", token,
                 after=audit.snapshot(token, ["id", "user", "name", "prefix", "scopes", "expires_at"]))
    return token, raw


@transaction.atomic
def revoke_api_token(actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise InvalidInput(_("只能吊销自己的令牌。"))
    before = audit.snapshot(token, ["revoked_at"])
    token.revoked_at = token.revoked_at or timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, "api_token.revoke", token, before=before, after=audit.snapshot(token, ["revoked_at"]))
    return token


def revoke_all_api_tokens(actor, user: User, reason: str) -> int:
    """Revoke every live token of ``user`` inside the caller's transaction (password reset, lock-out,
    deactivation): whoever took over the account or its password must not keep a way in."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit.record(actor, "api_token.revoke_all", user, after={"revoked": count, "reason": reason},
                     division=user.division)
    return count


@transaction.atomic
def password_was_reset(actor, user: User) -> None:
    """After an administrator set ``user``'s password: audit it, revoke the tokens, and make the user
    choose a password only they know at the next sign-in."""
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    audit.record(actor, "user.password_reset", user, division=user.division)
    revoke_all_api_tokens(actor, user, "password_reset")


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> User:
    """The user's own change: the old password proves it is them, the validators judge the new one,
    and every token and every other session of the account stops working."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(old_password):
        errors["old_password"] = [_("原密码不正确。")]
    if new_password == old_password:
        errors["new_password1"] = [_("新密码不能与原密码相同。")]
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        errors.setdefault("new_password1", []).extend(exc.messages)
    if errors:
        raise InvalidInput(_("密码未修改。"), errors)
    user.set_password(new_password)  # a new session hash: Django ends the other sessions at their next request
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(user, "user.password_change", user, division=user.division)
    revoke_all_api_tokens(user, user, "password_change")
    return user


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("恢复码")))
    codes = [StaticToken.random_token() for _i in range(settings.JILIANG_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def enrol_totp_device(user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Enrolment: the first code from the phone proves it holds ``key`` (hex, shown as a QR code).
    Replaces any earlier phone; returns the device and fresh recovery codes, shown once (each works
    once, for a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=str(_("手机验证器")), key=key, confirmed=True)
    if not device.verify_token(code.strip()):  # raising rolls the new device back
        raise InvalidInput(_("验证码不正确或已过期，请输入手机上显示的最新 6 位数字。"), {"code": [_("验证码不正确。")]})
    audit.record(user, "two_factor.enrol", user, division=user.division)
    return device, _new_recovery_codes(user)


@transaction.atomic
def renew_recovery_codes(user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record(user, "two_factor.recovery_codes", user, division=user.division)
    return codes


@transaction.atomic
def reset_second_factor(actor: User, user: User) -> None:
    """An administrator removes a user's phone and recovery codes (a lost phone and lost codes);
    the user enrols again at the next sign-in when the policy requires it."""
    if not actor.is_superuser:
        raise AccessDenied(_("只有系统管理员可以重置双因素认证。"))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor, "two_factor.reset", user, division=user.division)


@transaction.atomic
def verify_second_factor(user: User, code: str):
    """The sign-in step after the password: a code from the phone, or a recovery code (used up).
    Returns the device that matched, or None; both outcomes are audited."""
    device = match_token(user, code.strip().replace(" ", "").lower())
    audit.record(user, "login.second_factor" if device else "login.second_factor_failure", user,
                 after={"device": type(device).__name__} if device else None, division=user.division)
    return device


@transaction.atomic
def lift_lock_out(actor, username: str) -> int:
    """Clear the failed sign-ins of ``username`` before the lock would end by itself (audited)."""
    user = User.objects.select_related("division").filter(username=username).first()
    count, _deleted = AccessAttempt.objects.filter(username=username).delete()
    audit.record(actor, "login.unlock", user, object_type="accounts.User", object_repr=username,
                 after={"cleared_attempts": count}, division=getattr(user, "division", None))
    return count
