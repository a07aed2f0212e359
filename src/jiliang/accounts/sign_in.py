"""The steps after the password: the second factor and a due password change (docs/security.md)."""

from django.conf import settings
from django.utils import timezone
from django_otp import user_has_device

from jiliang.accounts import policy


def is_privileged(user) -> bool:
    return policy.is_privileged(user.role, user.is_superuser or user.is_staff,
                                frozenset(settings.JILIANG_PRIVILEGED_ROLES))


def two_factor_required(user) -> bool:
    return settings.JILIANG_TWO_FACTOR_REQUIRED and is_privileged(user)


# Set in a session once it is known to owe no second factor, so that the pages of users without one
# do not look their devices up on every request (a device enrolled later is asked for from the next sign-in).
NONE_OWED = "second_factor_none_owed"


def second_factor_pending(request) -> bool:
    """Signed in with the password, but a second factor is still owed: the user enrolled one (any
    role may), or the policy asks for one."""
    user = request.user
    if not user.is_authenticated or user.is_verified() or request.session.get(NONE_OWED):
        return False
    if two_factor_required(user) or user_has_device(user):
        return True
    request.session[NONE_OWED] = True
    return False


def password_change_due(user) -> bool:
    max_age = settings.JILIANG_PASSWORD_MAX_AGE_DAYS if is_privileged(user) else 0
    return policy.password_change_due(user.password_changed_at, timezone.now(), max_age, user.must_change_password)
