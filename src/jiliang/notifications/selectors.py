"""Reads of reminders (scoped like any jurisdiction data) and of a person's own inbox."""

from django.db.models import QuerySet

from jiliang.accounts.access import scope
from jiliang.notifications.models import Notification, Reminder


def inbox(user, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The signed-in person's own notifications, newest first; nobody reads another's inbox."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    queryset = Notification.objects.filter(recipient=user)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    return queryset.order_by("-id")


def unread_count(user) -> int:
    return inbox(user, unread=True).count()


def reminders(user, *, topic: str | None = None) -> QuerySet[Reminder]:
    queryset = scope(Reminder.objects.select_related("organization", "division"), user)
    return queryset.filter(topic=topic) if topic else queryset
