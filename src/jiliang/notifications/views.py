"""The inbox page: the signed-in person's notifications, newest first, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jiliang.notifications import selectors, services
from jiliang.pagination import page_of


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    queryset = selectors.inbox(request.user, unread=True if unread_only else None)
    page = page_of(queryset, offset, 50)
    return render(request, "notifications/inbox.html", {
        "page": page, "unread_only": unread_only, "last_row": page.offset + len(page.items),
    })


@login_required
def open_notification(request, pk: int):
    """Follow a notification's link: it counts as read once its reader has opened it."""
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.mark_read(request.user, notification)
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.mark_read(request.user, notification)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(request.user)
    return redirect("notifications:inbox")
