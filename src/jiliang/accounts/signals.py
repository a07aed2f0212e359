"""Sign-in events go to the audit log too: successes, failures and lock-outs.

A failure or lock-out of a known username is filed under that user's division, so the officers of
that county see it in their audit log; an unknown username is filed under no division (the city's).
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from jiliang.accounts import audit, services
from jiliang.accounts.lockout import LockoutHandler
from jiliang.accounts.models import User


def _record_sign_in_event(action: str, actor, username: str, division=None, user_id="") -> None:
    audit.record(actor if actor is not None else username, action, object_type="accounts.User",
                 object_id=str(getattr(actor, "pk", "") or user_id), object_repr=username, division=division)


def _known_user(username: str) -> User | None:
    return User.objects.select_related("division").filter(username=username).first()


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    with transaction.atomic():
        _record_sign_in_event("login.success", user, user.get_username(), user.division)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            _record_sign_in_event("logout", user, user.get_username(), user.division)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = _known_user(username)
    with transaction.atomic():
        _record_sign_in_event("login.failure", None, username, getattr(user, "division", None),
                              getattr(user, "pk", ""))


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    """A locked account loses its API tokens too: a guessed password must not leave a way in."""
    username = str(username or "")[:150]
    user = _known_user(username)
    with transaction.atomic():
        _record_sign_in_event("login.locked_out", None, username, getattr(user, "division", None),
                              getattr(user, "pk", ""))
        if user is not None and LockoutHandler().username_locked(request, getattr(request, "axes_credentials", None)):
            services.revoke_all_api_tokens(None, user, "locked_out")
