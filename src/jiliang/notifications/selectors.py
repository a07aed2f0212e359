"""Reads of reminders (scoped like any jurisdiction data) and of a person's own inbox."""

from django.core.cache import cache
from django.db import transaction
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


# Every signed-in page shows the unread count; it is kept in the cache between the writes that change
# it (notifiers.InAppNotifier, services.mark_read forget it), at most this long in case another
# process or a direct write changed the rows without forgetting it.
UNREAD_CACHE_SECONDS = 60


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = inbox(user, unread=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def forget_unread_counts(user_ids) -> None:
    """Forget the kept counts now and again once the caller's transaction commits, so that a page
    read in between does not keep the count from before the write."""
    keys = [_unread_key(user_id) for user_id in set(user_ids)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def reminders(user, *, topic: str | None = None) -> QuerySet[Reminder]:
    queryset = scope(Reminder.objects.select_related("organization", "division"), user)
    return queryset.filter(topic=topic) if topic else queryset
