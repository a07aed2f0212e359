from django.conf import settings

from jiliang.notifications.selectors import unread_count
from jiliang.ui.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "menu": menu_for(user, request.path) if user is not None else [],
        "languages": settings.LANGUAGES,
        "unread_notifications": unread_count(user) if user is not None and user.is_authenticated else 0,
    }
