"""/api/v1/notifications: the caller's own inbox (paged without a COUNT), its unread count, and
marking one or all read; nobody reads or marks another person's notifications."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from jiliang.notifications import selectors, services
from jiliang.pagination import page_of
from jiliang.schemas import RecordId

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    offset: int
    limit: int
    has_more: bool


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get("notifications", response=NotificationPage, summary="My notifications, newest first")
def list_notifications(request, unread: bool | None = None, offset: int = Query(0, ge=0, le=10_000_000),
                       limit: int = Query(50, ge=1, le=500)):
    return page_of(selectors.inbox(request.auth, unread=True if unread else None), offset, limit)


@router.get("notifications/unread-count", response=UnreadOut, summary="How many of my notifications are unread")
def unread_count(request):
    return {"unread": selectors.unread_count(request.auth)}


@router.post("notifications/read", response=MarkedOut, summary="Mark all my notifications read")
def mark_all_read(request):
    return {"marked": services.mark_read(request.auth)}


@router.post("notifications/{notification_id}/read", response=MarkedOut, summary="Mark one notification read")
def mark_read(request, notification_id: RecordId):
    notification = get_object_or_404(selectors.inbox(request.auth), pk=notification_id)
    return {"marked": services.mark_read(request.auth, notification)}
