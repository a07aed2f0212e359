"""Writes of a person's inbox: marking notifications read (audited like every write), and telling
an organization's people something (the notices go out through every configured notifier)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import Role, User
from jiliang.notifications import notifiers, selectors
from jiliang.notifications.models import Notification


@transaction.atomic
def mark_read(user, notification: Notification | None = None) -> int:
    """Mark one notification, or (without one) every unread notification of ``user``, as read;
    returns how many changed. Only the recipient may."""
    if not (user and user.is_authenticated and user.is_active):
        raise AccessDenied(_("请先登录。"))
    unread = selectors.inbox(user, unread=True)
    if notification is not None:
        if notification.recipient_id != user.pk:
            raise AccessDenied(_("只能处理自己的通知。"))
        unread = unread.filter(pk=notification.pk)
    changed = unread.update(read_at=timezone.now())
    if changed:
        selectors.forget_unread_counts([user.pk])
        audit.record(user, "notification.read", notification, object_type=Notification._meta.label,
                     object_id=str(notification.pk) if notification else "",
                     object_repr=notification.title if notification else _("全部通知"),
                     after={"count": changed}, division=user.division)
    return changed


def tell_organization(organization_id: int, *, topic: str, title: str, body: str, url: str = "") -> dict[str, int]:
    """Send one notice to every active owner-side person of an organization through the configured
    notifiers, inside the caller's transaction (the in-app rows commit or roll back with the write
    that caused them; e-mails leave only after the commit)."""
    people = User.objects.filter(role=Role.OWNER, organization_id=organization_id, is_active=True).order_by("pk")
    return notifiers.deliver([notifiers.Notice(recipient=person, topic=topic, title=title, body=body, url=url)
                              for person in people])
