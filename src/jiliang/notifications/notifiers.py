"""The notification interface: a ``Notice`` for one person, delivered by every configured notifier.

A notifier is any class with ``deliver(notices) -> int`` (how many it delivered or queued). The
platform ships three: ``LogNotifier`` (one log line each), ``InAppNotifier`` (a Notification row the
person sees in the web UI, with the unread count in the header) and ``EmailNotifier`` (Django's
e-mail backend, sent after the transaction commits). Others, an SMS gateway for instance, plug in
by dotted path in ``JILIANG_NOTIFIERS`` (docs/configuration.md); the default is log + in-app.
"""

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from jiliang.notifications import selectors
from jiliang.notifications.models import Notification

logger = logging.getLogger("jiliang.notifications")


@contextlib.contextmanager
def platform_language():
    """Compose notices in this (a ``with`` block or a decorator): a notice is stored text that its
    recipient reads later, and the platform does not know the recipient's language, so it is written
    in the platform's (LANGUAGE_CODE), never in the language of whoever caused it (an English reader
    assigning an alert to a Chinese colleague, a job started from an English page)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@dataclass(frozen=True)
class Notice:
    recipient: object  # an accounts.User
    topic: str
    title: str
    body: str = ""
    url: str = ""  # a path inside the platform
    reminder_id: int | None = None


@runtime_checkable
class Notifier(Protocol):
    def deliver(self, notices: Sequence[Notice]) -> int: ...


class LogNotifier:
    """One INFO line per notice on the ``jiliang.notifications`` logger (phone numbers are masked
    by the log filter)."""

    def deliver(self, notices: Sequence[Notice]) -> int:
        for notice in notices:
            logger.info("notice to %s [%s] %s", notice.recipient.get_username(), notice.topic, notice.title)
        return len(notices)


class InAppNotifier:
    """A Notification row per notice, in the caller's transaction; a reminder reaches a person once."""

    def deliver(self, notices: Sequence[Notice]) -> int:
        rows = [
            Notification(recipient=n.recipient, topic=n.topic, title=n.title[:200], body=n.body, url=n.url[:255],
                         reminder_id=n.reminder_id)
            for n in notices
        ]
        Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        selectors.forget_unread_counts(row.recipient_id for row in rows)
        return len(rows)


class EmailNotifier:
    """An e-mail per notice to recipients with an address, sent through Django's EMAIL_BACKEND once
    the caller's transaction has committed (a rolled-back job sends nothing)."""

    def deliver(self, notices: Sequence[Notice]) -> int:
        base = settings.JILIANG_SITE_URL.rstrip("/")
        messages = [
            EmailMessage(subject=n.title, body=f"{n.body}\n\n{base}{n.url}" if n.url else n.body,
                         to=[n.recipient.email])
            for n in notices if n.recipient.email
        ]
        if messages:
            transaction.on_commit(partial(_send, messages))
        return len(messages)


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("sending %d notification e-mails failed", len(messages))


def configured() -> list[Notifier]:
    """The notifiers named in JILIANG_NOTIFIERS, instantiated."""
    notifiers = []
    for path in settings.JILIANG_NOTIFIERS:
        try:
            notifier = import_string(path)()
        except (ImportError, TypeError) as exc:
            raise ImproperlyConfigured(f"JILIANG_NOTIFIERS names {path!r}, which cannot be used: {exc}") from exc
        if not isinstance(notifier, Notifier):
            raise ImproperlyConfigured(f"JILIANG_NOTIFIERS names {path!r}, which has no deliver(notices) method.")
        notifiers.append(notifier)
    return notifiers


def deliver(notices: Sequence[Notice], notifiers: Sequence[Notifier] | None = None) -> dict[str, int]:
    """Hand the notices to every notifier; how many each delivered, by class name."""
    notifiers = configured() if notifiers is None else notifiers
    return {type(notifier).__name__: notifier.deliver(notices) for notifier in notifiers}
