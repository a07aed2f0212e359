"""Use cases that change accounts; each runs in one transaction and leaves an audit row."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import require
from jiliang.accounts.models import ApiToken, Division, Role, User
from jiliang.errors import Conflict, InvalidInput


def _check_binding(role: str, division, organization, institution) -> dict[str, list[str]]:
    """Each role is bound to exactly the kind of thing it works on."""
    errors: dict[str, list[str]] = {}
    needs = {
        Role.CITY_REGULATOR: "division",
        Role.COUNTY_REGULATOR: "division",
        Role.AUDITOR: "division",
        Role.INSTITUTION_STAFF: "institution",
        Role.OWNER: "organization",
    }
    if role not in needs:
        return {"role": [_("未知角色：%(role)s") % {"role": role}]}
    given = {"division": division, "organization": organization, "institution": institution}
    required = needs[role]
    if given[required] is None:
        errors[required] = [_("该角色必须绑定此项。")]
    for name, value in given.items():
        if name != required and value is not None:
            errors[name] = [_("该角色不应绑定此项。")]
    if role == Role.COUNTY_REGULATOR and division is not None and division.level not in {"county", "functional_zone"}:
        errors["division"] = [_("县(区)级监管人员须绑定一个县(区)或功能区。")]
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
) -> User:
    user = User(
        username=username, role=role, display_name=display_name, phone=phone,
        division=division, organization=organization, institution=institution,
    )
    if actor is not None:
        require(actor, "create", user)
    errors = _check_binding(role, division, organization, institution)
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
    return user


@transaction.atomic
def issue_api_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's own machine client; the raw token is shown once, never stored."""
    raw = "jl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:8], digest=ApiToken.digest_of(raw))
    audit.record(actor, "api_token.issue", token, after=audit.snapshot(token, ["id", "user", "name", "prefix"]))
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
