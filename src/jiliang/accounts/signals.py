"""Sign-in events go to the audit log too: successes, failures and lock-outs."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from jiliang.accounts import audit


def _record_sign_in_event(action: str, actor, username: str, division=None) -> None:
    with transaction.atomic():
        audit.record(actor if actor is not None else username, action, object_type="accounts.User",
                     object_id=str(getattr(actor, "pk", "") or ""), object_repr=username, division=division)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    _record_sign_in_event("login.success", user, user.get_username(), user.division)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record_sign_in_event("logout", user, user.get_username(), user.division)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    _record_sign_in_event("login.failure", None, str(credentials.get("username", ""))[:150])


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    _record_sign_in_event("login.locked_out", None, str(username or "")[:150])
